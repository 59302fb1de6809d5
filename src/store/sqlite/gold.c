/* gold.c: the SQLite backend's quality calls on the labeling path (issue
 * 10, docs/quality-projects.md): the worker row, the lease policy's
 * decision inside the claim, scoring gold and the live aggregate inside the
 * submit, adaptive completion, and setting a task's gold answer.
 *
 * Gold tasks are outside progress: is_open 0 (so they are outside the
 * queue's partial index and the ordinary pick) and not counted in n_tasks
 * or n_completed; annotations on them count in n_annotations. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/sqlite/db.h"

#define SQ(base) ((struct sq_store *)(base))

static int read_worker(struct sq_conn *c, int64_t project_pk, int64_t user_pk,
                       struct tl_worker *out) {
    memset(out, 0, sizeof *out);
    out->skill = -1;
    sqlite3_stmt *st = sq_stmt(c, Q_GOLD_WORKER_GET);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, project_pk);
    sqlite3_bind_int64(st, 2, user_pk);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        out->is_known = true;
        out->is_suspended = sqlite3_column_int(st, 0) == 1;
        out->n_gold = sqlite3_column_int64(st, 1);
        out->gold_sum = sqlite3_column_double(st, 2);
        if (sqlite3_column_type(st, 3) != SQLITE_NULL)
            out->skill = sqlite3_column_double(st, 3);
    }
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : sq_err(step);
}

int sq_worker_get(struct tl_store *s, const struct tl_project *p, int64_t user_pk,
                  struct tl_worker *out) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    rc = read_worker(c, p->pk, user_pk, out);
    sq_reader_put(SQ(s), c);
    return rc;
}

int sq_gold_decide(struct sq_conn *w, const struct tl_project *p, int64_t user_pk,
                   struct tl_lease_policy *pol) {
    pol->decision = (struct tl_lease_decision){.gold = TL_LEASE_ORDINARY};
    pol->is_gold = pol->is_gold_exhausted = false;
    if (!pol->decide)
        return 0;
    struct tl_worker wk;
    int rc = read_worker(w, p->pk, user_pk, &wk);
    if (rc)
        return rc;
    pol->decide(pol, &wk, &pol->decision);
    return pol->decision.refusal ? TL_EPERM : 0;
}

int sq_gold_pick(struct sq_conn *w, const struct tl_project *p, int64_t user_pk, int64_t now_ms,
                 bool is_gold, int64_t *task_pk, struct tl_lease *out) {
    sqlite3_stmt *st = sq_stmt(w, is_gold ? Q_GOLD_PICK : Q_GOLD_ORDINARY_PICK);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, p->pk);
    sqlite3_bind_int64(st, 2, now_ms);
    if (is_gold) {
        sqlite3_bind_int64(st, 3, user_pk);
    } else {
        sqlite3_bind_int(st, 3, p->overlap);
        sqlite3_bind_int64(st, 4, user_pk);
    }
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        sqlite3_reset(st);
        return step == SQLITE_DONE ? TL_EEMPTY : sq_err(step);
    }
    *task_pk = sqlite3_column_int64(st, 0);
    sq_copy_col(st, 1, out->task_id, sizeof out->task_id);
    out->task_data = sq_dup_col(st, 2);
    out->task_data_len = (size_t)sqlite3_column_bytes(st, 2);
    sqlite3_reset(st);
    return out->task_data ? 0 : TL_ENOMEM;
}

int sq_gold_max_overlap(const struct tl_project *p) {
    return p->q.max_overlap > p->overlap ? p->q.max_overlap : p->overlap;
}

bool sq_gold_is_complete(const struct tl_project *p, int n, double min_confidence) {
    if (n >= sq_gold_max_overlap(p))
        return true;
    return n >= p->overlap &&
           (p->q.confidence_target <= 0 || min_confidence >= p->q.confidence_target);
}

/* The task's counted votes in pk order (at most TL_STORE_MAX_VOTES, a
 * bound on a loop over rows), each result a malloc'd copy, and the set's
 * stamp (*seen: their number and newest pk). */
static int read_votes(struct sq_conn *c, int64_t project_pk, int64_t task_pk,
                      struct tl_store_vote **out, size_t *n, struct tl_store_votes_seen *seen) {
    *out = NULL;
    *n = 0;
    *seen = (struct tl_store_votes_seen){0, 0};
    sqlite3_stmt *st = sq_stmt(c, Q_GOLD_VOTES);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, task_pk);
    sqlite3_bind_int64(st, 2, project_pk);
    sqlite3_bind_int(st, 3, TL_STORE_MAX_VOTES);
    struct tl_store_vote *v = NULL;
    size_t cap = 0;
    int rc = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            struct tl_store_vote *grown = realloc(v, cap * sizeof *v);
            if (!grown) {
                rc = TL_ENOMEM;
                break;
            }
            v = grown;
        }
        struct tl_store_vote *x = &v[*n];
        x->result = sq_dup_col(st, 0);
        x->result_len = (size_t)sqlite3_column_bytes(st, 0);
        x->skill = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_double(st, 1);
        seen->max_pk = sqlite3_column_int64(st, 2);
        if (!x->result)
            rc = TL_ENOMEM;
        else
            (*n)++;
    }
    if (!rc && step != SQLITE_DONE)
        rc = sq_err(step);
    sqlite3_reset(st);
    if (rc) {
        tl_store_votes_free(v, *n);
        v = NULL;
        *n = 0;
    }
    seen->n = (int64_t)*n;
    *out = v;
    return rc;
}

int sq_task_votes(struct tl_store *s, const struct tl_project *p, const char *task_id,
                  int64_t user_pk, struct tl_store_vote **v, size_t *n, double *user_skill,
                  struct tl_store_votes_seen *seen) {
    *v = NULL;
    *n = 0;
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    /* One read transaction: the votes and the skills of one instant. */
    sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *st = sq_stmt(c, Q_GOLD_TASK_OF);
    rc = st ? 0 : TL_EINTERNAL;
    int64_t task_pk = 0;
    if (!rc) {
        sqlite3_bind_text(st, 1, task_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, p->pk);
        rc = sq_row(st);
        if (!rc && sqlite3_column_int(st, 1))
            rc = TL_EEMPTY; /* a gold task: no aggregate */
        task_pk = rc ? 0 : sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    struct tl_worker wk;
    rc = rc ? rc : read_worker(c, p->pk, user_pk, &wk);
    if (!rc)
        *user_skill = wk.skill;
    rc = rc ? rc : read_votes(c, p->pk, task_pk, v, n, seen);
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    sq_reader_put(SQ(s), c);
    return rc;
}

/* Whether the votes other than annotation_pk are still those *pre names. */
static int votes_unchanged(struct sq_conn *w, int64_t task_pk, int64_t annotation_pk,
                           const struct tl_store_votes_seen *pre, bool *same) {
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_VOTES_SEEN);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, task_pk);
    sqlite3_bind_int64(st, 2, annotation_pk);
    int rc = sq_row(st);
    *same = !rc && sqlite3_column_int64(st, 0) == pre->n &&
            sqlite3_column_int64(st, 1) == pre->max_pk;
    sqlite3_reset(st);
    return rc;
}

/* Write the task's aggregate: *is_reviewed when a reviewer's correction
 * holds the row (then left as it is: the upsert's WHERE skips it, and
 * changes() says so without another read). */
static int write_aggregate(struct sq_conn *w, const struct tl_project *p, int64_t task_pk,
                           const struct tl_store_agg *agg, size_t n, int64_t now_ms,
                           bool *is_reviewed) {
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_AGG_WRITE);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, task_pk);
    sqlite3_bind_int64(st, 2, p->pk);
    sqlite3_bind_text(st, 3, p->q.method[0] ? p->q.method : "auto", -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, agg->result, (int)strlen(agg->result), SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, agg->confidence, (int)strlen(agg->confidence), SQLITE_STATIC);
    sqlite3_bind_double(st, 6, agg->min_confidence);
    sqlite3_bind_int64(st, 7, (int64_t)n);
    sqlite3_bind_int64(st, 8, now_ms);
    int rc = sq_exec(st);
    *is_reviewed = !rc && sqlite3_changes(w->db) == 0;
    return rc;
}

/* The task's aggregate from its counted votes as they are now, through
 * h->aggregate, written; with no vote left the row goes (unless reviewed).
 * *min_confidence: what the written row holds (1 when there is none, or a
 * reviewer's holds it). */
static int reaggregate(struct sq_conn *w, const struct tl_project *p, int64_t task_pk,
                       struct tl_submit_hooks *h, int64_t now_ms, double *min_confidence) {
    struct tl_store_vote *v;
    size_t n;
    struct tl_store_votes_seen seen;
    int rc = read_votes(w, p->pk, task_pk, &v, &n, &seen);
    if (rc)
        return rc;
    *min_confidence = 1;
    if (!n)
        return sq_agg_drop(w, task_pk);
    struct tl_store_agg agg = {0};
    rc = h->aggregate(h, v, n, &agg);
    bool is_reviewed = false;
    if (!rc)
        rc = write_aggregate(w, p, task_pk, &agg, n, now_ms, &is_reviewed);
    if (!rc && !is_reviewed)
        *min_confidence = agg.min_confidence;
    free(agg.result);
    free(agg.confidence);
    tl_store_votes_free(v, n);
    return rc;
}

int sq_gold_settle(struct sq_conn *w, const struct tl_project *p, int64_t task_pk,
                   int64_t annotation_pk, int n, struct tl_submit_hooks *h, int64_t now_ms,
                   bool *is_complete) {
    /* Without an aggregator (a store-level caller) every task counts as
     * sure: fixed overlap, as before adaptive overlap. */
    double min_confidence = 1;
    if (h && h->aggregate) {
        /* The aggregate computed before the write, if its votes still are
         * the task's; else computed here, on the writer. */
        bool use_pre = false;
        int rc = h->pre ? votes_unchanged(w, task_pk, annotation_pk, &h->pre_seen, &use_pre) : 0;
        h->pre_used = use_pre;
        if (!rc && use_pre) {
            bool is_reviewed = false;
            rc = write_aggregate(w, p, task_pk, h->pre, (size_t)h->pre_seen.n + 1, now_ms,
                                 &is_reviewed);
            /* a reviewed answer is sure */
            min_confidence = is_reviewed ? 1 : h->pre->min_confidence;
        } else if (!rc) {
            rc = reaggregate(w, p, task_pk, h, now_ms, &min_confidence);
        }
        if (rc)
            return rc;
    }
    *is_complete = sq_gold_is_complete(p, n, min_confidence);
    return 0;
}

/* The annotation an edit or a delete is about. */
struct edited {
    int64_t pk, task_pk, annotator_pk;
    bool has_score, is_set_aside, is_gold;
    double score;
};

static int edited_find(struct sq_conn *w, const struct tl_project *p, const char *id,
                       struct edited *e, char **gold, size_t *gold_len) {
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_EDIT_FIND);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, p->pk);
    int rc = sq_row(st);
    if (!rc) {
        *e = (struct edited){.pk = sqlite3_column_int64(st, 0),
                             .task_pk = sqlite3_column_int64(st, 1),
                             .annotator_pk = sqlite3_column_int64(st, 2),
                             .has_score = sqlite3_column_type(st, 3) != SQLITE_NULL,
                             .score = sqlite3_column_double(st, 3),
                             .is_set_aside = sqlite3_column_int(st, 4) != 0,
                             .is_gold = sqlite3_column_type(st, 5) != SQLITE_NULL};
        if (gold && e->is_gold) {
            *gold = sq_dup_col(st, 5);
            *gold_len = (size_t)sqlite3_column_bytes(st, 5);
            rc = *gold ? 0 : TL_ENOMEM;
        }
    }
    sqlite3_reset(st);
    return rc;
}

/* The annotation's gold score set to score (has: scored, else unscored),
 * its annotator's record moved by the difference. */
static int rescore(struct sq_conn *w, const struct tl_project *p, const struct edited *e,
                   bool has, double score, int64_t now_ms) {
    if (has && !e->has_score)
        return sq_gold_scored(w, p, e->pk, e->annotator_pk, score, now_ms);
    if (!e->has_score)
        return 0; /* unscored before and after */
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_ANNOT_SCORE);
    if (!st)
        return TL_EINTERNAL;
    if (has)
        sqlite3_bind_double(st, 1, score);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_int64(st, 2, e->pk);
    int rc = sq_exec(st);
    if (rc || !(st = sq_stmt(w, Q_GOLD_WORKER_ADJUST)))
        return rc ? rc : TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, p->pk);
    sqlite3_bind_int64(st, 2, e->annotator_pk);
    sqlite3_bind_int(st, 3, has ? 0 : -1);
    sqlite3_bind_double(st, 4, (has ? score : 0) - e->score);
    sqlite3_bind_int64(st, 5, now_ms);
    return sq_exec(st);
}

/* A task's counted annotations and state; TL_ENOTFOUND when it is gone. */
struct task_state {
    int64_t n;
    bool is_open, is_gold;
};

static int task_state_read(struct sq_conn *w, int64_t task_pk, struct task_state *ts) {
    *ts = (struct task_state){0, true, false};
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_TASK_STATE);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, task_pk);
    int rc = sq_row(st);
    if (!rc)
        *ts = (struct task_state){sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1) != 0,
                                  sqlite3_column_int(st, 2) != 0};
    sqlite3_reset(st);
    return rc;
}

/* Task task_pk (state ts) now has n_after counted annotations and is
 * complete or not (a gold task never is): its row, the project's counters
 * and, when the task crossed the line, the completion chart (at the task's
 * newest annotation's time, as at submit; set-aside ones count, as their
 * rows stay). */
static int task_move(struct sq_conn *w, const struct tl_project *p, int64_t task_pk,
                     const struct task_state *ts, int64_t n_after, bool is_complete) {
    bool was_complete = !ts->is_gold && !ts->is_open;
    int64_t done_at = -1;
    int rc = was_complete != is_complete ? sq_stats_done_at(w, task_pk, &done_at) : 0;
    sqlite3_stmt *st = NULL;
    if (!rc && (st = sq_stmt(w, Q_GOLD_ASIDE_TASK))) {
        sqlite3_bind_int64(st, 1, task_pk);
        sqlite3_bind_int64(st, 2, n_after);
        sqlite3_bind_int(st, 3, !ts->is_gold && !is_complete);
        rc = sq_exec(st);
    }
    if (!rc && (st = sq_stmt(w, Q_GOLD_ASIDE_PROJECT))) {
        sqlite3_bind_int64(st, 1, p->pk);
        sqlite3_bind_int64(st, 2, n_after - ts->n);
        sqlite3_bind_int(st, 3, (int)is_complete - (int)was_complete);
        rc = sq_exec(st);
    }
    if (!rc && st && was_complete != is_complete)
        rc = sq_stats_completion(w, p->pk, done_at, is_complete ? 1 : -1);
    return rc ? rc : st ? 0 : TL_EINTERNAL;
}

/* The adaptive rule applied again to a task whose votes changed in place
 * (an edit, a delete): with its counted labels and the fresh aggregate's
 * min_confidence; a task that crosses the line either way moves
 * (task_move). */
static int redecide(struct sq_conn *w, const struct tl_project *p, int64_t task_pk,
                    double min_confidence, bool *became_complete) {
    *became_complete = false;
    struct task_state ts;
    int rc = task_state_read(w, task_pk, &ts);
    if (rc || ts.is_gold)
        return rc;
    bool is_complete = sq_gold_is_complete(p, (int)ts.n, min_confidence);
    if (is_complete == !ts.is_open)
        return 0;
    rc = task_move(w, p, task_pk, &ts, ts.n, is_complete);
    *became_complete = !rc && is_complete;
    return rc;
}

int sq_gold_edited(struct sq_conn *w, const struct tl_project *p, const char *id,
                   const char *result, size_t result_len, struct tl_submit_hooks *h,
                   int64_t now_ms, int64_t *task_pk, bool *became_complete) {
    *task_pk = 0;
    *became_complete = false;
    if (!h)
        return 0;
    struct edited e;
    char *gold = NULL;
    size_t gold_len = 0;
    int rc = edited_find(w, p, id, &e, &gold, &gold_len);
    if (!rc && e.is_gold && h->score) {
        double score = 0;
        int scored = h->score(h, gold, gold_len, result, result_len, &score);
        if (scored && scored != TL_EEMPTY)
            rc = scored; /* TL_EEMPTY: a gold that no longer fits scores nobody */
        else
            rc = rescore(w, p, &e, scored == 0, score, now_ms);
    } else if (!rc && !e.is_gold && !e.is_set_aside && h->aggregate) {
        double min_confidence;
        rc = reaggregate(w, p, e.task_pk, h, now_ms, &min_confidence);
        rc = rc ? rc : redecide(w, p, e.task_pk, min_confidence, became_complete);
    }
    *task_pk = rc ? 0 : e.task_pk;
    free(gold);
    return rc;
}

int sq_gold_deleting(struct sq_conn *w, const struct tl_project *p, const char *id,
                     int64_t now_ms) {
    struct edited e;
    int rc = edited_find(w, p, id, &e, NULL, NULL);
    return rc ? rc : rescore(w, p, &e, false, 0, now_ms);
}

int sq_gold_deleted(struct sq_conn *w, const struct tl_project *p, int64_t task_pk, bool is_gold,
                    struct tl_submit_hooks *h, int64_t now_ms, bool *became_complete) {
    *became_complete = false;
    if (is_gold)
        return 0;
    if (!h || !h->aggregate)
        return sq_agg_drop(w, task_pk);
    double min_confidence;
    int rc = reaggregate(w, p, task_pk, h, now_ms, &min_confidence);
    return rc ? rc : redecide(w, p, task_pk, min_confidence, became_complete);
}

int sq_gold_scored(struct sq_conn *w, const struct tl_project *p, int64_t annotation_pk,
                   int64_t annotator_pk, double score, int64_t now_ms) {
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_ANNOT_SCORE);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_double(st, 1, score);
    sqlite3_bind_int64(st, 2, annotation_pk);
    int rc = sq_exec(st);
    st = rc ? NULL : sq_stmt(w, Q_GOLD_WORKER_SCORE);
    if (rc || !st)
        return rc ? rc : TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, p->pk);
    sqlite3_bind_int64(st, 2, annotator_pk);
    sqlite3_bind_double(st, 3, score);
    sqlite3_bind_int64(st, 4, now_ms);
    return sq_exec(st);
}

int sq_gold_recompute(struct sq_conn *w, const struct tl_project *p) {
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_REOPEN);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, p->pk);
    sqlite3_bind_int(st, 2, p->overlap);
    sqlite3_bind_int(st, 3, sq_gold_max_overlap(p));
    sqlite3_bind_double(st, 4, p->q.confidence_target);
    int rc = sq_exec(st);
    if (rc)
        return rc;
    /* Only when some task crossed the line: the recount reads every
     * complete task's newest annotation. */
    if (sqlite3_changes64(w->db) > 0)
        rc = sq_stats_recount_completions(w, p->pk);
    st = rc ? NULL : sq_stmt(w, Q_GOLD_RECOUNT);
    if (rc || !st)
        return rc ? rc : TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, p->pk);
    return sq_exec(st);
}

int sq_gold_write_settings(struct sq_conn *w, int64_t tenant_pk, const struct tl_project *p) {
    const struct tl_quality_settings *q = &p->q;
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_PROJECT_QUALITY);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, p->pk);
    sqlite3_bind_int64(st, 2, tenant_pk);
    sqlite3_bind_double(st, 3, q->gold_rate);
    sqlite3_bind_int(st, 4, q->qual_tasks);
    sqlite3_bind_double(st, 5, q->qual_pass);
    sqlite3_bind_int(st, 6, q->max_overlap);
    sqlite3_bind_double(st, 7, q->confidence_target);
    sqlite3_bind_text(st, 8, q->method[0] ? q->method : "auto", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 9, q->is_auto_suspend ? 1 : 0);
    sqlite3_bind_double(st, 10, q->gold_threshold);
    sqlite3_bind_double(st, 11, q->review_rate);
    sqlite3_bind_double(st, 12, q->review_below);
    int rc = sq_exec(st);
    return !rc && sqlite3_changes(w->db) == 0 ? TL_ENOTFOUND : rc;
}

int sq_gold_is_gold_task(struct sq_conn *w, const struct tl_project *p, int64_t tenant_pk,
                         const char *task_id, bool *is_gold) {
    *is_gold = false;
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_TASK_FIND);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, p->pk);
    sqlite3_bind_int64(st, 2, tenant_pk);
    sqlite3_bind_text(st, 3, task_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *is_gold = sqlite3_column_int(st, 3) != 0;
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : sq_err(step);
}

/* ---- PUT /tasks/{id}/gold ---- */

struct gold_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    const char *task_id, *gold;
    size_t gold_len;
};

/* The aggregate's min_confidence, 1 without one (as Q_GOLD_REOPEN). */
static int min_confidence_of(struct sq_conn *w, int64_t task_pk, double *out) {
    *out = 1;
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_AGG_MIN);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, task_pk);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && !sqlite3_column_int(st, 1))
        *out = sqlite3_column_double(st, 0);
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : sq_err(step);
}

static int w_gold_set(struct sq_store *s, struct sq_conn *w, void *arg) {
    (void)s;
    struct gold_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_TASK_FIND);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int64(st, 2, a->sc->tenant_pk);
    sqlite3_bind_text(st, 3, a->task_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return TL_ENOTFOUND;
    }
    int64_t task_pk = sqlite3_column_int64(st, 0);
    bool was_complete = sqlite3_column_int(st, 1) == 0;
    int n = sqlite3_column_int(st, 2);
    bool was_gold = sqlite3_column_int(st, 3) != 0;
    sqlite3_reset(st);
    bool is_gold = a->gold != NULL;
    /* An ordinary task: complete by the adaptive rule on what it has. */
    double min_confidence = 1;
    int rc = is_gold ? 0 : min_confidence_of(w, task_pk, &min_confidence);
    bool is_complete = !is_gold && sq_gold_is_complete(a->p, n, min_confidence);
    st = rc ? NULL : sq_stmt(w, Q_GOLD_SET);
    if (rc || !st)
        return rc ? rc : TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, task_pk);
    if (is_gold)
        sqlite3_bind_blob(st, 2, a->gold, (int)a->gold_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int(st, 3, is_gold || is_complete ? 0 : 1);
    if ((rc = sq_exec(st)) || was_gold == is_gold)
        return rc;
    /* The task leaves progress, or rejoins it. */
    st = sq_stmt(w, Q_GOLD_PROJECT_COUNTS);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int(st, 2, is_gold ? -1 : 1);
    sqlite3_bind_int(st, 3, is_gold ? -(int)was_complete : (int)is_complete);
    return sq_exec(st);
}

int sq_task_gold_set(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                     const char *task_id, const char *gold, size_t gold_len) {
    struct gold_arg a = {sc, p, task_id, gold, gold_len};
    return sq_write(SQ(s), w_gold_set, &a);
}

int sq_gold_task_state(struct sq_conn *w, int64_t task_pk, bool *is_gold, bool *is_open) {
    struct task_state ts;
    int rc = task_state_read(w, task_pk, &ts);
    *is_gold = ts.is_gold;
    *is_open = ts.is_open;
    return rc == TL_ENOTFOUND ? 0 : rc;
}

int sq_gold_task_unbump(struct sq_conn *w, int64_t task_pk, bool is_open) {
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_TASK_UNBUMP);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, task_pk);
    sqlite3_bind_int(st, 2, is_open ? 1 : 0);
    return sq_exec(st);
}

int sq_gold_set_aside(struct sq_conn *w, const struct tl_project *p, int64_t annotation_pk,
                      int64_t task_pk, bool is_set) {
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_ASIDE_MARK);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, annotation_pk);
    sqlite3_bind_int(st, 2, is_set);
    int rc = sq_exec(st);
    if (rc || sqlite3_changes(w->db) == 0)
        return rc; /* already so: nothing moves */
    struct task_state ts;
    rc = task_state_read(w, task_pk, &ts);
    if (rc)
        return rc == TL_ENOTFOUND ? TL_EINTERNAL : rc;
    int64_t n_after = is_set ? (ts.n > 0 ? ts.n - 1 : 0) : ts.n + 1;
    /* A gold task stays out of the queue and of progress whatever its
     * count. An ordinary one follows the project's rule; its aggregate
     * goes (the next submission or re-inference makes it again), and a
     * task without one counts as sure, as in Q_GOLD_REOPEN. */
    bool is_complete = !ts.is_gold && sq_gold_is_complete(p, (int)n_after, 1);
    rc = task_move(w, p, task_pk, &ts, n_after, is_complete);
    if (!rc && (st = sq_stmt(w, Q_GOLD_ASIDE_AGG))) {
        sqlite3_bind_int64(st, 1, task_pk);
        rc = sq_exec(st);
    }
    return rc ? rc : (st ? 0 : TL_EINTERNAL);
}
