/* detect_run.h: the cheat detectors applied to a live project
 * (docs/quality-workers.md).
 *
 * Reads the project's snapshot from the store, turns it into the pure
 * detectors' input (quality/detect.h: the schema's first choice field gives
 * the classes, its first text field the free text; gold scores are the
 * stored ones, or scored now against the task's gold when it was set after
 * the submission), runs them, records the flags and applies the project's
 * policy: "suspend" suspends an annotator on any rule's new flag (their
 * annotations set aside, their slots reopened), "flag" only records.
 * Evidence names other annotators by user id ("peer_id") and tasks by id
 * ("tasks"); the API shows them to staff as pseudonyms and strips both for
 * the annotator concerned. Blocking: a synchronous store write; call from a
 * request thread or the scheduler, never an event loop. */
#ifndef TL_QUEUE_DETECT_RUN_H
#define TL_QUEUE_DETECT_RUN_H

#include <pthread.h>
#include <stdbool.h>

#include "quality/detect.h"
#include "store/store.h"

/* Labels read per project at most: a larger project is refused
 * (TL_ETOOBIG) rather than held in memory whole. */
#define TL_DETECT_MAX_LABELS 2000000

/* A project's snapshot with the detectors' per-worker figures. */
struct tl_detect_view {
    struct tl_wk_snapshot snap;
    struct tl_q_worker_stats *stats; /* [snap.n_persons], owned */
};
void tl_detect_view_release(struct tl_detect_view *v);
/* The figures of every annotator of p (their set-aside work included, so a
 * suspended annotator's stay visible): 0, TL_ETOOBIG, store errors. */
int tl_detect_view(struct tl_store *s, const struct tl_project *p, struct tl_detect_view *out);

struct tl_detect_summary {
    size_t n_workers, n_labels; /* counted labels examined */
    size_t n_flags, n_new;      /* findings, and the flags they made */
    size_t per_rule[TL_Q_RULE_COUNT];
    bool is_truncated;
};
/* Run the detectors on p's counted labels, record and apply: 0 or an
 * error (TL_ETOOBIG, TL_EINTERNAL for an unreadable schema, store errors). */
int tl_detect_run(struct tl_store *s, const struct tl_project *p, struct tl_detect_summary *out);

/* The periodic run: a thread that every `seconds` runs the detectors on
 * each project with annotations newer than its last pass. */
struct tl_detect_scheduler;
/* Start it (seconds >= 1): 0 or TL_ENOMEM/TL_EINTERNAL. */
int tl_detect_scheduler_start(struct tl_store *s, int seconds, struct tl_detect_scheduler **out);
/* Stop and free it (NULL is fine); waits for a pass in progress. */
void tl_detect_scheduler_stop(struct tl_detect_scheduler *d);

#endif
