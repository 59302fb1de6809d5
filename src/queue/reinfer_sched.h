/* reinfer_sched.h: the server's background re-inference: one thread that,
 * every interval, re-infers (tl_queue_reinfer) the projects whose counted
 * labels changed since their last run (tl_store_reinfer_due), one project
 * at a time, and runs at once the projects asked for by
 * POST /projects/{id}/aggregates/run.
 *
 * One project at a time: a run holds O(labels) memory and both cores for
 * up to a second at 1,000,000 labels; two at once would double both for no
 * gain. A tick takes at most TL_REINFER_PER_TICK due projects (least
 * recently run first), so one busy installation cannot starve the asks.
 * Asked projects wait in a bounded set (TL_REINFER_MAX_ASKED ids, a repeat
 * is merged): a full set refuses with TL_ELIMIT. One scheduler per database
 * (one server node). */
#ifndef TL_QUEUE_REINFER_SCHED_H
#define TL_QUEUE_REINFER_SCHED_H

#include "core/id.h"
#include "store/store.h"

#define TL_REINFER_PER_TICK  16
#define TL_REINFER_MAX_ASKED 256

struct tl_reinferer;

/* Start the thread over store s (borrowed: stop it before closing s),
 * checking every interval_s seconds (>= 1). 0 and *out, or TL_ENOMEM. */
int tl_queue_reinferer_start(struct tl_store *s, int interval_s, struct tl_reinferer **out);
/* Ask for project id's re-inference now: 0 (queued or already queued) or
 * TL_ELIMIT (the set is full). Never blocks on a run. */
int tl_queue_reinferer_ask(struct tl_reinferer *r, const char *project_id);
/* Runs finished since start (tests wait on it). */
long tl_queue_reinferer_runs(struct tl_reinferer *r);
/* Stop the thread (a run in flight finishes first) and free it. NULL is
 * fine. */
void tl_queue_reinferer_stop(struct tl_reinferer *r);

#endif
