/* spanbox.h: the span and box labeling that bench/schema and bench/store
 * measure: one schema (a spans field over a text view, a boxes field over
 * an image view, both optional), a 120-code-point task text with a
 * non-ASCII letter, and results of 5 spans or 5 boxes that fit both. */
#ifndef TB_SPANBOX_H
#define TB_SPANBOX_H

#include <stddef.h>

/* The schema, compact JSON. */
extern const char tb_spanbox_schema[];
/* The task text the spans are checked against (120 code points). */
extern const char tb_spanbox_text[];
/* Result k (owned, compact JSON): 5 spans for even k, 5 boxes for odd k,
 * their offsets varied with k. NULL if out of memory. */
char *tb_spanbox_result(size_t k);

#endif
