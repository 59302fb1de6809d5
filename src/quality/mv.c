/* mv.c: majority vote and the helpers the other methods share with it. */
#include <stdlib.h>
#include <string.h>

#include "quality/em.h"

static const char *const method_names[TL_Q_METHOD_COUNT] = {
    "auto", "mv", "wmv", "ds", "onecoin", "glad", "mace",
};

const char *tl_q_method_name(enum tl_q_method m) {
    return (unsigned)m < TL_Q_METHOD_COUNT ? method_names[m] : NULL;
}

int tl_q_method_parse(const char *name, enum tl_q_method *m) {
    for (int i = 0; i < TL_Q_METHOD_COUNT; i++)
        if (!strcmp(name, method_names[i])) {
            *m = (enum tl_q_method)i;
            return 0;
        }
    return TL_EINVAL;
}

void tl_q_opts_init(struct tl_q_opts *o) {
    memset(o, 0, sizeof *o);
    o->max_iter = 100;
    o->tol = 1e-5;
}

int tl_q_infer(enum tl_q_method m, const struct tl_q_labels *L, const struct tl_q_opts *o,
               struct tl_q_result *r) {
    switch (m) {
    case TL_Q_AUTO: return tl_q_auto(L, o, r);
    case TL_Q_MV: return tl_q_mv(L, o, r);
    case TL_Q_WMV: return tl_q_wmv(L, o, r);
    case TL_Q_DS: return tl_q_ds(L, o, r);
    case TL_Q_ONECOIN: return tl_q_onecoin(L, o, r);
    case TL_Q_GLAD: return tl_q_glad(L, o, r);
    case TL_Q_MACE: return tl_q_mace(L, o, r);
    default: return TL_EINVAL;
    }
}

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
