/* queue.h: the labeling loop: hand out work, take it back.
 *
 * Policy lives here, state in the store: a lease is claimed transactionally
 * by the store (so completion stays exact with any number of nodes), and a
 * submitted result is checked against the project's schema before the store
 * records it. The lease policy (gold, qualification, refusals) is
 * queue/policy.h, applied by the store inside the claim; the compiled schema
 * is cached per project (queue/schemas.h); a submission carries hooks that
 * score gold and aggregate the task inside the submit's transaction
 * (docs/quality-projects.md). */
#ifndef TL_QUEUE_H
#define TL_QUEUE_H

#include <jansson.h>

#include "queue/policy.h"
#include "queue/schemas.h"
#include "store/store.h"

/* The caller's next lease under p's lease policy (policy.h): a new one
 * while they hold fewer live leases on p than p->max_leases_per_annotator
 * and a task is free for them, else their oldest live lease unchanged
 * (tl_store_lease_claim_policy decides in the claim's transaction). 0,
 * TL_EEMPTY when they hold none and nothing is left, TL_EPERM refused. */
int tl_queue_next(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                  struct tl_lease *out);

/* Validate result against p's schema and record it under lease_id.
 * TL_EUNPROC (schema, message in eb), TL_ECONFLICT (lease), or store errors. */
int tl_queue_submit(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                    const char *task_id, const char *lease_id, const json_t *result, tl_id out_id,
                    struct tl_errbuf *eb);

/* Check result against p's schema: 0 with its compact JSON text in *text
 * (the caller frees it), TL_EUNPROC (message in eb), TL_ENOMEM or
 * TL_EINTERNAL (the stored schema is unreadable). */
int tl_queue_check_result(const struct tl_project *p, const json_t *result, char **text,
                          struct tl_errbuf *eb);
/* tl_queue_check_result for a submission on task task_id of p: when p's
 * schema checks results against the task's text (spans), the task's data is
 * read from the store first (one indexed read); other schemas never touch
 * the store, so the common path costs what it did. Same returns, plus
 * TL_ENOTFOUND (no such task in p) and store errors. */
int tl_queue_check_submission(struct tl_store *s, const struct tl_project *p,
                              const char *task_id, const json_t *result, char **text,
                              struct tl_errbuf *eb);

/* The same two steps without blocking on the group commit (store.h,
 * tl_store_*_async): 0 once queued, and done(cb_arg, rc) then runs on the
 * store's writer thread with the result tl_queue_next / the store submit
 * would have returned; or an error at once and done never runs. Every
 * pointer is borrowed until done runs. submit takes a result already
 * checked by tl_queue_check_result. */
int tl_queue_next_async(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                        struct tl_lease *out, tl_store_done_fn done, void *cb_arg);
int tl_queue_submit_async(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                          const char *task_id, const char *lease_id, const char *text,
                          size_t text_len, char *out_id, tl_store_done_fn done, void *cb_arg);
/* tl_queue_next_async with the caller's pol (set up here; it must live
 * until done runs): after a TL_EPERM, tl_queue_policy_refusal(pol) and
 * pol->decision.message say why. */
int tl_queue_next_policy_async(struct tl_store *s, const struct tl_scope *sc,
                               const struct tl_project *p, struct tl_lease_policy *pol,
                               struct tl_lease *out, tl_store_done_fn done, void *cb_arg);

/* The hooks a write that settles a task needs (store.h, struct
 * tl_submit_hooks: gold scoring with tl_schema_score, the live aggregate
 * with tl_q_task_aggregate), bound to p's compiled schema: for the submit
 * here, and for other writes that change a task's counted annotations
 * (set-aside, review). init: 0, TL_ENOMEM or TL_EINTERNAL (eb); release
 * once the write is done. */
struct tl_queue_hooks {
    struct tl_submit_hooks h;
    struct tl_queue_schema *schema; /* a reference (schemas.h) */
    struct tl_store_agg pre;        /* h.pre's aggregate when set (owned) */
};
int tl_queue_hooks_init(struct tl_queue_hooks *qh, const struct tl_project *p,
                        struct tl_errbuf *eb);
void tl_queue_hooks_release(struct tl_queue_hooks *qh);

/* The message to show for a submission's TL_ECONFLICT. */
/* The 409 of a submit. A task can also close under a live lease: an edit,
 * a delete or a settings change may complete it (adaptive overlap). */
#define TL_QUEUE_LEASE_CONFLICT                                                                    \
    "the lease is not live, not yours, or not for this task, or the task was completed meanwhile"

#endif
