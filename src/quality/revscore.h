/* revscore.h: reviewers scored against each other and against gold.
 *
 * Input: the decided reviews of one project (docs/quality-review.md), each
 * naming its task, its reviewer (an index into the caller's table), the
 * decision and, for a correction, the corrected result; and for a task
 * with gold, the reviewed answer's gold score as recorded at the decision.
 * Agreement: over every pair of reviews of the same task by two different
 * reviewers, the share where both made the same decision and, when both
 * corrected, gave the same value in every choice field of the schema.
 * Gold: a review is right when its gold score is at least
 * TL_Q_REVIEW_GOLD_RIGHT (exact scores land at 1; the margin absorbs
 * rounding of per-type scores). Pure: no store, no HTTP. */
#ifndef TL_QUALITY_REVSCORE_H
#define TL_QUALITY_REVSCORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "schema/schema.h"

#define TL_Q_REVIEW_GOLD_RIGHT 0.99
#define TL_Q_REVIEW_MAX_PER_TASK 16 /* reviews of one task compared pairwise */

enum tl_q_review_decision { TL_Q_REVIEW_ACCEPT = 1, TL_Q_REVIEW_REJECT, TL_Q_REVIEW_CORRECT };

struct tl_q_review {
    int64_t task;         /* groups the reviews of one task */
    size_t reviewer;      /* index into out[] of tl_q_review_scores */
    int decision;         /* enum tl_q_review_decision */
    const json_t *answer; /* the correction (borrowed), NULL otherwise */
    double gold_score;    /* in [0, 1]; < 0: not a gold task */
};

struct tl_q_reviewer_score {
    int64_t n_reviews;
    int64_t n_pairs, n_agree;     /* pairs with another reviewer on a task */
    int64_t n_gold, n_gold_right; /* reviews of gold tasks */
};

/* Score reviews v[0..n) (sorted in place by task) into out[0..n_reviewers)
 * (zeroed first) under schema s. 0, or TL_EINVAL for a reviewer index out
 * of range. A task with more than TL_Q_REVIEW_MAX_PER_TASK reviews counts
 * the pairs among its first ones only (a bound, never reached by the
 * queue, which asks for two). */
int tl_q_review_scores(const struct tl_schema *s, struct tl_q_review *v, size_t n,
                       struct tl_q_reviewer_score *out, size_t n_reviewers);

/* Whether two corrections agree: the same value in each choice field of s
 * (both absent counts as the same). */
bool tl_q_review_same_choices(const struct tl_schema *s, const json_t *a, const json_t *b);

#endif
