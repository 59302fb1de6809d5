/* detect.c: see detect.h. One static function per rule, all reading the
 * same per-worker and per-task groupings built once. */
#include "quality/detect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "quality/labels.h"
#include "quality/mace.h"
#include "quality/method.h"
#include "quality/minhash.h"

static const char *const rule_names[TL_Q_RULE_COUNT] = {
    [TL_Q_RULE_GOLD] = "gold_accuracy",   [TL_Q_RULE_SPEED] = "speed",
    [TL_Q_RULE_CONSTANT] = "constant",    [TL_Q_RULE_RANDOM] = "random",
    [TL_Q_RULE_COLLUSION] = "collusion",  [TL_Q_RULE_COPIED_TEXT] = "copied_text",
};

const char *tl_q_rule_name(enum tl_q_rule r) {
    return (unsigned)r < TL_Q_RULE_COUNT ? rule_names[r] : "?";
}

void tl_q_detect_opts_init(struct tl_q_detect_opts *o) {
    *o = (struct tl_q_detect_opts){
        .gold_threshold = 0,
        .gold_min = 10,
        .speed_min = 10,
        .speed_ratio = 0.25,
        .speed_z = 3,
        .constant_min = 15,
        .constant_share = 0.95,
        .constant_project = 0.8,
        .random_min = 20,
        .random_spam = 0.5,
        .random_margin = 1.0 / 3,
        .collusion_min_shared = 10,
        .collusion_alpha = 1e-3,
        .collusion_min_same = 5,
        .copy_min_chars = 30,
        .copy_similarity = 0.8,
        .copy_min = 2,
        .copy_share = 0.2,
        .max_per_task = 64,
        .pair_budget = 20000000,
    };
}

/* ---- special functions ---- */

/* The continued fraction of I_x(a, b) (Numerical Recipes' betacf). */
static double beta_cf(double x, double a, double b) {
    const double tiny = 1e-300, eps = 1e-15;
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 300; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < eps)
            break;
    }
    return h;
}

double tl_q_beta_cdf(double x, double a, double b) {
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    double bt = exp(lbt);
    if (x < (a + 1) / (a + b + 2))
        return bt * beta_cf(x, a, b) / a;
    return 1 - bt * beta_cf(1 - x, b, a) / b;
}

double tl_q_beta_quantile(double p, double a, double b) {
    double lo = 0, hi = 1;
    for (int i = 0; i < 60 && hi - lo > 1e-10; i++) {
        double mid = (lo + hi) / 2;
        if (tl_q_beta_cdf(mid, a, b) < p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

double tl_q_binom_tail(int64_t k, int64_t n, double p) {
    if (k <= 0)
        return 1;
    if (k > n || p <= 0)
        return 0;
    if (p >= 1)
        return 1;
    return tl_q_beta_cdf(p, (double)k, (double)(n - k + 1));
}

/* ---- groupings ---- */

struct ctx {
    const struct tl_q_snapshot *s;
    const struct tl_q_detect_opts *o;
    size_t K;
    uint32_t *w_off, *w_lab; /* labels by worker */
    uint32_t *t_off, *t_lab; /* labels by task, input order */
    uint32_t *cnt;           /* [n_tasks * K] choice counts */
    int32_t *ref;            /* [n_labels] the peers' majority (leave one out), -1 */
    struct tl_q_worker_stats *ws;
    struct tl_q_flag *flags;
    size_t n_flags, cap_flags;
    bool is_truncated;
};

static int group(uint32_t **off, uint32_t **idx, size_t n_keys, const struct tl_q_snapshot *s,
                 bool by_worker) {
    *off = calloc(n_keys + 1, sizeof **off);
    *idx = malloc((s->n_labels ? s->n_labels : 1) * sizeof **idx);
    if (!*off || !*idx)
        return TL_ENOMEM;
    for (size_t i = 0; i < s->n_labels; i++)
        (*off)[(by_worker ? s->labels[i].worker : s->labels[i].task) + 1]++;
    for (size_t k = 0; k < n_keys; k++)
        (*off)[k + 1] += (*off)[k];
    uint32_t *pos = malloc((n_keys ? n_keys : 1) * sizeof *pos);
    if (!pos)
        return TL_ENOMEM;
    memcpy(pos, *off, n_keys * sizeof *pos);
    for (size_t i = 0; i < s->n_labels; i++)
        (*idx)[pos[by_worker ? s->labels[i].worker : s->labels[i].task]++] = (uint32_t)i;
    free(pos);
    return 0;
}

static int add_flag(struct ctx *c, const struct tl_q_flag *f) {
    if (c->n_flags == c->cap_flags) {
        size_t cap = c->cap_flags ? 2 * c->cap_flags : 16;
        struct tl_q_flag *nf = realloc(c->flags, cap * sizeof *nf);
        if (!nf)
            return TL_ENOMEM;
        c->flags = nf;
        c->cap_flags = cap;
    }
    c->flags[c->n_flags++] = *f;
    return 0;
}

static struct tl_q_flag new_flag(enum tl_q_rule rule, uint32_t worker) {
    return (struct tl_q_flag){.rule = rule, .worker = worker, .peer = TL_Q_NO_PEER,
                              .class_ = -1, .p_value = -1, .spam = -1, .bound = -1};
}

static void add_item(struct tl_q_flag *f, uint32_t task) {
    if (f->n_items < TL_Q_FLAG_ITEMS)
        f->items[f->n_items++] = task;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (sorted in place); -1 for n == 0. */
static double median(double *v, size_t n) {
    if (!n)
        return -1;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The majority class of counts cnt[0..K) less `minus` (one vote, -1: none,
 * -2 second vote in minus2); -1 on a tie or no vote. */
static int32_t majority(const uint32_t *cnt, size_t K, int32_t minus, int32_t minus2) {
    int32_t best = -1;
    uint32_t best_n = 0;
    bool is_tie = false;
    for (size_t k = 0; k < K; k++) {
        uint32_t n = cnt[k] - (minus == (int32_t)k) - (minus2 == (int32_t)k);
        if (n > best_n) {
            best = (int32_t)k;
            best_n = n;
            is_tie = false;
        } else if (n && n == best_n) {
            is_tie = true;
        }
    }
    return is_tie ? -1 : best;
}

/* ---- per-worker figures: gold, time, agreement ---- */

static int worker_stats(struct ctx *c) {
    const struct tl_q_snapshot *s = c->s;
    double *buf = malloc((s->n_labels ? s->n_labels : 1) * sizeof *buf);
    if (!buf)
        return TL_ENOMEM;
    for (size_t w = 0; w < s->n_workers; w++) {
        struct tl_q_worker_stats *ws = &c->ws[w];
        size_t n_t = 0, n_agree_items = 0, n_agree = 0;
        double gold_sum = 0;
        ws->n_labels = c->w_off[w + 1] - c->w_off[w];
        for (uint32_t j = c->w_off[w]; j < c->w_off[w + 1]; j++) {
            const struct tl_q_snap_label *l = &s->labels[c->w_lab[j]];
            if (l->gold_score >= 0) {
                ws->gold_answered++;
                gold_sum += l->gold_score > 1 ? 1 : l->gold_score;
            }
            if (l->seconds >= 0)
                buf[n_t++] = l->seconds;
            int32_t r = c->ref[c->w_lab[j]];
            if (r >= 0 && l->choice >= 0) {
                n_agree_items++;
                n_agree += r == l->choice;
            }
        }
        ws->median_seconds = median(buf, n_t);
        ws->gold_accuracy = ws->gold_answered ? gold_sum / (double)ws->gold_answered : -1;
        ws->gold_lower_bound =
            ws->gold_answered ? tl_q_beta_quantile(0.05, 1 + gold_sum,
                                                   1 + (double)ws->gold_answered - gold_sum)
                              : -1;
        ws->agreement = n_agree_items ? (double)n_agree / (double)n_agree_items : -1;
        ws->spam = -1;
    }
    free(buf);
    return 0;
}

static int rule_gold(struct ctx *c) {
    if (c->o->gold_threshold <= 0)
        return 0;
    for (size_t w = 0; w < c->s->n_workers; w++) {
        const struct tl_q_worker_stats *ws = &c->ws[w];
        if (ws->gold_answered < c->o->gold_min || ws->gold_lower_bound >= c->o->gold_threshold)
            continue;
        struct tl_q_flag f = new_flag(TL_Q_RULE_GOLD, (uint32_t)w);
        f.n = ws->gold_answered;
        f.value = ws->gold_accuracy;
        f.bound = ws->gold_lower_bound;
        f.reference = c->o->gold_threshold;
        f.score = c->o->gold_threshold - ws->gold_lower_bound;
        int rc = add_flag(c, &f);
        if (rc)
            return rc;
    }
    return 0;
}

static int rule_speed(struct ctx *c) {
    const struct tl_q_snapshot *s = c->s;
    double *all = malloc((s->n_labels + s->n_workers + 1) * sizeof *all);
    if (!all)
        return TL_ENOMEM;
    size_t n_all = 0, n_logs = 0;
    for (size_t i = 0; i < s->n_labels; i++)
        if (s->labels[i].seconds >= 0)
            all[n_all++] = s->labels[i].seconds;
    double project_median = median(all, n_all);
    /* log medians of the workers with enough timed labels, after all[] */
    double *logs = all + n_all;
    for (size_t w = 0; w < s->n_workers; w++) {
        size_t n_t = 0;
        for (uint32_t j = c->w_off[w]; j < c->w_off[w + 1]; j++)
            n_t += s->labels[c->w_lab[j]].seconds >= 0;
        if ((int)n_t >= c->o->speed_min)
            logs[n_logs++] = log(c->ws[w].median_seconds + 1e-3);
    }
    double m = median(logs, n_logs);
    for (size_t i = 0; i < n_logs; i++)
        logs[i] = fabs(logs[i] - m);
    double mad = 1.4826 * median(logs, n_logs);
    int rc = 0;
    for (size_t w = 0; !rc && project_median > 0 && w < s->n_workers; w++) {
        size_t n_t = 0;
        for (uint32_t j = c->w_off[w]; j < c->w_off[w + 1]; j++)
            n_t += s->labels[c->w_lab[j]].seconds >= 0;
        double med = c->ws[w].median_seconds;
        if ((int)n_t < c->o->speed_min || med >= c->o->speed_ratio * project_median)
            continue;
        double z = mad > 0 ? (log(med + 1e-3) - m) / mad : -INFINITY;
        if (z > -c->o->speed_z)
            continue;
        struct tl_q_flag f = new_flag(TL_Q_RULE_SPEED, (uint32_t)w);
        f.n = (int64_t)n_t;
        f.value = med;
        f.reference = project_median;
        f.bound = isfinite(z) ? z : -99;
        f.score = project_median / (med + 1e-3);
        rc = add_flag(c, &f);
    }
    free(all);
    return rc;
}

static int rule_constant(struct ctx *c) {
    const struct tl_q_snapshot *s = c->s;
    size_t K = c->K;
    if (!K)
        return 0;
    uint64_t *proj = calloc(K, sizeof *proj), *mine = calloc(K, sizeof *mine);
    int rc = proj && mine ? 0 : TL_ENOMEM;
    uint64_t n_proj = 0;
    for (size_t i = 0; !rc && i < s->n_labels; i++)
        if (s->labels[i].choice >= 0) {
            proj[s->labels[i].choice]++;
            n_proj++;
        }
    uint64_t top = 0;
    for (size_t k = 0; !rc && k < K; k++)
        top = proj[k] > top ? proj[k] : top;
    double top_share = n_proj ? (double)top / (double)n_proj : 1;
    for (size_t w = 0; !rc && top_share < c->o->constant_project && w < s->n_workers; w++) {
        memset(mine, 0, K * sizeof *mine);
        uint64_t n = 0;
        for (uint32_t j = c->w_off[w]; j < c->w_off[w + 1]; j++) {
            int32_t ch = s->labels[c->w_lab[j]].choice;
            if (ch >= 0) {
                mine[ch]++;
                n++;
            }
        }
        size_t best = 0;
        for (size_t k = 1; k < K; k++)
            best = mine[k] > mine[best] ? k : best;
        double share = n ? (double)mine[best] / (double)n : 0;
        if ((int64_t)n < c->o->constant_min || share <= c->o->constant_share)
            continue;
        struct tl_q_flag f = new_flag(TL_Q_RULE_CONSTANT, (uint32_t)w);
        f.n = (int64_t)n;
        f.k = (int64_t)mine[best];
        f.class_ = (int32_t)best;
        f.value = share;
        f.reference = top_share;
        f.score = share - top_share;
        rc = add_flag(c, &f);
    }
    free(proj);
    free(mine);
    return rc;
}

/* MACE's P(knowing) of each worker into ws->spam (1 - it); left unknown
 * (-1) when MACE cannot run (no choice labels). */
static int mace_spam(struct ctx *c) {
    const struct tl_q_snapshot *s = c->s;
    struct tl_q_labels L;
    struct tl_q_result r;
    tl_q_labels_init(&L);
    tl_q_result_init(&r);
    int rc = 0;
    char tn[16], wn[16], cn[16];
    size_t n_added = 0;
    for (size_t i = 0; !rc && i < s->n_labels; i++) {
        const struct tl_q_snap_label *l = &s->labels[i];
        if (l->choice < 0)
            continue;
        int a = snprintf(tn, sizeof tn, "%u", l->task), b = snprintf(wn, sizeof wn, "%u", l->worker),
            d = snprintf(cn, sizeof cn, "%d", l->choice);
        rc = tl_q_labels_add(&L, tn, (size_t)a, wn, (size_t)b, cn, (size_t)d);
        n_added++;
    }
    if (!rc && n_added)
        rc = tl_q_labels_finish(&L);
    if (!rc && n_added) {
        struct tl_q_opts o;
        tl_q_opts_init(&o);
        o.threads = 1;
        rc = tl_q_mace(&L, &o, &r);
        for (uint32_t w = 0; !rc && w < L.n_workers; w++) {
            const char *name = tl_q_strtab_name(&L.workers, w);
            unsigned long idx = strtoul(name, NULL, 10);
            if (idx < s->n_workers)
                c->ws[idx].spam = 1 - r.skill[w];
        }
        if (rc == TL_EEMPTY || rc == TL_EINVAL)
            rc = 0;
    }
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
    return rc;
}

static int rule_random(struct ctx *c) {
    const struct tl_q_snapshot *s = c->s;
    size_t K = c->K;
    if (K < 2)
        return 0;
    int rc = mace_spam(c);
    double *refshare = calloc(K, sizeof *refshare), *mine = calloc(K, sizeof *mine);
    double *agrees = malloc((s->n_workers + 1) * sizeof *agrees);
    if (rc || !refshare || !mine || !agrees) {
        free(refshare);
        free(mine);
        free(agrees);
        return rc ? rc : TL_ENOMEM;
    }
    double n_ref = 0;
    for (size_t i = 0; i < s->n_labels; i++)
        if (c->ref[i] >= 0) {
            refshare[c->ref[i]]++;
            n_ref++;
        }
    for (size_t k = 0; n_ref > 0 && k < K; k++)
        refshare[k] /= n_ref;
    size_t n_ag = 0;
    for (size_t w = 0; w < s->n_workers; w++)
        if (c->ws[w].agreement >= 0 && c->ws[w].n_labels >= c->o->random_min)
            agrees[n_ag++] = c->ws[w].agreement;
    double med_agree = median(agrees, n_ag);
    for (size_t w = 0; !rc && med_agree > 0 && w < s->n_workers; w++) {
        const struct tl_q_worker_stats *ws = &c->ws[w];
        if (ws->spam >= 0 && ws->spam < c->o->random_spam)
            continue;
        memset(mine, 0, K * sizeof *mine);
        int64_t n = 0, k_agree = 0;
        for (uint32_t j = c->w_off[w]; j < c->w_off[w + 1]; j++) {
            const struct tl_q_snap_label *l = &s->labels[c->w_lab[j]];
            int32_t r = c->ref[c->w_lab[j]];
            if (r < 0 || l->choice < 0)
                continue;
            mine[l->choice]++;
            n++;
            k_agree += r == l->choice;
        }
        if (n < c->o->random_min)
            continue;
        double chance = 0;
        for (size_t k = 0; k < K; k++)
            chance += mine[k] / (double)n * refshare[k];
        double upper = tl_q_beta_quantile(0.95, 1 + (double)k_agree, 1 + (double)(n - k_agree));
        double limit = chance + c->o->random_margin * (med_agree - chance);
        if (med_agree <= chance || upper >= limit)
            continue;
        struct tl_q_flag f = new_flag(TL_Q_RULE_RANDOM, (uint32_t)w);
        f.n = n;
        f.k = k_agree;
        f.value = (double)k_agree / (double)n;
        f.bound = upper;
        f.reference = chance;
        f.spam = ws->spam;
        f.score = ws->spam >= 0 ? ws->spam : 1 - f.value;
        rc = add_flag(c, &f);
    }
    free(refshare);
    free(mine);
    free(agrees);
    return rc;
}

/* ---- pairs: collusion ---- */

struct pair {
    uint64_t key; /* a << 32 | b, a < b; 0: empty slot (worker 0 pairs with b > 0) */
    bool is_used;
    uint32_t n, same_wrong;
    double p_sum; /* expected identical wrong answers */
    uint32_t items[TL_Q_FLAG_ITEMS];
    uint32_t n_items;
};

struct pairs {
    struct pair *slot;
    size_t cap, n;
};

static struct pair *pair_get(struct pairs *P, uint64_t key) {
    if (2 * (P->n + 1) > P->cap) {
        size_t cap = P->cap ? 2 * P->cap : 1024;
        struct pair *ns = calloc(cap, sizeof *ns);
        if (!ns)
            return NULL;
        for (size_t i = 0; i < P->cap; i++)
            if (P->slot[i].is_used) {
                size_t h = (size_t)((P->slot[i].key * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
                while (ns[h].is_used)
                    h = (h + 1) & (cap - 1);
                ns[h] = P->slot[i];
            }
        free(P->slot);
        P->slot = ns;
        P->cap = cap;
    }
    size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (P->cap - 1);
    while (P->slot[h].is_used && P->slot[h].key != key)
        h = (h + 1) & (P->cap - 1);
    if (!P->slot[h].is_used) {
        P->slot[h].is_used = true;
        P->slot[h].key = key;
        P->n++;
    }
    return &P->slot[h];
}

/* Each worker's error rate against the references (gold, else the peers'
 * majority) and each task's wrong-answer figures. */
struct err_rates {
    double *worker; /* [n_workers] */
    double *task;   /* [n_tasks] share of wrong labels */
    double *same;   /* [n_tasks] chance two wrong labels coincide */
};

static int error_rates(struct ctx *c, struct err_rates *e) {
    const struct tl_q_snapshot *s = c->s;
    size_t K = c->K;
    e->worker = calloc(s->n_workers + 1, sizeof *e->worker);
    e->task = calloc(s->n_tasks + 1, sizeof *e->task);
    e->same = calloc(s->n_tasks + 1, sizeof *e->same);
    double *n_w = calloc(s->n_workers + 1, sizeof *n_w);
    uint32_t *wrong = calloc(K, sizeof *wrong);
    if (!e->worker || !e->task || !e->same || !n_w || !wrong) {
        free(n_w);
        free(wrong);
        return TL_ENOMEM;
    }
    for (size_t i = 0; i < s->n_labels; i++) {
        const struct tl_q_snap_label *l = &s->labels[i];
        int32_t g = s->gold_class ? s->gold_class[l->task] : -1;
        int32_t r = g >= 0 ? g : c->ref[i];
        if (r < 0 || l->choice < 0)
            continue;
        n_w[l->worker]++;
        e->worker[l->worker] += l->choice != r;
    }
    for (size_t w = 0; w < s->n_workers; w++)
        e->worker[w] = n_w[w] > 0 ? e->worker[w] / n_w[w] : 0.5;
    for (size_t t = 0; t < s->n_tasks; t++) {
        int32_t g = s->gold_class ? s->gold_class[t] : -1;
        int32_t r = g >= 0 ? g : majority(&c->cnt[t * K], K, -1, -1);
        uint32_t n = 0, n_wrong = 0;
        memset(wrong, 0, K * sizeof *wrong);
        for (size_t k = 0; k < K; k++) {
            n += c->cnt[t * K + k];
            if ((int32_t)k != r) {
                wrong[k] = c->cnt[t * K + k];
                n_wrong += wrong[k];
            }
        }
        e->task[t] = n ? (double)n_wrong / n : 0;
        double same = 0;
        for (size_t k = 0; n_wrong && k < K; k++)
            same += ((double)wrong[k] / n_wrong) * ((double)wrong[k] / n_wrong);
        e->same[t] = n_wrong ? same : 1.0 / (K > 1 ? (double)(K - 1) : 1);
    }
    free(n_w);
    free(wrong);
    return 0;
}

static int rule_collusion(struct ctx *c) {
    const struct tl_q_snapshot *s = c->s;
    size_t K = c->K;
    if (K < 2)
        return 0;
    struct err_rates e = {0};
    struct pairs P = {0};
    int rc = error_rates(c, &e);
    size_t visits = 0;
    for (size_t t = 0; !rc && t < s->n_tasks && !c->is_truncated; t++) {
        uint32_t lo = c->t_off[t], hi = c->t_off[t + 1];
        if (hi - lo > c->o->max_per_task)
            hi = lo + (uint32_t)c->o->max_per_task;
        int32_t g = s->gold_class ? s->gold_class[t] : -1;
        for (uint32_t i = lo; !rc && i < hi; i++) {
            const struct tl_q_snap_label *a = &s->labels[c->t_lab[i]];
            if (a->choice < 0)
                continue;
            for (uint32_t j = i + 1; j < hi; j++) {
                const struct tl_q_snap_label *b = &s->labels[c->t_lab[j]];
                if (b->choice < 0 || a->worker == b->worker)
                    continue;
                if (++visits > c->o->pair_budget) {
                    c->is_truncated = true;
                    break;
                }
                int32_t r = g >= 0 ? g : majority(&c->cnt[t * K], K, a->choice, b->choice);
                if (r < 0)
                    continue;
                uint32_t x = a->worker < b->worker ? a->worker : b->worker;
                uint32_t y = a->worker < b->worker ? b->worker : a->worker;
                struct pair *p = pair_get(&P, (uint64_t)x << 32 | y);
                if (!p) {
                    rc = TL_ENOMEM;
                    break;
                }
                p->n++;
                double ee = e.worker[x] * e.worker[y], dd = e.task[t] * e.task[t];
                p->p_sum += (ee > dd ? ee : dd) * e.same[t];
                if (a->choice == b->choice && a->choice != r) {
                    p->same_wrong++;
                    if (p->n_items < TL_Q_FLAG_ITEMS)
                        p->items[p->n_items++] = (uint32_t)t;
                }
            }
        }
    }
    size_t n_tested = 0;
    for (size_t i = 0; !rc && i < P.cap; i++)
        n_tested += P.slot[i].is_used && (int)P.slot[i].n >= c->o->collusion_min_shared;
    for (size_t i = 0; !rc && i < P.cap; i++) {
        const struct pair *p = &P.slot[i];
        if (!p->is_used || (int)p->n < c->o->collusion_min_shared ||
            (int)p->same_wrong < c->o->collusion_min_same)
            continue;
        double p0 = p->p_sum / p->n;
        double pv = tl_q_binom_tail(p->same_wrong, p->n, p0) * (double)n_tested;
        if (pv >= c->o->collusion_alpha)
            continue;
        for (int side = 0; !rc && side < 2; side++) {
            struct tl_q_flag f = new_flag(TL_Q_RULE_COLLUSION,
                                          side ? (uint32_t)(p->key & 0xffffffffu)
                                               : (uint32_t)(p->key >> 32));
            f.peer = side ? (uint32_t)(p->key >> 32) : (uint32_t)(p->key & 0xffffffffu);
            f.n = p->n;
            f.k = p->same_wrong;
            f.value = (double)p->same_wrong / p->n;
            f.reference = p0;
            f.p_value = pv < 1e-300 ? 1e-300 : pv;
            f.score = -log10(f.p_value);
            for (uint32_t k = 0; k < p->n_items; k++)
                add_item(&f, p->items[k]);
            rc = add_flag(c, &f);
        }
    }
    free(P.slot);
    free(e.worker);
    free(e.task);
    free(e.same);
    return rc;
}

/* ---- copied text ---- */

struct copy_count {
    uint32_t n_texts, n_copied;
    double sim_sum;
    uint32_t from_model;
    uint32_t items[TL_Q_FLAG_ITEMS];
    uint32_t n_items;
};

/* The source most copied by worker w (its copies' sources in src[]). */
static uint32_t top_source(const uint32_t *src, size_t n) {
    uint32_t best = TL_Q_NO_PEER;
    size_t best_n = 0;
    for (size_t i = 0; i < n; i++) {
        size_t m = 0;
        for (size_t j = 0; j < n; j++)
            m += src[j] == src[i];
        if (m > best_n || (m == best_n && src[i] < best)) {
            best = src[i];
            best_n = m;
        }
    }
    return best;
}

static int rule_copied_text(struct ctx *c) {
    const struct tl_q_snapshot *s = c->s;
    struct tl_q_minhash *mh = malloc((s->n_labels ? s->n_labels : 1) * sizeof *mh);
    struct copy_count *cc = calloc(s->n_workers + 1, sizeof *cc);
    /* the sources of each worker's copies, TL_Q_FLAG_ITEMS kept */
    uint32_t *src = malloc((s->n_workers + 1) * TL_Q_FLAG_ITEMS * sizeof *src);
    int rc = mh && cc && src ? 0 : TL_ENOMEM;
    size_t min_chars = (size_t)c->o->copy_min_chars;
    for (size_t i = 0; !rc && i < s->n_labels; i++) {
        const struct tl_q_snap_label *l = &s->labels[i];
        if (l->text && l->text_len >= min_chars) {
            tl_q_minhash(l->text, l->text_len, &mh[i]);
            cc[l->worker].n_texts++;
        } else {
            mh[i].is_empty = true;
        }
    }
    size_t visits = 0;
    for (size_t t = 0; !rc && t < s->n_tasks; t++) {
        uint32_t lo = c->t_off[t], hi = c->t_off[t + 1];
        if (hi - lo > c->o->max_per_task)
            hi = lo + (uint32_t)c->o->max_per_task;
        struct tl_q_minhash pre;
        pre.is_empty = true;
        if (s->prelabel && s->prelabel[t] && s->prelabel_len[t] >= min_chars)
            tl_q_minhash(s->prelabel[t], s->prelabel_len[t], &pre);
        for (uint32_t i = lo; i < hi; i++) {
            uint32_t li = c->t_lab[i];
            const struct tl_q_snap_label *a = &s->labels[li];
            if (mh[li].is_empty)
                continue;
            double best = tl_q_minhash_similarity(&mh[li], &pre);
            uint32_t from = TL_Q_NO_PEER;
            for (uint32_t j = lo; j < hi && visits <= c->o->pair_budget; j++, visits++) {
                uint32_t lj = c->t_lab[j];
                const struct tl_q_snap_label *b = &s->labels[lj];
                if (j == i || b->worker == a->worker || mh[lj].is_empty)
                    continue;
                /* only an earlier text can be the original (ties: the lower index) */
                if (b->created_at_ms > a->created_at_ms ||
                    (b->created_at_ms == a->created_at_ms && lj > li))
                    continue;
                double sim = tl_q_minhash_similarity(&mh[li], &mh[lj]);
                if (sim > best) {
                    best = sim;
                    from = b->worker;
                }
            }
            if (visits > c->o->pair_budget)
                c->is_truncated = true;
            if (best < c->o->copy_similarity)
                continue;
            struct copy_count *k = &cc[a->worker];
            if (k->n_items < TL_Q_FLAG_ITEMS) {
                src[(size_t)a->worker * TL_Q_FLAG_ITEMS + k->n_items] = from;
                k->items[k->n_items++] = (uint32_t)t;
            }
            k->n_copied++;
            k->sim_sum += best;
        }
    }
    for (size_t w = 0; !rc && w < s->n_workers; w++) {
        const struct copy_count *k = &cc[w];
        if ((int)k->n_copied < c->o->copy_min ||
            (double)k->n_copied < c->o->copy_share * (double)k->n_texts)
            continue;
        struct tl_q_flag f = new_flag(TL_Q_RULE_COPIED_TEXT, (uint32_t)w);
        f.n = k->n_texts;
        f.k = k->n_copied;
        f.value = k->sim_sum / k->n_copied;
        f.reference = c->o->copy_similarity;
        f.peer = top_source(&src[w * TL_Q_FLAG_ITEMS], k->n_items);
        f.score = (double)k->n_copied / (double)k->n_texts;
        for (uint32_t i = 0; i < k->n_items; i++)
            add_item(&f, k->items[i]);
        rc = add_flag(c, &f);
    }
    free(mh);
    free(cc);
    free(src);
    return rc;
}

/* ---- the driver ---- */

static int check(const struct tl_q_snapshot *s) {
    for (size_t i = 0; i < s->n_labels; i++) {
        const struct tl_q_snap_label *l = &s->labels[i];
        if (l->worker >= s->n_workers || l->task >= s->n_tasks ||
            l->choice >= (int32_t)s->n_classes || l->choice < -1)
            return TL_EINVAL;
    }
    for (size_t t = 0; s->gold_class && t < s->n_tasks; t++)
        if (s->gold_class[t] >= (int32_t)s->n_classes)
            return TL_EINVAL;
    return 0;
}

static int prepare(struct ctx *c) {
    const struct tl_q_snapshot *s = c->s;
    int rc = group(&c->w_off, &c->w_lab, s->n_workers, s, true);
    if (!rc)
        rc = group(&c->t_off, &c->t_lab, s->n_tasks, s, false);
    if (rc)
        return rc;
    c->cnt = calloc(s->n_tasks * c->K + 1, sizeof *c->cnt);
    c->ref = malloc((s->n_labels + 1) * sizeof *c->ref);
    c->ws = calloc(s->n_workers + 1, sizeof *c->ws);
    if (!c->cnt || !c->ref || !c->ws)
        return TL_ENOMEM;
    for (size_t i = 0; i < s->n_labels; i++)
        if (s->labels[i].choice >= 0)
            c->cnt[s->labels[i].task * c->K + (size_t)s->labels[i].choice]++;
    for (size_t i = 0; i < s->n_labels; i++) {
        const struct tl_q_snap_label *l = &s->labels[i];
        c->ref[i] = c->K ? majority(&c->cnt[l->task * c->K], c->K, l->choice, -1) : -1;
    }
    return worker_stats(c);
}

int tl_q_detect(const struct tl_q_snapshot *s, const struct tl_q_detect_opts *o,
                struct tl_q_detect_result *out) {
    struct tl_q_detect_opts def;
    if (!o) {
        tl_q_detect_opts_init(&def);
        o = &def;
    }
    memset(out, 0, sizeof *out);
    int rc = check(s);
    if (rc)
        return rc;
    struct ctx c = {.s = s, .o = o, .K = s->n_classes};
    rc = prepare(&c);
    if (!rc && o->is_stats_only)
        goto done;
    if (!rc)
        rc = rule_gold(&c);
    if (!rc)
        rc = rule_speed(&c);
    if (!rc)
        rc = rule_constant(&c);
    if (!rc)
        rc = rule_random(&c);
    if (!rc)
        rc = rule_collusion(&c);
    if (!rc)
        rc = rule_copied_text(&c);
done:
    free(c.w_off);
    free(c.w_lab);
    free(c.t_off);
    free(c.t_lab);
    free(c.cnt);
    free(c.ref);
    if (rc) {
        free(c.flags);
        free(c.ws);
        return rc;
    }
    out->flags = c.flags;
    out->n_flags = c.n_flags;
    out->workers = c.ws;
    out->is_truncated = c.is_truncated;
    return 0;
}

void tl_q_detect_result_release(struct tl_q_detect_result *r) {
    free(r->flags);
    free(r->workers);
    memset(r, 0, sizeof *r);
}
