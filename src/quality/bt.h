/* bt.h: the fitting kernels behind pairwise.h (internal to src/quality).
 *
 * Battles are summarised per ordered pair of models in dense m x m tables
 * (m = number of models): wins[i*m + j] battles i won against j, ties[i*m +
 * j] ties between them counted once at i < j. Strengths theta are natural-log
 * (theta = r * ln 10) and kept at mean zero. */
#ifndef TL_QUALITY_BT_H
#define TL_QUALITY_BT_H

#include <stddef.h>
#include <stdint.h>

#include "quality/pairwise.h"

/* Working memory for one fit (one per thread): owned arrays. */
struct tl_q_bt_work {
    size_t m, p;   /* models, parameters (m, or m + 1 with Davidson) */
    double *grad;  /* [p] */
    double *hess;  /* [p * p] */
    double *step;  /* [p] */
    double *trial; /* [p] */
};

int tl_q_bt_work_init(struct tl_q_bt_work *w, size_t m, enum tl_q_ties ties);
void tl_q_bt_work_release(struct tl_q_bt_work *w);

/* Maximise the (very weakly penalised, see bt.c) likelihood by damped Newton
 * from the start in params (theta[0..m), then log nu for Davidson). Returns
 * the number of iterations; params hold the estimate. */
int tl_q_bt_fit(struct tl_q_bt_work *w, const double *wins, const double *ties,
                enum tl_q_ties tie_model, double *params);

/* Online Elo over battles order[0..n) (order NULL: 0..n-1) of B, ratings
 * (m entries, Elo points) updated in place from their current values. */
void tl_q_elo_run(const struct tl_q_battles *B, const uint32_t *order, size_t n, double k,
                  double *ratings);

#endif
