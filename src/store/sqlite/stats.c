/* stats.c: a project's charts and a user's own totals (store.h,
 * tl_store_project_stats / tl_store_my_stats), for the web UI, and the
 * counters they are read from (migration 10).
 *
 * Walking a project's tasks and annotations took 14-40 s at 1,000,000
 * tasks (annotations carry no project), and the console polls every 10 s.
 * So the writer keeps counters in the transaction that records, deletes or
 * re-counts an annotation or a completion, the places where
 * projects.n_annotations and n_completed change (ops.c: submit;
 * lifecycle.c: annotation and task deletion, a new overlap, the purge):
 * per (project, minute) and (project, hour) the annotations made and the
 * tasks completed, per (project, annotator) the annotations, the sum of
 * their claim-to-submit times, the newest, and a 12-bin histogram of those
 * times. A read is then O(buckets + annotators): at most 500 bucket rows
 * (hour rows for day buckets: at most 12,000) and one row per annotator.
 *
 * Medians are estimates from an annotator's histogram (linear inside the
 * bin holding the middle; the bin above 1800 s gives 1800): an exact
 * median is a sort of the annotator's times, 2 ms or more per busy
 * annotator, too dear for 1000 annotators every 10 s. The members list
 * (lifecycle.c) keeps the exact one, for one project's members. */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/db.h"

#define SQ(base) ((struct sq_store *)(base))

#define SPAN_MINUTE 60
#define SPAN_HOUR   3600

static const int bounds[TL_STATS_N_BOUNDS] = TL_STATS_SECONDS_BOUNDS;

static int64_t floor_div(int64_t a, int64_t b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* ---- the counters, on the writer's connection ---- */

/* The histogram bin of a claim-to-submit time: the first bound it does not
 * exceed, TL_STATS_N_BOUNDS above the last. */
static int bin_of(int64_t ms) {
    int bin = 0;
    while (bin < TL_STATS_N_BOUNDS && ms > (int64_t)bounds[bin] * 1000)
        bin++;
    return bin;
}

static int bump(struct sq_conn *w, int64_t project_pk, int64_t at_ms, int d_annotations,
                int d_completed) {
    sqlite3_stmt *st = sq_stmt(w, Q_ST_BUMP);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, project_pk);
    sqlite3_bind_int64(st, 2, at_ms);
    sqlite3_bind_int(st, 3, d_annotations);
    sqlite3_bind_int(st, 4, d_completed);
    return sq_exec(st);
}

/* a's annotator row, delta annotations */
static int bump_annotator(struct sq_conn *w, const struct sq_stats_annot *a, int delta) {
    sqlite3_stmt *st = sq_stmt(w, Q_ST_ANNOTATOR_BUMP);
    if (!st)
        return TL_EINTERNAL;
    int64_t ms = a->created_at - a->claimed_at;
    sqlite3_bind_int64(st, 1, a->project_pk);
    sqlite3_bind_int64(st, 2, a->annotator_pk);
    sqlite3_bind_int(st, 3, delta);
    sqlite3_bind_int64(st, 4, a->has_claim ? delta * ms : 0);
    sqlite3_bind_int64(st, 5, delta > 0 ? a->created_at : 0);
    sqlite3_bind_int(st, 6, a->has_claim ? bin_of(ms) : -1);
    return sq_exec(st);
}

int sq_stats_annotation(struct sq_conn *w, const struct sq_stats_annot *a, int delta) {
    int rc = bump(w, a->project_pk, a->created_at, delta, 0);
    return rc ? rc : bump_annotator(w, a, delta);
}

int sq_stats_last_at(struct sq_conn *w, const struct sq_stats_annot *gone) {
    sqlite3_stmt *st = sq_stmt(w, Q_ST_LAST_AT);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, gone->project_pk);
    sqlite3_bind_int64(st, 2, gone->annotator_pk);
    sqlite3_bind_int64(st, 3, gone->created_at);
    return sq_exec(st);
}

int sq_stats_completion(struct sq_conn *w, int64_t project_pk, int64_t done_at_ms, int delta) {
    return done_at_ms < 0 ? 0 : bump(w, project_pk, done_at_ms, 0, delta);
}

int sq_stats_done_at(struct sq_conn *w, int64_t task_pk, int64_t *done_at_ms) {
    *done_at_ms = -1;
    sqlite3_stmt *st = sq_stmt(w, Q_ST_DONE_AT);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, task_pk);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *done_at_ms = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : sq_err(step);
}

/* The submit path is the writer's busiest: three statements at most, two
 * when the task stays open or this is its only annotation (a completion in
 * the annotation's own minute goes in the same upsert). */
int sq_stats_submitted(struct sq_conn *w, const struct sq_stats_annot *a, int64_t task_pk,
                       int n_before, bool is_task_completed) {
    /* The task's newest annotation is this one unless the clock went back
     * since an earlier one: only then is its completion counted elsewhere. */
    int64_t done_at = a->created_at;
    int rc = is_task_completed && n_before > 0 ? sq_stats_done_at(w, task_pk, &done_at) : 0;
    bool is_here = is_task_completed && done_at == a->created_at;
    if (!rc)
        rc = bump(w, a->project_pk, a->created_at, 1, is_here ? 1 : 0);
    if (!rc && is_task_completed && !is_here)
        rc = sq_stats_completion(w, a->project_pk, done_at, 1);
    return rc ? rc : bump_annotator(w, a, 1);
}

/* One of Q_ST_TASK_ANNOTS's rows (its project_pk is the caller's). */
static int read_gone(sqlite3_stmt *st, void *slot) {
    *(struct sq_stats_annot *)slot = (struct sq_stats_annot){
        .annotator_pk = sqlite3_column_int64(st, 0),
        .created_at = sqlite3_column_int64(st, 1),
        .claimed_at = sqlite3_column_int64(st, 2),
        .has_claim = sqlite3_column_type(st, 2) != SQLITE_NULL,
    };
    return 0;
}

int sq_stats_task_gone(struct sq_conn *w, int64_t project_pk, int64_t task_pk, bool is_complete,
                       struct sq_stats_annot **gone, size_t *n_gone) {
    *gone = NULL;
    *n_gone = 0;
    int64_t done_at;
    int rc = is_complete ? sq_stats_done_at(w, task_pk, &done_at) : 0;
    if (!rc && is_complete)
        rc = sq_stats_completion(w, project_pk, done_at, -1);
    sqlite3_stmt *st = rc ? NULL : sq_stmt(w, Q_ST_TASK_ANNOTS);
    if (!st)
        return rc ? rc : TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, task_pk);
    rc = sq_collect(st, sizeof **gone, read_gone, NULL, (void **)gone, n_gone);
    for (size_t i = 0; i < *n_gone && !rc; i++) {
        (*gone)[i].project_pk = project_pk;
        rc = sq_stats_annotation(w, &(*gone)[i], -1);
    }
    if (rc) {
        free(*gone);
        *gone = NULL;
        *n_gone = 0;
    }
    return rc;
}

int sq_stats_recount_completions(struct sq_conn *w, int64_t project_pk) {
    int rc = 0;
    for (int q = Q_ST_RECOUNT_CLEAR; q <= Q_ST_RECOUNT && !rc; q++) {
        sqlite3_stmt *st = sq_stmt(w, (enum sq_q)q);
        if (!st)
            return TL_EINTERNAL;
        sqlite3_bind_int64(st, 1, project_pk);
        rc = sq_exec(st);
    }
    return rc;
}

/* ---- the reads ---- */

/* The median of a histogram's counts, estimated: linear inside the bin
 * holding the middle one; -1 for an empty histogram. */
static double median_of(const int64_t h[TL_STATS_N_BOUNDS + 1]) {
    int64_t total = 0;
    for (int i = 0; i <= TL_STATS_N_BOUNDS; i++)
        total += h[i];
    if (total <= 0)
        return -1;
    double half = (double)total / 2, below = 0;
    for (int i = 0; i <= TL_STATS_N_BOUNDS; i++) {
        if (h[i] <= 0 || below + (double)h[i] < half) {
            below += (double)(h[i] > 0 ? h[i] : 0);
            continue;
        }
        double lo = i ? bounds[i - 1] : 0;
        if (i == TL_STATS_N_BOUNDS)
            return lo; /* open-ended: at least the last bound */
        return lo + (bounds[i] - lo) * (half - below) / (double)h[i];
    }
    return bounds[TL_STATS_N_BOUNDS - 1];
}

static void read_bins(sqlite3_stmt *st, int first_col, int64_t h[TL_STATS_N_BOUNDS + 1]) {
    for (int i = 0; i <= TL_STATS_N_BOUNDS; i++)
        h[i] = sqlite3_column_int64(st, first_col + i);
}

static int read_annotator(sqlite3_stmt *st, void *slot) {
    struct tl_stats_annotator *a = slot;
    a->n_annotations = sqlite3_column_int64(st, 0);
    sq_copy_col(st, 1, a->user_id, sizeof a->user_id);
    sq_copy_col(st, 2, a->email, sizeof a->email);
    sq_copy_col(st, 3, a->tenant_id, sizeof a->tenant_id);
    a->role = (enum tl_role)sqlite3_column_int(st, 4);
    int64_t h[TL_STATS_N_BOUNDS + 1];
    read_bins(st, 5, h);
    a->median_seconds = median_of(h);
    return 0;
}

/* The busiest annotators, their users and estimated medians, and the
 * project's histogram (the sum of every annotator's). */
static int read_annotators(struct sq_conn *c, int64_t project_pk, struct tl_project_stats *out) {
    sqlite3_stmt *st = sq_stmt(c, Q_ST_SECONDS);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, project_pk);
    if (sqlite3_step(st) == SQLITE_ROW)
        read_bins(st, 0, out->seconds);
    sqlite3_reset(st);
    st = sq_stmt(c, Q_ST_ANNOTATORS);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, project_pk);
    sqlite3_bind_int(st, 2, TL_STATS_MAX_ANNOTATORS);
    return sq_collect(st, sizeof *out->annotators, read_annotator, NULL,
                      (void **)&out->annotators, &out->n_annotators);
}

/* The first bucket (of bucket_ms, counted from the epoch) with an
 * annotation into *first_b, INT64_MAX for none. */
static int read_first(struct sq_conn *c, int64_t project_pk, int span, int64_t bucket_ms,
                      int64_t *first_b) {
    *first_b = INT64_MAX;
    sqlite3_stmt *st = sq_stmt(c, Q_ST_FIRST);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, project_pk);
    sqlite3_bind_int(st, 2, span);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *first_b = floor_div(sqlite3_column_int64(st, 0) * span * 1000, bucket_ms);
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : TL_EIO;
}

/* The rows from bucket first_b on into the window [first_b, first_b +
 * TL_STATS_MAX_BUCKETS); *from_first gets every completion counted from
 * first_b on, the window's and the future's. */
static int read_buckets(struct sq_conn *c, int64_t project_pk, int span, int64_t first_b,
                        struct tl_project_stats *out, int64_t *from_first) {
    int64_t per_bucket = out->bucket_ms / ((int64_t)span * 1000); /* rows per bucket */
    sqlite3_stmt *st = sq_stmt(c, Q_ST_BUCKETS);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, project_pk);
    sqlite3_bind_int(st, 2, span);
    sqlite3_bind_int64(st, 3, first_b * per_bucket);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t b = floor_div(sqlite3_column_int64(st, 0), per_bucket);
        int64_t n_completed = sqlite3_column_int64(st, 2);
        *from_first += n_completed;
        if (b >= first_b + TL_STATS_MAX_BUCKETS)
            continue; /* in the future (a clock set back): not charted */
        out->throughput[b - first_b] += sqlite3_column_int64(st, 1);
        out->completion[b - first_b] += n_completed;
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : TL_EIO;
}

static int read_completed(struct sq_conn *c, int64_t project_pk, int64_t *n) {
    *n = 0;
    sqlite3_stmt *st = sq_stmt(c, Q_ST_COMPLETED);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, project_pk);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : TL_EIO;
}

int sq_project_stats(struct tl_store *s, const struct tl_project *p, int64_t bucket_ms,
                     int64_t now_ms, struct tl_project_stats *out) {
    memset(out, 0, sizeof *out);
    out->bucket_ms = bucket_ms;
    if (bucket_ms <= 0 || bucket_ms % (SPAN_MINUTE * 1000))
        return TL_EINVAL;
    /* Day buckets sum hour rows (24 a bucket, not 1440). */
    int span = bucket_ms % (SPAN_HOUR * 1000) ? SPAN_MINUTE : SPAN_HOUR;
    int64_t last_b = floor_div(now_ms, bucket_ms);
    int64_t first_b = last_b - (TL_STATS_MAX_BUCKETS - 1);
    struct sq_conn *conn;
    int rc = sq_reader_get(SQ(s), &conn);
    if (rc)
        return rc;
    sqlite3_exec(conn->db, "BEGIN", NULL, NULL, NULL); /* one snapshot for every read */
    int64_t min_b, n_completed = 0, from_first = 0;
    rc = read_first(conn, p->pk, span, bucket_ms, &min_b);
    if (!rc)
        rc = read_completed(conn, p->pk, &n_completed);
    if (!rc)
        rc = read_buckets(conn, p->pk, span, first_b, out, &from_first);
    if (!rc)
        rc = read_annotators(conn, p->pk, out);
    sqlite3_exec(conn->db, "COMMIT", NULL, NULL, NULL);
    sq_reader_put(SQ(s), conn);
    if (rc) {
        tl_project_stats_release(out);
        return rc;
    }
    /* The window starts at the first bucket with an annotation (at most
     * TL_STATS_MAX_BUCKETS back); completion counts become cumulative,
     * starting from the tasks completed before the window (the counters'
     * completions sum to projects.n_completed: kept in the same writes). */
    if (min_b > last_b) /* no annotation at all, or only in the future */
        return 0;
    int64_t before = n_completed - from_first;
    if (before < 0)
        before = 0;
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

static int read_my_project(sqlite3_stmt *st, void *slot) {
    struct tl_my_project_stats *m = slot;
    sq_copy_col(st, 0, m->project_id, sizeof m->project_id);
    sq_copy_col(st, 1, m->name, sizeof m->name);
    m->n_annotations = sqlite3_column_int64(st, 2);
    m->seconds = (double)sqlite3_column_int64(st, 3) / 1000.0;
    m->last_at_ms = sqlite3_column_int64(st, 4);
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
    if (st) {
        sqlite3_bind_int64(st, 1, sc->user_pk);
        sqlite3_bind_int64(st, 2, sc->tenant_pk);
    }
    rc = sq_collect(st, sizeof **out, read_my_project, NULL, (void **)out, n);
    sq_reader_put(SQ(s), conn);
    return rc;
}
