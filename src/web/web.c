/* web.c: serving the embedded UI bundle (see web.h). */
#include "web/web.h"

#include <stdio.h>
#include <string.h>

#include "http/router.h"

/* The asset at path (as in struct tl_web_asset), or NULL. */
static const struct tl_web_asset *find(const char *path) {
    for (size_t i = 0; i < tl_web_n_assets; i++)
        if (!strcmp(tl_web_assets[i].path, path))
            return &tl_web_assets[i];
    return NULL;
}

/* The headers every UI response carries, 304s included (RFC 9110 section
 * 15.4.5: a 304 repeats ETag, Vary and Cache-Control). */
static int ui_headers(struct tl_http_req *r, const char *etag) {
    int rc = tl_http_set_header(r, "Content-Security-Policy", TL_WEB_CSP);
    if (!rc)
        rc = tl_http_set_header(r, "Cache-Control", "no-cache");
    if (!rc)
        rc = tl_http_set_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    if (!rc)
        rc = tl_http_set_header(r, "Vary", "Accept-Encoding");
    if (!rc)
        rc = tl_http_set_header(r, "ETag", etag);
    return rc;
}

static void serve(struct tl_http_req *r, const char *path) {
    const struct tl_web_asset *f = find(path);
    if (!f) {
        tl_http_respond_error(r, 404, "not_found", "no such file");
        return;
    }
    /* The gzip copy is a different representation, so it has its own
     * strong validator (RFC 9110 section 8.8.3). */
    bool is_gzip = f->gz_end > f->gz && tl_web_accepts_gzip(tl_http_header(r, "Accept-Encoding"));
    char etag[128];
    int n = snprintf(etag, sizeof etag, "\"%s%s\"", f->etag, is_gzip ? "-gz" : "");
    if (n < 0 || (size_t)n >= sizeof etag || ui_headers(r, etag) ||
        (is_gzip && tl_http_set_header(r, "Content-Encoding", "gzip"))) {
        tl_http_respond_error(r, 500, "internal", "response headers too large");
        return;
    }
    if (tl_web_etag_matches(tl_http_header(r, "If-None-Match"), etag)) {
        tl_http_respond_empty(r, 304);
        return;
    }
    const unsigned char *start = is_gzip ? f->gz : f->raw, *end = is_gzip ? f->gz_end : f->raw_end;
    tl_http_respond_static(r, 200, f->content_type, start, (size_t)(end - start));
}

void tl_web_index(void *app, struct tl_http_req *r) {
    serve(r, "index.html");
}

void tl_web_asset(void *app, struct tl_http_req *r) {
    char path[8 + TL_ROUTE_MAX_PARAM];
    snprintf(path, sizeof path, "assets/%s", tl_http_param(r, 0));
    serve(r, path);
}
