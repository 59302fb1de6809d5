/* members.c: POST/GET /api/v1/projects/{id}/members, PATCH/DELETE
 * /api/v1/projects/{id}/members/{user}: staff a project and follow it.
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
    static const char *const known[] = {"email", "role", NULL};
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const struct tl_project *p = &c->p;
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    int rc;
    tl_id user_id;
    const json_t *jemail = json_object_get(body, "email");
    const char *email = json_string_value(jemail);
    const json_t *jrole = json_object_get(body, "role");
    enum tl_role role = jrole ? tl_role_parse(json_string_value(jrole)) : TL_ROLE_ANNOTATOR;
    int64_t now = tl_clock_ms();
    /* Keyed by the project's tenant: the one whose managers could probe. */
    int64_t wait_ms = tl_limiter_wait_ms(a->member_misses, p->tenant_id, now);
    if (!jemail) {
        tl_api_fail(r, TL_EINVAL, "email is required");
    } else if (!email || !*email) {
        tl_api_fail(r, TL_EINVAL, "email must be a non-empty string");
    } else if (role != TL_ROLE_ANNOTATOR && role != TL_ROLE_REVIEWER) {
        tl_api_fail(r, TL_EINVAL, "role must be one of annotator, reviewer");
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

/* GET /api/v1/projects/{id}/members: each member with their progress.
 * Names follow the export's rule: the tenant's own users appear under
 * their email, the platform workforce only under its pseudonym. */
static json_t *member_json(struct tl_api *a, const struct tl_project *p,
                           const struct tl_member *m) {
    char name[TL_PSEUDONYM_LEN + 1];
    if (m->is_workforce)
        tl_pseudonym(tl_store_secret(a->store), p->tenant_id, m->user_id, name);
    json_t *j = json_pack("{s:s,s:s,s:s,s:{s:I,s:I,s:I,s:o}}", "user_id", m->user_id, "name",
                          m->is_workforce ? name : m->email, "role", tl_role_name(m->role),
                          "progress", "done", (json_int_t)m->n_done, "in_progress",
                          (json_int_t)m->n_in_progress, "skipped", (json_int_t)m->n_skipped,
                          "median_seconds",
                          m->median_seconds < 0 ? json_null() : json_real(m->median_seconds));
    json_t *skips = json_array();
    for (size_t i = 0; i < m->n_skips_shown && skips; i++)
        if (json_array_append_new(skips, json_pack("{s:s,s:s}", "task_id", m->skips[i].task_id,
                                                   "reason", m->skips[i].reason))) {
            json_decref(skips);
            skips = NULL;
        }
    json_t *progress = json_object_get(j, "progress");
    if (j && (!skips || json_object_set_new(progress, "recent_skips", skips) ||
              (!m->is_workforce && json_object_set_new(j, "email", json_string(m->email))))) {
        json_decref(j);
        return NULL;
    }
    if (!j)
        json_decref(skips);
    return j;
}

void tl_api_members_list(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    struct tl_member *ms;
    size_t n;
    int rc = tl_store_member_list(a->store, &c->sc, &c->p, tl_clock_ms(), &ms, &n);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n && arr; i++) {
        if (json_array_append_new(arr, member_json(a, &c->p, &ms[i]))) {
            json_decref(arr);
            arr = NULL;
        }
    }
    free(ms);
    tl_http_respond_json(r, 200, arr ? json_pack("{s:o}", "members", arr) : NULL);
}

/* PATCH /api/v1/projects/{id}/members/{user}: {"role"}. */
void tl_api_members_patch(void *app, struct tl_http_req *r) {
    static const char *const known[] = {"role", NULL};
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    enum tl_role role = tl_role_parse(json_string_value(json_object_get(body, "role")));
    json_decref(body);
    const char *user_id = tl_http_param(r, 1);
    int rc = role == TL_ROLE_ANNOTATOR || role == TL_ROLE_REVIEWER
                 ? tl_store_member_set_role(a->store, &c->sc, &c->p, user_id, role)
                 : TL_EINVAL;
    if (rc) {
        tl_api_fail(r, rc,
                    rc == TL_EINVAL ? "role must be one of annotator, reviewer" : "no such member");
        return;
    }
    tl_authz_cache_invalidate(a->authz_cache);
    tl_log("member role: tenant=%s project=%s by=%s user=%s role=%s", c->p.tenant_id, c->p.id,
           c->sc.user_id, user_id, tl_role_name(role));
    tl_http_respond_json(r, 200, json_pack("{s:s,s:s,s:s}", "project_id", c->p.id, "user_id",
                                           user_id, "role", tl_role_name(role)));
}

/* DELETE /api/v1/projects/{id}/members/{user}: their live leases go with
 * the membership, so the slots reopen at once. */
void tl_api_members_remove(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const char *user_id = tl_http_param(r, 1);
    int rc = tl_store_member_remove(a->store, &c->sc, &c->p, user_id);
    if (rc) {
        tl_api_fail(r, rc, rc == TL_ENOTFOUND ? "no such member" : NULL);
        return;
    }
    tl_authz_cache_invalidate(a->authz_cache); /* the member's `next` must stop at once */
    tl_log("member removed: tenant=%s project=%s by=%s user=%s", c->p.tenant_id, c->p.id,
           c->sc.user_id, user_id);
    tl_http_respond_empty(r, 204);
}
