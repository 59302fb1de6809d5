/* annotations.c: the labeling loop over HTTP:
 * POST /api/v1/projects/{id}/next and POST /api/v1/tasks/{id}/annotations.
 *
 * Both end in a write through the group commit, and no server thread may
 * sleep on it, so each handler runs twice: the first call checks the
 * request, queues the write (tl_queue_*_async), suspends the request and
 * returns; the writer thread stores the answer in the request's struct
 * pending and resumes it (a submission once its batch is on disk; a lease
 * claim as soon as it is decided, see store.h); the second call answers.
 *
 * Lifetime: everything the queued write reads is owned by the request (the
 * scope and project in its tl_api_call, the rest in its struct pending), and
 * a request's state is freed only when the request ends. A suspended request
 * cannot end: libmicrohttpd neither polls nor times out a suspended
 * connection, so a client that disconnects meanwhile is noticed only after
 * the resume (the answer then fails to send, the request ends as
 * "aborted" and its state is freed on a server thread). The writer's
 * callback touches nothing after tl_http_resume. The one way around this is
 * stopping the server with requests suspended: tl_http_stop drains
 * in-flight requests first, and the writer finishes every queued op within
 * one batch, long before the drain gives up. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "queue/queue.h"

struct pending {
    struct tl_http_req *r;
    int rc;                /* the write's result: set by the writer thread, read after resume */
    struct tl_lease lease; /* next */
    struct tl_lease_policy pol; /* next: the decision, for a refusal (queue/policy.h) */
    tl_id task_id, lease_id, out_id; /* submission */
    char *text;                      /* the checked result (owned) */
};

static void pending_free(void *ctx) {
    struct pending *pd = ctx;
    tl_lease_release(&pd->lease);
    free(pd->text);
    free(pd);
}

/* The writer thread's callback: record the answer and wake the request.
 * The resume is the last touch: the request may end (and free pd) at once. */
static void on_written(void *cb_arg, int rc) {
    struct pending *pd = cb_arg;
    pd->rc = rc;
    tl_http_resume(pd->r);
}

static struct pending *pending_new(struct tl_http_req *r, struct tl_api_call *c) {
    struct pending *pd = calloc(1, sizeof *pd);
    if (!pd)
        return NULL;
    pd->r = r;
    c->state = pd;
    c->free_state = pending_free;
    return pd;
}

/* r is suspended and rc_of_queue is what queueing its write returned: on
 * failure no callback will come, so record the error and resume at once
 * (the next call answers it). */
static void after_queue(struct tl_http_req *r, struct pending *pd, int rc_of_queue) {
    if (rc_of_queue) {
        pd->rc = rc_of_queue;
        tl_http_resume(r);
    }
}

/* The lease's pre-labels as [{"model","result","score"?}], oldest first:
 * an editable start for the client, never an annotation. */
static json_t *predictions_json(const struct tl_lease *l) {
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < l->n_predictions; i++) {
        const struct tl_prediction *pr = &l->predictions[i];
        json_t *result = json_loadb(pr->result, pr->result_len, 0, NULL);
        json_t *o =
            json_pack("{s:s,s:o}", "model", pr->model, "result", result ? result : json_object());
        if (o && pr->has_score)
            json_object_set_new(o, "score", json_real(pr->score));
        json_array_append_new(arr, o);
    }
    return arr ? arr : json_array();
}

void tl_api_next(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    struct pending *pd = c->state;
    if (!pd && c->p.is_archived) {
        tl_http_respond_empty(r, 204); /* an archived project serves no work */
        return;
    }
    if (!pd && tl_api_body_refused_unless_empty(r))
        return;
    if (!pd) {
        if (!(pd = pending_new(r, c))) {
            tl_api_fail(r, TL_ENOMEM, NULL);
            return;
        }
        /* Suspend before queueing: the writer may resume before we return. */
        tl_http_suspend(r);
        after_queue(r, pd,
                    tl_queue_next_policy_async(a->store, &c->sc, &c->p, &pd->pol, &pd->lease,
                                               on_written, pd));
        return;
    }
    if (pd->rc == TL_EEMPTY) {
        tl_http_respond_empty(r, 204);
    } else if (pd->rc == TL_EPERM) { /* the lease policy's refusal: say why */
        tl_http_respond_error(r, 403, tl_queue_policy_refusal(&pd->pol), "%s",
                              pd->pol.decision.message);
    } else if (pd->rc) {
        tl_api_fail(r, pd->rc, NULL);
    } else {
        const struct tl_lease *l = &pd->lease;
        /* The submission for this lease will name the task: remember its
         * project so that it needs no lookup (authz/cache.h). */
        tl_authz_cache_put_task(a->authz_cache, l->task_id, c->p.id);
        char expires[32];
        json_t *data = json_loadb(l->task_data, l->task_data_len, 0, NULL);
        tl_http_respond_json(r, 200,
                             json_pack("{s:{s:s,s:o,s:o},s:{s:s,s:s}}", "task", "id", l->task_id,
                                       "data", data ? data : json_object(), "predictions",
                                       predictions_json(l), "lease", "id", l->id, "expires_at",
                                       tl_clock_rfc3339(l->expires_at_ms, expires)));
    }
}

/* Check the body and fill pd: 0, or an error already answered. A spans
 * schema reads the task's text here, on the server thread: a read of one
 * indexed row, never a wait on the writer. (tl_queue_submit_async then
 * reads the task's votes the same way and computes its live aggregate
 * here too, so the single writer does not: queue.c, precompute.) */
static int prepare_submit(struct tl_api *a, struct tl_http_req *r, struct tl_api_call *c,
                          struct pending *pd) {
    static const char *const known[] = {"lease_id", "result", NULL};
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return TL_EINVAL;
    int rc = 0;
    struct tl_errbuf eb = {{0}};
    const json_t *jlease = json_object_get(body, "lease_id");
    const char *lease_id = json_string_value(jlease);
    const json_t *result = json_object_get(body, "result");
    if (!jlease) {
        rc = tl_errf(&eb, TL_EINVAL, "lease_id is required");
    } else if (!lease_id) {
        rc = tl_errf(&eb, TL_EINVAL, "lease_id must be a string");
    } else if (!result) {
        rc = tl_errf(&eb, TL_EINVAL, "result is required");
    } else if (!(rc = tl_queue_check_submission(a->store, &c->p, tl_http_param(r, 0), result,
                                                &pd->text, &eb)) &&
               strlen(lease_id) > TL_ID_LEN) {
        rc = tl_errf(&eb, TL_ECONFLICT, TL_QUEUE_LEASE_CONFLICT); /* never issued */
    }
    if (!rc) {
        memcpy(pd->lease_id, lease_id, strlen(lease_id) + 1);
        /* authorize checked the path's id: it is a task id of TL_ID_LEN */
        snprintf(pd->task_id, sizeof pd->task_id, "%s", tl_http_param(r, 0));
    } else {
        tl_api_fail(r, rc, eb.msg);
    }
    json_decref(body);
    return rc;
}

void tl_api_annotations_create(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    struct pending *pd = c->state;
    if (!pd) {
        if (!(pd = pending_new(r, c))) {
            tl_api_fail(r, TL_ENOMEM, NULL);
            return;
        }
        if (prepare_submit(a, r, c, pd))
            return;
        tl_http_suspend(r);
        after_queue(r, pd,
                    tl_queue_submit_async(a->store, &c->sc, &c->p, pd->task_id, pd->lease_id,
                                          pd->text, strlen(pd->text), pd->out_id, on_written, pd));
        return;
    }
    if (pd->rc)
        tl_api_fail(r, pd->rc, pd->rc == TL_ECONFLICT ? TL_QUEUE_LEASE_CONFLICT : NULL);
    else
        tl_http_respond_json(r, 201, json_pack("{s:s}", "id", pd->out_id));
}
