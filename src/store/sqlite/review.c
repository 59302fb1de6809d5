/* review.c: the SQLite backend's review queue (store.h, "quality: review";
 * the rule in docs/quality-review.md).
 *
 * Nothing is written when annotations arrive: `next` decides, in the
 * writer's transaction, which task a reviewer gets. It sweeps the
 * project's tasks in pk order from where the last sweep stopped
 * (review_sweeps, migration 15), wrapping once, and examines at most
 * TL_REVIEW_SCAN_MAX tasks, each with a few index probes, so its cost does
 * not grow with the project. Because the sweep resumes, every eligible
 * task is reached within a few calls even in a project of millions. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/sqlite/db.h"

#define SQ(base) ((struct sq_store *)(base))
#define WINDOW   256 /* tasks read per statement of the sweep */

/* ---- reading an item ---- */

static void read_person(sqlite3_stmt *st, int col, struct tl_review_person *p) {
    sq_copy_col(st, col, p->user_id, sizeof p->user_id);
    sq_copy_col(st, col + 1, p->tenant_id, sizeof p->tenant_id);
    p->role = (enum tl_role)sqlite3_column_int(st, col + 2);
    sq_copy_col(st, col + 3, p->email, sizeof p->email);
}

static char *dup_or_null(sqlite3_stmt *st, int i) {
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : sq_dup_col(st, i);
}

/* One row of REVIEW_COLS (db.c) into *v; *task_pk its task. is_full: with
 * the task's data and gold. */
static int read_row(sqlite3_stmt *st, struct tl_review_item *v, int64_t *task_pk, bool is_full) {
    memset(v, 0, sizeof *v);
    sq_copy_col(st, 1, v->id, sizeof v->id);
    sq_copy_col(st, 2, v->task_id, sizeof v->task_id);
    v->reason = sqlite3_column_int(st, 3);
    v->status = sqlite3_column_int(st, 4);
    v->has_reviewer = sqlite3_column_type(st, 5) != SQLITE_NULL;
    v->created_at_ms = sqlite3_column_int64(st, 6);
    v->claimed_at_ms = sqlite3_column_int64(st, 7);
    v->decided_at_ms = sqlite3_column_int64(st, 8);
    int rc = 0;
    if (sqlite3_column_type(st, 9) != SQLITE_NULL && !(v->correction = sq_dup_col(st, 9)))
        rc = TL_ENOMEM;
    if (sqlite3_column_type(st, 10) != SQLITE_NULL && !(v->rejected = sq_dup_col(st, 10)))
        rc = TL_ENOMEM;
    if (is_full) {
        if (!(v->data = sq_dup_col(st, 11)))
            rc = TL_ENOMEM;
        if (sqlite3_column_type(st, 12) != SQLITE_NULL && !(v->gold = sq_dup_col(st, 12)))
            rc = TL_ENOMEM;
    }
    *task_pk = sqlite3_column_int64(st, 13);
    if (v->has_reviewer)
        read_person(st, 14, &v->reviewer);
    return rc;
}

/* The task's counted annotations and its aggregate into v. */
static int read_task_parts(struct sq_conn *c, int64_t task_pk, struct tl_review_item *v) {
    sqlite3_stmt *st = sq_stmt(c, Q_RV_ANNOTS);
    if (!st)
        return TL_EIO;
    v->annots = calloc(TL_REVIEW_MAX_ANNOTS, sizeof *v->annots);
    if (!v->annots)
        return TL_ENOMEM;
    sqlite3_bind_int64(st, 1, task_pk);
    sqlite3_bind_int(st, 2, TL_REVIEW_MAX_ANNOTS);
    int rc = 0;
    while (!rc && v->n_annots < TL_REVIEW_MAX_ANNOTS && sqlite3_step(st) == SQLITE_ROW) {
        struct tl_review_annot *a = &v->annots[v->n_annots++];
        sq_copy_col(st, 0, a->id, sizeof a->id);
        read_person(st, 1, &a->by);
        if (!(a->result = sq_dup_col(st, 5)))
            rc = TL_ENOMEM;
    }
    sqlite3_reset(st);
    if (rc || !(st = sq_stmt(c, Q_RV_AGG)))
        return rc ? rc : TL_EIO;
    sqlite3_bind_int64(st, 1, task_pk);
    if (sqlite3_step(st) == SQLITE_ROW) {
        v->has_aggregate = true;
        sq_copy_col(st, 0, v->agg_method, sizeof v->agg_method);
        v->agg_result = sq_dup_col(st, 1);
        v->agg_confidence = sq_dup_col(st, 2);
        v->is_agg_reviewed = sqlite3_column_int(st, 3) != 0;
        if (!v->agg_result || !v->agg_confidence)
            rc = TL_ENOMEM;
    }
    sqlite3_reset(st);
    return rc;
}

/* Review (pk or id) of project_pk with everything an item shows. */
static int read_item(struct sq_conn *c, enum sq_q q, int64_t pk, const char *id,
                     int64_t project_pk, struct tl_review_item *out) {
    sqlite3_stmt *st = sq_stmt(c, q);
    if (!st)
        return TL_EIO;
    if (id)
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, pk);
    sqlite3_bind_int64(st, 2, project_pk);
    int64_t task_pk = 0;
    int rc = sqlite3_step(st) == SQLITE_ROW ? read_row(st, out, &task_pk, true) : TL_ENOTFOUND;
    sqlite3_reset(st);
    if (!rc)
        rc = read_task_parts(c, task_pk, out);
    if (rc && rc != TL_ENOTFOUND)
        tl_review_item_release(out);
    return rc;
}

/* ---- next: the sweep ---- */

struct next_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    int64_t now_ms;
    struct tl_review_item *out;
    const unsigned char *secret;
    bool has_flags; /* the project has an open or upheld flag */
    bool is_empty;  /* out: nothing to review */
};

static int64_t one_int(struct sq_conn *w, enum sq_q q, int64_t x, int64_t none) {
    sqlite3_stmt *st = sq_stmt(w, q);
    if (!st)
        return none;
    sqlite3_bind_int64(st, 1, x);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : none;
    sqlite3_reset(st);
    return v;
}

/* The reason task t is selected for review, or -1 (docs/quality-review.md):
 * a flagged annotator's counted annotation; else an aggregate less sure
 * than review_below; else, if complete, the keyed sample under review_rate,
 * or a gold task (a hidden check on reviewers) when the project reviews at
 * all. Every selected task has at least one counted annotation. */
static int reason_of(struct sq_conn *w, const struct next_arg *a, int64_t task_pk,
                     const char *task_id, bool is_complete, bool is_gold) {
    const struct tl_quality_settings *q = &a->p->q;
    if (a->has_flags) {
        sqlite3_stmt *st = sq_stmt(w, Q_RV_FLAGGED);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, task_pk);
        sqlite3_bind_int64(st, 2, a->p->pk);
        bool is_flagged = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_reset(st);
        if (is_flagged)
            return TL_REVIEW_FLAGGED;
    }
    if (q->review_below > 0) {
        sqlite3_stmt *st = sq_stmt(w, Q_RV_AGG_CONF);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, task_pk);
        bool is_low = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_double(st, 0) < q->review_below;
        sqlite3_reset(st);
        if (is_low)
            return TL_REVIEW_LOW_CONFIDENCE;
    }
    if (is_complete && q->review_rate > 0 &&
        (is_gold || tl_review_draw(a->secret, "sample", task_id) < q->review_rate))
        return TL_REVIEW_SAMPLED; /* gold looks sampled: reviewers must not tell */
    return -1;
}

enum take { TAKE_NONE, TAKE_NEW, TAKE_ROW };

/* Whether the caller may take task t, from its reviews so far: a new row
 * (no review yet; or one decided review, by someone else, drawn for a
 * second opinion), an existing pending row (theirs, or someone else's
 * whose claim expired: *row), or none. *reason: a second review keeps
 * the first one's. */
static enum take may_take(struct sq_conn *w, const struct next_arg *a, int64_t task_pk,
                          const char *task_id, int64_t *row, int *reason) {
    sqlite3_stmt *st = sq_stmt(w, Q_RV_OF_TASK);
    if (!st)
        return TAKE_NONE;
    sqlite3_bind_int64(st, 1, task_pk);
    int n_decided = 0;
    enum take t = TAKE_NEW;
    while (t != TAKE_NONE && sqlite3_step(st) == SQLITE_ROW) {
        int64_t pk = sqlite3_column_int64(st, 0);
        int64_t by = sqlite3_column_int64(st, 1);
        int status = sqlite3_column_int(st, 2);
        int64_t claimed = sqlite3_column_int64(st, 3);
        bool is_mine = by == a->sc->user_pk;
        if (status != TL_REVIEW_PENDING) {
            n_decided++;
            *reason = sqlite3_column_int(st, 4);
            if (is_mine)
                t = TAKE_NONE; /* reviewed by the caller already */
        } else if (is_mine || claimed <= a->now_ms - TL_REVIEW_CLAIM_MS) {
            t = TAKE_ROW;
            *row = pk;
        } else {
            t = TAKE_NONE; /* someone else's live claim */
        }
    }
    sqlite3_reset(st);
    if (t == TAKE_NEW && n_decided > 0 &&
        (n_decided > 1 || tl_review_draw(a->secret, "second", task_id) >= TL_REVIEW_SECOND_RATE))
        t = TAKE_NONE;
    return t;
}

/* Claim task task_pk for the caller: a new pending row, or row taken over.
 * *pk: the review's. */
static int claim(struct sq_conn *w, const struct next_arg *a, int64_t task_pk, enum take t,
                 int64_t row, int reason, int64_t *pk) {
    sqlite3_stmt *st;
    if (t == TAKE_ROW) {
        if (!(st = sq_stmt(w, Q_RV_RECLAIM)))
            return TL_EIO;
        sqlite3_bind_int64(st, 1, row);
        sqlite3_bind_int64(st, 2, a->sc->user_pk);
        sqlite3_bind_int64(st, 3, a->now_ms);
        *pk = row;
        return sq_exec(st);
    }
    if (!(st = sq_stmt(w, Q_RV_INSERT)))
        return TL_EIO;
    tl_id id;
    tl_id_new(id);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, a->p->pk);
    sqlite3_bind_int64(st, 3, task_pk);
    sqlite3_bind_int64(st, 4, a->sc->user_pk);
    sqlite3_bind_int(st, 5, reason);
    sqlite3_bind_int64(st, 6, a->now_ms);
    int rc = sq_exec(st);
    *pk = sqlite3_last_insert_rowid(w->db);
    return rc;
}

/* One window of the sweep after *cursor: 0 with *found (the review's pk)
 * or not; *cursor advances to the last task examined; *n_read rows. */
static int sweep_window(struct sq_conn *w, const struct next_arg *a, int64_t *cursor,
                        int64_t *found, int *n_read) {
    sqlite3_stmt *st = sq_stmt(w, Q_RV_WINDOW);
    if (!st)
        return TL_EIO;
    struct {
        int64_t pk;
        tl_id id;
        bool is_complete, is_gold;
    } *rows = malloc(WINDOW * sizeof *rows);
    if (!rows)
        return TL_ENOMEM;
    /* Read the window first: the probes below use other statements on the
     * same connection, and a row with no counted annotation is never one. */
    int n = 0, n_rows = 0;
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int64(st, 2, *cursor);
    sqlite3_bind_int(st, 3, WINDOW);
    while (n_rows < WINDOW && sqlite3_step(st) == SQLITE_ROW) {
        n_rows++;
        *cursor = sqlite3_column_int64(st, 0);
        if (sqlite3_column_int(st, 3) <= 0)
            continue;
        rows[n].pk = *cursor;
        sq_copy_col(st, 1, rows[n].id, sizeof rows[n].id);
        rows[n].is_complete = sqlite3_column_int(st, 2) == 0;
        rows[n].is_gold = sqlite3_column_int(st, 4) != 0;
        n++;
    }
    sqlite3_reset(st);
    *n_read = n_rows;
    int rc = 0;
    for (int i = 0; i < n && !*found && !rc; i++) {
        int reason = reason_of(w, a, rows[i].pk, rows[i].id, rows[i].is_complete, rows[i].is_gold);
        if (reason < 0)
            continue;
        int64_t row = 0;
        enum take t = may_take(w, a, rows[i].pk, rows[i].id, &row, &reason);
        if (t == TAKE_NONE)
            continue;
        rc = claim(w, a, rows[i].pk, t, row, reason, found);
        *cursor = rows[i].pk; /* the next sweep starts after the task taken */
    }
    free(rows);
    return rc;
}

static int w_review_next(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct next_arg *a = arg;
    /* A reviewer holds at most one live claim per project: asking again
     * returns it (as `next` does for leases). */
    sqlite3_stmt *st = sq_stmt(w, Q_RV_HELD);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int64(st, 2, a->sc->user_pk);
    sqlite3_bind_int64(st, 3, a->now_ms - TL_REVIEW_CLAIM_MS);
    int64_t found = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (found)
        return read_item(w, Q_RV_ITEM_PK, found, NULL, a->p->pk, a->out);
    a->has_flags = one_int(w, Q_RV_ANY_FLAG, a->p->pk, 0) != 0;
    int64_t start = one_int(w, Q_RV_SWEEP_GET, a->p->pk, 0), cursor = start;
    bool has_wrapped = false;
    int rc = 0, examined = 0;
    while (!rc && !found && examined < TL_REVIEW_SCAN_MAX) {
        int n_read = 0;
        rc = sweep_window(w, a, &cursor, &found, &n_read);
        examined += n_read > 0 ? n_read : 1;
        if (!rc && !found && n_read < WINDOW) {
            if (has_wrapped || start == 0)
                break; /* the whole project was examined */
            has_wrapped = true;
            cursor = 0;
        }
        if (has_wrapped && cursor >= start)
            break;
    }
    if (!rc && (st = sq_stmt(w, Q_RV_SWEEP_SET))) {
        sqlite3_bind_int64(st, 1, a->p->pk);
        sqlite3_bind_int64(st, 2, found ? cursor : (examined >= TL_REVIEW_SCAN_MAX ? cursor : 0));
        rc = sq_exec(st);
    }
    if (rc)
        return rc;
    /* Nothing found is not an error here: an error would roll the sweep's
     * new position back with this op's savepoint. */
    a->is_empty = !found;
    return found ? read_item(w, Q_RV_ITEM_PK, found, NULL, a->p->pk, a->out) : 0;
}

int sq_review_next(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                   int64_t now_ms, struct tl_review_item *out) {
    memset(out, 0, sizeof *out);
    struct next_arg a = {.sc = sc, .p = p, .now_ms = now_ms, .out = out,
                         .secret = SQ(s)->secret};
    int rc = sq_write(SQ(s), w_review_next, &a);
    if (!rc && a.is_empty)
        rc = TL_EEMPTY;
    if (rc)
        tl_review_item_release(out);
    return rc;
}

/* ---- reads ---- */

int sq_review_get(struct tl_store *s, const struct tl_project *p, const char *id,
                  struct tl_review_item *out) {
    memset(out, 0, sizeof *out);
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    rc = read_item(c, Q_RV_ITEM_ID, 0, id, p->pk, out);
    sq_reader_put(SQ(s), c);
    return rc;
}

int sq_review_list(struct tl_store *s, const struct tl_project *p, bool is_done, size_t limit,
                   int64_t *cursor, struct tl_review_item **out, size_t *n) {
    *out = NULL;
    *n = 0;
    struct tl_review_item *v = calloc(limit ? limit : 1, sizeof *v);
    if (!v)
        return TL_ENOMEM;
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc) {
        free(v);
        return rc;
    }
    sqlite3_stmt *st = sq_stmt(c, is_done ? Q_RV_LIST_DONE : Q_RV_LIST_PENDING);
    rc = st ? 0 : TL_EIO;
    int64_t last = 0;
    if (!rc) {
        sqlite3_bind_int64(st, 1, p->pk);
        sqlite3_bind_int64(st, 2, *cursor);
        sqlite3_bind_int64(st, 3, (int64_t)limit);
        while (!rc && *n < limit && sqlite3_step(st) == SQLITE_ROW) {
            int64_t task_pk;
            last = sqlite3_column_int64(st, 0);
            rc = read_row(st, &v[(*n)++], &task_pk, false);
        }
        sqlite3_reset(st);
    }
    sq_reader_put(SQ(s), c);
    if (rc) {
        for (size_t i = 0; i < *n; i++)
            tl_review_item_release(&v[i]);
        free(v);
        *n = 0;
        return rc;
    }
    *cursor = *n == limit ? last : 0;
    *out = v;
    return 0;
}

int sq_review_done(struct tl_store *s, const struct tl_project *p, struct tl_review_done **out,
                   size_t *n) {
    *out = NULL;
    *n = 0;
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_RV_DONE);
    size_t cap = 0;
    struct tl_review_done *v = NULL;
    rc = st ? 0 : TL_EIO;
    if (!rc) {
        sqlite3_bind_int64(st, 1, p->pk);
        sqlite3_bind_int(st, 2, TL_REVIEW_SCORE_ROWS);
        while (!rc && *n < TL_REVIEW_SCORE_ROWS && sqlite3_step(st) == SQLITE_ROW) {
            if (*n == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                struct tl_review_done *nv = realloc(v, ncap * sizeof *nv);
                if (!nv) {
                    rc = TL_ENOMEM;
                    break;
                }
                v = nv;
                cap = ncap;
            }
            struct tl_review_done *d = &v[(*n)++];
            memset(d, 0, sizeof *d);
            d->task_pk = sqlite3_column_int64(st, 0);
            read_person(st, 1, &d->reviewer);
            d->status = sqlite3_column_int(st, 5);
            d->answer = dup_or_null(st, 6);
            if (sqlite3_column_type(st, 6) != SQLITE_NULL && !d->answer)
                rc = TL_ENOMEM;
            d->has_gold_score = sqlite3_column_type(st, 7) != SQLITE_NULL;
            d->gold_score = sqlite3_column_double(st, 7);
        }
        sqlite3_reset(st);
    }
    sq_reader_put(SQ(s), c);
    if (rc) {
        tl_review_done_free(v, *n);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}

/* ---- decisions ---- */

struct decide_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    const char *id;
    const struct tl_review_decision *d;
    int64_t now_ms;
};

/* The reviewed answer becomes the task's aggregate, marked reviewed so
 * re-inference never overwrites it. */
static int upsert_aggregate(struct sq_conn *w, const struct decide_arg *a, int64_t task_pk) {
    const struct tl_review_decision *d = a->d;
    if (!d->answer)
        return 0; /* an accept of a task that has no aggregate confirms nothing */
    sqlite3_stmt *st = sq_stmt(w, Q_RV_AGG_UPSERT);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, task_pk);
    sqlite3_bind_int64(st, 2, a->p->pk);
    sqlite3_bind_text(st, 3, d->agg_method ? d->agg_method : "review", -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, d->answer, (int)strlen(d->answer), SQLITE_STATIC);
    const char *conf = d->confidence ? d->confidence : "{}";
    sqlite3_bind_blob(st, 5, conf, (int)strlen(conf), SQLITE_STATIC);
    sqlite3_bind_double(st, 6, 1.0);
    sqlite3_bind_int64(st, 7, a->now_ms);
    return sq_exec(st);
}

/* The task's counted annotations: pk, id and what the counters need. */
struct counted {
    int64_t pk;
    tl_id id;
    bool is_chosen;
};

/* Set aside the chosen annotations of task task_pk (all when d names
 * none), each through sq_gold_set_aside (db.h): kept with set_aside 1,
 * the task's count, state and aggregate and the project's counters
 * follow. The ids set aside, as a JSON array, into *json (caller frees). */
static int set_aside(struct sq_conn *w, const struct decide_arg *a, int64_t task_pk,
                     char **json) {
    struct counted *c = calloc(TL_REVIEW_MAX_ANNOTS, sizeof *c);
    if (!c)
        return TL_ENOMEM;
    sqlite3_stmt *st = sq_stmt(w, Q_RV_COUNTED);
    int rc = st ? 0 : TL_EIO;
    size_t n = 0;
    if (!rc) {
        sqlite3_bind_int64(st, 1, task_pk);
        sqlite3_bind_int(st, 2, TL_REVIEW_MAX_ANNOTS);
        while (n < TL_REVIEW_MAX_ANNOTS && sqlite3_step(st) == SQLITE_ROW) {
            c[n].pk = sqlite3_column_int64(st, 0);
            sq_copy_col(st, 1, c[n].id, sizeof c[n].id);
            c[n].is_chosen = a->d->annotation_ids == NULL;
            n++;
        }
        sqlite3_reset(st);
    }
    for (size_t i = 0; !rc && a->d->annotation_ids && i < a->d->n_ids; i++) {
        size_t j = 0;
        while (j < n && strcmp(c[j].id, a->d->annotation_ids[i]))
            j++;
        if (j == n)
            rc = TL_EINVAL; /* not a counted annotation of this task */
        else
            c[j].is_chosen = true;
    }
    size_t k = 0;
    char *ids = rc ? NULL : malloc(3 + n * (sizeof(tl_id) + 3)), *end = ids;
    if (!rc && !ids)
        rc = TL_ENOMEM;
    if (!rc)
        *end++ = '[';
    for (size_t i = 0; !rc && i < n; i++) {
        if (!c[i].is_chosen)
            continue;
        rc = sq_gold_set_aside(w, a->p, c[i].pk, task_pk, true);
        size_t len = strlen(c[i].id);
        if (k++)
            *end++ = ',';
        *end++ = '"';
        memcpy(end, c[i].id, len);
        end += len;
        *end++ = '"';
    }
    free(c);
    if (rc) {
        free(ids);
        return rc;
    }
    *end++ = ']';
    *end = '\0';
    *json = ids;
    return 0;
}

static int w_review_decide(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct decide_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_RV_FIND);
    if (!st)
        return TL_EIO;
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->p->pk);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return TL_ENOTFOUND;
    }
    int64_t pk = sqlite3_column_int64(st, 0), task_pk = sqlite3_column_int64(st, 1);
    int64_t reviewer = sqlite3_column_int64(st, 2);
    int status = sqlite3_column_int(st, 3);
    sqlite3_reset(st);
    /* Only the claim's holder decides, even after it expired, until
     * someone else takes the claim over (then it is theirs). */
    if (status != TL_REVIEW_PENDING || reviewer != a->sc->user_pk)
        return TL_ECONFLICT;
    char *rejected = NULL;
    int rc = a->d->status == TL_REVIEW_REJECTED ? set_aside(w, a, task_pk, &rejected)
                                                : upsert_aggregate(w, a, task_pk);
    if (!rc && (st = sq_stmt(w, Q_RV_DECIDE))) {
        sqlite3_bind_int64(st, 1, pk);
        sqlite3_bind_int(st, 2, a->d->status);
        if (a->d->answer && a->d->status != TL_REVIEW_REJECTED)
            sqlite3_bind_blob(st, 3, a->d->answer, (int)strlen(a->d->answer), SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 3);
        if (rejected)
            sqlite3_bind_text(st, 4, rejected, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 4);
        if (a->d->has_gold_score)
            sqlite3_bind_double(st, 5, a->d->gold_score);
        else
            sqlite3_bind_null(st, 5);
        sqlite3_bind_int64(st, 6, a->now_ms);
        rc = sq_exec(st);
    }
    free(rejected);
    return rc;
}

int sq_review_decide(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                     const char *id, const struct tl_review_decision *d, int64_t now_ms) {
    if (d->status < TL_REVIEW_ACCEPTED || d->status > TL_REVIEW_CORRECTED ||
        d->n_ids > TL_REVIEW_MAX_ANNOTS)
        return TL_EINVAL;
    struct decide_arg a = {sc, p, id, d, now_ms};
    return sq_write(SQ(s), w_review_decide, &a);
}
