/* members.c: POST /api/v1/projects/{id}/members: staff a project. */
#include "api/api.h"
#include "authz/authz.h"

void tl_api_members_add(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const struct tl_project *p = &c->p;
    json_t *body = tl_api_body_object(r);
    if (!body)
        return;
    int rc;
    tl_id user_id;
    const char *email = json_string_value(json_object_get(body, "email"));
    const json_t *jrole = json_object_get(body, "role");
    enum tl_role role = jrole ? tl_role_parse(json_string_value(jrole)) : TL_ROLE_ANNOTATOR;
    if (!email || !*email)
        tl_api_fail(r, TL_EINVAL, "email is required");
    else if (role != TL_ROLE_ANNOTATOR && role != TL_ROLE_REVIEWER)
        tl_api_fail(r, TL_EINVAL, "role must be annotator or reviewer");
    else if ((rc = tl_store_member_add(a->store, &c->sc, p, email, role, user_id)))
        tl_api_fail(r, rc, rc == TL_ENOTFOUND ? "no such user" : NULL);
    else {
        tl_authz_cache_invalidate(a->authz_cache); /* a role may have changed */
        tl_http_respond_json(r, 201,
                             json_pack("{s:s,s:s,s:s}", "project_id", p->id, "email", email, "role",
                                       tl_role_name(role)));
    }
    json_decref(body);
}
