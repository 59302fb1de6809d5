/* gold.c: PUT /api/v1/tasks/{id}/gold: set or clear a task's gold answer
 * (docs/quality-projects.md, "Gold"). Managers only (the route's policy);
 * the answer is checked against the project's schema and the task's data
 * (schema/score.h) before anything is stored. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "authz/authz.h"
#include "queue/schemas.h"
#include "schema/score.h"

/* gold checked for task task_id of p: 0, TL_EUNPROC (message in eb), or
 * a store error. */
static int check_gold(struct tl_api *a, const struct tl_project *p, const char *task_id,
                      const json_t *gold, struct tl_errbuf *eb) {
    char *text;
    size_t len;
    int rc = tl_store_task_data(a->store, p, task_id, &text, &len);
    if (rc)
        return rc;
    json_t *data = json_loadb(text, len, 0, NULL);
    free(text);
    struct tl_queue_schema *e = NULL;
    rc = data ? tl_queue_schema_get(p, &e, eb) : TL_EINTERNAL;
    if (!rc) {
        rc = tl_schema_check_gold(&e->schema, gold, data, eb);
        if (rc == TL_EINVAL)
            rc = TL_EUNPROC; /* well-formed, but not an answer this schema allows */
    }
    tl_queue_schema_put(e);
    json_decref(data);
    return rc;
}

void tl_api_tasks_gold_put(void *app, struct tl_http_req *r) {
    static const char *const known[] = {"gold", NULL};
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const char *task_id = tl_http_param(r, 0);
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    struct tl_errbuf eb = {{0}};
    const json_t *gold = json_object_get(body, "gold");
    int rc = 0;
    char *text = NULL;
    if (!gold)
        rc = tl_errf(&eb, TL_EINVAL, "gold is required ({FIELD: VALUE}, or null to clear)");
    else if (!json_is_null(gold) && !json_is_object(gold))
        rc = tl_errf(&eb, TL_EINVAL, "gold must be an object {FIELD: VALUE} or null");
    else if (json_is_object(gold) && !(rc = check_gold(a, &c->p, task_id, gold, &eb)) &&
             !(text = json_dumps(gold, JSON_COMPACT)))
        rc = TL_ENOMEM;
    if (!rc)
        rc = tl_store_task_gold_set(a->store, &c->sc, &c->p, task_id, text,
                                    text ? strlen(text) : 0);
    free(text);
    if (rc)
        tl_api_fail(r, rc, eb.msg);
    else
        tl_http_respond_json(r, 200, json_pack("{s:s,s:O}", "task_id", task_id, "gold", gold));
    json_decref(body);
}
