/* export.c: GET /api/v1/projects/{id}/export?format=F, streamed: F picks a
 * writer from the table of formats below (jsonl when absent).
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
#include "schema/export_csv.h"
#include "schema/export_pref.h"
#include "schema/jsonl.h"

#define PAGE_TASKS 256
/* A page stops once its tasks' data reach this (the store always returns at
 * least one task), so pending output is about this plus one task's line. */
#define PAGE_BYTES (4u << 20)
/* The output buffer keeps at most this much memory between pages. */
#define KEEP_OUT (8u << 20)
/* Per annotation and per line: ids, pseudonym (escaped), time, punctuation. */
#define LINE_OVERHEAD 512

struct export_state;

/* One export format. Writers append to st->out, whose ceiling the caller
 * has set to bound(); begin (before the first task) and end (after the
 * last) may be NULL. A format with a seam reads the tasks twice: the seam
 * is written after the first pass, then every task is fed again from the
 * first (COCO keeps images and annotations in separate arrays). open, if
 * set, checks the project fits the format before the response starts:
 * 0, or TL_EINVAL for a 400. */
struct export_format {
    const char *name;
    const char *content_type;
    size_t (*begin_bound)(struct export_state *st);
    int (*begin)(struct export_state *st);
    size_t (*bound)(struct export_state *st, const struct tl_export_task *t);
    int (*task)(struct export_state *st, const struct tl_export_task *t);
    size_t (*end_bound)(struct export_state *st);
    int (*end)(struct export_state *st);
    size_t (*seam_bound)(struct export_state *st);
    int (*seam)(struct export_state *st);
    int (*open)(struct export_state *st);
};

struct export_state {
    const struct export_format *fmt;
    struct tl_schema schema; /* the project's, parsed once for the stream */
    bool is_begun;
    bool is_second_pass;
    struct tl_coco coco; /* format coco's writer */
    struct tl_store *store;
    struct tl_scope sc;
    struct tl_project p;
    int64_t cursor;
    bool is_done;
    struct tl_buf out;
    size_t sent; /* bytes of out already handed to the connection */
};

static void pseudonym(void *ctx, const char *user_id, char out[64]) {
    struct export_state *st = ctx;
    char name[TL_PSEUDONYM_LEN + 1];
    tl_pseudonym(tl_store_secret(st->store), st->p.tenant_id, user_id, name);
    memcpy(out, name, sizeof name);
}

/* The ceiling of the output buffer follows what the store hands over: a
 * page is bounded by PAGE_BYTES plus one task, and one task's output by what
 * import accepted, so any task that was imported can be exported. */
static size_t jsonl_bound(struct export_state *st, const struct tl_export_task *t) {
    size_t line_max = t->data_len + LINE_OVERHEAD;
    for (size_t i = 0; i < t->n_annotations; i++)
        line_max += t->annotations[i].result_len + LINE_OVERHEAD;
    /* a model name escapes to at most 6 bytes a byte */
    for (size_t i = 0; i < t->n_predictions; i++)
        line_max += t->predictions[i].result_len + 6 * TL_PREDICTION_MAX_MODEL + LINE_OVERHEAD;
    return line_max;
}

static int jsonl_task(struct export_state *st, const struct tl_export_task *t) {
    return tl_jsonl_export_task(&st->out, t, pseudonym, st);
}

static size_t csv_header_bound(struct export_state *st) {
    return tl_csv_export_header_bound(&st->schema);
}

static int csv_header(struct export_state *st) {
    return tl_csv_export_header(&st->out, &st->schema);
}

static size_t csv_bound(struct export_state *st, const struct tl_export_task *t) {
    return tl_csv_export_bound(&st->schema, t);
}

static int csv_task(struct export_state *st, const struct tl_export_task *t) {
    return tl_csv_export_task(&st->out, &st->schema, t, pseudonym, st);
}

static size_t pref_bound(struct export_state *st, const struct tl_export_task *t) {
    return tl_pref_export_bound(&st->schema, t);
}

static int pref_task(struct export_state *st, const struct tl_export_task *t) {
    return tl_pref_export_task(&st->out, &st->schema, t);
}

static int coco_open(struct export_state *st) {
    return tl_coco_init(&st->coco, &st->schema);
}

static size_t coco_head_bound(struct export_state *st) {
    return tl_coco_head_bound(&st->coco);
}

static int coco_head(struct export_state *st) {
    return tl_coco_begin(&st->coco, &st->out);
}

static size_t coco_bound(struct export_state *st, const struct tl_export_task *t) {
    return tl_coco_task_bound(&st->coco, t);
}

static int coco_task(struct export_state *st, const struct tl_export_task *t) {
    return tl_coco_export_task(&st->coco, &st->out, t);
}

static size_t coco_edge_bound(struct export_state *st) {
    return LINE_OVERHEAD;
}

static int coco_seam(struct export_state *st) {
    return tl_coco_next_pass(&st->coco, &st->out);
}

static int coco_end(struct export_state *st) {
    return tl_coco_end(&st->coco, &st->out);
}

/* The formats: one row each. */
static const struct export_format formats[] = {
    {.name = "jsonl", .content_type = "application/x-ndjson", .bound = jsonl_bound,
     .task = jsonl_task},
    {.name = "csv", .content_type = "text/csv; charset=utf-8", .begin_bound = csv_header_bound,
     .begin = csv_header, .bound = csv_bound, .task = csv_task},
    {.name = "preference", .content_type = "application/x-ndjson", .bound = pref_bound,
     .task = pref_task},
    {.name = "coco", .content_type = "application/json", .begin_bound = coco_head_bound,
     .begin = coco_head, .bound = coco_bound, .task = coco_task, .end_bound = coco_edge_bound,
     .end = coco_end, .seam_bound = coco_edge_bound, .seam = coco_seam, .open = coco_open},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

static const struct export_format *format_named(const char *name) {
    for (size_t i = 0; i < N_FORMATS; i++)
        if (!strcmp(formats[i].name, name))
            return &formats[i];
    return NULL;
}

static int add_task(void *ctx, const struct tl_export_task *t) {
    struct export_state *st = ctx;
    st->out.max = st->out.len + st->fmt->bound(st, t);
    return st->fmt->task(st, t);
}

static int add_edge(struct export_state *st, size_t (*bound)(struct export_state *),
                    int (*write)(struct export_state *)) {
    if (!write)
        return 0;
    st->out.max = st->out.len + bound(st);
    return write(st);
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
        if (!st->is_begun) {
            st->is_begun = true;
            if (add_edge(st, st->fmt->begin_bound, st->fmt->begin))
                return -1;
        }
        /* A page whose tasks write nothing (no pairwise answer, no region)
         * must not end the stream, which empty output does: read on. Each
         * page advances the cursor, so this stops at the last task. */
        bool is_pass_done = false;
        do {
            if (tl_store_export_page(st->store, &st->sc, &st->p, &st->cursor, PAGE_TASKS,
                                     PAGE_BYTES, add_task, st, &is_pass_done))
                return -1;
        } while (!is_pass_done && st->out.len == 0);
        if (is_pass_done && st->fmt->seam && !st->is_second_pass) {
            st->is_second_pass = true;
            st->cursor = 0;
            if (add_edge(st, st->fmt->seam_bound, st->fmt->seam))
                return -1;
        } else if (is_pass_done) {
            st->is_done = true;
            if (add_edge(st, st->fmt->end_bound, st->fmt->end))
                return -1;
        }
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

static void export_free(void *ctx) {
    struct export_state *st = ctx;
    tl_buf_release(&st->out);
    tl_schema_release(&st->schema);
    tl_project_release(&st->p);
    free(st);
}

/* "format must be one of: jsonl, csv, ..." from the table, so a new row
 * is named in the error without another edit. */
static void fail_format(struct tl_http_req *r) {
    char msg[256] = "format must be one of:";
    size_t len = strlen(msg);
    for (size_t i = 0; i < N_FORMATS && len < sizeof msg; i++)
        len += (size_t)snprintf(msg + len, sizeof msg - len, "%s %s", i ? "," : "",
                                formats[i].name);
    tl_api_fail(r, TL_EINVAL, msg);
}

static int load_schema(const struct tl_project *p, struct tl_schema *out) {
    json_t *js = json_loads(p->schema_json, 0, NULL);
    if (!js)
        return TL_EINTERNAL;
    struct tl_errbuf eb;
    int rc = tl_schema_parse_stored(js, out, &eb);
    json_decref(js);
    return rc == TL_ENOMEM || !rc ? rc : TL_EINTERNAL;
}

void tl_api_export(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const char *format = tl_http_query(r, "format");
    const struct export_format *fmt = format_named(format ? format : "jsonl");
    if (!fmt) {
        fail_format(r);
        return;
    }
    struct export_state *st = calloc(1, sizeof *st);
    if (!st) {
        tl_api_fail(r, TL_ENOMEM, NULL);
        return;
    }
    int rc = load_schema(&c->p, &st->schema);
    if (rc) {
        free(st);
        tl_api_fail(r, rc, NULL);
        return;
    }
    st->fmt = fmt;
    if (fmt->open && (rc = fmt->open(st))) {
        tl_schema_release(&st->schema);
        free(st);
        tl_api_fail(r, rc, rc == TL_EINVAL ? "the schema has no field this format exports" : NULL);
        return;
    }
    /* The stream outlives nothing of the request's but must own its copy of
     * the project: take it over from the call state. */
    st->p = c->p;
    c->has_project = false;
    memset(&c->p, 0, sizeof c->p);
    st->store = a->store;
    st->sc = c->sc;
    tl_buf_init(&st->out, 0); /* add_task sets the ceiling task by task */
    tl_http_respond_stream(r, 200, fmt->content_type, export_read, st, export_free);
}
