/* bulk/import.c: see import.h.
 *
 * Why batches: the whole body used to be buffered, parsed into one tree and
 * re-encoded, which cost 30 times its size (a 60 MiB import peaked at
 * 1.8 GiB and kept 1.7 GiB). Now each full batch goes to the store's
 * staging table while the next batch is parsed (two batches at most: one
 * parsing, one being written); the end commits: one write copies the
 * staged rows and the last batch into tasks. Any error deletes the staged
 * rows, and so does a commit (the staged copies are not needed any more).
 * The store only filters by tenant and project. */
#include "bulk/import.h"

#include <jansson.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

/* Give back what a finished or failed import holds: staged rows and
 * memory. Idempotent; the batch in flight stays until its write is done. */
static void wind_up(struct tl_bulk_import *g) {
    if (g->is_staged) /* failed, or committed: the staged copies go */
        tl_store_import_clear(g->store, &g->sc, &g->p, g->import_id);
    g->is_staged = false;
    bool had_memory = g->im.text.data || g->im.split.pending.data;
    tl_import_release(&g->im);
    /* The batches came and went in pieces of a few MiB: give the arenas'
     * free memory back to the system rather than hold it for the next
     * import. */
    if (had_memory)
        malloc_trim(0);
}

static void destroy(struct tl_bulk_import *g) {
    wind_up(g);
    if (g->has_schema)
        tl_schema_release(&g->schema);
    tl_import_batch_release(&g->flight);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
}

/* The import has failed with rc (the first reason wins): stop and give
 * back what it holds. Returns the import's error. */
static int fail(struct tl_bulk_import *g, int rc) {
    if (!g->failed_rc) {
        g->failed_rc = rc ? rc : TL_EINVAL;
        wind_up(g);
    }
    return g->failed_rc;
}

/* A write finished (on the store's writer thread). */
static void write_done(void *cb_arg, int rc) {
    struct tl_bulk_import *g = cb_arg;
    pthread_mutex_lock(&g->mu);
    g->is_writing = false;
    g->write_rc = rc;
    bool is_gone = g->is_gone, is_parked = g->is_parked;
    g->is_parked = false;
    void (*resume)(void *) = g->resume;
    void *ctx = g->resume_ctx;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    /* A parked caller cannot free the import before it is resumed, so g is
     * alive unless it was freed while writing. */
    if (is_gone)
        destroy(g);
    else if (is_parked)
        resume(ctx);
}

static bool is_writing(struct tl_bulk_import *g) {
    pthread_mutex_lock(&g->mu);
    bool is = g->is_writing;
    pthread_mutex_unlock(&g->mu);
    return is;
}

/* If the write in flight has finished: give its batch back, or record its
 * failure. False once the import has failed. */
static bool after_write(struct tl_bulk_import *g) {
    pthread_mutex_lock(&g->mu);
    bool is_done = !g->is_writing;
    int rc = g->write_rc;
    pthread_mutex_unlock(&g->mu);
    if (g->has_flight && is_done) {
        g->has_flight = false;
        if (!rc && !g->is_flight_commit)
            g->n_staged += g->flight.n;
        tl_import_batch_release(&g->flight);
        if (rc == TL_ECONFLICT && g->is_flight_commit) {
            fail(g, tl_errf(&g->eb, rc,
                            "the import's staged batches are gone (a server that"
                            " starts deletes them): import again"));
        } else if (rc) {
            g->eb.msg[0] = '\0';
            fail(g, rc);
        } else if (g->is_flight_commit) {
            g->is_committed = true;
            wind_up(g);
        }
    }
    return !g->failed_rc;
}

/* Hand the batch to the store (staged, or with the commit) and go on
 * parsing; after_write learns how it went. Call with no write in flight. */
static void start_write(struct tl_bulk_import *g, bool is_commit) {
    int rc = tl_import_take(&g->im, &g->flight);
    if (rc) {
        fail(g, rc);
        return;
    }
    g->has_flight = true;
    g->is_flight_commit = is_commit;
    pthread_mutex_lock(&g->mu);
    g->is_writing = true;
    g->write_rc = 0;
    pthread_mutex_unlock(&g->mu);
    const struct tl_import_batch *b = &g->flight;
    rc = is_commit ? tl_store_import_commit(g->store, &g->sc, &g->p, g->import_id, g->n_staged,
                                            b->items, b->n, b->preds, b->n_preds, write_done, g)
                   : tl_store_import_stage(g->store, &g->sc, &g->p, g->import_id, b->items, b->n,
                                           b->preds, b->n_preds, write_done, g);
    if (rc) { /* nothing queued */
        pthread_mutex_lock(&g->mu);
        g->is_writing = false;
        g->write_rc = rc;
        pthread_mutex_unlock(&g->mu);
    } else if (!is_commit) {
        g->is_staged = true;
    }
}

/* Parse the project's schema once for the import's predictions: 0, or an
 * error with eb set (a stored schema that does not parse is our fault). */
static int load_schema(struct tl_bulk_import *g, const char *schema_json, struct tl_errbuf *eb) {
    json_t *js = schema_json ? json_loads(schema_json, 0, NULL) : NULL;
    if (!js)
        return tl_errf(eb, TL_EINTERNAL, "stored schema is unreadable");
    int rc = tl_schema_parse(js, &g->schema, eb);
    json_decref(js);
    if (rc)
        return rc == TL_ENOMEM ? rc : TL_EINTERNAL;
    g->has_schema = true;
    return 0;
}

int tl_bulk_import_new(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       enum tl_import_format format, size_t max_item, struct tl_bulk_import **out,
                       struct tl_errbuf *eb) {
    *out = NULL;
    if (p->is_archived)
        return tl_errf(eb, TL_ECONFLICT, "the project is archived: unarchive it to import");
    struct tl_bulk_import *g = calloc(1, sizeof *g);
    if (!g)
        return TL_ENOMEM;
    g->store = s;
    g->sc = *sc;
    g->p.pk = p->pk;
    memcpy(g->p.id, p->id, sizeof g->p.id);
    memcpy(g->p.tenant_id, p->tenant_id, sizeof g->p.tenant_id);
    g->import_id = tl_store_import_id();
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    int rc = format == TL_IMPORT_CSV ? 0 : load_schema(g, p->schema_json, eb);
    if (rc) {
        destroy(g);
        return rc;
    }
    if (format == TL_IMPORT_CSV)
        tl_import_init_csv(&g->im, max_item, TL_BULK_BATCH_BYTES, TL_BULK_BATCH_ITEMS);
    else
        tl_import_init(&g->im, format == TL_IMPORT_ARRAY, max_item, TL_BULK_BATCH_BYTES,
                       TL_BULK_BATCH_ITEMS);
    tl_import_set_schema(&g->im, g->has_schema ? &g->schema : NULL);
    *out = g;
    return 0;
}

int tl_bulk_import_feed(struct tl_bulk_import *g, const char *data, size_t len, size_t *used) {
    *used = 0;
    if (g->is_ended)
        return fail(g, TL_EINTERNAL);
    if (!after_write(g))
        return g->failed_rc;
    /* Bounded: each round consumes bytes or hands the full batch over. */
    while (*used < len) {
        if (tl_import_is_full(&g->im)) {
            if (is_writing(g))
                return 0; /* the caller waits, then feeds the rest */
            if (!after_write(g))
                return g->failed_rc;
            start_write(g, false);
            if (g->failed_rc)
                return g->failed_rc;
            continue;
        }
        size_t n;
        int rc = tl_import_feed(&g->im, data + *used, len - *used, &n, &g->eb);
        *used += n;
        g->n_imported = g->im.total;
        if (rc)
            return fail(g, rc);
    }
    return 0;
}

int tl_bulk_import_end(struct tl_bulk_import *g, bool *is_waiting) {
    *is_waiting = false;
    if (!g->is_ended) {
        g->is_ended = true;
        int rc = after_write(g) ? tl_import_end(&g->im, &g->eb) : 0;
        if (rc)
            return fail(g, rc);
        g->n_imported = g->im.total;
    }
    for (;;) {
        if (g->failed_rc)
            return g->failed_rc;
        if (is_writing(g)) {
            *is_waiting = true;
            return 0;
        }
        if (!after_write(g))
            return g->failed_rc;
        if (g->is_committed)
            return 0;
        if (g->is_commit_queued) /* finished, neither failed nor committed */
            return fail(g, TL_EINTERNAL);
        g->is_commit_queued = true;
        start_write(g, true);
    }
}

size_t tl_bulk_import_count(const struct tl_bulk_import *g) {
    return g->n_imported;
}

void tl_bulk_import_wait(struct tl_bulk_import *g) {
    pthread_mutex_lock(&g->mu);
    while (g->is_writing)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

bool tl_bulk_import_park(struct tl_bulk_import *g, void (*suspend)(void *ctx),
                         void (*resume)(void *ctx), void *ctx) {
    pthread_mutex_lock(&g->mu);
    bool is_parked = g->is_writing;
    if (is_parked) {
        /* under mu: write_done must see is_parked only once suspended */
        g->is_parked = true;
        g->resume = resume;
        g->resume_ctx = ctx;
        suspend(ctx);
    }
    pthread_mutex_unlock(&g->mu);
    return is_parked;
}

void tl_bulk_import_free(struct tl_bulk_import *g) {
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->is_gone = true;
    g->is_parked = false;
    bool is_writing_now = g->is_writing;
    pthread_mutex_unlock(&g->mu);
    if (!is_writing_now)
        destroy(g);
}
