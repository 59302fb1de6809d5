/* glad.c: GLAD (Whitehill et al., NIPS 2009): a label is right with
 * probability sigmoid(alpha_w * beta_t), where alpha_w is the worker's
 * ability (negative for adversaries) and beta_t = exp(b_t) > 0 the task's
 * easiness; a wrong label is uniform over the other classes.
 *
 * Fitted by generalised EM: each iteration is one E-step and one Fisher-
 * scoring step for every alpha (per worker, parallel over workers) and then
 * every b (per task, parallel over tasks), with Gaussian priors alpha ~
 * N(1, 1) and b ~ N(1, 1) as in the reference library (MAP estimates, so a
 * worker or task with one label stays finite). One Newton-like step per
 * M-step instead of an inner optimiser run to convergence is what makes GLAD
 * take milliseconds rather than minutes: generalised EM only needs each
 * M-step to improve the objective, not to finish.
 *
 * Two choices differ from a literal reading of the paper, both against the
 * same failure: the class prior stays uniform (as in the paper's experiments
 * and the reference library), and abilities are floored at 0, i.e. a worker
 * is at worst uninformative. With negative abilities allowed, EM can explain
 * a crowd's shared bias as adversarial labelling and flip whole classes
 * (relevance: 10% accuracy with b fixed, 51% converged, 57% with the floor);
 * a label-flipping worker is what Dawid-Skene models, not GLAD.
 *
 * Skill of a worker: sigmoid(alpha_w), the accuracy on a task of average
 * easiness. */
#include "quality/glad.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quality/em.h"
#include "quality/num.h"
#include "quality/par.h"
#include "quality/symmetric.h"

#define ALPHA_MEAN 1.0
#define B_MEAN     1.0
#define MAX_STEP   2.0 /* bound on one scoring step, against a wild first move */
#define GLAD_CHUNK_MAX_WORKERS ((size_t)1 << 16)

struct glad {
    const struct tl_q_labels *L;
    size_t K;
    int nthreads;
    double log_other; /* log(1 / (K - 1)) */
    double *alpha;    /* [n_workers] */
    double *b;        /* [n_tasks] */
    double *beta;     /* [n_tasks] exp(b), kept with b: read once a label by the alpha step */
    double *post;     /* [n_tasks * K] */
    double *log_prior;
    double *block_ll;
    size_t nblocks;
    size_t nchunks;     /* task-order alpha sums (alpha_chunks), 0: by worker */
    double *alpha_part; /* [nchunks * 2 * n_workers] */
    bool free_alpha; /* abilities may go negative (the free fit) */
};

static void glad_estep_part(void *ctx, int tid, int nthreads) {
    struct glad *g = ctx;
    const struct tl_q_labels *L = g->L;
    size_t K = g->K, blo, bhi;
    tl_q_par_split(g->nblocks, tid, nthreads, &blo, &bhi);
    for (size_t blk = blo; blk < bhi; blk++) {
        size_t tlo = blk * TL_Q_BLOCK, thi = tlo + TL_Q_BLOCK;
        if (thi > L->n_tasks)
            thi = L->n_tasks;
        double ll = 0;
        for (size_t t = tlo; t < thi; t++) {
            double *p = g->post + t * K;
            double beta = g->beta[t], base = 0;
            memcpy(p, g->log_prior, K * sizeof *p);
            for (size_t i = L->task_off[t]; i < L->task_off[t + 1]; i++) {
                double lp, lq;
                tl_q_log_sigmoid(g->alpha[L->by_task_worker[i]] * beta, &lp, &lq);
                lq += g->log_other;
                base += lq;
                p[L->by_task_class[i]] += lp - lq;
            }
            if (L->gold && L->gold[t] >= 0) {
                size_t gk = (size_t)L->gold[t];
                ll += p[gk] + base;
                memset(p, 0, K * sizeof *p);
                p[gk] = 1.0;
            } else {
                double s, m = tl_q_exp_shift(p, K, &s);
                for (size_t k = 0; k < K; k++)
                    p[k] /= s;
                ll += m + log(s) + base;
            }
        }
        g->block_ll[blk] = ll;
    }
}

/* One Fisher-scoring step for each worker's alpha: the gradient of the
 * expected log-likelihood is sum (q - s) beta, its expected curvature
 * -sum s (1 - s) beta^2, plus the prior's -(alpha - mean) and -1. */
static void alpha_step(struct glad *g, size_t w, double grad, double curv) {
    double a = g->alpha[w], step = (grad - (a - ALPHA_MEAN)) / (curv + 1.0);
    if (step > MAX_STEP)
        step = MAX_STEP;
    if (step < -MAX_STEP)
        step = -MAX_STEP;
    g->alpha[w] = a + step > 0 || g->free_alpha ? a + step : 0.0;
}

/* The labels' part of the sums for one label of worker w on task t. */
static inline void alpha_terms(const struct glad *g, size_t t, size_t w, size_t l, double *grad,
                               double *curv) {
    double beta = g->beta[t];
    double s = tl_q_sigmoid(g->alpha[w] * beta), q = g->post[t * g->K + l];
    *grad += (q - s) * beta;
    *curv += s * (1 - s) * beta * beta;
}

/* The sums in task order, each chunk of tasks into its own partials (as
 * em.c's expected counts): reading beta and post by worker was a random
 * read a label, the largest cost of a GLAD step. */
static void alpha_chunks(void *ctx, int tid, int nthreads) {
    struct glad *g = ctx;
    const struct tl_q_labels *L = g->L;
    size_t nw = L->n_workers, clo, chi;
    tl_q_par_split(g->nchunks, tid, nthreads, &clo, &chi);
    for (size_t c = clo; c < chi; c++) {
        double *part = g->alpha_part + c * 2 * nw;
        memset(part, 0, 2 * nw * sizeof *part);
        size_t tlo, thi;
        tl_q_par_chunk(L->n_tasks, g->nblocks, g->nchunks, c, &tlo, &thi);
        for (size_t t = tlo; t < thi; t++)
            for (size_t i = L->task_off[t]; i < L->task_off[t + 1]; i++) {
                size_t w = L->by_task_worker[i];
                alpha_terms(g, t, w, L->by_task_class[i], &part[2 * w], &part[2 * w + 1]);
            }
    }
}

static void alpha_sum(void *ctx, int tid, int nthreads) {
    struct glad *g = ctx;
    size_t nw = g->L->n_workers, wlo, whi;
    tl_q_par_split(nw, tid, nthreads, &wlo, &whi);
    for (size_t w = wlo; w < whi; w++) {
        double grad = 0, curv = 0;
        for (size_t c = 0; c < g->nchunks; c++) {
            grad += g->alpha_part[(c * nw + w) * 2];
            curv += g->alpha_part[(c * nw + w) * 2 + 1];
        }
        alpha_step(g, w, grad, curv);
    }
}

/* Worker by worker, when there are too many workers for a copy a chunk. */
static void glad_alpha_part(void *ctx, int tid, int nthreads) {
    struct glad *g = ctx;
    const struct tl_q_labels *L = g->L;
    size_t wlo, whi;
    tl_q_par_split_weighted(L->worker_off, L->n_workers, tid, nthreads, &wlo, &whi);
    for (size_t w = wlo; w < whi; w++) {
        double grad = 0, curv = 0;
        for (size_t i = L->worker_off[w]; i < L->worker_off[w + 1]; i++)
            alpha_terms(g, L->by_worker_task[i], w, L->by_worker_class[i], &grad, &curv);
        alpha_step(g, w, grad, curv);
    }
}

static void glad_b_part(void *ctx, int tid, int nthreads) {
    struct glad *g = ctx;
    const struct tl_q_labels *L = g->L;
    size_t K = g->K, tlo, thi;
    tl_q_par_split_weighted(L->task_off, L->n_tasks, tid, nthreads, &tlo, &thi);
    for (size_t t = tlo; t < thi; t++) {
        double beta = g->beta[t], grad = -(g->b[t] - B_MEAN), curv = 1.0;
        const double *p = g->post + t * K;
        for (size_t i = L->task_off[t]; i < L->task_off[t + 1]; i++) {
            double ab = g->alpha[L->by_task_worker[i]] * beta;
            double s = tl_q_sigmoid(ab), q = p[L->by_task_class[i]];
            grad += (q - s) * ab;
            curv += s * (1 - s) * ab * ab;
        }
        double step = grad / curv;
        if (step > MAX_STEP)
            step = MAX_STEP;
        if (step < -MAX_STEP)
            step = -MAX_STEP;
        g->b[t] += step;
        g->beta[t] = exp(g->b[t]);
    }
}

static double glad_estep(struct glad *g) {
    tl_q_par_run(g->nthreads, glad_estep_part, g);
    double ll = 0;
    for (size_t blk = 0; blk < g->nblocks; blk++)
        ll += g->block_ll[blk];
    return ll;
}

static double glad_log_density(const struct glad *g) {
    double d = 0;
    for (size_t w = 0; w < g->L->n_workers; w++)
        d -= 0.5 * (g->alpha[w] - ALPHA_MEAN) * (g->alpha[w] - ALPHA_MEAN);
    for (size_t t = 0; t < g->L->n_tasks; t++)
        d -= 0.5 * (g->b[t] - B_MEAN) * (g->b[t] - B_MEAN);
    return d;
}

static void glad_free(struct glad *g) {
    free(g->alpha);
    free(g->b);
    free(g->beta);
    free(g->post);
    free(g->log_prior);
    free(g->block_ll);
    free(g->alpha_part);
}

int tl_q_glad_fit(const struct tl_q_labels *L, const struct tl_q_opts *o, bool free_model,
                  struct tl_q_result *r) {
    struct tl_q_opts defaults;
    int rc = tl_q_begin(L, &o, &defaults, r);
    if (rc)
        return rc;
    size_t K = L->n_classes, nt = L->n_tasks, nw = L->n_workers;
    struct glad g = {
        .L = L, .K = K, .nthreads = tl_q_par_threads(o, L->n), .free_alpha = free_model};
    g.log_other = K > 1 ? -log((double)(K - 1)) : 0.0;
    g.nblocks = (nt + TL_Q_BLOCK - 1) / TL_Q_BLOCK;
    g.alpha = malloc(nw * sizeof *g.alpha);
    g.b = malloc(nt * sizeof *g.b);
    g.beta = malloc(nt * sizeof *g.beta);
    g.post = malloc(nt * K * sizeof *g.post);
    g.log_prior = malloc(K * sizeof *g.log_prior);
    g.block_ll = malloc(g.nblocks * sizeof *g.block_ll);
    /* a copy of the workers' sums a chunk while it is small next to the
     * labels (as em.c's counts) */
    if (g.nblocks > 1 && nw <= GLAD_CHUNK_MAX_WORKERS && 2 * nw < L->n) {
        g.nchunks = tl_q_par_nchunks(g.nblocks);
        g.alpha_part = malloc(g.nchunks * 2 * nw * sizeof *g.alpha_part);
    }
    if (!g.alpha || !g.b || !g.beta || !g.post || (g.nchunks && !g.alpha_part) || !g.log_prior || !g.block_ll ||
        tl_q_result_alloc(r, L, false)) {
        glad_free(&g);
        return TL_ENOMEM;
    }
    for (size_t w = 0; w < nw; w++)
        g.alpha[w] = ALPHA_MEAN;
    for (size_t t = 0; t < nt; t++) {
        g.b[t] = B_MEAN;
        g.beta[t] = exp(B_MEAN);
    }
    for (size_t k = 0; k < K; k++)
        g.log_prior[k] = -log((double)K);

    double prev = -HUGE_VAL, obj = glad_estep(&g);
    int it = 0;
    r->converged = false;
    while (it < o->max_iter) {
        if (g.nchunks) {
            tl_q_par_run(g.nthreads, alpha_chunks, &g);
            tl_q_par_run(g.nthreads, alpha_sum, &g);
        } else {
            tl_q_par_run(g.nthreads, glad_alpha_part, &g);
        }
        tl_q_par_run(g.nthreads, glad_b_part, &g);
        obj = glad_estep(&g) + glad_log_density(&g);
        it++;
        if ((obj - prev) / (double)L->n < o->tol) {
            r->converged = true;
            break;
        }
        prev = obj;
    }
    memcpy(r->posterior, g.post, nt * K * sizeof *g.post);
    tl_q_result_pick(r);
    for (size_t k = 0; k < K; k++)
        r->class_prior[k] = exp(g.log_prior[k]);
    for (size_t w = 0; w < nw; w++)
        r->skill[w] = tl_q_sigmoid(g.alpha[w]);
    r->log_likelihood = obj;
    r->iterations = it;
    r->method = TL_Q_GLAD;
    glad_free(&g);
    return 0;
}
