/* export.c: GET /api/v1/projects/{id}/export?format=jsonl or coco, streamed (each
 * task with its annotations and, apart, its predictions).
 *
 * The export is produced page by page (one short read transaction per page)
 * as the client reads, so memory stays flat for any project size and no
 * long read transaction holds back WAL checkpoints. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "authz/authz.h"
#include "core/buf.h"
#include "schema/export_coco.h"
#include "schema/jsonl.h"

#define PAGE_TASKS 256
/* A page stops once its tasks' data reach this (the store always returns at
 * least one task), so pending output is about this plus one task's line. */
#define PAGE_BYTES (4u << 20)
/* The output buffer keeps at most this much memory between pages. */
#define KEEP_OUT (8u << 20)
/* Per annotation and per line: ids, pseudonym (escaped), time, punctuation. */
#define LINE_OVERHEAD 512

struct export_state {
    struct tl_store *store;
    struct tl_scope sc;
    struct tl_project p;
    int64_t cursor;
    bool is_done;
    struct tl_buf out;
    size_t sent; /* bytes of out already handed to the connection */
    bool is_coco_begun;
    bool is_coco; /* format=coco: two passes (schema/export_coco.h) */
    struct tl_schema schema;
    struct tl_coco coco;
};

static void pseudonym(void *ctx, const char *user_id, char out[64]) {
    struct export_state *st = ctx;
    char name[TL_PSEUDONYM_LEN + 1];
    tl_pseudonym(tl_store_secret(st->store), st->p.tenant_id, user_id, name);
    memcpy(out, name, sizeof name);
}

/* The ceiling of the output buffer follows what the store hands over: a
 * page is bounded by PAGE_BYTES plus one task, and one task's line by what
 * import accepted, so any task that was imported can be exported. */
static int add_line(void *ctx, const struct tl_export_task *t) {
    struct export_state *st = ctx;
    size_t line_max = t->data_len + LINE_OVERHEAD;
    for (size_t i = 0; i < t->n_annotations; i++)
        line_max += t->annotations[i].result_len + LINE_OVERHEAD;
    /* a model name escapes to at most 6 bytes a byte */
    for (size_t i = 0; i < t->n_predictions; i++)
        line_max += t->predictions[i].result_len + 6 * TL_PREDICTION_MAX_MODEL + LINE_OVERHEAD;
    st->out.max = st->out.len + line_max;
    return tl_jsonl_export_task(&st->out, t, pseudonym, st);
}

static int add_coco(void *ctx, const struct tl_export_task *t) {
    struct export_state *st = ctx;
    st->out.max = st->out.len + tl_coco_task_bound(&st->coco, t);
    return tl_coco_export_task(&st->coco, &st->out, t);
}

/* The next piece of a COCO document: its head, a page of the current pass,
 * or the seam between the passes; then the tail, with is_done. */
static int coco_fill(struct export_state *st) {
    if (!st->is_coco_begun) {
        st->is_coco_begun = true;
        st->out.max = st->out.len + tl_coco_head_bound(&st->coco);
        return tl_coco_begin(&st->coco, &st->out);
    }
    /* A page of tasks without regions writes nothing in pass 2, and empty
     * output would end the stream: read on. Each page advances the cursor,
     * so this ends with the project's tasks. */
    bool is_pass_done = false;
    while (!is_pass_done) {
        int rc = tl_store_export_page(st->store, &st->sc, &st->p, &st->cursor, PAGE_TASKS,
                                      PAGE_BYTES, add_coco, st, &is_pass_done);
        if (rc || (!is_pass_done && st->out.len))
            return rc;
    }
    st->out.max = st->out.len + LINE_OVERHEAD;
    st->cursor = 0;
    if (st->coco.pass == 1)
        return tl_coco_next_pass(&st->coco, &st->out);
    st->is_done = true;
    return tl_coco_end(&st->coco, &st->out);
}

static ssize_t export_read(void *ctx, char *buf, size_t max) {
    struct export_state *st = ctx;
    if (st->sent == st->out.len) {
        if (st->out.cap > KEEP_OUT)
            tl_buf_release(&st->out);
        else
            tl_buf_reset(&st->out);
        st->sent = 0;
        if (st->is_done)
            return 0;
        if (st->is_coco ? coco_fill(st)
                        : tl_store_export_page(st->store, &st->sc, &st->p, &st->cursor,
                                               PAGE_TASKS, PAGE_BYTES, add_line, st,
                                               &st->is_done))
            return -1;
        if (st->out.len == 0)
            return 0;
    }
    size_t n = st->out.len - st->sent;
    if (n > max)
        n = max;
    memcpy(buf, st->out.data + st->sent, n);
    st->sent += n;
    return (ssize_t)n;
}

/* Parse the project's schema for the COCO writer: 0, TL_EINVAL if it has
 * no region field, TL_ENOMEM. */
static int coco_start(struct export_state *st) {
    json_t *js = st->p.schema_json ? json_loads(st->p.schema_json, 0, NULL) : NULL;
    struct tl_errbuf eb;
    int rc = js ? tl_schema_parse_stored(js, &st->schema, &eb) : TL_EINVAL;
    json_decref(js);
    if (rc)
        return rc == TL_ENOMEM ? rc : TL_EINVAL;
    st->is_coco = true;
    return tl_coco_init(&st->coco, &st->schema);
}

static void export_free(void *ctx) {
    struct export_state *st = ctx;
    tl_buf_release(&st->out);
    tl_schema_release(&st->schema);
    tl_project_release(&st->p);
    free(st);
}

void tl_api_export(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const char *format = tl_http_query(r, "format");
    struct export_state *st = calloc(1, sizeof *st);
    if (!st) {
        tl_api_fail(r, TL_ENOMEM, NULL);
        return;
    }
    /* The stream outlives nothing of the request's but must own its copy of
     * the project: take it over from the call state. */
    st->p = c->p;
    c->has_project = false;
    memset(&c->p, 0, sizeof c->p);
    st->store = a->store;
    st->sc = c->sc;
    tl_buf_init(&st->out, 0); /* add_line sets the ceiling line by line */
    if (format && !strcmp(format, "coco")) {
        int rc = coco_start(st);
        if (rc) {
            tl_api_fail(r, rc, "format coco needs a boxes, polygons or keypoints field");
            export_free(st);
            return;
        }
        tl_http_respond_stream(r, 200, "application/json", export_read, st, export_free);
        return;
    }
    if (format && strcmp(format, "jsonl")) {
        tl_api_fail(r, TL_EINVAL, "format must be jsonl or coco");
        export_free(st);
        return;
    }
    tl_http_respond_stream(r, 200, "application/x-ndjson", export_read, st, export_free);
}
