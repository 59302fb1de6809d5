/* score.h: a result scored against a gold answer, field by field, and the
 * similarity measures behind it (shared with the live aggregate,
 * quality/taskagg.h, so that "two regions match" means one thing).
 *
 * Gold is a partial result: {FIELD: VALUE} for the fields whose answer is
 * known. Each of those fields is scored in [0, 1] by its type (the table
 * and the reasons are in docs/quality-aggregation.md):
 *   choice       1 if equal, else 0
 *   multichoice  Jaccard |G and R| / |G or R| (both empty: 1)
 *   spans        F1 of exact matches (start, end and label equal)
 *   boxes, polygons, segments
 *                F1 of a greedy one-to-one matching at IoU >= 0.5, same
 *                label (polygons and turned boxes: IoU on 64 scan lines)
 *   keypoints    F1 of a greedy matching within TL_SCORE_KEYPOINT_RADIUS
 *   relations    F1 on (from, to, label) after the spans are matched
 *   number, rating  max(0, 1 - |d| / (2 * tolerance)), tolerance
 *                tl_schema_tolerance (a rating off by one step: 0.5)
 *   text         1 - lev(a, b) / max(len) on case-folded text with
 *                whitespace runs collapsed, the first
 *                TL_SCORE_TEXT_MAX code points of each
 *   pairwise     1 same answer, 0.5 when exactly one says tie, else 0
 *   ranking      share of concordant pairs ((Kendall tau + 1) / 2)
 *   rubric       mean over criteria of 1 - |d| / (max - min)
 * and the result's score is their mean. A field the result leaves out
 * (or null) scores 0. Region lists of both sides being empty score 1.
 *
 * Cost is bounded whatever the input: region matching looks at the first
 * TL_SCORE_MAX_REGIONS items of each side (O(n*m) similarity calls; the
 * rest count as unmatched), polygon IoU is O(64 * p log p) for p points of
 * the pair, and all the polygon IoUs of one call together spend at most
 * TL_SCORE_POLY_BUDGET of those steps (pairs past the budget do not
 * match). Pure functions: no
 * store, no globals. */
#ifndef TL_SCHEMA_SCORE_H
#define TL_SCHEMA_SCORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "schema/schema.h"

#define TL_SCORE_MATCH            0.5       /* IoU (or similarity) at which regions match */
#define TL_SCORE_KEYPOINT_RADIUS  2.8284271 /* percent units: 2% of a 100x100 diagonal */
#define TL_SCORE_TEXT_MAX         2000      /* code points of a text compared */
#define TL_SCORE_MAX_REGIONS      1000      /* region items of one side matched */
#define TL_SCORE_POLY_ROWS        64        /* scan lines of one polygon IoU */
#define TL_SCORE_POLY_BUDGET      20000000  /* polygon IoU steps per call */

/* Check gold for schema s: an object naming at least one field of s, each
 * value (not null) valid as that field's result (tl_schema_validate_field:
 * a relations gold needs its spans field in the gold too; show_if and
 * required are not applied to a partial answer). data: the task's data,
 * for spans' upper bound; may be NULL. 0, or TL_EINVAL with the field and
 * the reason in eb, or TL_ENOMEM. */
int tl_schema_check_gold(const struct tl_schema *s, const json_t *gold, const json_t *data,
                         struct tl_errbuf *eb);

/* Score result (a result valid for s) against gold (checked by
 * tl_schema_check_gold): 0 with *score in [0, 1]; per_field, when not
 * NULL, is an object that receives FIELD: score for each field of gold.
 * TL_EINVAL if gold names a field s lacks, TL_ENOMEM. */
int tl_schema_score(const struct tl_schema *s, const json_t *gold, const json_t *result,
                    double *score, json_t *per_field);

/* ---- the measures, for the aggregate ---- */

/* One region item read once for repeated comparison. */
struct tl_score_region {
    const json_t *item; /* borrowed from the result */
    size_t index;       /* its index in the list */
    long label;         /* index among the field's labels */
    double v[4];        /* spans/segments: start, end; boxes: x, y, w, h;
                           keypoints: x, y; polygons: their bounding box */
    double *px, *py;    /* owned: polygon points or a turned box's corners */
    size_t n_points;
};

/* Read the first max items of a region list (spans, boxes, polygons,
 * keypoints, segments) of field f: 0 with *out (owned: release with
 * tl_score_regions_free) and *n; items that are malformed or carry an
 * unknown label are skipped. *out is NULL when *n is 0. TL_ENOMEM. */
int tl_score_regions_read(const struct tl_field *f, const json_t *items, size_t max,
                          struct tl_score_region **out, size_t *n);
void tl_score_regions_free(struct tl_score_region *r, size_t n);

/* Similarity of two regions of field f in [0, 1], 0 when the labels
 * differ: IoU for spans, segments, boxes and polygons; for keypoints
 * 1 - distance / (2 * TL_SCORE_KEYPOINT_RADIUS), so that matching at
 * TL_SCORE_MATCH means "within the radius". *budget (polygon IoU steps
 * left) is decreased; a polygon pair past it scores 0. */
double tl_score_region_sim(const struct tl_field *f, const struct tl_score_region *a,
                           const struct tl_score_region *b, long *budget);

/* Normalised edit similarity of two UTF-8 strings, comparing at most max
 * code points of each after case folding (ASCII, Latin-1, Greek, Cyrillic)
 * and collapsing whitespace runs to one space (trimmed). Both empty: 1.
 * O(max^2) time, O(max) memory; -1 on allocation failure. */
double tl_score_text_sim(const char *a, size_t a_len, const char *b, size_t b_len, size_t max);

/* The tolerance of a number or rating field at value x: 1 step for a
 * rating; for a number 5% of max - min when both bounds are set and
 * differ, else 5% of max(|x|, 1). */
double tl_score_tolerance(const struct tl_field *f, double x);

#endif
