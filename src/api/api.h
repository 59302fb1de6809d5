/* api.h: the REST API: one file per resource, shared helpers here.
 *
 * A handler authenticates (tl_api_auth), reaches objects only through the
 * authz checks, calls queue/store, and answers with JSON. Mapping of errors
 * to HTTP statuses lives in one place (tl_api_fail) so every endpoint
 * answers the same way. */
#ifndef TL_API_H
#define TL_API_H

#include <jansson.h>

#include "authz/cache.h"
#include "authz/limiter.h"
#include "http/http.h"
#include "store/store.h"

/* Failed logins allowed per account and per client address in a window
 * before login answers 429 (api/auth.c). */
#define TL_LOGIN_MAX_PER_ACCOUNT 10
#define TL_LOGIN_MAX_PER_ADDRESS 100
#define TL_LOGIN_WINDOW_MS       (15LL * 60 * 1000)

struct tl_api {
    struct tl_store *store;             /* borrowed */
    struct tl_authz_cache *authz_cache; /* owned; may be NULL: no caching */
    /* failed logins per account and per client address (owned; may be NULL) */
    struct tl_limiter *login_per_account, *login_per_address;
};

/* Set a up over store with its cache and login limiters: 0 or TL_ENOMEM
 * (a is then released). */
int tl_api_init(struct tl_api *a, struct tl_store *store);
/* Free what tl_api_init made; the store is not closed. */
void tl_api_release(struct tl_api *a);

/* The route table for tl_http_start. */
extern const struct tl_route tl_api_routes[];
extern const size_t tl_api_n_routes;

/* Authenticate r into *sc; on failure answer 401 and return non-zero. */
int tl_api_auth(struct tl_api *a, struct tl_http_req *r, struct tl_scope *sc);
/* Parse the body as a JSON object; on failure answer 400 and return NULL. */
json_t *tl_api_body_object(struct tl_http_req *r);
/* Answer with the status for rc (400/401/403/404/409/413/422/5xx); msg may
 * be NULL or empty for the generic message of that code. */
void tl_api_fail(struct tl_http_req *r, int rc, const char *msg);
/* The project as API JSON (schema parsed back into an object). */
json_t *tl_api_project_json(const struct tl_project *p);

void tl_api_healthz(void *app, struct tl_http_req *r);
void tl_api_login(void *app, struct tl_http_req *r);
void tl_api_projects_create(void *app, struct tl_http_req *r);
void tl_api_projects_list(void *app, struct tl_http_req *r);
void tl_api_projects_get(void *app, struct tl_http_req *r);
void tl_api_members_add(void *app, struct tl_http_req *r);
void tl_api_tasks_import(void *app, struct tl_http_req *r);
size_t tl_api_tasks_import_chunk(void *app, struct tl_http_req *r, const char *data, size_t len);
void tl_api_next(void *app, struct tl_http_req *r);
void tl_api_annotations_create(void *app, struct tl_http_req *r);
void tl_api_export(void *app, struct tl_http_req *r);

#endif
