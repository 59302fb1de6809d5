/* export_pref.h: the preference export: JSON Lines of
 * {"prompt","chosen","rejected"}, the form DPO/RLHF trainers read.
 *
 * One line per annotation per pairwise field (schema order) answered "a"
 * or "b": chosen is the task data's value at the picked source, rejected
 * the other's (each as it is in the data: a string, or a chat list of
 * {"role","content"} turns). Ties, absent or null answers, and pairs whose
 * task data lacks either source are skipped: a pair with no preference or
 * no text teaches a trainer nothing.
 *
 * prompt: the task data's "prompt" value as it is; without one, the whole
 * task data as compact JSON text (a string), so the trainer still sees
 * what the two answers replied to. */
#ifndef TL_SCHEMA_EXPORT_PREF_H
#define TL_SCHEMA_EXPORT_PREF_H

#include <stddef.h>

#include "core/buf.h"
#include "schema/schema.h"
#include "core/model.h"

/* Append t's lines (each with its '\n'): 0, TL_EINTERNAL for stored data
 * or a result that is not a JSON object, TL_ETOOBIG, TL_ENOMEM. On error b
 * may hold part of the lines. */
int tl_pref_export_task(struct tl_buf *b, const struct tl_schema *s,
                        const struct tl_export_task *t);
/* The most bytes tl_pref_export_task appends for t under s. */
size_t tl_pref_export_bound(const struct tl_schema *s, const struct tl_export_task *t);

#endif
