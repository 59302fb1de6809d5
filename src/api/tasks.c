/* tasks.c: POST /api/v1/projects/{id}/tasks: import, all or nothing, parsed
 * and stored in bounded batches as the body arrives.
 *
 * Why batches: the whole body used to be buffered, parsed into one tree and
 * re-encoded, which cost 30 times its size (a 60 MiB import peaked at
 * 1.8 GiB and kept 1.7 GiB). Now each full batch (IMPORT_BATCH_BYTES of
 * compact JSON) goes to the store's staging table while the next batch is
 * parsed (two batches at most: one parsing, one being written); the end of
 * the body commits: one write copies the staged rows and the last batch
 * into tasks. Any error, a refused request or a client that goes away
 * deletes the staged rows (job_free runs however the request ends), and so
 * does a commit (the staged copies are not needed any more). Who may import
 * was decided on the headers (api/routes.c); the store only filters by
 * tenant and project.
 *
 * Formats: JSON Lines, a JSON array, or CSV (text/csv: a header row, then
 * one task per row, values as strings: schema/csvtasks.h). Predictions in
 * JSON tasks are checked against the project's schema (parsed once per
 * import) and travel with their task's batch: staged with it, moved into
 * predictions by the same commit.
 *
 * Concurrency: at most IMPORT_MAX_RUNNING imports run per process; more are
 * refused with 429 and Retry-After, decided when their first body bytes
 * arrive (the headers have been authorized by then; the route has no hook
 * of its own before the body).
 *
 * Refusals (415, 429, a bad item, a failed write) are decided as early as
 * they are known: parsing stops, the slot, the batch and the staged rows are
 * given back at once, and the rest of the body is read and dropped. The
 * answer itself is sent once the body is in: libmicrohttpd 0.9.75 drops a
 * response queued while a body is still arriving, and the client would
 * wait for ever. */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "authz/authz.h"
#include "schema/jsonl.h"

#define IMPORT_MAX_RUNNING  2
#define IMPORT_RETRY_AFTER  5 /* seconds */
#define IMPORT_BATCH_BYTES  (4u << 20)
#define IMPORT_BATCH_ITEMS  8192
/* One line or array item; the server's --max-import-body (64 MiB by
 * default) bounds the whole body and so, in practice, each item. */
#define IMPORT_MAX_ITEM ((size_t)1 << 30)

/* When a batch is full while the previous one is still being written, the
 * request is parked (tl_http_suspend) until that write is on disk, so no
 * server thread waits on an fsync. */

static atomic_int n_running;

/* P_BODY: parsing; P_COMMIT: the body is in, the commit is to be queued;
 * P_COMMITTING: the commit is queued. */
enum phase { P_BODY, P_COMMIT, P_COMMITTING };

struct job {
    struct tl_api *a;
    struct tl_http_req *r;
    struct tl_scope sc;
    struct tl_project p; /* pk and ids only: no owned strings */
    struct tl_import im; /* the batch being parsed */
    struct tl_schema schema; /* the project's, for predictions */
    bool has_schema;
    int64_t import_id;
    enum phase phase;
    struct tl_import_batch flight; /* the batch handed to the store */
    bool has_flight;               /* flight holds a batch (written or not) */
    bool is_flight_commit;         /* flight went with the commit */
    bool is_staged;                /* a batch went to the staging table */
    bool is_committed;             /* the commit write succeeded */
    bool holds_slot;               /* counted in n_running */
    unsigned refused_status;       /* 415 or 429, else refused_rc decides */
    int refused_rc;                /* the import failed: answer this at the end */
    /* Shared with the store's writer thread, which finishes a write. */
    pthread_mutex_t mu;
    bool is_writing;   /* flight is queued: write_done is still to run */
    bool is_parked;    /* the request is suspended until write_done */
    bool is_gone;      /* the request has ended: the last one out frees the job */
    int write_rc;
    struct tl_errbuf eb;
};

/* Give back what a finished or failed import holds: staged rows, memory
 * and its running slot. Idempotent; the batch in flight stays until its
 * write is done. */
static void job_wind_up(struct job *j) {
    if (j->is_staged) /* failed, or committed: the staged copies go */
        tl_store_import_clear(j->a->store, &j->sc, &j->p, j->import_id);
    j->is_staged = false;
    bool had_memory = j->im.text.data || j->im.split.pending.data;
    tl_import_release(&j->im);
    if (j->holds_slot)
        atomic_fetch_sub(&n_running, 1);
    j->holds_slot = false;
    /* The batches came and went in pieces of a few MiB: give the arenas'
     * free memory back to the system rather than hold it for the next
     * import. */
    if (had_memory)
        malloc_trim(0);
}

static void job_destroy(struct job *j) {
    job_wind_up(j);
    if (j->has_schema)
        tl_schema_release(&j->schema);
    tl_import_batch_release(&j->flight);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

/* free_state: the request ended (answered, refused or cut off). */
static void job_free(void *state) {
    struct job *j = state;
    pthread_mutex_lock(&j->mu);
    j->is_gone = true;
    bool is_writing = j->is_writing;
    pthread_mutex_unlock(&j->mu);
    if (!is_writing)
        job_destroy(j);
}

/* A write finished (on the store's writer thread). */
static void write_done(void *cb_arg, int rc) {
    struct job *j = cb_arg;
    pthread_mutex_lock(&j->mu);
    j->is_writing = false;
    j->write_rc = rc;
    bool is_gone = j->is_gone, is_parked = j->is_parked;
    j->is_parked = false;
    pthread_mutex_unlock(&j->mu);
    /* A parked request cannot end before it is resumed, so r is alive. */
    if (is_gone)
        job_destroy(j);
    else if (is_parked)
        tl_http_resume(j->r);
}

/* The import has failed with rc (the first reason wins): stop, give back
 * what it holds, and keep the answer for the handler. */
static void refuse(struct job *j, unsigned status, int rc) {
    if (j->refused_status || j->refused_rc)
        return;
    j->refused_status = status;
    j->refused_rc = rc ? rc : TL_EINVAL;
    job_wind_up(j);
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
        tl_api_fail(j->r, j->refused_rc, j->eb.msg);
    }
}

/* Wait until no write is in flight. True if the request is parked for it
 * instead (its callback is called again once the write is on disk). */
static bool wait_write(struct job *j) {
    pthread_mutex_lock(&j->mu);
    bool is_parked = false;
    if (j->is_writing) {
        /* under mu: write_done must see is_parked only once suspended */
        j->is_parked = is_parked = true;
        tl_http_suspend(j->r);
    }
    pthread_mutex_unlock(&j->mu);
    return is_parked;
}

/* If the write in flight has finished: give its batch back, or record its
 * failure. False once the import has failed. */
static bool after_write(struct job *j) {
    pthread_mutex_lock(&j->mu);
    bool is_done = !j->is_writing;
    int rc = j->write_rc;
    pthread_mutex_unlock(&j->mu);
    if (j->has_flight && is_done) {
        j->has_flight = false;
        tl_import_batch_release(&j->flight);
        if (!rc && j->is_flight_commit)
            j->is_committed = true;
        if (rc) {
            j->eb.msg[0] = '\0';
            refuse(j, 0, rc);
        }
    }
    return !j->refused_rc;
}

/* Hand the batch to the store (staged, or with the commit) and go on
 * parsing; after_write learns how it went. Call with no write in flight. */
static void start_write(struct job *j, bool is_commit) {
    int rc = tl_import_take(&j->im, &j->flight);
    if (rc) {
        refuse(j, 0, rc);
        return;
    }
    j->has_flight = true;
    j->is_flight_commit = is_commit;
    pthread_mutex_lock(&j->mu);
    j->is_writing = true;
    j->write_rc = 0;
    pthread_mutex_unlock(&j->mu);
    rc = is_commit ? tl_store_import_commit(j->a->store, &j->sc, &j->p, j->import_id,
                                            j->flight.items, j->flight.n, j->flight.preds,
                                            j->flight.n_preds, write_done, j)
                   : tl_store_import_stage(j->a->store, &j->sc, &j->p, j->import_id,
                                           j->flight.items, j->flight.n, j->flight.preds,
                                           j->flight.n_preds, write_done, j);
    if (rc) { /* nothing queued */
        pthread_mutex_lock(&j->mu);
        j->is_writing = false;
        j->write_rc = rc;
        pthread_mutex_unlock(&j->mu);
    } else if (!is_commit) {
        j->is_staged = true;
    }
}

/* Parse the project's schema once for the import's predictions: 0, or an
 * error with eb set (a stored schema that does not parse is our fault). */
static int load_schema(struct job *j, const struct tl_project *p) {
    json_t *js = p->schema_json ? json_loads(p->schema_json, 0, NULL) : NULL;
    if (!js)
        return tl_errf(&j->eb, TL_EINTERNAL, "stored schema is unreadable");
    int rc = tl_schema_parse(js, &j->schema, &j->eb);
    json_decref(js);
    if (rc)
        return rc == TL_ENOMEM ? rc : TL_EINTERNAL;
    j->has_schema = true;
    return 0;
}

/* The first call of a request (first body bytes, or an empty body): set
 * the job up, check the media type and take a running slot. NULL only when
 * out of memory. */
static struct job *job_start(struct tl_api *a, struct tl_http_req *r) {
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    struct tl_api_call *c = tl_api_call(r);
    j->a = a;
    j->r = r;
    j->sc = c->sc;
    j->p.pk = c->p.pk;
    memcpy(j->p.id, c->p.id, sizeof j->p.id);
    memcpy(j->p.tenant_id, c->p.tenant_id, sizeof j->p.tenant_id);
    j->import_id = tl_store_import_id();
    pthread_mutex_init(&j->mu, NULL);
    c->state = j;
    c->free_state = job_free;
    enum tl_import_format format;
    int rc;
    if (tl_import_format_of(tl_http_header(r, "Content-Type"), &format)) {
        refuse(j, 415, TL_EINVAL);
    } else if (atomic_fetch_add(&n_running, 1) >= IMPORT_MAX_RUNNING) {
        atomic_fetch_sub(&n_running, 1);
        refuse(j, 429, TL_ELIMIT);
    } else if (format != TL_IMPORT_CSV && (rc = load_schema(j, &c->p))) {
        atomic_fetch_sub(&n_running, 1);
        refuse(j, 0, rc);
    } else {
        j->holds_slot = true;
        if (format == TL_IMPORT_CSV)
            tl_import_init_csv(&j->im, IMPORT_MAX_ITEM, IMPORT_BATCH_BYTES, IMPORT_BATCH_ITEMS);
        else
            tl_import_init(&j->im, format == TL_IMPORT_ARRAY, IMPORT_MAX_ITEM,
                           IMPORT_BATCH_BYTES, IMPORT_BATCH_ITEMS);
        tl_import_set_schema(&j->im, j->has_schema ? &j->schema : NULL);
    }
    return j;
}

static struct job *job_of(void *app, struct tl_http_req *r) {
    struct tl_api_call *c = tl_api_call(r);
    return c->state ? c->state : job_start(app, r);
}

size_t tl_api_tasks_import_chunk(void *app, struct tl_http_req *r, const char *data, size_t len) {
    struct job *j = job_of(app, r);
    if (!j || !after_write(j))
        return len; /* refused: drop the rest, the handler answers */
    size_t used = 0;
    /* Bounded: each round consumes bytes or hands the full batch over. */
    while (used < len) {
        if (tl_import_is_full(&j->im)) {
            if (wait_write(j))
                return used; /* parked: the rest comes back after the resume */
            if (!after_write(j))
                return len;
            start_write(j, false);
            if (j->refused_rc)
                return len;
            continue;
        }
        size_t n;
        int rc = tl_import_feed(&j->im, data + used, len - used, &n, &j->eb);
        used += n;
        if (rc) {
            refuse(j, 0, rc);
            return len;
        }
    }
    return len;
}

void tl_api_tasks_import(void *app, struct tl_http_req *r) {
    struct job *j = job_of(app, r);
    if (!j) {
        tl_api_fail(r, TL_ENOMEM, NULL);
        return;
    }
    if (j->phase == P_BODY) {
        int rc = after_write(j) ? tl_import_end(&j->im, &j->eb) : 0;
        if (rc)
            refuse(j, 0, rc);
        j->phase = P_COMMIT;
    }
    if (j->phase == P_COMMIT && !j->refused_rc) {
        if (wait_write(j))
            return; /* parked: the last staged batch is being written */
        if (after_write(j))
            start_write(j, true);
        j->phase = P_COMMITTING;
    }
    if (!j->refused_rc && wait_write(j))
        return; /* parked: called again once the commit is on disk */
    if (!after_write(j)) {
        answer_refusal(j);
        return;
    }
    tl_http_respond_json(r, 201, json_pack("{s:I}", "imported", (json_int_t)j->im.total));
}
