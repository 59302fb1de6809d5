/* workq.h: a small fixed pool of threads for slow, CPU-bound jobs (argon2id
 * password checks) that must not run on the event loop.
 *
 * The HTTP server runs a few threads per core, each carrying many
 * connections; one 50-150 ms argon2id verification on one of them stalls
 * every request it carries, and a login storm would stall the labeling loop.
 * A handler therefore suspends its request, queues the slow part here, and
 * the job resumes the request when done. The queue has a ceiling: past it
 * tl_workq_submit refuses (the caller answers 503) instead of queueing
 * without bound. Thread-safe. */
#ifndef TL_CORE_WORKQ_H
#define TL_CORE_WORKQ_H

#include <stddef.h>

struct tl_workq;

/* n_threads (1..64) threads and at most max_queued waiting jobs: 0 and *out,
 * TL_EINVAL, TL_ENOMEM. */
int tl_workq_new(int n_threads, size_t max_queued, struct tl_workq **out);
/* Run every queued job, then stop and join the threads, and free q. NULL is
 * fine. No tl_workq_submit may run concurrently or afterwards. */
void tl_workq_free(struct tl_workq *q);
/* Queue fn(arg) to run on a pool thread: 0, or TL_ELIMIT when the queue is
 * full / TL_ENOMEM (fn then never runs; arg stays the caller's). */
int tl_workq_submit(struct tl_workq *q, void (*fn)(void *arg), void *arg);

#endif
