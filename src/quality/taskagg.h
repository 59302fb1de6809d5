/* taskagg.h: one task's aggregate from its annotations, field by field.
 *
 * The live half of truth inference: called on every submission (so it
 * must cost microseconds) with the task's counted annotations and each
 * annotator's skill from the project's last full re-inference. Choice
 * fields: the one-coin posterior with those skills (an unknown annotator
 * counts with TL_Q_PRIOR_SKILL) and a uniform class prior; the other types
 * by their own rule (docs/quality-projects.md: regions clustered by IoU,
 * median for ratings and numbers, pairwise/ranking by vote, text from the
 * best-weighted annotator). Confidence per field is the probability the
 * aggregate is right under that rule, in [0, 1]. Uses the schema's types;
 * no store, no HTTP. */
#ifndef TL_QUALITY_TASKAGG_H
#define TL_QUALITY_TASKAGG_H

#include <jansson.h>
#include <stddef.h>

#include "schema/schema.h"

#define TL_Q_PRIOR_SKILL 0.7 /* an annotator with no estimate yet */

struct tl_q_vote {
    const json_t *result; /* one annotation's result object (borrowed) */
    double skill;         /* accuracy estimate in (0, 1); < 0: unknown */
};

struct tl_q_task_agg {
    json_t *result;        /* owned: {FIELD: VALUE} for each field some vote answered */
    json_t *confidence;    /* owned: {FIELD: P} for the same fields */
    double min_confidence; /* the smallest P; 1 when no field has a value */
};

/* Aggregate votes v[0..n) (n >= 0) under schema s into *out (release with
 * tl_q_task_agg_release). 0 or TL_ENOMEM; nothing to release on error. */
int tl_q_task_aggregate(const struct tl_schema *s, const struct tl_q_vote *v, size_t n,
                        struct tl_q_task_agg *out);
void tl_q_task_agg_release(struct tl_q_task_agg *a);

#endif
