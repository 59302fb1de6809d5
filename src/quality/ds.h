/* ds.h: Dawid-Skene with full confusion matrices and its one-coin
 * restriction, and the EM loop of the confusion-matrix family that auto
 * builds on (tl_q_ds_run, over the state of em.h). */
#ifndef TL_QUALITY_DS_H
#define TL_QUALITY_DS_H

#include "quality/method.h"

int tl_q_ds(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r);
int tl_q_onecoin(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r);

struct tl_q_em; /* em.h */

/* How a confusion-matrix model is fitted by tl_q_ds_run(). */
struct tl_q_ds_cfg {
    bool one_coin;              /* one accuracy per worker instead of a full table */
    double min_accuracy;        /* one-coin: floor for a worker's accuracy */
    bool uniform_prior;         /* keep the class prior uniform instead of learning it */
    bool ll_only;               /* converge on |change of log-likelihood| alone (for
                                   priors that move between iterations) */
    double class_pseudo;        /* pseudo-count added to every class's mass */
    const double *prior_counts; /* [K*K] extra pseudo-counts for (true k, said l)
                                   at [k*K + l], shared by all workers; or NULL */
    bool prior_per_worker;      /* prior_counts is [n_workers*K*K], one table each */
    const double *start;        /* [n_tasks*K] posteriors to start from, or NULL: votes */
    /* Called after the expected counts and before each M-step (may be NULL):
     * lets a hierarchical prior re-estimate prior_counts (which it owns). */
    void (*update_prior)(struct tl_q_em *em, void *ctx);
    void *update_ctx;
};

/* EM from the vote shares for the model cfg describes until the objective (log-likelihood plus
 * log prior density of the pseudo-counts) gains less than o->tol per label or
 * o->max_iter iterations. On return em->post, logc and log_prior are the
 * final estimates and *objective their objective. */
void tl_q_ds_run(struct tl_q_em *em, const struct tl_q_opts *o, const struct tl_q_ds_cfg *cfg,
                 double *objective, int *iterations, bool *converged);

#endif
