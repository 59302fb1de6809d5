/* reinfer_scan.h: the read path's fast lane: the string values of a few
 * top-level members of a stored result, without building a JSON tree.
 *
 * Re-inference reads every counted label of a project (1,000,000 at the
 * target size); a choice result is a small object such as {"label":"cat"},
 * and parsing each into a jansson tree was most of the read's time
 * (docs/quality-aggregates.md has the figures). The scanner checks the
 * grammar of the whole object as it goes (objects, arrays, strings with
 * their escapes, numbers, literals; nesting bounded) and answers
 * TL_Q_SCAN_SLOW whenever the fast answer might differ from jansson's: a
 * wanted member whose name or string value has an escape, or a wanted
 * member given twice. The caller then parses with jansson. Pure: no
 * allocation, no store. */
#ifndef TL_QUEUE_REINFER_SCAN_H
#define TL_QUEUE_REINFER_SCAN_H

#include <stddef.h>

#define TL_Q_SCAN_MAX_DEPTH 64

enum tl_q_scan_rc {
    TL_Q_SCAN_OK,   /* found[] filled */
    TL_Q_SCAN_SLOW, /* valid or not, ask jansson */
};

/* A slice of the input: the raw bytes between the quotes (no escapes), or
 * s == NULL when the member is absent or its value is not a string. */
struct tl_q_slice {
    const char *s;
    size_t len;
};

/* Scan object text[0..len) for the members named names[0..n) (n <= 64,
 * NUL-terminated names without escapes); found[i] gets member i's string
 * value. */
enum tl_q_scan_rc tl_queue_scan_strings(const char *text, size_t len, const char *const *names,
                                        size_t n, struct tl_q_slice *found);

#endif
