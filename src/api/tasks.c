/* tasks.c: POST /api/v1/projects/{id}/tasks: import, all or nothing. */
#include <strings.h>

#include "api/api.h"
#include "authz/authz.h"
#include "schema/jsonl.h"

void tl_api_tasks_import(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_scope sc;
    if (tl_api_auth(a, r, &sc))
        return;
    struct tl_project p;
    int rc =
        tl_authz_project(a->store, a->authz_cache, &sc, tl_http_param(r, 0), TL_ACT_MANAGE, &p);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    const char *ctype = tl_http_header(r, "Content-Type");
    bool is_array = ctype && !strncasecmp(ctype, "application/json", 16);
    bool is_jsonl = ctype && (!strncasecmp(ctype, "application/x-ndjson", 20) ||
                              !strncasecmp(ctype, "application/jsonl", 17));
    if (!is_array && !is_jsonl) {
        tl_http_respond_error(r, 415, "unsupported_media_type",
                              "send application/x-ndjson (JSON Lines) or application/json");
        tl_project_release(&p);
        return;
    }
    size_t len;
    const char *body = tl_http_body(r, &len);
    struct tl_import im;
    struct tl_errbuf eb = {{0}};
    rc = tl_import_parse(body, len, is_array, &im, &eb);
    if (!rc)
        rc = tl_store_tasks_import(a->store, &sc, &p, im.items, im.n);
    if (rc)
        tl_api_fail(r, rc, eb.msg);
    else
        tl_http_respond_json(r, 201, json_pack("{s:I}", "imported", (json_int_t)im.n));
    tl_import_release(&im);
    tl_project_release(&p);
}
