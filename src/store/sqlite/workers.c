/* workers.c: the SQLite side of worker quality (store.h, "quality:
 * workers"): the detectors' snapshot, flags with their appeal and decision,
 * suspension, and setting annotations aside. Every statement names the
 * project (db.c, Q_WK_*), fetched through the caller's filter by authz.
 *
 * Set-aside keeps the row (set_aside = 1) and undoes what counting it did:
 * the task's n_annotations and is_open, the project's n_annotations and
 * n_completed, the completion statistics (stats.c), and the task's
 * aggregate row, deleted so that it is recomputed (by the next submission
 * or re-inference) without the annotation. The throughput and
 * per-annotator statistics keep counting it: the work was done. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/id.h"
#include "store/sqlite/db.h"

#define SQ(base) ((struct sq_store *)(base))

/* ---- the snapshot ---- */

/* The index of the element whose pk is pk in arr[0..n), elements of elem
 * bytes sorted by a leading int64_t pk (persons and tasks both start with
 * it): 0 and *out, or TL_EINTERNAL when absent. */
static int pk_index(const void *arr, size_t n, size_t elem, int64_t pk, size_t *out) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int64_t at;
        memcpy(&at, (const char *)arr + mid * elem, sizeof at);
        if (at < pk)
            lo = mid + 1;
        else
            hi = mid;
    }
    int64_t found = 0;
    if (lo < n)
        memcpy(&found, (const char *)arr + lo * elem, sizeof found);
    if (lo == n || found != pk)
        return TL_EINTERNAL;
    *out = lo;
    return 0;
}
_Static_assert(offsetof(struct tl_wk_person, pk) == 0, "pk_index reads a leading pk");
_Static_assert(offsetof(struct tl_wk_task, pk) == 0, "pk_index reads a leading pk");

static int grow(void **arr, size_t *cap, size_t n, size_t elem) {
    if (n < *cap)
        return 0;
    size_t c = *cap ? 2 * *cap : 64;
    void *a = realloc(*arr, c * elem);
    if (!a)
        return TL_ENOMEM;
    memset((char *)a + *cap * elem, 0, (c - *cap) * elem);
    *arr = a;
    *cap = c;
    return 0;
}

static int read_persons(struct sq_conn *c, const struct tl_project *p, struct tl_wk_snapshot *w) {
    sqlite3_stmt *st = sq_stmt(c, Q_WK_PEOPLE);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, p->pk);
    size_t cap = 0;
    int rc = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = grow((void **)&w->persons, &cap, w->n_persons, sizeof *w->persons)))
            break;
        struct tl_wk_person *x = &w->persons[w->n_persons++];
        x->pk = sqlite3_column_int64(st, 0);
        sq_copy_col(st, 1, x->user_id, sizeof x->user_id);
        sq_copy_col(st, 2, x->tenant_id, sizeof x->tenant_id);
        x->role = (enum tl_role)sqlite3_column_int(st, 3);
        sq_copy_col(st, 4, x->email, sizeof x->email);
        x->is_suspended = sqlite3_column_int(st, 5) == 1;
        x->has_skill = sqlite3_column_type(st, 6) != SQLITE_NULL;
        x->skill = sqlite3_column_double(st, 6);
        x->has_agreement = sqlite3_column_type(st, 7) != SQLITE_NULL;
        x->agreement = sqlite3_column_double(st, 7);
    }
    if (!rc && step != SQLITE_DONE)
        rc = TL_EIO;
    sqlite3_reset(st);
    return rc;
}

static int read_tasks(struct sq_conn *c, const struct tl_project *p, struct tl_wk_snapshot *w) {
    sqlite3_stmt *st = sq_stmt(c, Q_WK_TASKS);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, p->pk);
    size_t cap = 0;
    int rc = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = grow((void **)&w->tasks, &cap, w->n_tasks, sizeof *w->tasks)))
            break;
        struct tl_wk_task *t = &w->tasks[w->n_tasks++];
        t->pk = sqlite3_column_int64(st, 0);
        sq_copy_col(st, 1, t->id, sizeof t->id);
        if (sqlite3_column_type(st, 2) != SQLITE_NULL && !(t->gold = sq_dup_col(st, 2)))
            rc = TL_ENOMEM;
        if (!rc && sqlite3_column_type(st, 3) != SQLITE_NULL && !(t->prelabel = sq_dup_col(st, 3)))
            rc = TL_ENOMEM;
    }
    if (!rc && step != SQLITE_DONE)
        rc = TL_EIO;
    sqlite3_reset(st);
    return rc;
}

static int read_labels(struct sq_conn *c, const struct tl_project *p, size_t max,
                       struct tl_wk_snapshot *w) {
    sqlite3_stmt *st = sq_stmt(c, Q_WK_LABELS);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, p->pk);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max + 1);
    size_t cap = 0;
    int rc = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (w->n_labels == max) {
            rc = TL_ETOOBIG;
            break;
        }
        if ((rc = grow((void **)&w->labels, &cap, w->n_labels, sizeof *w->labels)))
            break;
        struct tl_wk_label *l = &w->labels[w->n_labels];
        rc = pk_index(w->persons, w->n_persons, sizeof *w->persons,
                      sqlite3_column_int64(st, 0), &l->person);
        if (!rc)
            rc = pk_index(w->tasks, w->n_tasks, sizeof *w->tasks, sqlite3_column_int64(st, 1),
                          &l->task);
        if (rc)
            break;
        sq_copy_col(st, 2, l->id, sizeof l->id);
        if (!(l->result = sq_dup_col(st, 3))) {
            rc = TL_ENOMEM;
            break;
        }
        w->n_labels++;
        l->created_at_ms = sqlite3_column_int64(st, 4);
        l->claimed_at_ms = sqlite3_column_int64(st, 5);
        l->has_gold_score = sqlite3_column_type(st, 6) != SQLITE_NULL;
        l->gold_score = sqlite3_column_double(st, 6);
        l->is_set_aside = sqlite3_column_int(st, 7) != 0;
    }
    if (!rc && step != SQLITE_DONE)
        rc = TL_EIO;
    sqlite3_reset(st);
    return rc;
}

int sq_wk_snapshot(struct tl_store *s, const struct tl_project *p, size_t max_labels,
                   struct tl_wk_snapshot *out) {
    memset(out, 0, sizeof *out);
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    /* one read transaction: persons, tasks and labels agree */
    rc = sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? 0 : TL_EIO;
    if (!rc)
        rc = read_persons(c, p, out);
    if (!rc)
        rc = read_tasks(c, p, out);
    if (!rc)
        rc = read_labels(c, p, max_labels, out);
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    sq_reader_put(SQ(s), c);
    if (rc)
        tl_wk_snapshot_release(out);
    return rc;
}

/* ---- set-aside (writer thread, inside the caller's transaction) ---- */

/* The (pk, task_pk) pairs st yields, collected first: updating while
 * stepping the same table would let a changed row be met again. */
static int collect_pairs(sqlite3_stmt *st, int64_t **out, size_t *n) {
    size_t cap = 0;
    int rc = 0, step;
    *out = NULL;
    *n = 0;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n + 2 > cap) {
            size_t c = cap ? 2 * cap : 64;
            int64_t *a = realloc(*out, c * sizeof *a);
            if (!a) {
                rc = TL_ENOMEM;
                break;
            }
            *out = a;
            cap = c;
        }
        (*out)[(*n)++] = sqlite3_column_int64(st, 0);
        (*out)[(*n)++] = sqlite3_column_int64(st, 1);
    }
    if (!rc && step != SQLITE_DONE)
        rc = TL_EIO;
    sqlite3_reset(st);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    *n /= 2;
    return rc;
}

static int aside_annotator(struct sq_conn *w, const struct tl_project *p, int64_t annotator_pk,
                           bool is_set, size_t *changed) {
    sqlite3_stmt *st = sq_stmt(w, Q_WK_ASIDE_ALL);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, p->pk);
    sqlite3_bind_int64(st, 2, annotator_pk);
    sqlite3_bind_int(st, 3, !is_set);
    int64_t *rows;
    size_t n;
    int rc = collect_pairs(st, &rows, &n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = sq_gold_set_aside(w, p, rows[2 * i], rows[2 * i + 1], is_set);
    free(rows);
    if (!rc && changed)
        *changed += n;
    return rc;
}

struct aside_arg {
    const struct tl_project *p;
    int64_t annotator_pk;
    const char *const *ids;
    size_t n_ids;
    bool is_set;
    size_t *changed;
};

static int w_set_aside(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct aside_arg *a = arg;
    *a->changed = 0;
    if (a->annotator_pk)
        return aside_annotator(w, a->p, a->annotator_pk, a->is_set, a->changed);
    for (size_t i = 0; i < a->n_ids; i++) {
        sqlite3_stmt *st = sq_stmt(w, Q_WK_ASIDE_ONE);
        if (!st)
            return TL_EIO;
        sqlite3_bind_int64(st, 1, a->p->pk);
        sqlite3_bind_text(st, 2, a->ids[i], -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, !a->is_set);
        int64_t *rows;
        size_t n;
        int rc = collect_pairs(st, &rows, &n);
        if (!rc && n)
            rc = sq_gold_set_aside(w, a->p, rows[0], rows[1], a->is_set);
        free(rows);
        if (rc)
            return rc;
        *a->changed += n;
    }
    return 0;
}

int sq_annotations_set_aside(struct tl_store *s, const struct tl_scope *sc,
                             const struct tl_project *p, int64_t annotator_pk,
                             const char *const *ids, size_t n_ids, bool is_set, size_t *changed) {
    (void)sc; /* p was fetched through sc's filter; the SQL names p */
    size_t n = 0;
    struct aside_arg a = {p, annotator_pk, ids, n_ids, is_set, &n};
    int rc = sq_write(SQ(s), w_set_aside, &a);
    if (changed)
        *changed = rc ? 0 : n;
    return rc;
}

/* ---- status ---- */

static int set_status(struct sq_conn *w, const struct tl_project *p, int64_t annotator_pk,
                      bool is_suspended, int64_t now_ms) {
    sqlite3_stmt *st = sq_stmt(w, Q_WK_STATUS_SET);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, p->pk);
    sqlite3_bind_int64(st, 2, annotator_pk);
    sqlite3_bind_int(st, 3, is_suspended);
    sqlite3_bind_int64(st, 4, now_ms);
    int rc = sq_exec(st);
    if (!rc && is_suspended && (st = sq_stmt(w, Q_LC_LEASES_DROP))) {
        sqlite3_bind_int64(st, 1, p->pk);
        sqlite3_bind_int64(st, 2, annotator_pk);
        rc = sq_exec(st);
    }
    if (!rc)
        rc = aside_annotator(w, p, annotator_pk, is_suspended, NULL);
    return rc;
}

struct status_arg {
    const struct tl_project *p;
    int64_t annotator_pk;
    bool is_suspended;
    int64_t now_ms;
};

static int w_worker_status(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct status_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_WK_HAS_WORK);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int64(st, 2, a->annotator_pk);
    bool has = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (!has)
        return TL_ENOTFOUND;
    return set_status(w, a->p, a->annotator_pk, a->is_suspended, a->now_ms);
}

int sq_worker_set_status(struct tl_store *s, const struct tl_project *p, int64_t annotator_pk,
                         bool is_suspended, int64_t now_ms) {
    struct status_arg a = {p, annotator_pk, is_suspended, now_ms};
    return sq_write(SQ(s), w_worker_status, &a);
}

/* ---- flags ---- */

struct record_arg {
    const struct tl_project *p;
    const struct tl_flag_in *f;
    size_t n;
    bool is_suspend, is_complete;
    int64_t now_ms;
    size_t n_new;
};

/* Is (annotator_pk, rule) among the findings? (A linear scan: a run's
 * findings and a project's open flags are both bounded by six rules per
 * annotator, and this runs once per open flag per run.) */
static bool is_found(const struct record_arg *a, int64_t annotator_pk, const char *rule) {
    for (size_t i = 0; i < a->n; i++)
        if (a->f[i].annotator_pk == annotator_pk && !strcmp(a->f[i].rule, rule))
            return true;
    return false;
}

/* Dismiss the open, never-suspending flags that the run no longer found. */
static int expire_stale(struct sq_conn *w, const struct record_arg *a) {
    sqlite3_stmt *st = sq_stmt(w, Q_WK_FLAGS_OPEN);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, a->p->pk);
    int64_t *stale = NULL;
    size_t n = 0, cap = 0;
    int rc = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (is_found(a, sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2)))
            continue;
        if (n == cap) {
            size_t c = cap ? 2 * cap : 16;
            int64_t *x = realloc(stale, c * sizeof *x);
            if (!x) {
                rc = TL_ENOMEM;
                break;
            }
            stale = x;
            cap = c;
        }
        stale[n++] = sqlite3_column_int64(st, 0);
    }
    if (!rc && step != SQLITE_DONE)
        rc = TL_EIO;
    sqlite3_reset(st);
    for (size_t i = 0; !rc && i < n; i++) {
        if (!(st = sq_stmt(w, Q_WK_FLAG_EXPIRE))) {
            rc = TL_EIO;
            break;
        }
        sqlite3_bind_int64(st, 1, stale[i]);
        sqlite3_bind_int64(st, 2, a->now_ms);
        rc = sq_exec(st);
    }
    free(stale);
    return rc;
}

/* One finding: *suspend_now is set when its flag became suspending. */
static int record_one(struct sq_conn *w, struct record_arg *a, const struct tl_flag_in *f,
                      bool *suspend_now) {
    sqlite3_stmt *st = sq_stmt(w, Q_WK_FLAG_FIND);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int64(st, 2, f->annotator_pk);
    sqlite3_bind_text(st, 3, f->rule, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    int64_t pk = found ? sqlite3_column_int64(st, 0) : 0;
    int status = found ? sqlite3_column_int(st, 1) : 0, action = found ? sqlite3_column_int(st, 2) : 0;
    bool is_expired = found && status == TL_FLAG_DISMISSED && sqlite3_column_int(st, 3);
    sqlite3_reset(st);
    *suspend_now = false;
    if (is_expired)
        found = false; /* dismissed by a run, not a lead: found again, flagged again */
    else if (found && status != TL_FLAG_OPEN)
        return 0; /* decided: the lead's word stands */
    if (found) {
        if (!(st = sq_stmt(w, Q_WK_FLAG_UPDATE)))
            return TL_EIO;
        sqlite3_bind_int64(st, 1, pk);
        sqlite3_bind_double(st, 2, f->score);
        sqlite3_bind_blob(st, 3, f->evidence, (int)strlen(f->evidence), SQLITE_STATIC);
        sqlite3_bind_int(st, 4, a->is_suspend);
        *suspend_now = a->is_suspend && action == 0;
        return sq_exec(st);
    }
    if (!(st = sq_stmt(w, Q_WK_FLAG_INSERT)))
        return TL_EIO;
    tl_id id;
    tl_id_new(id);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->p->pk);
    sqlite3_bind_int64(st, 3, f->annotator_pk);
    sqlite3_bind_text(st, 4, f->rule, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 5, f->score);
    sqlite3_bind_blob(st, 6, f->evidence, (int)strlen(f->evidence), SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, a->now_ms);
    sqlite3_bind_int(st, 8, a->is_suspend);
    *suspend_now = a->is_suspend;
    a->n_new++;
    return sq_exec(st);
}

static int w_flags_record(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct record_arg *a = arg;
    a->n_new = 0;
    for (size_t i = 0; i < a->n; i++) {
        bool suspend_now;
        int rc = record_one(w, a, &a->f[i], &suspend_now);
        /* suspended once per annotator: a second rule finds their work
         * already set aside (aside_annotator selects set_aside = 0) */
        if (!rc && suspend_now)
            rc = set_status(w, a->p, a->f[i].annotator_pk, true, a->now_ms);
        if (rc)
            return rc;
    }
    return a->is_complete ? expire_stale(w, a) : 0;
}

int sq_flags_record(struct tl_store *s, const struct tl_project *p, const struct tl_flag_in *f,
                    size_t n, bool is_suspend, bool is_complete, int64_t now_ms, size_t *n_new) {
    struct record_arg a = {p, f, n, is_suspend, is_complete, now_ms, 0};
    int rc = n || is_complete ? sq_write(SQ(s), w_flags_record, &a) : 0;
    if (n_new)
        *n_new = rc ? 0 : a.n_new;
    return rc;
}

static int read_flag(sqlite3_stmt *st, void *slot) {
    struct tl_flag *f = slot;
    memset(f, 0, sizeof *f);
    sq_copy_col(st, 0, f->id, sizeof f->id);
    sq_copy_col(st, 1, f->project_id, sizeof f->project_id);
    sq_copy_col(st, 2, f->project_name, sizeof f->project_name);
    f->annotator_pk = sqlite3_column_int64(st, 3);
    sq_copy_col(st, 4, f->annotator_id, sizeof f->annotator_id);
    sq_copy_col(st, 5, f->rule, sizeof f->rule);
    f->score = sqlite3_column_double(st, 6);
    f->created_at_ms = sqlite3_column_int64(st, 8);
    f->status = sqlite3_column_int(st, 9);
    f->is_suspending = sqlite3_column_int(st, 10) == 1;
    f->appealed_at_ms = sqlite3_column_int64(st, 12);
    sq_copy_col(st, 14, f->decided_by_email, sizeof f->decided_by_email);
    sq_copy_col(st, 15, f->decided_by_id, sizeof f->decided_by_id);
    f->decided_at_ms = sqlite3_column_int64(st, 16);
    if (!(f->evidence = sq_dup_col(st, 7)))
        return TL_ENOMEM;
    if (sqlite3_column_type(st, 11) != SQLITE_NULL && !(f->appeal = sq_dup_col(st, 11)))
        goto oom;
    if (sqlite3_column_type(st, 13) != SQLITE_NULL && !(f->note = sq_dup_col(st, 13)))
        goto oom;
    return 0;
oom:
    tl_flag_release(f);
    return TL_ENOMEM;
}

static void undo_flags(void *arr, size_t n) {
    struct tl_flag *f = arr;
    for (size_t i = 0; i < n; i++)
        tl_flag_release(&f[i]);
}

static int list_flags(struct tl_store *s, enum sq_q q, int64_t a1, int64_t a2, size_t limit,
                      struct tl_flag **out, size_t *n) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, q);
    if (st) {
        sqlite3_bind_int64(st, 1, a1);
        sqlite3_bind_int64(st, 2, a2);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
    }
    rc = sq_collect(st, sizeof **out, read_flag, undo_flags, (void **)out, n);
    sq_reader_put(SQ(s), c);
    return rc;
}

int sq_flag_list(struct tl_store *s, const struct tl_project *p, int64_t annotator_pk,
                 size_t limit, struct tl_flag **out, size_t *n) {
    return list_flags(s, Q_WK_FLAGS_PROJECT, p->pk, annotator_pk, limit, out, n);
}

int sq_flags_mine(struct tl_store *s, const struct tl_scope *sc, size_t limit,
                  struct tl_flag **out, size_t *n) {
    return list_flags(s, Q_WK_FLAGS_MINE, sc->user_pk, sc->tenant_pk, limit, out, n);
}

int sq_flag_get(struct tl_store *s, const struct tl_project *p, const char *id,
                struct tl_flag *out) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_WK_FLAG_GET);
    if (!st) {
        rc = TL_EIO;
    } else {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, p->pk);
        rc = sqlite3_step(st) == SQLITE_ROW ? read_flag(st, out) : TL_ENOTFOUND;
        sqlite3_reset(st);
    }
    sq_reader_put(SQ(s), c);
    return rc;
}

struct appeal_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    const char *id, *text;
    int64_t now_ms;
};

static int w_flag_appeal(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct appeal_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_WK_FLAG_APPEAL);
    if (!st)
        return TL_EIO;
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->p->pk);
    sqlite3_bind_text(st, 3, a->text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, a->now_ms);
    sqlite3_bind_int64(st, 5, a->sc->user_pk);
    int rc = sq_exec(st);
    return !rc && sqlite3_changes(w->db) == 0 ? TL_ENOTFOUND : rc;
}

int sq_flag_appeal(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                   const char *id, const char *text, int64_t now_ms) {
    struct appeal_arg a = {sc, p, id, text, now_ms};
    return sq_write(SQ(s), w_flag_appeal, &a);
}

struct decide_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    const char *id, *note;
    bool is_upheld;
    int64_t now_ms;
};

static int w_flag_decide(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct decide_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_WK_FLAG_DECIDE);
    if (!st)
        return TL_EIO;
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->p->pk);
    sqlite3_bind_int(st, 3, a->is_upheld ? TL_FLAG_UPHELD : TL_FLAG_DISMISSED);
    if (a->note)
        sqlite3_bind_text(st, 4, a->note, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, a->sc->user_pk);
    sqlite3_bind_int64(st, 6, a->now_ms);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return TL_ENOTFOUND;
    }
    int64_t annotator_pk = sqlite3_column_int64(st, 0);
    bool was_suspending = sqlite3_column_int(st, 1) == 1;
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : TL_EIO;
    sqlite3_reset(st);
    if (rc || a->is_upheld || !was_suspending)
        return rc;
    if (!(st = sq_stmt(w, Q_WK_SUSPENDING)))
        return TL_EIO;
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int64(st, 2, annotator_pk);
    int64_t remaining = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    if (remaining < 0)
        return TL_EIO;
    return remaining ? 0 : set_status(w, a->p, annotator_pk, false, a->now_ms);
}

int sq_flag_decide(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                   const char *id, bool is_upheld, const char *note, int64_t now_ms) {
    struct decide_arg a = {sc, p, id, note, is_upheld, now_ms};
    return sq_write(SQ(s), w_flag_decide, &a);
}

/* ---- the scheduler's list ---- */

static int read_id(sqlite3_stmt *st, void *slot) {
    sq_copy_col(st, 0, *(tl_id *)slot, sizeof(tl_id));
    return 0;
}

int sq_wk_projects_due(struct tl_store *s, int64_t since_ms, tl_id **out, size_t *n) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_WK_PROJECTS_DUE);
    if (st)
        sqlite3_bind_int64(st, 1, since_ms);
    rc = sq_collect(st, sizeof **out, read_id, NULL, (void **)out, n);
    sq_reader_put(SQ(s), c);
    return rc;
}
