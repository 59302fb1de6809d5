/* account.c: the caller's own account: GET /api/v1/me and API tokens
 * (POST, GET /api/v1/tokens, DELETE /api/v1/tokens/{id}).
 *
 * A token's secret is shown once, by the POST that makes it; the store
 * keeps only its hash (as for every token) and lists tokens by their public
 * id. Owners and admins (the "users" action of policy.h) may also list
 * (?user_id=ID) and revoke the tokens of their tenant's users.
 *
 * Revocation is seen at once on this node: the authz cache (authz/cache.h)
 * keeps scopes by token hash for a few seconds, and the revoke only knows
 * the token's id, so it drops the whole cache (cheap: it refills from the
 * next requests). Another node sees it within the cache's TTL. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/log.h"

#define TOKEN_MAX_DAYS 3650

static json_t *membership_json(const void *item) {
    const struct tl_membership *m = item;
    return json_pack("{s:s,s:s,s:s}", "id", m->project_id, "name", m->project_name, "role",
                     tl_role_name(m->role));
}

int tl_api_me_json(struct tl_api *a, const struct tl_scope *sc, json_t **out) {
    struct tl_user u;
    struct tl_tenant t = {0};
    struct tl_membership *m = NULL;
    size_t n = 0;
    int rc = tl_store_user_get(a->store, sc->tenant_id, sc->user_id, &u);
    if (!rc && sc->tenant_id[0])
        rc = tl_store_tenant_get(a->store, sc->tenant_id, &t);
    if (!rc)
        rc = tl_store_member_projects(a->store, sc->user_pk, &m, &n);
    if (rc)
        return rc == TL_ENOTFOUND ? TL_EAUTH : rc; /* deleted meanwhile */
    json_t *tenant = sc->tenant_id[0] ? json_pack("{s:s,s:s}", "id", t.id, "name", t.name)
                                      : json_null();
    *out = json_pack("{s:s,s:s,s:o*,s:s,s:o*}", "id", u.id, "email", u.email, "tenant", tenant,
                     "role", tl_role_name(u.role), "projects",
                     tl_api_json_array(m, n, sizeof *m, membership_json));
    tl_memberships_free(m, n);
    return *out ? 0 : TL_ENOMEM;
}

void tl_api_me(void *app, struct tl_http_req *r) {
    json_t *me;
    int rc = tl_api_me_json(app, &tl_api_call(r)->sc, &me);
    if (rc)
        tl_api_fail(r, rc, NULL);
    else
        tl_http_respond_json(r, 200, me);
}

/* Whose tokens the caller reaches: their own, and their tenant's users'
 * when the table lets them manage users. */
static struct tl_token_filter token_filter(const struct tl_scope *sc) {
    bool is_manager = tl_authz_allows(sc, TL_ACT_USERS) == 0;
    return (struct tl_token_filter){.user_pk = sc->user_pk,
                                    .tenant_pk = is_manager ? sc->tenant_pk : 0};
}

void tl_api_tokens_create(void *app, struct tl_http_req *r) {
    static const char *const keys[] = {"name", "expires_in_days", NULL};
    struct tl_api *a = app;
    const struct tl_scope *sc = &tl_api_call(r)->sc;
    json_t *body = tl_api_body_strict(r, keys);
    if (!body)
        return;
    const json_t *jname = json_object_get(body, "name");
    const json_t *jdays = json_object_get(body, "expires_in_days");
    const char *name = jname && !json_is_null(jname) ? json_string_value(jname) : NULL;
    int64_t expires_at = 0;
    if (jname && !json_is_null(jname) &&
        (!name || !*name || strlen(name) > TL_TOKEN_NAME_MAX)) {
        tl_api_fail(r, TL_EINVAL, "name must be a string of 1..100 bytes");
        json_decref(body);
        return;
    }
    if (jdays && !json_is_null(jdays)) {
        json_int_t days = json_is_integer(jdays) ? json_integer_value(jdays) : 0;
        if (days < 1 || days > TOKEN_MAX_DAYS) {
            tl_api_fail(r, TL_EINVAL, "expires_in_days must be an integer in 1..3650");
            json_decref(body);
            return;
        }
        expires_at = tl_clock_ms() + days * 24LL * 3600 * 1000;
    }
    char token[TL_TOKEN_LEN + 1], hash[TL_TOKEN_HASH_LEN + 1];
    tl_id id;
    tl_token_new(token);
    tl_token_hash(token, TL_TOKEN_LEN, hash);
    int rc = tl_store_token_add(a->store, sc->user_pk, hash, expires_at, name, id);
    if (rc) {
        tl_api_fail(r, rc, NULL);
    } else {
        tl_log("token created: user=%s token=%s", sc->user_id, id);
        tl_http_respond_json(r, 201,
                             json_pack("{s:s,s:s,s:s?,s:o*}", "id", id, "token", token, "name",
                                       name, "expires_at", tl_api_time_or_null(expires_at)));
    }
    sodium_memzero(token, sizeof token);
    json_decref(body);
}

static json_t *token_json(const void *item) {
    const struct tl_token_info *k = item;
    char created[32];
    return json_pack("{s:s,s:s,s:s?,s:s,s:s,s:o*}", "id", k->id, "user_id", k->user_id, "name",
                     k->name[0] ? k->name : NULL, "kind", k->is_session ? "session" : "api",
                     "created_at", tl_clock_rfc3339(k->created_at_ms, created), "expires_at",
                     tl_api_time_or_null(k->expires_at_ms));
}

void tl_api_tokens_list(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    const struct tl_scope *sc = &tl_api_call(r)->sc;
    const char *user_id = tl_http_query(r, "user_id");
    struct tl_token_filter f = token_filter(sc);
    if (user_id && strcmp(user_id, sc->user_id) && !f.tenant_pk) {
        tl_api_fail(r, TL_EPERM, "only owners and admins list other users' tokens");
        return;
    }
    if (!user_id || !strcmp(user_id, sc->user_id)) /* the caller's own */
        f.tenant_pk = 0, user_id = NULL;
    struct tl_token_info *k;
    size_t n;
    int rc = tl_store_token_list(a->store, &f, user_id, tl_clock_ms(), &k, &n);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *arr = tl_api_json_array(k, n, sizeof *k, token_json);
    free(k);
    tl_http_respond_json(r, 200, json_pack("{s:o*}", "tokens", arr));
}

void tl_api_tokens_delete(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    const struct tl_scope *sc = &tl_api_call(r)->sc;
    const char *id = tl_http_param(r, 0);
    struct tl_token_filter f = token_filter(sc);
    int rc = tl_id_valid(id, strlen(id)) ? tl_store_token_revoke(a->store, &f, id)
                                         : TL_ENOTFOUND;
    if (rc) {
        tl_api_fail(r, rc, rc == TL_ENOTFOUND ? "no such token" : NULL);
        return;
    }
    tl_authz_cache_invalidate(a->authz_cache); /* refused at once on this node */
    tl_log("token revoked: by=%s token=%s", sc->user_id, id);
    tl_http_respond_empty(r, 204);
}
