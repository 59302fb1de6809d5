/* symmetric.c: one-coin DS and GLAD as the registry calls them: each is
 * fitted twice, guarded and free (symmetric.h), and the fit whose labels
 * agree with DS's and auto's on more tasks (the two agreements summed) is
 * kept (ties: the guarded fit).
 *
 * Why two fits. A symmetric-error model cannot represent a crowd whose
 * errors depend on the true class, and on such a crowd (every real set we
 * have) the free model explains the bias away: a learned prior runs off to
 * one class (relevance: 28%, duck: 74%) and workers who share the bias look
 * adversarial (GLAD relevance: 51%). The guarded fit is immune to that, but
 * throws away what the free fit gets right when the crowd really has a
 * skewed prior or adversaries (synthetic crowds: 2 to 8 points; see
 * docs/quality.md, "One-coin and GLAD vs crowd-kit"). Which case applies is
 * a question about class-dependent bias, which auto (a Dawid-Skene model
 * with a hierarchical prior) can represent and the symmetric models cannot:
 * a restricted fit that departs from auto's answers departs because of its
 * restriction. So auto referees; its labels are only compared, never
 * returned. The rule uses labels only, never dataset names or truth.
 *
 * Builds on ds/glad (the fits) and auto (the referee). Deterministic: three
 * deterministic fits and a count. */
#include "quality/auto.h"
#include "quality/ds.h"
#include "quality/glad.h"
#include "quality/symmetric.h"

#include <stdio.h>

typedef int (*fit_fn)(const struct tl_q_labels *L, const struct tl_q_opts *o, bool free_model,
                      struct tl_q_result *r);

static size_t agreement(const struct tl_q_result *a, const struct tl_q_result *b) {
    size_t n = 0;
    for (size_t t = 0; t < a->n_tasks; t++)
        n += a->label[t] == b->label[t];
    return n;
}

/* The agreement of fit with the referees, summed: a fit is judged by both.
 * The larger of the two instead let one referee's lean decide by a task
 * (a 900-task mixed crowd: the guarded fit 1 task closer to DS, the free
 * fit 104 closer to auto) and flipped with any small change in auto. */
static size_t agreement_sum(const struct tl_q_result *fit, const struct tl_q_result *ref,
                            size_t nref) {
    size_t sum = 0;
    for (size_t i = 0; i < nref; i++)
        sum += agreement(fit, &ref[i]);
    return sum;
}

static int choose(const struct tl_q_labels *L, const struct tl_q_opts *o, fit_fn fit,
                  const char *name, struct tl_q_result *r) {
    struct tl_q_result free_fit, ref[2];
    tl_q_result_init(&free_fit);
    tl_q_result_init(&ref[0]);
    tl_q_result_init(&ref[1]);
    int rc = fit(L, o, false, r);
    if (!rc)
        rc = fit(L, o, true, &free_fit);
    /* Fits that label every task alike need no referee (dense crowds, such
     * as the benchmark's 10 labels a task, mostly): the guarded one stays. */
    bool same = !rc && agreement(r, &free_fit) == L->n_tasks;
    /* The referees: plain DS and auto. A model too large for them
     * (TL_ETOOBIG) referees nothing. */
    size_t nref = 0;
    if (!rc && !same) {
        rc = tl_q_ds(L, o, &ref[nref]);
        nref += !rc;
        if (rc == TL_ETOOBIG)
            rc = 0;
    }
    if (!rc && !same) {
        rc = tl_q_auto(L, o, &ref[nref]);
        nref += !rc;
        if (rc == TL_ETOOBIG)
            rc = 0;
    }
    if (rc) {
        tl_q_result_release(r);
        tl_q_result_release(&free_fit);
        tl_q_result_release(&ref[0]);
        tl_q_result_release(&ref[1]);
        return rc;
    }
    size_t agree_guarded = agreement_sum(r, ref, nref),
           agree_free = agreement_sum(&free_fit, ref, nref);
    bool use_free = agree_free > agree_guarded;
    if (use_free) {
        struct tl_q_result tmp = *r;
        *r = free_fit;
        free_fit = tmp;
    }
    if (same)
        snprintf(r->detail, sizeof r->detail, "%s: guarded and free fits give the same labels",
                 name);
    else
        snprintf(r->detail, sizeof r->detail,
                 "%s: %s fit (agrees with the %zu referees (ds, auto) on %zu of %zu task "
                 "labels, the %s fit on %zu)",
                 name, use_free ? "free" : "guarded", nref, use_free ? agree_free : agree_guarded,
                 nref * L->n_tasks, use_free ? "guarded" : "free",
                 use_free ? agree_guarded : agree_free);
    tl_q_result_release(&free_fit);
    tl_q_result_release(&ref[0]);
    tl_q_result_release(&ref[1]);
    return 0;
}

int tl_q_onecoin(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r) {
    return choose(L, o, tl_q_onecoin_fit, "onecoin", r);
}

int tl_q_glad(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r) {
    return choose(L, o, tl_q_glad_fit, "glad", r);
}
