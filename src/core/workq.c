/* workq.c: a fixed thread pool over one mutex-guarded FIFO (see workq.h). */
#include "core/workq.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/err.h"

struct job {
    void (*fn)(void *arg);
    void *arg;
    struct job *next;
};

struct tl_workq {
    pthread_mutex_t mu; /* guards the queue, n_queued and is_stopping */
    pthread_cond_t cv;  /* a job was queued, or stop */
    struct job *head, *tail;
    size_t n_queued, max_queued;
    bool is_stopping;
    int n_threads;
    pthread_t threads[];
};

static void *worker(void *arg) {
    struct tl_workq *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->head && !q->is_stopping)
            pthread_cond_wait(&q->cv, &q->mu);
        struct job *j = q->head;
        if (!j)
            break; /* stopping, and the queue is drained */
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
        q->n_queued--;
        pthread_mutex_unlock(&q->mu);
        j->fn(j->arg);
        free(j);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

int tl_workq_new(int n_threads, size_t max_queued, struct tl_workq **out) {
    *out = NULL;
    if (n_threads < 1 || n_threads > 64 || max_queued < 1)
        return TL_EINVAL;
    struct tl_workq *q = calloc(1, sizeof *q + (size_t)n_threads * sizeof(pthread_t));
    if (!q)
        return TL_ENOMEM;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->max_queued = max_queued;
    for (; q->n_threads < n_threads; q->n_threads++) {
        if (pthread_create(&q->threads[q->n_threads], NULL, worker, q) != 0) {
            tl_workq_free(q);
            return TL_ENOMEM;
        }
    }
    *out = q;
    return 0;
}

void tl_workq_free(struct tl_workq *q) {
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->is_stopping = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    for (int i = 0; i < q->n_threads; i++)
        pthread_join(q->threads[i], NULL);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
}

int tl_workq_submit(struct tl_workq *q, void (*fn)(void *arg), void *arg) {
    struct job *j = malloc(sizeof *j);
    if (!j)
        return TL_ENOMEM;
    *j = (struct job){fn, arg, NULL};
    pthread_mutex_lock(&q->mu);
    if (q->n_queued >= q->max_queued || q->is_stopping) {
        pthread_mutex_unlock(&q->mu);
        free(j);
        return TL_ELIMIT;
    }
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    q->n_queued++;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return 0;
}
