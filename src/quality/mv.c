/* mv.c: majority vote and the vote primitives wmv builds on (see mv.h). */
#include "quality/mv.h"

#include <stdlib.h>
#include <string.h>

#include "quality/em.h"

void tl_q_skill_from_labels(const struct tl_q_labels *L, struct tl_q_result *r) {
    for (size_t w = 0; w < L->n_workers; w++) {
        size_t lo = L->worker_off[w], hi = L->worker_off[w + 1], agree = 0;
        for (size_t i = lo; i < hi; i++)
            agree += r->label[L->by_worker_task[i]] == L->by_worker_class[i];
        r->skill[w] = hi > lo ? (double)agree / (double)(hi - lo) : 0.0;
    }
}

void tl_q_weighted_votes(const struct tl_q_labels *L, const double *weight, struct tl_q_result *r) {
    size_t K = L->n_classes;
    memset(r->class_prior, 0, K * sizeof *r->class_prior);
    for (size_t t = 0; t < L->n_tasks; t++) {
        double *p = r->posterior + t * K;
        memset(p, 0, K * sizeof *p);
        if (L->gold && L->gold[t] >= 0) {
            p[L->gold[t]] = 1.0;
        } else {
            double total = 0;
            for (size_t i = L->task_off[t]; i < L->task_off[t + 1]; i++) {
                double v = weight ? weight[L->by_task_worker[i]] : 1.0;
                p[L->by_task_class[i]] += v;
                total += v;
            }
            if (total > 0) {
                for (size_t k = 0; k < K; k++)
                    p[k] /= total;
            } else {
                for (size_t k = 0; k < K; k++)
                    p[k] = 1.0 / (double)K;
            }
        }
        for (size_t k = 0; k < K; k++)
            r->class_prior[k] += p[k];
    }
    for (size_t k = 0; k < K; k++)
        r->class_prior[k] /= (double)L->n_tasks;
    tl_q_result_pick(r);
}

int tl_q_mv(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r) {
    tl_q_result_release(r);
    int rc = tl_q_check_labels(L);
    if (!rc)
        rc = tl_q_result_alloc(r, L, false);
    if (rc)
        return rc;
    tl_q_weighted_votes(L, NULL, r);
    tl_q_skill_from_labels(L, r);
    r->method = TL_Q_MV;
    r->converged = true;
    return 0;
}
