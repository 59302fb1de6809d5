/* score.h: a result scored against a gold answer, field by field.
 *
 * Gold is a partial result: {FIELD: VALUE} for the fields whose answer is
 * known. Each of those fields is scored in [0, 1] by its type (exact for
 * choice, Jaccard for multichoice, span F1, box/polygon F1 at IoU >= 0.5,
 * keypoints within a radius, rating/number within a tolerance, text by
 * normalised edit similarity, pairwise/ranking by agreement; the table is
 * in docs/quality-projects.md), and the result's score is their mean. A
 * field the result leaves out scores 0. Pure functions: no store. */
#ifndef TL_SCHEMA_SCORE_H
#define TL_SCHEMA_SCORE_H

#include <jansson.h>

#include "core/err.h"
#include "schema/schema.h"

/* Check gold for schema s: an object naming at least one field of s, each
 * value valid as that field's result (data: the task's data, for fields
 * checked against it; may be NULL otherwise). 0, or TL_EINVAL with the
 * field and the reason in eb, or TL_ENOMEM. */
int tl_schema_check_gold(const struct tl_schema *s, const json_t *gold, const json_t *data,
                         struct tl_errbuf *eb);

/* Score result (a result valid for s) against gold (checked by
 * tl_schema_check_gold): 0 with *score in [0, 1]; per_field, when not
 * NULL, is an object that receives FIELD: score for each field of gold.
 * TL_EINVAL if gold names a field s lacks, TL_ENOMEM. */
int tl_schema_score(const struct tl_schema *s, const json_t *gold, const json_t *result,
                    double *score, json_t *per_field);

#endif
