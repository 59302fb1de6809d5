/* csv.h: a cursor over CSV text (RFC 4180) held in memory.
 *
 * Accepted: fields separated by ',', records ended by CRLF, LF or a lone CR,
 * double-quoted fields that may hold commas, line breaks and doubled quotes
 * (""), an optional UTF-8 byte-order mark at the start, and no final line
 * break. Blank lines (zero bytes between two line breaks) are skipped, so a
 * trailing empty line is harmless. A quote inside an unquoted field is kept
 * as a literal character (as Python's csv module does); a closing quote must
 * be followed by a separator or the end of the record.
 *
 * Ceilings: one record may hold at most `max_record` bytes and at most
 * TL_CSV_MAX_FIELDS fields; past either, tl_csv_next() fails with
 * TL_ETOOBIG and a message naming the line.
 *
 * Ownership: the caller owns the text and must keep it alive and unchanged
 * while fields are in use. Field pointers returned by tl_csv_next() point
 * into the text or into the reader's scratch buffer (for fields that needed
 * unescaping) and are valid until the next call to tl_csv_next() or
 * tl_csv_release(). Fields are not NUL-terminated. */
#ifndef TL_CORE_CSV_H
#define TL_CORE_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

#define TL_CSV_MAX_FIELDS         4096
#define TL_CSV_DEFAULT_MAX_RECORD (1u << 20)

struct tl_csv_field {
    const char *ptr;
    size_t len;
};

struct tl_csv {
    const char *name; /* for messages ("name:line: ..."); borrowed, may be NULL */
    const char *text;
    size_t len;
    size_t pos;                  /* cursor: offset of the next unread byte */
    size_t line;                 /* 1-based line number of the byte at pos */
    size_t record_line;          /* line on which the last returned record started */
    size_t max_record;           /* ceiling for one record, in bytes */
    struct tl_csv_field *fields; /* the last record's fields (owned) */
    size_t nfields;
    size_t fields_cap;
    char *scratch; /* unescaped quoted fields (owned), max_record bytes */
    size_t scratch_len;
};

/* Set up a reader over text[0..len) with a record ceiling of max_record bytes
 * (0 means TL_CSV_DEFAULT_MAX_RECORD). Allocates nothing. Set c->name
 * afterwards to have messages start with "name:line:". */
void tl_csv_init(struct tl_csv *c, const char *text, size_t len, size_t max_record);

/* Read the next record into c->fields / c->nfields (at least one field).
 * Returns 0, TL_EEMPTY at the end of the text, TL_EINVAL for malformed
 * quoting, TL_ETOOBIG past a ceiling, TL_ENOMEM; on error eb (may be NULL)
 * says what and on which line ("name:line: what", or "line N: what"). */
int tl_csv_next(struct tl_csv *c, struct tl_errbuf *eb);

/* tl_csv_next() for the data rows of a file with a header: a record without
 * exactly ncols fields is TL_EINVAL ("row has N fields, the header has M"). */
int tl_csv_next_row(struct tl_csv *c, size_t ncols, struct tl_errbuf *eb);

/* Free the reader's buffers; the text is not touched. */
void tl_csv_release(struct tl_csv *c);

/* Read a whole file into a NUL-terminated heap buffer that the caller frees.
 * Fails with TL_EIO (cannot open or read), TL_ETOOBIG (larger than max_bytes)
 * or TL_ENOMEM; eb names the path and the reason. */
int tl_csv_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len,
                     struct tl_errbuf *eb);

/* Write s[0..len) to f as one CSV field: as is, or in double quotes (with
 * quotes doubled) when it holds a comma, quote, CR or LF, or starts or ends
 * with a blank. Returns 0 or TL_EIO. */
int tl_csv_write_field(FILE *f, const char *s, size_t len);

/* Parse the whole field as a finite double (leading/trailing blanks allowed).
 * Returns 0 or TL_EINVAL (empty, trailing garbage, NaN, infinity, overflow). */
int tl_csv_to_double(const char *s, size_t len, double *out);

/* Parse the whole field as a decimal long within [min, max]. Returns 0 or
 * TL_EINVAL. */
int tl_csv_to_long(const char *s, size_t len, long min, long max, long *out);

#endif
