/* split.h: an incremental splitter that cuts an import body into its items
 * (one per JSON line, or one per element of a top-level JSON array) as the
 * body arrives in pieces of any size, so nothing holds the whole body.
 *
 * Grammar and ceilings:
 * - Lines: items end at '\n'; a line of only spaces, tabs and '\r' is
 *   skipped (it still counts for numbering); the last line needs no '\n'.
 * - Array: optional whitespace, '[', items separated by ',' at depth 0,
 *   ']', optional whitespace. An item's end is found by tracking strings,
 *   escapes and bracket depth (at most TL_SPLIT_MAX_DEPTH); its content is
 *   not validated here: each item goes to a JSON parser on its own, which
 *   rejects whatever the scan let through.
 * - An item is at most max_item bytes (TL_ETOOBIG past it).
 * Items are numbered from 1: the line number, or the array index + 1.
 *
 * The same input yields the same items (and the same first error) however
 * it is cut into pieces. An item's bytes point into the caller's piece when
 * the item lies whole inside it, else into the splitter's own buffer; either
 * way they stay valid only until the next call. */
#ifndef TL_SCHEMA_SPLIT_H
#define TL_SCHEMA_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define TL_SPLIT_MAX_DEPTH 512

struct tl_split_item {
    const char *data; /* NULL: no item completed in this call */
    size_t len;
    size_t no; /* line number or array position, from 1 */
};

struct tl_split {
    bool is_array;
    struct tl_buf pending; /* the unfinished item's bytes from earlier pieces */
    bool is_pending_out;   /* the last item handed out lives in pending */
    size_t no;             /* lines seen, or items started */
    /* array scanner state */
    int state; /* private: where in the array grammar the scan is */
    unsigned depth;
    bool is_in_string, is_escaped;
};

/* Set up a splitter for lines or one array; allocates nothing. */
void tl_split_init(struct tl_split *s, bool is_array, size_t max_item);
/* Scan data[0..len) until one item completes or the data ends. Returns 0
 * with *used set to the bytes consumed and *it filled (it->data NULL if no
 * item completed: then *used == len). TL_EINVAL or TL_ETOOBIG with a
 * message naming the line or item in eb; the splitter is then spent. */
int tl_split_feed(struct tl_split *s, const char *data, size_t len, size_t *used,
                  struct tl_split_item *it, struct tl_errbuf *eb);
/* The body has ended: 0 with the last item in *it (lines without a final
 * '\n'; it->data NULL if none), or TL_EINVAL for an unfinished array. */
int tl_split_end(struct tl_split *s, struct tl_split_item *it, struct tl_errbuf *eb);
/* Free what the splitter holds. */
void tl_split_release(struct tl_split *s);

#endif
