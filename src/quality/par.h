/* par.h: the quality module's only threading: run one function on a fixed
 * number of threads and wait for all of them (fork-join, no pool).
 *
 * Callers keep results independent of the thread count: each thread writes a
 * disjoint slice of the output, and sums that cross slices are taken per
 * fixed-size block (TL_Q_BLOCK tasks) and then added over blocks in order by
 * the caller. A thread that cannot be created is run on the calling thread
 * instead, so a tl_q_par_run() never fails. */
#ifndef TL_QUALITY_PAR_H
#define TL_QUALITY_PAR_H

#include <stddef.h>

#include "quality/method.h"

#define TL_Q_BLOCK 1024 /* tasks per reduction block */
#define TL_Q_PAR_MIN                                                                               \
    200000 /* labels below which one thread is as fast: a join costs                               \
              a time slice when the other core is busy */
#define TL_Q_MAX_THREADS 8

typedef void (*tl_q_par_fn)(void *ctx, int tid, int nthreads);

/* Threads to use for `work` labels: opts->threads if set, else the online
 * cores (at most TL_Q_MAX_THREADS), and 1 for small inputs. */
int tl_q_par_threads(const struct tl_q_opts *o, size_t work);

/* Run fn(ctx, tid, nthreads) for tid in [0, nthreads); tid 0 runs on the
 * caller. Returns when all are done. */
void tl_q_par_run(int nthreads, tl_q_par_fn fn, void *ctx);

/* The slice [*lo, *hi) of n items that thread tid of nthreads takes. */
static inline void tl_q_par_split(size_t n, int tid, int nthreads, size_t *lo, size_t *hi) {
    *lo = n * (size_t)tid / (size_t)nthreads;
    *hi = n * (size_t)(tid + 1) / (size_t)nthreads;
}

/* Chunks for passes over the labels in task order whose sums are per
 * worker (em.c's expected counts, auto's accuracies, GLAD's abilities):
 * TL_Q_CHUNKS runs of whole blocks of tasks (fewer when there are fewer
 * blocks), fixed by the data alone, so that sums taken chunk by chunk into
 * a chunk's own partials and then added in chunk order do not depend on
 * the number of threads. */
#define TL_Q_CHUNKS 8

static inline size_t tl_q_par_nchunks(size_t nblocks) {
    return nblocks < TL_Q_CHUNKS ? nblocks : TL_Q_CHUNKS;
}

/* Tasks [*lo, *hi) of chunk c of nchunks over n_tasks tasks in nblocks
 * blocks. */
static inline void tl_q_par_chunk(size_t n_tasks, size_t nblocks, size_t nchunks, size_t c,
                                  size_t *lo, size_t *hi) {
    size_t blo = nblocks * c / nchunks, bhi = nblocks * (c + 1) / nchunks;
    *lo = blo * TL_Q_BLOCK;
    *hi = bhi * TL_Q_BLOCK < n_tasks ? bhi * TL_Q_BLOCK : n_tasks;
}

/* The slice of items [0, n) weighted by the prefix sums off[0..n] (for
 * instance tasks weighted by their label counts). */
void tl_q_par_split_weighted(const uint32_t *off, size_t n, int tid, int nthreads, size_t *lo,
                             size_t *hi);

#endif
