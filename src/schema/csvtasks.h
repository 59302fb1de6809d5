/* csvtasks.h: CSV task import (RFC 4180), read incrementally: the body
 * arrives in pieces of any size and each data row becomes one task, a JSON
 * object that maps every header name to that row's value as a string.
 *
 * Grammar (RFC 4180, with the line endings people send):
 * - The first record is the header: one name per column, each non-empty,
 *   valid UTF-8 and unique. Every later record must have exactly as many
 *   fields.
 * - Fields are separated by ','; records end at CRLF, LF or a lone CR; the
 *   last record needs no line break. A record of zero bytes (a blank line)
 *   is skipped, so a trailing empty line is harmless (write a one-column
 *   empty value as "").
 * - A field that starts with '"' is quoted: it may hold ',', CR, LF and
 *   doubled quotes (""), and its closing quote must be followed by ',' or
 *   the end of the record. A quote inside an unquoted field is kept as a
 *   literal character (as Python's csv module and core/csv.h do).
 * - A UTF-8 byte-order mark before the header is dropped; every field must
 *   be valid UTF-8 without NUL bytes (values are stored as JSON strings).
 * Ceilings: a record of at most max_record bytes (after unquoting), a field
 * of at most TL_CSVT_MAX_FIELD bytes, at most TL_CSVT_MAX_COLUMNS columns.
 * Errors name the physical line where the record starts ("line 7: ...").
 *
 * The same body yields the same records (and the same first error) however
 * it is cut into pieces: every byte goes through one state machine whose
 * state lives in struct tl_csvt between calls. */
#ifndef TL_SCHEMA_CSVTASKS_H
#define TL_SCHEMA_CSVTASKS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define TL_CSVT_MAX_COLUMNS 1024
#define TL_CSVT_MAX_FIELD   ((size_t)16 << 20)

struct tl_csvt {
    /* private: the record being read, its fields' end offsets in rec */
    struct tl_buf rec;
    size_t *ends;
    size_t n_fields;
    /* the header: names concatenated in head, their ends in head_ends */
    struct tl_buf head;
    size_t *head_ends;
    size_t n_columns; /* 0 until the header is read */
    int state;
    unsigned bom_seen; /* BOM bytes matched at the very start */
    bool is_bom_done;  /* past the place where a BOM may be */
    bool was_cr;       /* the last byte was CR (CRLF counts as one line) */
    bool is_field_quoted;
    size_t field_start; /* offset of the current field in rec */
    size_t line;        /* physical line of the next byte, from 1 */
    size_t record_line; /* line where the current record started */
    size_t n_rows;      /* data rows handed out */
};

/* Set up a reader with a record ceiling of max_record bytes. Allocates
 * nothing. */
void tl_csvt_init(struct tl_csvt *c, size_t max_record);
/* Read data[0..len) until one data row completes or the data ends. 0 with
 * *used the bytes consumed and *has_row set when a row is ready (read it
 * with tl_csvt_row_json before the next call; *used == len when none is).
 * TL_EINVAL or TL_ETOOBIG with "line N: ..." in eb, TL_ENOMEM; the reader
 * is then spent. */
int tl_csvt_feed(struct tl_csvt *c, const char *data, size_t len, size_t *used, bool *has_row,
                 struct tl_errbuf *eb);
/* The body has ended: 0 with *has_row set if its last record (without a
 * final line break) is a data row; TL_EINVAL for a quoted field left open,
 * or a bad last record. A body with a header and no rows is not an error
 * here (the import decides). */
int tl_csvt_end(struct tl_csvt *c, bool *has_row, struct tl_errbuf *eb);
/* Append the ready row to out as a compact JSON object ({"name":"value",
 * ...} in header order): 0, or out's TL_ETOOBIG / TL_ENOMEM. */
int tl_csvt_row_json(const struct tl_csvt *c, struct tl_buf *out);
/* The line the ready row started on (for the import's messages). */
size_t tl_csvt_row_line(const struct tl_csvt *c);
/* Free what the reader holds; c may be zeroed or released already. */
void tl_csvt_release(struct tl_csvt *c);

#endif
