/* agreement.c: Krippendorff's alpha, Fleiss' and Cohen's kappa, percentage
 * agreement (see agreement.h). */
#include "quality/agreement.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Metrics with a K x K table or an O(K^2) sum refuse more distinct labels
 * than this (16M cells). */
#define MAX_LEVELS 4096

/* The values of one task as (class, count) runs, classes ascending. */
struct unit {
    uint32_t *cls;   /* scratch, sorted classes of the task */
    uint32_t *value; /* [nruns] distinct classes */
    uint32_t *count; /* [nruns] */
    size_t nruns, m; /* distinct values, labels */
};

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static size_t max_task_labels(const struct tl_q_labels *L) {
    size_t mx = 1;
    for (size_t t = 0; t < L->n_tasks; t++)
        if (L->task_off[t + 1] - L->task_off[t] > mx)
            mx = L->task_off[t + 1] - L->task_off[t];
    return mx;
}

static int unit_init(struct unit *u, const struct tl_q_labels *L) {
    size_t mx = max_task_labels(L);
    u->cls = malloc(mx * sizeof *u->cls);
    u->value = malloc(mx * sizeof *u->value);
    u->count = malloc(mx * sizeof *u->count);
    if (!u->cls || !u->value || !u->count) {
        free(u->cls);
        free(u->value);
        free(u->count);
        return TL_ENOMEM;
    }
    return 0;
}

static void unit_release(struct unit *u) {
    free(u->cls);
    free(u->value);
    free(u->count);
}

static void unit_load(struct unit *u, const struct tl_q_labels *L, size_t t) {
    size_t lo = L->task_off[t], hi = L->task_off[t + 1];
    u->m = hi - lo;
    memcpy(u->cls, L->by_task_class + lo, u->m * sizeof *u->cls);
    qsort(u->cls, u->m, sizeof *u->cls, cmp_u32);
    u->nruns = 0;
    for (size_t i = 0; i < u->m; i++) {
        if (u->nruns && u->value[u->nruns - 1] == u->cls[i]) {
            u->count[u->nruns - 1]++;
        } else {
            u->value[u->nruns] = u->cls[i];
            u->count[u->nruns] = 1;
            u->nruns++;
        }
    }
}

static int check(const struct tl_q_labels *L, struct tl_errbuf *eb) {
    if (!L || !L->finished)
        return tl_errf(eb, TL_EINVAL, "labels not finished");
    if (!L->n)
        return tl_errf(eb, TL_EUNPROC, "no labels");
    return 0;
}

/* Squared distance between classes c and k for the level; n_c are the
 * pairable counts (used by the ordinal metric). */
static double delta2(const struct tl_q_labels *L, enum tl_q_level level, const double *n_c,
                     const double *cum, size_t c, size_t k) {
    if (c == k)
        return 0;
    switch (level) {
    case TL_Q_NOMINAL: return 1;
    case TL_Q_ORDINAL: {
        size_t lo = c < k ? c : k, hi = c < k ? k : c;
        /* sum of n_g for g in [lo, hi] minus half of the two ends */
        double d = cum[hi + 1] - cum[lo] - (n_c[lo] + n_c[hi]) / 2;
        return d * d;
    }
    case TL_Q_INTERVAL: {
        double d = L->class_value[c] - L->class_value[k];
        return d * d;
    }
    case TL_Q_RATIO: {
        double a = L->class_value[c], b = L->class_value[k];
        if (a + b == 0)
            return 0;
        double d = (a - b) / (a + b);
        return d * d;
    }
    }
    return 1;
}

int tl_q_alpha(const struct tl_q_labels *L, enum tl_q_level level, double *out,
               struct tl_errbuf *eb) {
    int rc = check(L, eb);
    if (rc)
        return rc;
    if ((level == TL_Q_INTERVAL || level == TL_Q_RATIO) && !L->classes_numeric)
        return tl_errf(eb, TL_EUNPROC, "%s alpha needs numeric labels",
                       level == TL_Q_INTERVAL ? "interval" : "ratio");
    if (level == TL_Q_RATIO)
        for (size_t k = 0; k < L->n_classes; k++)
            if (L->class_value[k] < 0)
                return tl_errf(eb, TL_EUNPROC, "ratio alpha needs non-negative labels");
    size_t K = L->n_classes;
    if ((level == TL_Q_ORDINAL || level == TL_Q_RATIO) && K > MAX_LEVELS)
        return tl_errf(eb, TL_ETOOBIG, "%zu distinct labels: at most %d for this level", K,
                       MAX_LEVELS);
    struct unit u;
    double *n_c = calloc(K, sizeof *n_c), *cum = calloc(K + 1, sizeof *cum);
    if (!n_c || !cum || unit_init(&u, L)) {
        free(n_c);
        free(cum);
        return tl_errf(eb, TL_ENOMEM, "out of memory");
    }
    /* Pass 1: the pairable values n_c (units with two or more labels). */
    double n = 0;
    for (size_t t = 0; t < L->n_tasks; t++) {
        size_t m = L->task_off[t + 1] - L->task_off[t];
        if (m < 2)
            continue;
        for (size_t i = L->task_off[t]; i < L->task_off[t + 1]; i++)
            n_c[L->by_task_class[i]] += 1;
        n += (double)m;
    }
    for (size_t k = 0; k < K; k++)
        cum[k + 1] = cum[k] + n_c[k];
    /* Pass 2: observed disagreement, sum over units of
     * sum_{c != k} n_uc n_uk delta2(c, k) / (m_u - 1). */
    double observed = 0;
    for (size_t t = 0; t < L->n_tasks; t++) {
        if (L->task_off[t + 1] - L->task_off[t] < 2)
            continue;
        unit_load(&u, L, t);
        double s = 0;
        for (size_t i = 0; i < u.nruns; i++)
            for (size_t j = i + 1; j < u.nruns; j++)
                s += 2.0 * u.count[i] * u.count[j] *
                     delta2(L, level, n_c, cum, u.value[i], u.value[j]);
        observed += s / (double)(u.m - 1);
    }
    /* Expected disagreement: sum_{c,k} n_c n_k delta2(c, k). */
    double expected = 0;
    if (level == TL_Q_NOMINAL) {
        double sq = 0;
        for (size_t k = 0; k < K; k++)
            sq += n_c[k] * n_c[k];
        expected = n * n - sq;
    } else if (level == TL_Q_INTERVAL) {
        /* sum n_c n_k (v_c - v_k)^2 = 2 n sum n_c v_c^2 - 2 (sum n_c v_c)^2,
         * computed around the mean to avoid cancellation. */
        double mean = 0, ss = 0;
        for (size_t k = 0; k < K; k++)
            mean += n_c[k] * L->class_value[k];
        mean = n > 0 ? mean / n : 0;
        for (size_t k = 0; k < K; k++) {
            double d = L->class_value[k] - mean;
            ss += n_c[k] * d * d;
        }
        expected = 2 * n * ss;
    } else {
        for (size_t c = 0; c < K; c++)
            for (size_t k = c + 1; k < K; k++)
                if (n_c[c] > 0 && n_c[k] > 0)
                    expected += 2 * n_c[c] * n_c[k] * delta2(L, level, n_c, cum, c, k);
    }
    unit_release(&u);
    free(n_c);
    free(cum);
    if (n < 2)
        return tl_errf(eb, TL_EUNPROC, "alpha undefined: no task has two or more labels");
    if (!(expected > 0))
        return tl_errf(eb, TL_EUNPROC, "alpha undefined: every pairable label has the same value");
    *out = 1 - (n - 1) * observed / expected;
    return 0;
}

int tl_q_fleiss(const struct tl_q_labels *L, double *out, struct tl_errbuf *eb) {
    int rc = check(L, eb);
    if (rc)
        return rc;
    size_t K = L->n_classes;
    struct unit u;
    double *n_c = calloc(K, sizeof *n_c);
    if (!n_c || unit_init(&u, L)) {
        free(n_c);
        return tl_errf(eb, TL_ENOMEM, "out of memory");
    }
    double p_sum = 0, total = 0;
    size_t units = 0;
    for (size_t t = 0; t < L->n_tasks; t++) {
        if (L->task_off[t + 1] - L->task_off[t] < 2)
            continue;
        unit_load(&u, L, t);
        double sq = 0;
        for (size_t i = 0; i < u.nruns; i++) {
            sq += (double)u.count[i] * u.count[i];
            n_c[u.value[i]] += u.count[i];
        }
        double m = (double)u.m;
        p_sum += (sq - m) / (m * (m - 1));
        total += m;
        units++;
    }
    double pe = 0;
    for (size_t k = 0; k < K && total > 0; k++)
        pe += (n_c[k] / total) * (n_c[k] / total);
    unit_release(&u);
    free(n_c);
    if (!units)
        return tl_errf(eb, TL_EUNPROC, "kappa undefined: no task has two or more labels");
    if (!(pe < 1))
        return tl_errf(eb, TL_EUNPROC, "kappa undefined: every label has the same value");
    *out = (p_sum / (double)units - pe) / (1 - pe);
    return 0;
}

int tl_q_percent(const struct tl_q_labels *L, double *out, struct tl_errbuf *eb) {
    int rc = check(L, eb);
    if (rc)
        return rc;
    struct unit u;
    if (unit_init(&u, L))
        return tl_errf(eb, TL_ENOMEM, "out of memory");
    double p_sum = 0;
    size_t units = 0;
    for (size_t t = 0; t < L->n_tasks; t++) {
        if (L->task_off[t + 1] - L->task_off[t] < 2)
            continue;
        unit_load(&u, L, t);
        double agree = 0, m = (double)u.m;
        for (size_t i = 0; i < u.nruns; i++)
            agree += (double)u.count[i] * (u.count[i] - 1);
        p_sum += agree / (m * (m - 1));
        units++;
    }
    unit_release(&u);
    if (!units)
        return tl_errf(eb, TL_EUNPROC, "agreement undefined: no task has two or more labels");
    *out = p_sum / (double)units;
    return 0;
}

int tl_q_cohen(const struct tl_q_labels *L, enum tl_q_weights weights, double *out,
               struct tl_errbuf *eb) {
    int rc = check(L, eb);
    if (rc)
        return rc;
    if (L->n_workers != 2)
        return tl_errf(eb, TL_EUNPROC, "cohen's kappa needs exactly two raters; found %zu",
                       L->n_workers);
    size_t K = L->n_classes;
    if (K > MAX_LEVELS)
        return tl_errf(eb, TL_ETOOBIG, "%zu distinct labels: at most %d for cohen's kappa", K,
                       MAX_LEVELS);
    /* Pairs: for each task labelled by both, (label of worker 0, of 1). */
    double *obs = calloc(K * K, sizeof *obs);
    size_t *level = malloc(K * sizeof *level);
    bool *seen = calloc(K, sizeof *seen);
    if (!obs || !level || !seen) {
        free(obs);
        free(level);
        free(seen);
        return tl_errf(eb, TL_ENOMEM, "out of memory");
    }
    double pairs = 0;
    for (size_t t = 0; t < L->n_tasks; t++) {
        size_t lo = L->task_off[t];
        if (L->task_off[t + 1] - lo != 2)
            continue;
        size_t first = L->by_task_worker[lo] == 0 ? lo : lo + 1;
        uint32_t a = L->by_task_class[first], b = L->by_task_class[first == lo ? lo + 1 : lo];
        obs[(size_t)a * K + b] += 1;
        seen[a] = seen[b] = true;
        pairs += 1;
    }
    /* Weights use the index among the levels seen in the pairs. */
    size_t nlevels = 0;
    for (size_t k = 0; k < K; k++)
        level[k] = seen[k] ? nlevels++ : 0;
    double *row = calloc(K, sizeof *row), *col = calloc(K, sizeof *col);
    if (!row || !col) {
        free(obs);
        free(level);
        free(seen);
        free(row);
        free(col);
        return tl_errf(eb, TL_ENOMEM, "out of memory");
    }
    for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++) {
            row[a] += obs[a * K + b];
            col[b] += obs[a * K + b];
        }
    double num = 0, den = 0;
    for (size_t a = 0; a < K; a++) {
        if (!seen[a])
            continue;
        for (size_t b = 0; b < K; b++) {
            if (!seen[b])
                continue;
            double d = fabs((double)level[a] - (double)level[b]), w;
            switch (weights) {
            case TL_Q_WEIGHTS_LINEAR: w = d; break;
            case TL_Q_WEIGHTS_QUADRATIC: w = d * d; break;
            default: w = a == b ? 0.0 : 1.0; break;
            }
            num += w * obs[a * K + b];
            den += w * row[a] * col[b] / pairs;
        }
    }
    free(obs);
    free(level);
    free(seen);
    free(row);
    free(col);
    if (!pairs)
        return tl_errf(eb, TL_EUNPROC, "cohen's kappa undefined: no task labelled by both raters");
    if (!(den > 0))
        return tl_errf(eb, TL_EUNPROC,
                       "cohen's kappa undefined: chance agreement is 1 (one value only)");
    *out = 1 - num / den;
    return 0;
}
