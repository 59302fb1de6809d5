/* tasks.c: POST /api/v1/projects/{id}/tasks: import, all or nothing, parsed
 * and stored in bounded batches as the body arrives.
 *
 * Why batches: the whole body used to be buffered, parsed into one tree and
 * re-encoded, which cost 30 times its size (a 60 MiB import peaked at
 * 1.8 GiB and kept 1.7 GiB). Now each full batch (IMPORT_BATCH_BYTES of
 * compact JSON) goes to the store's staging table while the request is
 * suspended (no server thread waits on the commit); the end of the body
 * commits: one write moves the staged rows and the last batch into tasks.
 * Any error, a refused request or a client that goes away deletes the
 * staged rows (job_free runs however the request ends). Who may import was
 * decided on the headers (api/routes.c); the store only filters by tenant
 * and project.
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
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
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

/* 1: park the request while its batch commits (tl_http_suspend), so no
 * server thread waits on an fsync. That needs the event-driven server:
 * libmicrohttpd 0.9.75 in thread-per-connection mode loses resumes (the
 * listening thread and the connection's thread poll the same wake-up fd),
 * so with that server (0) the connection's own thread waits instead. */
#ifndef IMPORT_SUSPENDS
#define IMPORT_SUSPENDS 0
#endif

static atomic_int n_running;

enum phase { P_BODY, P_COMMIT };

struct job {
    struct tl_api *a;
    struct tl_http_req *r;
    struct tl_scope sc;
    struct tl_project p; /* pk and ids only: no owned strings */
    struct tl_import im;
    int64_t import_id;
    enum phase phase;
    bool is_staged;    /* a batch went to the staging table */
    bool is_committed; /* the commit write succeeded */
    bool is_batch_out; /* a written batch still sits in im */
    bool holds_slot;   /* counted in n_running */
    unsigned refused_status; /* 415 or 429, else refused_rc decides */
    int refused_rc;          /* the import failed: answer this at the end */
    /* Shared with the store's writer thread, which finishes a write. */
    pthread_mutex_t mu;
    bool is_writing; /* a write is queued: its done callback is still to run */
    bool is_gone;    /* the request has ended: the last one out frees the job */
    int write_rc;
    sem_t written; /* !IMPORT_SUSPENDS: posted by write_done */
    struct tl_errbuf eb;
};

/* Give back what a finished or failed import holds: staged rows, memory
 * and its running slot. Idempotent. */
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
    pthread_mutex_destroy(&j->mu);
    sem_destroy(&j->written);
    free(j);
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
                              " or application/json (an array)");
    } else if (j->refused_status == 429) {
        tl_http_set_retry_after(j->r, IMPORT_RETRY_AFTER);
        tl_http_respond_error(j->r, 429, "busy", "%d imports are running: try again later",
                              IMPORT_MAX_RUNNING);
    } else {
        tl_api_fail(j->r, j->refused_rc, j->eb.msg);
    }
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
    bool is_gone = j->is_gone;
    pthread_mutex_unlock(&j->mu);
    /* A suspended request cannot end before it is resumed, so r is alive
     * unless the request had already ended (then nobody waits for it). */
    if (is_gone)
        job_destroy(j);
    else if (IMPORT_SUSPENDS)
        tl_http_resume(j->r);
    else
        sem_post(&j->written);
}

/* Queue the batch (staged, or the commit) to be written. Returns true if
 * the request is now parked until the write is on disk (its callback is
 * called again then), false once the write has finished here (or failed
 * to start: after_write reports it). */
static bool write_batch(struct job *j, bool is_commit) {
    int rc = tl_import_batch(&j->im);
    pthread_mutex_lock(&j->mu);
    j->is_writing = rc == 0;
    j->write_rc = rc;
    pthread_mutex_unlock(&j->mu);
    j->is_batch_out = true;
    if (rc)
        return false;
    if (IMPORT_SUSPENDS) /* before queueing: the write may finish at once */
        tl_http_suspend(j->r);
    rc = is_commit ? tl_store_import_commit(j->a->store, &j->sc, &j->p, j->import_id,
                                            j->im.items, j->im.n, write_done, j)
                   : tl_store_import_stage(j->a->store, &j->sc, &j->p, j->import_id,
                                           j->im.items, j->im.n, write_done, j);
    if (rc) { /* nothing queued */
        pthread_mutex_lock(&j->mu);
        j->is_writing = false;
        j->write_rc = rc;
        pthread_mutex_unlock(&j->mu);
        if (IMPORT_SUSPENDS)
            tl_http_resume(j->r);
        return IMPORT_SUSPENDS;
    }
    j->is_staged = j->is_staged || !is_commit;
    if (IMPORT_SUSPENDS)
        return true;
    while (sem_wait(&j->written) && errno == EINTR)
        ;
    return false;
}

/* After a write: take the batch back, or record its failure. False once
 * the import has failed. */
static bool after_write(struct job *j) {
    if (j->is_batch_out) {
        j->is_batch_out = false;
        tl_import_batch_reset(&j->im);
        pthread_mutex_lock(&j->mu);
        int rc = j->write_rc;
        pthread_mutex_unlock(&j->mu);
        if (!rc && j->phase == P_COMMIT)
            j->is_committed = true;
        if (rc) {
            j->eb.msg[0] = '\0';
            refuse(j, 0, rc);
        }
    }
    return !j->refused_rc;
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
    sem_init(&j->written, 0, 0);
    c->state = j;
    c->free_state = job_free;
    bool is_array;
    if (tl_import_media_type(tl_http_header(r, "Content-Type"), &is_array)) {
        refuse(j, 415, TL_EINVAL);
    } else if (atomic_fetch_add(&n_running, 1) >= IMPORT_MAX_RUNNING) {
        atomic_fetch_sub(&n_running, 1);
        refuse(j, 429, TL_ELIMIT);
    } else {
        j->holds_slot = true;
        tl_import_init(&j->im, is_array, IMPORT_MAX_ITEM, IMPORT_BATCH_BYTES,
                       IMPORT_BATCH_ITEMS);
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
    while (used < len) { /* each round consumes bytes or fills the batch */
        size_t n;
        int rc = tl_import_feed(&j->im, data + used, len - used, &n, &j->eb);
        used += n;
        if (rc) {
            refuse(j, 0, rc);
            return len;
        }
        if (tl_import_is_full(&j->im)) {
            if (write_batch(j, false))
                return used; /* parked: the rest comes back after the resume */
            if (!after_write(j))
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
    if (!after_write(j)) {
        answer_refusal(j);
        return;
    }
    if (j->phase == P_BODY) {
        int rc = tl_import_end(&j->im, &j->eb);
        if (rc) {
            refuse(j, 0, rc);
            answer_refusal(j);
            return;
        }
        j->phase = P_COMMIT;
        if (write_batch(j, true))
            return; /* parked: called again once the commit is on disk */
        if (!after_write(j)) {
            answer_refusal(j);
            return;
        }
    }
    tl_http_respond_json(r, 201, json_pack("{s:I}", "imported", (json_int_t)j->im.total));
}
