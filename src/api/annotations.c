/* annotations.c: the labeling loop over HTTP:
 * POST /api/v1/projects/{id}/next and POST /api/v1/tasks/{id}/annotations. */
#include "api/api.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "queue/queue.h"

void tl_api_next(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const struct tl_project *p = &c->p;
    struct tl_lease l;
    int rc = tl_queue_next(a->store, &c->sc, p, &l);
    if (rc == TL_EEMPTY) {
        tl_http_respond_empty(r, 204);
    } else if (rc) {
        tl_api_fail(r, rc, NULL);
    } else {
        /* The submission for this lease will name the task: remember its
         * project so that it needs no lookup (authz/cache.h). */
        tl_authz_cache_put_task(a->authz_cache, l.task_id, p->id);
        char expires[32];
        json_t *data = json_loadb(l.task_data, l.task_data_len, 0, NULL);
        tl_http_respond_json(r, 200,
                             json_pack("{s:{s:s,s:o},s:{s:s,s:s}}", "task", "id", l.task_id, "data",
                                       data ? data : json_object(), "lease", "id", l.id,
                                       "expires_at", tl_clock_rfc3339(l.expires_at_ms, expires)));
        tl_lease_release(&l);
    }
}

void tl_api_annotations_create(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const char *task_id = tl_http_param(r, 0);
    json_t *body = tl_api_body_object(r);
    if (!body)
        return;
    int rc;
    const char *lease_id = json_string_value(json_object_get(body, "lease_id"));
    const json_t *result = json_object_get(body, "result");
    struct tl_errbuf eb = {{0}};
    tl_id id;
    if (!lease_id)
        tl_api_fail(r, TL_EINVAL, "lease_id is required");
    else if (!result)
        tl_api_fail(r, TL_EINVAL, "result is required");
    else if ((rc = tl_queue_submit(a->store, &c->sc, &c->p, task_id, lease_id, result, id, &eb)))
        tl_api_fail(r, rc, eb.msg);
    else
        tl_http_respond_json(r, 201, json_pack("{s:s}", "id", id));
    json_decref(body);
}
