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

struct tl_api {
    struct tl_store *store;
    struct tl_authz_cache *authz_cache; /* may be NULL: no caching */
    /* failed logins per account and per client address (may be NULL) */
    struct tl_limiter *login_per_account, *login_per_address;
};

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
/* Make the dummy password hash that unknown emails are checked against, in
 * the background, so that the first such login is not the one that pays. */
void tl_api_login_prepare(void);
void tl_api_projects_create(void *app, struct tl_http_req *r);
void tl_api_projects_list(void *app, struct tl_http_req *r);
void tl_api_projects_get(void *app, struct tl_http_req *r);
void tl_api_members_add(void *app, struct tl_http_req *r);
void tl_api_tasks_import(void *app, struct tl_http_req *r);
void tl_api_next(void *app, struct tl_http_req *r);
void tl_api_annotations_create(void *app, struct tl_http_req *r);
void tl_api_export(void *app, struct tl_http_req *r);

#endif
