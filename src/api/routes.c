/* routes.c: every endpoint of the API, in one table. */
#include "api/api.h"

#define ROUTE(m, p, h, b) {.method = m, .pattern = p, .handler = h, .body = b}

const struct tl_route tl_api_routes[] = {
    ROUTE("GET", "/healthz", tl_api_healthz, TL_BODY_NONE),
    ROUTE("POST", "/api/v1/auth/login", tl_api_login, TL_BODY_SMALL),
    ROUTE("POST", "/api/v1/projects", tl_api_projects_create, TL_BODY_SMALL),
    ROUTE("GET", "/api/v1/projects", tl_api_projects_list, TL_BODY_NONE),
    ROUTE("GET", "/api/v1/projects/{}", tl_api_projects_get, TL_BODY_NONE),
    ROUTE("POST", "/api/v1/projects/{}/members", tl_api_members_add, TL_BODY_SMALL),
    {.method = "POST", .pattern = "/api/v1/projects/{}/tasks", .handler = tl_api_tasks_import,
     .body = TL_BODY_STREAM, .chunk = tl_api_tasks_import_chunk},
    ROUTE("POST", "/api/v1/projects/{}/next", tl_api_next, TL_BODY_SMALL),
    ROUTE("GET", "/api/v1/projects/{}/export", tl_api_export, TL_BODY_NONE),
    ROUTE("POST", "/api/v1/tasks/{}/annotations", tl_api_annotations_create, TL_BODY_SMALL),
};

const size_t tl_api_n_routes = sizeof tl_api_routes / sizeof tl_api_routes[0];
