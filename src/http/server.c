/* server.c: libmicrohttpd glue: body buffering with ceilings, routing,
 * responses with security headers, request logging, graceful drain. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "http/http.h"
#include "http/router.h"

struct tl_http_server {
    struct MHD_Daemon *daemon;
    struct tl_http_opts o;
    uint16_t port;
    atomic_int in_flight;
    /* Set by tl_http_stop: new requests are refused (503) so that none can
     * be suspended when the daemon stops (libmicrohttpd aborts the process
     * if a connection is still suspended then). */
    atomic_bool is_stopping;
};

struct tl_http_req {
    struct tl_http_server *srv;
    struct MHD_Connection *conn;
    const struct tl_route *route;
    char params[TL_HTTP_MAX_PARAMS][TL_ROUTE_MAX_PARAM];
    char method[16];
    char path[256]; /* sanitized copy for the log line */
    struct tl_buf body;
    int64_t start_us;
    unsigned status;
    unsigned retry_after;             /* seconds, 0 for no Retry-After header */
    char client_ip[INET6_ADDRSTRLEN]; /* filled on first use */
    size_t streamed;                  /* STREAM body bytes received so far */
    void *ctx;                        /* the app's (tl_http_set_ctx) */
    void (*free_ctx)(void *);
    bool is_too_big, is_answered, is_suspended;
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
    r->is_suspended = true;
    MHD_suspend_connection(r->conn);
}

void tl_http_resume(struct tl_http_req *r) {
    MHD_resume_connection(r->conn);
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
const char *tl_http_body(const struct tl_http_req *r, size_t *len) {
    *len = r->body.len;
    return r->body.data ? r->body.data : "";
}

static void add_common_headers(struct MHD_Response *resp) {
    /* The API is JSON only: nothing here is meant to be framed, sniffed,
     * cached by intermediaries or to run scripts. */
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'");
}

static void queue(struct tl_http_req *r, unsigned status, struct MHD_Response *resp) {
    if (!resp) {
        status = 500;
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return;
    }
    add_common_headers(resp);
    if (r->retry_after) {
        char v[16];
        snprintf(v, sizeof v, "%u", r->retry_after);
        MHD_add_response_header(resp, "Retry-After", v);
    }
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

static size_t body_limit(const struct tl_http_server *s, const struct tl_route *route) {
    if (!route || route->body == TL_BODY_NONE)
        return s->o.max_body; /* still bounded: junk bodies are read and dropped */
    return route->body == TL_BODY_STREAM ? s->o.max_import_body : s->o.max_body;
}

/* First call for a request: set up its state, route it, and refuse at once
 * a body whose declared length is over the ceiling (without reading it). */
static enum MHD_Result begin(struct tl_http_server *s, struct MHD_Connection *conn, const char *url,
                             const char *method, void **con_cls) {
    struct tl_http_req *r = calloc(1, sizeof *r);
    if (!r)
        return MHD_NO;
    atomic_fetch_add(&s->in_flight, 1);
    r->srv = s;
    r->conn = conn;
    r->start_us = tl_clock_mono_us();
    tl_log_sample(method, strlen(method), r->method, sizeof r->method);
    tl_log_sample(url, strlen(url), r->path, sizeof r->path);
    *con_cls = r;
    if (atomic_load(&s->is_stopping)) { /* after in_flight counts r: see tl_http_stop */
        tl_buf_init(&r->body, 0);
        tl_http_respond_error(r, 503, "unavailable", "the server is shutting down");
        return MHD_YES;
    }

    int rc = tl_router_match(s->o.routes, s->o.n_routes, method, url, &r->route, r->params);
    size_t limit = body_limit(s, rc ? NULL : r->route);
    /* A STREAM body never lands in r->body: the chunk callback owns it. */
    tl_buf_init(&r->body, !rc && r->route->body == TL_BODY_STREAM ? 0 : limit);
    if (rc == TL_ENOTFOUND) {
        tl_http_respond_error(r, 404, "not_found", "no such endpoint");
        return MHD_YES;
    }
    if (rc) {
        tl_http_respond_error(r, 405, "method_not_allowed", "method not allowed here");
        return MHD_YES;
    }
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (*end == '\0' && n > limit) {
            tl_http_respond_error(r, 413, "too_large", "request body over %zu bytes", limit);
            return MHD_YES;
        }
    }
    /* Identity before memory: the app decides on the headers alone. */
    if (s->o.authorize)
        s->o.authorize(s->o.app, r);
    return MHD_YES;
}

/* A STREAM route's body piece: count it against the ceiling, hand it on. */
static void feed_stream(struct tl_http_server *s, struct tl_http_req *r, const char *data,
                        size_t *size) {
    size_t limit = body_limit(s, r->route);
    if (r->streamed + *size > limit) {
        *size = 0;
        tl_http_respond_error(r, 413, "too_large", "request body over %zu bytes", limit);
        return;
    }
    size_t used = r->route->chunk(s->o.app, r, data, *size);
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
    r->route->handler(s->o.app, r);
    if (!r->is_answered && !r->is_suspended)
        tl_http_respond_error(r, 500, "internal", "the handler gave no answer");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    struct tl_http_server *s = cls;
    struct tl_http_req *r = *con_cls;
    if (!r)
        return begin(s, conn, url, method, con_cls);
    r->is_suspended = false; /* called again: any suspension has ended */
    if (r->is_answered) { /* refused early: discard whatever body arrives */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (r->route->body == TL_BODY_STREAM) {
            feed_stream(s, r, upload_data, upload_data_size);
            return MHD_YES;
        }
        if (!r->is_too_big && tl_buf_append(&r->body, upload_data, *upload_data_size))
            r->is_too_big = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->is_too_big) {
        tl_http_respond_error(r, 413, "too_large", "request body over %zu bytes", r->body.max);
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
    tl_log("%s %s %u %lld%s", r->method, r->path, r->status,
           (long long)(tl_clock_mono_us() - r->start_us),
           toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    tl_http_set_ctx(r, NULL, NULL);
    tl_buf_release(&r->body);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap) {
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    tl_log("http: %s", line);
}

int tl_http_start(const struct tl_http_opts *o, struct tl_http_server **out) {
    struct tl_http_server *s = calloc(1, sizeof *s);
    if (!s)
        return TL_ENOMEM;
    s->o = *o;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(o->port)};
    if (inet_pton(AF_INET, o->host, &addr.sin_addr) != 1) {
        free(s);
        return TL_EINVAL;
    }
    /* Interim (authz branch): libmicrohttpd 0.9.75 loses resumes in
     * thread-per-connection mode (the connection threads and the listener
     * share one wake-up channel), so suspended labeling requests could hang;
     * an epoll thread pool resumes reliably. The HTTP rewrite replaces this. */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned pool = ncpu > 2 ? (unsigned)ncpu * 2 : 4u;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    s->daemon = MHD_start_daemon(
        flags, o->port, NULL, NULL, on_request, s, MHD_OPTION_THREAD_POOL_SIZE, pool,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL,
        MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_CONNECTION_LIMIT,
        o->max_connections ? o->max_connections : 1024u, MHD_OPTION_END);
    if (!s->daemon) {
        free(s);
        return TL_EIO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : o->port;
    *out = s;
    return 0;
}

uint16_t tl_http_port(const struct tl_http_server *s) {
    return s->port;
}

void tl_http_stop(struct tl_http_server *s, int drain_ms) {
    if (!s)
        return;
    atomic_store(&s->is_stopping, true);
    MHD_socket lsock = MHD_quiesce_daemon(s->daemon);
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    for (int waited = 0; atomic_load(&s->in_flight) > 0 && waited < drain_ms; waited += 10)
        usleep(10000);
    MHD_stop_daemon(s->daemon);
    free(s);
}
