/* bulk/export.h: a project's export in one format, produced piece by piece
 * from pages of the store, shared by the HTTP export (api/export.c, which
 * streams each piece to the client as it reads) and `tally export` (which
 * writes the pieces to a file or stdout), so both give the same bytes.
 *
 * Each piece is one or more pages of at most TL_BULK_EXPORT_PAGE_TASKS
 * tasks or TL_BULK_EXPORT_PAGE_BYTES of task data, each read in its own
 * short read transaction: memory stays flat for any project size and no
 * long read transaction holds back WAL checkpoints. Formats come from the
 * table in schema/export.h; annotators are named by their pseudonym for the
 * project's tenant (crypto.h: tl_pseudonym), as everywhere customers see
 * them, except the tenant's own staff, who appear under their email
 * (authz/policy.h: tl_policy_shows_email). Those are read once when the
 * export opens (a lookup per annotation would need a second read
 * connection while a page holds one). No HTTP, no SQL.
 *
 * Ownership: the export borrows the store (keep it open) and owns its copy
 * of the project and the parsed schema; release with tl_bulk_export_release. */
#ifndef TL_BULK_EXPORT_H
#define TL_BULK_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/id.h"
#include "crypto/crypto.h"
#include "schema/export.h"
#include "schema/schema.h"
#include "store/store.h"

#define TL_BULK_EXPORT_PAGE_TASKS 256
/* A page stops once its tasks' data reach this (the store always returns at
 * least one task), so a piece is about this plus one task's output. */
#define TL_BULK_EXPORT_PAGE_BYTES (4u << 20)

/* Pseudonyms remembered during one export: a project has far fewer
 * annotators than annotations, and each name is a keyed hash. */
#define TL_BULK_EXPORT_NAMES 256

struct tl_bulk_export_name {
    tl_id user_id; /* "" while the slot is empty */
    char name[TL_PSEUDONYM_LEN + 1];
};

struct tl_bulk_export {
    int64_t n_tasks; /* tasks exported so far (a second pass counts none) */
    /* private */
    struct tl_bulk_export_name names[TL_BULK_EXPORT_NAMES]; /* direct-mapped by user id */
    struct tl_exporter ex;
    struct tl_schema schema; /* the project's, parsed once for the export */
    struct tl_store *store;  /* borrowed */
    struct tl_scope sc;
    struct tl_project p; /* owned */
    int64_t cursor;
    bool is_begun, is_done;
    struct tl_user *staff; /* owned: the tenant's staff, by id, named by email */
    size_t n_staff;
};

/* Set up the export of project p (fetched through the caller's scope sc,
 * or tl_store_project_get_admin) in the format named. Takes over p's
 * strings on success (p is zeroed; release it either way). 0; TL_EINVAL with
 * a message in eb for an unknown format (naming the known ones) or a schema
 * the format cannot export; TL_EINTERNAL for a stored schema that does not
 * parse; TL_ENOMEM. On failure there is nothing to release. */
int tl_bulk_export_open(struct tl_bulk_export *x, struct tl_store *s, const struct tl_scope *sc,
                        struct tl_project *p, const char *format, struct tl_errbuf *eb);
/* The MIME type of the output. */
const char *tl_bulk_export_content_type(const struct tl_bulk_export *x);
/* Append the next piece of output to out (which the exporter bounds):
 * 0 with at least one byte appended, or with *is_done set once the export
 * is complete (nothing more will come); or a store or format error (the
 * output so far is then incomplete). */
int tl_bulk_export_next(struct tl_bulk_export *x, struct tl_buf *out, bool *is_done);
/* Free everything; x may be zeroed or released already. */
void tl_bulk_export_release(struct tl_bulk_export *x);

#endif
