/* stats.c: a project's charts and a user's own totals (store.h,
 * tl_store_project_stats / tl_store_my_stats), for the web UI.
 *
 * Annotations carry no project, so a project's are reached through its
 * tasks (tasks_project, then the annotations' (task_pk, annotator_pk)
 * index). One pass over them fills the throughput buckets, the
 * claim-to-submit histogram and the per-annotator counts in C, instead of
 * one GROUP BY scan each; a second pass reads each complete task's newest
 * annotation time. Both run in one read snapshot. Memory is bounded by
 * TL_STATS_MAX_BUCKETS and the number of distinct annotators (a hash of
 * pks); medians come from lifecycle.c for the TL_STATS_MAX_ANNOTATORS
 * busiest only, each an index walk of that annotator's annotations. */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/db.h"

#define SQ(base) ((struct sq_store *)(base))

/* annotator pk -> count, open addressing; pk 0 marks a free slot */
struct counts {
    int64_t *pk, *n;
    size_t cap, used;
};

static int counts_add(struct counts *c, int64_t pk) {
    if ((c->used + 1) * 2 > c->cap) {
        struct counts grown = {.cap = c->cap ? c->cap * 2 : 64};
        grown.pk = calloc(grown.cap, sizeof *grown.pk);
        grown.n = calloc(grown.cap, sizeof *grown.n);
        if (!grown.pk || !grown.n) {
            free(grown.pk);
            free(grown.n);
            return TL_ENOMEM;
        }
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->pk[i])
                continue;
            size_t j = (size_t)c->pk[i] * 0x9E3779B97F4A7C15ull & (grown.cap - 1);
            while (grown.pk[j])
                j = (j + 1) & (grown.cap - 1);
            grown.pk[j] = c->pk[i];
            grown.n[j] = c->n[i];
        }
        grown.used = c->used;
        free(c->pk);
        free(c->n);
        *c = grown;
    }
    size_t j = (size_t)pk * 0x9E3779B97F4A7C15ull & (c->cap - 1);
    while (c->pk[j] && c->pk[j] != pk)
        j = (j + 1) & (c->cap - 1);
    if (!c->pk[j]) {
        c->pk[j] = pk;
        c->used++;
    }
    c->n[j]++;
    return 0;
}

struct busiest {
    int64_t pk, n;
};

static int by_count_desc(const void *x, const void *y) {
    const struct busiest *a = x, *b = y;
    return a->n != b->n ? (a->n < b->n ? 1 : -1) : (a->pk > b->pk) - (a->pk < b->pk);
}

static int64_t floor_div(int64_t a, int64_t b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The annotators of c, busiest first, at most TL_STATS_MAX_ANNOTATORS,
 * with their users and medians, into out. */
static int fill_annotators(struct sq_conn *conn, const struct counts *c, int64_t project_pk,
                           struct tl_project_stats *out) {
    struct busiest *b = c->used ? malloc(c->used * sizeof *b) : NULL;
    if (c->used && !b)
        return TL_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < c->cap; i++)
        if (c->pk[i])
            b[n++] = (struct busiest){c->pk[i], c->n[i]};
    if (n) /* qsort must not be given NULL, even for nothing */
        qsort(b, n, sizeof *b, by_count_desc);
    if (n > TL_STATS_MAX_ANNOTATORS)
        n = TL_STATS_MAX_ANNOTATORS;
    out->annotators = n ? calloc(n, sizeof *out->annotators) : NULL;
    int rc = n && !out->annotators ? TL_ENOMEM : 0;
    sqlite3_stmt *st = rc || !n ? NULL : sq_stmt(conn, Q_ST_USER);
    if (n && !rc && !st)
        rc = TL_EIO;
    for (size_t i = 0; i < n && !rc; i++) {
        struct tl_stats_annotator *a = &out->annotators[out->n_annotators];
        sqlite3_bind_int64(st, 1, b[i].pk);
        if (sqlite3_step(st) == SQLITE_ROW) {
            sq_copy_col(st, 0, a->user_id, sizeof a->user_id);
            sq_copy_col(st, 1, a->email, sizeof a->email);
            sq_copy_col(st, 2, a->tenant_id, sizeof a->tenant_id);
            a->role = (enum tl_role)sqlite3_column_int(st, 3);
            a->n_annotations = b[i].n;
            out->n_annotators++;
        }
        sqlite3_reset(st);
        a->median_seconds = sq_median_seconds(conn, b[i].pk, project_pk, b[i].n);
    }
    free(b);
    return rc;
}

/* Pass 1: every annotation of the project. */
static int scan_annotations(struct sq_conn *conn, const struct tl_project *p, int64_t first_b,
                            struct tl_project_stats *out, struct counts *c, int64_t *min_b) {
    static const int bounds[TL_STATS_N_BOUNDS] = TL_STATS_SECONDS_BOUNDS;
    sqlite3_stmt *st = sq_stmt(conn, Q_ST_STREAM);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, p->pk);
    int rc = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = counts_add(c, sqlite3_column_int64(st, 0));
        int64_t created = sqlite3_column_int64(st, 1);
        int64_t b = floor_div(created, out->bucket_ms);
        if (b < *min_b)
            *min_b = b;
        if (b >= first_b && b < first_b + TL_STATS_MAX_BUCKETS)
            out->throughput[b - first_b]++;
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
            int64_t ms = created - sqlite3_column_int64(st, 2);
            size_t bin = 0;
            while (bin < TL_STATS_N_BOUNDS && ms > (int64_t)bounds[bin] * 1000)
                bin++;
            out->seconds[bin]++;
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = TL_EIO;
    sqlite3_reset(st);
    return rc;
}

/* Pass 2: when each complete task was completed (its newest annotation). */
static int scan_completions(struct sq_conn *conn, const struct tl_project *p, int64_t first_b,
                            struct tl_project_stats *out, int64_t *before) {
    sqlite3_stmt *st = sq_stmt(conn, Q_ST_DONE);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, p->pk);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t b = sqlite3_column_type(st, 0) == SQLITE_NULL
                        ? first_b - 1 /* complete without an annotation: from the start */
                        : floor_div(sqlite3_column_int64(st, 0), out->bucket_ms);
        if (b < first_b)
            (*before)++;
        else if (b < first_b + TL_STATS_MAX_BUCKETS)
            out->completion[b - first_b]++;
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : TL_EIO;
}

int sq_project_stats(struct tl_store *s, const struct tl_project *p, int64_t bucket_ms,
                     int64_t now_ms, struct tl_project_stats *out) {
    memset(out, 0, sizeof *out);
    out->bucket_ms = bucket_ms;
    int64_t last_b = floor_div(now_ms, bucket_ms);
    int64_t first_b = last_b - (TL_STATS_MAX_BUCKETS - 1);
    struct sq_conn *conn;
    int rc = sq_reader_get(SQ(s), &conn);
    if (rc)
        return rc;
    sqlite3_exec(conn->db, "BEGIN", NULL, NULL, NULL); /* one snapshot for both passes */
    struct counts c = {0};
    int64_t min_b = INT64_MAX, before = 0;
    rc = scan_annotations(conn, p, first_b, out, &c, &min_b);
    if (!rc)
        rc = scan_completions(conn, p, first_b, out, &before);
    if (!rc)
        rc = fill_annotators(conn, &c, p->pk, out);
    sqlite3_exec(conn->db, "COMMIT", NULL, NULL, NULL);
    sq_reader_put(SQ(s), conn);
    free(c.pk);
    free(c.n);
    if (rc) {
        tl_project_stats_release(out);
        return rc;
    }
    /* The window starts at the first bucket with an annotation (at most
     * TL_STATS_MAX_BUCKETS back); completion counts become cumulative. */
    if (min_b > last_b) /* no annotation at all, or only in the future */
        return 0;
    int64_t skip = min_b > first_b ? min_b - first_b : 0;
    for (int64_t i = 0; i < skip; i++)
        before += out->completion[i];
    out->n_buckets = (size_t)(TL_STATS_MAX_BUCKETS - skip);
    out->first_bucket_ms = (first_b + skip) * bucket_ms;
    int64_t total = before;
    for (size_t i = 0; i < out->n_buckets; i++) {
        total += out->completion[skip + i];
        out->completion[i] = total;
        out->throughput[i] = out->throughput[skip + i];
    }
    return 0;
}

int sq_my_stats(struct tl_store *s, const struct tl_scope *sc, struct tl_my_project_stats **out,
                size_t *n) {
    *out = NULL;
    *n = 0;
    struct sq_conn *conn;
    int rc = sq_reader_get(SQ(s), &conn);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(conn, Q_ST_ME);
    rc = st ? 0 : TL_EIO;
    if (st) {
        sqlite3_bind_int64(st, 1, sc->user_pk);
        sqlite3_bind_int64(st, 2, sc->tenant_pk);
    }
    size_t cap = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            struct tl_my_project_stats *grown = realloc(*out, cap * sizeof **out);
            if (!grown) {
                rc = TL_ENOMEM;
                break;
            }
            *out = grown;
        }
        struct tl_my_project_stats *m = &(*out)[(*n)++];
        memset(m, 0, sizeof *m);
        sq_copy_col(st, 0, m->project_id, sizeof m->project_id);
        sq_copy_col(st, 1, m->name, sizeof m->name);
        m->n_annotations = sqlite3_column_int64(st, 2);
        m->seconds = (double)sqlite3_column_int64(st, 3) / 1000.0;
        m->last_at_ms = sqlite3_column_int64(st, 4);
    }
    if (st)
        sqlite3_reset(st);
    sq_reader_put(SQ(s), conn);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
