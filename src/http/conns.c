/* conns.c: see conns.h. */
#include "http/conns.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"

size_t tl_http_conns_sweep(struct tl_http_conns *c, int64_t now_us) {
    size_t cut = 0;
    pthread_mutex_lock(&c->lock);
    for (struct tl_http_conn *p = c->head; p; p = p->next) {
        int64_t d = atomic_load(&p->deadline_us);
        if (d == 0 || d > now_us)
            continue;
        /* marked first: the server thread may see the EOF at once */
        atomic_store(&p->deadline_us, 0);
        atomic_store(&p->is_cut, true);
        /* shutdown, not close: the fd stays libmicrohttpd's, which sees EOF
         * and cleans up as for a client that went away. */
        shutdown(p->fd, SHUT_RDWR);
        cut++;
    }
    pthread_mutex_unlock(&c->lock);
    atomic_fetch_add(&c->n_cut, cut);
    return cut;
}

static void *sweeper_main(void *arg) {
    struct tl_http_conns *c = arg;
    pthread_mutex_lock(&c->lock);
    while (!c->is_stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (c->sweep_every_us % 1000000) * 1000;
        ts.tv_sec += c->sweep_every_us / 1000000 + ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&c->wake, &c->lock, &ts);
        if (c->is_stopping)
            break;
        pthread_mutex_unlock(&c->lock);
        size_t cut = tl_http_conns_sweep(c, tl_clock_mono_us());
        /* one line per sweep, not per connection: a slow-header flood must
         * not become a log flood */
        if (cut)
            tl_log("http: cut %zu connection(s) past their header or idle deadline", cut);
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

int tl_http_conns_start(struct tl_http_conns *c, int64_t sweep_every_us) {
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    c->head = NULL;
    c->n = 0;
    c->is_stopping = false;
    c->sweep_every_us = sweep_every_us > 0 ? sweep_every_us : 250000;
    atomic_init(&c->n_cut, 0);
    c->has_sweeper = !pthread_create(&c->sweeper, NULL, sweeper_main, c);
    if (!c->has_sweeper) {
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->lock);
        return TL_EIO;
    }
    return 0;
}

void tl_http_conns_stop(struct tl_http_conns *c) {
    pthread_mutex_lock(&c->lock);
    c->is_stopping = true;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    if (c->has_sweeper)
        pthread_join(c->sweeper, NULL);
    c->has_sweeper = false;
    while (c->head) {
        struct tl_http_conn *p = c->head;
        c->head = p->next;
        free(p);
    }
    c->n = 0;
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
}

struct tl_http_conn *tl_http_conns_add(struct tl_http_conns *c, int fd, int64_t deadline_us) {
    struct tl_http_conn *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fd = fd;
    atomic_init(&p->deadline_us, deadline_us);
    atomic_init(&p->is_cut, false);
    pthread_mutex_lock(&c->lock);
    p->next = c->head;
    if (c->head)
        c->head->prev = p;
    c->head = p;
    c->n++;
    pthread_mutex_unlock(&c->lock);
    return p;
}

void tl_http_conns_remove(struct tl_http_conns *c, struct tl_http_conn *p) {
    if (!p)
        return;
    pthread_mutex_lock(&c->lock);
    if (p->prev)
        p->prev->next = p->next;
    else
        c->head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    c->n--;
    pthread_mutex_unlock(&c->lock);
    free(p);
}
