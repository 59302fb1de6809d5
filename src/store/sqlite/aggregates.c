/* aggregates.c: the store side of full re-inference (queue/reinfer.h) and
 * of the aggregates the API shows (docs/quality-aggregates.md): a project's
 * counted labels read as of one instant (in parts side by side), the
 * aggregates (only those that changed) and worker
 * estimates written back in bounded slices, the record of the last run
 * (migration 13), the aggregates list, the quality page's charts, and the
 * export page's aggregates.
 *
 * Write-back is sliced because one writer serves every submit: 333,000
 * aggregate rows in one op would hold the writer (and every submit queued
 * behind it) for the whole write. TL_AGG_WRITE_SLICE rows per op keep each
 * hold in the tens of milliseconds; submits queued meanwhile commit between
 * the slices. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/sqlite/db.h"

#define SQ(base) ((struct sq_store *)(base))

static int read_seen(struct sq_conn *c, int64_t project_pk, struct tl_agg_seen *seen,
                     int64_t *n_tasks) {
    sqlite3_stmt *st = sq_stmt(c, Q_AGG_SEEN);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, project_pk);
    int rc = sq_row(st);
    if (!rc) {
        seen->n_annotations = sqlite3_column_int64(st, 0);
        seen->last_at_ms = sqlite3_column_int64(st, 1);
        *n_tasks = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return rc;
}

/* One part of the read: the labels of the tasks with pk in [lo, hi). */
struct agg_part {
    struct sq_conn *c;
    int64_t project_pk, lo, hi;
    tl_agg_label_fn fn;
    void *ctx;
    int rc;
};

/* Labels and gold side by side on one connection, both in task pk order:
 * the gold cursor is moved up to each new task (gold tasks are few, and
 * reading them apart keeps every task row out of the label read). */
static int read_part(struct agg_part *pt) {
    sqlite3_stmt *st = sq_stmt(pt->c, Q_AGG_LABELS), *gs = sq_stmt(pt->c, Q_AGG_GOLD);
    if (!st || !gs)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, pt->project_pk);
    sqlite3_bind_int64(st, 2, pt->lo);
    sqlite3_bind_int64(st, 3, pt->hi);
    sqlite3_bind_int64(gs, 1, pt->project_pk);
    sqlite3_bind_int64(gs, 2, pt->lo);
    sqlite3_bind_int64(gs, 3, pt->hi);
    int gstep = sqlite3_step(gs);
    int64_t gold_pk = gstep == SQLITE_ROW ? sqlite3_column_int64(gs, 0) : INT64_MAX;
    int rc = 0, step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct tl_agg_label l = {
            .task_pk = sqlite3_column_int64(st, 0),
            .annotator_pk = sqlite3_column_int64(st, 1),
            .result = (const char *)sqlite3_column_blob(st, 2),
            .result_len = (size_t)sqlite3_column_bytes(st, 2),
        };
        while (gstep == SQLITE_ROW && gold_pk < l.task_pk) {
            gstep = sqlite3_step(gs);
            gold_pk = gstep == SQLITE_ROW ? sqlite3_column_int64(gs, 0) : INT64_MAX;
        }
        if (gold_pk == l.task_pk) {
            l.gold = (const char *)sqlite3_column_blob(gs, 1);
            l.gold_len = (size_t)sqlite3_column_bytes(gs, 1);
        }
        if (!l.result)
            l.result = "";
        rc = pt->fn(pt->ctx, &l);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sq_err(step);
    if (!rc && gstep != SQLITE_ROW && gstep != SQLITE_DONE)
        rc = sq_err(gstep);
    sqlite3_reset(st);
    sqlite3_reset(gs);
    return rc;
}

static void *part_thread(void *arg) {
    struct agg_part *pt = arg;
    pt->rc = read_part(pt);
    return NULL;
}

/* Begin every part's read transaction, reading the counters in each. */
struct agg_begin {
    struct sq_conn **c;
    size_t n;
    int64_t project_pk;
    struct tl_agg_seen *seen;
    int64_t n_tasks;
};

static int begin_all(struct agg_begin *b) {
    int rc = 0;
    for (size_t i = 0; !rc && i < b->n; i++) {
        /* A WAL reader's snapshot is fixed by its first read, not by
         * BEGIN: the counters are that read (the other parts' are the same
         * numbers, dropped). */
        struct tl_agg_seen same = {0};
        int64_t n_tasks = 0;
        if (sqlite3_exec(b->c[i]->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
            rc = TL_EIO;
        rc = rc ? rc : read_seen(b->c[i], b->project_pk, i ? &same : b->seen, &n_tasks);
        if (!i)
            b->n_tasks = n_tasks;
    }
    return rc;
}

/* Run on the writer thread, between two ops of its batch: no commit can
 * land while it runs, so every transaction begun here sees the same one. */
static int w_begin_all(struct sq_store *s, struct sq_conn *w, void *arg) {
    (void)s;
    (void)w;
    return begin_all(arg);
}

int sq_agg_labels(struct tl_store *s, const struct tl_project *p, size_t n_parts,
                  tl_agg_label_fn fn, void *const *ctx, size_t *n_used, struct tl_agg_seen *seen) {
    n_parts = n_parts < 1 ? 1 : n_parts > TL_AGG_MAX_PARTS ? TL_AGG_MAX_PARTS : n_parts;
    struct sq_conn *c[TL_AGG_MAX_PARTS];
    int rc = sq_reader_get(SQ(s), &c[0]);
    if (rc)
        return rc;
    size_t n = 1;
    /* The others only if idle: two runs each holding one reader and
     * waiting for a second would wait for ever. */
    while (n < n_parts && sq_reader_try_get(SQ(s), &c[n]) == 0)
        n++;
    memset(seen, 0, sizeof *seen);
    seen->read_at_ms = tl_clock_ms();
    struct agg_begin b = {.c = c, .n = n, .project_pk = p->pk, .seen = seen};
    rc = n > 1 ? sq_write(SQ(s), w_begin_all, &b) : begin_all(&b);

    struct agg_part part[TL_AGG_MAX_PARTS];
    for (size_t i = 0; i < n; i++)
        part[i] = (struct agg_part){
            .c = c[i], .project_pk = p->pk, .lo = 0, .hi = INT64_MAX, .fn = fn, .ctx = ctx[i]};
    /* Part i starts at the task after i * n_tasks / n of them. */
    for (size_t i = 1; !rc && i < n; i++) {
        sqlite3_stmt *st = sq_stmt(c[0], Q_AGG_SPLIT);
        if (!st) {
            rc = TL_EINTERNAL;
            break;
        }
        sqlite3_bind_int64(st, 1, p->pk);
        sqlite3_bind_int64(st, 2, b.n_tasks * (int64_t)i / (int64_t)n);
        int step = sqlite3_step(st);
        part[i].lo = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : INT64_MAX;
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            rc = sq_err(step);
        sqlite3_reset(st);
        part[i - 1].hi = part[i].lo;
    }
    pthread_t th[TL_AGG_MAX_PARTS];
    bool started[TL_AGG_MAX_PARTS] = {false};
    for (size_t i = 1; !rc && i < n; i++)
        started[i] = pthread_create(&th[i], NULL, part_thread, &part[i]) == 0;
    if (!rc)
        part[0].rc = read_part(&part[0]);
    for (size_t i = 1; !rc && i < n; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else
            part[i].rc = read_part(&part[i]); /* no thread: read it here */
    }
    for (size_t i = 0; !rc && i < n; i++)
        rc = part[i].rc;
    for (size_t i = 0; i < n; i++) {
        if (!sqlite3_get_autocommit(c[i]->db))
            sqlite3_exec(c[i]->db, "COMMIT", NULL, NULL, NULL);
        sq_reader_put(SQ(s), c[i]);
    }
    if (n_used)
        *n_used = n;
    return rc;
}

/* ---- write-back ---- */

/* One slice of the write: rows[0..n) (task pk order) and every stored
 * aggregate of the project with a task pk in [lo, hi); consecutive slices'
 * ranges tile all task pks, so the stale rows are found slice by slice. */
struct agg_slice {
    const struct tl_project *p;
    const char *method;
    const struct tl_agg_row *rows;
    size_t n;
    int64_t lo, hi, read_at_ms;
    size_t n_written;
};

static void bind_row(sqlite3_stmt *st, const struct agg_slice *a, const struct tl_agg_row *r) {
    sqlite3_bind_int64(st, 1, r->task_pk);
    sqlite3_bind_int64(st, 2, a->p->pk);
    sqlite3_bind_text(st, 3, a->method, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, r->result, (int)r->result_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, r->confidence, (int)r->confidence_len, SQLITE_STATIC);
    sqlite3_bind_double(st, 6, r->min_confidence);
    sqlite3_bind_int(st, 7, r->n_annotations);
    sqlite3_bind_int64(st, 8, a->read_at_ms);
}

static bool same_col(sqlite3_stmt *st, int col, const char *s, size_t len) {
    const void *p = sqlite3_column_blob(st, col);
    return (size_t)sqlite3_column_bytes(st, col) == len && (!len || !memcmp(p, s, len));
}

/* What the slice does with each of its rows, and the stored rows to delete. */
enum agg_act { AGG_KEEP, AGG_INSERT, AGG_UPDATE };
struct agg_plan {
    unsigned char *act;  /* [n] */
    int64_t *stale;      /* task pks */
    size_t n_stale, stale_cap;
};

/* The plan, decided while stepping over the stored rows of the slice's
 * range by task pk beside its rows (both in task pk order); no write
 * happens while that statement steps. A row equal to the stored one
 * (method, result, confidence, count) is kept; none is written over a
 * reviewed row nor one a live submit wrote after the read (updated_at >
 * read_at: newer than this run's snapshot); a stored row whose task is not
 * among the rows had no counted label at the read: stale. */
static int plan_slice(struct sq_conn *w, const struct agg_slice *a, struct agg_plan *pl) {
    sqlite3_stmt *st = sq_stmt(w, Q_AGG_RANGE);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int64(st, 2, a->lo);
    sqlite3_bind_int64(st, 3, a->hi);
    size_t i = 0, method_len = strlen(a->method);
    int rc = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t task_pk = sqlite3_column_int64(st, 0);
        for (; i < a->n && a->rows[i].task_pk < task_pk; i++)
            pl->act[i] = AGG_INSERT; /* nothing stored for it */
        int64_t updated_at = sqlite3_column_int64(st, 6);
        bool is_free = sqlite3_column_int(st, 5) == 0 && updated_at <= a->read_at_ms;
        if (i < a->n && a->rows[i].task_pk == task_pk) {
            const struct tl_agg_row *r = &a->rows[i];
            bool same = sqlite3_column_int(st, 4) == r->n_annotations &&
                        same_col(st, 1, a->method, method_len) &&
                        same_col(st, 2, r->result, r->result_len) &&
                        same_col(st, 3, r->confidence, r->confidence_len);
            pl->act[i++] = is_free && !same ? AGG_UPDATE : AGG_KEEP;
        } else if (is_free && updated_at < a->read_at_ms) {
            if (pl->n_stale == pl->stale_cap) {
                size_t cap = pl->stale_cap ? pl->stale_cap * 2 : 64;
                int64_t *grown = realloc(pl->stale, cap * sizeof *grown);
                if (!grown) {
                    rc = TL_ENOMEM;
                    break;
                }
                pl->stale = grown;
                pl->stale_cap = cap;
            }
            pl->stale[pl->n_stale++] = task_pk;
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = sq_err(step);
    sqlite3_reset(st);
    for (; i < a->n; i++)
        pl->act[i] = AGG_INSERT;
    return rc;
}

int sq_agg_drop(struct sq_conn *w, int64_t task_pk) {
    sqlite3_stmt *st = sq_stmt(w, Q_AGG_DELETE);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, task_pk);
    return sq_exec(st);
}

static int w_agg_slice(struct sq_store *s, struct sq_conn *w, void *arg) {
    (void)s;
    struct agg_slice *a = arg;
    struct agg_plan pl = {.act = malloc(a->n ? a->n : 1)};
    int rc = pl.act ? plan_slice(w, a, &pl) : TL_ENOMEM;
    for (size_t i = 0; !rc && i < a->n; i++) {
        if (pl.act[i] == AGG_KEEP)
            continue;
        sqlite3_stmt *st = sq_stmt(w, pl.act[i] == AGG_INSERT ? Q_AGG_INSERT : Q_AGG_UPDATE);
        if (!st) {
            rc = TL_EINTERNAL;
            break;
        }
        bind_row(st, a, &a->rows[i]);
        rc = sq_exec(st);
        a->n_written += !rc && sqlite3_changes(w->db) > 0;
    }
    for (size_t k = 0; !rc && k < pl.n_stale; k++)
        rc = sq_agg_drop(w, pl.stale[k]);
    free(pl.act);
    free(pl.stale);
    return rc;
}

int sq_agg_write(struct tl_store *s, const struct tl_project *p, const char *method,
                 const struct tl_agg_row *rows, size_t n, int64_t read_at_ms, size_t *n_written) {
    size_t written = 0, at = 0;
    int rc = 0;
    do { /* at least once: with no row, the one slice finds every stale one */
        size_t m = n - at < TL_AGG_WRITE_SLICE ? n - at : TL_AGG_WRITE_SLICE;
        struct agg_slice a = {.p = p,
                              .method = method,
                              .rows = rows + at,
                              .n = m,
                              .lo = at ? rows[at].task_pk : INT64_MIN,
                              .hi = at + m < n ? rows[at + m].task_pk : INT64_MAX,
                              .read_at_ms = read_at_ms};
        rc = sq_write(SQ(s), w_agg_slice, &a);
        written += rc ? 0 : a.n_written;
        at += m;
    } while (!rc && at < n);
    if (n_written)
        *n_written = written;
    return rc;
}

struct agg_workers {
    int64_t project_pk, now_ms;
    const struct tl_agg_worker *w;
    size_t n;
};

static void bind_unknown(sqlite3_stmt *st, int i, double v) {
    if (v < 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

static int w_agg_workers(struct sq_store *s, struct sq_conn *w, void *arg) {
    (void)s;
    struct agg_workers *a = arg;
    for (size_t i = 0; i < a->n; i++) {
        sqlite3_stmt *st = sq_stmt(w, Q_AGG_WORKER);
        if (!st)
            return TL_EINTERNAL;
        sqlite3_bind_int64(st, 1, a->project_pk);
        sqlite3_bind_int64(st, 2, a->w[i].annotator_pk);
        bind_unknown(st, 3, a->w[i].skill);
        bind_unknown(st, 4, a->w[i].agreement);
        sqlite3_bind_int64(st, 5, a->now_ms);
        int rc = sq_exec(st);
        if (rc)
            return rc;
    }
    return 0;
}

int sq_agg_workers(struct tl_store *s, const struct tl_project *p, const struct tl_agg_worker *w,
                   size_t n, int64_t now_ms) {
    int rc = 0;
    for (size_t at = 0; !rc && at < n; at += TL_AGG_WRITE_SLICE) {
        struct agg_workers a = {.project_pk = p->pk,
                                .now_ms = now_ms,
                                .w = w + at,
                                .n = n - at < TL_AGG_WRITE_SLICE ? n - at : TL_AGG_WRITE_SLICE};
        rc = sq_write(SQ(s), w_agg_workers, &a);
    }
    return rc;
}

/* ---- the last run ---- */

struct run_put {
    int64_t project_pk;
    const struct tl_quality_run *r;
};

static int w_run_put(struct sq_store *s, struct sq_conn *w, void *arg) {
    (void)s;
    struct run_put *a = arg;
    const struct tl_quality_run *r = a->r;
    sqlite3_stmt *st = sq_stmt(w, Q_AGG_RUN_PUT);
    if (!st)
        return TL_EINTERNAL;
    const char *agreement = r->agreement ? r->agreement : "{}";
    sqlite3_bind_int64(st, 1, a->project_pk);
    sqlite3_bind_int64(st, 2, r->started_at_ms);
    sqlite3_bind_int64(st, 3, r->finished_at_ms);
    sqlite3_bind_text(st, 4, r->method, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->detail, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, r->n_labels);
    sqlite3_bind_int64(st, 7, r->n_tasks);
    sqlite3_bind_int64(st, 8, r->n_workers);
    sqlite3_bind_double(st, 9, r->seconds);
    sqlite3_bind_blob(st, 10, agreement, (int)strlen(agreement), SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, r->seen.n_annotations);
    sqlite3_bind_int64(st, 12, r->seen.last_at_ms);
    sqlite3_bind_text(st, 13, r->error, -1, SQLITE_STATIC);
    return sq_exec(st);
}

int sq_quality_run_put(struct tl_store *s, const struct tl_project *p,
                       const struct tl_quality_run *r) {
    struct run_put a = {.project_pk = p->pk, .r = r};
    return sq_write(SQ(s), w_run_put, &a);
}

static int read_run(struct sq_conn *c, int64_t project_pk, struct tl_quality_run *out) {
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = sq_stmt(c, Q_AGG_RUN_GET);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, project_pk);
    int rc = sq_row(st);
    if (!rc) {
        out->started_at_ms = sqlite3_column_int64(st, 0);
        out->finished_at_ms = sqlite3_column_int64(st, 1);
        sq_copy_col(st, 2, out->method, sizeof out->method);
        sq_copy_col(st, 3, out->detail, sizeof out->detail);
        out->n_labels = sqlite3_column_int64(st, 4);
        out->n_tasks = sqlite3_column_int64(st, 5);
        out->n_workers = sqlite3_column_int64(st, 6);
        out->seconds = sqlite3_column_double(st, 7);
        out->agreement = sq_dup_col(st, 8);
        out->seen.n_annotations = sqlite3_column_int64(st, 9);
        out->seen.last_at_ms = sqlite3_column_int64(st, 10);
        sq_copy_col(st, 11, out->error, sizeof out->error);
        rc = out->agreement ? 0 : TL_ENOMEM;
    }
    sqlite3_reset(st);
    return rc;
}

int sq_quality_run_get(struct tl_store *s, const struct tl_project *p,
                       struct tl_quality_run *out) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    rc = read_run(c, p->pk, out);
    sq_reader_put(SQ(s), c);
    return rc;
}

static int read_id(sqlite3_stmt *st, void *slot) {
    sq_copy_col(st, 0, slot, sizeof(tl_id));
    return 0;
}

int sq_reinfer_due(struct tl_store *s, size_t max, tl_id **out, size_t *n) {
    *out = NULL;
    *n = 0;
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_AGG_DUE);
    if (st)
        sqlite3_bind_int64(st, 1, (int64_t)max);
    rc = sq_collect(st, sizeof(tl_id), read_id, NULL, (void **)out, n);
    sq_reader_put(SQ(s), c);
    return rc;
}

/* ---- what the API shows ---- */

static int read_aggregate(sqlite3_stmt *st, void *slot) {
    struct tl_aggregate *a = slot;
    memset(a, 0, sizeof *a);
    sq_copy_col(st, 0, a->task_id, sizeof a->task_id);
    sq_copy_col(st, 1, a->method, sizeof a->method);
    a->result = sq_dup_col(st, 2);
    a->confidence = sq_dup_col(st, 3);
    a->n_annotations = sqlite3_column_int(st, 4);
    a->is_reviewed = sqlite3_column_int(st, 5) != 0;
    a->updated_at_ms = sqlite3_column_int64(st, 6);
    if (!a->result || !a->confidence) {
        tl_aggregate_release(a);
        return TL_ENOMEM;
    }
    return 0;
}

static void undo_aggregates(void *v, size_t n) {
    struct tl_aggregate *a = v;
    for (size_t i = 0; i < n; i++)
        tl_aggregate_release(&a[i]);
}

int sq_aggregate_list(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                      size_t limit, int64_t *cursor, struct tl_aggregate **out, size_t *n) {
    *out = NULL;
    *n = 0;
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    /* One more than asked says whether another page follows, without a
     * second query; the task pk of the last row shown is the cursor. */
    sqlite3_stmt *st = sq_stmt(c, Q_AGG_LIST);
    int64_t last_pk = 0;
    size_t got = 0;
    struct tl_aggregate *v = calloc(limit + 1, sizeof *v);
    if (!st || !v) {
        rc = st ? TL_ENOMEM : TL_EINTERNAL;
    } else {
        sqlite3_bind_int64(st, 1, p->pk);
        sqlite3_bind_int64(st, 2, *cursor);
        sqlite3_bind_int64(st, 3, (int64_t)limit + 1);
        sqlite3_bind_int64(st, 4, sc->tenant_pk);
        int step = SQLITE_DONE;
        while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
            if (got == limit) {
                got++;
                break;
            }
            rc = read_aggregate(st, &v[got]);
            if (!rc) {
                last_pk = sqlite3_column_int64(st, 7);
                got++;
            }
        }
        if (!rc && got <= limit && step != SQLITE_DONE)
            rc = sq_err(step);
        sqlite3_reset(st);
    }
    sq_reader_put(SQ(s), c);
    if (rc) {
        undo_aggregates(v, got > limit ? limit : got);
        free(v);
        return rc;
    }
    bool has_more = got > limit;
    *n = has_more ? limit : got;
    *cursor = has_more ? last_pk : 0;
    *out = v;
    return 0;
}

static int read_histogram(struct sq_conn *c, int64_t project_pk, int64_t hist[10]) {
    sqlite3_stmt *st = sq_stmt(c, Q_AGG_HIST);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, project_pk);
    int step = SQLITE_DONE;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int b = sqlite3_column_int(st, 0);
        if (b >= 0 && b < 10)
            hist[b] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : sq_err(step);
}

static int read_days(struct sq_conn *c, int64_t project_pk, struct tl_quality_summary *out) {
    sqlite3_stmt *st = sq_stmt(c, Q_AGG_GOLD_DAYS);
    if (!st)
        return TL_EINTERNAL;
    out->days = calloc(TL_QUALITY_MAX_DAYS, sizeof *out->days);
    if (!out->days) {
        sqlite3_reset(st);
        return TL_ENOMEM;
    }
    sqlite3_bind_int64(st, 1, project_pk);
    sqlite3_bind_int64(st, 2, TL_QUALITY_MAX_DAYS);
    int step = SQLITE_DONE;
    size_t n = 0;
    while (n < TL_QUALITY_MAX_DAYS && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct tl_gold_day *d = &out->days[n++];
        d->day_ms = sqlite3_column_int64(st, 0) * 86400000LL;
        d->accuracy = sqlite3_column_double(st, 1);
        d->answered = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    /* newest first from SQL (so the LIMIT keeps the newest); oldest first out */
    for (size_t i = 0; i < n / 2; i++) {
        struct tl_gold_day t = out->days[i];
        out->days[i] = out->days[n - 1 - i];
        out->days[n - 1 - i] = t;
    }
    out->n_days = n;
    return n == TL_QUALITY_MAX_DAYS || step == SQLITE_DONE ? 0 : sq_err(step);
}

int sq_quality_summary(struct tl_store *s, const struct tl_project *p,
                       struct tl_quality_summary *out) {
    memset(out, 0, sizeof *out);
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL);
    rc = read_histogram(c, p->pk, out->histogram);
    rc = rc ? rc : read_days(c, p->pk, out);
    if (!rc) {
        rc = read_run(c, p->pk, &out->run);
        out->has_run = rc == 0;
        if (rc == TL_ENOTFOUND)
            rc = 0;
    }
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    sq_reader_put(SQ(s), c);
    if (rc)
        tl_quality_summary_release(out);
    return rc;
}

int sq_agg_export_page(struct sq_conn *c, int64_t project_pk, const int64_t *pk, size_t n,
                       sq_agg_put_fn put, void *ctx) {
    if (!n)
        return 0;
    sqlite3_stmt *st = sq_stmt(c, Q_AGG_EXPORT);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, pk[0]);
    sqlite3_bind_int64(st, 2, pk[n - 1]);
    sqlite3_bind_int64(st, 3, project_pk);
    size_t i = 0;
    int rc = 0, step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t task_pk = sqlite3_column_int64(st, 0);
        while (i < n && pk[i] < task_pk)
            i++;
        if (i == n || pk[i] != task_pk)
            continue;
        const char *m = (const char *)sqlite3_column_text(st, 1);
        const char *r = (const char *)sqlite3_column_blob(st, 2);
        size_t r_len = (size_t)sqlite3_column_bytes(st, 2);
        const char *cf = (const char *)sqlite3_column_blob(st, 3);
        size_t cf_len = (size_t)sqlite3_column_bytes(st, 3);
        if (m && r && cf)
            rc = put(ctx, i, m, r, r_len, cf, cf_len);
    }
    if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = sq_err(step);
    sqlite3_reset(st);
    return rc;
}
