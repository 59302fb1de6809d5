/* server.c: libmicrohttpd glue: an epoll event loop on a pool of threads,
 * body buffering with ceilings, routing, framing checks, responses with
 * security headers, request logging, suspend/resume, graceful drain.
 *
 * Threads: every callback for one connection runs on the pool thread that
 * owns it (libmicrohttpd pins a connection to one worker), so a request's
 * fields need no lock; only tl_http_resume comes from other threads, and it
 * touches just `phase` and the server's counters (atomics). */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "http/conns.h"
#include "http/framing.h"
#include "http/http.h"
#include "http/listen.h"
#include "http/range.h"
#include "http/router.h"

/* File descriptors kept back from the connection cap for the store (a
 * writer, readers and a checkpointer, each with database, WAL and shm
 * files), the event loops' epoll and wake-up descriptors, and logging. */
#define FD_RESERVE 256
#define LISTEN_BACKLOG 4096
/* libmicrohttpd's own messages (refused connections, say) under attack
 * could be one per connection: at most this many lines a second. */
#define MHD_LOG_PER_S 20
/* Each connection's libmicrohttpd memory pool (request line, headers, read
 * and write buffers), zeroed after every request, so an idle keep-alive
 * connection holds all of it: 32 KiB by default, 16 KiB here halves the RSS
 * of 10,000 idle connections (bench/idle: 333 -> 173 MB) and still takes
 * about 14 KiB of request headers (431 past that). */
#define CONNECTION_MEMORY (16 * 1024)

struct tl_http_server {
    struct MHD_Daemon *daemon;
    struct tl_http_opts o;
    uint16_t port;
    int listen_fd;        /* owned; read by the acceptor until it is joined */
    pthread_t acceptor;
    unsigned max_connections;
    int64_t header_timeout_us, idle_timeout_us;
    struct tl_http_conns conns;
    atomic_int in_flight; /* requests from complete headers to completion */
    /* Requests whose app code is running or that are suspended: stop must
     * see this at 0, with no new app work allowed, before MHD_stop_daemon
     * (which aborts the process if a connection is still suspended). */
    atomic_int n_busy;
    atomic_bool is_draining; /* stop began: the acceptor ends, each response closes */
    atomic_bool is_closing;  /* drain time is over: no new app work (503) */
    pthread_mutex_t log_lock; /* guards the three fields below */
    int64_t log_second;
    unsigned log_lines, log_dropped;
};

/* A suspension's life, so that the app may resume before its callback has
 * returned (the work it handed off can finish first on another thread). */
enum {
    PHASE_RUNNING,       /* no suspension asked */
    PHASE_ARMED,         /* tl_http_suspend called; the callback has not returned yet */
    PHASE_SUSPENDED,     /* parked in libmicrohttpd; tl_http_resume wakes it */
    PHASE_RESUMED_EARLY, /* resumed while still ARMED: wake at once on return */
};

struct tl_http_req {
    struct tl_http_server *srv;
    struct MHD_Connection *conn;
    struct tl_http_conn *entry; /* the connection's deadline (NULL if untracked) */
    const struct tl_route *route;
    char params[TL_HTTP_MAX_PARAMS][TL_ROUTE_MAX_PARAM];
    char method[24]; /* escaped for the log line */
    char path[256];  /* the raw request path as sent, escaped for the log line */
    struct tl_buf body;
    int64_t start_us;
    unsigned status;
    unsigned retry_after;             /* seconds, 0 for no Retry-After header */
    char allow[64];                   /* a 405's Allow header ("" for none) */
    /* Headers a handler set for its response (tl_http_set_header): n_extra
     * "name\0value\0" pairs packed in extra. */
    char extra[TL_HTTP_EXTRA_HEADERS_MAX];
    size_t extra_len;
    unsigned n_extra;
    char client_ip[INET6_ADDRSTRLEN]; /* filled on first use */
    size_t streamed;                  /* STREAM body bytes received so far */
    void *ctx;                        /* the app's (tl_http_set_ctx) */
    void (*free_ctx)(void *);
    atomic_int phase;
    bool is_begun;    /* headers complete and checked */
    bool is_busy;     /* counted in srv->n_busy */
    bool has_nul;     /* %00 in the raw request target */
    bool must_close;  /* answer with Connection: close */
    bool is_too_big, is_answered;
};

const struct tl_route *tl_http_route(const struct tl_http_req *r) {
    return r->route;
}

void tl_http_set_ctx(struct tl_http_req *r, void *ctx, void (*free_ctx)(void *)) {
    if (r->free_ctx && r->ctx && r->ctx != ctx)
        r->free_ctx(r->ctx);
    r->ctx = ctx;
    r->free_ctx = free_ctx;
}

void *tl_http_ctx(const struct tl_http_req *r) {
    return r->ctx;
}

void tl_http_suspend(struct tl_http_req *r) {
    atomic_store(&r->phase, PHASE_ARMED);
}

void tl_http_resume(struct tl_http_req *r) {
    struct tl_http_server *s = r->srv;
    struct MHD_Connection *conn = r->conn;
    int expect = PHASE_ARMED;
    if (atomic_compare_exchange_strong(&r->phase, &expect, PHASE_RESUMED_EARLY))
        return; /* its callback has not returned yet: leave_app() wakes it */
    /* parked: its server thread leaves r alone until the resume below */
    r->is_busy = false;
    atomic_store(&r->phase, PHASE_RUNNING);
    MHD_resume_connection(conn); /* r may be gone from here on */
    /* after the resume, so that stop never sees 0 while the connection is
     * still parked */
    atomic_fetch_sub(&s->n_busy, 1);
}

const char *tl_http_method(const struct tl_http_req *r) {
    return r->method;
}
const char *tl_http_param(const struct tl_http_req *r, int i) {
    return (i >= 0 && i < TL_HTTP_MAX_PARAMS) ? r->params[i] : "";
}
const char *tl_http_header(const struct tl_http_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}
const char *tl_http_query(const struct tl_http_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}
/* The request's query parameters against its route's list: the first
 * refused is answered (400) and stops the walk. */
struct query_check {
    struct tl_http_req *r;
    uint32_t seen;
    bool is_refused;
};

static void refuse_query(struct tl_http_req *r, const char *key, enum tl_query_verdict v) {
    char name[72], takes[256] = "";
    tl_log_sample(key, strlen(key), name, sizeof name); /* a name fit to echo back */
    const char *const *known = r->route->query;
    size_t len = 0;
    for (size_t i = 0; known && known[i] && len < sizeof takes; i++)
        len += (size_t)snprintf(takes + len, sizeof takes - len, "%s%s", i ? ", " : "", known[i]);
    if (v == TL_QUERY_UNKNOWN)
        tl_http_respond_error(r, 400, "invalid", "unknown query parameter '%s' (%s%s)", name,
                              *takes ? "this endpoint takes: " : "this endpoint takes none", takes);
    else if (v == TL_QUERY_REPEATED)
        tl_http_respond_error(r, 400, "invalid", "query parameter '%s' is given more than once",
                              name);
    else
        tl_http_respond_error(r, 400, "invalid", "query parameter '%s' needs a value", name);
}

static enum MHD_Result check_query_key(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value) {
    struct query_check *q = cls;
    enum tl_query_verdict v = tl_router_query_check(q->r->route->query, key, value, &q->seen);
    if (v == TL_QUERY_OK)
        return MHD_YES;
    refuse_query(q->r, key, v);
    q->is_refused = true;
    return MHD_NO;
}

/* 0, or the request was refused (answered) for its query. */
static int check_query(struct tl_http_req *r) {
    struct query_check q = {r, 0, false};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_query_key, &q);
    return q.is_refused ? TL_EINVAL : 0;
}

const char *tl_http_body(const struct tl_http_req *r, size_t *len) {
    *len = r->body.len;
    return r->body.data ? r->body.data : "";
}

int tl_http_set_header(struct tl_http_req *r, const char *name, const char *value) {
    size_t nn = strlen(name) + 1, nv = strlen(value) + 1;
    if (nn + nv > sizeof r->extra - r->extra_len)
        return TL_ETOOBIG;
    memcpy(r->extra + r->extra_len, name, nn);
    memcpy(r->extra + r->extra_len + nn, value, nv);
    r->extra_len += nn + nv;
    r->n_extra++;
    return 0;
}

/* The value a handler set for header name, or NULL. */
static const char *extra_header(const struct tl_http_req *r, const char *name) {
    const char *p = r->extra;
    for (unsigned i = 0; i < r->n_extra; i++) {
        const char *value = p + strlen(p) + 1;
        if (!strcasecmp(p, name))
            return value;
        p = value + strlen(value) + 1;
    }
    return NULL;
}

static void add_common_headers(const struct tl_http_req *r, struct MHD_Response *resp) {
    /* The API is JSON only: nothing here is meant to be framed, sniffed,
     * cached by intermediaries or to run scripts. A handler may replace
     * Cache-Control and the CSP (the web UI's pages: src/web/). */
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (!extra_header(r, "Cache-Control"))
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (!extra_header(r, "Content-Security-Policy"))
        MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'");
    const char *p = r->extra;
    for (unsigned i = 0; i < r->n_extra; i++) {
        const char *value = p + strlen(p) + 1;
        MHD_add_response_header(resp, p, value);
        p = value + strlen(value) + 1;
    }
}

static void queue(struct tl_http_req *r, unsigned status, struct MHD_Response *resp) {
    if (!resp) {
        status = 500;
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return;
    }
    add_common_headers(r, resp);
    if (r->retry_after) {
        char v[16];
        snprintf(v, sizeof v, "%u", r->retry_after);
        MHD_add_response_header(resp, "Retry-After", v);
    }
    if (r->allow[0])
        MHD_add_response_header(resp, "Allow", r->allow);
    if (r->must_close || atomic_load(&r->srv->is_draining))
        MHD_add_response_header(resp, "Connection", "close");
    r->status = status;
    r->is_answered = true;
    MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
}

const char *tl_http_client_ip(struct tl_http_req *r) {
    if (r->client_ip[0])
        return r->client_ip;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->client_ip,
                  sizeof r->client_ip);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->client_ip,
                  sizeof r->client_ip);
    return r->client_ip;
}

void tl_http_set_retry_after(struct tl_http_req *r, unsigned seconds) {
    r->retry_after = seconds;
}

void tl_http_respond_empty(struct tl_http_req *r, unsigned status) {
    if (!r->is_answered)
        queue(r, status, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT));
}

void tl_http_respond_json(struct tl_http_req *r, unsigned status, json_t *body) {
    char *text = body && !r->is_answered ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (r->is_answered) {
        free(text);
        return;
    }
    if (!text) {
        static const char oom[] =
            "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
        if (resp)
            MHD_add_response_header(resp, "Content-Type", "application/json");
        queue(r, 500, resp);
        return;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp)
        free(text);
    else
        MHD_add_response_header(resp, "Content-Type", "application/json");
    queue(r, status, resp);
}

void tl_http_respond_static(struct tl_http_req *r, unsigned status, const char *content_type,
                            const void *data, size_t len) {
    if (r->is_answered)
        return;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
    if (resp)
        MHD_add_response_header(resp, "Content-Type", content_type);
    queue(r, status, resp);
}

void tl_http_respond_error(struct tl_http_req *r, unsigned status, const char *code,
                           const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    tl_http_respond_json(r, status, body);
}

struct stream {
    tl_http_reader read;
    void *ctx;
    void (*free_ctx)(void *);
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
    struct stream *st = cls;
    ssize_t n = st->read(st->ctx, buf, max);
    if (n < 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (n == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    return n;
}

static void stream_free(void *cls) {
    struct stream *st = cls;
    st->free_ctx(st->ctx);
    free(st);
}

void tl_http_respond_stream(struct tl_http_req *r, unsigned status, const char *content_type,
                            tl_http_reader read, void *ctx, void (*free_ctx)(void *)) {
    struct stream *st = malloc(sizeof *st);
    if (!st || r->is_answered) {
        free(st);
        free_ctx(ctx);
        if (!r->is_answered)
            queue(r, 500, NULL);
        return;
    }
    st->read = read;
    st->ctx = ctx;
    st->free_ctx = free_ctx;
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
                                                                  stream_read, st, stream_free);
    if (!resp) {
        stream_free(st);
        queue(r, 500, NULL);
        return;
    }
    MHD_add_response_header(resp, "Content-Type", content_type);
    queue(r, status, resp);
}

/* STREAM and FILE bodies go to the route's chunk callback, never r->body. */
static bool is_streamed(const struct tl_route *route) {
    return route->body == TL_BODY_STREAM || route->body == TL_BODY_FILE;
}

void tl_http_respond_file(struct tl_http_req *r, int fd, uint64_t size, const char *content_type,
                          const char *disposition) {
    if (r->is_answered) {
        close(fd);
        return;
    }
    uint64_t first = 0, count = size;
    const char *range = tl_http_header(r, "Range");
    enum tl_range_verdict v = tl_http_header(r, "If-Range")
                                  ? TL_RANGE_IGNORE
                                  : tl_http_range_parse(range, size, &first, &count);
    char content_range[80];
    if (v == TL_RANGE_UNSATISFIABLE) {
        close(fd);
        snprintf(content_range, sizeof content_range, "bytes */%llu", (unsigned long long)size);
        json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", "range_not_satisfiable",
                                 "message", "the range is outside the file");
        char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
        struct MHD_Response *resp =
            text ? MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE)
                 : NULL;
        if (!resp) {
            free(text);
        } else {
            MHD_add_response_header(resp, "Content-Type", "application/json");
            MHD_add_response_header(resp, "Content-Range", content_range);
            MHD_add_response_header(resp, "Accept-Ranges", "bytes");
        }
        queue(r, 416, resp);
        return;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_fd_at_offset64(count, fd, first); /* owns fd from here */
    if (!resp) {
        close(fd);
        queue(r, 500, NULL);
        return;
    }
    MHD_add_response_header(resp, "Content-Type", content_type);
    MHD_add_response_header(resp, "Accept-Ranges", "bytes");
    if (disposition)
        MHD_add_response_header(resp, "Content-Disposition", disposition);
    if (v == TL_RANGE_OK) {
        snprintf(content_range, sizeof content_range, "bytes %llu-%llu/%llu",
                 (unsigned long long)first, (unsigned long long)(first + count - 1),
                 (unsigned long long)size);
        MHD_add_response_header(resp, "Content-Range", content_range);
    }
    queue(r, v == TL_RANGE_OK ? 206 : 200, resp);
}

static size_t body_limit(const struct tl_http_server *s, const struct tl_route *route) {
    if (!route || route->body == TL_BODY_NONE)
        return s->o.max_body; /* still bounded: junk bodies are read and dropped */
    if (route->body == TL_BODY_FILE)
        return s->o.max_file_body ? s->o.max_file_body : TL_HTTP_MAX_FILE_BODY;
    return route->body == TL_BODY_STREAM ? s->o.max_import_body : s->o.max_body;
}

/* Before app code runs for r (authorize, chunk, handler): counts it in
 * n_busy. False, with a 503 answered, once the server is closing: the
 * order (count, then look at is_closing) pairs with tl_http_stop's (set
 * is_closing, then wait for 0), so stop never misses work that began. */
static bool enter_app(struct tl_http_server *s, struct tl_http_req *r) {
    r->is_busy = true;
    atomic_fetch_add(&s->n_busy, 1);
    if (!atomic_load(&s->is_closing))
        return true;
    r->is_busy = false;
    atomic_fetch_sub(&s->n_busy, 1);
    r->must_close = true;
    tl_http_respond_error(r, 503, "unavailable", "the server is shutting down");
    return false;
}

/* After app code returned: park the connection if it asked to (it stays
 * counted in n_busy until resumed), else uncount it. */
static void leave_app(struct tl_http_server *s, struct tl_http_req *r) {
    if (atomic_load(&r->phase) == PHASE_RUNNING) {
        r->is_busy = false;
        atomic_fetch_sub(&s->n_busy, 1);
        return;
    }
    MHD_suspend_connection(r->conn);
    int expect = PHASE_ARMED;
    if (atomic_compare_exchange_strong(&r->phase, &expect, PHASE_SUSPENDED))
        return;
    /* RESUMED_EARLY: the work is done already; libmicrohttpd calls us
     * again on this thread once the connection is back in the loop. */
    atomic_store(&r->phase, PHASE_RUNNING);
    r->is_busy = false;
    MHD_resume_connection(r->conn);
    atomic_fetch_sub(&s->n_busy, 1);
}

static struct tl_http_conn *conn_entry(struct MHD_Connection *conn) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* libmicrohttpd unescapes the path before the access handler sees it, so
 * "/projects/{id}%00/export" would arrive as "/projects/{id}": NUL is
 * looked for in the target as sent. */
static bool has_pct_nul(const char *raw) {
    for (const char *p = strchr(raw, '%'); p; p = strchr(p + 1, '%'))
        if (p[1] == '0' && p[2] == '0')
            return true;
    return false;
}

static struct tl_http_req *new_req(struct tl_http_server *s, struct MHD_Connection *conn,
                                   const char *raw_target) {
    struct tl_http_req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->srv = s;
    r->conn = conn;
    r->entry = conn_entry(conn);
    r->start_us = tl_clock_mono_us();
    atomic_init(&r->phase, PHASE_RUNNING);
    memcpy(r->method, "-", 2);
    const char *raw = raw_target ? raw_target : "";
    tl_log_sample(raw, strcspn(raw, "?"), r->path, sizeof r->path);
    r->has_nul = has_pct_nul(raw);
    tl_buf_init(&r->body, 0);
    return r;
}

/* MHD_OPTION_URI_LOG_CALLBACK: the request line is in (before headers, and
 * before libmicrohttpd unescapes the target). The request's state starts
 * here, so the log shows the target as sent, and its headers are due. */
static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *conn) {
    struct tl_http_server *s = cls;
    tl_http_conn_tighten_deadline(conn_entry(conn), tl_clock_mono_us() + s->header_timeout_us);
    return new_req(s, conn, uri);
}

static enum MHD_Result add_framing(void *cls, enum MHD_ValueKind kind, const char *name,
                                   const char *value) {
    tl_framing_add(cls, name, value);
    return MHD_YES;
}

/* First call for a request (its headers are complete): check framing and
 * target, route it, and refuse at once a body whose declared length is over
 * the ceiling (without reading it); then the app's authorize hook. */
static enum MHD_Result begin(struct tl_http_server *s, struct tl_http_req *r, const char *url,
                             const char *method) {
    r->is_begun = true;
    atomic_fetch_add(&s->in_flight, 1);
    tl_http_conn_set_deadline(r->entry, 0);
    tl_log_sample(method, strlen(method), r->method, sizeof r->method);

    struct tl_framing f;
    tl_framing_init(&f);
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, add_framing, &f);
    const char *why = tl_framing_verdict(&f);
    if (why) {
        /* The body's extent is unknown, so nothing after these headers on
         * this connection can be trusted to start a request. */
        r->must_close = true;
        tl_http_respond_error(r, 400, "invalid", "%s", why);
        return MHD_YES;
    }
    if (r->has_nul) {
        tl_http_respond_error(r, 400, "invalid", "NUL (%%00) in the request target");
        return MHD_YES;
    }

    int rc = tl_router_match(s->o.routes, s->o.n_routes, method, url, &r->route, r->params);
    size_t limit = body_limit(s, rc ? NULL : r->route);
    /* A streamed body never lands in r->body: the chunk callback owns it. */
    tl_buf_init(&r->body, !rc && is_streamed(r->route) ? 0 : limit);
    if (rc == TL_ENOTFOUND) {
        tl_http_respond_error(r, 404, "not_found", "no such endpoint");
        return MHD_YES;
    }
    if (rc) {
        tl_router_allow(s->o.routes, s->o.n_routes, url, r->allow, sizeof r->allow);
        tl_http_respond_error(r, 405, "method_not_allowed", "%s is not allowed here (Allow: %s)",
                              r->method, r->allow);
        return MHD_YES;
    }
    if (check_query(r))
        return MHD_YES;
    const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (*end == '\0' && n > limit) {
            tl_http_respond_error(r, 413, "too_large", "request body over %zu bytes", limit);
            return MHD_YES;
        }
    }
    /* Identity before memory: the app decides on the headers alone. */
    if (s->o.authorize && enter_app(s, r)) {
        s->o.authorize(s->o.app, r);
        leave_app(s, r);
    }
    return MHD_YES;
}

/* A STREAM route's body piece: count it against the ceiling, hand it on. */
static void feed_stream(struct tl_http_server *s, struct tl_http_req *r, const char *data,
                        size_t *size) {
    size_t limit = body_limit(s, r->route);
    if (r->is_too_big || r->streamed + *size > limit) {
        /* Answered once the body is over (on_request): libmicrohttpd 0.9.75
         * drops a response queued while a chunked body is still arriving,
         * and the client would wait for ever. The rest is discarded unread. */
        r->is_too_big = true;
        *size = 0;
        return;
    }
    if (!enter_app(s, r)) {
        *size = 0;
        return;
    }
    size_t used = r->route->chunk(s->o.app, r, data, *size);
    leave_app(s, r);
    if (used > *size)
        used = *size;
    r->streamed += used;
    if (r->is_answered)
        *size = 0; /* refused: drop the rest unread */
    else
        *size -= used;
}

/* Call the handler once the body is complete (again after a resume). */
static void finish(struct tl_http_server *s, struct tl_http_req *r) {
    if (!enter_app(s, r))
        return;
    r->route->handler(s->o.app, r);
    bool wants_suspend = atomic_load(&r->phase) != PHASE_RUNNING;
    if (!r->is_answered && !wants_suspend)
        tl_http_respond_error(r, 500, "internal", "the handler gave no answer");
    leave_app(s, r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    struct tl_http_server *s = cls;
    struct tl_http_req *r = *con_cls;
    if (!r) { /* the request-line callback could not allocate */
        r = new_req(s, conn, url);
        if (!r)
            return MHD_NO;
        *con_cls = r;
    }
    if (!r->is_begun)
        return begin(s, r, url, method);
    if (r->is_answered) { /* refused early: discard whatever body arrives */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (is_streamed(r->route)) {
            feed_stream(s, r, upload_data, upload_data_size);
            return MHD_YES;
        }
        if (!r->is_too_big && tl_buf_append(&r->body, upload_data, *upload_data_size))
            r->is_too_big = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->is_too_big) {
        tl_http_respond_error(r, 413, "too_large", "request body over %zu bytes",
                              body_limit(s, r->route));
        return MHD_YES;
    }
    finish(s, r);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    struct tl_http_server *s = cls;
    struct tl_http_req *r = *con_cls;
    if (!r)
        return;
    unsigned status = r->status;
    if (!status) { /* libmicrohttpd answered itself (a malformed request) */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
        status = ci ? ci->http_status : 0;
    }
    const char *how = "";
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        how = r->entry && atomic_load(&r->entry->is_cut) ? " cut" : " aborted";
    tl_log("%s %s %u %lld%s", r->method, r->path, status,
           (long long)(tl_clock_mono_us() - r->start_us), how);
    /* keep-alive: the next request's line is due within the idle timeout */
    tl_http_conn_set_deadline(r->entry, tl_clock_mono_us() + s->idle_timeout_us);
    if (r->is_busy) /* never parked here (a parked connection is not closed) */
        atomic_fetch_sub(&s->n_busy, 1);
    bool was_begun = r->is_begun;
    tl_http_set_ctx(r, NULL, NULL);
    tl_buf_release(&r->body);
    free(r);
    *con_cls = NULL;
    if (was_begun)
        atomic_fetch_sub(&s->in_flight, 1);
}

/* MHD_OPTION_NOTIFY_CONNECTION: track each connection's deadline. CLOSED
 * comes before libmicrohttpd closes the socket (see conns.h). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
    struct tl_http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        tl_http_conns_remove(&s->conns, *socket_context);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return;
    *socket_context =
        tl_http_conns_add(&s->conns, ci->connect_fd, tl_clock_mono_us() + s->header_timeout_us);
    if (!*socket_context) /* no memory to police it: do not serve it */
        shutdown(ci->connect_fd, SHUT_RDWR);
}

/* The acceptor: one thread takes new connections and hands each to a
 * worker with MHD_add_connection, which picks the worker by socket number.
 * Left to libmicrohttpd, every worker waits on the listening socket and
 * the first to wake takes up to ten connections at once: 32 clients that
 * connect together landed on one or two workers, whose handlers (which
 * still block on the store) then ran one at a time, and group commits
 * shrank from ~30 writes to 3 (bench/load: 3,400 cycles/s against 12,500
 * for thread-per-connection). Handing out by socket number spreads them.
 * It also makes stop simple: the acceptor ends, the listening socket is
 * closed and new connections are refused by the kernel, without
 * MHD_quiesce_daemon (whose pool path can race a worker removing the
 * socket from its own epoll set and abort in 0.9.75). */
static void *acceptor_main(void *arg) {
    struct tl_http_server *s = arg;
    unsigned n_failed = 0;
    while (!atomic_load(&s->is_draining)) {
        struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        int fd = accept4(s->listen_fd, (struct sockaddr *)&addr, &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* the cap keeps below the fd limit; something else holds them */
                if (n_failed++ % 1000 == 0)
                    tl_log("http: accept: %s", strerror(errno));
                usleep(10000);
            }
            continue;
        }
        /* closes fd itself on refusal (per-address cap, global cap) */
        MHD_add_connection(s->daemon, fd, (struct sockaddr *)&addr, len);
    }
    return NULL;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap) {
    struct tl_http_server *s = cls;
    int64_t second = tl_clock_mono_us() / 1000000;
    unsigned dropped = 0;
    pthread_mutex_lock(&s->log_lock);
    if (second != s->log_second) {
        dropped = s->log_dropped;
        s->log_second = second;
        s->log_lines = s->log_dropped = 0;
    }
    bool is_over = ++s->log_lines > MHD_LOG_PER_S;
    if (is_over)
        s->log_dropped++;
    pthread_mutex_unlock(&s->log_lock);
    if (dropped)
        tl_log("http: %u more libmicrohttpd messages suppressed", dropped);
    if (is_over)
        return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    tl_log("http: %s", line);
}

/* The connection cap: as asked, but below the file-descriptor limit, so
 * accept() never fails with EMFILE (libmicrohttpd then stops accepting). */
static unsigned connection_cap(unsigned wanted) {
    struct rlimit rl;
    if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY) {
        rlim_t room = rl.rlim_cur > 2 * FD_RESERVE ? rl.rlim_cur - FD_RESERVE : rl.rlim_cur / 2;
        if (wanted > room)
            wanted = (unsigned)room;
    }
    return wanted ? wanted : 1;
}

/* 2 per core, at least 2, at most 64. Every write on the labeling path and
 * import suspends its request, and argon2id runs on the API's own pool, so
 * a pool thread only ever waits on short reads: more threads only add
 * wake-ups. bench/load (32 annotators, 2 cores, two interleaved rounds):
 * 2 threads 13,724 / 12,650 cycles/s at 86 / 92 us of server CPU per cycle,
 * 4 threads 13,144 / 12,246 at 91 / 97 us, 32 threads 11,496 / 11,286 at
 * 114 us. (While next and submit still blocked for a group commit, 8
 * threads gave 2,095 cycles/s and 32 gave 6,613.) */
static unsigned default_threads(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    return cores >= 32 ? 64 : cores < 1 ? 2 : (unsigned)cores * 2;
}

int tl_http_start(const struct tl_http_opts *o, struct tl_http_server **out) {
    struct tl_http_server *s = calloc(1, sizeof *s);
    if (!s)
        return TL_ENOMEM;
    s->o = *o;
    s->max_connections = connection_cap(o->max_connections ? o->max_connections : 16384);
    unsigned per_address = o->max_per_address ? o->max_per_address : 64;
    unsigned threads = o->threads ? o->threads : default_threads();
    unsigned header_s = o->header_timeout_s ? o->header_timeout_s : 10;
    unsigned idle_s = o->idle_timeout_s ? o->idle_timeout_s : 60;
    s->header_timeout_us = (int64_t)header_s * 1000000;
    s->idle_timeout_us = (int64_t)idle_s * 1000000;
    pthread_mutex_init(&s->log_lock, NULL);

    int rc = tl_http_listen(o->host, o->port, LISTEN_BACKLOG, &s->listen_fd, &s->port);
    if (rc)
        goto fail;
    /* a quarter of the deadline: a connection is cut at most 25% late */
    int64_t sweep_us = s->header_timeout_us / 4 < 250000 ? s->header_timeout_us / 4 : 250000;
    rc = tl_http_conns_start(&s->conns, sweep_us);
    if (rc) {
        close(s->listen_fd);
        goto fail;
    }
    /* Epoll on a pool of threads (default_threads() says why so many);
     * connections come from acceptor_main. Not MHD_USE_TURBO: in 0.9.75 it
     * skips the shutdown(SHUT_WR) before close, so a client still sending
     * a body we refused early (401, 413) can get a reset instead of the
     * answer, for one syscall saved per connection. */
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, s,
        MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0u,
        MHD_OPTION_URI_LOG_CALLBACK, on_request_line, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, idle_s, MHD_OPTION_CONNECTION_LIMIT,
        s->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_address,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        /* 1: a Host header is required of HTTP/1.1 and a space in the
         * target is refused (the whitespace-before-colon check of 0.9.75
         * needs -1, the tolerant mode, so framing.c does that one) */
        MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
    if (!s->daemon) {
        close(s->listen_fd);
        tl_http_conns_stop(&s->conns);
        rc = TL_EIO;
        goto fail;
    }
    if (pthread_create(&s->acceptor, NULL, acceptor_main, s)) {
        MHD_stop_daemon(s->daemon);
        close(s->listen_fd);
        tl_http_conns_stop(&s->conns);
        rc = TL_EIO;
        goto fail;
    }
    *out = s;
    return 0;
fail:
    pthread_mutex_destroy(&s->log_lock);
    free(s);
    return rc;
}

uint16_t tl_http_port(const struct tl_http_server *s) {
    return s->port;
}

int tl_http_url(const struct tl_http_server *s, char *out, size_t cap) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[INET6_ADDRSTRLEN];
    if (getsockname(s->listen_fd, (struct sockaddr *)&ss, &len) != 0)
        return TL_EIO;
    bool is_v6 = ss.ss_family == AF_INET6;
    const void *addr = is_v6 ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                             : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
    if (!inet_ntop(ss.ss_family, addr, host, sizeof host))
        return TL_EIO;
    int n = snprintf(out, cap, "http://%s%s%s:%u", is_v6 ? "[" : "", host, is_v6 ? "]" : "",
                     (unsigned)s->port);
    return n < 0 || (size_t)n >= cap ? TL_EIO : 0;
}

unsigned tl_http_max_connections(const struct tl_http_server *s) {
    return s->max_connections;
}

static void wait_for_zero(atomic_int *n, int ms) {
    for (int waited = 0; atomic_load(n) > 0 && waited < ms; waited += 5)
        usleep(5000);
}

void tl_http_stop(struct tl_http_server *s, int drain_ms) {
    if (!s)
        return;
    atomic_store(&s->is_draining, true);
    pthread_join(s->acceptor, NULL);
    close(s->listen_fd); /* new connections are refused from here on */
    wait_for_zero(&s->in_flight, drain_ms);
    atomic_store(&s->is_closing, true);
    /* Parked requests wait on the store's writer, which answers within a
     * commit; a minute is for a wedged disk, not for clients. */
    wait_for_zero(&s->n_busy, 60000);
    int busy = atomic_load(&s->n_busy);
    if (busy > 0) {
        /* libmicrohttpd would abort the process on a parked connection:
         * leave the loop running, the process is about to exit anyway. */
        tl_log("http: %d request(s) still waiting on the app; not stopping the event loop", busy);
        return;
    }
    MHD_stop_daemon(s->daemon);
    tl_http_conns_stop(&s->conns);
    pthread_mutex_destroy(&s->log_lock);
    free(s);
}
