/* store.h: the storage interface. All SQL lives behind it.
 *
 * The API layer sees only these functions; a backend (sqlite/ now, pg/
 * later) provides a struct tl_store_vtab. Invariants every backend keeps:
 * - Tenant scope: every object is reached through a struct tl_filter (or the
 *   tenant of a struct tl_scope), and every query that touches tenant data
 *   filters by it. There is no unscoped variant to forget: an object outside
 *   it is TL_ENOTFOUND, exactly as if it did not exist.
 * - No roles: who may do what is decided in authz/policy.h, which hands the
 *   store plain filters. The store never returns TL_EPERM.
 * - Tenant data (task data, annotation results, schemas) are opaque blobs:
 *   never queried by content, so they can be sealed with per-tenant keys.
 * - Lease and completion state is authoritative here and changed only inside
 *   transactions, so several server nodes can share one database.
 * - A call that returns 0 for a write has made it durable (fsync'd).
 * Strings returned inside structs are owned by the struct (release with the
 * matching *_release); ids are copied into fixed tl_id arrays. */
#ifndef TL_STORE_H
#define TL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/id.h"
#include "core/model.h"
#include "crypto/crypto.h"

enum tl_role {
    TL_ROLE_NONE = 0,
    TL_ROLE_OWNER,
    TL_ROLE_ADMIN,
    TL_ROLE_MANAGER,
    TL_ROLE_REVIEWER,
    TL_ROLE_VIEWER,
    TL_ROLE_ANNOTATOR,
};

/* "owner" -> TL_ROLE_OWNER; TL_ROLE_NONE for anything else. */
enum tl_role tl_role_parse(const char *s);
const char *tl_role_name(enum tl_role r);

/* Who is asking: resolved from a token, then passed to every data call. */
struct tl_scope {
    int64_t user_pk;   /* store-private handle */
    int64_t tenant_pk; /* 0: platform workforce (annotators only) */
    enum tl_role role; /* the user's tenant role, or TL_ROLE_ANNOTATOR */
    tl_id user_id;
    tl_id tenant_id; /* "" for the workforce */
    int64_t token_expires_ms; /* the token's expiry, 0 for none (caches honour it) */
};

/* What a read may reach, decided by authz (tl_policy_filter). tenant_pk != 0
 * limits it to that tenant; member_pk != 0 to projects that user is a member
 * of. tenant_pk == 0 (the workforce, which spans tenants) is only valid with
 * member_pk: a filter with neither reaches nothing (fail closed). */
struct tl_filter {
    int64_t tenant_pk;
    int64_t member_pk;
};

struct tl_user {
    int64_t pk;
    tl_id id;
    tl_id tenant_id; /* "" for the workforce */
    enum tl_role role;
    char email[256];
    char password_hash[TL_PWHASH_LEN]; /* "" when the user has no password */
    bool is_disabled;                  /* its tokens are refused; it cannot log in */
    int64_t created_at_ms;
};

/* A project's quality settings (docs/quality-projects.md), columns of its
 * row (migration 11). A zeroed struct turns the gold rule off: a new
 * project starts from tl_quality_defaults(). */
#define TL_GOLD_THRESHOLD_CHANCE (-1.0) /* gold_threshold: the first choice field's 1/options */
struct tl_quality_settings {
    double gold_rate;         /* share of `next` answered with a gold task, 0..1 */
    int qual_tasks;           /* qualification: the first N tasks served are gold; 0: none */
    double qual_pass;         /* ... and a mean gold score below this stops work */
    int max_overlap;          /* adaptive overlap's ceiling; 0: overlap (fixed) */
    double confidence_target; /* complete at overlap once this sure; 0: none */
    char method[16];          /* aggregation method of choice fields ("auto") */
    bool is_auto_suspend;     /* policy "suspend" (else "flag": flag only) */
    double gold_threshold;    /* flag below this gold-accuracy lower bound; 0: off */
    double review_rate;       /* share of complete tasks sampled for review */
    double review_below;      /* tasks whose aggregate is less sure go to review */
};

/* The settings of a project nobody has set any for: method auto, policy
 * flag, the gold rule at chance level, nothing else (migration 16). */
void tl_quality_defaults(struct tl_quality_settings *q);

struct tl_project {
    int64_t pk;
    tl_id id;
    tl_id tenant_id;
    char *name;        /* owned */
    char *schema_json; /* owned, compact JSON */
    int overlap;
    int lease_seconds;
    /* Live leases one annotator may hold on the project at once (prefetch);
     * 0 on create means the default, 1. */
    int max_leases_per_annotator;
    int64_t created_at_ms;
    int64_t n_tasks, n_annotations, n_completed;
    char *instructions; /* owned; NULL or "" for none */
    bool allows_edits;  /* authors may change their annotations (default true) */
    bool is_archived;   /* serves no next work, refuses imports */
    struct tl_quality_settings q;
};
void tl_project_release(struct tl_project *p);

struct tl_lease {
    tl_id id;
    tl_id task_id;
    int64_t expires_at_ms;
    char *task_data; /* owned, compact JSON */
    size_t task_data_len;
    struct tl_prediction *predictions; /* owned, oldest first */
    size_t n_predictions;              /* at most TL_TASK_MAX_PREDICTIONS */
};
void tl_lease_release(struct tl_lease *l);

struct tl_store_opts {
    int readers;             /* concurrent read connections (default 8) */
    bool is_admin_client;    /* a short-lived CLI: no background work */
    const char *secret_path; /* the installation secret's file; NULL: DIR/secret */
    bool is_existing_only;   /* refuse (TL_ENOTFOUND) a directory that holds no store */
};

struct tl_store;

/* Open (creating if needed) the embedded store in directory dir and bring its
 * schema up to date. dir is made (or, if ours, tightened to) 0700 and
 * tally.db, -wal and -shm 0600. The installation secret is read from its own
 * file (opts->secret_path, default dir/secret: exactly TL_SECRET_LEN bytes,
 * closed to group and others), made 0600 for a new store, moved there out of
 * the database of a store made by an older version, and refused if missing
 * or not this store's (store/sqlite/secret.h). opts may be NULL. 0 and *out
 * set, or an error with a message in eb. */
int tl_store_open_sqlite(const char *dir, const struct tl_store_opts *opts, struct tl_store **out,
                         struct tl_errbuf *eb);
/* Finish pending writes and free everything. NULL is fine. */
void tl_store_close(struct tl_store *s);

/* The installation secret (pseudonyms, signed links): TL_SECRET_LEN bytes
 * from its own file (see tl_store_open_sqlite), never stored in the
 * database, valid until tl_store_close. */
const unsigned char *tl_store_secret(const struct tl_store *s);

/* --- tenants, users, tokens (admin) --- */
int tl_store_tenant_create(struct tl_store *s, const char *name, tl_id out_id);
int tl_store_tenant_find(struct tl_store *s, const char *name, tl_id out_id);
/* u->tenant_id "" for the workforce; u->pk, u->id and u->created_at_ms are
 * set on success.
 * TL_EEXIST if the email is taken, TL_ENOTFOUND if the tenant is unknown. */
int tl_store_user_create(struct tl_store *s, struct tl_user *u);
int tl_store_user_find(struct tl_store *s, const char *email, struct tl_user *out);
int tl_store_token_create(struct tl_store *s, int64_t user_pk, const char *token_hash,
                          int64_t expires_at_ms /* 0: never */);
/* tl_store_token_create for a login session (POST /api/v1/auth/login or
 * /auth/session): the same token, listed with kind "session". */
int tl_store_session_create(struct tl_store *s, int64_t user_pk, const char *token_hash,
                            int64_t expires_at_ms);
/* Resolve a token hash to a scope: TL_EAUTH if unknown, revoked or expired. */
int tl_store_token_scope(struct tl_store *s, const char *token_hash, int64_t now_ms,
                         struct tl_scope *out);

/* --- people: tenants, users and tokens as the API and admin CLI list them ---
 * A tenant id "" names the platform workforce (users of no tenant). */
struct tl_tenant {
    tl_id id;
    char name[256];
    int64_t created_at_ms;
    int64_t n_users;
};
/* Every tenant, oldest first, in *out (malloc'd: free it); the admin CLI. */
int tl_store_tenant_list(struct tl_store *s, struct tl_tenant **out, size_t *n);
/* Tenant tenant_id: 0 and *out (n_users 0), or TL_ENOTFOUND. */
int tl_store_tenant_get(struct tl_store *s, const char *tenant_id, struct tl_tenant *out);
/* The users of tenant_id ("" the workforce; NULL every user, for the admin
 * CLI alone: whoever holds the data directory holds them all), oldest
 * first, in *out (malloc'd: free it); password hashes are left empty. */
int tl_store_user_list(struct tl_store *s, const char *tenant_id, struct tl_user **out, size_t *n);
/* User user_id if it belongs to tenant_id ("" the workforce): 0 and *out,
 * else TL_ENOTFOUND. */
int tl_store_user_get(struct tl_store *s, const char *tenant_id, const char *user_id,
                      struct tl_user *out);
/* Change user user_id of tenant_id: is_disabled 0/1 (-1 keeps it), role
 * (TL_ROLE_NONE keeps it). 0 with *out as it now is, or TL_ENOTFOUND. */
int tl_store_user_update(struct tl_store *s, const char *tenant_id, const char *user_id,
                         int is_disabled, enum tl_role role, struct tl_user *out);

/* A project the user is a member of, with their member role. */
struct tl_membership {
    tl_id project_id;
    char *project_name; /* owned */
    enum tl_role role;
};
/* Free the array and each name. */
void tl_memberships_free(struct tl_membership *m, size_t n);
/* The memberships of user_pk (the caller's own), newest project first. */
int tl_store_member_projects(struct tl_store *s, int64_t user_pk, struct tl_membership **out,
                             size_t *n);

#define TL_TOKEN_NAME_MAX 100
/* A token as listed: never its secret, nor its hash. */
struct tl_token_info {
    tl_id id;
    tl_id user_id;
    char name[TL_TOKEN_NAME_MAX + 1]; /* "" when unnamed (login sessions) */
    int64_t created_at_ms, expires_at_ms; /* 0: never expires */
    bool is_session; /* made by a login (tl_store_session_create), not for a script */
};
/* Whose tokens a call reaches: user_pk's own, and every token of a user of
 * tenant_pk when that is not 0; is_any: every token (the admin CLI only).
 * All zero reaches nothing. */
struct tl_token_filter {
    int64_t user_pk, tenant_pk;
    bool is_any;
};
/* tl_store_token_create with a name (NULL or "": none) and the new token's
 * public id in out_id (may be NULL). */
int tl_store_token_add(struct tl_store *s, int64_t user_pk, const char *token_hash,
                       int64_t expires_at_ms, const char *name, tl_id out_id);
/* The live (unrevoked, unexpired at now_ms) tokens f reaches, of user_id
 * only unless it is NULL, oldest first, in *out (malloc'd: free it). */
int tl_store_token_list(struct tl_store *s, const struct tl_token_filter *f, const char *user_id,
                        int64_t now_ms, struct tl_token_info **out, size_t *n);
/* Revoke token token_id if f reaches it and it is not revoked yet: 0 or
 * TL_ENOTFOUND. A server caching scopes (authz/cache.h) must invalidate. */
int tl_store_token_revoke(struct tl_store *s, const struct tl_token_filter *f,
                          const char *token_id);
/* Revoke the token whose hash is token_hash (its holder signing out): 0 or
 * TL_ENOTFOUND (unknown or revoked already). Invalidate caches likewise. */
int tl_store_token_revoke_hash(struct tl_store *s, const char *token_hash);

/* --- projects --- */
/* p: name, schema_json, overlap, lease_seconds, max_leases_per_annotator,
 * instructions (NULL: none) in;
 * id, pk, created_at out. The project goes to sc's tenant (TL_EINVAL if sc
 * has none). */
int tl_store_project_create(struct tl_store *s, const struct tl_scope *sc, struct tl_project *p);
/* The project id if f reaches it, else TL_ENOTFOUND. */
int tl_store_project_get(struct tl_store *s, const struct tl_filter *f, const char *id,
                         struct tl_project *out);
/* The admin CLI's way in, and the one lookup without a filter: the
 * project id in whatever tenant holds it, with *tenant set to a scope of
 * that tenant and of no user (tenant_pk and tenant_id; user_pk 0, role
 * TL_ROLE_NONE), for the tenant-scoped calls that follow (import, export).
 * Whoever runs the CLI holds the data directory, and so the whole
 * database, already; nothing reachable over HTTP calls this. 0, or
 * TL_ENOTFOUND. */
int tl_store_project_get_admin(struct tl_store *s, const char *id, struct tl_project *out,
                               struct tl_scope *tenant);
/* A NULL-terminated-free array of projects in *out (caller releases each and
 * frees the array), newest first. */
int tl_store_project_list(struct tl_store *s, const struct tl_filter *f, struct tl_project **out,
                          size_t *n);
/* Add (or change the role of) a project member by email; the added user's
 * id goes to out_user_id (may be NULL). The user must be of sc's tenant (the project's) or
 * a workforce annotator: TL_ENOTFOUND otherwise. */
int tl_store_member_add(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                        const char *email, enum tl_role role, tl_id out_user_id);
/* The caller's role in the project, or TL_ENOTFOUND if not a member. */
int tl_store_member_role(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                         enum tl_role *role);

/* --- tasks, leases, annotations --- */
/* Store all items as new tasks in one transaction: all or nothing. */
int tl_store_tasks_import(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, const struct tl_blob *items, size_t n);
/* The project of a task, if f reaches that project; else TL_ENOTFOUND. */
int tl_store_task_project(struct tl_store *s, const struct tl_filter *f, const char *task_id,
                          struct tl_project *out);
/* The data of task task_id of project p (p fetched through the caller's
 * filter, so the read is tenant-scoped by p): 0 with *data (owned, compact
 * JSON, NUL-terminated) and *len, or TL_ENOTFOUND if p has no such task.
 * Submissions read it only for schemas checked against the text (spans). */
int tl_store_task_data(struct tl_store *s, const struct tl_project *p, const char *task_id,
                       char **data, size_t *len);
/* The caller's next lease on p (with its task's predictions, oldest
 * first, filtered by the task and p). While the caller holds fewer than p's
 * max_leases_per_annotator live leases, a new lease on the first open task
 * (by priority, then age) that has a free slot and that the caller has
 * neither annotated nor leased. Otherwise, or when no such task is left,
 * their oldest live lease, unchanged (same id, task and expiry: asking again
 * does not extend it). Decided and claimed in one transaction, so no race
 * gives anyone more leases. TL_EEMPTY when the caller holds no live lease on
 * p and no task is free for them. */
int tl_store_lease_claim(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                         int64_t now_ms, struct tl_lease *out);
/* Record the caller's annotation on a task under a live lease of theirs for
 * that task, consuming the lease; completes the task at `overlap`.
 * TL_ECONFLICT if the lease is unknown, expired, used, someone else's or for
 * another task. */
int tl_store_annotation_submit(struct tl_store *s, const struct tl_scope *sc,
                               const struct tl_project *p, const char *task_id,
                               const char *lease_id, const char *result, size_t result_len,
                               int64_t now_ms, tl_id out_id);
/* Asynchronous variants of the two calls on the labeling path, for callers
 * that must not sleep on a group commit (an HTTP handler). Each returns 0
 * once the write is queued, and then done(cb_arg, rc) runs exactly once, on
 * the store's writer thread, after the write is durable (rc 0) or has
 * failed, with the rc the synchronous call would have returned; or returns
 * an error at once, and done never runs. sc, p, out, task_id, lease_id and
 * result are borrowed: they must stay valid and unchanged until done runs.
 * done must be short and must not call back into the store. On a failure
 * *out may still hold memory: release it (tl_lease_release) either way.
 * One exception to "0 means durable": a lease is soft state, so the claim's
 * done runs as soon as the claim is decided in the writer's transaction,
 * before its fsync. A crash or failed commit right after loses that lease:
 * its task is free again at once and the holder's submission gets
 * TL_ECONFLICT, as after an expiry. Submissions are durable before done. */
typedef void (*tl_store_done_fn)(void *cb_arg, int rc);
int tl_store_lease_claim_async(struct tl_store *s, const struct tl_scope *sc,
                               const struct tl_project *p, int64_t now_ms, struct tl_lease *out,
                               tl_store_done_fn done, void *cb_arg);
int tl_store_annotation_submit_async(struct tl_store *s, const struct tl_scope *sc,
                                     const struct tl_project *p, const char *task_id,
                                     const char *lease_id, const char *result,
                                     size_t result_len, int64_t now_ms, char *out_id,
                                     tl_store_done_fn done, void *cb_arg);

/* --- staged imports: an import too large for one write goes in batches ---
 * Asynchronous: each call returns 0 once queued and later runs
 * done(cb_arg, rc) exactly once on the store's writer thread, after the
 * write is durable (rc 0) or has failed (nothing of it stored). sc, p and
 * items must stay valid until then; done must not block or call a
 * synchronous store write. A non-zero return means nothing was queued and
 * done will not run. Staged rows are invisible to every read; they belong
 * to the import id, the caller's tenant and the project only (the caller
 * has decided who may import), and a server that starts deletes any left
 * by one that stopped. */
/* A fresh random id for one staged import. */
int64_t tl_store_import_id(void);
/* Stage items as future tasks of p (ids are given now, in order), with
 * their predictions preds[0..n_preds) (in item order; each names its item;
 * borrowed like items). */
int tl_store_import_stage(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, int64_t import_id,
                          const struct tl_blob *items, size_t n,
                          const struct tl_prediction_in *preds, size_t n_preds,
                          tl_store_done_fn done, void *cb_arg);
/* In one transaction: copy every staged row of import_id into p's tasks
 * (and their staged predictions into predictions), add items[0..n) (the
 * last batch, may be empty) and preds after them, and add the count to the
 * project's n_tasks. The staged rows stay until cleared. n_staged is the
 * number of items staged: if the staging table holds another number (a
 * server that started meanwhile deleted them), nothing is stored and the
 * commit fails with TL_ECONFLICT, so an import stays all or nothing. */
int tl_store_import_commit(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, int64_t import_id, size_t n_staged,
                           const struct tl_blob *items, size_t n,
                           const struct tl_prediction_in *preds, size_t n_preds,
                           tl_store_done_fn done, void *cb_arg);
/* Delete the staged rows of import_id, after a failure or once committed:
 * queued in slices, not awaited (a failure leaves them to the next start's
 * cleanup; they are never copied into tasks again). */
void tl_store_import_clear(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, int64_t import_id);
/* Stream tasks with pk greater than *cursor (start with 0) to fn, stopping
 * after `limit` tasks or once their data reach max_bytes (always at least
 * one task, however large); *cursor advances; *done is set when no task is
 * left. Each task comes with its annotations and its predictions (oldest
 * first). */
int tl_store_export_page(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                         int64_t *cursor, size_t limit, size_t max_bytes, tl_export_fn fn,
                         void *ctx, bool *done);

/* --- media files: the rows; the bytes are on disk (store/files.h) --- */
struct tl_file {
    tl_id id;
    char content_type[64]; /* canonical (core/media.h) */
    int64_t size;
    int64_t created_at_ms;
};
/* Record file f (id, content_type, size in; created_at out) as p's, in sc's
 * tenant, which must be p's: TL_ENOTFOUND otherwise, TL_EEXIST for an id
 * already used. Durable on 0 (a synchronous write: not for an event-loop
 * thread). */
int tl_store_file_create(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, struct tl_file *f);
/* The file id of project p, if f reaches p's tenant (p itself having been
 * fetched through f): 0 and *out, else TL_ENOTFOUND. */
int tl_store_file_get(struct tl_store *s, const struct tl_filter *f, const struct tl_project *p,
                      const char *id, struct tl_file *out);

/* --- lifecycle: settings, deletion, task pages, members' progress ---
 * Every call takes p as fetched through the caller's filter (authz), and
 * filters by p and sc's tenant again in its SQL. */
/* Write p's settings (name, instructions, overlap, lease_seconds,
 * max_leases_per_annotator, allows_edits, is_archived). A changed overlap
 * recomputes which tasks are complete (one write over the project's tasks)
 * and n_completed. 0 or TL_ENOTFOUND. */
int tl_store_project_update(struct tl_store *s, const struct tl_scope *sc,
                            const struct tl_project *p);
/* Mark p deleted (from then on no query reaches it: TL_ENOTFOUND) and queue
 * the purge of its rows in bounded slices in the background; a server that
 * starts resumes unfinished purges. Files' bytes are the caller's to remove
 * (tl_store_file_ids before this call). 0 or TL_ENOTFOUND. */
int tl_store_project_delete(struct tl_store *s, const struct tl_scope *sc,
                            const struct tl_project *p);
/* Call fn(ctx, file id) for each media file of p. */
int tl_store_file_ids(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                      void (*fn)(void *ctx, const char *id), void *ctx);

/* A gold task is neither open nor complete: it is outside progress. */
enum tl_task_state { TL_TASKS_ALL, TL_TASKS_OPEN, TL_TASKS_COMPLETE, TL_TASKS_GOLD };
struct tl_task_item {
    tl_id id;
    char *data; /* owned, compact JSON */
    size_t data_len;
    bool is_complete; /* reached the project's overlap (never a gold task) */
    bool is_gold;     /* a gold task: outside progress */
    int n_annotations;
    int64_t created_at_ms;
};
void tl_task_item_release(struct tl_task_item *t);
/* Up to limit tasks of p in state, in pk order after *cursor (0: from the
 * start), into *out (caller releases each and frees the array). *cursor
 * becomes the last task's position, or 0 when no task follows. */
int tl_store_task_list(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       enum tl_task_state state, size_t limit, int64_t *cursor,
                       struct tl_task_item **out, size_t *n);
/* Task task_id of p into *out, then fn once with it, its annotations and
 * its predictions (as an export page gives them). 0 or TL_ENOTFOUND. */
int tl_store_task_get(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                      const char *task_id, struct tl_task_item *out, tl_export_fn fn,
                      void *ctx);
/* Delete those of ids[0..n) that are tasks of p, with their annotations,
 * leases, predictions and skips, and fix p's counts: *deleted says how
 * many were. */
int tl_store_tasks_delete(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, const char *const *ids, size_t n,
                          int64_t *deleted);

#define TL_SKIP_REASON_MAX    500 /* bytes of a lease release's reason */
#define TL_MEMBER_SKIPS_SHOWN 5   /* a member's latest skips, with reasons */
struct tl_member {
    tl_id user_id;
    char email[256];
    bool is_workforce; /* of no tenant: shown by pseudonym to customers */
    enum tl_role role;
    int64_t n_done, n_in_progress, n_skipped;
    double median_seconds; /* lease claim to submission; -1 with no data */
    struct {
        tl_id task_id;
        char reason[TL_SKIP_REASON_MAX + 1];
    } skips[TL_MEMBER_SKIPS_SHOWN]; /* newest first */
    size_t n_skips_shown;
};
/* --- statistics (the web UI's charts) --- */
#define TL_STATS_MAX_BUCKETS    500  /* time buckets returned, the newest */
#define TL_STATS_MAX_ANNOTATORS 1000 /* annotators listed, the busiest */
/* Upper bounds (seconds) of the claim-to-submit histogram; one more bin
 * holds everything above the last. */
#define TL_STATS_SECONDS_BOUNDS {1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800}
#define TL_STATS_N_BOUNDS       11
struct tl_stats_annotator {
    tl_id user_id, tenant_id; /* tenant_id "" for the workforce */
    char email[256];
    enum tl_role role; /* the user's tenant role (TL_ROLE_ANNOTATOR for the workforce) */
    int64_t n_annotations;
    double median_seconds; /* claim to submit; -1 without data */
};
struct tl_project_stats {
    int64_t bucket_ms;
    int64_t first_bucket_ms; /* start of the first of n_buckets consecutive buckets */
    size_t n_buckets;        /* 0 when the project has no annotation */
    int64_t completion[TL_STATS_MAX_BUCKETS]; /* complete tasks at each bucket's end */
    int64_t throughput[TL_STATS_MAX_BUCKETS]; /* annotations made in each bucket */
    int64_t seconds[TL_STATS_N_BOUNDS + 1];   /* histogram of claim-to-submit times */
    struct tl_stats_annotator *annotators;    /* owned: tl_project_stats_release */
    size_t n_annotators;
};
/* p's statistics in buckets of bucket_ms ending with now_ms's, from one
 * snapshot: 0, TL_ENOMEM or TL_EIO. A task's completion time is its
 * newest annotation's (complete tasks without one count from the start). */
int tl_store_project_stats(struct tl_store *s, const struct tl_project *p, int64_t bucket_ms,
                           int64_t now_ms, struct tl_project_stats *out);
void tl_project_stats_release(struct tl_project_stats *st);

/* One project's part of a user's own work. */
struct tl_my_project_stats {
    tl_id project_id;
    char name[256];
    int64_t n_annotations;
    double seconds;   /* sum of claim-to-submit times */
    int64_t last_at_ms; /* newest annotation, 0 for none */
};
/* sc's annotations in each project sc is a member of (of sc's tenant
 * only, for a tenant's users), most recently worked first: *out (caller
 * frees) and *n. */
int tl_store_my_stats(struct tl_store *s, const struct tl_scope *sc,
                      struct tl_my_project_stats **out, size_t *n);

/* p's members, oldest membership first (caller frees *out). */
int tl_store_member_list(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, int64_t now_ms, struct tl_member **out,
                         size_t *n);
/* Change member user_id's role: 0 or TL_ENOTFOUND. */
int tl_store_member_set_role(struct tl_store *s, const struct tl_scope *sc,
                             const struct tl_project *p, const char *user_id, enum tl_role role);
/* Remove member user_id and release their leases on p: 0 or TL_ENOTFOUND. */
int tl_store_member_remove(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, const char *user_id);

/* What else a path may name, each reached through its project. */
enum tl_store_obj { TL_STORE_LEASE, TL_STORE_ANNOTATION, TL_STORE_FLAG, TL_STORE_REVIEW };
/* The project of lease or annotation id, if f reaches that project: 0 or
 * TL_ENOTFOUND. */
int tl_store_object_project(struct tl_store *s, const struct tl_filter *f, enum tl_store_obj kind,
                            const char *id, struct tl_project *out);
/* Give back the caller's live lease lease_id on p: the slot reopens, and
 * the task is recorded as skipped by the caller with reason (never served
 * to them again). TL_ECONFLICT if the lease is not live or not theirs. */
int tl_store_lease_release(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, const char *lease_id, const char *reason,
                           int64_t now_ms);
struct tl_submit_hooks; /* below, with the quality calls */
struct tl_annotation {
    tl_id id, task_id, annotator_id;
    char *result; /* owned, compact JSON */
};
void tl_annotation_release(struct tl_annotation *a);
/* Annotation id of p: 0 or TL_ENOTFOUND. */
int tl_store_annotation_get(struct tl_store *s, const struct tl_scope *sc,
                            const struct tl_project *p, const char *id, struct tl_annotation *out);
/* Replace the result of the caller's own annotation id of p, keeping the
 * old one in annotation_history: 0 or TL_ENOTFOUND. With hooks (may be
 * NULL, tl_submit_hooks), in the same transaction: on a gold task the
 * annotation is scored again and its annotator's gold record follows; on
 * an ordinary one the task's live aggregate is computed again (the task's
 * completion is left as it is: the count did not change). */
int tl_store_annotation_update(struct tl_store *s, const struct tl_scope *sc,
                               const struct tl_project *p, const char *id, const char *result,
                               size_t result_len, int64_t now_ms, struct tl_submit_hooks *hooks);
/* Delete annotation id of p (kept in annotation_history, by sc): its task's
 * slot reopens and the counts follow; a gold score leaves its annotator's
 * record; the task's live aggregate is computed again from the votes left
 * (with hooks; without, or with none left, the row goes unless reviewed).
 * 0 or TL_ENOTFOUND. */
int tl_store_annotation_delete(struct tl_store *s, const struct tl_scope *sc,
                               const struct tl_project *p, const char *id, int64_t now_ms,
                               struct tl_submit_hooks *hooks);
/* --- webhooks and their outbox (docs/webhooks.md) ---
 * A delivery row (the outbox) is written inside the transaction that records
 * its event, for every webhook of the project subscribed to it: an
 * annotation submit writes annotation.created, and task.completed /
 * project.completed when it completes the task / the project's last open
 * task. So a delivery exists exactly when its event is durable. Projects
 * without webhooks pay nothing (no query) until the store has one. */
enum tl_hook_event {
    TL_HOOK_ANNOTATION_CREATED = 1,
    TL_HOOK_TASK_COMPLETED = 2,
    TL_HOOK_PROJECT_COMPLETED = 4,
};
#define TL_HOOK_ALL_EVENTS 7
/* "annotation.created" -> TL_HOOK_ANNOTATION_CREATED; 0 for anything else. */
unsigned tl_hook_event_parse(const char *name);
/* The name of one event bit; "?" for anything else. */
const char *tl_hook_event_name(unsigned event);

#define TL_WEBHOOK_URL_MAX        2048
#define TL_WEBHOOK_SECRET_LEN     64 /* 32 random bytes, hex */
#define TL_WEBHOOK_MAX_PER_PROJECT 20

enum tl_delivery_status { TL_DELIVERY_PENDING, TL_DELIVERY_DELIVERED, TL_DELIVERY_FAILED };
/* "pending", "delivered", "failed". */
const char *tl_delivery_status_name(int status);

struct tl_webhook {
    tl_id id;
    char url[TL_WEBHOOK_URL_MAX + 1];
    unsigned events; /* bits of enum tl_hook_event */
    char secret[TL_WEBHOOK_SECRET_LEN + 1]; /* in for create; "" from list */
    int64_t created_at_ms;
};

struct tl_webhook_delivery {
    tl_id id;
    char event[32];
    int status; /* enum tl_delivery_status */
    int attempts;
    int last_http_status; /* 0: no HTTP answer */
    char last_error[256];
    int64_t created_at_ms, delivered_at_ms /* 0: not yet */, next_attempt_at_ms;
};

/* One delivery due for sending, with what the sender needs (owned strings). */
struct tl_webhook_job {
    int64_t pk;
    tl_id id;
    int attempts; /* made so far */
    char url[TL_WEBHOOK_URL_MAX + 1];
    char secret[TL_WEBHOOK_SECRET_LEN + 1];
    char event[32];
    char *payload; /* owned, NUL-terminated JSON */
    size_t payload_len;
};
void tl_webhook_job_release(struct tl_webhook_job *j);

/* The outcome of one attempt, recorded by tl_store_webhook_record. */
struct tl_webhook_attempt {
    int status; /* enum tl_delivery_status after this attempt */
    int attempts;
    int http_status;
    const char *error; /* NULL or "" when delivered */
    int64_t next_at_ms, delivered_at_ms;
};

/* Add webhook h (url, events, secret in; id, created_at out) to project p
 * of sc's tenant: TL_ECONFLICT when p has TL_WEBHOOK_MAX_PER_PROJECT. */
int tl_store_webhook_create(struct tl_store *s, const struct tl_scope *sc,
                            const struct tl_project *p, struct tl_webhook *h);
/* p's webhooks, oldest first, secrets left empty: *out (caller frees) and *n. */
int tl_store_webhook_list(struct tl_store *s, const struct tl_project *p, struct tl_webhook **out,
                          size_t *n);
/* Delete webhook id of p with its delivery log: 0 or TL_ENOTFOUND. */
int tl_store_webhook_delete(struct tl_store *s, const struct tl_project *p, const char *id);
/* The newest `limit` deliveries of webhook id of p, newest first: *out
 * (caller frees) and *n; TL_ENOTFOUND when p has no such webhook. */
int tl_store_webhook_deliveries(struct tl_store *s, const struct tl_project *p, const char *id,
                                size_t limit, struct tl_webhook_delivery **out, size_t *n);
/* The delivery thread's two calls, across tenants (it is the installation's
 * own sender, reachable from no request). Up to max pending deliveries due
 * at now_ms (every pending one when is_all: a server that starts sends what
 * the last one left), oldest first, into *out (release each, free the
 * array). */
int tl_store_webhook_due(struct tl_store *s, int64_t now_ms, bool is_all, size_t max,
                         struct tl_webhook_job **out, size_t *n);
/* Record attempt a of delivery pk (a synchronous write); keeps each
 * webhook's log at its newest TL_WEBHOOK_LOG_KEEP finished rows. */
#define TL_WEBHOOK_LOG_KEEP 1000
int tl_store_webhook_record(struct tl_store *s, int64_t pk, const struct tl_webhook_attempt *a);

/* --- quality (core): the worker row, gold, the lease policy, live
 * aggregates and adaptive overlap (docs/quality-projects.md) ---
 * Gold tasks (tasks.gold not NULL) are outside progress: not in n_tasks or
 * n_completed, never complete, never served by the ordinary pick (is_open
 * stays 0: outside the queue index); annotations on them count in
 * n_annotations. */

/* One annotator's row in a project (table workers, migration 11). */
struct tl_worker {
    bool is_known;     /* a row exists (else the rest is zero, skill -1) */
    bool is_suspended; /* status 1 */
    int64_t n_gold;    /* gold tasks answered */
    double gold_sum;   /* sum of their scores, 0..n_gold */
    double skill;      /* from the last full re-inference; < 0: unknown */
};
/* user_pk's row in p: 0 with *out (a zero row when none), or a store
 * error. One indexed read. */
int tl_store_worker_get(struct tl_store *s, const struct tl_project *p, int64_t user_pk,
                        struct tl_worker *out);

/* What the lease policy (queue/policy.h) decides for one `next`. */
enum tl_lease_gold {
    TL_LEASE_ORDINARY,   /* the ordinary pick only */
    TL_LEASE_GOLD_FIRST, /* a gold task if one is left for the caller, else ordinary */
    TL_LEASE_GOLD_ONLY,  /* qualification: a gold task or nothing (refused) */
};
#define TL_LEASE_MESSAGE_MAX 256
struct tl_lease_decision {
    enum tl_lease_gold gold;
    const char *refusal; /* NULL: serve; else the error code ("not_qualified", "suspended") */
    char message[TL_LEASE_MESSAGE_MAX]; /* why, for a refusal */
};
/* Built by queue per `next`, applied by the store in the claim's
 * transaction: decide runs there with the caller's worker row, read in the
 * same transaction (the writer's connection: no page-cache miss). */
struct tl_lease_policy {
    void (*decide)(const struct tl_lease_policy *pol, const struct tl_worker *w,
                   struct tl_lease_decision *out);
    const struct tl_quality_settings *q; /* borrowed */
    uint32_t roll;                       /* uniform in [0, TL_LEASE_ROLL_MAX) */
    /* out, valid once the claim is done */
    struct tl_lease_decision decision;
    bool is_gold; /* the lease handed out is on a gold task */
    bool is_gold_exhausted; /* TL_EPERM because gold-only found none left */
};
#define TL_LEASE_ROLL_MAX 1000000u
/* tl_store_lease_claim under pol (may be NULL: no gold, no refusals). A
 * refusal is TL_EPERM with pol->decision.refusal and .message set (a
 * qualification that finds no gold left for the caller, who holds no
 * lease, is refused likewise). The ordinary pick takes an open, non-gold
 * task with a free slot: `overlap` slots while it has fewer annotations,
 * n_annotations + 1 after (adaptive overlap: extra labels one at a time).
 * A gold pick takes, at random, a gold task the caller has neither
 * annotated, leased nor skipped (overlap does not apply). done NULL: wait
 * (synchronous); else as tl_store_lease_claim_async. */
int tl_store_lease_claim_policy(struct tl_store *s, const struct tl_scope *sc,
                                const struct tl_project *p, int64_t now_ms,
                                struct tl_lease_policy *pol, struct tl_lease *out,
                                tl_store_done_fn done, void *cb_arg);

/* One counted annotation of a task, for the live aggregate. */
struct tl_store_vote {
    const char *result; /* compact JSON, borrowed for the call */
    size_t result_len;
    double skill; /* workers.skill; < 0: unknown */
};
/* Which counted annotations of a task a live aggregate was computed from:
 * their number and the newest pk (pks only grow, so a set that changed by a
 * set-aside, a restore or a new submit shows here). */
struct tl_store_votes_seen {
    int64_t n, max_pk;
};
/* The counted votes of task task_id of p with their annotators' skills, in
 * pk order (at most TL_STORE_MAX_VOTES), and user_pk's skill (< 0:
 * unknown), read on a reader: what the task's live aggregate is computed
 * from when user_pk submits next, if nothing changes before the write. *v
 * and its results are the caller's (tl_store_votes_free). 0, TL_EEMPTY for
 * a gold task (it has no aggregate), TL_ENOTFOUND, or TL_E*. */
#define TL_STORE_MAX_VOTES 1000 /* far above any overlap (max_overlap <= 100) */
int tl_store_task_votes(struct tl_store *s, const struct tl_project *p, const char *task_id,
                        int64_t user_pk, struct tl_store_vote **v, size_t *n, double *user_skill,
                        struct tl_store_votes_seen *seen);
void tl_store_votes_free(struct tl_store_vote *v, size_t n);
/* A task's aggregate as the store writes it (table aggregates). */
struct tl_store_agg {
    char *result, *confidence; /* malloc'd compact JSON: the store frees them */
    double min_confidence;
};
/* What a submission needs from above the store, run on the writer thread
 * inside the submit's transaction (queue/queue.h builds them with the
 * project's compiled schema). Either function may be NULL. */
struct tl_submit_hooks {
    /* result scored against gold: 0 with *score in [0, 1], TL_EEMPTY to
     * leave it unscored (a gold that no longer fits), or TL_E* */
    int (*score)(const struct tl_submit_hooks *h, const char *gold, size_t gold_len,
                 const char *result, size_t result_len, double *score);
    /* the aggregate of votes v[0..n): 0 with *out filled, or TL_E* */
    int (*aggregate)(const struct tl_submit_hooks *h, const struct tl_store_vote *v, size_t n,
                     struct tl_store_agg *out);
    void *ctx;
    /* The live aggregate computed before the write, off the writer thread
     * (queue.c), from the votes pre_seen names plus this submission: the
     * writer uses it when those are still the task's counted annotations
     * other than this one, else computes it again through aggregate.
     * Borrowed; NULL: none. */
    const struct tl_store_agg *pre;
    struct tl_store_votes_seen pre_seen;
    /* out, valid once the submit is done */
    bool is_gold, has_score, is_complete, pre_used;
    double gold_score;
};
/* tl_store_annotation_submit with hooks (may be NULL): on a gold task the
 * score goes to annotations.gold_score and workers(n_gold, gold_sum); on
 * an ordinary one the task's aggregate (its counted annotations with the
 * new one) is written to aggregates (never over a reviewed one) and the
 * task completes when n >= max_overlap, or n >= overlap and (no
 * confidence_target or min_confidence >= it). All in the annotation's
 * transaction. done NULL: wait; else as tl_store_annotation_submit_async. */
int tl_store_annotation_submit_hooked(struct tl_store *s, const struct tl_scope *sc,
                                      const struct tl_project *p, const char *task_id,
                                      const char *lease_id, const char *result,
                                      size_t result_len, int64_t now_ms,
                                      struct tl_submit_hooks *hooks, char *out_id,
                                      tl_store_done_fn done, void *cb_arg);
/* Set (gold: compact JSON, checked by the caller) or clear (gold NULL)
 * task task_id's gold answer; the task leaves (or rejoins) progress and
 * p's counts follow. 0 or TL_ENOTFOUND. */
int tl_store_task_gold_set(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, const char *task_id, const char *gold,
                           size_t gold_len);
/* --- quality: review (store/sqlite/review.c, docs/quality-review.md) ---
 * A review is one reviewer's decision on one task of a project: accept the
 * task's aggregate, reject annotations (set aside, their slots reopen) or
 * correct the answer. Which tasks are offered is decided lazily by
 * tl_store_review_next, in the writer's transaction, never on submit. */
enum tl_review_reason { TL_REVIEW_SAMPLED, TL_REVIEW_LOW_CONFIDENCE, TL_REVIEW_FLAGGED };
enum tl_review_status {
    TL_REVIEW_PENDING,
    TL_REVIEW_ACCEPTED,
    TL_REVIEW_REJECTED,
    TL_REVIEW_CORRECTED,
};
#define TL_REVIEW_CLAIM_MS     (30LL * 60 * 1000) /* a pending claim is reclaimable after */
#define TL_REVIEW_SECOND_RATE  0.10 /* share of reviewed tasks offered to a second reviewer */
#define TL_REVIEW_SCAN_MAX     4096 /* tasks one `next` examines at most */
#define TL_REVIEW_MAX_ANNOTS   64   /* annotations an item shows (and a reject takes) */
#define TL_REVIEW_SCORE_ROWS   200000 /* newest decided reviews the scores read */

/* The keyed draw in [0, 1) of task_id for salt ("sample", "second"):
 * BLAKE2b keyed by the installation secret, so stable for a task but not
 * predictable by annotators, and independent between salts. */
double tl_review_draw(const unsigned char secret[TL_SECRET_LEN], const char *salt,
                      const char *task_id);

/* Who a review or an annotation is by, as the API names people
 * (tl_policy_shows_email: email for the tenant's own staff, else the
 * pseudonym of user_id in the project's tenant). */
struct tl_review_person {
    tl_id user_id;
    tl_id tenant_id; /* "" for the workforce */
    enum tl_role role; /* the user's tenant role */
    char email[256];
};
struct tl_review_annot {
    tl_id id;
    struct tl_review_person by;
    char *result; /* owned, compact JSON */
};
struct tl_review_item {
    tl_id id, task_id;
    int reason; /* enum tl_review_reason */
    int status; /* enum tl_review_status */
    bool has_reviewer;
    struct tl_review_person reviewer;
    int64_t created_at_ms, claimed_at_ms, decided_at_ms; /* 0: not yet */
    char *correction; /* owned or NULL: the reviewed answer (accept, correct) */
    char *rejected;   /* owned or NULL: JSON array of the annotation ids set aside */
    /* Filled by next and get only (NULL / 0 in lists): */
    char *data; /* owned: the task's data */
    char *gold; /* owned or NULL: the task's gold. NEVER shown to reviewers
                 * (they are scored against it); the API scores with it. */
    struct tl_review_annot *annots; /* owned: the task's counted annotations */
    size_t n_annots;
    bool has_aggregate;
    bool is_agg_reviewed;
    char agg_method[16];
    char *agg_result, *agg_confidence; /* owned when has_aggregate */
};
void tl_review_item_release(struct tl_review_item *v);

/* The caller's next review item of p (read with annotations, aggregate and
 * gold): the live claim they already hold on p, else the first task the
 * sweep finds (docs/quality-review.md), claimed by them in the same
 * transaction. 0, TL_EEMPTY (nothing to review within TL_REVIEW_SCAN_MAX
 * tasks), or a store error. */
int tl_store_review_next(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, int64_t now_ms, struct tl_review_item *out);
/* Review id of p, read like next's. 0 or TL_ENOTFOUND. */
int tl_store_review_get(struct tl_store *s, const struct tl_project *p, const char *id,
                        struct tl_review_item *out);
/* Up to limit reviews of p (is_done: decided ones, newest decision first
 * by pk; else pending, oldest first), after *cursor (0 from the start; set
 * to the last row's position, 0 at the end). Lists carry no data. */
int tl_store_review_list(struct tl_store *s, const struct tl_project *p, bool is_done,
                         size_t limit, int64_t *cursor, struct tl_review_item **out, size_t *n);

/* A decision on a pending review held by the caller. */
struct tl_review_decision {
    int status; /* TL_REVIEW_ACCEPTED, _REJECTED or _CORRECTED */
    /* accept and correct: the reviewed answer (compact JSON; accept: the
     * aggregate accepted, may be NULL when the task had none) and its
     * per-field confidence object; both written to aggregates with
     * is_reviewed 1 (method: agg_method, "review" for a correction). */
    const char *answer;
    const char *confidence;
    const char *agg_method;
    /* reject: the annotation ids of the task to set aside (NULL: all its
     * counted ones), at most TL_REVIEW_MAX_ANNOTS. */
    const char *const *annotation_ids;
    size_t n_ids;
    bool has_gold_score;
    double gold_score; /* see migration 15 */
};
/* Record decision d on review id of p, decided by the caller (who must hold
 * its claim): the review row, and the aggregate (accept, correct) or the
 * set-aside of the rejected annotations, with the task reopened and the
 * counters fixed (the same mechanic as tl_store_annotations_set_aside), in
 * one transaction. 0; TL_ENOTFOUND (no such review in p); TL_ECONFLICT
 * (decided already, or claimed by someone else); TL_EINVAL (a reject
 * naming an annotation that is not a counted one of the task). */
int tl_store_review_decide(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, const char *id,
                           const struct tl_review_decision *d, int64_t now_ms);

/* One decided review, as the reviewers' scores read it. */
struct tl_review_done {
    int64_t task_pk;
    struct tl_review_person reviewer;
    int status;
    char *answer; /* owned or NULL: the correction column */
    bool has_gold_score;
    double gold_score;
};
/* The newest TL_REVIEW_SCORE_ROWS decided reviews of p, by task: *out
 * (release each with free(answer), free the array) and *n. */
int tl_store_review_done(struct tl_store *s, const struct tl_project *p,
                         struct tl_review_done **out, size_t *n);
void tl_review_done_free(struct tl_review_done *v, size_t n);

/* --- quality: aggregates and full re-inference (infer helper; sqlite/aggregates.c,
 * docs/quality-aggregates.md) --- */

/* One counted annotation (set_aside = 0) of a project as re-inference reads
 * it. Pointers are valid during the callback only. gold is the task's gold
 * answer ({FIELD: VALUE}), NULL for an ordinary task. */
struct tl_agg_label {
    int64_t task_pk, annotator_pk;
    const char *result;
    size_t result_len;
    const char *gold;
    size_t gold_len;
};
typedef int (*tl_agg_label_fn)(void *ctx, const struct tl_agg_label *l);
/* What one read saw: due-ness is judged against it (tl_store_reinfer_due). */
struct tl_agg_seen {
    int64_t n_annotations; /* the project's counted annotations (projects.n_annotations) */
    int64_t last_at_ms;    /* its newest annotation time (0: none) */
    int64_t read_at_ms;    /* the clock just before the read began */
};
/* Stream every counted annotation of p (gold tasks included) in task pk
 * order (a task's annotations together, by annotator), read in up to
 * n_parts parts side by side, one thread each (part 0 on the caller's):
 * part i's labels go to fn(ctx[i], l), every task of part i precedes every
 * task of part i + 1, and parts hold near-equal numbers of tasks. All parts
 * read ONE instant (their read transactions begin together inside one
 * writer op, where no commit can land), so the labels are one instant's;
 * *seen is that instant. Fewer parts are used when the store's readers are
 * busy or the project is small: *n_used (may be NULL) says how many, and
 * the parts from *n_used on get nothing. Stops a part at fn's first
 * non-zero return and returns it; else 0 or TL_E*. n_parts is clamped to
 * [1, TL_AGG_MAX_PARTS]. */
#define TL_AGG_MAX_PARTS 8
int tl_store_agg_labels(struct tl_store *s, const struct tl_project *p, size_t n_parts,
                        tl_agg_label_fn fn, void *const *ctx, size_t *n_used,
                        struct tl_agg_seen *seen);

/* One task's aggregate as re-inference writes it (strings borrowed). */
struct tl_agg_row {
    int64_t task_pk;
    const char *result; /* {FIELD: VALUE}, compact JSON */
    size_t result_len;
    const char *confidence; /* {FIELD: P} */
    size_t confidence_len;
    double min_confidence;
    int n_annotations;
};
/* One annotator's estimates; skill or agreement < 0: unknown (NULL). */
struct tl_agg_worker {
    int64_t annotator_pk;
    double skill, agreement;
};
/* Write p's aggregates rows[0..n) (in task pk order) with method, as of
 * read_at_ms (the seen->read_at_ms of the read they come from): in slices
 * of TL_AGG_WRITE_SLICE rows, one writer op each, so live submits
 * interleave; each slice first reads the stored aggregates of its range
 * of task pks (the ranges tile them all). A row equal to the stored one
 * (method, result, confidence, count) is left as it is; none is written
 * over a reviewed aggregate (is_reviewed = 1) nor over one a live submit
 * updated after read_at_ms (newer than this run's snapshot). A stored
 * aggregate whose task is not among the rows (no counted annotation left)
 * is deleted, unless reviewed or so updated. *n_written (may be NULL):
 * rows inserted or changed. */
#define TL_AGG_WRITE_SLICE 10000
int tl_store_agg_write(struct tl_store *s, const struct tl_project *p, const char *method,
                       const struct tl_agg_row *rows, size_t n, int64_t read_at_ms,
                       size_t *n_written);
/* Set workers.skill/agreement of p's annotators w[0..n) (rows made as
 * needed), in slices like tl_store_agg_write. */
int tl_store_agg_workers(struct tl_store *s, const struct tl_project *p,
                         const struct tl_agg_worker *w, size_t n, int64_t now_ms);

/* The record of p's last full re-inference (migration 13). */
struct tl_quality_run {
    int64_t started_at_ms, finished_at_ms;
    char method[16];  /* the project's method when it ran */
    char detail[160]; /* what auto chose, per field; "" otherwise */
    int64_t n_labels, n_tasks, n_workers;
    double seconds;
    char *agreement; /* owned: {FIELD: alpha|null}, compact JSON */
    char error[200]; /* "" or why the run failed */
    struct tl_agg_seen seen;
};
void tl_quality_run_release(struct tl_quality_run *r);
/* Record (replace) p's last run: 0 or TL_E*. */
int tl_store_quality_run_put(struct tl_store *s, const struct tl_project *p,
                             const struct tl_quality_run *r);
/* p's last run into *out (release it): 0 or TL_ENOTFOUND (never ran). */
int tl_store_quality_run_get(struct tl_store *s, const struct tl_project *p,
                             struct tl_quality_run *out);
/* Up to max ids of projects (any tenant: the scheduler is the
 * installation's own) whose counted annotations or newest annotation time
 * moved since their last run, or that never ran and have annotations;
 * least recently run first. *out is caller-freed. */
int tl_store_reinfer_due(struct tl_store *s, size_t max, tl_id **out, size_t *n);

/* One row of GET /projects/{id}/aggregates. */
struct tl_aggregate {
    tl_id task_id;
    char method[16];
    char *result, *confidence; /* owned compact JSON */
    int n_annotations;
    bool is_reviewed;
    int64_t updated_at_ms;
};
void tl_aggregate_release(struct tl_aggregate *a);
/* p's aggregates of tasks after *cursor (0: from the start), task order, at
 * most limit: *out (release each, free the array), *n; *cursor becomes the
 * last one's position, 0 when no aggregate is left after it. */
int tl_store_aggregate_list(struct tl_store *s, const struct tl_scope *sc,
                            const struct tl_project *p, size_t limit, int64_t *cursor,
                            struct tl_aggregate **out, size_t *n);

/* The quality page's charts (GET /projects/{id}/quality). */
#define TL_QUALITY_MAX_DAYS 1000 /* the newest days of gold accuracy kept */
struct tl_gold_day {
    int64_t day_ms; /* midnight UTC */
    double accuracy; /* mean gold score of the day's answers */
    int64_t answered;
};
struct tl_quality_summary {
    int64_t histogram[10]; /* aggregates by min_confidence: [0,.1) .. [.9,1] */
    struct tl_gold_day *days; /* owned, oldest first */
    size_t n_days;
    bool has_run;
    struct tl_quality_run run; /* when has_run */
};
void tl_quality_summary_release(struct tl_quality_summary *q);
int tl_store_quality_summary(struct tl_store *s, const struct tl_project *p,
                             struct tl_quality_summary *out);
/* --- end quality: aggregates --- */

/* --- quality: workers (workers.c): the detectors' snapshot, flags with
 * their appeal and decision, suspension and set-aside
 * (docs/quality-workers.md). Every call takes p as fetched through the
 * caller's filter and names p in its SQL. --- */
/* An annotator of the project with their workers row (or its defaults). */
struct tl_wk_person {
    int64_t pk;
    tl_id user_id, tenant_id; /* tenant_id "" for the workforce */
    enum tl_role role;        /* their tenant role (TL_ROLE_ANNOTATOR for the workforce) */
    char email[256];
    bool is_suspended;
    bool has_skill, has_agreement; /* written by re-inference */
    double skill, agreement;
};
/* One annotation of the project (set-aside ones too: is_set_aside). */
struct tl_wk_label {
    size_t person;  /* index into persons */
    size_t task;    /* index into tasks */
    tl_id id;
    char *result;   /* owned, compact JSON */
    int64_t created_at_ms, claimed_at_ms; /* claimed 0: unknown */
    bool has_gold_score, is_set_aside;
    double gold_score;
};
/* A task that has annotations. */
struct tl_wk_task {
    int64_t pk;
    tl_id id;
    char *gold;     /* owned compact JSON, NULL: not gold */
    char *prelabel; /* owned: its oldest prediction's result, NULL: none */
};
struct tl_wk_snapshot {
    struct tl_wk_person *persons; /* by pk ascending */
    size_t n_persons;
    struct tl_wk_label *labels;   /* by task, then annotation */
    size_t n_labels;
    struct tl_wk_task *tasks;     /* by pk */
    size_t n_tasks;
};
void tl_wk_snapshot_release(struct tl_wk_snapshot *w);
/* p's annotators (those with an annotation, a workers row or a flag),
 * annotations and annotated tasks, read in one transaction: 0, TL_ETOOBIG
 * when p has more than max_labels annotations, TL_ENOMEM or TL_EIO. */
int tl_store_wk_snapshot(struct tl_store *s, const struct tl_project *p, size_t max_labels,
                         struct tl_wk_snapshot *out);

enum tl_flag_status { TL_FLAG_OPEN, TL_FLAG_UPHELD, TL_FLAG_DISMISSED };
/* A detector's finding as stored. */
struct tl_flag {
    tl_id id;
    tl_id project_id;
    char project_name[256];
    int64_t annotator_pk;
    tl_id annotator_id;
    char rule[32];
    double score;
    char *evidence; /* owned, compact JSON object */
    int64_t created_at_ms;
    int status;       /* enum tl_flag_status */
    bool is_suspending; /* its action suspended the annotator */
    char *appeal;       /* owned, NULL: none */
    int64_t appealed_at_ms;
    char *note;         /* owned: the decision's note, NULL: none */
    char decided_by_email[256]; /* "" undecided */
    tl_id decided_by_id;
    int64_t decided_at_ms;
};
void tl_flag_release(struct tl_flag *f);
void tl_flags_free(struct tl_flag *f, size_t n);
/* What a detector run found about one annotator. */
struct tl_flag_in {
    int64_t annotator_pk;
    const char *rule;
    double score;
    const char *evidence; /* compact JSON object */
};
/* Record findings f[0..n) of p in one transaction. An annotator has at most
 * one flag per rule: an open one is updated (score, evidence); none makes
 * a new open flag; an upheld or dismissed one stands (the lead's decision
 * is not re-opened by later runs). With is_suspend, each flag that this
 * call makes or updates becomes suspending, and an annotator whose flag
 * became suspending now is suspended (tl_store_worker_set_status). With
 * is_complete (f holds every finding of a whole run), an open flag that
 * never suspended and that f no longer holds is dismissed with the note
 * "no longer found by the detectors" and no decider: a finding describes
 * the labels as they are (a run on a half-replayed crowd must not leave
 * flags behind), while a suspension stands until a lead lifts it; such a
 * flag, unlike a lead's dismissal, does not stop a new one for the same
 * rule. *n_new
 * (may be NULL): the flags made. */
int tl_store_flags_record(struct tl_store *s, const struct tl_project *p,
                          const struct tl_flag_in *f, size_t n, bool is_suspend,
                          bool is_complete, int64_t now_ms, size_t *n_new);
/* Flags of p (annotator_pk 0: everyone's), oldest first, at most limit. */
int tl_store_flag_list(struct tl_store *s, const struct tl_project *p, int64_t annotator_pk,
                       size_t limit, struct tl_flag **out, size_t *n);
/* sc's own flags in every project not deleted, newest first, at most limit. */
int tl_store_flags_mine(struct tl_store *s, const struct tl_scope *sc, size_t limit,
                        struct tl_flag **out, size_t *n);
/* Flag id of p: 0 or TL_ENOTFOUND. */
int tl_store_flag_get(struct tl_store *s, const struct tl_project *p, const char *id,
                      struct tl_flag *out);
/* Record sc's appeal text on their own flag id of p (a later appeal
 * replaces it): 0, or TL_ENOTFOUND (no such flag, or not sc's). */
int tl_store_flag_appeal(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, const char *id, const char *text,
                         int64_t now_ms);
/* sc decides flag id of p: upheld or dismissed, with note (NULL: none),
 * kept with who and when. Dismissing a suspending flag reinstates its
 * annotator unless another open or upheld suspending flag of theirs in p
 * remains. 0 or TL_ENOTFOUND. */
int tl_store_flag_decide(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, const char *id, bool is_upheld,
                         const char *note, int64_t now_ms);
/* Suspend (or reinstate) annotator_pk on p: their workers row's status,
 * their live leases on p dropped, and their annotations on p set aside (or
 * counted again), in one transaction. 0, or TL_ENOTFOUND when annotator_pk
 * has neither annotations nor a workers row on p. */
int tl_store_worker_set_status(struct tl_store *s, const struct tl_project *p,
                               int64_t annotator_pk, bool is_suspended, int64_t now_ms);
/* Set aside (is_set) or count again annotations of p: every one of
 * annotator_pk's when it is not 0, else those of ids[0..n_ids). Each one
 * changed moves its task's n_annotations by one, reopens a task that falls
 * below overlap (or completes one that reaches it: a reinstated task may
 * then hold more than overlap), moves the project's counters and the
 * completion statistics, and deletes the task's aggregate row so the next
 * submission or re-inference recomputes it. *changed (may be NULL): how
 * many. sc may be NULL (the detectors' own run). */
int tl_store_annotations_set_aside(struct tl_store *s, const struct tl_scope *sc,
                                   const struct tl_project *p, int64_t annotator_pk,
                                   const char *const *ids, size_t n_ids, bool is_set,
                                   size_t *changed);
/* Every project of every tenant not deleted and not archived with an
 * annotation newer than since_ms (the detectors' scheduler, which is the
 * installation's own and reachable from no request): *out (caller frees). */
int tl_store_wk_projects_due(struct tl_store *s, int64_t since_ms, tl_id **out, size_t *n);

#endif
