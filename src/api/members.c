/* members.c: POST /api/v1/projects/{id}/members: staff a project. */
#include "api/api.h"
#include "authz/authz.h"

void tl_api_members_add(void *app, struct tl_http_req *r) {
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
    json_t *body = tl_api_body_object(r);
    if (!body) {
        tl_project_release(&p);
        return;
    }
    const char *email = json_string_value(json_object_get(body, "email"));
    const json_t *jrole = json_object_get(body, "role");
    enum tl_role role = jrole ? tl_role_parse(json_string_value(jrole)) : TL_ROLE_ANNOTATOR;
    if (!email || !*email)
        tl_api_fail(r, TL_EINVAL, "email is required");
    else if (role != TL_ROLE_ANNOTATOR && role != TL_ROLE_REVIEWER)
        tl_api_fail(r, TL_EINVAL, "role must be annotator or reviewer");
    else if ((rc = tl_store_member_add(a->store, &sc, &p, email, role)))
        tl_api_fail(r, rc, rc == TL_ENOTFOUND ? "no such user" : NULL);
    else {
        tl_authz_cache_invalidate(a->authz_cache); /* a role may have changed */
        tl_http_respond_json(r, 201,
                             json_pack("{s:s,s:s,s:s}", "project_id", p.id, "email", email, "role",
                                       tl_role_name(role)));
    }
    json_decref(body);
    tl_project_release(&p);
}
