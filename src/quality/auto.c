/* auto.c: the default method: Dawid-Skene with an empirical-Bayes
 * hierarchical prior, in two variants of which a held-out likelihood keeps
 * one, and a weighted vote when not even a pooled confusion matrix can be
 * estimated. docs/quality.md explains the design and the numbers.
 *
 * Plain Dawid-Skene gives every worker K*K free parameters: a worker with
 * twenty labels gets a matrix fitted to noise, and with many rare classes
 * nearly every cell is empty; that is where it falls below the vote (and far
 * below one-coin models when errors really are symmetric). Here row k of
 * worker w's matrix (what w says when the truth is k) gets a Dirichlet prior
 * with mean m_wk and strength s_k, and each M-step adds the pseudo-counts
 * s_k m_wk to the worker's expected counts (the MAP estimate under
 * Dirichlet(s_k m_wk + 1)). The mean is the crowd's row k, in one of two
 * forms:
 *
 *   crowd prior: m_wk[k] = r_k, the crowd's share of right labels for truth
 *                k, and m_wk[l] = (1 - r_k) q_k[l], q_k the crowd's pooled
 *                wrong answers (shrunk towards uniform);
 *   skill prior: the same with r_k moved by the worker's own log-odds of
 *                being right relative to the crowd: logit m_wk[k] =
 *                logit r_k + logit a_w - logit p0, where a_w is the share of
 *                w's labels that the other labels of the same tasks support
 *                (leave-one-out, so a worker cannot vouch for themselves),
 *                shrunk towards the crowd's share p0.
 *
 * The skill prior lets a sparse worker's few labels set one number (their
 * accuracy) instead of K*K; it wins when workers differ mostly in how good
 * they are. The crowd prior wins when they differ in what they confuse. Both
 * are fitted, and the one whose labels are better predicted from the other
 * labels of the same task (the leave-one-out log-likelihood, sum over labels
 * of log sum_k P(truth k | the task's other labels) P(label | k)) is kept.
 *
 * Nothing is tuned by hand: s_k, the strength of the shrinkage of a_w and of
 * q_k are re-estimated at each M-step by maximising the Dirichlet-
 * multinomial evidence of the expected counts, and frozen once they settle
 * (or after EB_ITERS M-steps) so that EM ends on a fixed objective. s -> 0
 * is plain Dawid-Skene.
 *
 * The fallback: when the labels are fewer than the K(K - 1) free parameters
 * of a single pooled matrix (dozens of classes, a few thousand labels: a
 * numeric rating scale read as classes), no confusion model is identifiable
 * and auto uses the weighted majority vote (wmv.c). */
#include "quality/auto.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quality/ds.h"
#include "quality/em.h"
#include "quality/num.h"
#include "quality/par.h"
#include "quality/wmv.h"

#define EB_MIN     1e-3 /* concentration bounds */
#define EB_MAX     1e7
#define EB_STEPS   60   /* bound on the root finder's steps */
#define EB_TOL     1e-4 /* precision of log(concentration) */
#define EB_ITERS   20   /* M-steps that may re-estimate the concentrations */
#define EB_SETTLED 0.01 /* relative change of every one that counts as settled */
#define COUNT_EPS  1e-9 /* expected counts below this contribute nothing */

struct hier {
    size_t K, nw;
    double *prior_counts;    /* [nw*K*K] s_k m_wk[l] at [w*K*K + k*K + l], read by the M-step */
    double *pooled;          /* [K*K] the crowd's expected counts, [k*K + l] */
    double *pattern;         /* [K*K] q_k[l], 0 on the diagonal */
    double *skill_logit;     /* [nw] logit(a_w) - logit(p0) */
    double *row_logit;       /* [K] logit of the crowd\'s share of right labels for truth k */
    double *right;           /* [2*nw] expected right and wrong labels of each worker */
    double *strength;        /* [K] s_k */
    double *last;            /* [K + 2] the concentrations of the previous M-step */
    double *inv;             /* [nw*K*K] exp(-logc), skill prior only */
    double *acc_part;        /* [em->nchunks * 2 * nw] worker_accuracy's partials (skill prior,
                                em->nchunks > 0), else NULL: worker by worker */
    double acc_strength;     /* b */
    double pattern_strength; /* c */
    double p0;               /* the crowd's share of right labels */
    bool use_skill;          /* the skill prior (else the crowd prior) */
    bool have_logc;          /* em->logc holds a previous M-step's tables */
    int updates;             /* M-steps that re-estimated the concentrations */
    bool frozen;             /* concentrations settled: no longer re-estimated */
};

/* Rows of counts and the mean of the Dirichlet they are assumed drawn from:
 * the evidence of the rows as a function of the concentration s is what the
 * estimates below maximise. */
struct eb_rows {
    size_t nrows, ncols;
    /* count (r, j) and mean (r, j), by callbacks so that rows can be
     * strided views (a worker's row k) or computed on the fly */
    double (*count)(const void *ctx, size_t r, size_t j);
    double (*mean)(const void *ctx, size_t r, size_t j);
    const void *ctx;
};

/* The slope f'(s) of the log evidence:
 *   sum_r [ sum_j m_rj (psi(n_rj + s m_rj) - psi(s m_rj)) - (psi(N_r + s) - psi(s)) ].
 * A count far smaller than its pseudo-count (most cells, with soft counts
 * over many classes) enters by its first-order term n psi'(s m). */
static double eb_slope(const struct eb_rows *e, double s) {
    double slope = 0, psi_s = tl_q_digamma(s);
    for (size_t r = 0; r < e->nrows; r++) {
        double total = 0, row = 0;
        for (size_t j = 0; j < e->ncols; j++) {
            double n = e->count(e->ctx, r, j), m = e->mean(e->ctx, r, j), a = s * m;
            total += n;
            if (n <= COUNT_EPS || !(a > 0))
                continue;
            row += m * (n < 1e-3 * a ? n * tl_q_trigamma(a) : tl_q_digamma(n + a) - tl_q_digamma(a));
        }
        if (total > COUNT_EPS)
            slope += row - (tl_q_digamma(total + s) - psi_s);
    }
    return slope;
}

static double clamp_strength(double s) {
    if (!(s > EB_MIN))
        return EB_MIN;
    return s > EB_MAX ? EB_MAX : s;
}

/* The concentration maximising the evidence: the root of the slope in
 * u = log s, bracketed from the warm start s0 outwards and then found by
 * regula falsi (Illinois). The evidence is unimodal in s; a slope that keeps
 * its sign sends s to a bound (rows that look identical: EB_MAX). */
static double eb_concentration(const struct eb_rows *e, double s0) {
    double lo_u = log(EB_MIN), hi_u = log(EB_MAX);
    double ua = log(clamp_strength(s0)), ga = eb_slope(e, exp(ua));
    if (ga == 0)
        return exp(ua);
    double step = ga > 0 ? 0.1 : -0.1, ub = ua, gb = ga;
    for (int it = 0;; it++) {
        ub = ua + step;
        if (ub <= lo_u)
            return EB_MIN;
        if (ub >= hi_u)
            return EB_MAX;
        if (it >= EB_STEPS)
            return exp(ua);
        gb = eb_slope(e, exp(ub));
        if ((gb > 0) != (ga > 0))
            break;
        ua = ub;
        ga = gb;
        step *= 2;
    }
    for (int it = 0; it < EB_STEPS && fabs(ub - ua) > EB_TOL; it++) {
        double uc = (ua * gb - ub * ga) / (gb - ga);
        double gc = eb_slope(e, exp(uc));
        if (gc == 0)
            return exp(uc);
        if ((gc > 0) != (gb > 0)) {
            ua = ub;
            ga = gb;
        } else {
            ga /= 2;
        }
        ub = uc;
        gb = gc;
    }
    return exp(ub);
}

/* Views for eb_rows. */

struct accuracy_view {
    const struct hier *h;
};

static double accuracy_count(const void *ctx, size_t r, size_t j) {
    const struct hier *h = ((const struct accuracy_view *)ctx)->h;
    return h->right[2 * r + j];
}

static double accuracy_mean(const void *ctx, size_t r, size_t j) {
    const struct hier *h = ((const struct accuracy_view *)ctx)->h;
    return j ? 1 - h->p0 : h->p0;
}

struct pattern_view {
    const struct hier *h;
};

/* Row k of the pooled wrong answers, the diagonal left out. */
static double pattern_count(const void *ctx, size_t r, size_t j) {
    const struct hier *h = ((const struct pattern_view *)ctx)->h;
    size_t l = j < r ? j : j + 1;
    return h->pooled[r * h->K + l];
}

static double pattern_mean(const void *ctx, size_t r, size_t j) {
    const struct hier *h = ((const struct pattern_view *)ctx)->h;
    return 1.0 / (double)(h->K - 1);
}

struct worker_view {
    const struct hier *h;
    const double *counts; /* em->counts */
    size_t k;
};

/* Row k of worker r: counts[(r*K + l)*K + k] over l. */
static double worker_count(const void *ctx, size_t r, size_t l) {
    const struct worker_view *v = ctx;
    size_t K = v->h->K;
    return v->counts[(r * K + l) * K + v->k];
}

/* The worker's chance of being right when the truth is k: the crowd's for
 * k, moved by the worker's own log-odds of being right relative to the
 * crowd's (a good worker is good on every class, a class hard for the crowd
 * is hard for everyone). */
static double right_mean(const struct hier *h, size_t w, size_t k) {
    double x = h->row_logit[k] + h->skill_logit[w];
    return tl_q_sigmoid(x);
}

static double worker_mean(const void *ctx, size_t r, size_t l) {
    const struct worker_view *v = ctx;
    const struct hier *h = v->h;
    double a = right_mean(h, r, v->k);
    return l == v->k ? a : (1 - a) * h->pattern[v->k * h->K + l];
}

struct eb_job {
    struct tl_q_em *em;
    struct hier *h;
};

/* Rows k are independent: each thread estimates its own s_k. */
static void strengths_part(void *arg, int tid, int nthreads) {
    struct eb_job *j = arg;
    size_t lo, hi;
    tl_q_par_split(j->h->K, tid, nthreads, &lo, &hi);
    for (size_t k = lo; k < hi; k++) {
        struct worker_view v = {j->h, j->em->counts, k};
        struct eb_rows rows = {j->h->nw, j->h->K, worker_count, worker_mean, &v};
        j->h->strength[k] = eb_concentration(&rows, j->h->strength[k]);
    }
}

/* h->right: for each worker, how many of their labels the other labels of
 * the same tasks support, and how many they do not. The support of label l
 * on task t is the posterior of t with that label's own evidence divided out,
 * post_t(k) / P(l | k, w) renormalised, taken at k = l; tasks with a single
 * label say nothing about its worker and are skipped. Before the first
 * M-step there are no tables to divide by, and the posteriors are used as
 * they are. */

/* The support of label l given the posterior p and inv[k] = 1 / P(l | k)
 * (NULL: p as it is). False when it cannot be taken (p all zero). */
static bool loo_support(const double *p, const double *inv, size_t K, size_t l, double *q) {
    if (!inv) {
        *q = p[l];
        return true;
    }
    double z = 0;
    for (size_t k = 0; k < K; k++)
        z += p[k] * inv[k];
    if (!(z > 0) || !isfinite(z))
        return false;
    *q = p[l] * inv[l] / z;
    return true;
}

struct accuracy_job {
    const struct tl_q_em *em;
    struct hier *h;
    const double *inv; /* h->inv, or NULL before the first M-step */
};

/* In task order (post read in sequence, as for the expected counts), each
 * chunk into its own partials: [2w] support, [2w+1] labels counted. */
static void accuracy_chunks(void *arg, int tid, int nthreads) {
    const struct accuracy_job *j = arg;
    const struct tl_q_em *em = j->em;
    const struct tl_q_labels *L = em->L;
    size_t K = em->K, nw = j->h->nw, clo, chi;
    tl_q_par_split(em->nchunks, tid, nthreads, &clo, &chi);
    for (size_t c = clo; c < chi; c++) {
        double *acc = j->h->acc_part + c * 2 * nw;
        memset(acc, 0, 2 * nw * sizeof *acc);
        size_t tlo, thi;
        tl_q_em_chunk(em, c, &tlo, &thi);
        for (size_t t = tlo; t < thi; t++) {
            size_t lo = L->task_off[t], hi = L->task_off[t + 1];
            if (j->inv && hi - lo < 2)
                continue;
            for (size_t i = lo; i < hi; i++) {
                size_t w = L->by_task_worker[i], l = L->by_task_class[i];
                double q;
                if (loo_support(em->post + t * K, j->inv ? j->inv + (w * K + l) * K : NULL, K, l,
                                &q)) {
                    acc[2 * w] += q;
                    acc[2 * w + 1] += 1;
                }
            }
        }
    }
}

static void worker_accuracy(const struct tl_q_em *em, struct hier *h) {
    const struct tl_q_labels *L = em->L;
    size_t K = h->K, nw = h->nw, cells = nw * K * K;
    /* 1 / P(l | k) once per table cell, not once per label */
    const double *inv = NULL;
    if (h->have_logc) {
        for (size_t j = 0; j < cells; j++)
            h->inv[j] = exp(-em->logc[j]);
        inv = h->inv;
    }
    if (h->acc_part) {
        struct accuracy_job job = {em, h, inv};
        tl_q_par_run(em->nthreads, accuracy_chunks, &job);
        for (size_t w = 0; w < nw; w++) {
            double right = 0, n = 0;
            for (size_t c = 0; c < em->nchunks; c++) {
                right += h->acc_part[(c * nw + w) * 2];
                n += h->acc_part[(c * nw + w) * 2 + 1];
            }
            h->right[2 * w] = right;
            h->right[2 * w + 1] = n - right > 0 ? n - right : 0;
        }
        return;
    }
    /* tables too large for a copy per chunk: worker by worker */
    for (size_t w = 0; w < nw; w++) {
        double right = 0, n = 0;
        for (size_t i = L->worker_off[w]; i < L->worker_off[w + 1]; i++) {
            size_t t = L->by_worker_task[i], l = L->by_worker_class[i];
            if (inv && L->task_off[t + 1] - L->task_off[t] < 2)
                continue;
            double q;
            if (loo_support(em->post + t * K, inv ? inv + (w * K + l) * K : NULL, K, l, &q)) {
                right += q;
                n += 1;
            }
        }
        h->right[2 * w] = right;
        h->right[2 * w + 1] = n - right > 0 ? n - right : 0;
    }
}

/* Called by tl_q_ds_run() with fresh expected counts, before the M-step. */
static void hier_update(struct tl_q_em *em, void *ctx) {
    struct hier *h = ctx;
    size_t K = h->K, KK = K * K, nw = h->nw;

    /* The crowd: pooled counts, share of right labels, error pattern. */
    memset(h->pooled, 0, KK * sizeof *h->pooled);
    for (size_t w = 0; w < nw; w++)
        for (size_t l = 0; l < K; l++)
            for (size_t k = 0; k < K; k++)
                h->pooled[k * K + l] += em->counts[(w * K + l) * K + k];
    double diag = 0, total = 0;
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            total += h->pooled[k * K + l];
            diag += l == k ? h->pooled[k * K + l] : 0;
        }
    h->p0 = (diag + 1) / (total + 2);
    struct pattern_view pv = {h};
    struct eb_rows pattern_rows = {K, K - 1, pattern_count, pattern_mean, &pv};
    if (!h->frozen)
        h->pattern_strength = eb_concentration(&pattern_rows, h->pattern_strength);
    for (size_t k = 0; k < K; k++) {
        double wrong = 0;
        for (size_t l = 0; l < K; l++)
            wrong += l == k ? 0 : h->pooled[k * K + l];
        for (size_t l = 0; l < K; l++)
            h->pattern[k * K + l] =
                l == k ? 0
                       : (h->pooled[k * K + l] + h->pattern_strength / (double)(K - 1)) /
                             (wrong + h->pattern_strength);
    }

    /* Each worker's accuracy (skill prior only), shrunk towards the crowd's. */
    if (h->use_skill && !h->frozen) {
        worker_accuracy(em, h);
        struct accuracy_view av = {h};
        struct eb_rows accuracy_rows = {nw, 2, accuracy_count, accuracy_mean, &av};
        h->acc_strength = eb_concentration(&accuracy_rows, h->acc_strength);
        double logit_p0 = log(h->p0 / (1 - h->p0));
        for (size_t w = 0; w < nw; w++) {
            double n = h->right[2 * w] + h->right[2 * w + 1];
            double a = (h->right[2 * w] + h->acc_strength * h->p0) / (n + h->acc_strength);
            h->skill_logit[w] = log(a / (1 - a)) - logit_p0;
        }
    }
    h->have_logc = true;
    for (size_t k = 0; k < K; k++) {
        double row = 0;
        for (size_t l = 0; l < K; l++)
            row += h->pooled[k * K + l];
        double pk =
            (h->pooled[k * K + k] + h->p0) / (row + 1); /* one label of the crowd's average */
        h->row_logit[k] = log(pk / (1 - pk));
    }

    /* How closely each worker's rows follow that mean. */
    if (!h->frozen) {
        struct eb_job job = {em, h};
        int nthreads = em->nthreads < (int)K ? em->nthreads : (int)K;
        tl_q_par_run(nthreads, strengths_part, &job);
    }
    for (size_t w = 0; w < nw; w++) {
        double *pc = h->prior_counts + w * KK;
        for (size_t k = 0; k < K; k++) {
            double a = right_mean(h, w, k);
            for (size_t l = 0; l < K; l++)
                pc[k * K + l] = h->strength[k] * (l == k ? a : (1 - a) * h->pattern[k * K + l]);
        }
    }

    /* Freeze the concentrations and the workers' skills once they settle
     * (or after EB_ITERS M-steps): only the crowd's means then follow the
     * counts, and EM stops in a few more steps, where re-estimating forever
     * would creep (more pooling makes the expected counts look more alike,
     * which asks for more pooling). */
    if (h->frozen)
        return;
    bool settled = h->updates > 0;
    for (size_t k = 0; k < K + 2 && settled; k++) {
        double now = k < K ? h->strength[k] : k == K ? h->acc_strength : h->pattern_strength;
        settled = fabs(now - h->last[k]) <= EB_SETTLED * h->last[k];
    }
    memcpy(h->last, h->strength, K * sizeof *h->last);
    h->last[K] = h->acc_strength;
    h->last[K + 1] = h->pattern_strength;
    if (settled || ++h->updates >= EB_ITERS)
        h->frozen = true;
}

static void hier_free(struct hier *h) {
    free(h->prior_counts);
    free(h->pooled);
    free(h->pattern);
    free(h->skill_logit);
    free(h->row_logit);
    free(h->right);
    free(h->strength);
    free(h->last);
    free(h->inv);
    free(h->acc_part);
    memset(h, 0, sizeof *h);
}

static int hier_init(struct hier *h, const struct tl_q_labels *L, bool use_skill) {
    size_t K = L->n_classes, nw = L->n_workers;
    /* Start: K pseudo-labels a row, 2 for accuracies and patterns. */
    *h = (struct hier){.K = K, .nw = nw, .acc_strength = 2, .pattern_strength = 2};
    h->use_skill = use_skill;
    h->prior_counts = malloc(nw * K * K * sizeof *h->prior_counts);
    h->pooled = malloc(K * K * sizeof *h->pooled);
    h->pattern = malloc(K * K * sizeof *h->pattern);
    h->skill_logit = calloc(nw, sizeof *h->skill_logit);
    h->row_logit = malloc(K * sizeof *h->row_logit);
    h->right = malloc(2 * nw * sizeof *h->right);
    h->strength = malloc(K * sizeof *h->strength);
    h->last = malloc((K + 2) * sizeof *h->last);
    if (use_skill)
        h->inv = malloc(nw * K * K * sizeof *h->inv);
    if (!h->prior_counts || !h->pooled || !h->pattern || !h->skill_logit || !h->row_logit ||
        !h->right || !h->strength || !h->last || (use_skill && !h->inv)) {
        hier_free(h);
        return TL_ENOMEM;
    }
    for (size_t k = 0; k < K; k++)
        h->strength[k] = (double)K;
    return 0;
}

/* Leave-one-out log-likelihood of the labels on tasks with two or more:
 * sum of log P(label | the task's other labels) = -log sum_k post_k / P(l|k). */
struct loo_job {
    struct tl_q_em *em;
    const double *inv; /* exp(-logc), or NULL: taken label by label */
};

/* Blocks of tasks on every core, each block's sum into em->block_ll (scratch
 * once the E-step is done) and the blocks added in order: the same sum for
 * any number of threads. */
static void loo_part(void *arg, int tid, int nthreads) {
    const struct loo_job *j = arg;
    struct tl_q_em *em = j->em;
    const struct tl_q_labels *L = em->L;
    size_t K = em->K, blo, bhi;
    tl_q_par_split(em->nblocks, tid, nthreads, &blo, &bhi);
    for (size_t b = blo; b < bhi; b++) {
        size_t thi = (b + 1) * TL_Q_BLOCK < L->n_tasks ? (b + 1) * TL_Q_BLOCK : L->n_tasks;
        double ll = 0;
        struct tl_q_logprod zs;
        tl_q_logprod_init(&zs);
        for (size_t t = b * TL_Q_BLOCK; t < thi; t++) {
            if (L->task_off[t + 1] - L->task_off[t] < 2)
                continue;
            const double *p = em->post + t * K;
            for (size_t i = L->task_off[t]; i < L->task_off[t + 1]; i++) {
                size_t row = ((size_t)L->by_task_worker[i] * K + L->by_task_class[i]) * K;
                double z = 0;
                for (size_t k = 0; k < K; k++)
                    z += p[k] > 0 ? p[k] * (j->inv ? j->inv[row + k] : exp(-em->logc[row + k]))
                                  : 0;
                if (z > 0 && isfinite(z))
                    tl_q_logprod_mul(&zs, z);
                else
                    ll -= log(z);
            }
        }
        em->block_ll[b] = ll - tl_q_logprod_log(&zs);
    }
}

static int loo_loglik(struct tl_q_em *em, double *out) {
    size_t cells = em->L->n_workers * em->K * em->K;
    /* a table of 1 / P(l | k) when it is smaller than the labels' exps */
    double *inv = NULL;
    if (cells <= em->L->n * em->K) {
        inv = malloc(cells * sizeof *inv);
        if (!inv)
            return TL_ENOMEM;
        for (size_t c = 0; c < cells; c++)
            inv[c] = exp(-em->logc[c]);
    }
    struct loo_job job = {em, inv};
    tl_q_par_run(em->nthreads, loo_part, &job);
    free(inv);
    double ll = 0;
    for (size_t b = 0; b < em->nblocks; b++)
        ll += em->block_ll[b];
    *out = ll;
    return 0;
}

/* The same sum for a model that knows nothing but how often each label is
 * given: a fit that does not beat it has collapsed (every worker made alike
 * and every posterior the prior, a fixed point EM can fall into when the
 * vote it starts from is too weak to show who disagrees with whom). */
static int marginal_loglik(const struct tl_q_labels *L, double *out) {
    size_t K = L->n_classes, n = 0;
    double *freq = calloc(K, sizeof *freq);
    if (!freq)
        return TL_ENOMEM;
    for (size_t t = 0; t < L->n_tasks; t++) {
        if (L->task_off[t + 1] - L->task_off[t] < 2)
            continue;
        for (size_t i = L->task_off[t]; i < L->task_off[t + 1]; i++, n++)
            freq[L->by_task_class[i]] += 1;
    }
    double ll = 0;
    for (size_t k = 0; k < K; k++)
        if (freq[k] > 0)
            ll += freq[k] * log(freq[k] / (double)n);
    free(freq);
    *out = ll;
    return 0;
}

/* One fitted variant: what export needs, and the strengths for --verbose.
 * The prior and the expected counts are freed once it is fitted, so that
 * two variants cost little more than one. */
struct variant {
    struct tl_q_em em;
    double log_likelihood, loo, strength_lo, strength_hi;
    int iterations;
    bool converged, use_skill;
};

static int fit_variant(const struct tl_q_labels *L, const struct tl_q_opts *o, bool use_skill,
                       const double *start, struct variant *v) {
    memset(v, 0, sizeof *v);
    v->use_skill = use_skill;
    struct hier h;
    int rc = hier_init(&h, L, use_skill);
    if (rc)
        return rc;
    rc = tl_q_em_init(&v->em, L, o);
    if (!rc && use_skill && v->em.nchunks) {
        h.acc_part = malloc(v->em.nchunks * 2 * h.nw * sizeof *h.acc_part);
        rc = h.acc_part ? 0 : TL_ENOMEM;
    }
    if (rc) {
        tl_q_em_release(&v->em);
        hier_free(&h);
        return rc;
    }
    struct tl_q_ds_cfg cfg = {
        .class_pseudo = 1.0, /* Laplace: a class no task seems to have keeps a little mass */
        .prior_counts = h.prior_counts,
        .prior_per_worker = true,
        .update_prior = hier_update,
        .update_ctx = &h,
        .ll_only = true, /* the prior moves while the concentrations are estimated */
        .start = start,
    };
    tl_q_ds_run(&v->em, o, &cfg, &v->log_likelihood, &v->iterations, &v->converged);
    rc = loo_loglik(&v->em, &v->loo);
    if (rc) {
        hier_free(&h);
        return rc; /* v->em is released by the caller (variant_free) */
    }
    v->strength_lo = v->strength_hi = h.strength[0];
    for (size_t k = 1; k < h.K; k++) {
        v->strength_lo = h.strength[k] < v->strength_lo ? h.strength[k] : v->strength_lo;
        v->strength_hi = h.strength[k] > v->strength_hi ? h.strength[k] : v->strength_hi;
    }
    hier_free(&h);
    free(v->em.counts);
    v->em.counts = NULL;
    return 0;
}

static void variant_free(struct variant *v) {
    tl_q_em_release(&v->em);
}

/* A worker's skill is the expected share of their labels that are right
 * under the final posteriors. Not sum_k prior_k P(k | k) of the shrunk
 * matrices: shrinkage is what makes the labels good, but it also pulls a
 * sparse worker's matrix towards the crowd's, and a quality lead asking "how
 * good is this worker" wants the worker's own record. */
static void skill_from_posteriors(const struct tl_q_labels *L, struct tl_q_result *r) {
    size_t K = L->n_classes;
    for (size_t w = 0; w < L->n_workers; w++) {
        size_t lo = L->worker_off[w], hi = L->worker_off[w + 1];
        double right = 0;
        for (size_t i = lo; i < hi; i++)
            right += r->posterior[(size_t)L->by_worker_task[i] * K + L->by_worker_class[i]];
        r->skill[w] = hi > lo ? right / (double)(hi - lo) : 0.0;
    }
}

static int auto_fallback(const struct tl_q_labels *L, const struct tl_q_opts *o,
                         struct tl_q_result *r) {
    int rc = tl_q_wmv(L, o, r);
    if (rc)
        return rc;
    r->method = TL_Q_AUTO;
    size_t K = L->n_classes;
    if (K < 2)
        snprintf(r->detail, sizeof r->detail, "weighted vote: a single class");
    else if (!tl_q_cells_fit(L->n_workers, K))
        snprintf(r->detail, sizeof r->detail,
                 "weighted vote: %zu workers x %zu classes is too large for confusion matrices",
                 L->n_workers, K);
    else
        snprintf(r->detail, sizeof r->detail,
                 "weighted vote: %zu labels < %zu parameters of a %zu-class confusion matrix", L->n,
                 K * (K - 1), K);
    return 0;
}

int tl_q_auto(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r) {
    struct tl_q_opts defaults;
    int rc = tl_q_begin(L, &o, &defaults, r);
    if (rc)
        return rc;
    size_t K = L->n_classes;
    if (K < 2 || L->n < K * (K - 1) || !tl_q_cells_fit(L->n_workers, K))
        return auto_fallback(L, o, r);

    struct variant crowd = {0}, skill = {0};
    struct tl_q_em plain = {0};
    /* The skill prior starts where the crowd prior ended: that fit has
     * already told the workers apart, so the skill fit settles in fewer
     * steps (1,000,000 labels at 3 a task: 10 instead of 49) and from a
     * better start than the vote (adversarial crowds, bench/quality/
     * gen_crowd.py: 0.905 against 0.884 at 600 tasks, 10 seeds; equal on
     * the real sets). */
    rc = fit_variant(L, o, false, NULL, &crowd);
    if (!rc)
        rc = fit_variant(L, o, true, crowd.em.post, &skill);
    /* A collapsed fit is redone from the plain Dawid-Skene posteriors, which
     * separate the workers that the vote could not. */
    double floor = 0;
    if (!rc)
        rc = marginal_loglik(L, &floor);
    floor += 1e-6 * (double)L->n;
    if (!rc && (crowd.loo <= floor || skill.loo <= floor)) {
        struct tl_q_ds_cfg plain_cfg = {0};
        double ll;
        int iterations;
        bool converged;
        rc = tl_q_em_init(&plain, L, o);
        if (!rc)
            tl_q_ds_run(&plain, o, &plain_cfg, &ll, &iterations, &converged);
        if (!rc && crowd.loo <= floor) {
            variant_free(&crowd);
            rc = fit_variant(L, o, false, plain.post, &crowd);
        }
        if (!rc && skill.loo <= floor) {
            variant_free(&skill);
            rc = fit_variant(L, o, true, plain.post, &skill);
        }
    }
    if (!rc)
        rc = tl_q_result_alloc(r, L, true);
    if (rc)
        goto out;
    /* Ties keep the crowd prior, the model with fewer free numbers. */
    struct variant *best = skill.loo > crowd.loo ? &skill : &crowd;
    tl_q_em_export(&best->em, r);
    skill_from_posteriors(L, r);
    r->log_likelihood = best->log_likelihood;
    r->iterations = best->iterations;
    r->converged = best->converged;
    r->method = TL_Q_AUTO;
    snprintf(r->detail, sizeof r->detail,
             "hierarchical Dawid-Skene, %s prior (held-out log-likelihood per label: crowd "
             "%.4f, skill %.4f); row strength %.3g..%.3g",
             best->use_skill ? "skill" : "crowd", crowd.loo / (double)L->n,
             skill.loo / (double)L->n, best->strength_lo, best->strength_hi);
out:
    tl_q_em_release(&plain);
    variant_free(&crowd);
    variant_free(&skill);
    return rc;
}
