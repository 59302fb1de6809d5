/* edits.c: changing one's mind after the fact.
 * POST /api/v1/leases/{id}/release: the holder gives a task back (a skip,
 *   with a reason the manager sees in the members' progress); the task is
 *   not served to them again.
 * PUT /api/v1/annotations/{id}: the author replaces their result, while
 *   the project allows edits; checked like a submission.
 * DELETE /api/v1/annotations/{id}: a manager removes one; the slot reopens.
 * Both annotation changes keep the previous result in annotation_history.
 * Authorization (routes.c) found the object's project through the caller's
 * scope; being the holder or the author is checked here. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/log.h"
#include "queue/queue.h"

void tl_api_leases_release(void *app, struct tl_http_req *r) {
    static const char *const known[] = {"reason", NULL};
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    const json_t *reason = json_object_get(body, "reason");
    int rc = 0;
    if (!json_is_string(reason) || json_string_length(reason) == 0 ||
        json_string_length(reason) > TL_SKIP_REASON_MAX)
        rc = TL_EINVAL;
    else
        rc = tl_store_lease_release(a->store, &c->sc, &c->p, tl_http_param(r, 0),
                                    json_string_value(reason), tl_clock_ms());
    json_decref(body);
    if (rc == TL_EINVAL)
        tl_api_fail(r, rc, "reason must be a string of 1..500 bytes");
    else if (rc)
        tl_api_fail(r, rc, rc == TL_ECONFLICT ? "the lease is not live or not yours" : NULL);
    else
        tl_http_respond_json(r, 200, json_pack("{s:s,s:b}", "lease_id", tl_http_param(r, 0),
                                               "released", 1));
}

/* The checks before a new result is stored: 0, or answered. */
static int check_edit(struct tl_api *a, struct tl_http_req *r, struct tl_api_call *c,
                      const json_t *result, struct tl_annotation *ann, char **text) {
    struct tl_errbuf eb = {{0}};
    int rc = tl_store_annotation_get(a->store, &c->sc, &c->p, tl_http_param(r, 0), ann);
    if (!rc && !result)
        rc = tl_errf(&eb, TL_EINVAL, "result is required");
    else if (!rc && strcmp(ann->annotator_id, c->sc.user_id))
        rc = tl_errf(&eb, TL_EPERM, "only its author may change an annotation");
    else if (!rc && !c->p.allows_edits)
        rc = tl_errf(&eb, TL_ECONFLICT, "this project does not allow edits (allow_edits)");
    if (!rc)
        rc = tl_queue_check_submission(a->store, &c->p, ann->task_id, result, text, &eb);
    if (rc)
        tl_api_fail(r, rc, eb.msg);
    return rc;
}

void tl_api_annotations_update(void *app, struct tl_http_req *r) {
    static const char *const known[] = {"result", NULL};
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    struct tl_annotation ann;
    char *text = NULL;
    int rc = check_edit(a, r, c, json_object_get(body, "result"), &ann, &text);
    json_decref(body);
    struct tl_queue_hooks qh;
    if (!rc && (rc = tl_queue_hooks_init(&qh, &c->p, NULL)) != 0)
        tl_api_fail(r, rc, NULL);
    if (!rc) {
        /* gold scored again, the live aggregate computed again (store.h) */
        rc = tl_store_annotation_update(a->store, &c->sc, &c->p, ann.id, text, strlen(text),
                                        tl_clock_ms(), &qh.h);
        tl_queue_hooks_release(&qh);
        json_t *result = json_loads(text, 0, NULL);
        if (rc)
            tl_api_fail(r, rc, NULL);
        else
            tl_http_respond_json(r, 200, json_pack("{s:s,s:s,s:o*}", "id", ann.id, "task_id",
                                                   ann.task_id, "result", result));
    }
    free(text);
    tl_annotation_release(&ann);
}

void tl_api_annotations_delete(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    /* Without the hooks (a schema that no longer compiles) the delete still
     * goes through; the task's aggregate is then dropped, not recomputed. */
    struct tl_queue_hooks qh;
    bool has_hooks = tl_queue_hooks_init(&qh, &c->p, NULL) == 0;
    int rc = tl_store_annotation_delete(a->store, &c->sc, &c->p, tl_http_param(r, 0),
                                        tl_clock_ms(), has_hooks ? &qh.h : NULL);
    if (has_hooks)
        tl_queue_hooks_release(&qh);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    tl_log("annotation deleted: tenant=%s project=%s by=%s annotation=%s", c->p.tenant_id,
           c->p.id, c->sc.user_id, tl_http_param(r, 0));
    tl_http_respond_empty(r, 204);
}
