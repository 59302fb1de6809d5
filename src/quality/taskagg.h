/* taskagg.h: one task's aggregate from its annotations, field by field.
 *
 * The live half of truth inference: called on every submission (so it
 * must cost microseconds) with the task's counted annotations and each
 * annotator's skill from the project's last full re-inference. The rules
 * (docs/quality-aggregation.md has them with their reasons):
 *   choice       one-coin posterior with the votes' skills (an unknown
 *                annotator counts with TL_Q_PRIOR_SKILL), uniform prior
 *                over the options; the winner is the first option of
 *                highest posterior; confidence: its posterior
 *   multichoice  per option, a one-coin yes/no posterior (skill floored at
 *                TL_Q_MULTI_MIN_SKILL); included when above 1/2;
 *                confidence: the product over the options any vote chose
 *                of the posterior of the decision taken
 *   number, rating  skill-weighted (lower) median; confidence: the weight
 *                share of votes within tl_score_tolerance of it (a rating:
 *                equal to it)
 *   rubric       per criterion the weighted median; confidence: the mean
 *                per criterion of the weight share equal to it
 *   text         the vote of highest skill-weighted mean edit similarity
 *                to the others (first TL_Q_TEXT_MAX code points compared);
 *                confidence: that mean (one vote: its skill)
 *   spans, boxes, polygons, keypoints, segments
 *                regions clustered across votes (a region joins the most
 *                similar cluster of its label holding nothing of its vote
 *                yet, when tl_score_region_sim with the cluster's first
 *                region reaches TL_SCORE_MATCH); clusters whose votes hold
 *                more than half the weight are kept, each giving its
 *                medoid (without "id"); confidence: the mean weight share
 *                of the kept clusters, or 1 - the largest share when none
 *                is kept (1 when no vote drew anything)
 *   relations    (from, to, label) mapped through the spans clusters, kept
 *                with more than half the weight
 *   pairwise     weighted vote over a/b/tie (Bradley-Terry on one pair
 *                reduces to it); confidence: the winner's weight share
 *   ranking      weighted Borda count (ties: source order); confidence:
 *                the weighted mean share of pairs each vote orders as the
 *                output does
 * A vote's weight is its skill. Bounds: regions of all votes together are
 * cut at TL_Q_AGG_MAX_REGIONS (clustering is O(regions * clusters)),
 * relations likewise; polygon IoU has the budget of score.h. Votes are
 * expected valid for s; a malformed value or item is skipped, never read
 * out of bounds. Uses the schema's types; no store, no HTTP. */
#ifndef TL_QUALITY_TASKAGG_H
#define TL_QUALITY_TASKAGG_H

#include <jansson.h>
#include <stddef.h>

#include "schema/schema.h"

#define TL_Q_PRIOR_SKILL     0.7  /* an annotator with no estimate yet */
#define TL_Q_MULTI_MIN_SKILL 0.55 /* multichoice: no vote counts against itself */
#define TL_Q_TEXT_MAX        256  /* code points of a text compared when aggregating */
#define TL_Q_AGG_MAX_REGIONS 4096 /* regions (or relations) of one field over all votes */

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
