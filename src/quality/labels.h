/* labels.h: the input of every quality method: (task, worker, label) triples
 * with interned names, grouped both by task and by worker.
 *
 * Life cycle: tl_q_labels_init(), then tl_q_labels_add() for every row (or
 * tl_q_labels_parse_csv() of labels_csv.h, which does the whole cycle) and
 * optionally tl_q_labels_add_gold(), then tl_q_labels_finish() once; after
 * that the struct is read-only and may be shared by threads. The struct owns
 * every array and name; tl_q_labels_release() frees them.
 *
 * Invariants after finish:
 *   - tasks are numbered in byte-wise lexicographic order of their names
 *     (so output "sorted by task" is index order), workers likewise;
 *   - classes are numbered in ascending numeric order when every class name
 *     is a finite number, else in byte-wise lexicographic order;
 *   - at most one label per (task, worker): of duplicate rows the first one
 *     in input order is kept and the rest are counted in n_dropped;
 *   - labels of one task keep their input order (sums over a task are
 *     therefore done in a fixed order: results are reproducible bit for bit).
 * Ceilings: fewer than 2^32 - 1 rows, tasks, workers and classes. */
#ifndef TL_QUALITY_LABELS_H
#define TL_QUALITY_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "quality/strtab.h"

struct tl_q_labels {
    struct tl_q_strtab tasks, workers, classes;
    size_t n_tasks, n_workers, n_classes; /* valid after finish */
    size_t n;                             /* labels kept */
    size_t n_dropped;                     /* duplicate (task, worker) rows dropped */
    size_t n_gold_dropped;                /* gold rows for unknown or repeated tasks */

    /* Grouped by task: labels of task t are [task_off[t], task_off[t+1]). */
    uint32_t *task_off;       /* [n_tasks + 1] */
    uint32_t *by_task_worker; /* [n] */
    uint32_t *by_task_class;  /* [n] */
    /* Grouped by worker, tasks ascending within a worker. */
    uint32_t *worker_off;      /* [n_workers + 1] */
    uint32_t *by_worker_task;  /* [n] */
    uint32_t *by_worker_class; /* [n] */

    int32_t *gold;        /* [n_tasks] gold class or -1; NULL when no gold */
    size_t n_gold;        /* tasks with gold */
    bool classes_numeric; /* every class name is a finite number */
    double *class_value;  /* [n_classes] numeric value when classes_numeric */

    /* Rows before finish (freed by finish). */
    uint32_t *raw; /* task, worker, class triples */
    size_t raw_n, raw_cap;
    uint32_t *raw_gold; /* task-name id in tasks, class pairs */
    size_t raw_gold_n, raw_gold_cap;
    bool finished;
};

void tl_q_labels_init(struct tl_q_labels *L);
void tl_q_labels_release(struct tl_q_labels *L);

/* Record one row (strings are copied). 0, TL_ENOMEM, TL_ETOOBIG, TL_EINVAL
 * after finish. */
int tl_q_labels_add(struct tl_q_labels *L, const char *task, size_t task_len, const char *worker,
                    size_t worker_len, const char *label, size_t label_len);

/* Record a gold answer, after the last tl_q_labels_add() (labels added after
 * gold are refused with TL_EINVAL). A gold label that no worker gave still
 * becomes a class; gold for a task without labels is ignored (counted in
 * n_gold_dropped), as is a second gold row for the same task. 0 or
 * TL_ENOMEM. */
int tl_q_labels_add_gold(struct tl_q_labels *L, const char *task, size_t task_len,
                         const char *label, size_t label_len);

/* Sort, renumber, drop duplicates and build the two groupings. Returns 0,
 * TL_EEMPTY (no rows) or TL_ENOMEM. Must be called exactly once. */
int tl_q_labels_finish(struct tl_q_labels *L);

/* For loaders that intern in batches (labels_csv.c): a row whose fields are
 * hashed ahead of interning, so that a batch can be hashed first and its
 * table slots prefetched before any of it is interned. The strings are
 * borrowed until the row is added. */
struct tl_q_row_ref {
    const char *s[3]; /* task, worker, label */
    uint32_t len[3];
    uint32_t hash[3]; /* tl_q_strtab_hash() of each */
    size_t line;      /* input line, for error messages */
};

/* Point r at the three fields and hash them (lengths of 2^32 - 1 or more
 * are stored as UINT32_MAX, which tl_q_labels_add_row() refuses). */
void tl_q_row_ref_set(struct tl_q_row_ref *r, const char *task, size_t task_len, const char *worker,
                      size_t worker_len, const char *label, size_t label_len);

/* tl_q_labels_add() of a hashed row: 0, TL_ENOMEM, TL_ETOOBIG, TL_EINVAL
 * after finish or gold. */
int tl_q_labels_add_row(struct tl_q_labels *L, const struct tl_q_row_ref *r);

/* tl_q_labels_add() of a row whose names the loader interned itself with
 * tl_q_strtab_intern() in L->tasks, L->workers and L->classes: for a
 * loader that knows when a name repeats (re-inference: labels arrive by
 * task, workers and options are small integers) and so interns each
 * distinct name once instead of three hashes a row. Same results;
 * TL_EINVAL also for an id not in its table. */
int tl_q_labels_add_ids(struct tl_q_labels *L, uint32_t task, uint32_t worker, uint32_t label);

/* Append B's rows to A, renaming B's ids into A's tables (both unfinished,
 * without gold; B is unchanged): how a file loaded in parts is joined in
 * input order. 0, TL_ENOMEM or TL_ETOOBIG. */
int tl_q_labels_append(struct tl_q_labels *A, const struct tl_q_labels *B);

/* Names of task t, worker w and class k. */
static inline const char *tl_q_task_name(const struct tl_q_labels *L, uint32_t t) {
    return tl_q_strtab_name(&L->tasks, t);
}
static inline const char *tl_q_worker_name(const struct tl_q_labels *L, uint32_t w) {
    return tl_q_strtab_name(&L->workers, w);
}
static inline const char *tl_q_class_name(const struct tl_q_labels *L, uint32_t k) {
    return tl_q_strtab_name(&L->classes, k);
}

#endif
