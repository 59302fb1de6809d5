/* export.c: GET /api/v1/projects/{id}/export?format=F, streamed: F picks a
 * format from the table in schema/export.h (jsonl when absent).
 *
 * The export is produced piece by piece (bulk/export.h, shared with
 * `tally export`, so both give the same bytes) as the client reads, so
 * memory stays flat for any project size. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "authz/authz.h"
#include "bulk/export.h"
#include "core/buf.h"

/* The output buffer keeps at most this much memory between pieces. */
#define KEEP_OUT (8u << 20)

struct export_state {
    struct tl_bulk_export x;
    bool is_done;
    struct tl_buf out;
    size_t sent; /* bytes of out already handed to the connection */
};

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
        if (tl_bulk_export_next(&st->x, &st->out, &st->is_done))
            return -1;
        if (st->is_done)
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
    tl_bulk_export_release(&st->x);
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
     * the project: the export takes it over from the call state. */
    struct tl_errbuf eb;
    int rc = tl_bulk_export_open(&st->x, a->store, &c->sc, &c->p, format ? format : "jsonl", &eb);
    if (rc) {
        free(st);
        tl_api_fail(r, rc, rc == TL_EINVAL ? eb.msg : NULL);
        return;
    }
    c->has_project = false;
    tl_buf_init(&st->out, 0); /* the exporter sets the ceiling task by task */
    tl_http_respond_stream(r, 200, tl_bulk_export_content_type(&st->x), export_read, st,
                           export_free);
}
