/* routes.c: every endpoint of the API, in one table, each with the access
 * policy that tl_api_authorize applies on its headers. */
#include "api/api.h"
#include "web/web.h"

#define POLICY(...) (&(const struct tl_api_policy){__VA_ARGS__})
#define PUBLIC      POLICY(.is_public = true)
/* The query parameters a route takes; a route without .query takes none
 * (the server refuses any other before the handler runs). */
#define QUERY(...) ((const char *const[]){__VA_ARGS__, NULL})

const struct tl_route tl_api_routes[] = {
    {.method = "GET", .pattern = "/healthz", .handler = tl_api_healthz, .body = TL_BODY_NONE,
     .policy = PUBLIC},
    {.method = "GET", .pattern = "/api/v1/openapi.json", .handler = tl_api_openapi,
     .body = TL_BODY_NONE, .policy = PUBLIC},
    {.method = "POST", .pattern = "/api/v1/auth/login", .handler = tl_api_login,
     .body = TL_BODY_SMALL, .policy = PUBLIC},
    /* the web UI (src/web/): the embedded bundle, and its cookie session (auth.c) */
    {.method = "GET", .pattern = "/", .handler = tl_web_index, .body = TL_BODY_NONE,
     .policy = PUBLIC},
    {.method = "GET", .pattern = "/assets/{}", .handler = tl_web_asset, .body = TL_BODY_NONE,
     .policy = PUBLIC},
    {.method = "POST", .pattern = "/api/v1/auth/session", .handler = tl_api_session_create,
     .body = TL_BODY_SMALL, .policy = PUBLIC},
    {.method = "GET", .pattern = "/api/v1/auth/session", .handler = tl_api_session_get,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_ACCOUNT)},
    {.method = "DELETE", .pattern = "/api/v1/auth/session", .handler = tl_api_session_delete,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_ACCOUNT)},
    {.method = "POST", .pattern = "/api/v1/projects", .handler = tl_api_projects_create,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_CREATE_PROJECT)},
    {.method = "GET", .pattern = "/api/v1/projects", .handler = tl_api_projects_list,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_LIST)},
    {.method = "GET", .pattern = "/api/v1/projects/{}", .handler = tl_api_projects_get,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_READ, .obj = TL_OBJ_PROJECT)},
    {.method = "POST", .pattern = "/api/v1/projects/{}/members", .handler = tl_api_members_add,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_MANAGE, .obj = TL_OBJ_PROJECT)},
    {.method = "POST", .pattern = "/api/v1/projects/{}/tasks", .handler = tl_api_tasks_import,
     .body = TL_BODY_STREAM, .chunk = tl_api_tasks_import_chunk,
     .policy = POLICY(.act = TL_ACT_MANAGE, .obj = TL_OBJ_PROJECT)},
    {.method = "POST", .pattern = "/api/v1/projects/{}/next", .handler = tl_api_next,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_ANNOTATE, .obj = TL_OBJ_PROJECT)},
    {.method = "GET", .pattern = "/api/v1/projects/{}/export", .handler = tl_api_export,
     .body = TL_BODY_NONE, .query = QUERY("format"),
     .policy = POLICY(.act = TL_ACT_EXPORT, .obj = TL_OBJ_PROJECT)},
    {.method = "POST", .pattern = "/api/v1/schemas/convert", .handler = tl_api_schemas_convert,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_CREATE_PROJECT)},
    {.method = "POST", .pattern = "/api/v1/tasks/{}/annotations",
     .handler = tl_api_annotations_create, .body = TL_BODY_SMALL,
     .policy = POLICY(.act = TL_ACT_ANNOTATE, .obj = TL_OBJ_TASK)},
    /* media files (files.c): the file id is the second {}, looked up inside
     * the project the policy fetched */
    {.method = "POST", .pattern = "/api/v1/projects/{}/files", .handler = tl_api_files_upload,
     .body = TL_BODY_FILE, .chunk = tl_api_files_upload_chunk,
     .policy = POLICY(.act = TL_ACT_MANAGE, .obj = TL_OBJ_PROJECT)},
    {.method = "GET", .pattern = "/api/v1/projects/{}/files/{}", .handler = tl_api_files_get,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_READ, .obj = TL_OBJ_PROJECT)},
    /* people (account.c, users.c): the {} is a token or user id, looked up
     * through the caller's tenant by the handler */
    {.method = "GET", .pattern = "/api/v1/me", .handler = tl_api_me, .body = TL_BODY_NONE,
     .policy = POLICY(.act = TL_ACT_ACCOUNT)},
    {.method = "POST", .pattern = "/api/v1/tokens", .handler = tl_api_tokens_create,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_ACCOUNT)},
    {.method = "GET", .pattern = "/api/v1/tokens", .handler = tl_api_tokens_list,
     .body = TL_BODY_NONE, .query = QUERY("user_id"), .policy = POLICY(.act = TL_ACT_ACCOUNT)},
    {.method = "DELETE", .pattern = "/api/v1/tokens/{}", .handler = tl_api_tokens_delete,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_ACCOUNT)},
    {.method = "GET", .pattern = "/api/v1/users", .handler = tl_api_users_list,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_USERS)},
    {.method = "POST", .pattern = "/api/v1/users", .handler = tl_api_users_create,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_USERS)},
    {.method = "PATCH", .pattern = "/api/v1/users/{}", .handler = tl_api_users_update,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_USERS)},
    /* lifecycle: settings, deletion, task pages, members (the user id is the second {}) */
    {.method = "PATCH", .pattern = "/api/v1/projects/{}", .handler = tl_api_projects_patch,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_MANAGE, .obj = TL_OBJ_PROJECT)},
    {.method = "DELETE", .pattern = "/api/v1/projects/{}", .handler = tl_api_projects_delete,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_ADMINISTER, .obj = TL_OBJ_PROJECT)},
    {.method = "GET", .pattern = "/api/v1/projects/{}/tasks", .handler = tl_api_tasks_list,
     .body = TL_BODY_NONE, .query = QUERY("limit", "cursor", "state"),
     .policy = POLICY(.act = TL_ACT_EXPORT, .obj = TL_OBJ_PROJECT)},
    {.method = "DELETE", .pattern = "/api/v1/projects/{}/tasks", .handler = tl_api_tasks_delete,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_MANAGE, .obj = TL_OBJ_PROJECT)},
    {.method = "GET", .pattern = "/api/v1/tasks/{}", .handler = tl_api_tasks_get,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_EXPORT, .obj = TL_OBJ_TASK)},
    {.method = "GET", .pattern = "/api/v1/projects/{}/members", .handler = tl_api_members_list,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_MANAGE, .obj = TL_OBJ_PROJECT)},
    {.method = "PATCH", .pattern = "/api/v1/projects/{}/members/{}",
     .handler = tl_api_members_patch, .body = TL_BODY_SMALL,
     .policy = POLICY(.act = TL_ACT_MANAGE, .obj = TL_OBJ_PROJECT)},
    {.method = "DELETE", .pattern = "/api/v1/projects/{}/members/{}",
     .handler = tl_api_members_remove, .body = TL_BODY_NONE,
     .policy = POLICY(.act = TL_ACT_MANAGE, .obj = TL_OBJ_PROJECT)},
    /* the holder's own lease, the author's own annotation (checked by the handlers) */
    {.method = "POST", .pattern = "/api/v1/leases/{}/release", .handler = tl_api_leases_release,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_ANNOTATE, .obj = TL_OBJ_LEASE)},
    {.method = "PUT", .pattern = "/api/v1/annotations/{}", .handler = tl_api_annotations_update,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_ANNOTATE, .obj = TL_OBJ_ANNOTATION)},
    {.method = "DELETE", .pattern = "/api/v1/annotations/{}",
     .handler = tl_api_annotations_delete, .body = TL_BODY_NONE,
     .policy = POLICY(.act = TL_ACT_MANAGE, .obj = TL_OBJ_ANNOTATION)},
    /* the web UI's charts (stats.c) and schema editor (schemas.c) */
    {.method = "GET", .pattern = "/api/v1/projects/{}/stats", .handler = tl_api_project_stats,
     .body = TL_BODY_NONE, .query = QUERY("bucket"),
     .policy = POLICY(.act = TL_ACT_EXPORT, .obj = TL_OBJ_PROJECT)},
    {.method = "GET", .pattern = "/api/v1/me/stats", .handler = tl_api_me_stats,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_ACCOUNT)},
    {.method = "POST", .pattern = "/api/v1/schemas/validate", .handler = tl_api_schemas_validate,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_CREATE_PROJECT)},
    /* webhooks (webhooks.c): managers only; the hook id is the second {} */
#define HOOKS_POLICY POLICY(.act = TL_ACT_MANAGE, .obj = TL_OBJ_PROJECT)
    {.method = "POST", .pattern = "/api/v1/projects/{}/webhooks",
     .handler = tl_api_webhooks_create, .body = TL_BODY_SMALL, .policy = HOOKS_POLICY},
    {.method = "GET", .pattern = "/api/v1/projects/{}/webhooks", .handler = tl_api_webhooks_list,
     .body = TL_BODY_NONE, .policy = HOOKS_POLICY},
    {.method = "DELETE", .pattern = "/api/v1/projects/{}/webhooks/{}",
     .handler = tl_api_webhooks_delete, .body = TL_BODY_NONE, .policy = HOOKS_POLICY},
    {.method = "GET", .pattern = "/api/v1/projects/{}/webhooks/{}/deliveries",
     .handler = tl_api_webhooks_deliveries, .body = TL_BODY_NONE, .query = QUERY("limit"),
     .policy = HOOKS_POLICY},
    /* quality (core): a task's gold answer (gold.c) */
    {.method = "PUT", .pattern = "/api/v1/tasks/{}/gold", .handler = tl_api_tasks_gold_put,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_MANAGE, .obj = TL_OBJ_TASK)},
    /* quality: review (review.c): the review queue; reviewers' scores */
    {.method = "GET", .pattern = "/api/v1/projects/{}/reviews", .handler = tl_api_reviews_list,
     .body = TL_BODY_NONE, .query = QUERY("status", "limit", "cursor"),
     .policy = POLICY(.act = TL_ACT_REVIEW, .obj = TL_OBJ_PROJECT)},
    {.method = "POST", .pattern = "/api/v1/projects/{}/reviews/next",
     .handler = tl_api_reviews_next, .body = TL_BODY_SMALL,
     .policy = POLICY(.act = TL_ACT_REVIEW, .obj = TL_OBJ_PROJECT)},
    {.method = "POST", .pattern = "/api/v1/reviews/{}", .handler = tl_api_reviews_decide,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_REVIEW, .obj = TL_OBJ_REVIEW)},
    {.method = "GET", .pattern = "/api/v1/projects/{}/reviewers", .handler = tl_api_reviewers,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_QUALITY, .obj = TL_OBJ_PROJECT)},
    /* quality: aggregates, re-inference, the quality summary (infer helper; aggregates.c) */
    {.method = "GET", .pattern = "/api/v1/projects/{}/aggregates",
     .handler = tl_api_aggregates_list, .body = TL_BODY_NONE, .query = QUERY("limit", "cursor"),
     .policy = POLICY(.act = TL_ACT_EXPORT, .obj = TL_OBJ_PROJECT)},
    {.method = "POST", .pattern = "/api/v1/projects/{}/aggregates/run",
     .handler = tl_api_aggregates_run, .body = TL_BODY_SMALL,
     .policy = POLICY(.act = TL_ACT_MANAGE, .obj = TL_OBJ_PROJECT)},
    {.method = "GET", .pattern = "/api/v1/projects/{}/quality", .handler = tl_api_quality_summary,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_QUALITY, .obj = TL_OBJ_PROJECT)},
    /* quality: workers (workers.c) and flags (flags.c); the annotator is
     * the second {}; an appeal's handler admits only the flag's annotator */
    {.method = "GET", .pattern = "/api/v1/projects/{}/me/quality", .handler = tl_api_my_quality,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_READ, .obj = TL_OBJ_PROJECT)},
    {.method = "GET", .pattern = "/api/v1/projects/{}/workers", .handler = tl_api_workers_list,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_QUALITY, .obj = TL_OBJ_PROJECT)},
    {.method = "PATCH", .pattern = "/api/v1/projects/{}/workers/{}",
     .handler = tl_api_workers_patch, .body = TL_BODY_SMALL,
     .policy = POLICY(.act = TL_ACT_LEAD, .obj = TL_OBJ_PROJECT)},
    {.method = "POST", .pattern = "/api/v1/projects/{}/quality/run",
     .handler = tl_api_quality_run, .body = TL_BODY_NONE,
     .policy = POLICY(.act = TL_ACT_LEAD, .obj = TL_OBJ_PROJECT)},
    {.method = "GET", .pattern = "/api/v1/me/flags", .handler = tl_api_me_flags,
     .body = TL_BODY_NONE, .policy = POLICY(.act = TL_ACT_ACCOUNT)},
    {.method = "POST", .pattern = "/api/v1/flags/{}/appeal", .handler = tl_api_flag_appeal,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_READ, .obj = TL_OBJ_FLAG)},
    {.method = "POST", .pattern = "/api/v1/flags/{}/decision", .handler = tl_api_flag_decision,
     .body = TL_BODY_SMALL, .policy = POLICY(.act = TL_ACT_LEAD, .obj = TL_OBJ_FLAG)},
};

const size_t tl_api_n_routes = sizeof tl_api_routes / sizeof tl_api_routes[0];

int tl_api_routes_check(const struct tl_route *routes, size_t n, struct tl_errbuf *eb) {
    for (size_t i = 0; i < n; i++) {
        const struct tl_route *rt = &routes[i];
        const struct tl_api_policy *pol = rt->policy;
        if (!pol)
            return tl_errf(eb, TL_EINTERNAL, "%s %s has no access policy", rt->method,
                           rt->pattern);
        if (pol->is_public)
            continue;
        if (!tl_policy_known(pol->act))
            return tl_errf(eb, TL_EINTERNAL, "%s %s: unknown action %d", rt->method, rt->pattern,
                           (int)pol->act);
        if (tl_policy_on_object(pol->act) != (pol->obj != TL_OBJ_NONE))
            return tl_errf(eb, TL_EINTERNAL, "%s %s: action %s %s an object in the path",
                           rt->method, rt->pattern, tl_action_name(pol->act),
                           pol->obj == TL_OBJ_NONE ? "needs" : "takes no");
    }
    return 0;
}
