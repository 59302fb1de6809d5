/* users.c: a tenant's users, for its owners and admins (the "users"
 * action of policy.h): GET /api/v1/users, POST /api/v1/users,
 * PATCH /api/v1/users/{id}.
 *
 * Which roles a caller may give or change is tl_policy_may_assign's (an
 * admin can neither make nor touch an owner). Nobody changes their own
 * account here, so an owner cannot lock the tenant out by demoting or
 * disabling themselves by mistake.
 *
 * A disabled user's tokens and sessions are refused at once on this node:
 * the store's token lookup skips disabled users, and the change drops the
 * authz cache (authz/cache.h), where their scope may sit for a few more
 * seconds otherwise. A role change is seen at once the same way.
 *
 * A password given at creation is hashed (argon2id, 50-150 ms) on the
 * API's slow pool with the request suspended, as login does: on the event
 * loop it would stall every connection of that thread. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/workq.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 256

static json_t *user_json(const void *item) {
    const struct tl_user *u = item;
    char created[32];
    return json_pack("{s:s,s:s,s:s,s:b,s:s}", "id", u->id, "email", u->email, "role",
                     tl_role_name(u->role), "disabled", u->is_disabled, "created_at",
                     tl_clock_rfc3339(u->created_at_ms, created));
}

void tl_api_users_list(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    const struct tl_scope *sc = &tl_api_call(r)->sc;
    struct tl_user *u;
    size_t n;
    int rc = tl_store_user_list(a->store, sc->tenant_id, &u, &n);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *arr = tl_api_json_array(u, n, sizeof *u, user_json);
    free(u);
    tl_http_respond_json(r, 200, json_pack("{s:o*}", "users", arr));
}

/* An address someone could type: 3..254 bytes, one '@' with text on both
 * sides, no spaces or control characters. */
static bool is_email(const char *s) {
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > 254 || !at || at == s || !at[1] || strchr(at + 1, '@'))
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f)
            return false;
    return true;
}

/* One creation in flight: checked on the event loop, hashed and written
 * on the slow pool, answered on the event loop again. */
struct creation {
    struct tl_api *a;
    struct tl_http_req *r; /* alive while suspended: only the job resumes it */
    struct tl_user u;
    char *password; /* owned, wiped on free; NULL: none */
    int rc;
};

static void creation_free(void *ctx) {
    struct creation *cr = ctx;
    if (cr->password) {
        sodium_memzero(cr->password, strlen(cr->password));
        free(cr->password);
    }
    sodium_memzero(cr, sizeof *cr);
    free(cr);
}

static void creation_job(void *arg) {
    struct creation *cr = arg;
    int rc = cr->password ? tl_password_hash(cr->password, cr->u.password_hash) : 0;
    cr->rc = rc ? rc : tl_store_user_create(cr->a->store, &cr->u);
    tl_http_resume(cr->r);
}

static void creation_answer(struct tl_http_req *r, struct creation *cr) {
    if (cr->rc) {
        tl_api_fail(r, cr->rc, cr->rc == TL_EEXIST ? "that email is taken" : NULL);
        return;
    }
    tl_log("user created: tenant=%s by=%s user=%s role=%s", cr->u.tenant_id,
           tl_api_call(r)->sc.user_id, cr->u.id, tl_role_name(cr->u.role));
    tl_http_respond_json(r, 201, user_json(&cr->u));
}

/* Check the body into cr: 0, or TL_EINVAL/TL_EPERM with the message in eb. */
static int creation_check(const struct tl_scope *sc, json_t *body, struct creation *cr,
                          struct tl_errbuf *eb) {
    const char *email = json_string_value(json_object_get(body, "email"));
    const json_t *jrole = json_object_get(body, "role");
    const json_t *jpw = json_object_get(body, "password");
    enum tl_role role = tl_role_parse(json_string_value(jrole));
    if (!email || !is_email(email))
        return tl_errf(eb, TL_EINVAL, "email must be an email address (at most 254 bytes)");
    if (role == TL_ROLE_NONE)
        return tl_errf(eb, TL_EINVAL,
                       "role must be one of owner, admin, manager, reviewer, viewer, annotator");
    if (!tl_policy_may_assign(sc->role, TL_ROLE_NONE, role))
        return tl_errf(eb, TL_EPERM, "an admin cannot create an owner");
    if (jpw && !json_is_null(jpw)) {
        const char *pw = json_string_value(jpw);
        if (!pw || strlen(pw) < PASSWORD_MIN || strlen(pw) > PASSWORD_MAX)
            return tl_errf(eb, TL_EINVAL, "password must be a string of 8..256 bytes");
        if (!(cr->password = strdup(pw)))
            return TL_ENOMEM;
    }
    cr->u.role = role;
    snprintf(cr->u.email, sizeof cr->u.email, "%s", email);
    snprintf(cr->u.tenant_id, sizeof cr->u.tenant_id, "%s", sc->tenant_id);
    return 0;
}

void tl_api_users_create(void *app, struct tl_http_req *r) {
    static const char *const keys[] = {"email", "role", "password", NULL};
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    if (c->state) { /* resumed: the job has finished */
        creation_answer(r, c->state);
        return;
    }
    json_t *body = tl_api_body_strict(r, keys);
    if (!body)
        return;
    struct creation *cr = calloc(1, sizeof *cr);
    if (!cr) {
        json_decref(body);
        tl_api_fail(r, TL_ENOMEM, NULL);
        return;
    }
    cr->a = a;
    cr->r = r;
    struct tl_errbuf eb = {{0}};
    int rc = creation_check(&c->sc, body, cr, &eb);
    json_decref(body);
    if (rc) {
        creation_free(cr);
        tl_api_fail(r, rc, eb.msg);
        return;
    }
    c->state = cr;
    c->free_state = creation_free;
    tl_http_suspend(r);
    if ((rc = tl_workq_submit(a->slow, creation_job, cr))) {
        cr->rc = rc == TL_ELIMIT ? TL_ENOMEM : rc;
        tl_http_resume(r);
    }
}

void tl_api_users_update(void *app, struct tl_http_req *r) {
    static const char *const keys[] = {"disabled", "role", NULL};
    struct tl_api *a = app;
    const struct tl_scope *sc = &tl_api_call(r)->sc;
    const char *id = tl_http_param(r, 0);
    json_t *body = tl_api_body_strict(r, keys);
    if (!body)
        return;
    const json_t *jdis = json_object_get(body, "disabled");
    const json_t *jrole = json_object_get(body, "role");
    enum tl_role role = jrole ? tl_role_parse(json_string_value(jrole)) : TL_ROLE_NONE;
    struct tl_user u;
    int rc = 0;
    const char *msg = NULL;
    if (jdis && !json_is_boolean(jdis))
        rc = TL_EINVAL, msg = "disabled must be true or false";
    else if (jrole && role == TL_ROLE_NONE)
        rc = TL_EINVAL,
        msg = "role must be one of owner, admin, manager, reviewer, viewer, annotator";
    else if (!jdis && !jrole)
        rc = TL_EINVAL, msg = "give disabled, role or both";
    else if (!tl_id_valid(id, strlen(id)) || tl_store_user_get(a->store, sc->tenant_id, id, &u))
        rc = TL_ENOTFOUND, msg = "no such user in your tenant";
    else if (!strcmp(u.id, sc->user_id))
        rc = TL_EPERM, msg = "your own account is changed by another owner or admin";
    else if (!tl_policy_may_assign(sc->role, u.role, jrole ? role : u.role))
        rc = TL_EPERM, msg = "an admin can neither make nor change an owner";
    else
        rc = tl_store_user_update(a->store, sc->tenant_id, id, jdis ? json_is_true(jdis) : -1,
                                  role, &u);
    json_decref(body);
    if (rc) {
        tl_api_fail(r, rc, msg);
        return;
    }
    tl_authz_cache_invalidate(a->authz_cache); /* their scope may be cached */
    tl_log("user changed: tenant=%s by=%s user=%s role=%s disabled=%d", sc->tenant_id,
           sc->user_id, u.id, tl_role_name(u.role), u.is_disabled);
    tl_http_respond_json(r, 200, user_json(&u));
}
