/* buf.c: bounded growable buffer (see buf.h). */
#include "core/buf.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

void tl_buf_init(struct tl_buf *b, size_t max) {
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

static int grow(struct tl_buf *b, size_t need) {
    if (need > b->max)
        return TL_ETOOBIG;
    if (need + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need + 1)
        cap *= 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return TL_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int tl_buf_append(struct tl_buf *b, const void *p, size_t n) {
    if (n > b->max - b->len)
        return TL_ETOOBIG;
    int rc = grow(b, b->len + n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int tl_buf_puts(struct tl_buf *b, const char *s) {
    return tl_buf_append(b, s, strlen(s));
}

int tl_buf_json_str(struct tl_buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    int rc = tl_buf_append(b, "\"", 1);
    size_t run = 0; /* bytes since the last escape, appended in one go */
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        rc = tl_buf_append(b, s + i - run, run);
        run = 0;
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        if (!rc && (c == '"' || c == '\\')) {
            esc[1] = (char)c;
            rc = tl_buf_append(b, esc, 2);
        } else if (!rc) {
            rc = tl_buf_append(b, esc, 6);
        }
    }
    if (!rc)
        rc = tl_buf_append(b, s + n - run, run);
    if (!rc)
        rc = tl_buf_append(b, "\"", 1);
    return rc;
}

void tl_buf_consume(struct tl_buf *b, size_t n) {
    if (n >= b->len) {
        tl_buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

void tl_buf_reset(struct tl_buf *b) {
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void tl_buf_release(struct tl_buf *b) {
    free(b->data);
    tl_buf_init(b, b->max);
}
