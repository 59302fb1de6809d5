/* db.h: internals of the SQLite backend: connections with cached statements,
 * the reader pool and the group-commit writer.
 *
 * Concurrency model: SQLite allows one writer at a time, so every write runs
 * on one writer thread. Callers queue a write op and sleep; the writer takes
 * every op queued so far, runs each inside its own SAVEPOINT of a single
 * transaction (a failing op rolls back alone), commits once (one fsync for
 * the whole batch, synchronous=FULL) and only then wakes the callers. So an
 * acknowledged write is on disk, and 32 concurrent submits cost one fsync,
 * not 32. Callers that must not block (an HTTP handler on an event loop)
 * queue with sq_write_async instead and are called back by the writer.
 * Reads use a pool of WAL read connections and never wait for it. */
#ifndef TL_STORE_SQLITE_DB_H
#define TL_STORE_SQLITE_DB_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "store/backend.h"

enum sq_q {
    Q_SAVEPOINT, Q_RELEASE, Q_ROLLBACK_TO, Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
    Q_TENANT_INSERT, Q_TENANT_FIND, Q_TENANT_PK,
    Q_USER_INSERT, Q_USER_FIND,
    Q_TOKEN_INSERT, Q_TOKEN_SCOPE, Q_TOKEN_REVOKE_HASH,
    Q_PROJECT_INSERT, Q_PROJECT_GET_STAFF, Q_PROJECT_GET_MEMBER, Q_PROJECT_GET_ADMIN,
    Q_PROJECT_LIST_STAFF, Q_PROJECT_LIST_MEMBER, Q_PROJECT_ADD_TASKS, Q_PROJECT_BUMP,
    Q_MEMBER_UPSERT, Q_MEMBER_ROLE,
    Q_TASK_INSERT, Q_TASK_PROJECT, Q_TASK_DATA,
    Q_LEASE_HELD, Q_LEASE_RESUME, Q_LEASE_INSERT, Q_LEASE_FIND, Q_LEASE_DELETE,
    Q_LEASE_PURGE,
    Q_ANNOT_INSERT, Q_ANNOT_RESUBMIT,
    Q_STAGE_PROJECT, Q_STAGE_INSERT, Q_STAGE_DELETE,
    Q_FILE_INSERT, Q_FILE_GET,
    Q_PRED_INSERT, Q_IMPORTED_INSERT, Q_PRED_STAGE_INSERT, Q_PRED_STAGE_MOVE, Q_IMPORTED_STAGE_MOVE, Q_PRED_STAGE_DELETE, Q_PRED_OF_TASK,
    Q_EXPORT_PREDS,
    Q_TENANT_LIST, Q_TENANT_GET, Q_USER_LIST, Q_USER_GET, Q_USER_UPDATE, Q_MEMBER_PROJECTS,
    Q_TOKEN_LIST, Q_TOKEN_REVOKE,
    /* lifecycle.c */
    Q_LC_PROJECT_UPDATE, Q_LC_PROJECT_DELETE, Q_LC_DELETED, Q_LC_FILE_IDS,
    Q_LC_TASKS_ALL, Q_LC_TASKS_STATE, Q_LC_TASKS_GOLD, Q_LC_TASK_GET, Q_LC_TASK_FIND,
    Q_LC_PROJECT_SUB,
    Q_LC_SLICE_ANNOTS, Q_LC_SLICE_LEASES, Q_LC_SLICE_PREDS, Q_LC_SLICE_IMPORTED, Q_LC_SLICE_SKIPS,
    Q_LC_SLICE_HISTORY, Q_LC_SLICE_REVIEWS, Q_LC_SLICE_AGGREGATES, Q_LC_SLICE_TASKS,
    Q_LC_END_MEMBERS, Q_LC_END_FILES, Q_LC_END_STATS, Q_LC_END_FLAGS, Q_LC_END_WORKERS,
    Q_LC_END_SWEEPS, Q_LC_END_RUNS,
    Q_LC_END_STATS_ANNOTATORS, Q_LC_END_PROJECT,
    Q_LC_MEMBERS, Q_LC_MEDIAN, Q_LC_MEMBER_ROLE, Q_LC_MEMBER_REMOVE, Q_LC_LEASES_DROP,
    Q_LC_LEASE_PROJECT, Q_LC_ANNOT_PROJECT, Q_LC_FLAG_PROJECT, Q_LC_REVIEW_PROJECT, Q_LC_SKIP_INSERT, Q_LC_SKIPS_RECENT, Q_LC_ANNOT_GET,
    Q_LC_ANNOT_HISTORY, Q_LC_ANNOT_UPDATE, Q_LC_ANNOT_FIND, Q_LC_ANNOT_DELETE, Q_LC_PROJECT_UNBUMP,
    Q_HOOK_COUNT, Q_HOOK_INSERT, Q_HOOK_LIST, Q_HOOK_PK, Q_HOOK_DELETE_LOG, Q_HOOK_DELETE,
    Q_HOOK_OF_PROJECT, Q_HOOK_OUTBOX, Q_HOOK_PROJECT_LEFT, Q_HOOK_TASK_ID, Q_HOOK_LOG, Q_HOOK_DUE, Q_HOOK_RECORD,
    Q_HOOK_PRUNE,
    /* stats.c */
    Q_ST_BUMP, Q_ST_ANNOTATOR_BUMP, Q_ST_LAST_AT, Q_ST_DONE_AT, Q_ST_TASK_ANNOTS,
    Q_ST_RECOUNT_CLEAR, Q_ST_RECOUNT, Q_ST_COMPLETED, Q_ST_FIRST, Q_ST_BUCKETS, Q_ST_SECONDS,
    Q_ST_ANNOTATORS, Q_ST_ME,
    /* quality (core): gold.c, and the claim/submit/import/export paths of ops.c */
    Q_GOLD_WORKER_GET, Q_GOLD_PICK, Q_GOLD_ORDINARY_PICK, Q_GOLD_LEASE_FIND,
    Q_GOLD_ANNOT_SCORE, Q_GOLD_WORKER_SCORE, Q_GOLD_VOTES, Q_GOLD_VOTES_SEEN,
    Q_GOLD_TASK_OF, Q_GOLD_AGG_WRITE, Q_GOLD_TASK_BUMP,
    Q_GOLD_PROJECT_QUALITY, Q_GOLD_REOPEN, Q_GOLD_RECOUNT, Q_GOLD_TASK_FIND, Q_GOLD_SET,
    Q_GOLD_PROJECT_COUNTS, Q_GOLD_TASK_INSERTED, Q_GOLD_STAGE_INSERTED, Q_GOLD_STAGE_MOVE,
    Q_GOLD_STAGE_COUNT, Q_GOLD_EXPORT_TASKS, Q_GOLD_EXPORT_ANNOTS, Q_GOLD_AGG_MIN,
    Q_GOLD_TASK_STATE, Q_GOLD_TASK_UNBUMP, Q_GOLD_ASIDE_MARK,
    Q_GOLD_ASIDE_TASK, Q_GOLD_ASIDE_PROJECT, Q_GOLD_ASIDE_AGG, Q_GOLD_EDIT_FIND,
    Q_GOLD_WORKER_ADJUST,
    /* quality: review (review.c) */
    Q_RV_HELD, Q_RV_SWEEP_GET, Q_RV_SWEEP_SET, Q_RV_WINDOW, Q_RV_AGG_CONF, Q_RV_ANY_FLAG,
    Q_RV_FLAGGED, Q_RV_OF_TASK, Q_RV_INSERT, Q_RV_RECLAIM, Q_RV_ITEM_PK, Q_RV_ITEM_ID,
    Q_RV_ANNOTS, Q_RV_AGG, Q_RV_LIST_PENDING, Q_RV_LIST_DONE, Q_RV_FIND, Q_RV_DECIDE,
    Q_RV_AGG_UPSERT, Q_RV_COUNTED, Q_RV_DONE,
    /* quality: aggregates and full re-inference (infer helper; aggregates.c) */
    Q_AGG_LABELS, Q_AGG_GOLD, Q_AGG_SPLIT, Q_AGG_SEEN, Q_AGG_UPDATE,
    Q_AGG_INSERT, Q_AGG_RANGE, Q_AGG_DELETE, Q_AGG_WORKER, Q_AGG_RUN_PUT,
    Q_AGG_RUN_GET, Q_AGG_DUE, Q_AGG_LIST, Q_AGG_HIST, Q_AGG_GOLD_DAYS, Q_AGG_EXPORT,
    /* quality: workers (workers.c) */
    Q_WK_PEOPLE, Q_WK_LABELS, Q_WK_TASKS, Q_WK_FLAG_FIND, Q_WK_FLAG_INSERT, Q_WK_FLAG_UPDATE,
    Q_WK_FLAGS_PROJECT, Q_WK_FLAGS_MINE, Q_WK_FLAG_GET, Q_WK_FLAG_APPEAL, Q_WK_FLAG_DECIDE,
    Q_WK_SUSPENDING, Q_WK_STATUS_SET, Q_WK_HAS_WORK, Q_WK_ASIDE_ALL, Q_WK_ASIDE_ONE,
    Q_WK_PROJECTS_DUE, Q_WK_FLAGS_OPEN, Q_WK_FLAG_EXPIRE,
    Q_COUNT
};

struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *st[Q_COUNT]; /* prepared on first use, kept for life */
};

struct sq_wop; /* a queued write, private to db.c */

struct sq_store {
    struct tl_store base;
    char *path;
    bool is_admin_client;
    unsigned char secret[TL_SECRET_LEN];

    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    struct sq_conn **readers; /* free list of idle readers */
    int n_idle, n_open, max_readers;

    struct sq_conn writer;
    pthread_t writer_thread;
    bool writer_started, writer_stop;
    pthread_mutex_t wmu;
    pthread_cond_t wcv;      /* queue became non-empty, or stop */
    struct sq_wop *queue_head, *queue_tail;
    int64_t last_purge_ms;
    int64_t n_batches, n_ops, commit_us, batch_us; /* writer statistics */
    /* Set at open if any webhook exists and when one is made; never
     * cleared (a stale true costs one indexed query per submit, a stale
     * false would lose events). Writer thread only (webhooks.c). */
    bool has_webhooks;

    /* Checkpoints copy the WAL back into the database file. They run on
     * their own thread and connection, so no commit (and no client waiting
     * on one) pays for them; the writer only signals when the WAL is big. */
    pthread_t ckpt_thread;
    bool ckpt_started, ckpt_wanted, ckpt_stop;
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cv;
};

/* The statement for q on c, reset and with bindings cleared; NULL on error. */
sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_q q);
/* Map a SQLite result code to TL_E*. */
int sq_err(int rc);

/* Borrow a read connection (blocks while all are busy); give it back. */
int sq_reader_get(struct sq_store *s, struct sq_conn **out);
void sq_reader_put(struct sq_store *s, struct sq_conn *c);
/* sq_reader_get without the wait: TL_ELIMIT when every reader is busy (for
 * a caller that already holds one and wants another: waiting there could
 * deadlock two such callers). */
int sq_reader_try_get(struct sq_store *s, struct sq_conn **out);

/* Run fn(s, writer connection, arg) in the writer's next batch and wait for
 * the batch to commit. Returns fn's result, or TL_EIO if the commit failed
 * (then nothing fn did is stored). */
typedef int (*sq_write_fn)(struct sq_store *s, struct sq_conn *w, void *arg);
int sq_write(struct sq_store *s, sq_write_fn fn, void *arg);
/* Queue fn like sq_write but return at once: after the batch holding it
 * has committed (or failed), the writer thread calls done(cb_arg, rc) with
 * fn's result, or TL_EIO if the commit failed. Returns 0 if queued (done
 * then runs exactly once), else TL_ENOMEM/TL_EIO/TL_EINVAL and done never
 * runs. arg and everything fn reads must stay valid until done runs; done
 * must be quick (it holds up the next batch) and must not call sq_write
 * (queueing another sq_write_async is fine: done runs without the queue
 * lock). */
int sq_write_async(struct sq_store *s, sq_write_fn fn, void *arg,
                   void (*done)(void *cb_arg, int rc), void *cb_arg);

/* The same, except that done runs as soon as fn has run inside the
 * writer's open transaction, before the commit: fn's result is decided and
 * every later write sees it, but it is not yet durable, and a failed commit
 * (or a crash) undoes it after done said 0. Only for soft state whose loss
 * costs a retry, never an acknowledged result (lease claims: store.h). */
int sq_write_async_early(struct sq_store *s, sq_write_fn fn, void *arg,
                         void (*done)(void *cb_arg, int rc), void *cb_arg);

/* Step a statement expected to give at most one row: 0 (the row, to read
 * before the reset), TL_ENOTFOUND (none) or TL_E*. */
int sq_row(sqlite3_stmt *st);
/* Run step() until done on a statement expected to change rows: 0 or TL_E*
 * (TL_EEXIST for a UNIQUE violation). */
int sq_exec(sqlite3_stmt *st);

/* Drain the writer, close every connection, free s (the vtab's close). */
void sq_store_close(struct tl_store *base);

/* The people calls of store.h (people.c), for the vtab. */
int sq_tenant_list(struct tl_store *s, struct tl_tenant **out, size_t *n);
int sq_tenant_get(struct tl_store *s, const char *tenant_id, struct tl_tenant *out);
int sq_user_list(struct tl_store *s, const char *tenant_id, struct tl_user **out, size_t *n);
int sq_user_get(struct tl_store *s, const char *tenant_id, const char *user_id,
                struct tl_user *out);
int sq_user_update(struct tl_store *s, const char *tenant_id, const char *user_id,
                   int is_disabled, enum tl_role role, struct tl_user *out);
int sq_member_projects(struct tl_store *s, int64_t user_pk, struct tl_membership **out,
                       size_t *n);
int sq_token_list(struct tl_store *s, const struct tl_token_filter *f, const char *user_id,
                  int64_t now_ms, struct tl_token_info **out, size_t *n);
int sq_token_revoke(struct tl_store *s, const struct tl_token_filter *f, const char *id);
int sq_token_revoke_hash(struct tl_store *s, const char *hash);
/* ops.c's row readers, for the backend's other files: a text column into
 * dst (truncated to cap), a blob column as an owned NUL-terminated copy,
 * and a project row of PROJECT_COLS (db.c). */
void sq_copy_col(sqlite3_stmt *st, int i, char *dst, size_t cap);
/* Read one row of st into slot (an element of the array being built). */
typedef int (*sq_row_fn)(sqlite3_stmt *st, void *slot);
/* Every row of st (NULL: TL_EIO) through read into a malloc'd array of
 * elem-byte items: 0 with *out and *n (NULL and 0 for no row), or an error
 * and nothing. On an error after rows were read, undo (may be NULL) frees
 * what they own. st is reset either way (people.c). */
int sq_collect(sqlite3_stmt *st, size_t elem, sq_row_fn read, void (*undo)(void *, size_t),
               void **out, size_t *n);
char *sq_dup_col(sqlite3_stmt *st, int i);
int sq_read_project(sqlite3_stmt *st, struct tl_project *p);
/* The project of the object id whose project id query q reads (its one
 * parameter the object id), fetched through f on connection c: 0 or
 * TL_ENOTFOUND (no such object, or not reachable through f). */
int sq_project_of(struct sq_conn *c, const struct tl_filter *f, enum sq_q q, const char *id,
                  struct tl_project *out);
/* lifecycle.c's entries of the vtab. */
int sq_project_update(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p);
int sq_project_delete(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p);
int sq_file_ids(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                void (*fn)(void *ctx, const char *id), void *ctx);
int sq_task_list(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                 enum tl_task_state state, size_t limit, int64_t *cursor,
                 struct tl_task_item **out, size_t *n);
int sq_task_get(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                const char *task_id, struct tl_task_item *out, tl_export_fn fn, void *ctx);
int sq_tasks_delete(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                    const char *const *ids, size_t n, int64_t *deleted);
int sq_member_list(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                   int64_t now_ms, struct tl_member **out, size_t *n);
int sq_member_set_role(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       const char *user_id, enum tl_role role);
int sq_member_remove(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                     const char *user_id);
int sq_object_project(struct tl_store *s, const struct tl_filter *f, enum tl_store_obj kind,
                      const char *id, struct tl_project *out);
int sq_lease_release(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                     const char *lease_id, const char *reason, int64_t now_ms);
int sq_annotation_get(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                      const char *id, struct tl_annotation *out);
int sq_annotation_update(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                         const char *id, const char *result, size_t result_len, int64_t now_ms,
                         struct tl_submit_hooks *hooks);
int sq_annotation_delete(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                         const char *id, int64_t now_ms, struct tl_submit_hooks *hooks);
#define SQ_LIFECYCLE_OPS                                                                     \
    .project_update = sq_project_update, .project_delete = sq_project_delete,                 \
    .file_ids = sq_file_ids, .task_list = sq_task_list, .task_get = sq_task_get,              \
    .tasks_delete = sq_tasks_delete, .member_list = sq_member_list,                           \
    .member_set_role = sq_member_set_role, .member_remove = sq_member_remove,                  \
    .object_project = sq_object_project, .lease_release = sq_lease_release,                   \
    .annotation_get = sq_annotation_get, .annotation_update = sq_annotation_update,           \
    .annotation_delete = sq_annotation_delete
/* The median claim-to-submit seconds of user_pk's n_done annotations on
 * project_pk (lifecycle.c), or -1 without any. */
double sq_median_seconds(struct sq_conn *c, int64_t user_pk, int64_t project_pk, int64_t n_done);
/* One annotation as the counters of migration 10 see it (stats.c). */
struct sq_stats_annot {
    int64_t project_pk, annotator_pk, created_at, claimed_at;
    bool has_claim; /* claimed_at is known (annotations before migration 7: not) */
};
/* The counters, on the writer's connection, inside the transaction that
 * changes what they count (stats.c has the list of callers); each returns
 * 0 or TL_E*. An annotation made (delta 1) or removed (-1): its minute,
 * hour and annotator rows. */
int sq_stats_annotation(struct sq_conn *w, const struct sq_stats_annot *a, int delta);
/* After `gone` was deleted: its annotator's newest time, found again only
 * if it was the newest (a walk of that annotator's annotations). */
int sq_stats_last_at(struct sq_conn *w, const struct sq_stats_annot *gone);
/* A task completed (delta 1) or no longer complete (-1) at done_at_ms (its
 * newest annotation's time; < 0: none, nothing counted). */
int sq_stats_completion(struct sq_conn *w, int64_t project_pk, int64_t done_at_ms, int delta);
/* Task task_pk's newest annotation time into *done_at_ms, -1 for none. */
int sq_stats_done_at(struct sq_conn *w, int64_t task_pk, int64_t *done_at_ms);
/* A submit (ops.c), after the annotation row is inserted: the task had
 * n_before annotations before it. */
int sq_stats_submitted(struct sq_conn *w, const struct sq_stats_annot *a, int64_t task_pk,
                       int n_before, bool is_task_completed);
/* Before task task_pk is deleted with its annotations: its completion and
 * its annotations uncounted; *gone (caller frees) lists them for
 * sq_stats_last_at once they are deleted. */
int sq_stats_task_gone(struct sq_conn *w, int64_t project_pk, int64_t task_pk, bool is_complete,
                       struct sq_stats_annot **gone, size_t *n_gone);
/* A new overlap moved tasks across completion: count project_pk's
 * completions again (O(complete tasks), as the reopening itself). */
int sq_stats_recount_completions(struct sq_conn *w, int64_t project_pk);
/* stats.c's entries of the vtab. */
int sq_project_stats(struct tl_store *s, const struct tl_project *p, int64_t bucket_ms,
                     int64_t now_ms, struct tl_project_stats *out);
int sq_my_stats(struct tl_store *s, const struct tl_scope *sc, struct tl_my_project_stats **out,
                size_t *n);
/* Queue the purge of every project marked deleted (a server's start). */
void sq_purge_resume(struct sq_store *s);
/* Inside the writer's transaction of an annotation submit (ops.c): write
 * the outbox rows of the events it causes for p's webhooks (webhooks.c).
 * Free when the store has no webhook. */
int sq_webhook_on_submit(struct sq_store *s, struct sq_conn *w, int64_t project_pk,
                         const char *project_id, const char *task_id, const char *annotation_id,
                         bool is_task_completed, int64_t now_ms);
/* The same for a task that an edit or a delete completed (adaptive
 * overlap): task.completed, and project.completed if it was the last. */
int sq_webhook_on_completed(struct sq_store *s, struct sq_conn *w, int64_t project_pk,
                            const char *project_id, int64_t task_pk, const char *annotation_id,
                            int64_t now_ms);
/* webhooks.c: the vtab's webhook calls, and the flag's start value. */
int sq_webhook_open(struct sq_store *s);
int sq_webhook_create(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                      struct tl_webhook *h);
int sq_webhook_list(struct tl_store *s, const struct tl_project *p, struct tl_webhook **out,
                    size_t *n);
int sq_webhook_delete(struct tl_store *s, const struct tl_project *p, const char *id);
int sq_webhook_deliveries(struct tl_store *s, const struct tl_project *p, const char *id,
                          size_t limit, struct tl_webhook_delivery **out, size_t *n);
int sq_webhook_due(struct tl_store *s, int64_t now_ms, bool is_all, size_t max,
                   struct tl_webhook_job **out, size_t *n);
int sq_webhook_record(struct tl_store *s, int64_t pk, const struct tl_webhook_attempt *a);

/* quality: review (review.c): the vtab's review calls. */
int sq_review_next(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                   int64_t now_ms, struct tl_review_item *out);
int sq_review_get(struct tl_store *s, const struct tl_project *p, const char *id,
                  struct tl_review_item *out);
int sq_review_list(struct tl_store *s, const struct tl_project *p, bool is_done, size_t limit,
                   int64_t *cursor, struct tl_review_item **out, size_t *n);
int sq_review_decide(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                     const char *id, const struct tl_review_decision *d, int64_t now_ms);
int sq_review_done(struct tl_store *s, const struct tl_project *p, struct tl_review_done **out,
                   size_t *n);
#define SQ_REVIEW_OPS                                                                        \
    .review_next = sq_review_next, .review_get = sq_review_get,                               \
    .review_list = sq_review_list, .review_decide = sq_review_decide,                         \
    .review_done = sq_review_done
/* quality: aggregates and full re-inference (infer helper; aggregates.c):
 * the vtab's entries, and the export page's aggregates. */
int sq_agg_labels(struct tl_store *s, const struct tl_project *p, size_t n_parts,
                  tl_agg_label_fn fn, void *const *ctx, size_t *n_used, struct tl_agg_seen *seen);
/* Delete task_pk's aggregate unless a reviewer's (no counted vote left),
 * on the writer's connection: the one statement for it (gold.c too). */
int sq_agg_drop(struct sq_conn *w, int64_t task_pk);
int sq_agg_write(struct tl_store *s, const struct tl_project *p, const char *method,
                 const struct tl_agg_row *rows, size_t n, int64_t read_at_ms, size_t *n_written);
int sq_agg_workers(struct tl_store *s, const struct tl_project *p, const struct tl_agg_worker *w,
                   size_t n, int64_t now_ms);
int sq_quality_run_put(struct tl_store *s, const struct tl_project *p,
                       const struct tl_quality_run *r);
int sq_quality_run_get(struct tl_store *s, const struct tl_project *p,
                       struct tl_quality_run *out);
int sq_reinfer_due(struct tl_store *s, size_t max, tl_id **out, size_t *n);
int sq_aggregate_list(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                      size_t limit, int64_t *cursor, struct tl_aggregate **out, size_t *n);
int sq_quality_summary(struct tl_store *s, const struct tl_project *p,
                       struct tl_quality_summary *out);
#define SQ_AGG_OPS                                                                            \
    .agg_labels = sq_agg_labels, .agg_write = sq_agg_write, .agg_workers = sq_agg_workers,    \
    .quality_run_put = sq_quality_run_put, .quality_run_get = sq_quality_run_get,             \
    .reinfer_due = sq_reinfer_due, .aggregate_list = sq_aggregate_list,                       \
    .quality_summary = sq_quality_summary
/* One export page's aggregates: for tasks pk[0..n) (ascending) of
 * project_pk, on reader c inside the page's read transaction, call
 * put(ctx, i, method, result, result_len, confidence, confidence_len) for
 * each task i that has one (strings valid during the call). 0 or TL_E*. */
typedef int (*sq_agg_put_fn)(void *ctx, size_t i, const char *method, const char *result,
                             size_t result_len, const char *confidence, size_t confidence_len);
int sq_agg_export_page(struct sq_conn *c, int64_t project_pk, const int64_t *pk, size_t n,
                       sq_agg_put_fn put, void *ctx);
/* quality: workers (workers.c): the vtab's entries. */
int sq_wk_snapshot(struct tl_store *s, const struct tl_project *p, size_t max_labels,
                   struct tl_wk_snapshot *out);
int sq_flags_record(struct tl_store *s, const struct tl_project *p, const struct tl_flag_in *f,
                    size_t n, bool is_suspend, bool is_complete, int64_t now_ms, size_t *n_new);
int sq_flag_list(struct tl_store *s, const struct tl_project *p, int64_t annotator_pk,
                 size_t limit, struct tl_flag **out, size_t *n);
int sq_flags_mine(struct tl_store *s, const struct tl_scope *sc, size_t limit,
                  struct tl_flag **out, size_t *n);
int sq_flag_get(struct tl_store *s, const struct tl_project *p, const char *id,
                struct tl_flag *out);
int sq_flag_appeal(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                   const char *id, const char *text, int64_t now_ms);
int sq_flag_decide(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                   const char *id, bool is_upheld, const char *note, int64_t now_ms);
int sq_worker_set_status(struct tl_store *s, const struct tl_project *p, int64_t annotator_pk,
                         bool is_suspended, int64_t now_ms);
int sq_annotations_set_aside(struct tl_store *s, const struct tl_scope *sc,
                             const struct tl_project *p, int64_t annotator_pk,
                             const char *const *ids, size_t n_ids, bool is_set, size_t *changed);
int sq_wk_projects_due(struct tl_store *s, int64_t since_ms, tl_id **out, size_t *n);
#define SQ_WORKERS_OPS                                                                      \
    .wk_snapshot = sq_wk_snapshot, .flags_record = sq_flags_record,                           \
    .flag_list = sq_flag_list, .flags_mine = sq_flags_mine, .flag_get = sq_flag_get,          \
    .flag_appeal = sq_flag_appeal, .flag_decide = sq_flag_decide,                             \
    .worker_set_status = sq_worker_set_status,                                                \
    .annotations_set_aside = sq_annotations_set_aside, .wk_projects_due = sq_wk_projects_due

/* The vtab of this backend (ops.c). */
extern const struct tl_store_vtab sq_vtab;

/* quality (core): gold.c. Each runs on the writer's connection w inside
 * the caller's write unless it says otherwise; 0 or TL_E*. */
int sq_worker_get(struct tl_store *s, const struct tl_project *p, int64_t user_pk,
                  struct tl_worker *out); /* a read, on a pooled reader */
int sq_task_votes(struct tl_store *s, const struct tl_project *p, const char *task_id,
                  int64_t user_pk, struct tl_store_vote **v, size_t *n, double *user_skill,
                  struct tl_store_votes_seen *seen); /* likewise */
/* Run pol's decision with user_pk's worker row: TL_EPERM on a refusal. */
int sq_gold_decide(struct sq_conn *w, const struct tl_project *p, int64_t user_pk,
                   struct tl_lease_policy *pol);
/* The gold pick (is_gold) or the ordinary one for user_pk: 0 with *task_pk,
 * out->task_id and out->task_data (owned), or TL_EEMPTY. */
int sq_gold_pick(struct sq_conn *w, const struct tl_project *p, int64_t user_pk, int64_t now_ms,
                 bool is_gold, int64_t *task_pk, struct tl_lease *out);
/* max(overlap, max_overlap): the most annotations an ordinary task gets. */
int sq_gold_max_overlap(const struct tl_project *p);
/* Adaptive overlap's rule for a task with n counted annotations. */
bool sq_gold_is_complete(const struct tl_project *p, int n, double min_confidence);
/* An ordinary task that now has n counted annotations: its live aggregate
 * (through h->aggregate, when there is one) written to aggregates, and
 * *is_complete by the adaptive rule. The shared step of submit, set-aside
 * and review: callers then write is_open and the counts. */
/* Annotation annotation_pk of task task_pk set aside (is_set: kept, no
 * longer counted; an annotator suspended, or rejected in review) or
 * counted again, with everything that follows from its count: the task's
 * n_annotations and state by the project's completion rule (a gold task
 * stays out of the queue and of progress), the project's counters, the
 * completion chart, the task's aggregate row dropped. Nothing when the
 * annotation is already so. The one place this is done: workers.c and
 * review.c call it inside their transactions. */
int sq_gold_set_aside(struct sq_conn *w, const struct tl_project *p, int64_t annotation_pk,
                      int64_t task_pk, bool is_set);
/* The live aggregate of the task that annotation_pk (just inserted, the
 * task's n-th counted annotation) belongs to, and its completion. */
int sq_gold_settle(struct sq_conn *w, const struct tl_project *p, int64_t task_pk,
                   int64_t annotation_pk, int n, struct tl_submit_hooks *h, int64_t now_ms,
                   bool *is_complete);
/* After annotation id's result changed to result (an edit): scored again
 * on a gold task (the annotator's record follows), the live aggregate
 * computed again on an ordinary one, and its completion decided again by
 * the adaptive rule (*became_complete: the edit completed it; *task_pk its
 * task, 0 when nothing was computed). h may be NULL (nothing to compute
 * with). */
int sq_gold_edited(struct sq_conn *w, const struct tl_project *p, const char *id,
                   const char *result, size_t result_len, struct tl_submit_hooks *h,
                   int64_t now_ms, int64_t *task_pk, bool *became_complete);
/* Before annotation id is deleted: its gold score leaves its annotator's
 * record. */
int sq_gold_deleting(struct sq_conn *w, const struct tl_project *p, const char *id,
                     int64_t now_ms);
/* After: an ordinary task's live aggregate from the votes left (h NULL or
 * none left: the row goes, unless reviewed), and its completion decided
 * again by the adaptive rule (*became_complete: the delete completed it,
 * e.g. a dissenting label removed). */
int sq_gold_deleted(struct sq_conn *w, const struct tl_project *p, int64_t task_pk, bool is_gold,
                    struct tl_submit_hooks *h, int64_t now_ms, bool *became_complete);
/* A gold submission's score: annotations.gold_score and workers(n_gold,
 * gold_sum). */
int sq_gold_scored(struct sq_conn *w, const struct tl_project *p, int64_t annotation_pk,
                   int64_t annotator_pk, double score, int64_t now_ms);
/* p's completion recomputed after its overlap settings changed (only the
 * tasks whose state flips are written) and n_completed recounted. */
int sq_gold_recompute(struct sq_conn *w, const struct tl_project *p);
/* Write p's quality settings (p->q). */
int sq_gold_write_settings(struct sq_conn *w, int64_t tenant_pk, const struct tl_project *p);
/* Whether task_id of p is a gold task (false when there is no such task). */
int sq_gold_is_gold_task(struct sq_conn *w, const struct tl_project *p, int64_t tenant_pk,
                         const char *task_id, bool *is_gold);
/* Task task_pk: whether it is gold, and open. */
int sq_gold_task_state(struct sq_conn *w, int64_t task_pk, bool *is_gold, bool *is_open);
/* One annotation fewer on task task_pk, which is then open or not. */
int sq_gold_task_unbump(struct sq_conn *w, int64_t task_pk, bool is_open);
int sq_task_gold_set(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                     const char *task_id, const char *gold, size_t gold_len);
#define SQ_GOLD_OPS                                                                          \
    .worker_get = sq_worker_get, .task_votes = sq_task_votes,                                \
    .lease_claim_policy = sq_lease_claim_policy,                                             \
    .annotation_submit_hooked = sq_annotation_submit_hooked, .task_gold_set = sq_task_gold_set

#endif
