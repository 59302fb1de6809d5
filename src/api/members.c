/* members.c: POST /api/v1/projects/{id}/members: staff a project.
 *
 * Adding by email answers 201 for a user the tenant may add and 404 for
 * anything else, which tells the caller whether an email belongs to the
 * workforce. Scripts rely on adding by email, so instead of hiding that the
 * misses are capped per tenant (TL_MEMBER_MISSES_PER_TENANT per window, then
 * 429 with Retry-After for every look-up, hit or miss, so the answer stops
 * leaking), and every addition is logged with who made it. */
#include "api/api.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "core/log.h"

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
    int64_t now = tl_clock_ms();
    /* Keyed by the project's tenant: the one whose managers could probe. */
    int64_t wait_ms = tl_limiter_wait_ms(a->member_misses, p->tenant_id, now);
    if (!email || !*email) {
        tl_api_fail(r, TL_EINVAL, "email is required");
    } else if (role != TL_ROLE_ANNOTATOR && role != TL_ROLE_REVIEWER) {
        tl_api_fail(r, TL_EINVAL, "role must be annotator or reviewer");
    } else if (wait_ms > 0) {
        tl_http_set_retry_after(r, (unsigned)((wait_ms + 999) / 1000));
        tl_api_fail(r, TL_ELIMIT, "too many unknown emails for this tenant, try again later");
    } else if ((rc = tl_store_member_add(a->store, &c->sc, p, email, role, user_id))) {
        if (rc == TL_ENOTFOUND)
            tl_limiter_failed(a->member_misses, p->tenant_id, now);
        tl_api_fail(r, rc, rc == TL_ENOTFOUND ? "no such user" : NULL);
    } else {
        tl_authz_cache_invalidate(a->authz_cache); /* a role may have changed */
        /* Ids only: the log must not become a list of workforce emails. */
        tl_log("member added: tenant=%s project=%s by=%s user=%s role=%s", p->tenant_id, p->id,
               c->sc.user_id, user_id, tl_role_name(role));
        tl_http_respond_json(r, 201,
                             json_pack("{s:s,s:s,s:s}", "project_id", p->id, "email", email, "role",
                                       tl_role_name(role)));
    }
    json_decref(body);
}
