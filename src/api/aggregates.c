/* aggregates.c: a project's aggregates and quality summary
 * (docs/quality-aggregates.md):
 *   GET  /api/v1/projects/{id}/aggregates      pages by cursor (who may export)
 *   POST /api/v1/projects/{id}/aggregates/run  a full re-inference now (202)
 *   GET  /api/v1/projects/{id}/quality         the quality page's charts
 * The re-inference itself runs on the scheduler's thread
 * (queue/reinfer_sched.h), never on the event loop.
 *
 * The page cursor is "a" + the last task's position in hex: opaque to
 * clients, who only hand it back; a malformed one is a 400. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "queue/reinfer_sched.h"

#define PAGE_DEFAULT      100
#define PAGE_MAX          1000

/* A stored JSON blob parsed back (null if unreadable: never a 500 for one row). */
static json_t *blob_json(const char *s) {
    json_t *j = s ? json_loads(s, 0, NULL) : NULL;
    return j ? j : json_null();
}

static json_t *aggregate_json(const struct tl_aggregate *g) {
    char updated[32];
    return json_pack("{s:s,s:s,s:o,s:o,s:i,s:b,s:s}", "task_id", g->task_id, "method", g->method,
                     "result", blob_json(g->result), "confidence", blob_json(g->confidence),
                     "n_annotations", g->n_annotations, "reviewed", g->is_reviewed, "updated_at",
                     tl_clock_rfc3339(g->updated_at_ms, updated));
}

void tl_api_aggregates_list(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const char *limit_q = tl_http_query(r, "limit");
    const char *cursor_q = tl_http_query(r, "cursor");
    size_t limit = PAGE_DEFAULT;
    int64_t cursor = 0;
    if (limit_q && tl_api_page_limit(limit_q, PAGE_MAX, &limit)) {
        tl_api_fail(r, TL_EINVAL, "limit must be an integer in 1..1000");
        return;
    }
    if (cursor_q && tl_api_cursor_parse('a', cursor_q, &cursor)) {
        tl_api_fail(r, TL_EINVAL, "cursor must be a next_cursor this endpoint returned");
        return;
    }
    struct tl_aggregate *items;
    size_t n;
    int rc = tl_store_aggregate_list(a->store, &c->sc, &c->p, limit, &cursor, &items, &n);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        if (arr && json_array_append_new(arr, aggregate_json(&items[i]))) {
            json_decref(arr);
            arr = NULL;
        }
        tl_aggregate_release(&items[i]);
    }
    free(items);
    tl_http_respond_json(r, 200, arr ? json_pack("{s:o,s:o}", "aggregates", arr, "next_cursor",
                                                 tl_api_cursor_json('a', cursor))
                                     : NULL);
}

void tl_api_aggregates_run(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    if (tl_api_body_refused_unless_empty(r))
        return;
    if (!a->reinferer) {
        tl_http_respond_json(r, 503, json_pack("{s:{s:s,s:s}}", "error", "code", "unavailable",
                                               "message",
                                               "this server runs no re-inference scheduler"));
        return;
    }
    int rc = tl_queue_reinferer_ask(a->reinferer, c->p.id);
    if (rc) {
        tl_api_fail(r, rc, "too many re-inferences are queued; try again shortly");
        return;
    }
    tl_http_respond_json(r, 202, json_pack("{s:b}", "queued", 1));
}

static json_t *histogram_json(const struct tl_quality_summary *q) {
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < 10; i++)
        if (json_array_append_new(arr, json_integer((json_int_t)q->histogram[i]))) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

static json_t *days_json(const struct tl_quality_summary *q) {
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < q->n_days; i++) {
        char t[32];
        const struct tl_gold_day *d = &q->days[i];
        if (json_array_append_new(arr, json_pack("{s:s,s:f,s:I}", "t",
                                                 tl_clock_rfc3339(d->day_ms, t), "accuracy",
                                                 d->accuracy, "answered",
                                                 (json_int_t)d->answered))) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *run_json(const struct tl_quality_summary *q) {
    if (!q->has_run)
        return json_null();
    const struct tl_quality_run *run = &q->run;
    char started[32], finished[32];
    return json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:f,s:o}", "started_at",
                     tl_clock_rfc3339(run->started_at_ms, started), "finished_at",
                     tl_clock_rfc3339(run->finished_at_ms, finished), "method", run->method,
                     "labels", (json_int_t)run->n_labels, "tasks", (json_int_t)run->n_tasks,
                     "workers", (json_int_t)run->n_workers, "seconds", run->seconds, "error",
                     run->error[0] ? json_string(run->error) : json_null());
}

void tl_api_quality_summary(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    struct tl_quality_summary q;
    int rc = tl_store_quality_summary(a->store, &c->p, &q);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *agreement = q.has_run ? blob_json(q.run.agreement) : json_object();
    if (json_is_null(agreement)) {
        json_decref(agreement);
        agreement = json_object();
    }
    json_t *last = run_json(&q);
    if (last && q.has_run && q.run.detail[0])
        json_object_set_new(last, "detail", json_string(q.run.detail));
    json_t *body = json_pack("{s:o,s:o,s:o,s:o}", "agreement", agreement, "confidence_histogram",
                             histogram_json(&q), "gold_accuracy", days_json(&q), "last_inference",
                             last ? last : json_null());
    tl_quality_summary_release(&q);
    tl_http_respond_json(r, 200, body);
}
