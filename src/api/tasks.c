/* tasks.c: POST /api/v1/projects/{id}/tasks: import, all or nothing, parsed
 * and stored in bounded batches as the body arrives (the pipeline is
 * bulk/import.h, shared with `tally import`; this file is its HTTP side).
 *
 * Formats: JSON Lines, a JSON array, or CSV (text/csv: a header row, then
 * one task per row, values as strings: schema/csvtasks.h). Who may import
 * was decided on the headers (api/routes.c).
 *
 * Concurrency: at most IMPORT_MAX_RUNNING imports run per process; more are
 * refused with 429 and Retry-After, decided when their first body bytes
 * arrive (the headers have been authorized by then; the route has no hook
 * of its own before the body).
 *
 * Flow: when a batch is full while the previous one is still being
 * written, the request is parked (tl_http_suspend) until that write is on
 * disk, so no server thread waits on an fsync. Any error, a refused request
 * or a client that goes away clears the staged rows (job_free runs however
 * the request ends).
 *
 * Refusals (415, 429, a bad item, a failed write) are decided as early as
 * they are known: parsing stops, the slot, the batch and the staged rows are
 * given back at once, and the rest of the body is read and dropped. The
 * answer itself is sent once the body is in: libmicrohttpd 0.9.75 drops a
 * response queued while a body is still arriving, and the client would
 * wait for ever. */
#include <stdatomic.h>
#include <stdlib.h>

#include "api/api.h"
#include "authz/authz.h"
#include "bulk/import.h"

#define IMPORT_MAX_RUNNING  2
#define IMPORT_RETRY_AFTER  5 /* seconds */
/* One line or array item; the server's --max-import-body (64 MiB by
 * default) bounds the whole body and so, in practice, each item. */
#define IMPORT_MAX_ITEM ((size_t)1 << 30)

static atomic_int n_running;

struct job {
    struct tl_http_req *r;
    struct tl_bulk_import *g; /* NULL when refused before it started */
    bool holds_slot;          /* counted in n_running */
    unsigned refused_status;  /* 415 or 429, else refused_rc decides */
    int refused_rc;           /* the import failed: answer this at the end */
    struct tl_errbuf eb;      /* why, when g could not start */
};

/* Give the running slot back (once). */
static void give_slot(struct job *j) {
    if (j->holds_slot)
        atomic_fetch_sub(&n_running, 1);
    j->holds_slot = false;
}

/* free_state: the request ended (answered, refused or cut off). */
static void job_free(void *state) {
    struct job *j = state;
    give_slot(j);
    tl_bulk_import_free(j->g); /* clears what was not committed */
    free(j);
}

/* The import has failed with rc (the first reason wins): stop, give back
 * the slot, and keep the answer for the handler. */
static void refuse(struct job *j, unsigned status, int rc) {
    if (j->refused_status || j->refused_rc)
        return;
    j->refused_status = status;
    j->refused_rc = rc ? rc : TL_EINVAL;
    give_slot(j);
}

static void answer_refusal(struct job *j) {
    if (j->refused_status == 415) {
        tl_http_respond_error(j->r, 415, "unsupported_media_type",
                              "send application/x-ndjson or application/jsonl (JSON Lines),"
                              " application/json (an array) or text/csv");
    } else if (j->refused_status == 429) {
        tl_http_set_retry_after(j->r, IMPORT_RETRY_AFTER);
        tl_http_respond_error(j->r, 429, "busy", "%d imports are running: try again later",
                              IMPORT_MAX_RUNNING);
    } else {
        tl_api_fail(j->r, j->refused_rc, j->g ? j->g->eb.msg : j->eb.msg);
    }
}

static void suspend_req(void *r) {
    tl_http_suspend(r);
}

static void resume_req(void *r) {
    tl_http_resume(r);
}

/* The first call of a request (first body bytes, or an empty body): set
 * the job up, check the media type and take a running slot. NULL only when
 * out of memory. */
static struct job *job_start(struct tl_api *a, struct tl_http_req *r) {
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    struct tl_api_call *c = tl_api_call(r);
    j->r = r;
    c->state = j;
    c->free_state = job_free;
    enum tl_import_format format;
    int rc;
    if (tl_import_format_of(tl_http_header(r, "Content-Type"), &format)) {
        refuse(j, 415, TL_EINVAL);
    } else if (atomic_fetch_add(&n_running, 1) >= IMPORT_MAX_RUNNING) {
        atomic_fetch_sub(&n_running, 1);
        refuse(j, 429, TL_ELIMIT);
    } else {
        j->holds_slot = true;
        rc = tl_bulk_import_new(a->store, &c->sc, &c->p, format, IMPORT_MAX_ITEM, &j->g, &j->eb);
        if (rc)
            refuse(j, 0, rc);
    }
    return j;
}

static struct job *job_of(void *app, struct tl_http_req *r) {
    struct tl_api_call *c = tl_api_call(r);
    return c->state ? c->state : job_start(app, r);
}

size_t tl_api_tasks_import_chunk(void *app, struct tl_http_req *r, const char *data, size_t len) {
    struct job *j = job_of(app, r);
    if (!j || j->refused_rc)
        return len; /* refused: drop the rest, the handler answers */
    size_t used = 0;
    while (used < len) {
        size_t n;
        int rc = tl_bulk_import_feed(j->g, data + used, len - used, &n);
        used += n;
        if (rc) {
            refuse(j, 0, rc);
            return len;
        }
        if (used < len && tl_bulk_import_park(j->g, suspend_req, resume_req, r))
            return used; /* parked: the rest comes back after the resume */
    }
    return len;
}

void tl_api_tasks_import(void *app, struct tl_http_req *r) {
    struct job *j = job_of(app, r);
    if (!j) {
        tl_api_fail(r, TL_ENOMEM, NULL);
        return;
    }
    while (!j->refused_rc) {
        bool is_waiting;
        int rc = tl_bulk_import_end(j->g, &is_waiting);
        if (rc) {
            refuse(j, 0, rc);
            break;
        }
        if (!is_waiting) {
            tl_http_respond_json(r, 201, json_pack("{s:I}", "imported",
                                                   (json_int_t)tl_bulk_import_count(j->g)));
            return;
        }
        if (tl_bulk_import_park(j->g, suspend_req, resume_req, r))
            return; /* parked: called again once the write is on disk */
    }
    answer_refusal(j);
}
