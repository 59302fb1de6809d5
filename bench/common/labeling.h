/* labeling.h: what the in-process benchmarks (bench/store, bench/export)
 * share: a throwaway store with a tenant, a manager and annotators, tasks
 * imported through the store's import, and the labeling loop driven the way
 * the server drives it (src/api/annotations.c), without HTTP.
 *
 * The loop: every annotator is a slot that claims a lease
 * (tl_queue_next_async), builds the submission body
 * {"lease_id":..,"result":..}, checks it as the submit handler does (parse
 * the body, tl_queue_check_submission: the stored schema parsed, the task's
 * data read for spans, tl_schema_validate_task, the result re-serialized)
 * and queues the annotation (tl_queue_submit_async). Worker threads run the
 * slots' CPU work, as the server's event-loop threads do; the store's writer
 * thread runs every queued write and group-commits (store/sqlite/db.h), and
 * its callbacks only hand the slot back to its worker. With `is_checked`
 * false the check is skipped and the result text goes to the store as is
 * (the store alone).
 *
 * Everything here exits the program on a setup failure (these are
 * benchmarks: a half-built fixture has no figure worth printing). */
#ifndef TB_LABELING_H
#define TB_LABELING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct tb_env {
    char dir[256]; /* the data dir (tb_remove deletes it unless KEEP_DATA=1) */
    struct tl_store *store;
    struct tl_scope manager;                        /* scope of the tenant's manager */
    char manager_token_hash[TL_TOKEN_HASH_LEN + 1]; /* to resolve it again (tb_reopen) */
    struct tl_scope *annotators;
    size_t n_annotators;
};

/* The result text (compact JSON) for the seq-th annotation; it must stay
 * valid until the run ends. */
typedef const char *(*tb_result_fn)(void *ctx, uint64_t seq, size_t *len);
/* Task number i's data (compact JSON) into buf of size cap: its length. */
typedef size_t (*tb_task_fn)(void *ctx, uint64_t i, char *buf, size_t cap);

/* A cycle of n result texts made by make(k), k < n, for tb_label:
 * tb_pool_result is a tb_result_fn whose ctx is the pool. */
struct tb_pool {
    char **texts; /* owned */
    size_t *lens;
    size_t n;
};
void tb_pool_init(struct tb_pool *pool, size_t n, char *(*make)(size_t k));
const char *tb_pool_result(void *pool, uint64_t seq, size_t *len);
void tb_pool_release(struct tb_pool *pool);

struct tb_label_stats {
    uint64_t n_stored;  /* annotations acknowledged (durable) */
    uint64_t n_refused; /* the check refused the result */
    uint64_t n_failed;  /* a claim or submit failed */
    uint64_t n_empty;   /* claims that found no task */
    double seconds;
};

/* Seconds on a monotonic clock. */
double tb_now(void);
/* The process's peak resident set (VmHWM), kB; -1 if unreadable. */
long tb_peak_rss_kb(void);
/* Start the peak over from the current resident set (writes 5 to
 * /proc/self/clear_refs): false if the kernel refused. */
bool tb_reset_peak_rss(void);
/* The environment variable name as an integer in [min, max], def when
 * unset; exits with a message when it is set to anything else. */
long tb_env_long(const char *name, long def, long min, long max);

/* Make a temp data dir under $TMPDIR, open a store there, create a tenant
 * and its manager (with a token whose scope is env->manager). */
void tb_open(struct tb_env *env, const char *name);
/* Open the store in dir again, as a short-lived client (in another
 * process, once the first has closed it), resolving the manager's scope
 * from its token hash as the server resolves a bearer token. */
void tb_reopen(struct tb_env *env, const char *dir, const char *manager_token_hash);
/* Create n annotators of the tenant, each with a token and its scope. */
void tb_add_annotators(struct tb_env *env, size_t n);
/* Create a project with schema (compact JSON) and overlap, add every
 * annotator as a member, and read it back through the manager's filter as
 * the API does. */
void tb_project(struct tb_env *env, const char *name, const char *schema, int overlap,
                struct tl_project *out);
/* Import n tasks made by task(ctx, i) through tl_store_tasks_import, in
 * batches of `batch` (each one transaction). Returns the seconds taken. */
double tb_import(struct tb_env *env, const struct tl_project *p, uint64_t n, size_t batch,
                 tb_task_fn task, void *ctx);
/* Store n annotations on p through the labeling loop (above): every
 * annotator in flight at once, their CPU work over `threads` workers.
 * Returns when every slot has finished. */
void tb_label(struct tb_env *env, const struct tl_project *p, uint64_t n, int threads,
              bool is_checked, tb_result_fn result, void *ctx, struct tb_label_stats *out);
/* Close the store (a server-mode store's writer logs its commit
 * statistics to stderr). */
void tb_close(struct tb_env *env);
/* Remove the data dir, unless KEEP_DATA=1 (then say where it is). */
void tb_remove(struct tb_env *env);

#endif
