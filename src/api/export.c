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
#include "schema/export.h"

#define PAGE_TASKS 256
/* A page stops once its tasks' data reach this (the store always returns at
 * least one task), so pending output is about this plus one task's output. */
#define PAGE_BYTES (4u << 20)
/* The output buffer keeps at most this much memory between pages. */
#define KEEP_OUT (8u << 20)

struct export_state {
    struct tl_exporter ex;
    struct tl_schema schema; /* the project's, parsed once for the stream */
    bool is_begun;
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

static int add_task(void *ctx, const struct tl_export_task *t) {
    struct export_state *st = ctx;
    return tl_exporter_task(&st->ex, &st->out, t);
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
            if (tl_exporter_begin(&st->ex, &st->out))
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
        if (is_pass_done) {
            int rc;
            if (tl_exporter_next_pass(&st->ex, &st->out, &rc)) {
                st->cursor = 0;
            } else {
                st->is_done = true;
                rc = tl_exporter_end(&st->ex, &st->out);
            }
            if (rc)
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
    tl_exporter_release(&st->ex);
    tl_schema_release(&st->schema);
    tl_project_release(&st->p);
    free(st);
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
    struct tl_errbuf eb;
    if ((rc = tl_exporter_open(&st->ex, format ? format : "jsonl", &st->schema, pseudonym, st,
                               &eb))) {
        tl_schema_release(&st->schema);
        free(st);
        tl_api_fail(r, rc, rc == TL_EINVAL ? eb.msg : NULL);
        return;
    }
    /* The stream outlives nothing of the request's but must own its copy of
     * the project: take it over from the call state. */
    st->p = c->p;
    c->has_project = false;
    memset(&c->p, 0, sizeof c->p);
    st->store = a->store;
    st->sc = c->sc;
    tl_buf_init(&st->out, 0); /* the exporter sets the ceiling task by task */
    tl_http_respond_stream(r, 200, tl_exporter_content_type(&st->ex), export_read, st,
                           export_free);
}
