/* bulk/import.h: the task import pipeline shared by the HTTP import
 * (api/tasks.c) and `tally import`: bytes in, parsed into bounded batches
 * (schema/jsonl.h), each full batch staged in the store while the next one
 * is parsed, one commit at the end: all or nothing. No HTTP, no SQL.
 *
 * Why a module of its own: it needs both schema/ (the parsers) and store/
 * (staging), and schema/ stays free of the storage interface, so it sits
 * above both, beside queue/.
 *
 * Memory: one batch being parsed plus one being written (TL_BULK_BATCH_BYTES
 * of compact JSON each, or TL_BULK_BATCH_ITEMS items), plus one item of at
 * most max_item bytes: flat for any input size.
 *
 * Flow control: the store writes asynchronously on its writer thread. When
 * a batch is full while the previous one is still being written,
 * tl_bulk_import_feed stops early and the caller waits for that write:
 * blocking (tl_bulk_import_wait, a CLI) or parked (tl_bulk_import_park, an
 * HTTP request suspended and resumed from the writer thread), then feeds
 * the rest.
 *
 * Failure: the first error wins. The import then gives back its memory and
 * deletes its staged rows at once (tl_store_import_clear); every later call
 * returns the same error, whose message (naming the line or item) is in
 * eb. Nothing of a failed import is ever visible.
 *
 * Ownership and threads: one caller thread drives an import; the writer
 * thread only runs the write callback. The import borrows the store (keep it
 * open until the import is freed) and copies the scope and project ids. */
#ifndef TL_BULK_IMPORT_H
#define TL_BULK_IMPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "schema/jsonl.h"
#include "schema/schema.h"
#include "store/store.h"

#define TL_BULK_BATCH_BYTES (4u << 20)
#define TL_BULK_BATCH_ITEMS 8192

struct tl_bulk_import {
    struct tl_errbuf eb; /* why the import failed (may be empty) */
    /* private */
    struct tl_store *store; /* borrowed */
    struct tl_scope sc;
    struct tl_project p;     /* pk and ids only: no owned strings */
    struct tl_import im;     /* the batch being parsed */
    struct tl_schema schema; /* the project's, for predictions */
    bool has_schema;
    int64_t import_id;
    size_t n_imported;             /* tasks parsed (stored once committed) */
    size_t n_staged;               /* tasks whose staging write succeeded */
    struct tl_import_batch flight; /* the batch handed to the store */
    bool has_flight;               /* flight holds a batch (written or not) */
    bool is_flight_commit;         /* flight went with the commit */
    bool is_staged;                /* a batch went to the staging table */
    bool is_ended;                 /* the input's end was parsed */
    bool is_commit_queued;
    bool is_committed; /* the commit write succeeded */
    int failed_rc;     /* the first error, 0 while all is well */
    /* Shared with the store's writer thread, which finishes a write. */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a write finished (tl_bulk_import_wait) */
    bool is_writing;   /* flight is queued: write_done is still to run */
    bool is_parked;    /* the caller is parked until write_done resumes it */
    bool is_gone;      /* freed while writing: write_done frees the import */
    int write_rc;
    void (*resume)(void *ctx); /* what write_done calls for a parked caller */
    void *resume_ctx;
};

/* Start an import of items of at most max_item bytes each in `format` into
 * project p (the caller has decided who may import; p needs pk, id and
 * tenant_id, plus schema_json unless the format is CSV, whose values are
 * plain strings without predictions), as sc's tenant. 0 and *out; TL_ENOMEM;
 * TL_EINTERNAL with a message in eb if the stored schema does not parse.
 * Free *out with tl_bulk_import_free. */
int tl_bulk_import_new(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       enum tl_import_format format, size_t max_item, struct tl_bulk_import **out,
                       struct tl_errbuf *eb);
/* Parse data[0..len), handing each full batch to the store. 0 with *used
 * the bytes consumed: fewer than len only when a full batch waits for the
 * write in flight (wait or park, then feed the rest). An error fails the
 * import: TL_EINVAL / TL_ETOOBIG (a bad item, named in eb), TL_ENOMEM, or
 * the store's error for a failed write. */
int tl_bulk_import_feed(struct tl_bulk_import *g, const char *data, size_t len, size_t *used);
/* The input has ended: parse its last item and commit. 0 with *is_waiting
 * false once the commit is durable (every task stored); 0 with *is_waiting
 * true while a write is in flight (wait or park, then call again); or the
 * import's error (an input without a task is TL_EINVAL). */
int tl_bulk_import_end(struct tl_bulk_import *g, bool *is_waiting);
/* The tasks parsed so far; after a successful end, the tasks stored. */
size_t tl_bulk_import_count(const struct tl_bulk_import *g);
/* Block until no write is in flight. */
void tl_bulk_import_wait(struct tl_bulk_import *g);
/* If a write is in flight: call suspend(ctx) under the import's lock (so
 * the write cannot finish before the caller is suspended), arrange for
 * resume(ctx) to run on the writer thread once it finishes, and return
 * true. Otherwise return false at once (feed or end again). */
bool tl_bulk_import_park(struct tl_bulk_import *g, void (*suspend)(void *ctx),
                         void (*resume)(void *ctx), void *ctx);
/* Give up or finish: an import not committed is cleared. Frees g now, or
 * (with a write in flight) from the writer thread once the write is done;
 * either way g must not be used again, and a parked caller is not resumed.
 * NULL is fine. */
void tl_bulk_import_free(struct tl_bulk_import *g);

#endif
