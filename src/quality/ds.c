/* ds.c: Dawid-Skene (1979) with full confusion matrices, and its one-coin
 * restriction, by EM started from the majority vote.
 *
 * Plain `ds` and `onecoin` are the textbook models with only enough smoothing
 * (TINY pseudo-counts) to keep logarithms finite: they are what the
 * literature and the reference library compute. The priors that make the
 * model robust on sparse data are auto's business (auto.c). */
#include "quality/ds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quality/em.h"
#include "quality/symmetric.h"

/* Small enough not to move an estimate, large enough that log() of an
 * unobserved cell is finite: a worker who never said l keeps P(l) ~ 1e-10. */
#define TINY 1e-10
/* One-coin accuracies stay inside [CLAMP, 1 - CLAMP]: a worker at exactly 1
 * would make two disagreeing perfect workers an impossible event. */
#define ONECOIN_CLAMP 1e-6
/* A learned one-coin prior has settled when no class's share moves by more
 * than this in an iteration (0.01 points). */
#define PRIOR_SETTLED 1e-4

static void mstep_prior(struct tl_q_em *em, const struct tl_q_ds_cfg *cfg) {
    size_t K = em->K;
    if (cfg->uniform_prior) {
        for (size_t k = 0; k < K; k++)
            em->log_prior[k] = -log((double)K);
        return;
    }
    double a = cfg->class_pseudo + TINY, total = 0;
    for (size_t k = 0; k < K; k++)
        total += em->class_mass[k] + a;
    for (size_t k = 0; k < K; k++)
        em->log_prior[k] = log((em->class_mass[k] + a) / total);
}

/* How far the coming mstep_prior() moves the learned class prior (largest
 * change of a probability); 0 when the prior is not learned. */
static double prior_drift(const struct tl_q_em *em, const struct tl_q_ds_cfg *cfg) {
    if (cfg->uniform_prior)
        return 0;
    size_t K = em->K;
    double a = cfg->class_pseudo + TINY, total = 0, drift = 0;
    for (size_t k = 0; k < K; k++)
        total += em->class_mass[k] + a;
    for (size_t k = 0; k < K; k++) {
        double d = fabs((em->class_mass[k] + a) / total - exp(em->log_prior[k]));
        if (d > drift)
            drift = d;
    }
    return drift;
}

/* Full confusion tables; returns the log prior density of the pseudo-counts
 * (up to a constant) for the objective. */
static double mstep_full(struct tl_q_em *em, const struct tl_q_ds_cfg *cfg) {
    size_t K = em->K, KK = K * K;
    double log_density = 0;
    double cell = TINY;
    for (size_t w = 0; w < em->L->n_workers; w++) {
        const double *c = em->counts + w * KK;
        const double *prior =
            cfg->prior_counts ? cfg->prior_counts + (cfg->prior_per_worker ? w * KK : 0) : NULL;
        double *lc = em->logc + w * KK;
        for (size_t k = 0; k < K; k++) {
            double total = 0;
            for (size_t l = 0; l < K; l++) {
                double pc = prior ? prior[k * K + l] : 0.0;
                total += c[l * K + k] + cell + pc;
            }
            double log_total = log(total);
            for (size_t l = 0; l < K; l++) {
                double pc = prior ? prior[k * K + l] : 0.0;
                double lv = log(c[l * K + k] + cell + pc) - log_total;
                lc[l * K + k] = lv;
                log_density += pc * lv;
            }
        }
    }
    return log_density;
}

/* One accuracy per worker from the expected share of right labels (no prior
 * density: the floors do the smoothing). */
static double mstep_onecoin(struct tl_q_em *em, const struct tl_q_ds_cfg *cfg) {
    const struct tl_q_labels *L = em->L;
    size_t K = em->K, KK = K * K;
    for (size_t w = 0; w < L->n_workers; w++) {
        const double *c = em->counts + w * KK;
        double correct = 0, n = (double)(L->worker_off[w + 1] - L->worker_off[w]);
        for (size_t k = 0; k < K; k++)
            correct += c[k * K + k];
        double p = n > 0 ? correct / n : 0.5;
        if (p < ONECOIN_CLAMP)
            p = ONECOIN_CLAMP;
        if (p < cfg->min_accuracy)
            p = cfg->min_accuracy;
        if (p > 1 - ONECOIN_CLAMP)
            p = 1 - ONECOIN_CLAMP;
        double lp = log(p), lq = K > 1 ? log((1 - p) / (double)(K - 1)) : lp;
        double *lc = em->logc + w * KK;
        for (size_t l = 0; l < K; l++)
            for (size_t k = 0; k < K; k++)
                lc[l * K + k] = l == k ? lp : lq;
    }
    return 0;
}

void tl_q_ds_run(struct tl_q_em *em, const struct tl_q_opts *o, const struct tl_q_ds_cfg *cfg,
                 double *objective, int *iterations, bool *converged) {
    if (!cfg->start)
        tl_q_em_init_votes(em);
    else
        memcpy(em->post, cfg->start, em->L->n_tasks * em->K * sizeof *em->post);
    double prev = -HUGE_VAL, obj = -HUGE_VAL;
    double n = (double)(em->L->n ? em->L->n : 1);
    int it = 0, max_iter = o->max_iter > 0 ? o->max_iter : 1; /* logc must be set once */
    *converged = false;
    while (it < max_iter) {
        tl_q_em_counts(em);
        if (cfg->update_prior)
            cfg->update_prior(em, cfg->update_ctx);
        /* A one-coin model with a learned prior creeps along the prior long
         * after the log-likelihood has stopped gaining tol a label (skewed
         * crowds: 7 iterations, then labels still move); it converges when
         * the prior has settled too. */
        double drift = cfg->one_coin && it > 0 ? prior_drift(em, cfg) : 0;
        mstep_prior(em, cfg);
        double log_density = cfg->one_coin ? mstep_onecoin(em, cfg) : mstep_full(em, cfg);
        double ll = tl_q_em_estep(em);
        obj = cfg->ll_only ? ll : ll + log_density;
        it++;
        if ((cfg->ll_only ? fabs(obj - prev) : obj - prev) / n < o->tol && drift < PRIOR_SETTLED) {
            *converged = true;
            break;
        }
        prev = obj;
    }
    *objective = obj;
    *iterations = it;
}

static int ds_common(const struct tl_q_labels *L, const struct tl_q_opts *o, bool one_coin,
                     bool free_model, struct tl_q_result *r) {
    struct tl_q_opts defaults;
    int rc = tl_q_begin(L, &o, &defaults, r);
    if (rc)
        return rc;
    size_t K = L->n_classes;
    if (!tl_q_cells_fit(L->n_workers, K))
        return TL_ETOOBIG;
    struct tl_q_em em;
    rc = tl_q_em_init(&em, L, o);
    if (!rc)
        rc = tl_q_result_alloc(r, L, !one_coin);
    if (rc) {
        tl_q_em_release(&em);
        return rc;
    }
    /* One-coin errors are symmetric, so a crowd's shared bias towards one
     * class can only be explained as that class being common: learning the
     * class prior then feeds on itself (duck: 58% vs 76% for majority vote,
     * relevance: 25% vs 54%). The guarded fit keeps a uniform prior and
     * floors accuracies at chance (1/K); the free fit is the textbook model
     * (learned prior, adversaries below chance), and symmetric.c chooses. */
    struct tl_q_ds_cfg cfg = {.one_coin = one_coin, .uniform_prior = one_coin && !free_model};
    if (one_coin && !free_model)
        cfg.min_accuracy = 1.0 / (double)K;
    tl_q_ds_run(&em, o, &cfg, &r->log_likelihood, &r->iterations, &r->converged);
    tl_q_em_export(&em, r);
    if (one_coin)
        for (size_t w = 0; w < L->n_workers; w++)
            r->skill[w] = exp(em.logc[w * K * K]);
    r->method = one_coin ? TL_Q_ONECOIN : TL_Q_DS;
    tl_q_em_release(&em);
    return 0;
}

int tl_q_ds(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r) {
    return ds_common(L, o, false, false, r);
}

int tl_q_onecoin_fit(const struct tl_q_labels *L, const struct tl_q_opts *o, bool free_model,
                     struct tl_q_result *r) {
    return ds_common(L, o, true, free_model, r);
}
