/* method.h: what every truth-inference method shares: the method ids, the
 * options, and the result (infer.h is the registry above the methods; em.h
 * the core below them).
 *
 * Every method reads a finished struct tl_q_labels (never modified) and
 * fills a caller-owned struct tl_q_result (initialised with
 * tl_q_result_init()), releasing what it held first; on failure the result is
 * empty. The caller frees it with tl_q_result_release(). Gold answers in the
 * labels are clamped: a gold task's posterior is its gold class, and the
 * workers are estimated against it.
 *
 * A worker's skill is the method's estimate of the probability that a label
 * of theirs is right: mv, agreement with the vote; wmv, the weight used;
 * ds, sum_k prior_k P(k | k); onecoin, the accuracy; glad, sigmoid(ability)
 * on a task of average difficulty; mace, the probability of knowing; auto,
 * the expected share of their labels that the final posteriors call right.
 *
 * Determinism: for the same labels and options every method produces the
 * same bits, whatever the number of threads: parallel loops write disjoint
 * outputs, and reductions are summed per fixed-size block and then over
 * blocks in order.
 *
 * Numerical safety: posteriors are computed in log space and normalised by
 * their maximum; every estimated probability is smoothed away from 0 and 1,
 * so no output is NaN or infinite. */
#ifndef TL_QUALITY_METHOD_H
#define TL_QUALITY_METHOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "quality/labels.h"

enum tl_q_method {
    TL_Q_AUTO,
    TL_Q_MV,
    TL_Q_WMV,
    TL_Q_DS,
    TL_Q_ONECOIN,
    TL_Q_GLAD,
    TL_Q_MACE,
    TL_Q_METHOD_COUNT
};

struct tl_q_opts {
    int max_iter;  /* EM iterations (100) */
    double tol;    /* stop when the log-likelihood per label gains less (1e-5) */
    uint64_t seed; /* random restarts (MACE) */
    int threads;   /* 0: one per online core, at most 8 */
    /* wmv: worker weights from a prior run ([n_workers], borrowed); when
     * NULL, weights come from gold accuracy or else agreement with MV. */
    const double *worker_weight;
};

/* The defaults above. */
void tl_q_opts_init(struct tl_q_opts *o);

struct tl_q_result {
    size_t n_tasks, n_workers, n_classes;
    uint32_t *label;       /* [n_tasks] inferred class */
    double *confidence;    /* [n_tasks] posterior probability of label */
    double *posterior;     /* [n_tasks * n_classes] row-stochastic */
    double *skill;         /* [n_workers] estimated probability of a correct label */
    double *confusion;     /* [n_workers * K * K] P(label l | true k) at [w][k][l] (DS
                              family only, else NULL) */
    double *class_prior;   /* [n_classes] */
    double log_likelihood; /* of the labels under the fitted model (0 for votes) */
    int iterations;
    bool converged;
    enum tl_q_method method; /* the method that produced the labels */
    char detail[160];        /* what auto chose and why (empty otherwise) */
};

void tl_q_result_init(struct tl_q_result *r);
void tl_q_result_release(struct tl_q_result *r);

/* The signature of every method: 0, TL_EINVAL (labels not finished, bad
 * options), TL_EEMPTY (no labels), TL_ETOOBIG or TL_ENOMEM. o may be NULL
 * (the defaults). */
typedef int (*tl_q_method_fn)(const struct tl_q_labels *L, const struct tl_q_opts *o,
                              struct tl_q_result *r);

#endif
