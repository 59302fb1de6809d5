/* projects.c: POST/GET /api/v1/projects, GET /api/v1/projects/{id}. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "authz/authz.h"
#include "schema/schema.h"

#define MAX_NAME          200
#define MAX_OVERLAP       100
#define MAX_LEASE_SECONDS (7 * 24 * 3600)
#define MAX_HELD_LEASES   100 /* max_leases_per_annotator: prefetch, not hoarding */

/* An integer member in [lo, hi], or def when absent: 0 or TL_EINVAL. */
static int int_member(const json_t *o, const char *key, int def, int lo, int hi, int *out) {
    const json_t *v = json_object_get(o, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return TL_EINVAL;
    *out = (int)json_integer_value(v);
    return 0;
}

void tl_api_projects_create(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    const struct tl_scope *sc = &tl_api_call(r)->sc;
    json_t *body = tl_api_body_object(r);
    if (!body)
        return;
    struct tl_project p = {0};
    struct tl_errbuf eb = {{0}};
    struct tl_schema schema;
    const json_t *name = json_object_get(body, "name");
    int rc = 0;
    if (!json_is_string(name) || json_string_length(name) == 0 ||
        json_string_length(name) > MAX_NAME)
        rc = tl_errf(&eb, TL_EINVAL, "name must be a string of 1..%d bytes", MAX_NAME);
    if (!rc && int_member(body, "overlap", 1, 1, MAX_OVERLAP, &p.overlap))
        rc = tl_errf(&eb, TL_EINVAL, "overlap must be an integer in 1..%d", MAX_OVERLAP);
    if (!rc && int_member(body, "lease_seconds", 1800, 1, MAX_LEASE_SECONDS, &p.lease_seconds))
        rc =
            tl_errf(&eb, TL_EINVAL, "lease_seconds must be an integer in 1..%d", MAX_LEASE_SECONDS);
    if (!rc && int_member(body, "max_leases_per_annotator", 1, 1, MAX_HELD_LEASES,
                          &p.max_leases_per_annotator))
        rc = tl_errf(&eb, TL_EINVAL, "max_leases_per_annotator must be an integer in 1..%d",
                     MAX_HELD_LEASES);
    if (!rc) {
        rc = tl_schema_parse(json_object_get(body, "schema"), &schema, &eb);
        if (!rc)
            tl_schema_release(&schema);
        else if (rc == TL_EINVAL && !json_object_get(body, "schema"))
            tl_errf(&eb, rc, "schema is required");
    }
    if (!rc) {
        p.name = strdup(json_string_value(name));
        p.schema_json = json_dumps(json_object_get(body, "schema"), JSON_COMPACT);
        rc = p.name && p.schema_json ? tl_store_project_create(a->store, sc, &p) : TL_ENOMEM;
    }
    if (rc)
        tl_api_fail(r, rc, eb.msg);
    else
        tl_http_respond_json(r, 201, json_pack("{s:s}", "id", p.id));
    tl_project_release(&p);
    json_decref(body);
}

void tl_api_projects_list(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_project *ps;
    size_t n;
    struct tl_filter f = tl_policy_filter(&tl_api_call(r)->sc);
    int rc = tl_store_project_list(a->store, &f, &ps, &n);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        if (arr && json_array_append_new(arr, tl_api_project_json(&ps[i])))
            rc = TL_ENOMEM;
        tl_project_release(&ps[i]);
    }
    free(ps);
    if (!arr || rc) {
        json_decref(arr);
        tl_api_fail(r, TL_ENOMEM, NULL);
        return;
    }
    tl_http_respond_json(r, 200, json_pack("{s:o}", "projects", arr));
}

void tl_api_projects_get(void *app, struct tl_http_req *r) {
    tl_http_respond_json(r, 200, tl_api_project_json(&tl_api_call(r)->p));
}
