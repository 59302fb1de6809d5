/* reinfer.h: full re-inference of one project: every counted label read
 * from the store, truth inferred per choice field with the project's method
 * (quality/infer.h), every other field recomputed per task with the new
 * skills (quality/taskagg.h), and the aggregates, the workers' skill and
 * agreement, and the record of the run written back
 * (docs/quality-aggregates.md).
 *
 * Why here: the dependency direction is api -> queue/quality -> store.
 * quality/ stays free of SQL and of the store's interface, so the
 * orchestration that joins them sits in queue/, the module that already
 * joins the store with the schema for the labeling loop; the API and the
 * background scheduler (reinfer_sched.h) call it.
 *
 * Per choice field (classes: the field's options that occur, numbered by
 * the engine): the method's posterior of the chosen class is the field's
 * confidence; gold answers of the field (tasks.gold) are passed to the
 * engine as known truth. A worker's skill is the mean over choice fields of
 * the method's per-worker accuracy (method.h); agreement is the share of
 * their choice labels equal to the aggregate. Krippendorff's alpha (nominal)
 * per choice field over the counted labels is stored with the run.
 *
 * Memory: O(labels) integers plus, when the schema has fields that are not
 * choice fields, a copy of every result (taskagg needs them). The read
 * runs in parts side by side, one thread per core (at most
 * TL_AGG_MAX_PARTS, and one per PART_MIN_TASKS tasks of the project; a
 * threads argument > 0 asks for that many parts whatever the size), each
 * part into its own columns, joined in task order afterwards; the rest
 * runs on the caller's thread and the engine's. The store's writer is held
 * only one write slice at a time. */
#ifndef TL_QUEUE_REINFER_H
#define TL_QUEUE_REINFER_H

#include <stddef.h>

#include "core/err.h"
#include "store/store.h"

struct tl_reinfer_stats {
    double read_s, infer_s, write_s; /* the three phases, wall clock */
    /* ... and the CPU the process spent in each (every thread: the
     * engine's, the store's writer): on a shared machine the wall clock
     * also counts waiting for a core; this does not. */
    double read_cpu_s, infer_cpu_s, write_cpu_s;
    size_t n_labels, n_tasks, n_workers, n_written;
    size_t n_slow;  /* results the fast scanner handed to jansson */
    size_t n_parts; /* the read's parts, read side by side (store.h) */
};

/* Re-infer p (read the store, infer, write back, record the run). Returns
 * 0, or TL_EINTERNAL (the stored schema is unreadable, or the method name
 * unknown), TL_ENOMEM, or a store error; a failure after the read is
 * recorded in the run's error. stats may be NULL. threads: the engine's
 * and the read's parts (0: their defaults, see above). */
int tl_queue_reinfer(struct tl_store *s, const struct tl_project *p, int threads,
                     struct tl_reinfer_stats *stats);

#endif
