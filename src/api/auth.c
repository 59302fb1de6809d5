/* auth.c: POST /api/v1/auth/login: exchange email+password for a session
 * token that expires (12 hours); and the browser's form of the same, a
 * session held in a cookie (/api/v1/auth/session: sign in, ask, sign out).
 *
 * Browser sessions: POST /auth/session runs exactly the login below (same
 * throttling, same answers to wrong credentials) and puts the new token in
 * an HttpOnly, SameSite=Strict cookie instead of the body, so no script of
 * the page can read it. Cookie-authenticated requests that change anything
 * must carry X-CSRF-Token (checked in common.c): the value is derived from
 * the token (crypto.h: tl_csrf_value), returned by POST and GET
 * /auth/session, so a reloaded page asks for it again. SameSite=Strict
 * alone would do in current browsers; the token and the Origin check also
 * hold where it does not (older browsers, a same-site sibling host).
 * Signing out revokes the token at once, not just the cookie.
 *
 * Logins cannot probe which emails exist: a wrong email and a wrong password
 * get the same answer, and both take one argon2id verification
 * (tl_password_verify_none() for an email without a password).
 *
 * Guessing is slowed, and nobody can lock an owner out (TL_LOGIN_* in
 * api.h). Counts are kept per (account, client address) and per address,
 * never per account alone: an account-wide limit let anyone who knew an
 * email keep its owner out (10 wrong passwords from anywhere answered the
 * right one with 429 for 15 minutes). Per (account, address), 5 failures
 * are free, then each further attempt waits 1 s, 2 s, 4 s ... (at most
 * 15 min) since the last failure; per address, 100 failures in 15 min stop
 * one address spraying many accounts. A refusal is 429 with Retry-After. A
 * success clears its (account, address) count. IPv6 clients count by /64,
 * the block one host is usually given.
 *
 * Each attempt reserves its place in both counts before argon2id runs, in
 * one step under the limiter's lock (tl_limiter_reserve), and gives it back
 * on success: checking first and counting after the ~50 ms verification let
 * 100 concurrent guesses all be verified.
 *
 * The verification (and the token write after it) runs on the API's slow
 * work pool (core/workq.h), with the request suspended meanwhile: on the
 * event loop, each 50-150 ms argon2id would stall every connection its
 * thread carries, and a login storm would stall the labeling loop. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <stdlib.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/workq.h"
#include "crypto/crypto.h"

#define SESSION_MS (12LL * 3600 * 1000)

/* The address a client is counted by: IPv4 as it is (an IPv4-mapped IPv6
 * address too), IPv6 by its /64 prefix, since a host that holds a /64 could
 * otherwise pick a fresh address for every guess. */
static void address_key(const char *ip, char *out, size_t cap) {
    struct in6_addr a6;
    char text[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET6, ip, &a6) != 1) {
        snprintf(out, cap, "%s", ip);
    } else if (IN6_IS_ADDR_V4MAPPED(&a6)) {
        snprintf(out, cap, "%s", inet_ntop(AF_INET, &a6.s6_addr[12], text, sizeof text));
    } else {
        memset(&a6.s6_addr[8], 0, 8);
        snprintf(out, cap, "%s/64", inet_ntop(AF_INET6, &a6, text, sizeof text));
    }
}

/* "ADDRESS email" with the email lowercased (one count whatever its case);
 * an address has no space, so the key is unambiguous. An email too long to
 * fit is not a real account (they have at most 254 bytes). */
static void account_address_key(const char *address, const char *email, char *out, size_t cap) {
    int len = snprintf(out, cap, "%s ", address);
    size_t n = len < 0 ? 0 : (size_t)len < cap ? (size_t)len : cap - 1;
    for (; *email && n + 1 < cap; email++)
        out[n++] = (char)tolower((unsigned char)*email);
    out[n] = '\0';
}

/* One login in flight: made on the event loop, finished on a workq thread
 * (argon2id), answered on the event loop again. */
struct login {
    struct tl_api *a;
    struct tl_http_req *r; /* alive while suspended: only the job resumes it */
    char email[320];
    char *password; /* owned, wiped on free */
    char addr_key[INET6_ADDRSTRLEN + 8], pair_key[INET6_ADDRSTRLEN + 8 + 300];
    /* set by the job, read by the handler after the resume */
    int rc;
    struct tl_user u;
    char token[TL_TOKEN_LEN + 1];
    int64_t expires_at;
    struct tl_scope sc; /* the new token's (browser sessions) */
    bool is_session;    /* POST /auth/session: answer with a cookie */
    bool is_done;
};

static void login_free(void *ctx) {
    struct login *l = ctx;
    if (l->password) {
        sodium_memzero(l->password, strlen(l->password));
        free(l->password);
    }
    sodium_memzero(l, sizeof *l);
    free(l);
}

/* The slow half, on a workq thread: find, verify, count, issue a token. */
static void login_job(void *arg) {
    struct login *l = arg;
    struct tl_api *a = l->a;
    int rc = tl_store_user_find(a->store, l->email, &l->u);
    if (!rc && l->u.password_hash[0])
        rc = tl_password_verify(l->u.password_hash, l->password);
    else if (rc == 0 || rc == TL_ENOTFOUND)
        rc = tl_password_verify_none(l->password);
    if (!rc && l->u.is_disabled)
        rc = TL_EAUTH; /* verified all the same: no faster answer to tell it apart */
    if (rc != TL_EAUTH) {
        /* Right, or no guess was verified (the store failed): not a failure. */
        if (rc)
            tl_limiter_release(a->login_per_account_address, l->pair_key);
        else
            tl_limiter_clear(a->login_per_account_address, l->pair_key);
        tl_limiter_release(a->login_per_address, l->addr_key);
    }
    l->expires_at = tl_clock_ms() + SESSION_MS;
    if (!rc) {
        char hash[TL_TOKEN_HASH_LEN + 1];
        tl_token_new(l->token);
        tl_token_hash(l->token, TL_TOKEN_LEN, hash);
        rc = tl_store_session_create(a->store, l->u.pk, hash, l->expires_at);
        if (!rc && l->is_session)
            rc = tl_store_token_scope(a->store, hash, tl_clock_ms(), &l->sc);
    }
    l->rc = rc;
    l->is_done = true;
    tl_http_resume(l->r);
}

/* Set (token non-NULL) or clear the session cookie; Secure when the server
 * is reached over TLS (--secure-cookies), or a browser would not send it. */
static int set_cookie(struct tl_api *a, struct tl_http_req *r, const char *token) {
    char v[256];
    snprintf(v, sizeof v, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
             TL_SESSION_COOKIE, token ? token : "", token ? SESSION_MS / 1000 : 0LL,
             a->secure_cookies ? "; Secure" : "");
    return tl_http_set_header(r, "Set-Cookie", v);
}

/* {"user": as GET /me, "csrf", "expires_at"} for the session token of sc;
 * with is_new, the cookie too. */
static void session_answer(struct tl_api *a, struct tl_http_req *r, unsigned status,
                           const struct tl_scope *sc, const char *token, bool is_new) {
    json_t *user;
    int rc = tl_api_me_json(a, sc, &user);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    char csrf[TL_CSRF_LEN + 1];
    tl_csrf_value(tl_store_secret(a->store), token, strlen(token), csrf);
    if (is_new && set_cookie(a, r, token)) {
        json_decref(user);
        tl_api_fail(r, TL_EINTERNAL, NULL);
        return;
    }
    tl_http_respond_json(r, status,
                         json_pack("{s:o,s:s,s:o*}", "user", user, "csrf", csrf, "expires_at",
                                   tl_api_time_or_null(sc->token_expires_ms)));
}

static void login_answer(struct tl_http_req *r, const struct login *l) {
    char expires[32];
    if (l->rc == TL_EAUTH)
        tl_api_fail(r, TL_EAUTH, "invalid email or password");
    else if (l->rc == TL_ELIMIT)
        tl_http_respond_error(r, 503, "busy", "too many logins at once; try again");
    else if (l->rc)
        tl_api_fail(r, l->rc, NULL);
    else if (l->is_session)
        session_answer(l->a, r, 201, &l->sc, l->token, true);
    else
        tl_http_respond_json(r, 200,
                             json_pack("{s:s,s:s,s:s}", "token", l->token, "expires_at",
                                       tl_clock_rfc3339(l->expires_at, expires), "role",
                                       tl_role_name(l->u.role)));
}

/* Both sign-ins: the credentials in the body, checked on the slow pool. */
static void login_start(struct tl_api *a, struct tl_http_req *r, bool is_session) {
    struct tl_api_call *c = tl_api_call(r);
    if (c->state) { /* resumed: the job has finished */
        login_answer(r, c->state);
        return;
    }
    static const char *const known[] = {"email", "password", NULL};
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    const json_t *jemail = json_object_get(body, "email");
    const json_t *jpassword = json_object_get(body, "password");
    const char *why = !jemail                      ? "email is required"
                      : !json_is_string(jemail)    ? "email must be a string"
                      : !jpassword                 ? "password is required"
                      : !json_is_string(jpassword) ? "password must be a string"
                                                   : NULL;
    if (why) { /* a malformed request, not a guess: no count, no argon2id */
        tl_api_fail(r, TL_EINVAL, why);
        json_decref(body);
        return;
    }
    const char *email = json_string_value(jemail);
    const char *password = json_string_value(jpassword);
    if (strlen(email) >= sizeof ((struct login *)0)->email) {
        /* nothing to guess with (no real account has so long an email): no
         * count, no argon2id */
        tl_api_fail(r, TL_EAUTH, "invalid email or password");
        json_decref(body);
        return;
    }
    struct login *l = calloc(1, sizeof *l);
    if (!l || !(l->password = strdup(password))) {
        free(l);
        tl_api_fail(r, TL_ENOMEM, NULL);
        json_decref(body);
        return;
    }
    l->a = a;
    l->r = r;
    l->is_session = is_session;
    memcpy(l->email, email, strlen(email) + 1);
    json_decref(body); /* wipes nothing: jansson's copy of the password is freed */
    c->state = l;
    c->free_state = login_free;
    address_key(tl_http_client_ip(r), l->addr_key, sizeof l->addr_key);
    account_address_key(l->addr_key, l->email, l->pair_key, sizeof l->pair_key);
    int64_t now_mono = tl_clock_mono_us() / 1000;
    /* The pair first: a storm on one account then takes no room, even for a
     * moment, from the address's other accounts. */
    int64_t wait = tl_limiter_reserve(a->login_per_account_address, l->pair_key, now_mono);
    if (!wait) {
        wait = tl_limiter_reserve(a->login_per_address, l->addr_key, now_mono);
        if (wait)
            tl_limiter_release(a->login_per_account_address, l->pair_key);
    }
    if (wait > 0) {
        tl_http_set_retry_after(r, (unsigned)((wait + 999) / 1000));
        tl_api_fail(r, TL_ELIMIT, "too many failed logins; try again later");
        return;
    }
    tl_http_suspend(r);
    int rc = tl_workq_submit(a->slow, login_job, l);
    if (rc) { /* nothing was verified: give the places back, answer at once */
        tl_limiter_release(a->login_per_account_address, l->pair_key);
        tl_limiter_release(a->login_per_address, l->addr_key);
        l->rc = rc;
        l->is_done = true;
        tl_http_resume(r);
    }
}

void tl_api_login(void *app, struct tl_http_req *r) {
    login_start(app, r, false);
}

void tl_api_session_create(void *app, struct tl_http_req *r) {
    /* A sign-in posted from another site's page would log the victim into
     * the attacker's account (login CSRF). */
    if (!tl_api_call(r)->state && !tl_api_same_origin(r)) {
        tl_http_respond_error(r, 403, "csrf", "cross-origin sign-in refused");
        return;
    }
    login_start(app, r, true);
}

/* The token this request came with: the cookie's, or the bearer token's
 * (an API token asking gets its own CSRF value, which it never needs). */
static const char *request_token(struct tl_http_req *r) {
    struct tl_api_call *c = tl_api_call(r);
    if (c->is_session)
        return c->session_token;
    const char *token = tl_authz_bearer(tl_http_header(r, "Authorization"));
    return token ? token : ""; /* authenticated: never NULL */
}

void tl_api_session_get(void *app, struct tl_http_req *r) {
    session_answer(app, r, 200, &tl_api_call(r)->sc, request_token(r), false);
}

void tl_api_session_delete(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    /* Only a cookie's token is revoked: signing out of a page must not
     * revoke the API token a script calls with. */
    if (c->is_session) {
        char hash[TL_TOKEN_HASH_LEN + 1];
        tl_token_hash(c->session_token, strlen(c->session_token), hash);
        int rc = tl_store_token_revoke_hash(a->store, hash);
        if (rc && rc != TL_ENOTFOUND) {
            tl_api_fail(r, rc, NULL);
            return;
        }
        tl_authz_cache_invalidate(a->authz_cache); /* refused at once on this node */
    }
    if (set_cookie(a, r, NULL)) {
        tl_api_fail(r, TL_EINTERNAL, NULL);
        return;
    }
    tl_http_respond_empty(r, 204);
}
