/* reinfer_sched.c: see reinfer_sched.h. The thread sleeps on a condition
 * variable until the next tick, an ask, or stop. */
#include "queue/reinfer_sched.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "queue/reinfer.h"

struct tl_reinferer {
    struct tl_store *store;
    int interval_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* an ask, or stop */
    tl_id asked[TL_REINFER_MAX_ASKED]; /* guarded by mu */
    size_t n_asked;                    /* guarded by mu */
    bool is_stopping;                  /* guarded by mu */
    long n_runs;                       /* guarded by mu */
};

static void run_one(struct tl_reinferer *r, const char *id) {
    struct tl_project p;
    struct tl_scope tenant;
    int rc = tl_store_project_get_admin(r->store, id, &p, &tenant);
    if (rc)
        return; /* deleted meanwhile */
    struct tl_reinfer_stats st;
    rc = tl_queue_reinfer(r->store, &p, 0, &st);
    if (rc)
        tl_log("reinfer project=%s failed: %s", id, tl_strerror(rc));
    else
        tl_log("reinfer project=%s labels=%zu tasks=%zu read=%.3fs infer=%.3fs write=%.3fs", id,
               st.n_labels, st.n_tasks, st.read_s, st.infer_s, st.write_s);
    tl_project_release(&p);
    pthread_mutex_lock(&r->mu);
    r->n_runs++;
    pthread_mutex_unlock(&r->mu);
}

/* Take one asked id into out: true if there was one. Caller holds mu. */
static bool take_asked(struct tl_reinferer *r, tl_id out) {
    if (!r->n_asked)
        return false;
    memcpy(out, r->asked[0], sizeof(tl_id));
    memmove(r->asked[0], r->asked[1], (r->n_asked - 1) * sizeof(tl_id));
    r->n_asked--;
    return true;
}

static void run_due(struct tl_reinferer *r) {
    tl_id *ids = NULL;
    size_t n = 0;
    if (tl_store_reinfer_due(r->store, TL_REINFER_PER_TICK, &ids, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&r->mu);
        bool stop = r->is_stopping;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            break;
        run_one(r, ids[i]);
    }
    free(ids);
}

static void *loop(void *arg) {
    struct tl_reinferer *r = arg;
    struct timespec next;
    clock_gettime(CLOCK_REALTIME, &next);
    next.tv_sec += r->interval_s;
    pthread_mutex_lock(&r->mu);
    while (!r->is_stopping) {
        tl_id id;
        if (take_asked(r, id)) {
            pthread_mutex_unlock(&r->mu);
            run_one(r, id);
            pthread_mutex_lock(&r->mu);
            continue;
        }
        int w = pthread_cond_timedwait(&r->cv, &r->mu, &next);
        if (w == ETIMEDOUT && !r->is_stopping) {
            pthread_mutex_unlock(&r->mu);
            run_due(r);
            clock_gettime(CLOCK_REALTIME, &next);
            next.tv_sec += r->interval_s;
            pthread_mutex_lock(&r->mu);
        }
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

int tl_queue_reinferer_start(struct tl_store *s, int interval_s, struct tl_reinferer **out) {
    struct tl_reinferer *r = calloc(1, sizeof *r);
    if (!r)
        return TL_ENOMEM;
    r->store = s;
    r->interval_s = interval_s < 1 ? 1 : interval_s;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (pthread_create(&r->thread, NULL, loop, r)) {
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        free(r);
        return TL_ENOMEM;
    }
    *out = r;
    return 0;
}

int tl_queue_reinferer_ask(struct tl_reinferer *r, const char *project_id) {
    int rc = 0;
    pthread_mutex_lock(&r->mu);
    bool is_queued = false;
    for (size_t i = 0; i < r->n_asked && !is_queued; i++)
        is_queued = !strcmp(r->asked[i], project_id);
    if (!is_queued) {
        if (r->n_asked == TL_REINFER_MAX_ASKED || strlen(project_id) >= sizeof(tl_id)) {
            rc = TL_ELIMIT;
        } else {
            memcpy(r->asked[r->n_asked++], project_id, strlen(project_id) + 1);
            pthread_cond_signal(&r->cv);
        }
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

long tl_queue_reinferer_runs(struct tl_reinferer *r) {
    pthread_mutex_lock(&r->mu);
    long n = r->n_runs;
    pthread_mutex_unlock(&r->mu);
    return n;
}

void tl_queue_reinferer_stop(struct tl_reinferer *r) {
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->is_stopping = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
