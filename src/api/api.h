/* api.h: the REST API: one file per resource, shared helpers here.
 *
 * Before a handler runs, tl_api_authorize (the HTTP layer's authorize hook)
 * has authenticated the caller and applied the route's policy on the
 * headers alone, leaving the caller's scope and the route's project in the
 * request's struct tl_api_call. A handler then calls queue/store and
 * answers with JSON. Mapping of errors to HTTP statuses lives in one place
 * (tl_api_fail) so every endpoint answers the same way. */
#ifndef TL_API_H
#define TL_API_H

#include <jansson.h>

#include "authz/authz.h"
#include "authz/cache.h"
#include "authz/limiter.h"
#include "crypto/crypto.h"
#include "core/workq.h"
#include "http/http.h"
#include "store/files.h"
#include "store/store.h"

/* Login throttling (api/auth.c): per (account, client address), a few free
 * failures, then a wait since the last failure that doubles from 1 s up to
 * 15 min (forgotten after a quiet day); per address, 100 failures in 15 min. */
#define TL_LOGIN_FREE_FAILURES   5
#define TL_LOGIN_BACKOFF_MS      1000
#define TL_LOGIN_BACKOFF_CAP_MS  (15LL * 60 * 1000)
#define TL_LOGIN_FORGET_MS       (24LL * 3600 * 1000)
#define TL_LOGIN_MAX_PER_ADDRESS 100
#define TL_LOGIN_WINDOW_MS       (15LL * 60 * 1000)

/* Failed member look-ups (an email that is no user the tenant may add)
 * allowed per tenant in a window before adding members answers 429: adding
 * by email answers 201 or 404, so without a ceiling a manager could probe
 * which emails belong to the workforce (api/members.c). */
#define TL_MEMBER_MISSES_PER_TENANT 100
#define TL_MEMBER_MISS_WINDOW_MS    (60LL * 60 * 1000)

/* Logins waiting for an argon2id thread before the next is refused (503). */
#define TL_SLOW_MAX_QUEUED 256

struct tl_api {
    struct tl_store *store;             /* borrowed */
    struct tl_authz_cache *authz_cache; /* owned; may be NULL: no caching */
    /* failed logins per (account, address) and per address (owned; may be NULL) */
    struct tl_limiter *login_per_account_address, *login_per_address;
    struct tl_limiter *member_misses; /* per tenant id (owned; may be NULL) */
    /* Slow CPU-bound work (argon2id) off the event loop (owned; auth.c). */
    struct tl_workq *slow;
    /* Uploaded media on disk (borrowed, set by the caller after
     * tl_api_init; NULL: the file routes answer 503). */
    struct tl_files *files;
    /* Webhook URLs may name loopback/private IP literals (webhook/ssrf.h;
     * set by the caller after tl_api_init from --webhook-allow-private). */
    bool webhook_allow_private;
    /* Session cookies carry Secure (set by the caller from --secure-cookies:
     * the server is reached over TLS through a proxy). */
    bool secure_cookies;
    /* quality: the background re-inference (infer helper; borrowed, set by
     * the caller after tl_api_init; NULL: aggregates/run answers 503). */
    struct tl_reinferer *reinferer;
};

/* The browser session's cookie (auth.c; read by tl_api_authorize). */
#define TL_SESSION_COOKIE "tally_session"

/* Set a up over store with its cache and limiters: 0, TL_ENOMEM, or
 * TL_EINTERNAL when a route of tl_api_routes has no valid policy (the
 * server must then not start: fail closed). a is released on failure. */
int tl_api_init(struct tl_api *a, struct tl_store *store);
/* Free what tl_api_init made; the store is not closed. */
void tl_api_release(struct tl_api *a);

/* The route table for tl_http_start. Each route's .policy points to a
 * struct tl_api_policy: tl_api_init refuses a table where one is missing,
 * and tl_api_authorize refuses (500) such a route if it is served anyway. */
extern const struct tl_route tl_api_routes[];
extern const size_t tl_api_n_routes;

/* What a route needs of its caller, checked by tl_api_authorize on the
 * headers before any body byte is read. */
enum tl_api_object {
    TL_OBJ_NONE,    /* no object in the path */
    TL_OBJ_PROJECT, /* the first {} is a project id */
    TL_OBJ_TASK,    /* the first {} is a task id; the check is on its project */
    TL_OBJ_LEASE,      /* the first {} is a lease id; likewise */
    TL_OBJ_ANNOTATION, /* the first {} is an annotation id; likewise */
    TL_OBJ_FLAG,       /* the first {} is a quality flag's id; likewise */
    TL_OBJ_REVIEW,     /* the first {} is a review item's id; likewise */
};
struct tl_api_policy {
    bool is_public;         /* no token needed (healthz, login) */
    enum tl_action act;     /* the action checked (authz.h) */
    enum tl_api_object obj; /* the object the action is on */
};

/* 0 if every route has a policy whose action is in the table (policy.h)
 * and whose object matches the action (an action on a project needs a
 * project or task id in the path, the others none); else TL_EINTERNAL with
 * the first bad route in eb (may be NULL). */
int tl_api_routes_check(const struct tl_route *routes, size_t n, struct tl_errbuf *eb);

/* One request's API state, made by tl_api_authorize and reached with
 * tl_api_call(r) from the chunk callback and handler. */
struct tl_api_call {
    struct tl_scope sc;   /* the caller (zero for public routes) */
    bool has_project;     /* p is set (TL_OBJ_PROJECT / TL_OBJ_TASK routes) */
    struct tl_project p;  /* the project, fetched through sc and checked for the action */
    /* The caller came with the session cookie (no Authorization header):
     * its token, for the session routes (auth.c). */
    bool is_session;
    char session_token[TL_TOKEN_LEN + 1];
    void *state;          /* the handler's own state across calls (may be NULL) */
    void (*free_state)(void *); /* runs on state when the request ends (may be NULL) */
};

/* The tl_http_opts.authorize hook: authenticate (401), apply the route's
 * policy (403 for a role that may not, 404 for an object outside the
 * caller's scope) and attach a struct tl_api_call to the request.
 * Credentials: an Authorization: Bearer header (scripts) or, without one,
 * the session cookie (browsers); a cookie-authenticated request other than
 * GET or HEAD must carry X-CSRF-Token equal to the session's CSRF value and
 * no foreign Origin, else 403 "csrf". */
void tl_api_authorize(void *app, struct tl_http_req *r);
/* The request's call state (never NULL inside a handler of a route that
 * passed tl_api_authorize). */
struct tl_api_call *tl_api_call(struct tl_http_req *r);
/* The body as a JSON object holding only keys in known (NULL-terminated):
 * the one way handlers read a JSON body, so none can take a misspelt key
 * ("overlapp") for an absent one. NULL when answered: 400 for a body that
 * is not a JSON object, or naming the first unknown key. (Query
 * parameters are checked before any handler, against the route table.) */
json_t *tl_api_body_strict(struct tl_http_req *r, const char *const *known);
/* For a POST that takes no parameters (next, runs, a review's next): no
 * body or an empty object (what most clients send with a POST) is fine;
 * true when answered (400 for anything else, any key refused by name). */
bool tl_api_body_refused_unless_empty(struct tl_http_req *r);
/* Paging (page.c): `limit` as a decimal in [1, max]: 0 or TL_EINVAL. A
 * cursor is the list's tag letter and a position > 0 in lower-case hex,
 * opaque to clients: parse it (0 or TL_EINVAL), or make one (null for
 * position 0: no more pages; NULL only when out of memory). */
int tl_api_page_limit(const char *s, size_t max, size_t *out);
int tl_api_cursor_parse(char tag, const char *s, int64_t *out);
json_t *tl_api_cursor_json(char tag, int64_t pos);
/* A time as an RFC 3339 string, or null for 0. */
json_t *tl_api_time_or_null(int64_t ms);
/* A JSON array of to_json(item) for the n items of `size` bytes at items;
 * NULL when out of memory (json_pack's "o*" then fails the answer). */
json_t *tl_api_json_array(const void *items, size_t n, size_t size,
                          json_t *(*to_json)(const void *item));
/* Answer with the status for rc (400/401/403/404/409/413/422/5xx); msg may
 * be NULL or empty for the generic message of that code. */
void tl_api_fail(struct tl_http_req *r, int rc, const char *msg);
/* Is the request's Origin header absent, or this server's (its scheme's
 * host part equal to the Host header)? Browsers send Origin on every
 * cross-site POST/PUT/PATCH/DELETE, so a foreign one is a forged request. */
bool tl_api_same_origin(struct tl_http_req *r);
/* The caller's account as GET /api/v1/me answers it, into *out: 0, or
 * TL_EAUTH (the user is gone) or a store error. */
int tl_api_me_json(struct tl_api *a, const struct tl_scope *sc, json_t **out);
/* The project as API JSON (schema parsed back into an object). */
json_t *tl_api_project_json(const struct tl_project *p);

void tl_api_healthz(void *app, struct tl_http_req *r);
void tl_api_openapi(void *app, struct tl_http_req *r);
void tl_api_login(void *app, struct tl_http_req *r);
/* browser sessions (auth.c) */
void tl_api_session_create(void *app, struct tl_http_req *r);
void tl_api_session_get(void *app, struct tl_http_req *r);
void tl_api_session_delete(void *app, struct tl_http_req *r);
void tl_api_projects_create(void *app, struct tl_http_req *r);
void tl_api_projects_list(void *app, struct tl_http_req *r);
void tl_api_projects_get(void *app, struct tl_http_req *r);
void tl_api_members_add(void *app, struct tl_http_req *r);
void tl_api_tasks_import(void *app, struct tl_http_req *r);
size_t tl_api_tasks_import_chunk(void *app, struct tl_http_req *r, const char *data, size_t len);
void tl_api_next(void *app, struct tl_http_req *r);
void tl_api_annotations_create(void *app, struct tl_http_req *r);
void tl_api_export(void *app, struct tl_http_req *r);
void tl_api_schemas_convert(void *app, struct tl_http_req *r);
/* media files (files.c) */
void tl_api_files_upload(void *app, struct tl_http_req *r);
size_t tl_api_files_upload_chunk(void *app, struct tl_http_req *r, const char *data, size_t len);
void tl_api_files_get(void *app, struct tl_http_req *r);
/* the caller's account and tokens (account.c); a tenant's users (users.c) */
void tl_api_me(void *app, struct tl_http_req *r);
void tl_api_tokens_create(void *app, struct tl_http_req *r);
void tl_api_tokens_list(void *app, struct tl_http_req *r);
void tl_api_tokens_delete(void *app, struct tl_http_req *r);
void tl_api_users_list(void *app, struct tl_http_req *r);
void tl_api_users_create(void *app, struct tl_http_req *r);
void tl_api_users_update(void *app, struct tl_http_req *r);
/* lifecycle: settings and deletion (projects.c), task pages (task_items.c),
 * members (members.c) */
void tl_api_projects_patch(void *app, struct tl_http_req *r);
void tl_api_projects_delete(void *app, struct tl_http_req *r);
void tl_api_tasks_list(void *app, struct tl_http_req *r);
void tl_api_tasks_get(void *app, struct tl_http_req *r);
void tl_api_tasks_delete(void *app, struct tl_http_req *r);
void tl_api_members_list(void *app, struct tl_http_req *r);
void tl_api_members_patch(void *app, struct tl_http_req *r);
void tl_api_members_remove(void *app, struct tl_http_req *r);
/* lease release and annotation edits (edits.c) */
void tl_api_leases_release(void *app, struct tl_http_req *r);
void tl_api_annotations_update(void *app, struct tl_http_req *r);
void tl_api_annotations_delete(void *app, struct tl_http_req *r);
/* the web UI's charts (stats.c) */
void tl_api_project_stats(void *app, struct tl_http_req *r);
void tl_api_me_stats(void *app, struct tl_http_req *r);
void tl_api_schemas_validate(void *app, struct tl_http_req *r);
/* webhooks (webhooks.c): the hook id is the second {} */
void tl_api_webhooks_create(void *app, struct tl_http_req *r);
void tl_api_webhooks_list(void *app, struct tl_http_req *r);
void tl_api_webhooks_delete(void *app, struct tl_http_req *r);
void tl_api_webhooks_deliveries(void *app, struct tl_http_req *r);
/* quality: review (review.c) */
void tl_api_reviews_list(void *app, struct tl_http_req *r);
void tl_api_reviews_next(void *app, struct tl_http_req *r);
void tl_api_reviews_decide(void *app, struct tl_http_req *r);
void tl_api_reviewers(void *app, struct tl_http_req *r);

/* quality (core): a project's quality settings (project_quality.c) and
 * a task's gold answer (gold.c) */
/* The quality keys of a create or PATCH body into p->q (p->overlap already
 * set from the same body): 0, or TL_EINVAL with the reason in eb. */
int tl_api_quality_parse(const json_t *body, struct tl_project *p, struct tl_errbuf *eb);
/* Add p's quality settings to its JSON j: 0 or TL_ENOMEM. */
int tl_api_quality_json(const struct tl_project *p, json_t *j);
void tl_api_tasks_gold_put(void *app, struct tl_http_req *r);

/* quality: aggregates, re-inference, the quality summary (aggregates.c) */
void tl_api_aggregates_list(void *app, struct tl_http_req *r);
void tl_api_aggregates_run(void *app, struct tl_http_req *r);
void tl_api_quality_summary(void *app, struct tl_http_req *r);

/* quality: workers (workers.c) and flags (flags.c) */
#define TL_API_NAME_MAX 256 /* an annotator's shown name: email or pseudonym */
/* The name p's tenant sees for a user (the export's rule: the tenant's own
 * staff by email, everyone else by pseudonym) into out. */
void tl_api_annotator_name(struct tl_api *a, const struct tl_project *p, const char *user_id,
                           const char *tenant_id, enum tl_role role, const char *email,
                           char out[TL_API_NAME_MAX]);
/* Flag f of p as staff see it (other annotators named from persons[0..n),
 * or looked up); NULL when out of memory. */
json_t *tl_api_flag_json(struct tl_api *a, const struct tl_project *p, const struct tl_flag *f,
                         const struct tl_wk_person *persons, size_t n);
void tl_api_my_quality(void *app, struct tl_http_req *r);
void tl_api_workers_list(void *app, struct tl_http_req *r);
void tl_api_workers_patch(void *app, struct tl_http_req *r);
void tl_api_quality_run(void *app, struct tl_http_req *r);
void tl_api_me_flags(void *app, struct tl_http_req *r);
void tl_api_flag_appeal(void *app, struct tl_http_req *r);
void tl_api_flag_decision(void *app, struct tl_http_req *r);

#endif
