/* wmv.c: weighted majority vote.
 *
 * A worker's vote counts with their estimated accuracy: the weights given by
 * the caller (a prior run), else the worker's accuracy on gold tasks, else
 * their agreement with the majority vote (the "Wawa" estimator). Accuracy
 * rather than log-odds weights: with log-odds one confident worker outvotes
 * a crowd, which is what Dawid-Skene is for; wmv stays a vote. */
#include "quality/wmv.h"

#include <stdlib.h>

#include "quality/em.h"
#include "quality/mv.h"

int tl_q_wmv(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r) {
    struct tl_q_opts defaults;
    int rc = tl_q_begin(L, &o, &defaults, r);
    if (rc)
        return rc;
    rc = tl_q_mv(L, o, r);
    if (rc)
        return rc;
    size_t nw = L->n_workers;
    double *weight = malloc(nw * sizeof *weight);
    if (!weight) {
        tl_q_result_release(r);
        return TL_ENOMEM;
    }
    for (size_t w = 0; w < nw; w++) {
        if (o->worker_weight) {
            double v = o->worker_weight[w];
            weight[w] = v > 0 && v < 1e300 ? v : 0.0;
            continue;
        }
        /* r->skill is agreement with the (gold-clamped) majority vote; on
         * gold tasks it is gold accuracy, which then takes precedence. */
        size_t gold_n = 0, gold_ok = 0;
        if (L->gold)
            for (size_t i = L->worker_off[w]; i < L->worker_off[w + 1]; i++) {
                int32_t g = L->gold[L->by_worker_task[i]];
                if (g >= 0) {
                    gold_n++;
                    gold_ok += (uint32_t)g == L->by_worker_class[i];
                }
            }
        weight[w] = gold_n ? (gold_ok + 1.0) / (gold_n + 2.0) : r->skill[w];
    }
    tl_q_weighted_votes(L, weight, r);
    tl_q_skill_from_labels(L, r);
    if (!o->worker_weight)
        for (size_t w = 0; w < nw; w++)
            r->skill[w] = weight[w];
    free(weight);
    r->method = TL_Q_WMV;
    return 0;
}
