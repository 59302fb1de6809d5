/* web.h: the web UI, built into the binary and served by GET / and
 * GET /assets/{name} (routes in api/routes.c, public).
 *
 * The bundle is web/build.mjs's output (build/web: index.html, assets/...,
 * each beside a gzip -9 copy), embedded at build time by
 * scripts/web-assets.sh into one table of tl_web_asset (generated
 * $(BUILD)/gen/web_assets.c): a running server reads nothing from disk, and
 * a name not in the table is 404, so no request path can reach a file.
 *
 * Responses are cacheable but always revalidated (Cache-Control: no-cache,
 * a strong ETag computed at build time, If-None-Match answered with 304),
 * so a new binary's UI is picked up at the next load without hashed file
 * names. They carry TL_WEB_CSP instead of the API's default-src 'none'. */
#ifndef TL_WEB_H
#define TL_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"

/* The UI's Content-Security-Policy, the one place it is written: scripts,
 * styles and fonts only from this origin, never inline or eval'd; media
 * and images of tasks may come from anywhere a project's data points
 * (http: too, for self-hosted media servers), and connections likewise
 * (a task's data URLs). A library's static <style> that must be allowed
 * gets its 'sha256-...' source added to style-src here, and nowhere else. */
#define TL_WEB_CSP                                                                           \
    "default-src 'self'; script-src 'self'; style-src 'self'; "                              \
    "img-src 'self' data: blob: https: http:; media-src 'self' blob: data: https: http:; "  \
    "connect-src 'self' https: http:; font-src 'self'; object-src 'none'; base-uri 'none'; " \
    "form-action 'self'; frame-ancestors 'none'"

/* One file of the bundle; every pointer refers to read-only data built
 * into the binary. */
struct tl_web_asset {
    const char *path;         /* "index.html", "assets/app.js" */
    const char *content_type; /* chosen by the file's extension at build time */
    /* the bytes and their gzip copy, [raw, raw_end) and [gz, gz_end): ends,
     * not lengths, since a static table can hold addresses but not their
     * differences */
    const unsigned char *raw, *raw_end, *gz, *gz_end;
    const char *etag; /* hex hash of the raw bytes: the ETag, quoted ("-gz" added for gzip) */
};
extern const struct tl_web_asset tl_web_assets[];
extern const size_t tl_web_n_assets;

/* Does an Accept-Encoding value (NULL: none) accept gzip? Yes when it
 * lists gzip (or x-gzip, or *) with a q-value above 0 (RFC 9110 section
 * 12.5.3); an explicit gzip;q=0 wins over *. Values over 1024 bytes are
 * read as not accepting (identity is always acceptable). */
bool tl_web_accepts_gzip(const char *accept_encoding);
/* Does an If-None-Match value (NULL: none) match etag (quoted)? "*" or one
 * of its comma-separated entity tags, compared weakly (a W/ prefix is
 * ignored, RFC 9110 section 13.1.2). Values over 4096 bytes never match. */
bool tl_web_etag_matches(const char *if_none_match, const char *etag);

/* Route handlers: GET / (index.html) and GET /assets/{} (public). */
void tl_web_index(void *app, struct tl_http_req *r);
void tl_web_asset(void *app, struct tl_http_req *r);

#endif
