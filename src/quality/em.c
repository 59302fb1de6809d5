/* em.c: E-step, expected counts and result helpers for the confusion-matrix
 * methods (see em.h). */
#include "quality/em.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quality/num.h"
#include "quality/par.h"

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
    if (!em->post || !em->logc || !em->counts || !em->log_prior || !em->class_mass ||
        !em->block_ll || !em->block_mass) {
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
        for (size_t t = tlo; t < thi; t++) {
            double *p = em->post + t * K;
            memcpy(p, em->log_prior, K * sizeof *p);
            for (size_t i = L->task_off[t]; i < L->task_off[t + 1]; i++) {
                const double *row =
                    em->logc + ((size_t)L->by_task_worker[i] * K + L->by_task_class[i]) * K;
                for (size_t k = 0; k < K; k++)
                    p[k] += row[k];
            }
            if (L->gold && L->gold[t] >= 0) {
                size_t g = (size_t)L->gold[t];
                ll += p[g];
                memset(p, 0, K * sizeof *p);
                p[g] = 1.0;
                continue;
            }
            double s, m = tl_q_exp_shift(p, K, &s);
            double inv = 1.0 / s;
            for (size_t k = 0; k < K; k++)
                p[k] *= inv;
            ll += m + log(s);
        }
        em->block_ll[b] = ll;
    }
}

double tl_q_em_estep(struct tl_q_em *em) {
    tl_q_par_run(em->nthreads, estep_part, em);
    double ll = 0;
    for (size_t b = 0; b < em->nblocks; b++)
        ll += em->block_ll[b];
    return ll;
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
    tl_q_par_run(em->nthreads, counts_part, em);
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
