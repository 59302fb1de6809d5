/* common.c: helpers every API handler shares (see api.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "api/api.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "http/cookie.h"

static void call_free(void *ctx) {
    struct tl_api_call *c = ctx;
    if (c->free_state)
        c->free_state(c->state);
    if (c->has_project)
        tl_project_release(&c->p);
    free(c);
}

struct tl_api_call *tl_api_call(struct tl_http_req *r) {
    return tl_http_ctx(r);
}

bool tl_api_same_origin(struct tl_http_req *r) {
    const char *origin = tl_http_header(r, "Origin");
    if (!origin)
        return true;
    const char *host = tl_http_header(r, "Host");
    const char *rest = !strncasecmp(origin, "https://", 8)  ? origin + 8
                       : !strncasecmp(origin, "http://", 7) ? origin + 7
                                                            : NULL;
    return rest && host && *host && !strcasecmp(rest, host); /* "null" is never ours */
}

/* Who is calling: the bearer token if there is an Authorization header
 * (scripts; never the cookie then, so an API call cannot be turned into a
 * session one), else the session cookie. For a cookie on an unsafe method,
 * *csrf_refusal says why the request is refused (403), or stays NULL. */
static int authenticate(struct tl_api *a, struct tl_http_req *r, struct tl_api_call *c,
                        const char **csrf_refusal) {
    const char *authorization = tl_http_header(r, "Authorization");
    if (authorization)
        return tl_authz_authenticate(a->store, a->authz_cache, authorization, &c->sc);
    if (tl_http_cookie_get(tl_http_header(r, "Cookie"), TL_SESSION_COOKIE, c->session_token,
                           sizeof c->session_token))
        return TL_EAUTH;
    int rc = tl_authz_authenticate_token(a->store, a->authz_cache, c->session_token, &c->sc);
    if (rc)
        return rc;
    c->is_session = true;
    const char *method = tl_http_method(r);
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
        return 0;
    char want[TL_CSRF_LEN + 1];
    tl_csrf_value(tl_store_secret(a->store), c->session_token, strlen(c->session_token), want);
    const char *got = tl_http_header(r, "X-CSRF-Token");
    if (!got || strlen(got) != TL_CSRF_LEN || sodium_memcmp(got, want, TL_CSRF_LEN) != 0)
        *csrf_refusal = got ? "X-CSRF-Token does not match this session"
                            : "X-CSRF-Token is required with a session cookie";
    else if (!tl_api_same_origin(r))
        *csrf_refusal = "cross-origin request refused";
    return 0;
}

/* The store's name for an object reached through its project. */
static enum tl_store_obj store_obj(enum tl_api_object obj) {
    switch (obj) {
    case TL_OBJ_LEASE: return TL_STORE_LEASE;
    case TL_OBJ_FLAG: return TL_STORE_FLAG;
    case TL_OBJ_REVIEW: return TL_STORE_REVIEW;
    default: return TL_STORE_ANNOTATION;
    }
}

void tl_api_authorize(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    const struct tl_api_policy *pol = tl_http_route(r)->policy;
    if (!pol) { /* fail closed: a route nobody wrote a policy for is not served */
        tl_http_respond_error(r, 500, "internal", "this endpoint has no access policy");
        return;
    }
    struct tl_api_call *c = calloc(1, sizeof *c);
    if (!c) {
        tl_api_fail(r, TL_ENOMEM, NULL);
        return;
    }
    tl_http_set_ctx(r, c, call_free);
    if (pol->is_public)
        return;
    const char *csrf_refusal = NULL;
    int rc = authenticate(a, r, c, &csrf_refusal);
    if (rc) {
        tl_api_fail(r, rc, rc == TL_EAUTH ? "a valid bearer token or session is required" : NULL);
        return;
    }
    if (csrf_refusal) {
        tl_http_respond_error(r, 403, "csrf", "%s", csrf_refusal);
        return;
    }
    switch (pol->obj) {
    case TL_OBJ_NONE: rc = tl_authz_allows(&c->sc, pol->act); break;
    case TL_OBJ_PROJECT:
        rc = tl_authz_project(a->store, a->authz_cache, &c->sc, tl_http_param(r, 0), pol->act,
                              &c->p);
        c->has_project = rc == 0;
        break;
    case TL_OBJ_TASK:
        rc = tl_authz_task(a->store, a->authz_cache, &c->sc, tl_http_param(r, 0), pol->act, &c->p);
        c->has_project = rc == 0;
        break;
    case TL_OBJ_LEASE:
    case TL_OBJ_ANNOTATION:
    case TL_OBJ_FLAG:
    case TL_OBJ_REVIEW:
        rc = tl_authz_object(a->store, &c->sc, store_obj(pol->obj), tl_http_param(r, 0),
                             pol->act, &c->p);
        c->has_project = rc == 0;
        break;
    }
    if (rc)
        tl_api_fail(r, rc, NULL);
}

static json_t *body_object(struct tl_http_req *r) {
    size_t len;
    const char *body = tl_http_body(r, &len);
    json_error_t jerr;
    json_t *j = json_loadb(body, len, 0, &jerr);
    if (!j) {
        tl_http_respond_error(r, 400, "invalid", "malformed JSON at line %d: %s", jerr.line,
                              jerr.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        tl_http_respond_error(r, 400, "invalid", "the body must be a JSON object");
        return NULL;
    }
    return j;
}

static int known_keys(struct tl_http_req *r, const json_t *body, const char *const *known) {
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)body, key, v) {
        const char *const *k = known;
        while (*k && strcmp(*k, key))
            k++;
        if (!*k) {
            tl_http_respond_error(r, 400, "invalid", "unknown key '%.64s'", key);
            return TL_EINVAL;
        }
    }
    return 0;
}

json_t *tl_api_body_strict(struct tl_http_req *r, const char *const *known) {
    json_t *body = body_object(r);
    if (body && known_keys(r, body, known)) {
        json_decref(body);
        return NULL;
    }
    return body;
}

json_t *tl_api_time_or_null(int64_t ms) {
    char text[32];
    return ms ? json_string(tl_clock_rfc3339(ms, text)) : json_null();
}

json_t *tl_api_json_array(const void *items, size_t n, size_t size,
                          json_t *(*to_json)(const void *item)) {
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, to_json((const char *)items + i * size))) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

int tl_api_init(struct tl_api *a, struct tl_store *store) {
    memset(a, 0, sizeof *a);
    if (tl_api_routes_check(tl_api_routes, tl_api_n_routes, NULL))
        return TL_EINTERNAL;
    a->store = store;
    a->authz_cache = tl_authz_cache_new(TL_AUTHZ_CACHE_TTL_MS);
    a->login_per_account_address = tl_limiter_new_backoff(
        TL_LOGIN_FREE_FAILURES, TL_LOGIN_BACKOFF_MS, TL_LOGIN_BACKOFF_CAP_MS, TL_LOGIN_FORGET_MS);
    a->login_per_address = tl_limiter_new(TL_LOGIN_MAX_PER_ADDRESS, TL_LOGIN_WINDOW_MS);
    a->member_misses = tl_limiter_new(TL_MEMBER_MISSES_PER_TENANT, TL_MEMBER_MISS_WINDOW_MS);
    /* One argon2id at a time per core: more would only queue on the CPU. */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int rc = tl_workq_new(cores < 1 ? 1 : cores > 16 ? 16 : (int)cores, TL_SLOW_MAX_QUEUED,
                          &a->slow);
    if (!rc && a->authz_cache && a->login_per_account_address && a->login_per_address &&
        a->member_misses)
        return 0;
    tl_api_release(a);
    return TL_ENOMEM;
}

void tl_api_release(struct tl_api *a) {
    tl_workq_free(a->slow); /* first: its jobs use the limiters */
    a->slow = NULL;
    tl_authz_cache_free(a->authz_cache);
    tl_limiter_free(a->login_per_account_address);
    tl_limiter_free(a->login_per_address);
    tl_limiter_free(a->member_misses);
    a->member_misses = NULL;
    a->authz_cache = NULL;
    a->login_per_account_address = a->login_per_address = NULL;
}

void tl_api_fail(struct tl_http_req *r, int rc, const char *msg) {
    static const struct {
        int rc;
        unsigned status;
        const char *msg;
    } map[] = {
        {TL_EINVAL, 400, "invalid request"},
        {TL_EAUTH, 401, "authentication required"},
        {TL_EPERM, 403, "your role does not allow this"},
        {TL_ENOTFOUND, 404, "not found"},
        {TL_ECONFLICT, 409, "conflicts with the current state"},
        {TL_EEXIST, 409, "already exists"},
        {TL_ETOOBIG, 413, "too large"},
        {TL_EUNPROC, 422, "does not fit the schema"},
        {TL_ELIMIT, 429, "too many attempts, try again later"},
        {TL_ENOMEM, 503, "out of memory, try again"},
        {TL_EIO, 500, "storage error"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].rc == rc) {
            tl_http_respond_error(r, map[i].status, tl_strerror(rc), "%s",
                                  msg && *msg ? msg : map[i].msg);
            return;
        }
    }
    tl_http_respond_error(r, 500, "internal", "internal error");
}

json_t *tl_api_project_json(const struct tl_project *p) {
    char created[32];
    json_t *schema = json_loads(p->schema_json, 0, NULL);
    json_t *j = json_pack("{s:s,s:s,s:o,s:i,s:i,s:i,s:s,s:{s:I,s:I,s:I}}", "id", p->id, "name",
                     p->name, "schema", schema ? schema : json_null(), "overlap", p->overlap,
                     "lease_seconds", p->lease_seconds, "max_leases_per_annotator",
                     p->max_leases_per_annotator, "created_at",
                     tl_clock_rfc3339(p->created_at_ms, created), "counts", "tasks",
                     (json_int_t)p->n_tasks, "annotations", (json_int_t)p->n_annotations,
                     "completed_tasks", (json_int_t)p->n_completed);
    if (j && json_object_update_new(j, json_pack("{s:s,s:b,s:b}", "instructions",
                                                 p->instructions ? p->instructions : "",
                                                 "allow_edits", p->allows_edits, "archived",
                                                 p->is_archived))) {
        json_decref(j);
        return NULL;
    }
    if (j && tl_api_quality_json(p, j)) { /* quality (core): project_quality.c */
        json_decref(j);
        return NULL;
    }
    return j;
}

void tl_api_healthz(void *app, struct tl_http_req *r) {
    tl_http_respond_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

bool tl_api_body_refused_unless_empty(struct tl_http_req *r) {
    size_t len;
    tl_http_body(r, &len);
    if (!len)
        return false;
    json_t *body = tl_api_body_strict(r, (const char *const[]){NULL});
    json_decref(body);
    return !body;
}
