/* lifecycle.c: the SQLite side of a project's life after creation (store.h,
 * "lifecycle"): settings, deletion with a background purge, task pages,
 * task deletion, members' progress, lease release (skips) and edits of
 * annotations with their history. Every statement names the project
 * and the caller's tenant (db.c, Q_LC_*). */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/sqlite/db.h"

#define SQ(base) ((struct sq_store *)(base))

/* Tasks purged per write of a deleted project: each brings its
 * annotations, leases and predictions, so the slice is smaller than
 * CLEAR_SLICE (ops.c); one slice holds the writer for milliseconds. */
#define PURGE_SLICE 1024

/* ---- settings ---- */

struct update_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
};

static int w_project_update(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct update_arg *a = arg;
    const struct tl_project *p = a->p;
    sqlite3_stmt *st = sq_stmt(w, Q_LC_PROJECT_UPDATE);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, p->pk);
    sqlite3_bind_int64(st, 2, a->sc->tenant_pk);
    sqlite3_bind_text(st, 3, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, p->instructions ? p->instructions : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, p->overlap);
    sqlite3_bind_int(st, 6, p->lease_seconds);
    sqlite3_bind_int(st, 7, p->max_leases_per_annotator);
    sqlite3_bind_int(st, 8, p->allows_edits);
    sqlite3_bind_int(st, 9, p->is_archived);
    int rc = sq_exec(st);
    if (!rc && sqlite3_changes(w->db) == 0)
        return TL_ENOTFOUND;
    /* quality (core): the settings of migration 11, then completion under
     * adaptive overlap (overlap, max_overlap, confidence_target): a change
     * moves tasks across that line, and only those rows are written
     * (gold.c: sq_gold_recompute). */
    rc = rc ? rc : sq_gold_write_settings(w, a->sc->tenant_pk, p);
    return rc ? rc : sq_gold_recompute(w, p);
}

int sq_project_update(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p) {
    struct update_arg a = {sc, p};
    return sq_write(SQ(s), w_project_update, &a);
}

/* ---- deletion ---- */

/* Delete one slice of task_pk's project from first_pk on (limit tasks)
 * with everything hanging on them: *n_tasks says how many tasks went. */
static int delete_slice(struct sq_conn *w, int64_t project_pk, int64_t first_pk, int limit,
                        int64_t *n_tasks) {
    int rc = 0;
    for (int q = Q_LC_SLICE_ANNOTS; q <= Q_LC_SLICE_TASKS && !rc; q++) {
        sqlite3_stmt *st = sq_stmt(w, (enum sq_q)q);
        if (!st)
            return TL_EINTERNAL;
        sqlite3_bind_int64(st, 1, project_pk);
        sqlite3_bind_int(st, 2, limit);
        sqlite3_bind_int64(st, 3, first_pk);
        rc = sq_exec(st);
    }
    *n_tasks = rc ? 0 : sqlite3_changes64(w->db);
    return rc;
}

struct purge {
    struct sq_store *s;
    int64_t project_pk;
    int64_t n_tasks; /* deleted by the last slice */
};

static int w_purge(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct purge *pg = arg;
    int rc = delete_slice(w, pg->project_pk, 0, PURGE_SLICE, &pg->n_tasks);
    if (rc || pg->n_tasks > 0)
        return rc;
    for (int q = Q_LC_END_MEMBERS; q <= Q_LC_END_PROJECT && !rc; q++) {
        sqlite3_stmt *st = sq_stmt(w, (enum sq_q)q);
        if (!st)
            return TL_EINTERNAL;
        sqlite3_bind_int64(st, 1, pg->project_pk);
        rc = sq_exec(st);
    }
    return rc;
}

/* One slice done: queue the next while tasks remain. A failure leaves the
 * rest to the next start (sq_purge_resume). */
static void purge_done(void *arg, int rc) {
    struct purge *pg = arg;
    if (!rc && pg->n_tasks > 0 && sq_write_async(pg->s, w_purge, pg, purge_done, pg) == 0)
        return;
    free(pg);
}

static void purge_queue(struct sq_store *s, int64_t project_pk) {
    struct purge *pg = malloc(sizeof *pg);
    if (!pg)
        return; /* the next start resumes it */
    *pg = (struct purge){s, project_pk, 0};
    if (sq_write_async(s, w_purge, pg, purge_done, pg))
        free(pg);
}

void sq_purge_resume(struct sq_store *s) {
    sqlite3_stmt *st = sq_stmt(&s->writer, Q_LC_DELETED);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        purge_queue(s, sqlite3_column_int64(st, 0));
    if (st)
        sqlite3_reset(st);
}

static int w_project_delete(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct update_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_LC_PROJECT_DELETE);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int64(st, 2, a->sc->tenant_pk);
    int rc = sq_exec(st);
    return !rc && sqlite3_changes(w->db) == 0 ? TL_ENOTFOUND : rc;
}

int sq_project_delete(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p) {
    struct update_arg a = {sc, p};
    int rc = sq_write(SQ(s), w_project_delete, &a);
    if (!rc)
        purge_queue(SQ(s), p->pk);
    return rc;
}

int sq_file_ids(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                void (*fn)(void *ctx, const char *id), void *ctx) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_LC_FILE_IDS);
    if (!st) {
        rc = TL_EINTERNAL;
    } else {
        sqlite3_bind_int64(st, 1, p->pk);
        sqlite3_bind_int64(st, 2, sc->tenant_pk);
        while (sqlite3_step(st) == SQLITE_ROW)
            fn(ctx, (const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
    }
    sq_reader_put(SQ(s), c);
    return rc;
}

/* ---- tasks ---- */

/* A task row (pk, id, data, is_open, n_annotations, created_at, is_gold). */
static int read_task(sqlite3_stmt *st, struct tl_task_item *t, int64_t *pk) {
    memset(t, 0, sizeof *t);
    *pk = sqlite3_column_int64(st, 0);
    sq_copy_col(st, 1, t->id, sizeof t->id);
    t->data = sq_dup_col(st, 2);
    t->data_len = (size_t)sqlite3_column_bytes(st, 2);
    t->is_gold = sqlite3_column_int(st, 6) != 0;
    t->is_complete = !t->is_gold && sqlite3_column_int(st, 3) == 0;
    t->n_annotations = sqlite3_column_int(st, 4);
    t->created_at_ms = sqlite3_column_int64(st, 5);
    return t->data ? 0 : TL_ENOMEM;
}

int sq_task_list(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                 enum tl_task_state state, size_t limit, int64_t *cursor,
                 struct tl_task_item **out, size_t *n) {
    *n = 0;
    *out = calloc(limit ? limit : 1, sizeof **out);
    if (!*out)
        return TL_ENOMEM;
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc) {
        free(*out);
        *out = NULL;
        return rc;
    }
    /* One row more than asked says whether a page follows. */
    sqlite3_stmt *st = sq_stmt(c, state == TL_TASKS_ALL    ? Q_LC_TASKS_ALL
                                  : state == TL_TASKS_GOLD ? Q_LC_TASKS_GOLD
                                                           : Q_LC_TASKS_STATE);
    rc = st ? 0 : TL_EINTERNAL;
    int64_t last_pk = 0;
    bool has_more = false;
    if (st) {
        sqlite3_bind_int64(st, 1, p->pk);
        sqlite3_bind_int64(st, 2, sc->tenant_pk);
        sqlite3_bind_int64(st, 3, *cursor);
        sqlite3_bind_int64(st, 4, (int64_t)limit + 1);
        if (state == TL_TASKS_OPEN || state == TL_TASKS_COMPLETE)
            sqlite3_bind_int(st, 5, state == TL_TASKS_OPEN);
        int step;
        while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
            if (*n == limit) {
                has_more = true;
                break;
            }
            rc = read_task(st, &(*out)[*n], &last_pk);
            (*n)++; /* released below on failure, whatever it holds */
        }
        if (!rc && !has_more && step != SQLITE_DONE)
            rc = sq_err(step);
        sqlite3_reset(st);
    }
    sq_reader_put(SQ(s), c);
    if (rc) {
        for (size_t i = 0; i < *n; i++)
            tl_task_item_release(&(*out)[i]);
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    *cursor = has_more ? last_pk : 0;
    return 0;
}

int sq_task_get(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                const char *task_id, struct tl_task_item *out, tl_export_fn fn, void *ctx) {
    memset(out, 0, sizeof *out);
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_LC_TASK_GET);
    int64_t pk = 0;
    rc = st ? TL_ENOTFOUND : TL_EINTERNAL;
    if (st) {
        sqlite3_bind_int64(st, 1, p->pk);
        sqlite3_bind_int64(st, 2, sc->tenant_pk);
        sqlite3_bind_text(st, 3, task_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            rc = read_task(st, out, &pk);
        sqlite3_reset(st);
    }
    sq_reader_put(SQ(s), c);
    /* Its annotations and predictions exactly as the export reads them:
     * a page of one task starting just before it. */
    int64_t cursor = pk - 1;
    bool done;
    if (!rc)
        rc = tl_store_export_page(s, sc, p, &cursor, 1, SIZE_MAX, fn, ctx, &done);
    if (rc)
        tl_task_item_release(out);
    return rc;
}

struct tasks_delete_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    const char *const *ids;
    size_t n;
    int64_t *deleted;
};

static int w_tasks_delete(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct tasks_delete_arg *a = arg;
    int64_t n_annotations = 0, n_completed = 0, n_tasks = 0, n_gold_gone = 0;
    int rc = 0;
    for (size_t i = 0; i < a->n && !rc; i++) {
        sqlite3_stmt *st = sq_stmt(w, Q_LC_TASK_FIND);
        if (!st)
            return TL_EINTERNAL;
        sqlite3_bind_int64(st, 1, a->p->pk);
        sqlite3_bind_int64(st, 2, a->sc->tenant_pk);
        sqlite3_bind_text(st, 3, a->ids[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_reset(st);
            continue; /* not a task of p (or already gone) */
        }
        int64_t pk = sqlite3_column_int64(st, 0);
        bool is_complete = sqlite3_column_int(st, 1) == 0;
        int64_t task_annotations = sqlite3_column_int64(st, 2);
        sqlite3_reset(st);
        bool is_gold; /* quality (core): outside n_tasks and n_completed */
        if ((rc = sq_gold_is_gold_task(w, a->p, a->sc->tenant_pk, a->ids[i], &is_gold)))
            break;
        is_complete = is_complete && !is_gold;
        struct sq_stats_annot *counted;
        size_t n_counted;
        rc = sq_stats_task_gone(w, a->p->pk, pk, is_complete, &counted, &n_counted);
        int64_t gone = 0;
        if (!rc)
            rc = delete_slice(w, a->p->pk, pk, 1, &gone);
        for (size_t j = 0; j < n_counted && !rc; j++)
            rc = sq_stats_last_at(w, &counted[j]);
        free(counted);
        n_tasks += is_gold ? 0 : gone;
        n_gold_gone += is_gold ? gone : 0;
        n_annotations += task_annotations;
        n_completed += is_complete;
    }
    sqlite3_stmt *st = rc || !(n_tasks + n_gold_gone) ? NULL : sq_stmt(w, Q_LC_PROJECT_SUB);
    if (st) {
        sqlite3_bind_int64(st, 1, a->p->pk);
        sqlite3_bind_int64(st, 2, n_tasks);
        sqlite3_bind_int64(st, 3, n_annotations);
        sqlite3_bind_int64(st, 4, n_completed);
        rc = sq_exec(st);
    }
    *a->deleted = rc ? 0 : n_tasks + n_gold_gone;
    return rc;
}

int sq_tasks_delete(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                    const char *const *ids, size_t n, int64_t *deleted) {
    struct tasks_delete_arg a = {sc, p, ids, n, deleted};
    *deleted = 0;
    return sq_write(SQ(s), w_tasks_delete, &a);
}

/* ---- members ---- */

/* The median of an annotator's claim-to-submit times on the project, in
 * seconds, or -1 without any: the middle one or two rows of the sorted
 * durations, read by OFFSET from the count already known. */
double sq_median_seconds(struct sq_conn *c, int64_t user_pk, int64_t project_pk, int64_t n_done) {
    sqlite3_stmt *st = n_done > 0 ? sq_stmt(c, Q_LC_MEDIAN) : NULL;
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, user_pk);
    sqlite3_bind_int64(st, 2, project_pk);
    sqlite3_bind_int64(st, 3, (n_done - 1) / 2);
    double sum = 0;
    int rows = 0;
    while (rows < (n_done % 2 ? 1 : 2) && sqlite3_step(st) == SQLITE_ROW) {
        sum += (double)sqlite3_column_int64(st, 0);
        rows++;
    }
    sqlite3_reset(st);
    return rows ? sum / rows / 1000.0 : -1;
}

/* The member's latest skips with their reasons, newest first. */
static void recent_skips(struct sq_conn *c, int64_t user_pk, int64_t project_pk,
                         struct tl_member *m) {
    sqlite3_stmt *st = m->n_skipped > 0 ? sq_stmt(c, Q_LC_SKIPS_RECENT) : NULL;
    if (!st)
        return;
    sqlite3_bind_int64(st, 1, project_pk);
    sqlite3_bind_int64(st, 2, user_pk);
    sqlite3_bind_int(st, 3, TL_MEMBER_SKIPS_SHOWN);
    while (m->n_skips_shown < TL_MEMBER_SKIPS_SHOWN && sqlite3_step(st) == SQLITE_ROW) {
        sq_copy_col(st, 0, m->skips[m->n_skips_shown].task_id, sizeof m->skips[0].task_id);
        sq_copy_col(st, 1, m->skips[m->n_skips_shown].reason, sizeof m->skips[0].reason);
        m->n_skips_shown++;
    }
    sqlite3_reset(st);
}

/* One member row of Q_LC_MEMBERS into m; its user's pk to *user_pk. */
static void read_member(sqlite3_stmt *st, struct tl_member *m, int64_t *user_pk) {
    memset(m, 0, sizeof *m);
    sq_copy_col(st, 0, m->user_id, sizeof m->user_id);
    sq_copy_col(st, 1, m->email, sizeof m->email);
    m->is_workforce = sqlite3_column_int(st, 2) != 0;
    m->role = (enum tl_role)sqlite3_column_int(st, 3);
    m->n_done = sqlite3_column_int64(st, 4);
    m->n_in_progress = sqlite3_column_int64(st, 5);
    m->n_skipped = sqlite3_column_int64(st, 6);
    *user_pk = sqlite3_column_int64(st, 7);
}

int sq_member_list(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                   int64_t now_ms, struct tl_member **out, size_t *n) {
    *out = NULL;
    *n = 0;
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL); /* one snapshot for every member */
    sqlite3_stmt *st = sq_stmt(c, Q_LC_MEMBERS);
    rc = st ? 0 : TL_EINTERNAL;
    size_t cap = 0;
    int64_t *user_pks = NULL; /* the medians' statement runs after this one */
    if (st) {
        sqlite3_bind_int64(st, 1, p->pk);
        sqlite3_bind_int64(st, 2, sc->tenant_pk);
        sqlite3_bind_int64(st, 3, now_ms);
    }
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            struct tl_member *grown = realloc(*out, cap * sizeof **out);
            int64_t *grown_pks = grown ? realloc(user_pks, cap * sizeof *user_pks) : NULL;
            *out = grown ? grown : *out;
            user_pks = grown_pks ? grown_pks : user_pks;
            if (!grown_pks) {
                rc = TL_ENOMEM;
                break;
            }
        }
        read_member(st, &(*out)[*n], &user_pks[*n]);
        (*n)++;
    }
    if (st)
        sqlite3_reset(st);
    for (size_t i = 0; i < *n && !rc; i++) {
        (*out)[i].median_seconds = sq_median_seconds(c, user_pks[i], p->pk, (*out)[i].n_done);
        recent_skips(c, user_pks[i], p->pk, &(*out)[i]);
    }
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    sq_reader_put(SQ(s), c);
    free(user_pks);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

struct member_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    const char *user_id;
    enum tl_role role;
};

static int w_member_set_role(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct member_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_LC_MEMBER_ROLE);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int64(st, 2, a->sc->tenant_pk);
    sqlite3_bind_text(st, 3, a->user_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)a->role);
    int rc = sq_exec(st);
    return !rc && sqlite3_changes(w->db) == 0 ? TL_ENOTFOUND : rc;
}

int sq_member_set_role(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       const char *user_id, enum tl_role role) {
    struct member_arg a = {sc, p, user_id, role};
    return sq_write(SQ(s), w_member_set_role, &a);
}

/* The membership and the member's leases go in one transaction: their
 * slots reopen at once instead of at expiry. */
static int w_member_remove(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct member_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_LC_MEMBER_REMOVE);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int64(st, 2, a->sc->tenant_pk);
    sqlite3_bind_text(st, 3, a->user_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    int64_t user_pk = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    while (step == SQLITE_ROW)
        step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return sq_err(step);
    if (!user_pk)
        return TL_ENOTFOUND;
    st = sq_stmt(w, Q_LC_LEASES_DROP);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int64(st, 2, user_pk);
    return sq_exec(st);
}

int sq_member_remove(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                     const char *user_id) {
    struct member_arg a = {sc, p, user_id, TL_ROLE_NONE};
    return sq_write(SQ(s), w_member_remove, &a);
}

/* ---- leases and annotations by their own ids ---- */

/* The project of a lease or annotation id, through the caller's filter,
 * on connection c. */
static int object_project_on(struct sq_conn *c, const struct tl_filter *f,
                             enum tl_store_obj kind, const char *id, struct tl_project *out) {
    static const enum sq_q by_kind[] = {
        [TL_STORE_LEASE] = Q_LC_LEASE_PROJECT,
        [TL_STORE_ANNOTATION] = Q_LC_ANNOT_PROJECT,
        [TL_STORE_FLAG] = Q_LC_FLAG_PROJECT,
        [TL_STORE_REVIEW] = Q_LC_REVIEW_PROJECT,
    };
    if ((unsigned)kind >= sizeof by_kind / sizeof by_kind[0])
        return TL_ENOTFOUND;
    return sq_project_of(c, f, by_kind[kind], id, out);
}

struct object_arg {
    const struct tl_filter *f;
    enum tl_store_obj kind;
    const char *id;
    struct tl_project *out;
};

static int w_object_project(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct object_arg *a = arg;
    return object_project_on(w, a->f, a->kind, a->id, a->out);
}

int sq_object_project(struct tl_store *s, const struct tl_filter *f, enum tl_store_obj kind,
                      const char *id, struct tl_project *out) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    rc = object_project_on(c, f, kind, id, out);
    sq_reader_put(SQ(s), c);
    /* A lease is answered before its claim commits (store.h): one a reader
     * cannot see yet may be in the writer's queue. Ask the writer, which
     * runs after every claim queued before this call. */
    if (rc == TL_ENOTFOUND && kind == TL_STORE_LEASE) {
        struct object_arg a = {f, kind, id, out};
        rc = sq_write(SQ(s), w_object_project, &a);
    }
    return rc;
}

struct release_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    const char *lease_id, *reason;
    int64_t now_ms;
};

static int w_lease_release(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct release_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_LEASE_FIND);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_text(st, 1, a->lease_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return TL_ECONFLICT; /* used, purged after expiry, or never issued */
    }
    int64_t lease_pk = sqlite3_column_int64(st, 0);
    int64_t task_pk = sqlite3_column_int64(st, 1);
    int64_t annotator_pk = sqlite3_column_int64(st, 2);
    int64_t expires_at = sqlite3_column_int64(st, 3);
    int64_t project_pk = sqlite3_column_int64(st, 5);
    sqlite3_reset(st);
    if (annotator_pk != a->sc->user_pk || project_pk != a->p->pk || expires_at <= a->now_ms)
        return TL_ECONFLICT;
    st = sq_stmt(w, Q_LEASE_DELETE);
    sqlite3_bind_int64(st, 1, lease_pk);
    int rc = sq_exec(st);
    st = rc ? NULL : sq_stmt(w, Q_LC_SKIP_INSERT);
    if (st) {
        sqlite3_bind_int64(st, 1, task_pk);
        sqlite3_bind_int64(st, 2, annotator_pk);
        sqlite3_bind_int64(st, 3, project_pk);
        sqlite3_bind_text(st, 4, a->reason, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, a->now_ms);
        rc = sq_exec(st);
    }
    return rc;
}

int sq_lease_release(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                     const char *lease_id, const char *reason, int64_t now_ms) {
    struct release_arg a = {sc, p, lease_id, reason, now_ms};
    return sq_write(SQ(s), w_lease_release, &a);
}

int sq_annotation_get(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                      const char *id, struct tl_annotation *out) {
    memset(out, 0, sizeof *out);
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_LC_ANNOT_GET);
    rc = st ? TL_ENOTFOUND : TL_EINTERNAL;
    if (st) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, p->pk);
        sqlite3_bind_int64(st, 3, sc->tenant_pk);
        if (sqlite3_step(st) == SQLITE_ROW) {
            sq_copy_col(st, 0, out->id, sizeof out->id);
            sq_copy_col(st, 1, out->task_id, sizeof out->task_id);
            sq_copy_col(st, 2, out->annotator_id, sizeof out->annotator_id);
            out->result = sq_dup_col(st, 3);
            rc = out->result ? 0 : TL_ENOMEM;
        }
        sqlite3_reset(st);
    }
    sq_reader_put(SQ(s), c);
    return rc;
}

struct annot_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    const char *id, *result;
    size_t result_len;
    int64_t now_ms;
    struct tl_submit_hooks *hooks; /* may be NULL */
};

/* The annotation as it is now into annotation_history, as action by sc. */
static int keep_history(struct sq_conn *w, const struct annot_arg *a, const char *action) {
    sqlite3_stmt *st = sq_stmt(w, Q_LC_ANNOT_HISTORY);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->p->pk);
    sqlite3_bind_int64(st, 3, a->sc->tenant_pk);
    sqlite3_bind_int64(st, 4, a->sc->user_pk);
    sqlite3_bind_text(st, 5, action, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, a->now_ms);
    int rc = sq_exec(st);
    return !rc && sqlite3_changes(w->db) == 0 ? TL_ENOTFOUND : rc;
}

static int w_annotation_update(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct annot_arg *a = arg;
    int rc = keep_history(w, a, "update");
    sqlite3_stmt *st = rc ? NULL : sq_stmt(w, Q_LC_ANNOT_UPDATE);
    if (!st)
        return rc ? rc : TL_EINTERNAL;
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->p->pk);
    sqlite3_bind_int64(st, 3, a->sc->tenant_pk);
    sqlite3_bind_blob(st, 4, a->result, (int)a->result_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, a->sc->user_pk);
    rc = sq_exec(st);
    /* not the caller's: the history row goes with this op's rollback */
    if (!rc && sqlite3_changes(w->db) == 0)
        return TL_ENOTFOUND;
    int64_t task_pk = 0;
    bool completed = false;
    if (!rc)
        rc = sq_gold_edited(w, a->p, a->id, a->result, a->result_len, a->hooks, a->now_ms,
                            &task_pk, &completed);
    if (!rc && completed)
        rc = sq_webhook_on_completed(s, w, a->p->pk, a->p->id, task_pk, a->id, a->now_ms);
    return rc;
}

int sq_annotation_update(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                         const char *id, const char *result, size_t result_len, int64_t now_ms,
                         struct tl_submit_hooks *hooks) {
    struct annot_arg a = {sc, p, id, result, result_len, now_ms, hooks};
    return sq_write(SQ(s), w_annotation_update, &a);
}

/* One fewer annotation may reopen the task, and the project's counters
 * follow in the same transaction. */
static int w_annotation_delete(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct annot_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_LC_ANNOT_FIND);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->p->pk);
    sqlite3_bind_int64(st, 3, a->sc->tenant_pk);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return TL_ENOTFOUND;
    }
    int64_t pk = sqlite3_column_int64(st, 0);
    int64_t task_pk = sqlite3_column_int64(st, 1);
    int64_t n = sqlite3_column_int64(st, 2);
    struct sq_stats_annot counted = {
        .project_pk = a->p->pk,
        .annotator_pk = sqlite3_column_int64(st, 3),
        .created_at = sqlite3_column_int64(st, 4),
        .claimed_at = sqlite3_column_int64(st, 5),
        .has_claim = sqlite3_column_type(st, 5) != SQLITE_NULL,
    };
    sqlite3_reset(st);
    /* quality (core): under adaptive overlap a task's state is its is_open,
     * not n >= overlap; one fewer annotation reopens it below overlap. A
     * gold task stays out of progress (gold.c). */
    bool is_gold, was_open;
    int rc = sq_gold_task_state(w, task_pk, &is_gold, &was_open);
    if (rc)
        return rc;
    bool was_complete = !is_gold && !was_open;
    bool is_complete = was_complete && n - 1 >= a->p->overlap;
    int64_t done_before = -1, done_after = -1;
    rc = was_complete ? sq_stats_done_at(w, task_pk, &done_before) : 0;
    if (!rc)
        rc = keep_history(w, a, "delete");
    if (!rc)
        rc = sq_gold_deleting(w, a->p, a->id, a->now_ms);
    if (!rc && (st = sq_stmt(w, Q_LC_ANNOT_DELETE))) {
        sqlite3_bind_int64(st, 1, pk);
        rc = sq_exec(st);
    }
    if (!rc)
        rc = sq_gold_task_unbump(w, task_pk, !is_gold && !is_complete);
    bool completed = false; /* by the adaptive rule, once the aggregate is recomputed */
    if (!rc)
        rc = sq_gold_deleted(w, a->p, task_pk, is_gold, a->hooks, a->now_ms, &completed);
    if (!rc && (st = sq_stmt(w, Q_LC_PROJECT_UNBUMP))) {
        sqlite3_bind_int64(st, 1, a->p->pk);
        sqlite3_bind_int(st, 2, was_complete && !is_complete);
        rc = sq_exec(st);
    }
    /* The counters follow: the annotation, and the task's completion time
     * (its newest annotation's) if it was complete: gone, or moved when
     * this was the newest of a task that stays complete. */
    if (!rc)
        rc = sq_stats_annotation(w, &counted, -1);
    if (!rc)
        rc = sq_stats_last_at(w, &counted);
    if (!rc && is_complete)
        rc = sq_stats_done_at(w, task_pk, &done_after);
    if (!rc && was_complete && done_after != done_before) {
        rc = sq_stats_completion(w, a->p->pk, done_before, -1);
        if (!rc)
            rc = sq_stats_completion(w, a->p->pk, done_after, 1);
    }
    if (!rc && completed)
        rc = sq_webhook_on_completed(s, w, a->p->pk, a->p->id, task_pk, a->id, a->now_ms);
    return rc;
}

int sq_annotation_delete(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                         const char *id, int64_t now_ms, struct tl_submit_hooks *hooks) {
    struct annot_arg a = {sc, p, id, NULL, 0, now_ms, hooks};
    return sq_write(SQ(s), w_annotation_delete, &a);
}
