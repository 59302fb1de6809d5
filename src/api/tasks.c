/* tasks.c: POST /api/v1/projects/{id}/tasks: import, all or nothing. */
#include <stdlib.h>
#include <strings.h>

#include "api/api.h"
#include "authz/authz.h"
#include "schema/jsonl.h"

static void body_free(void *ctx) {
    struct tl_buf *b = ctx;
    tl_buf_release(b);
    free(b);
}

/* Collect the body (the server already bounds it by --max-import-body). */
size_t tl_api_tasks_import_chunk(void *app, struct tl_http_req *r, const char *data, size_t len) {
    struct tl_api_call *c = tl_api_call(r);
    struct tl_buf *b = c->state;
    if (!b) {
        b = malloc(sizeof *b);
        if (!b) {
            tl_api_fail(r, TL_ENOMEM, NULL);
            return len;
        }
        tl_buf_init(b, SIZE_MAX / 2); /* the server enforces the real ceiling */
        c->state = b;
        c->free_state = body_free;
    }
    if (tl_buf_append(b, data, len))
        tl_api_fail(r, TL_ENOMEM, NULL);
    return len;
}

void tl_api_tasks_import(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    int rc;
    const char *ctype = tl_http_header(r, "Content-Type");
    bool is_array = ctype && !strncasecmp(ctype, "application/json", 16);
    bool is_jsonl = ctype && (!strncasecmp(ctype, "application/x-ndjson", 20) ||
                              !strncasecmp(ctype, "application/jsonl", 17));
    if (!is_array && !is_jsonl) {
        tl_http_respond_error(r, 415, "unsupported_media_type",
                              "send application/x-ndjson (JSON Lines) or application/json");
        return;
    }
    const struct tl_buf *b = c->state;
    size_t len = b ? b->len : 0;
    const char *body = b && b->data ? b->data : "";
    struct tl_import im;
    struct tl_errbuf eb = {{0}};
    rc = tl_import_parse(body, len, is_array, &im, &eb);
    if (!rc)
        rc = tl_store_tasks_import(a->store, &c->sc, &c->p, im.items, im.n);
    if (rc)
        tl_api_fail(r, rc, eb.msg);
    else
        tl_http_respond_json(r, 201, json_pack("{s:I}", "imported", (json_int_t)im.n));
    tl_import_release(&im);
}
