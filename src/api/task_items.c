/* task_items.c: the tasks of a project one at a time, for staff:
 * GET /api/v1/projects/{id}/tasks (pages), GET /api/v1/tasks/{id} (one task
 * with its annotations and predictions, annotators by pseudonym as in the
 * export), DELETE /api/v1/projects/{id}/tasks (by id list).
 *
 * The page cursor is "t" + the last task's position in hex: opaque to
 * clients, who only hand it back; a malformed one is a 400. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/buf.h"
#include "core/clock.h"
#include "schema/jsonl.h"

#define PAGE_DEFAULT     100
#define PAGE_MAX         1000
#define DELETE_MAX_IDS   1000
/* One task with its annotations as JSON: import caps a task far below. */
#define TASK_JSON_MAX ((size_t)1 << 30)

/* The fields every task answer has; data is parsed back into JSON. */
static json_t *item_json(const struct tl_task_item *t) {
    char created[32];
    json_t *data = json_loadb(t->data, t->data_len, 0, NULL);
    const char *state = t->is_gold ? "gold" : t->is_complete ? "complete" : "open";
    return json_pack("{s:s,s:o,s:s,s:i,s:s}", "id", t->id, "data", data ? data : json_null(),
                     "state", state, "annotations_count", t->n_annotations, "created_at",
                     tl_clock_rfc3339(t->created_at_ms, created));
}

void tl_api_tasks_list(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const char *limit_q = tl_http_query(r, "limit");
    const char *cursor_q = tl_http_query(r, "cursor");
    const char *state_q = tl_http_query(r, "state");
    size_t limit = PAGE_DEFAULT;
    int64_t cursor = 0;
    enum tl_task_state state = TL_TASKS_ALL;
    if (limit_q && tl_api_page_limit(limit_q, PAGE_MAX, &limit)) {
        tl_api_fail(r, TL_EINVAL, "limit must be an integer in 1..1000");
        return;
    }
    if (cursor_q && tl_api_cursor_parse('t', cursor_q, &cursor)) {
        tl_api_fail(r, TL_EINVAL, "cursor must be a next_cursor this endpoint returned");
        return;
    }
    if (state_q && !strcmp(state_q, "open")) {
        state = TL_TASKS_OPEN;
    } else if (state_q && !strcmp(state_q, "complete")) {
        state = TL_TASKS_COMPLETE;
    } else if (state_q && !strcmp(state_q, "gold")) {
        state = TL_TASKS_GOLD;
    } else if (state_q) {
        tl_api_fail(r, TL_EINVAL, "state must be one of open, complete, gold");
        return;
    }
    struct tl_task_item *items;
    size_t n;
    int rc = tl_store_task_list(a->store, &c->sc, &c->p, state, limit, &cursor, &items, &n);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        if (arr && json_array_append_new(arr, item_json(&items[i]))) {
            json_decref(arr);
            arr = NULL;
        }
        tl_task_item_release(&items[i]);
    }
    free(items);
    tl_http_respond_json(r, 200, arr ? json_pack("{s:o,s:o}", "tasks", arr, "next_cursor",
                                                 tl_api_cursor_json('t', cursor))
                                     : NULL);
}

struct one_task {
    struct tl_api *a;
    const struct tl_project *p;
    json_t *out; /* the export's JSON of the task */
};

static void pseudonym(void *ctx, const char *user_id, char out[64]) {
    struct one_task *t = ctx;
    char name[TL_PSEUDONYM_LEN + 1];
    tl_pseudonym(tl_store_secret(t->a->store), t->p->tenant_id, user_id, name);
    memcpy(out, name, sizeof name);
}

/* The task exactly as a line of the JSONL export. */
static int export_one(void *ctx, const struct tl_export_task *et) {
    struct one_task *t = ctx;
    struct tl_buf b;
    tl_buf_init(&b, TASK_JSON_MAX);
    int rc = tl_jsonl_export_task(&b, et, pseudonym, t);
    if (!rc) {
        t->out = json_loadb(b.data, b.len, 0, NULL);
        rc = t->out ? 0 : TL_ENOMEM;
    }
    tl_buf_release(&b);
    return rc;
}

/* quality (core): the task's gold answer in its export row, or null (a
 * new reference). */
static json_t *gold_of(const json_t *row) {
    const json_t *g = json_object_get(row, "gold");
    return g ? json_deep_copy(g) : json_null();
}

void tl_api_tasks_get(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    struct one_task t = {a, &c->p, NULL};
    struct tl_task_item item;
    int rc = tl_store_task_get(a->store, &c->sc, &c->p, tl_http_param(r, 0), &item, export_one,
                               &t);
    if (rc) {
        json_decref(t.out);
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *j = item_json(&item);
    tl_task_item_release(&item);
    if (j && (!t.out || json_object_set_new(j, "project_id", json_string(c->p.id)) ||
              json_object_set(j, "annotations", json_object_get(t.out, "annotations")) ||
              json_object_set(j, "predictions", json_object_get(t.out, "predictions")) ||
              /* quality (core): the gold answer, for staff (this route's policy) */
              json_object_set_new(j, "gold", gold_of(t.out)))) {
        json_decref(j);
        j = NULL; /* answered as a 500 */
    }
    json_decref(t.out);
    tl_http_respond_json(r, 200, j);
}

void tl_api_tasks_delete(void *app, struct tl_http_req *r) {
    static const char *const known[] = {"ids", NULL};
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    const json_t *ids = json_object_get(body, "ids");
    size_t n = json_array_size(ids);
    const char **v = NULL;
    int rc = 0;
    if (!json_is_array(ids) || n > DELETE_MAX_IDS)
        rc = TL_EINVAL;
    else if (n && !(v = calloc(n, sizeof *v)))
        rc = TL_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        if (!(v[i] = json_string_value(json_array_get(ids, i))))
            rc = TL_EINVAL;
    int64_t deleted = 0;
    rc = rc ? rc : tl_store_tasks_delete(a->store, &c->sc, &c->p, v, n, &deleted);
    free(v);
    json_decref(body);
    if (rc)
        tl_api_fail(r, rc, rc == TL_EINVAL ? "ids must be an array of 0..1000 task id strings"
                                           : NULL);
    else
        tl_http_respond_json(r, 200, json_pack("{s:I}", "deleted", (json_int_t)deleted));
}
