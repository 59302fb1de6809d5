/* buf.h: a growable byte buffer with a ceiling.
 *
 * Every buffer that grows from untrusted input (request bodies, export pages,
 * import lines) has a maximum size set at init; appending past it fails with
 * TL_ETOOBIG and leaves the buffer unchanged. The buffer owns `data`; the
 * bytes are always followed by a NUL so text can be used as a C string. */
#ifndef TL_CORE_BUF_H
#define TL_CORE_BUF_H

#include <stddef.h>

struct tl_buf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t cap;
    size_t max; /* the ceiling for len */
};

/* Set up an empty buffer that may grow to max bytes. Allocates nothing. */
void tl_buf_init(struct tl_buf *b, size_t max);
/* Append n bytes: 0, TL_ETOOBIG past the ceiling, TL_ENOMEM. */
int tl_buf_append(struct tl_buf *b, const void *p, size_t n);
/* Append a NUL-terminated string. */
int tl_buf_puts(struct tl_buf *b, const char *s);
/* Append a JSON string literal (quotes and escapes) of s[0..n). */
int tl_buf_json_str(struct tl_buf *b, const char *s, size_t n);
/* Drop the first n bytes (consumed output), keeping the rest. */
void tl_buf_consume(struct tl_buf *b, size_t n);
/* Empty the buffer, keeping its memory. */
void tl_buf_reset(struct tl_buf *b);
/* Free the contents; the buffer is empty and reusable afterwards. */
void tl_buf_release(struct tl_buf *b);

#endif
