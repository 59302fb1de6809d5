/* projects.c: POST/GET /api/v1/projects, GET/PATCH/DELETE /api/v1/projects/{id}. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "authz/authz.h"
#include "core/log.h"
#include "schema/schema.h"

#define MAX_NAME          200
#define MAX_OVERLAP       100
#define MAX_LEASE_SECONDS (7 * 24 * 3600)
#define MAX_HELD_LEASES   100 /* max_leases_per_annotator: prefetch, not hoarding */
#define MAX_INSTRUCTIONS  (64 * 1024)

/* An integer member in [lo, hi], or def when absent: 0 or TL_EINVAL. */
static int int_member(const json_t *o, const char *key, int def, int lo, int hi, int *out) {
    const json_t *v = json_object_get(o, key);
    if (!v) { /* absent; an explicit null is a wrong type like any other */
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return TL_EINVAL;
    *out = (int)json_integer_value(v);
    return 0;
}

/* "instructions" when present into *out (replacing it; creation and PATCH
 * take the same): 0, TL_EINVAL with eb set, or TL_ENOMEM. */
static int instructions_member(const json_t *body, char **out, struct tl_errbuf *eb) {
    const json_t *v = json_object_get(body, "instructions");
    if (!v)
        return 0;
    if (!json_is_string(v) || json_string_length(v) > MAX_INSTRUCTIONS)
        return tl_errf(eb, TL_EINVAL, "instructions must be a string of 0..%d bytes",
                       MAX_INSTRUCTIONS);
    free(*out);
    *out = strdup(json_string_value(v));
    return *out ? 0 : TL_ENOMEM;
}

/* POST /api/v1/projects: instructions may come with the rest, so a project
 * is never visible to its members without them. */
void tl_api_projects_create(void *app, struct tl_http_req *r) {
    static const char *const known[] = {"name", "schema", "overlap", "lease_seconds",
                                        "max_leases_per_annotator", "instructions",
                                        /* quality (core): project_quality.c */
                                        "gold_rate", "qualification", "max_overlap",
                                        "confidence_target", "quality", NULL};
    struct tl_api *a = app;
    const struct tl_scope *sc = &tl_api_call(r)->sc;
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    struct tl_project p = {0};
    struct tl_errbuf eb = {{0}};
    struct tl_schema schema;
    const json_t *name = json_object_get(body, "name");
    int rc = 0;
    if (!name)
        rc = tl_errf(&eb, TL_EINVAL, "name is required");
    else if (!json_is_string(name) || json_string_length(name) == 0 ||
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
    if (!rc)
        rc = instructions_member(body, &p.instructions, &eb);
    tl_quality_defaults(&p.q);
    if (!rc)
        rc = tl_api_quality_parse(body, &p, &eb);
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

static int membership_cmp(const void *x, const void *y) {
    return strcmp(((const struct tl_membership *)x)->project_id,
                  ((const struct tl_membership *)y)->project_id);
}

static int id_membership_cmp(const void *id, const void *m) {
    return strcmp(id, ((const struct tl_membership *)m)->project_id);
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
    /* The caller's member role on each (the home screen's "label" or
     * "review" button): their memberships, one query, sorted by project id
     * and searched (a workforce member of many projects lists about as
     * many, so a scan per project would be quadratic). */
    struct tl_membership *m = NULL;
    size_t n_m = 0;
    rc = tl_store_member_projects(a->store, tl_api_call(r)->sc.user_pk, &m, &n_m);
    if (!rc && n_m > 1)
        qsort(m, n_m, sizeof *m, membership_cmp);
    json_t *arr = rc ? NULL : json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = arr ? tl_api_project_json(&ps[i]) : NULL;
        const struct tl_membership *mine =
            n_m ? bsearch(ps[i].id, m, n_m, sizeof *m, id_membership_cmp) : NULL;
        const char *role = mine ? tl_role_name(mine->role) : NULL;
        if (j && json_object_set_new(j, "member_role", role ? json_string(role) : json_null())) {
            json_decref(j);
            j = NULL;
        }
        if (arr && (!j || json_array_append_new(arr, j)))
            rc = TL_ENOMEM;
        tl_project_release(&ps[i]);
    }
    free(ps);
    tl_memberships_free(m, n_m);
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

/* PATCH /api/v1/projects/{id}: change settings. Every key is optional;
 * "archived": true stops `next` (204) and imports (409) until it is
 * false again. */
static int patch_settings(const json_t *body, struct tl_project *p, struct tl_errbuf *eb) {
    const json_t *v;
    if ((v = json_object_get(body, "name"))) {
        if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > MAX_NAME)
            return tl_errf(eb, TL_EINVAL, "name must be a string of 1..%d bytes", MAX_NAME);
        free(p->name);
        p->name = strdup(json_string_value(v));
    }
    int rc = instructions_member(body, &p->instructions, eb);
    if (rc)
        return rc;
    if (int_member(body, "overlap", p->overlap, 1, MAX_OVERLAP, &p->overlap))
        return tl_errf(eb, TL_EINVAL, "overlap must be an integer in 1..%d", MAX_OVERLAP);
    if (int_member(body, "lease_seconds", p->lease_seconds, 1, MAX_LEASE_SECONDS,
                   &p->lease_seconds))
        return tl_errf(eb, TL_EINVAL, "lease_seconds must be an integer in 1..%d",
                       MAX_LEASE_SECONDS);
    if (int_member(body, "max_leases_per_annotator", p->max_leases_per_annotator, 1,
                   MAX_HELD_LEASES, &p->max_leases_per_annotator))
        return tl_errf(eb, TL_EINVAL, "max_leases_per_annotator must be an integer in 1..%d",
                       MAX_HELD_LEASES);
    if ((v = json_object_get(body, "allow_edits"))) {
        if (!json_is_boolean(v))
            return tl_errf(eb, TL_EINVAL, "allow_edits must be true or false");
        p->allows_edits = json_is_true(v);
    }
    if ((v = json_object_get(body, "archived"))) {
        if (!json_is_boolean(v))
            return tl_errf(eb, TL_EINVAL, "archived must be true or false");
        p->is_archived = json_is_true(v);
    }
    if ((rc = tl_api_quality_parse(body, p, eb)))
        return rc;
    /* A max_overlap kept from before must still be at least the overlap
     * (0 stores "the same as overlap"). */
    if (!json_object_get(body, "max_overlap") && p->q.max_overlap &&
        p->q.max_overlap < p->overlap)
        return tl_errf(eb, TL_EINVAL, "max_overlap (%d) must be at least overlap (%d)",
                       p->q.max_overlap, p->overlap);
    return p->name && p->instructions ? 0 : TL_ENOMEM;
}

void tl_api_projects_patch(void *app, struct tl_http_req *r) {
    static const char *const known[] = {"name", "instructions", "overlap", "lease_seconds",
                                        "max_leases_per_annotator", "allow_edits", "archived",
                                        /* quality (core): project_quality.c */
                                        "gold_rate", "qualification", "max_overlap",
                                        "confidence_target", "quality", NULL};
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    struct tl_errbuf eb = {{0}};
    int rc = patch_settings(body, &c->p, &eb);
    json_decref(body);
    rc = rc ? rc : tl_store_project_update(a->store, &c->sc, &c->p);
    struct tl_project fresh;
    struct tl_filter f = tl_policy_filter(&c->sc);
    rc = rc ? rc : tl_store_project_get(a->store, &f, c->p.id, &fresh); /* new counts */
    if (rc) {
        tl_api_fail(r, rc, eb.msg);
        return;
    }
    tl_authz_cache_invalidate(a->authz_cache); /* `next` reads archived and the lease settings */
    tl_http_respond_json(r, 200, tl_api_project_json(&fresh));
    tl_project_release(&fresh);
}

static void remove_file(void *files, const char *id) {
    tl_files_remove(files, id);
}

/* DELETE /api/v1/projects/{id}: gone at once for every reader; the rows
 * follow in the background (store.h: tl_store_project_delete). The media
 * bytes go first: a failure after that leaves rows pointing at nothing,
 * never bytes that no row names. */
void tl_api_projects_delete(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    int rc = a->files ? tl_store_file_ids(a->store, &c->sc, &c->p, remove_file, a->files) : 0;
    rc = rc ? rc : tl_store_project_delete(a->store, &c->sc, &c->p);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    tl_authz_cache_invalidate(a->authz_cache);
    tl_log("project deleted: tenant=%s project=%s by=%s", c->p.tenant_id, c->p.id, c->sc.user_id);
    tl_http_respond_empty(r, 204);
}
