/* em.c: E-step, expected counts and result helpers for the confusion-matrix
 * methods (see em.h). */
#include "quality/em.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quality/num.h"
#include "quality/par.h"

/* Largest n_workers x K x K for which each chunk of tasks gets its own copy
 * of the tables (1 MiB of doubles): beyond, counts are summed by worker. */
#define SCATTER_MAX_CELLS ((size_t)1 << 17)

void tl_q_opts_init(struct tl_q_opts *o) {
    memset(o, 0, sizeof *o);
    o->max_iter = 100;
    o->tol = 1e-5;
}

void tl_q_result_init(struct tl_q_result *r) {
    memset(r, 0, sizeof *r);
}

void tl_q_result_release(struct tl_q_result *r) {
    free(r->label);
    free(r->confidence);
    free(r->posterior);
    free(r->skill);
    free(r->confusion);
    free(r->class_prior);
    tl_q_result_init(r);
}

int tl_q_result_alloc(struct tl_q_result *r, const struct tl_q_labels *L, bool with_confusion) {
    tl_q_result_release(r);
    size_t nt = L->n_tasks, nw = L->n_workers, K = L->n_classes;
    r->n_tasks = nt;
    r->n_workers = nw;
    r->n_classes = K;
    r->label = calloc(nt, sizeof *r->label);
    r->confidence = calloc(nt, sizeof *r->confidence);
    r->posterior = calloc(nt * K, sizeof *r->posterior);
    r->skill = calloc(nw, sizeof *r->skill);
    r->class_prior = calloc(K, sizeof *r->class_prior);
    if (with_confusion)
        r->confusion = calloc(nw * K * K, sizeof *r->confusion);
    if (!r->label || !r->confidence || !r->posterior || !r->skill || !r->class_prior ||
        (with_confusion && !r->confusion)) {
        tl_q_result_release(r);
        return TL_ENOMEM;
    }
    return 0;
}

void tl_q_result_pick(struct tl_q_result *r) {
    size_t K = r->n_classes;
    for (size_t t = 0; t < r->n_tasks; t++) {
        const double *p = r->posterior + t * K;
        size_t best = 0;
        for (size_t k = 1; k < K; k++)
            if (p[k] > p[best])
                best = k;
        r->label[t] = (uint32_t)best;
        r->confidence[t] = p[best];
    }
}

bool tl_q_cells_fit(size_t n_workers, size_t K) {
    if (K > 4096)
        return false;
    return !n_workers || K * K <= TL_Q_MAX_CELLS / n_workers;
}

int tl_q_check_labels(const struct tl_q_labels *L) {
    if (!L || !L->finished)
        return TL_EINVAL;
    if (!L->n || !L->n_classes)
        return TL_EEMPTY;
    return 0;
}

int tl_q_begin(const struct tl_q_labels *L, const struct tl_q_opts **o, struct tl_q_opts *defaults,
               struct tl_q_result *r) {
    tl_q_result_release(r);
    if (!*o) {
        tl_q_opts_init(defaults);
        *o = defaults;
    }
    return tl_q_check_labels(L);
}

void tl_q_em_release(struct tl_q_em *em) {
    free(em->post);
    free(em->logc);
    free(em->counts);
    free(em->log_prior);
    free(em->class_mass);
    free(em->block_ll);
    free(em->block_mass);
    free(em->chunk_counts);
    free(em->linc);
    free(em->lin_prior);
    memset(em, 0, sizeof *em);
}

int tl_q_em_init(struct tl_q_em *em, const struct tl_q_labels *L, const struct tl_q_opts *o) {
    memset(em, 0, sizeof *em);
    size_t K = L->n_classes, nt = L->n_tasks, nw = L->n_workers;
    em->L = L;
    em->K = K;
    em->nthreads = tl_q_par_threads(o, L->n);
    em->nblocks = (nt + TL_Q_BLOCK - 1) / TL_Q_BLOCK;
    em->post = malloc(nt * K * sizeof *em->post);
    em->logc = malloc(nw * K * K * sizeof *em->logc);
    em->counts = malloc(nw * K * K * sizeof *em->counts);
    em->log_prior = malloc(K * sizeof *em->log_prior);
    em->class_mass = malloc(K * sizeof *em->class_mass);
    em->block_ll = malloc((em->nblocks + 1) * sizeof *em->block_ll);
    em->block_mass = malloc((em->nblocks + 1) * K * sizeof *em->block_mass);
    /* A copy of the tables a chunk pays when the tables are small next to
     * the posteriors, whose random reads by worker they replace. */
    size_t cells = nw * K * K;
    if (cells <= SCATTER_MAX_CELLS && cells < nt * K && em->nblocks > 1) {
        em->nchunks = tl_q_par_nchunks(em->nblocks);
        em->chunk_counts = malloc(em->nchunks * cells * sizeof *em->chunk_counts);
        /* and the tables as probabilities for the E-step (else log domain) */
        em->linc = malloc(cells * sizeof *em->linc);
        em->lin_prior = malloc(K * sizeof *em->lin_prior);
    }
    bool fast_ok = !em->nchunks || (em->chunk_counts && em->linc && em->lin_prior);
    if (!em->post || !em->logc || !em->counts || !em->log_prior || !em->class_mass ||
        !em->block_ll || !em->block_mass || !fast_ok) {
        tl_q_em_release(em);
        return TL_ENOMEM;
    }
    return 0;
}

void tl_q_em_init_votes(struct tl_q_em *em) {
    const struct tl_q_labels *L = em->L;
    size_t K = em->K;
    for (size_t t = 0; t < L->n_tasks; t++) {
        double *p = em->post + t * K;
        memset(p, 0, K * sizeof *p);
        if (L->gold && L->gold[t] >= 0) {
            p[L->gold[t]] = 1.0;
            continue;
        }
        size_t lo = L->task_off[t], hi = L->task_off[t + 1];
        for (size_t i = lo; i < hi; i++)
            p[L->by_task_class[i]] += 1.0;
        for (size_t k = 0; k < K; k++)
            p[k] /= (double)(hi - lo);
    }
}

/* One task's E-step in the log domain: post from log_prior and the labels'
 * rows of logc; returns the task's log marginal likelihood (a gold task:
 * joint with its gold class, and clamped to it). */
static double estep_task_log(struct tl_q_em *em, size_t t) {
    const struct tl_q_labels *L = em->L;
    size_t K = em->K;
    double *p = em->post + t * K;
    memcpy(p, em->log_prior, K * sizeof *p);
    for (size_t i = L->task_off[t]; i < L->task_off[t + 1]; i++) {
        const double *row = em->logc + ((size_t)L->by_task_worker[i] * K + L->by_task_class[i]) * K;
        for (size_t k = 0; k < K; k++)
            p[k] += row[k];
    }
    if (L->gold && L->gold[t] >= 0) {
        size_t g = (size_t)L->gold[t];
        double ll = p[g];
        memset(p, 0, K * sizeof *p);
        p[g] = 1.0;
        return ll;
    }
    double sum, m = tl_q_exp_shift(p, K, &sum);
    double inv = 1.0 / sum;
    for (size_t k = 0; k < K; k++)
        p[k] *= inv;
    return m + log(sum);
}

/* Below this sum a task's product of probabilities may have lost digits to
 * subnormals: the task is redone in the log domain. */
#define LIN_MIN 0x1p-960

/* The E-step over this thread's blocks. With em->linc (the tables as
 * probabilities) a task's posterior is a product, not K exponentials, and
 * the log of its sum is taken once a block (tl_q_logprod): exp and log were
 * a third of auto's samples on 1,000,000 labels at 3 a task once the
 * expected counts were in task order. Gold tasks and products too small to
 * trust take the log domain. */
static void estep_part(void *ctx, int tid, int nthreads) {
    struct tl_q_em *em = ctx;
    const struct tl_q_labels *L = em->L;
    size_t K = em->K, blo, bhi;
    tl_q_par_split(em->nblocks, tid, nthreads, &blo, &bhi);
    for (size_t b = blo; b < bhi; b++) {
        size_t tlo = b * TL_Q_BLOCK, thi = tlo + TL_Q_BLOCK;
        if (thi > L->n_tasks)
            thi = L->n_tasks;
        double ll = 0;
        struct tl_q_logprod sums; /* the block's product of the tasks' sums */
        tl_q_logprod_init(&sums);
        for (size_t t = tlo; t < thi; t++) {
            if (!em->linc || (L->gold && L->gold[t] >= 0)) {
                ll += estep_task_log(em, t);
                continue;
            }
            double *p = em->post + t * K;
            memcpy(p, em->lin_prior, K * sizeof *p);
            for (size_t i = L->task_off[t]; i < L->task_off[t + 1]; i++) {
                const double *row =
                    em->linc + ((size_t)L->by_task_worker[i] * K + L->by_task_class[i]) * K;
                for (size_t k = 0; k < K; k++)
                    p[k] *= row[k];
            }
            double sum = 0;
            for (size_t k = 0; k < K; k++)
                sum += p[k];
            if (!(sum >= LIN_MIN) || !isfinite(sum)) {
                ll += estep_task_log(em, t);
                continue;
            }
            double inv = 1.0 / sum;
            for (size_t k = 0; k < K; k++)
                p[k] *= inv;
            tl_q_logprod_mul(&sums, sum);
        }
        em->block_ll[b] = ll + tl_q_logprod_log(&sums);
    }
}

double tl_q_em_estep(struct tl_q_em *em) {
    if (em->linc) {
        size_t K = em->K, cells = em->L->n_workers * K * K;
        for (size_t j = 0; j < cells; j++)
            em->linc[j] = exp(em->logc[j]);
        for (size_t k = 0; k < K; k++)
            em->lin_prior[k] = exp(em->log_prior[k]);
    }
    tl_q_par_run(em->nthreads, estep_part, em);
    double ll = 0;
    for (size_t b = 0; b < em->nblocks; b++)
        ll += em->block_ll[b];
    return ll;
}

void tl_q_em_chunk(const struct tl_q_em *em, size_t c, size_t *lo, size_t *hi) {
    tl_q_par_chunk(em->L->n_tasks, em->nblocks, em->nchunks, c, lo, hi);
}

/* Expected counts in task order: post is read in sequence and each label's
 * row added into its worker's table in the chunk's copy. The by-worker pass
 * below reads post at random, a row per label across an array of tasks x K
 * doubles (10 MB for 333,334 tasks and 4 classes): in the profile of auto
 * on 1,000,000 sparse labels, that read was a quarter of all the time. */
static void counts_chunks(void *ctx, int tid, int nthreads) {
    struct tl_q_em *em = ctx;
    const struct tl_q_labels *L = em->L;
    size_t K = em->K, cells = L->n_workers * K * K, clo, chi;
    tl_q_par_split(em->nchunks, tid, nthreads, &clo, &chi);
    for (size_t c = clo; c < chi; c++) {
        double *counts = em->chunk_counts + c * cells;
        memset(counts, 0, cells * sizeof *counts);
        size_t tlo, thi;
        tl_q_em_chunk(em, c, &tlo, &thi);
        for (size_t b = tlo / TL_Q_BLOCK; b * TL_Q_BLOCK < thi; b++) {
            double *m = em->block_mass + b * K;
            memset(m, 0, K * sizeof *m);
            size_t bhi = (b + 1) * TL_Q_BLOCK < thi ? (b + 1) * TL_Q_BLOCK : thi;
            for (size_t t = b * TL_Q_BLOCK; t < bhi; t++) {
                const double *p = em->post + t * K;
                for (size_t k = 0; k < K; k++)
                    m[k] += p[k];
                for (size_t i = L->task_off[t]; i < L->task_off[t + 1]; i++) {
                    double *row =
                        counts + ((size_t)L->by_task_worker[i] * K + L->by_task_class[i]) * K;
                    for (size_t k = 0; k < K; k++)
                        row[k] += p[k];
                }
            }
        }
    }
}

/* The chunks' tables added in chunk order, each thread a range of cells. */
static void counts_sum(void *ctx, int tid, int nthreads) {
    struct tl_q_em *em = ctx;
    size_t cells = em->L->n_workers * em->K * em->K, lo, hi;
    tl_q_par_split(cells, tid, nthreads, &lo, &hi);
    memcpy(em->counts + lo, em->chunk_counts + lo, (hi - lo) * sizeof *em->counts);
    for (size_t c = 1; c < em->nchunks; c++) {
        const double *part = em->chunk_counts + c * cells;
        for (size_t j = lo; j < hi; j++)
            em->counts[j] += part[j];
    }
}

static void counts_part(void *ctx, int tid, int nthreads) {
    struct tl_q_em *em = ctx;
    const struct tl_q_labels *L = em->L;
    size_t K = em->K, KK = K * K, wlo, whi, blo, bhi;
    tl_q_par_split_weighted(L->worker_off, L->n_workers, tid, nthreads, &wlo, &whi);
    for (size_t w = wlo; w < whi; w++) {
        double *c = em->counts + w * KK;
        memset(c, 0, KK * sizeof *c);
        for (size_t i = L->worker_off[w]; i < L->worker_off[w + 1]; i++) {
            double *row = c + (size_t)L->by_worker_class[i] * K;
            const double *p = em->post + (size_t)L->by_worker_task[i] * K;
            for (size_t k = 0; k < K; k++)
                row[k] += p[k];
        }
    }
    tl_q_par_split(em->nblocks, tid, nthreads, &blo, &bhi);
    for (size_t b = blo; b < bhi; b++) {
        double *m = em->block_mass + b * K;
        memset(m, 0, K * sizeof *m);
        size_t tlo = b * TL_Q_BLOCK, thi = tlo + TL_Q_BLOCK;
        if (thi > L->n_tasks)
            thi = L->n_tasks;
        for (size_t t = tlo; t < thi; t++)
            for (size_t k = 0; k < K; k++)
                m[k] += em->post[t * K + k];
    }
}

void tl_q_em_counts(struct tl_q_em *em) {
    if (em->nchunks) {
        tl_q_par_run(em->nthreads, counts_chunks, em);
        tl_q_par_run(em->nthreads, counts_sum, em);
    } else {
        tl_q_par_run(em->nthreads, counts_part, em);
    }
    size_t K = em->K;
    memset(em->class_mass, 0, K * sizeof *em->class_mass);
    for (size_t b = 0; b < em->nblocks; b++)
        for (size_t k = 0; k < K; k++)
            em->class_mass[k] += em->block_mass[b * K + k];
}

void tl_q_em_export(const struct tl_q_em *em, struct tl_q_result *r) {
    const struct tl_q_labels *L = em->L;
    size_t K = em->K;
    memcpy(r->posterior, em->post, L->n_tasks * K * sizeof *em->post);
    tl_q_result_pick(r);
    for (size_t k = 0; k < K; k++)
        r->class_prior[k] = exp(em->log_prior[k]);
    for (size_t w = 0; w < L->n_workers; w++) {
        double skill = 0;
        for (size_t k = 0; k < K; k++) {
            double pkk = exp(em->logc[(w * K + k) * K + k]);
            skill += r->class_prior[k] * pkk;
            if (r->confusion)
                for (size_t l = 0; l < K; l++)
                    r->confusion[(w * K + k) * K + l] = exp(em->logc[(w * K + l) * K + k]);
        }
        r->skill[w] = skill;
    }
}
