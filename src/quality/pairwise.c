/* pairwise.c: battles, their CSV form, and ratings with bootstrap intervals
 * (see pairwise.h). */
#include "quality/pairwise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/csv.h"
#include "quality/bt.h"
#include "quality/par.h"
#include "quality/rng.h"

void tl_q_battles_init(struct tl_q_battles *B) {
    memset(B, 0, sizeof *B);
    tl_q_strtab_init(&B->models);
}

void tl_q_battles_release(struct tl_q_battles *B) {
    tl_q_strtab_release(&B->models);
    free(B->a);
    free(B->b);
    free(B->outcome);
    tl_q_battles_init(B);
}

int tl_q_battles_add(struct tl_q_battles *B, const char *model_a, size_t a_len, const char *model_b,
                     size_t b_len, enum tl_q_outcome outcome) {
    uint32_t a, b;
    int rc = tl_q_strtab_intern(&B->models, model_a, a_len, &a);
    if (!rc)
        rc = tl_q_strtab_intern(&B->models, model_b, b_len, &b);
    if (rc)
        return rc;
    if (a == b) {
        B->n_self++;
        return 0;
    }
    if (B->n == B->cap) {
        if (B->cap >= (size_t)UINT32_MAX / 2)
            return TL_ETOOBIG;
        size_t cap = B->cap ? B->cap * 2 : 1024;
        uint32_t *na = realloc(B->a, cap * sizeof *na);
        if (!na)
            return TL_ENOMEM;
        B->a = na;
        uint32_t *nb = realloc(B->b, cap * sizeof *nb);
        if (!nb)
            return TL_ENOMEM;
        B->b = nb;
        uint8_t *no = realloc(B->outcome, cap * sizeof *no);
        if (!no)
            return TL_ENOMEM;
        B->outcome = no;
        B->cap = cap;
    }
    B->a[B->n] = a;
    B->b[B->n] = b;
    B->outcome[B->n] = (uint8_t)outcome;
    B->n++;
    return 0;
}

static bool field_is(const struct tl_csv_field *f, const char *name) {
    return f->len == strlen(name) && !strncasecmp(f->ptr, name, f->len);
}

static int parse_winner(const struct tl_csv_field *f, enum tl_q_outcome *out) {
    if (field_is(f, "model_a"))
        *out = TL_Q_A_WINS;
    else if (field_is(f, "model_b"))
        *out = TL_Q_B_WINS;
    else if (field_is(f, "tie") || field_is(f, "tie (bothbad)"))
        *out = TL_Q_TIE;
    else
        return TL_EINVAL;
    return 0;
}

int tl_q_battles_parse_csv(struct tl_q_battles *B, const char *name, const char *text, size_t len,
                           struct tl_errbuf *eb) {
    struct tl_csv c;
    tl_csv_init(&c, text, len, 0);
    c.name = name;
    int rc = tl_csv_next(&c, eb);
    size_t col_a = SIZE_MAX, col_b = SIZE_MAX, col_w = SIZE_MAX, ncols = 0;
    if (rc == TL_EEMPTY) {
        rc = tl_errf(eb, TL_EEMPTY, "%s: empty file (expected model_a,model_b,winner)", name);
        goto out;
    }
    if (rc)
        goto out;
    ncols = c.nfields;
    for (size_t i = 0; i < ncols; i++) {
        if (field_is(&c.fields[i], "model_a") && col_a == SIZE_MAX)
            col_a = i;
        else if (field_is(&c.fields[i], "model_b") && col_b == SIZE_MAX)
            col_b = i;
        else if (field_is(&c.fields[i], "winner") && col_w == SIZE_MAX)
            col_w = i;
    }
    if (col_a == SIZE_MAX && col_b == SIZE_MAX && col_w == SIZE_MAX && ncols == 3) {
        col_a = 0;
        col_b = 1;
        col_w = 2;
        enum tl_q_outcome probe;
        if (!parse_winner(&c.fields[2], &probe)) {
            rc = tl_errf(eb, TL_EINVAL,
                         "%s:1: the first row looks like a battle; a header row "
                         "(model_a,model_b,winner) is required",
                         name);
            goto out;
        }
    }
    if (col_a == SIZE_MAX || col_b == SIZE_MAX || col_w == SIZE_MAX) {
        rc = tl_errf(eb, TL_EINVAL, "%s:1: the header must name model_a, model_b and winner", name);
        goto out;
    }
    for (;;) {
        rc = tl_csv_next_row(&c, ncols, eb);
        if (rc == TL_EEMPTY) {
            rc = 0;
            break;
        }
        if (rc)
            goto out;
        enum tl_q_outcome o;
        if (parse_winner(&c.fields[col_w], &o)) {
            rc = tl_errf(eb, TL_EINVAL, "%s:%zu: winner must be model_a, model_b or tie", name,
                         c.record_line);
            goto out;
        }
        if (!c.fields[col_a].len || !c.fields[col_b].len) {
            rc = tl_errf(eb, TL_EINVAL, "%s:%zu: empty model name", name, c.record_line);
            goto out;
        }
        rc = tl_q_battles_add(B, c.fields[col_a].ptr, c.fields[col_a].len, c.fields[col_b].ptr,
                              c.fields[col_b].len, o);
        if (rc) {
            rc = tl_errf(eb, rc, "%s:%zu: %s", name, c.record_line,
                         rc == TL_ENOMEM ? "out of memory" : "too many battles");
            goto out;
        }
    }
    if (!B->n)
        rc = tl_errf(eb, TL_EEMPTY, "%s: no battles after the header row", name);
out:
    tl_csv_release(&c);
    return rc;
}

bool tl_q_battles_connected(const struct tl_q_battles *B) {
    size_t m = B->models.n;
    if (m < 2)
        return true;
    /* Union-find over the battles. */
    uint32_t *parent = malloc(m * sizeof *parent);
    if (!parent)
        return true; /* only a diagnostic: do not fail for it */
    for (size_t i = 0; i < m; i++)
        parent[i] = (uint32_t)i;
    for (size_t x = 0; x < B->n; x++) {
        uint32_t a = B->a[x], b = B->b[x];
        while (parent[a] != a)
            a = parent[a] = parent[parent[a]];
        while (parent[b] != b)
            b = parent[b] = parent[parent[b]];
        if (a != b)
            parent[a] = b;
    }
    size_t roots = 0;
    for (size_t i = 0; i < m; i++)
        roots += parent[i] == i;
    free(parent);
    return roots == 1;
}

void tl_q_rating_opts_init(struct tl_q_rating_opts *o) {
    memset(o, 0, sizeof *o);
    o->method = TL_Q_BT;
    o->ties = TL_Q_TIES_HALF;
    o->bootstrap = 1000;
    o->elo_k = 4;
    o->ci = 0.95;
}

void tl_q_ratings_init(struct tl_q_ratings *r) {
    memset(r, 0, sizeof *r);
}

void tl_q_ratings_release(struct tl_q_ratings *r) {
    free(r->score);
    free(r->ci_low);
    free(r->ci_high);
    tl_q_ratings_init(r);
}

/* ---------------------------------------------------------------- fitting */

struct rate_ctx {
    const struct tl_q_battles *B;
    const struct tl_q_rating_opts *o;
    size_t m;
    const double *start;  /* [p] full-data estimate (BT), warm start */
    const uint32_t *cell; /* [n] BT: each battle's cell in the tally below */
    double *rounds;       /* [bootstrap * m] Elo-scale scores per round */
    bool failed;
};

/* Bootstrap rounds only need how often each (winner, loser) pair and each
 * tie occurred: battle i adds one to tally[cell[i]], where cells [0, m*m)
 * are wins (winner * m + loser) and [m*m, 2*m*m) ties (low * m + high). One
 * small random read per draw instead of three scattered ones. */
static uint32_t battle_cell(const struct tl_q_battles *B, size_t i, size_t m) {
    uint32_t a = B->a[i], b = B->b[i];
    switch (B->outcome[i]) {
    case TL_Q_A_WINS: return (uint32_t)(a * m + b);
    case TL_Q_B_WINS: return (uint32_t)(b * m + a);
    default: return (uint32_t)(m * m + (a < b ? a : b) * m + (a < b ? b : a));
    }
}

static void count_battles(const struct tl_q_battles *B, const uint32_t *order, size_t n, size_t m,
                          double *wins, double *ties) {
    memset(wins, 0, m * m * sizeof *wins);
    memset(ties, 0, m * m * sizeof *ties);
    for (size_t x = 0; x < n; x++) {
        size_t i = order ? order[x] : x;
        uint32_t a = B->a[i], b = B->b[i];
        switch (B->outcome[i]) {
        case TL_Q_A_WINS: wins[(size_t)a * m + b] += 1; break;
        case TL_Q_B_WINS: wins[(size_t)b * m + a] += 1; break;
        default: ties[(size_t)(a < b ? a : b) * m + (a < b ? b : a)] += 1; break;
        }
    }
}

static void to_elo(const double *theta, size_t m, double *score) {
    for (size_t i = 0; i < m; i++)
        score[i] = 400 * theta[i] / M_LN10 + 1000;
}

static void bootstrap_part(void *arg, int tid, int nthreads) {
    struct rate_ctx *ctx = arg;
    const struct tl_q_battles *B = ctx->B;
    const struct tl_q_rating_opts *o = ctx->o;
    size_t m = ctx->m, n = B->n;
    struct tl_q_bt_work w = {0};
    uint32_t *order = NULL, *tally = NULL;
    double *wins = NULL, *ties = NULL, *params = NULL;
    bool bt = o->method == TL_Q_BT;
    if (bt) {
        tally = malloc(2 * m * m * sizeof *tally);
        wins = malloc(m * m * sizeof *wins);
        ties = malloc(m * m * sizeof *ties);
        params = malloc((m + 1) * sizeof *params);
    } else {
        order = malloc(n * sizeof *order);
    }
    if (bt ? !tally || !wins || !ties || !params || tl_q_bt_work_init(&w, m, o->ties) : !order) {
        ctx->failed = true;
        goto out;
    }
    size_t lo, hi;
    tl_q_par_split((size_t)o->bootstrap, tid, nthreads, &lo, &hi);
    for (size_t round = lo; round < hi; round++) {
        struct tl_q_rng rng;
        tl_q_rng_seed(&rng, o->seed, round);
        double *out = ctx->rounds + round * m;
        if (bt) {
            memset(tally, 0, 2 * m * m * sizeof *tally);
            for (size_t x = 0; x < n; x++)
                tally[ctx->cell[tl_q_rng_below(&rng, n)]]++;
            for (size_t c = 0; c < m * m; c++) {
                wins[c] = tally[c];
                ties[c] = tally[m * m + c];
            }
            memcpy(params, ctx->start, w.p * sizeof *params);
            tl_q_bt_fit(&w, wins, ties, o->ties, params);
            to_elo(params, m, out);
        } else {
            for (size_t x = 0; x < n; x++)
                order[x] = (uint32_t)tl_q_rng_below(&rng, n);
            for (size_t i = 0; i < m; i++)
                out[i] = 1000;
            tl_q_elo_run(B, order, n, o->elo_k, out);
        }
    }
out:
    tl_q_bt_work_release(&w);
    free(order);
    free(tally);
    free(wins);
    free(ties);
    free(params);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Linear interpolation between order statistics (numpy's default). */
static double quantile(const double *sorted, size_t n, double q) {
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n)
        return sorted[n - 1];
    double frac = pos - (double)i;
    return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
}

int tl_q_rate(const struct tl_q_battles *B, const struct tl_q_rating_opts *o,
              struct tl_q_ratings *r) {
    tl_q_ratings_release(r);
    struct tl_q_rating_opts defaults;
    if (!o) {
        tl_q_rating_opts_init(&defaults);
        o = &defaults;
    }
    if (o->bootstrap < 0 || !(o->ci > 0 && o->ci < 1) || !(o->elo_k > 0))
        return TL_EINVAL;
    if (!B->n)
        return TL_EEMPTY;
    size_t m = B->models.n;
    r->n_models = m;
    r->score = malloc(m * sizeof *r->score);
    r->ci_low = malloc(m * sizeof *r->ci_low);
    r->ci_high = malloc(m * sizeof *r->ci_high);
    double *params = malloc((m + 1) * sizeof *params);
    double *wins = NULL, *ties = NULL, *rounds = NULL, *column = NULL;
    uint32_t *cell = NULL;
    struct tl_q_bt_work w = {0};
    int rc = 0;
    if (!r->score || !r->ci_low || !r->ci_high || !params) {
        rc = TL_ENOMEM;
        goto out;
    }
    bool davidson = o->method == TL_Q_BT && o->ties == TL_Q_TIES_DAVIDSON;
    struct tl_q_rating_opts eff = *o;
    if (davidson) {
        /* Without a single tie nu is 0 and Davidson is Bradley-Terry. */
        bool any_tie = false;
        for (size_t x = 0; x < B->n && !any_tie; x++)
            any_tie = B->outcome[x] == TL_Q_TIE;
        if (!any_tie)
            eff.ties = TL_Q_TIES_HALF;
    }
    if (eff.method == TL_Q_BT) {
        wins = malloc(m * m * sizeof *wins);
        ties = malloc(m * m * sizeof *ties);
        if (!wins || !ties || tl_q_bt_work_init(&w, m, eff.ties)) {
            rc = TL_ENOMEM;
            goto out;
        }
        count_battles(B, NULL, B->n, m, wins, ties);
        memset(params, 0, (m + 1) * sizeof *params);
        r->iterations = tl_q_bt_fit(&w, wins, ties, eff.ties, params);
        to_elo(params, m, r->score);
        r->tie_strength = eff.ties == TL_Q_TIES_DAVIDSON ? exp(params[m]) : 0;
    } else {
        for (size_t i = 0; i < m; i++)
            r->score[i] = 1000;
        tl_q_elo_run(B, NULL, B->n, o->elo_k, r->score);
    }
    memcpy(r->ci_low, r->score, m * sizeof *r->score);
    memcpy(r->ci_high, r->score, m * sizeof *r->score);
    if (!o->bootstrap)
        goto out;
    rounds = malloc((size_t)o->bootstrap * m * sizeof *rounds);
    column = malloc((size_t)o->bootstrap * sizeof *column);
    if (!rounds || !column) {
        rc = TL_ENOMEM;
        goto out;
    }
    if (eff.method == TL_Q_BT) {
        cell = malloc(B->n * sizeof *cell);
        if (!cell) {
            rc = TL_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < B->n; i++)
            cell[i] = battle_cell(B, i, m);
    }
    struct rate_ctx ctx = {
        .B = B, .o = &eff, .m = m, .start = params, .cell = cell, .rounds = rounds};
    struct tl_q_opts par = {.threads = o->threads};
    int nthreads = tl_q_par_threads(&par, (size_t)o->bootstrap * B->n);
    if (nthreads > o->bootstrap)
        nthreads = o->bootstrap;
    tl_q_par_run(nthreads, bootstrap_part, &ctx);
    if (ctx.failed) {
        rc = TL_ENOMEM;
        goto out;
    }
    double tail = (1 - o->ci) / 2;
    for (size_t i = 0; i < m; i++) {
        for (int x = 0; x < o->bootstrap; x++)
            column[x] = rounds[(size_t)x * m + i];
        qsort(column, (size_t)o->bootstrap, sizeof *column, cmp_double);
        r->ci_low[i] = quantile(column, (size_t)o->bootstrap, tail);
        r->ci_high[i] = quantile(column, (size_t)o->bootstrap, 1 - tail);
    }
out:
    tl_q_bt_work_release(&w);
    free(cell);
    free(params);
    free(wins);
    free(ties);
    free(rounds);
    free(column);
    if (rc)
        tl_q_ratings_release(r);
    return rc;
}
