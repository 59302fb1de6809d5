/* http.h: the HTTP server (a thin layer over libmicrohttpd) and the request /
 * response vocabulary the API handlers use.
 *
 * A request's life, in order:
 *  1. Headers complete: the route is matched (404, or 405 with an Allow
 *     header listing the path's methods), its query parameters are checked
 *     against the route's list (400 naming the first one refused), and the
 *     app's authorize hook (tl_http_opts.authorize) runs before a single
 *     body byte is read: it authenticates and authorizes on the headers and
 *     answers 401/403/404/415 at once, so nobody unknown gets memory.
 *  2. Body: SMALL and NONE bodies are buffered up to their ceiling (413
 *     past it); a STREAM or FILE route's chunk callback sees the body piece
 *     by piece as it arrives (the server still counts it against
 *     max_import_body or max_file_body).
 *  3. The route's handler runs once the body is complete.
 * A request answers exactly once with one of the tl_http_respond_* calls; a
 * handler that returns without answering and without suspending gets a 500.
 * Every response carries the security headers; one log line per request
 * (method, raw path as sent, status, microseconds; fields escaped as %XX so
 * none can hold a space or line break) goes to stderr on completion.
 *
 * Refused before any handler: ambiguous body framing (two Content-Length,
 * Transfer-Encoding with Content-Length, whitespace before a header colon:
 * 400 and the connection is closed, see framing.h) and a NUL (%00) anywhere
 * in the request target (400). Connections: a pool of event-loop threads
 * (libmicrohttpd epoll mode) carries them all; each request's headers must be
 * complete within header_timeout_s of the connection or request line
 * (absolute, not inactivity: conns.h), idle keep-alive connections close
 * after idle_timeout_s, and one client address holds at most
 * max_per_address connections.
 *
 * Suspension: a chunk callback or handler that must wait (for a group
 * commit, say) calls tl_http_suspend(r) and returns; whoever finishes the
 * work calls tl_http_resume(r) from any thread, and the same callback is
 * called again on a server thread (a chunk callback with the bytes it did
 * not consume). Responses are only queued from those callbacks, never from
 * another thread. Per-request state the app needs across calls hangs on
 * tl_http_set_ctx(). */
#ifndef TL_HTTP_H
#define TL_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TL_HTTP_MAX_PARAMS 2
/* The default ceiling of a FILE route's body (a media upload). */
#define TL_HTTP_MAX_FILE_BODY ((size_t)256 << 20)

struct tl_http_req;

typedef void (*tl_http_handler)(void *app, struct tl_http_req *r);

/* STREAM routes: called with each piece of body as it arrives (after the
 * authorize hook let the request through). Returns how many bytes of
 * data[0..len) it consumed: len, or fewer only after tl_http_suspend(r)
 * (the rest is offered again after tl_http_resume). A callback that answers
 * (an error) ends the request: the rest of the body is discarded unread. */
typedef size_t (*tl_http_chunk_fn)(void *app, struct tl_http_req *r, const char *data,
                                   size_t len);

/* NONE: no body expected (one is read and dropped, still under max_body);
 * SMALL: buffered whole, up to max_body; STREAM: fed to the route's chunk
 * callback, up to max_import_body in total; FILE: the same, up to
 * max_file_body (a media upload's ceiling is not an import's). */
enum tl_body_class { TL_BODY_NONE, TL_BODY_SMALL, TL_BODY_STREAM, TL_BODY_FILE };

struct tl_route {
    const char *method;
    const char *pattern; /* "/api/v1/projects/{}/tasks": {} matches one segment */
    tl_http_handler handler;
    enum tl_body_class body;
    tl_http_chunk_fn chunk; /* STREAM and FILE routes only */
    const void *policy;     /* the app's own data about the route (http never reads it) */
    /* The query parameters the route takes (NULL-terminated); NULL: none.
     * The server refuses (400) any other, a repeated one and one without a
     * value before the authorize hook runs, so handlers read only these. */
    const char *const *query;
};

struct tl_http_opts {
    const char *host; /* an IPv4 or IPv6 literal, or a name ("localhost") */
    uint16_t port;    /* 0: pick a free one (see tl_http_port) */
    size_t max_body, max_import_body;
    size_t max_file_body; /* FILE routes; 0 takes TL_HTTP_MAX_FILE_BODY */
    /* Connection caps; 0 takes the default in brackets. The global cap is
     * held below the process's file-descriptor limit. */
    unsigned max_connections; /* [16384] */
    unsigned max_per_address; /* [64] per client IP address */
    unsigned threads;         /* event-loop threads [2 per core, at most 64] */
    unsigned header_timeout_s; /* a request's headers are due within [10] s */
    unsigned idle_timeout_s;   /* an idle keep-alive connection is closed after [60] s */
    const struct tl_route *routes;
    size_t n_routes;
    void *app; /* passed to every handler */
    /* Runs on every matched request once its headers are in, before its body
     * is read (see above); answering ends the request. NULL: none. */
    tl_http_handler authorize;
};

struct tl_http_server;

/* Bind and start serving on a pool of event-loop threads. 0, TL_ENOTFOUND
 * (the host does not resolve), TL_EIO (cannot bind or start) or TL_ENOMEM. */
int tl_http_start(const struct tl_http_opts *o, struct tl_http_server **out);
/* The port actually bound. */
uint16_t tl_http_port(const struct tl_http_server *s);
/* The URL the server is reached at, from the bound socket itself
 * ("http://127.0.0.1:8080", "http://[::1]:8080"): a name such as localhost
 * shows the address it bound, which clients must then use. 0, or TL_EIO. */
int tl_http_url(const struct tl_http_server *s, char *out, size_t cap);
/* The global connection cap in force (after the file-descriptor clamp). */
unsigned tl_http_max_connections(const struct tl_http_server *s);
/* Stop: refuse new connections and close each connection after its current
 * response; wait up to drain_ms for in-flight requests to finish. Then no
 * new handler work starts (a request that would need it gets 503), and
 * requests the app has suspended are waited for until the app resumes them
 * (they are waiting on the store, which is still open), since
 * libmicrohttpd cannot stop with a suspended connection. Frees s. */
void tl_http_stop(struct tl_http_server *s, int drain_ms);

/* ---- for handlers ---- */
/* The matched route (never NULL inside authorize/chunk/handler). */
const struct tl_route *tl_http_route(const struct tl_http_req *r);
/* Attach app state to the request; free_ctx(ctx) (may be NULL) runs once
 * when the request is done, however it ended. Replaces (and frees) any
 * earlier ctx. */
void tl_http_set_ctx(struct tl_http_req *r, void *ctx, void (*free_ctx)(void *));
void *tl_http_ctx(const struct tl_http_req *r);
/* Park the request (see the header comment); only from inside a chunk
 * callback or handler (not the authorize hook), which must then return
 * without answering. tl_http_resume may come before that return (from the
 * thread the work was handed to): the callback is then simply called
 * again. */
void tl_http_suspend(struct tl_http_req *r);
/* Wake a suspended request; callable from any thread, once per suspend. */
void tl_http_resume(struct tl_http_req *r);
const char *tl_http_method(const struct tl_http_req *r);
const char *tl_http_param(const struct tl_http_req *r, int i); /* the i-th {} */
const char *tl_http_header(const struct tl_http_req *r, const char *name);
const char *tl_http_query(const struct tl_http_req *r, const char *name);
const char *tl_http_body(const struct tl_http_req *r, size_t *len);
/* The peer's address as text ("127.0.0.1", "::1"), or "" if unknown. */
const char *tl_http_client_ip(struct tl_http_req *r);
/* Bytes of handler-set headers (names and values) one response may carry. */
#define TL_HTTP_EXTRA_HEADERS_MAX 1024
/* Add header name: value (copied) to the response this request will send:
 * 0, or TL_ETOOBIG past TL_HTTP_EXTRA_HEADERS_MAX. Cache-Control and
 * Content-Security-Policy set here replace the API's defaults (no-store,
 * default-src 'none'); the other security headers are always sent. */
int tl_http_set_header(struct tl_http_req *r, const char *name, const char *value);
/* Add Retry-After: seconds to the response this request will send. */
void tl_http_set_retry_after(struct tl_http_req *r, unsigned seconds);

/* Send a JSON response; takes ownership of body. A NULL body (a failed
 * json_pack) becomes a 500, so callers need not check their builders. */
void tl_http_respond_json(struct tl_http_req *r, unsigned status, json_t *body);
/* Send len bytes at data, which outlive every response (built into the
 * binary), as they are. */
void tl_http_respond_static(struct tl_http_req *r, unsigned status, const char *content_type,
                            const void *data, size_t len);
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

/* Send the regular file open at fd, of size bytes (takes ownership of fd:
 * it is closed however the response ends), with Content-Type content_type,
 * Content-Disposition disposition (NULL: none) and Accept-Ranges: bytes.
 * A single-range Range header (range.h) gets 206 with Content-Range, or
 * 416 with "Content-Range: bytes * /SIZE" when it lies outside the file;
 * a malformed or multiple Range, or any If-Range (no validators are ever
 * sent, so none can match), gets the whole file (200). The bytes go
 * straight from the descriptor (sendfile where it can), never through
 * memory. */
void tl_http_respond_file(struct tl_http_req *r, int fd, uint64_t size, const char *content_type,
                          const char *disposition);

#endif
