/* auth.c: POST /api/v1/auth/login: exchange email+password for a session
 * token that expires (12 hours). The answer to a wrong email and to a wrong
 * password is the same, so logins cannot probe which emails exist. */
#include "api/api.h"
#include "core/clock.h"

#define SESSION_MS (12LL * 3600 * 1000)

void tl_api_login(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    json_t *body = tl_api_body_object(r);
    if (!body)
        return;
    const char *email = json_string_value(json_object_get(body, "email"));
    const char *password = json_string_value(json_object_get(body, "password"));
    struct tl_user u;
    int rc = email && password ? tl_store_user_find(a->store, email, &u) : TL_EAUTH;
    if (!rc)
        rc = u.password_hash[0] ? tl_password_verify(u.password_hash, password) : TL_EAUTH;
    char token[TL_TOKEN_LEN + 1], hash[TL_TOKEN_HASH_LEN + 1], expires[32];
    int64_t expires_at = tl_clock_ms() + SESSION_MS;
    if (!rc) {
        tl_token_new(token);
        tl_token_hash(token, TL_TOKEN_LEN, hash);
        rc = tl_store_token_create(a->store, u.pk, hash, expires_at);
    }
    if (rc == TL_EAUTH || rc == TL_ENOTFOUND)
        tl_api_fail(r, TL_EAUTH, "invalid email or password");
    else if (rc)
        tl_api_fail(r, rc, NULL);
    else
        tl_http_respond_json(r, 200,
                             json_pack("{s:s,s:s,s:s}", "token", token, "expires_at",
                                       tl_clock_rfc3339(expires_at, expires), "role",
                                       tl_role_name(u.role)));
    json_decref(body);
}
