/* conns.h: the live connections of one server, each with a deadline, and
 * the sweeper thread that cuts a connection past its deadline.
 *
 * Why: libmicrohttpd's connection timeout counts inactivity, so a client
 * that sends one header line every 9 s holds a connection (and, before
 * this, a thread) forever under a 10 s timeout. The deadline here is
 * absolute: the server sets it when a request's headers are due (10 s after
 * the connection opens or the request line arrives; the idle keep-alive
 * timeout after a response) and clears it once they are in.
 *
 * fd reuse: the sweeper calls shutdown(2) (never close) on a connection's
 * socket only while holding `lock`, and tl_http_conns_remove(), which the
 * server calls from libmicrohttpd's MHD_CONNECTION_NOTIFY_CLOSED callback,
 * takes the same lock. libmicrohttpd 0.9.75 runs that callback before it
 * closes the socket (MHD_cleanup_connections in daemon.c), so the sweeper
 * never touches a number the kernel has handed to a newer connection. */
#ifndef TL_HTTP_CONNS_H
#define TL_HTTP_CONNS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_http_conn {
    struct tl_http_conn *prev, *next; /* guarded by the registry's lock */
    int fd;                           /* fixed while registered */
    /* Monotonic microseconds; 0: none (a request is being served). Written
     * by the connection's server thread, read by the sweeper. */
    _Atomic int64_t deadline_us;
    atomic_bool is_cut; /* the sweeper shut it down */
};

struct tl_http_conns {
    pthread_mutex_t lock; /* guards the list, and every shutdown() of a listed fd */
    pthread_cond_t wake;  /* stop signal for the sweeper (with lock) */
    struct tl_http_conn *head;
    size_t n;          /* listed connections (guarded by lock) */
    bool is_stopping;  /* guarded by lock */
    bool has_sweeper;
    pthread_t sweeper;
    int64_t sweep_every_us;
    atomic_ullong n_cut; /* connections cut so far */
};

/* Set up an empty registry and start its sweeper, which looks every
 * sweep_every_us. 0 or TL_EIO (no thread). */
int tl_http_conns_start(struct tl_http_conns *c, int64_t sweep_every_us);
/* Stop the sweeper; frees connections still listed. */
void tl_http_conns_stop(struct tl_http_conns *c);
/* List a new connection on socket fd with the given deadline. Returns the
 * entry (owned by the registry until tl_http_conns_remove) or NULL (no
 * memory). */
struct tl_http_conn *tl_http_conns_add(struct tl_http_conns *c, int fd, int64_t deadline_us);
/* Unlist and free; call before the socket is closed. NULL is a no-op. */
void tl_http_conns_remove(struct tl_http_conns *c, struct tl_http_conn *conn);
/* One sweep at time now_us: shut down every listed connection whose deadline
 * has passed (and clear its deadline). Returns how many it cut. The sweeper
 * calls this; exposed for tests. */
size_t tl_http_conns_sweep(struct tl_http_conns *c, int64_t now_us);

static inline void tl_http_conn_set_deadline(struct tl_http_conn *conn, int64_t deadline_us) {
    if (conn)
        atomic_store(&conn->deadline_us, deadline_us);
}

/* Tighten: set the deadline to deadline_us unless an earlier one is set. */
static inline void tl_http_conn_tighten_deadline(struct tl_http_conn *conn, int64_t deadline_us) {
    if (!conn)
        return;
    int64_t cur = atomic_load(&conn->deadline_us);
    if (cur == 0 || cur > deadline_us)
        atomic_store(&conn->deadline_us, deadline_us);
}

#endif
