/* auth.c: POST /api/v1/auth/login: exchange email+password for a session
 * token that expires (12 hours).
 *
 * Logins cannot probe which emails exist: a wrong email and a wrong password
 * get the same answer, and both take one argon2id verification
 * (tl_password_verify_none() for an email without a password). Guessing is
 * bounded (TL_LOGIN_* in api.h: 10 failures per account, 100 per address,
 * in 15 minutes): past either, login answers 429 with Retry-After until the
 * window ends (authz/limiter.h); a success clears the account's count. */
#include <ctype.h>
#include <stdio.h>

#include "api/api.h"
#include "core/clock.h"
#include "crypto/crypto.h"

#define SESSION_MS (12LL * 3600 * 1000)

static void account_key(const char *email, char *out, size_t cap) {
    size_t n = snprintf(out, cap, "account:");
    for (; *email && n + 1 < cap; email++)
        out[n++] = (char)tolower((unsigned char)*email);
    out[n] = '\0';
}

void tl_api_login(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    json_t *body = tl_api_body_object(r);
    if (!body)
        return;
    const char *email = json_string_value(json_object_get(body, "email"));
    const char *password = json_string_value(json_object_get(body, "password"));
    char ip_key[80], acct_key[340];
    snprintf(ip_key, sizeof ip_key, "address:%s", tl_http_client_ip(r));
    account_key(email ? email : "", acct_key, sizeof acct_key);
    int64_t now = tl_clock_ms();
    int64_t wait = tl_limiter_wait_ms(a->login_per_address, ip_key, now);
    int64_t wait_acct = email ? tl_limiter_wait_ms(a->login_per_account, acct_key, now) : 0;
    if (wait_acct > wait)
        wait = wait_acct;
    if (wait > 0) {
        tl_http_set_retry_after(r, (unsigned)((wait + 999) / 1000));
        tl_api_fail(r, TL_ELIMIT, "too many failed logins; try again later");
        json_decref(body);
        return;
    }

    struct tl_user u;
    int rc = email && password ? tl_store_user_find(a->store, email, &u) : TL_EAUTH;
    if (!rc && u.password_hash[0]) {
        rc = tl_password_verify(u.password_hash, password);
    } else if (email && password && (rc == 0 || rc == TL_ENOTFOUND)) {
        rc = tl_password_verify_none(password);
    }
    char token[TL_TOKEN_LEN + 1], hash[TL_TOKEN_HASH_LEN + 1], expires[32];
    int64_t expires_at = now + SESSION_MS;
    if (!rc) {
        tl_token_new(token);
        tl_token_hash(token, TL_TOKEN_LEN, hash);
        rc = tl_store_token_create(a->store, u.pk, hash, expires_at);
    }
    if (rc == TL_EAUTH || rc == TL_ENOTFOUND) {
        if (email && password) {
            tl_limiter_failed(a->login_per_address, ip_key, now);
            tl_limiter_failed(a->login_per_account, acct_key, now);
        }
        tl_api_fail(r, TL_EAUTH, "invalid email or password");
    } else if (rc) {
        tl_api_fail(r, rc, NULL);
    } else {
        tl_limiter_clear(a->login_per_account, acct_key);
        tl_http_respond_json(r, 200,
                             json_pack("{s:s,s:s,s:s}", "token", token, "expires_at",
                                       tl_clock_rfc3339(expires_at, expires), "role",
                                       tl_role_name(u.role)));
    }
    json_decref(body);
}
