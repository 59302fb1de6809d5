/* http.h: the HTTP server (a thin layer over libmicrohttpd) and the request /
 * response vocabulary the API handlers use.
 *
 * The server reads each request body into a bounded buffer (the route says
 * how large it may be: 413 past that), matches the route, and calls its
 * handler once with the whole body. A handler answers exactly once with one
 * of the tl_http_respond_* calls; a handler that does not answer gets a 500.
 * Every response carries the security headers; one log line per request
 * (method, path, status, microseconds) goes to stderr on completion.
 * Threading: one thread per connection, so handlers may block on the store. */
#ifndef TL_HTTP_H
#define TL_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TL_HTTP_MAX_PARAMS 2

struct tl_http_req;

typedef void (*tl_http_handler)(void *app, struct tl_http_req *r);

enum tl_body_class { TL_BODY_NONE, TL_BODY_SMALL, TL_BODY_IMPORT };

struct tl_route {
    const char *method;
    const char *pattern; /* "/api/v1/projects/{}/tasks": {} matches one segment */
    tl_http_handler handler;
    enum tl_body_class body;
};

struct tl_http_opts {
    const char *host;
    uint16_t port; /* 0: pick a free one (see tl_http_port) */
    size_t max_body, max_import_body;
    unsigned max_connections;
    const struct tl_route *routes;
    size_t n_routes;
    void *app; /* passed to every handler */
};

struct tl_http_server;

/* Bind and start serving in background threads. 0 or TL_EIO/TL_EINVAL. */
int tl_http_start(const struct tl_http_opts *o, struct tl_http_server **out);
/* The port actually bound. */
uint16_t tl_http_port(const struct tl_http_server *s);
/* Stop accepting, wait up to drain_ms for in-flight requests, then stop. */
void tl_http_stop(struct tl_http_server *s, int drain_ms);

/* ---- for handlers ---- */
const char *tl_http_method(const struct tl_http_req *r);
const char *tl_http_param(const struct tl_http_req *r, int i); /* the i-th {} */
const char *tl_http_header(const struct tl_http_req *r, const char *name);
const char *tl_http_query(const struct tl_http_req *r, const char *name);
const char *tl_http_body(const struct tl_http_req *r, size_t *len);
/* The peer's address as text ("127.0.0.1", "::1"), or "" if unknown. */
const char *tl_http_client_ip(struct tl_http_req *r);
/* Add Retry-After: seconds to the response this request will send. */
void tl_http_set_retry_after(struct tl_http_req *r, unsigned seconds);

/* Send a JSON response; takes ownership of body. A NULL body (a failed
 * json_pack) becomes a 500, so callers need not check their builders. */
void tl_http_respond_json(struct tl_http_req *r, unsigned status, json_t *body);
/* Send a response without a body (204). */
void tl_http_respond_empty(struct tl_http_req *r, unsigned status);
/* Send {"error":{"code","message"}}. */
void tl_http_respond_error(struct tl_http_req *r, unsigned status, const char *code,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Send a body produced by read() as chunks: read fills at most max bytes at
 * buf and returns how many, 0 at the end, -1 on error (the connection is then
 * cut, so a client can tell a truncated stream). free_ctx(ctx) runs once when
 * the response is done with, whatever happened. */
typedef ssize_t (*tl_http_reader)(void *ctx, char *buf, size_t max);
void tl_http_respond_stream(struct tl_http_req *r, unsigned status, const char *content_type,
                            tl_http_reader read, void *ctx, void (*free_ctx)(void *));

#endif
