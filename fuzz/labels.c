/* Fuzz target: the quality engine's CSV loaders (src/core/csv.c,
 * src/quality/labels.c, pairwise.c) and every method run on whatever they
 * accept. Input: labels CSV, optionally a NUL and a gold CSV. The same bytes
 * are also read as a battles file. Beyond memory errors, it aborts on a
 * non-finite number: the engine promises never to print NaN. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quality/agreement.h"
#include "quality/infer.h"
#include "quality/labels.h"
#include "quality/labels_csv.h"
#include "quality/pairwise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_finite(const double *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            abort();
}

static void run_methods(const struct tl_q_labels *L) {
    static const enum tl_q_method methods[] = {TL_Q_MV,   TL_Q_WMV,  TL_Q_DS,  TL_Q_ONECOIN,
                                               TL_Q_GLAD, TL_Q_MACE, TL_Q_AUTO};
    struct tl_q_opts o;
    tl_q_opts_init(&o);
    o.threads = 1;
    o.max_iter = 10; /* the shapes matter here, not convergence */
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        struct tl_q_result r;
        tl_q_result_init(&r);
        if (tl_q_infer(methods[i], L, &o, &r) == 0) {
            check_finite(r.confidence, r.n_tasks);
            check_finite(r.skill, r.n_workers);
            check_finite(r.posterior, r.n_tasks * r.n_classes);
            for (size_t t = 0; t < r.n_tasks; t++)
                if (r.label[t] >= r.n_classes)
                    abort();
        }
        tl_q_result_release(&r);
    }
    struct tl_errbuf eb;
    double v;
    for (int lv = TL_Q_NOMINAL; lv <= TL_Q_RATIO; lv++)
        if (tl_q_alpha(L, (enum tl_q_level)lv, &v, &eb) == 0 && isnan(v))
            abort();
    if (tl_q_fleiss(L, &v, &eb) == 0 && isnan(v))
        abort();
    if (tl_q_cohen(L, TL_Q_WEIGHTS_QUADRATIC, &v, &eb) == 0 && isnan(v))
        abort();
    if (tl_q_percent(L, &v, &eb) == 0 && isnan(v))
        abort();
}

static void run_battles(const char *text, size_t len) {
    struct tl_q_battles B;
    struct tl_errbuf eb;
    tl_q_battles_init(&B);
    if (tl_q_battles_parse_csv(&B, "battles", text, len, &eb) == 0) {
        struct tl_q_rating_opts o;
        tl_q_rating_opts_init(&o);
        o.bootstrap = 3;
        o.threads = 1;
        for (int m = 0; m < 3; m++) {
            o.method = m == 2 ? TL_Q_ELO : TL_Q_BT;
            o.ties = m == 1 ? TL_Q_TIES_DAVIDSON : TL_Q_TIES_HALF;
            struct tl_q_ratings r;
            tl_q_ratings_init(&r);
            if (tl_q_rate(&B, &o, &r) == 0) {
                check_finite(r.score, r.n_models);
                check_finite(r.ci_low, r.n_models);
                check_finite(r.ci_high, r.n_models);
            }
            tl_q_ratings_release(&r);
        }
    }
    tl_q_battles_release(&B);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 64 * 1024) /* keep EM runs short */
        return 0;
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t labels_len = nul ? (size_t)(nul - text) : size;
    struct tl_q_labels L;
    struct tl_errbuf eb;
    tl_q_labels_init(&L);
    if (tl_q_labels_parse_csv(&L, "labels", text, labels_len, nul ? "gold" : NULL,
                              nul ? nul + 1 : NULL, nul ? size - labels_len - 1 : 0, &eb) == 0)
        run_methods(&L);
    tl_q_labels_release(&L);
    run_battles(text, labels_len);
    return 0;
}
