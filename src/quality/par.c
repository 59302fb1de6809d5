/* par.c: fork-join threads for the quality module (see par.h). */
#include "quality/par.h"

#include <pthread.h>
#include <unistd.h>

struct par_job {
    tl_q_par_fn fn;
    void *ctx;
    int tid, nthreads;
};

static void *par_main(void *arg) {
    struct par_job *j = arg;
    j->fn(j->ctx, j->tid, j->nthreads);
    return NULL;
}

int tl_q_par_threads(const struct tl_q_opts *o, size_t work) {
    if (o && o->threads > 0)
        return o->threads < TL_Q_MAX_THREADS ? o->threads : TL_Q_MAX_THREADS;
    if (work < TL_Q_PAR_MIN)
        return 1;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n < TL_Q_MAX_THREADS ? (int)n : TL_Q_MAX_THREADS;
}

void tl_q_par_run(int nthreads, tl_q_par_fn fn, void *ctx) {
    if (nthreads <= 1) {
        fn(ctx, 0, 1);
        return;
    }
    if (nthreads > TL_Q_MAX_THREADS)
        nthreads = TL_Q_MAX_THREADS;
    pthread_t th[TL_Q_MAX_THREADS];
    struct par_job jobs[TL_Q_MAX_THREADS];
    int started[TL_Q_MAX_THREADS] = {0};
    for (int i = 1; i < nthreads; i++) {
        jobs[i] = (struct par_job){fn, ctx, i, nthreads};
        started[i] = !pthread_create(&th[i], NULL, par_main, &jobs[i]);
    }
    fn(ctx, 0, nthreads);
    for (int i = 1; i < nthreads; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else
            fn(ctx, i, nthreads);
    }
}

/* First index i in [0, n] with off[i] >= target. */
static size_t lower_bound(const uint32_t *off, size_t n, size_t target) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (off[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void tl_q_par_split_weighted(const uint32_t *off, size_t n, int tid, int nthreads, size_t *lo,
                             size_t *hi) {
    size_t total = off[n];
    *lo = tid == 0 ? 0 : lower_bound(off, n, total * (size_t)tid / (size_t)nthreads);
    *hi =
        tid == nthreads - 1 ? n : lower_bound(off, n, total * (size_t)(tid + 1) / (size_t)nthreads);
}
