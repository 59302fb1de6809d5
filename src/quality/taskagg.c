/* taskagg.c: one task's aggregate per field type (rules in taskagg.h). */
#include "quality/taskagg.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "schema/score.h"

/* Skills of exactly 0 or 1 would make one vote certain (and log(0) of
 * the others): clamp them. Negative or NaN: unknown. */
static double skill_of(const struct tl_q_vote *v) {
    double s = v->skill >= 0 ? v->skill : TL_Q_PRIOR_SKILL;
    return fmin(0.999, fmax(0.001, s));
}

/* What one field's rule produced: a value (owned) and its confidence. */
struct field_out {
    json_t *value;
    double confidence;
};

/* The votes that answered a field (value present and not null). */
struct answers {
    const json_t **val; /* [n] */
    double *w;          /* [n] skills */
    size_t *from;       /* [n] index of the vote */
    size_t n;
    double total; /* sum of w */
};

static int answers_of(const struct tl_field *f, const struct tl_q_vote *v, size_t n,
                      struct answers *a) {
    memset(a, 0, sizeof *a);
    if (!n)
        return 0;
    a->val = malloc(n * sizeof *a->val);
    a->w = malloc(n * sizeof *a->w);
    a->from = malloc(n * sizeof *a->from);
    if (!a->val || !a->w || !a->from)
        return TL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_object_get(v[i].result, f->name);
        if (!x || json_is_null(x))
            continue;
        a->val[a->n] = x;
        a->w[a->n] = skill_of(&v[i]);
        a->from[a->n] = i;
        a->total += a->w[a->n++];
    }
    return 0;
}

static void answers_release(struct answers *a) {
    free(a->val);
    free(a->w);
    free(a->from);
}

static long option_index(const struct tl_field *f, const json_t *x) {
    const char *s = json_string_value(x);
    for (size_t k = 0; s && k < f->n_options; k++)
        if (!strcmp(f->options[k], s))
            return (long)k;
    return -1;
}

/* ---- choice, multichoice ---- */

/* One-coin: a vote of skill s says its option with probability s and each
 * other with (1 - s) / (K - 1); in log space, every option starts from the
 * sum of the "wrong" terms and a vote moves only its own option, so the
 * cost is O(votes + options). */
static int agg_choice(const struct tl_field *f, const struct answers *a, struct field_out *o) {
    size_t K = f->n_options;
    double *score = calloc(K, sizeof *score);
    if (!score)
        return TL_ENOMEM;
    size_t n_valid = 0;
    for (size_t i = 0; i < a->n; i++) {
        long k = option_index(f, a->val[i]);
        if (k < 0)
            continue;
        double lw = K > 1 ? log((1 - a->w[i]) / (double)(K - 1)) : 0;
        score[k] += log(a->w[i]) - lw; /* the shared base cancels out */
        n_valid++;
    }
    if (n_valid) {
        size_t best = 0;
        for (size_t k = 1; k < K; k++)
            if (score[k] > score[best])
                best = k;
        double z = 0;
        for (size_t k = 0; k < K; k++)
            z += exp(score[k] - score[best]);
        o->confidence = 1 / z;
        o->value = json_string(f->options[best]);
    }
    free(score);
    return n_valid && !o->value ? TL_ENOMEM : 0;
}

static int agg_multichoice(const struct tl_field *f, const struct answers *a,
                           struct field_out *o) {
    size_t K = f->n_options;
    double *logit = calloc(K, sizeof *logit);
    bool *is_chosen = calloc(K, sizeof *is_chosen), *is_touched = calloc(K, sizeof *is_touched);
    int rc = logit && is_chosen && is_touched ? 0 : TL_ENOMEM;
    size_t n_valid = 0;
    for (size_t i = 0; !rc && i < a->n; i++) {
        if (!json_is_array(a->val[i]))
            continue;
        memset(is_chosen, 0, K * sizeof *is_chosen);
        for (size_t j = 0; j < json_array_size(a->val[i]); j++) {
            long k = option_index(f, json_array_get(a->val[i], j));
            if (k >= 0)
                is_chosen[k] = is_touched[k] = true;
        }
        double s = fmax(a->w[i], TL_Q_MULTI_MIN_SKILL), w = log(s / (1 - s));
        for (size_t k = 0; k < K; k++)
            logit[k] += is_chosen[k] ? w : -w;
        n_valid++;
    }
    if (!rc && n_valid) {
        o->value = json_array();
        o->confidence = 1;
        for (size_t k = 0; o->value && k < K; k++) {
            if (!is_touched[k])
                continue;
            o->confidence *= 1 / (1 + exp(-fabs(logit[k])));
            if (logit[k] > 0 && json_array_append_new(o->value, json_string(f->options[k])))
                rc = TL_ENOMEM;
        }
        if (!o->value)
            rc = TL_ENOMEM;
    }
    free(logit);
    free(is_chosen);
    free(is_touched);
    return rc;
}

/* ---- number, rating, rubric ---- */

struct wv {
    double x, w;
    const json_t *j;
};

static int cmp_wv(const void *p, const void *q) {
    const struct wv *a = p, *b = q;
    return a->x < b->x ? -1 : a->x > b->x;
}

/* The lower weighted median of p[0..n) (sorted here): a vote's own value,
 * so a rating's aggregate is a rating. */
static const struct wv *weighted_median(struct wv *p, size_t n) {
    qsort(p, n, sizeof *p, cmp_wv);
    double total = 0, cum = 0;
    for (size_t i = 0; i < n; i++)
        total += p[i].w;
    for (size_t i = 0; i < n; i++) {
        cum += p[i].w;
        if (cum >= total / 2)
            return &p[i];
    }
    return &p[n - 1];
}

static int agg_number(const struct tl_field *f, const struct answers *a, struct field_out *o) {
    struct wv *p = malloc((a->n + 1) * sizeof *p);
    if (!p)
        return TL_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++)
        if (json_is_number(a->val[i]) && isfinite(json_number_value(a->val[i])))
            p[n++] = (struct wv){json_number_value(a->val[i]), a->w[i], a->val[i]};
    int rc = 0;
    if (n) {
        const struct wv *m = weighted_median(p, n);
        double tol = tl_score_tolerance(f, m->x), near = 0, total = 0;
        for (size_t i = 0; i < n; i++) {
            total += p[i].w;
            near += fabs(p[i].x - m->x) < tol ? p[i].w : 0;
        }
        o->confidence = near / total;
        if (!(o->value = json_deep_copy(m->j)))
            rc = TL_ENOMEM;
    }
    free(p);
    return rc;
}

static int agg_rubric(const struct tl_field *f, const struct answers *a, struct field_out *o) {
    struct wv *p = malloc((a->n + 1) * sizeof *p);
    json_t *out = json_object();
    int rc = p && out ? 0 : TL_ENOMEM;
    double conf_sum = 0;
    size_t n_crit = 0;
    for (size_t c = 0; !rc && c < f->n_criteria; c++) {
        size_t n = 0;
        for (size_t i = 0; i < a->n; i++) {
            const json_t *x = json_object_get(a->val[i], f->criteria[c].name);
            if (json_is_integer(x))
                p[n++] = (struct wv){(double)json_integer_value(x), a->w[i], x};
        }
        if (!n)
            continue;
        const struct wv *m = weighted_median(p, n);
        double same = 0, total = 0;
        for (size_t i = 0; i < n; i++) {
            total += p[i].w;
            same += p[i].x == m->x ? p[i].w : 0;
        }
        conf_sum += same / total;
        n_crit++;
        if (json_object_set_new(out, f->criteria[c].name, json_integer(json_integer_value(m->j))))
            rc = TL_ENOMEM;
    }
    free(p);
    if (rc || !n_crit) {
        json_decref(out);
        return rc;
    }
    o->value = out;
    o->confidence = conf_sum / (double)n_crit;
    return 0;
}

/* ---- text ---- */

static int agg_text(const struct answers *a, struct field_out *o) {
    size_t *idx = malloc((a->n + 1) * sizeof *idx), n = 0;
    if (!idx)
        return TL_ENOMEM;
    for (size_t i = 0; i < a->n; i++)
        if (json_is_string(a->val[i]))
            idx[n++] = i;
    double *sim = n > 1 ? calloc(n * n, sizeof *sim) : NULL;
    int rc = n > 1 && !sim ? TL_ENOMEM : 0;
    for (size_t i = 0; !rc && i < n; i++)
        for (size_t j = i + 1; !rc && j < n; j++) {
            const json_t *x = a->val[idx[i]], *y = a->val[idx[j]];
            double s = tl_score_text_sim(json_string_value(x), json_string_length(x),
                                         json_string_value(y), json_string_length(y),
                                         TL_Q_TEXT_MAX);
            if (s < 0)
                rc = TL_ENOMEM;
            sim[i * n + j] = sim[j * n + i] = s;
        }
    if (!rc && n) {
        size_t best = 0;
        double best_mean = -1;
        for (size_t i = 0; i < n; i++) {
            double num = 0, den = 0;
            for (size_t j = 0; j < n; j++)
                if (j != i) {
                    num += a->w[idx[j]] * sim[i * n + j];
                    den += a->w[idx[j]];
                }
            double mean = n > 1 ? num / den : a->w[idx[i]];
            if (mean > best_mean || (mean == best_mean && a->w[idx[i]] > a->w[idx[best]]))
                best = i, best_mean = mean;
        }
        o->confidence = best_mean;
        if (!(o->value = json_deep_copy(a->val[idx[best]])))
            rc = TL_ENOMEM;
    }
    free(sim);
    free(idx);
    return rc;
}

/* ---- regions ---- */

/* Every vote's regions of one field, flattened, and their clusters. */
struct clustering {
    struct tl_score_region *reg; /* [n], in vote order */
    size_t *vote;                /* [n]: index into the answers */
    size_t *cluster;             /* [n] */
    size_t n;
    size_t *seed;          /* [n_clusters]: its first region */
    double *support;       /* [n_clusters]: weight share of the votes in it */
    size_t *last_vote;     /* [n_clusters]: the latest vote that joined it */
    long *out_index;       /* [n_clusters]: place in the output, -1 if dropped */
    size_t n_clusters;
};

static void clustering_release(struct clustering *c) {
    tl_score_regions_free(c->reg, c->n);
    free(c->vote);
    free(c->cluster);
    free(c->seed);
    free(c->support);
    free(c->last_vote);
    free(c->out_index);
    memset(c, 0, sizeof *c);
}

static int read_all(const struct tl_field *f, const struct answers *a, struct clustering *c) {
    size_t cap = 0;
    for (size_t i = 0; i < a->n; i++)
        cap += json_array_size(a->val[i]);
    if (cap > TL_Q_AGG_MAX_REGIONS)
        cap = TL_Q_AGG_MAX_REGIONS;
    c->reg = calloc(cap + 1, sizeof *c->reg);
    c->vote = malloc((cap + 1) * sizeof *c->vote);
    c->cluster = malloc((cap + 1) * sizeof *c->cluster);
    c->seed = malloc((cap + 1) * sizeof *c->seed);
    c->support = calloc(cap + 1, sizeof *c->support);
    c->last_vote = malloc((cap + 1) * sizeof *c->last_vote);
    c->out_index = malloc((cap + 1) * sizeof *c->out_index);
    if (!c->reg || !c->vote || !c->cluster || !c->seed || !c->support || !c->last_vote ||
        !c->out_index)
        return TL_ENOMEM;
    for (size_t i = 0; i < a->n && c->n < cap; i++) {
        struct tl_score_region *r;
        size_t k;
        int rc = tl_score_regions_read(f, a->val[i], cap - c->n, &r, &k);
        if (rc)
            return rc;
        if (k) /* owned points move into c->reg; free only the array */
            memcpy(&c->reg[c->n], r, k * sizeof *r);
        free(r);
        for (size_t j = 0; j < k; j++)
            c->vote[c->n + j] = i;
        c->n += k;
    }
    return 0;
}

/* Cluster the regions of a's votes and mark the kept clusters' output
 * places; rules in taskagg.h. */
static int cluster(const struct tl_field *f, const struct answers *a, struct clustering *c) {
    memset(c, 0, sizeof *c);
    int rc = read_all(f, a, c);
    if (rc)
        return rc;
    long budget = TL_SCORE_POLY_BUDGET;
    for (size_t r = 0; r < c->n; r++) {
        size_t v = c->vote[r], pick = c->n_clusters;
        double best = TL_SCORE_MATCH;
        for (size_t k = 0; k < c->n_clusters; k++) {
            if (c->last_vote[k] == v)
                continue;
            double s = tl_score_region_sim(f, &c->reg[r], &c->reg[c->seed[k]], &budget);
            if (s > best || (s == best && pick == c->n_clusters))
                best = s, pick = k;
        }
        if (pick == c->n_clusters)
            c->seed[c->n_clusters++] = r;
        c->cluster[r] = pick;
        c->last_vote[pick] = v;
        c->support[pick] += a->w[v] / a->total;
    }
    long kept = 0;
    for (size_t k = 0; k < c->n_clusters; k++)
        c->out_index[k] = c->support[k] > 0.5 ? kept++ : -1;
    return 0;
}

/* Confidence of a keep-by-majority output: the mean share of what was
 * kept, else the certainty that nothing should be (1 - the largest share). */
static double majority_confidence(const double *support, const long *out_index, size_t n) {
    double kept = 0, top = 0;
    size_t n_kept = 0;
    for (size_t k = 0; k < n; k++) {
        if (out_index[k] >= 0)
            kept += support[k], n_kept++;
        top = fmax(top, support[k]);
    }
    return n_kept ? kept / (double)n_kept : 1 - top;
}

/* The member of cluster k most similar (by weight) to the others. */
static size_t medoid(const struct tl_field *f, const struct answers *a,
                     const struct clustering *c, size_t k, long *budget) {
    size_t best = c->seed[k];
    double best_sum = -1;
    for (size_t r = c->seed[k]; r < c->n; r++) {
        if (c->cluster[r] != k)
            continue;
        double sum = 0;
        for (size_t q = c->seed[k]; q < c->n; q++)
            if (q != r && c->cluster[q] == k)
                sum += a->w[c->vote[q]] * tl_score_region_sim(f, &c->reg[r], &c->reg[q], budget);
        if (sum > best_sum)
            best = r, best_sum = sum;
    }
    return best;
}

static int agg_regions(const struct tl_field *f, const struct answers *a, struct field_out *o) {
    struct clustering c;
    int rc = cluster(f, a, &c);
    json_t *out = rc ? NULL : json_array();
    if (!rc && !out)
        rc = TL_ENOMEM;
    long budget = TL_SCORE_POLY_BUDGET;
    for (size_t k = 0; !rc && k < c.n_clusters; k++) {
        if (c.out_index[k] < 0)
            continue;
        json_t *item = json_deep_copy(c.reg[medoid(f, a, &c, k, &budget)].item);
        if (!item || json_array_append_new(out, item))
            rc = TL_ENOMEM;
        else
            json_object_del(item, "id"); /* the aggregate's region is nobody's */
    }
    if (!rc) {
        o->value = out;
        o->confidence = majority_confidence(c.support, c.out_index, c.n_clusters);
    } else {
        json_decref(out);
    }
    clustering_release(&c);
    return rc;
}

/* ---- relations ---- */

struct rel_cand {
    long from, to;
    const char *label;
    double support;
    size_t last_vote;
};

/* The output index of span item `index` of answer v, or -1. */
static long span_out(const struct clustering *c, size_t v, long long index) {
    for (size_t r = 0; r < c->n; r++)
        if (c->vote[r] == v && (long long)c->reg[r].index == index)
            return c->out_index[c->cluster[r]];
    return -1;
}

static int agg_relations(const struct tl_schema *s, const struct tl_field *f,
                         const struct tl_q_vote *votes, size_t n_votes, const struct answers *a,
                         struct field_out *o) {
    const struct tl_field *sf = &s->fields[f->spans_field];
    struct answers sa;
    struct clustering c = {0};
    int rc = answers_of(sf, votes, n_votes, &sa);
    if (!rc && sa.n)
        rc = cluster(sf, &sa, &c);
    struct rel_cand *cand = rc ? NULL : malloc(TL_Q_AGG_MAX_REGIONS * sizeof *cand);
    if (!rc && !cand)
        rc = TL_ENOMEM;
    size_t n_cand = 0, n_seen = 0;
    for (size_t i = 0; !rc && i < a->n; i++) {
        /* this vote's spans: the spans answer of the same annotation */
        size_t sv = 0;
        while (sv < sa.n && sa.from[sv] != a->from[i])
            sv++;
        const json_t *rels = a->val[i];
        for (size_t j = 0; j < json_array_size(rels) && n_seen < TL_Q_AGG_MAX_REGIONS; j++) {
            const json_t *it = json_array_get(rels, j);
            const json_t *jf = json_object_get(it, "from"), *jt = json_object_get(it, "to");
            const char *label = json_string_value(json_object_get(it, "label"));
            n_seen++;
            if (sv == sa.n || !json_is_integer(jf) || !json_is_integer(jt) || !label)
                continue;
            long from = span_out(&c, sv, json_integer_value(jf)),
                 to = span_out(&c, sv, json_integer_value(jt));
            if (from < 0 || to < 0 || from == to)
                continue;
            size_t k = 0;
            while (k < n_cand && (cand[k].from != from || cand[k].to != to ||
                                  strcmp(cand[k].label, label)))
                k++;
            if (k == n_cand)
                cand[n_cand++] = (struct rel_cand){from, to, label, 0, (size_t)-1};
            if (cand[k].last_vote != i) { /* a relation listed twice counts once */
                cand[k].support += a->w[i] / a->total;
                cand[k].last_vote = i;
            }
        }
    }
    json_t *out = rc ? NULL : json_array();
    double conf_sum = 0, top = 0;
    size_t n_kept = 0;
    for (size_t k = 0; out && !rc && k < n_cand; k++) {
        top = fmax(top, cand[k].support);
        if (cand[k].support <= 0.5)
            continue;
        conf_sum += cand[k].support;
        n_kept++;
        if (json_array_append_new(out, json_pack("{sIsIss}", "from", (json_int_t)cand[k].from,
                                                 "to", (json_int_t)cand[k].to, "label",
                                                 cand[k].label)))
            rc = TL_ENOMEM;
    }
    if (!rc && !out)
        rc = TL_ENOMEM;
    if (!rc) {
        o->value = out;
        o->confidence = n_kept ? conf_sum / (double)n_kept : 1 - top;
    } else {
        json_decref(out);
    }
    free(cand);
    clustering_release(&c);
    answers_release(&sa);
    return rc;
}

/* ---- pairwise, ranking ---- */

static int agg_pairwise(const struct answers *a, struct field_out *o) {
    static const char *const names[3] = {"a", "b", "tie"};
    double w[3] = {0, 0, 0}, total = 0;
    for (size_t i = 0; i < a->n; i++) {
        const char *x = json_string_value(a->val[i]);
        for (int k = 0; x && k < 3; k++)
            if (!strcmp(x, names[k])) {
                w[k] += a->w[i];
                total += a->w[i];
            }
    }
    if (total <= 0)
        return 0;
    int best = 0;
    for (int k = 1; k < 3; k++)
        if (w[k] > w[best])
            best = k;
    o->confidence = w[best] / total;
    o->value = json_string(names[best]);
    return o->value ? 0 : TL_ENOMEM;
}

/* Position of each source in a ranking vote (pos[k] = place of source k),
 * false when the vote is not a permutation of the sources. */
static bool ranking_positions(const struct tl_field *f, const json_t *v, size_t *pos) {
    size_t n = f->n_sources;
    if (json_array_size(v) != n)
        return false;
    for (size_t k = 0; k < n; k++)
        pos[k] = n;
    for (size_t p = 0; p < n; p++) {
        const char *x = json_string_value(json_array_get(v, p));
        size_t k = 0;
        while (x && k < n && strcmp(f->sources[k], x))
            k++;
        if (!x || k == n || pos[k] != n)
            return false;
        pos[k] = p;
    }
    return true;
}

static int agg_ranking(const struct tl_field *f, const struct answers *a, struct field_out *o) {
    size_t n = f->n_sources, pos[TL_SCHEMA_MAX_SOURCES], order[TL_SCHEMA_MAX_SOURCES];
    double borda[TL_SCHEMA_MAX_SOURCES] = {0}, total = 0;
    if (n > TL_SCHEMA_MAX_SOURCES)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        if (!ranking_positions(f, a->val[i], pos))
            continue;
        for (size_t k = 0; k < n; k++)
            borda[k] += a->w[i] * (double)(n - 1 - pos[k]);
        total += a->w[i];
    }
    if (total <= 0)
        return 0;
    for (size_t k = 0; k < n; k++) { /* insertion sort: stable, so ties keep source order */
        size_t j = k;
        while (j > 0 && borda[order[j - 1]] < borda[k]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    size_t rank[TL_SCHEMA_MAX_SOURCES];
    for (size_t p = 0; p < n; p++)
        rank[order[p]] = p;
    double agree = 0, pairs = (double)(n * (n - 1) / 2);
    for (size_t i = 0; i < a->n; i++) {
        if (!ranking_positions(f, a->val[i], pos))
            continue;
        size_t same = 0;
        for (size_t x = 0; x < n; x++)
            for (size_t y = x + 1; y < n; y++)
                same += (pos[x] < pos[y]) == (rank[x] < rank[y]);
        agree += a->w[i] * (pairs > 0 ? (double)same / pairs : 1);
    }
    o->confidence = agree / total;
    o->value = json_array();
    for (size_t p = 0; o->value && p < n; p++)
        if (json_array_append_new(o->value, json_string(f->sources[order[p]]))) {
            json_decref(o->value);
            o->value = NULL;
        }
    return o->value ? 0 : TL_ENOMEM;
}

/* ---- the task ---- */

static int field_aggregate(const struct tl_schema *s, const struct tl_field *f,
                           const struct tl_q_vote *v, size_t n, struct field_out *o) {
    struct answers a;
    int rc = answers_of(f, v, n, &a);
    if (rc || !a.n) {
        answers_release(&a);
        return rc;
    }
    switch (f->type) {
    case TL_FIELD_CHOICE: rc = agg_choice(f, &a, o); break;
    case TL_FIELD_MULTICHOICE: rc = agg_multichoice(f, &a, o); break;
    case TL_FIELD_NUMBER:
    case TL_FIELD_RATING: rc = agg_number(f, &a, o); break;
    case TL_FIELD_RUBRIC: rc = agg_rubric(f, &a, o); break;
    case TL_FIELD_TEXT: rc = agg_text(&a, o); break;
    case TL_FIELD_SPANS:
    case TL_FIELD_BOXES:
    case TL_FIELD_POLYGONS:
    case TL_FIELD_KEYPOINTS:
    case TL_FIELD_SEGMENTS: rc = agg_regions(f, &a, o); break;
    case TL_FIELD_RELATIONS: rc = agg_relations(s, f, v, n, &a, o); break;
    case TL_FIELD_PAIRWISE: rc = agg_pairwise(&a, o); break;
    case TL_FIELD_RANKING: rc = agg_ranking(f, &a, o); break;
    }
    answers_release(&a);
    return rc;
}

int tl_q_task_aggregate(const struct tl_schema *s, const struct tl_q_vote *v, size_t n,
                        struct tl_q_task_agg *out) {
    out->result = json_object();
    out->confidence = json_object();
    out->min_confidence = 1;
    int rc = out->result && out->confidence ? 0 : TL_ENOMEM;
    for (size_t i = 0; !rc && i < s->n_fields; i++) {
        struct field_out o = {NULL, 0};
        rc = field_aggregate(s, &s->fields[i], v, n, &o);
        if (rc || !o.value) {
            json_decref(o.value);
            continue;
        }
        double p = fmin(1, fmax(0, o.confidence));
        if (json_object_set_new(out->result, s->fields[i].name, o.value) ||
            json_object_set_new(out->confidence, s->fields[i].name, json_real(p)))
            rc = TL_ENOMEM;
        out->min_confidence = fmin(out->min_confidence, p);
    }
    if (rc)
        tl_q_task_agg_release(out);
    return rc;
}

void tl_q_task_agg_release(struct tl_q_task_agg *a) {
    json_decref(a->result);
    json_decref(a->confidence);
    a->result = a->confidence = NULL;
}
