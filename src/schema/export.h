/* export.h: the table of export formats, shared by the HTTP export (which
 * streams it page by page) and `tally export` (which writes it to a file).
 *
 * An exporter turns exported tasks (core/model.h), fed in task order, into
 * one format's bytes. It never reads the store: the caller pages through
 * the tasks and hands each one over. A format that needs two passes (COCO
 * keeps images and annotations in separate arrays) says so after the first
 * pass; the caller then writes the seam and feeds every task again.
 *
 * Memory: each write appends to a caller's buffer whose ceiling the
 * exporter sets from a bound it computes first (tl_exporter_bound_*), so a
 * task that import accepted can always be written and nothing grows past
 * what the task itself justifies.
 *
 * Ownership: the exporter borrows the schema (keep it alive) and owns
 * its format state; release it with tl_exporter_release(). */
#ifndef TL_SCHEMA_EXPORT_H
#define TL_SCHEMA_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/model.h"
#include "schema/export_coco.h"
#include "schema/jsonl.h"
#include "schema/schema.h"

struct tl_export_format;

struct tl_exporter {
    const struct tl_export_format *fmt;
    const struct tl_schema *schema; /* borrowed */
    tl_annotator_name_fn name;
    void *name_ctx;
    bool is_second_pass;
    int64_t n_items; /* items written so far (a format's own counter) */
    void *state;     /* a format's own state (owned), NULL for most */
    struct tl_coco coco;
};

/* Set up an exporter for the format named: 0; TL_EINVAL with a message in
 * eb for an unknown format (naming the known ones) or a schema that has
 * nothing the format exports; TL_ENOMEM. name gives annotators' pseudonyms
 * (called with name_ctx). On failure there is nothing to release. */
int tl_exporter_open(struct tl_exporter *e, const char *format, const struct tl_schema *schema,
                     tl_annotator_name_fn name, void *name_ctx, struct tl_errbuf *eb);
/* The MIME type of the format's output. */
const char *tl_exporter_content_type(const struct tl_exporter *e);
/* A file name suffix for the output ("jsonl", "csv", "json", "tar", ...). */
const char *tl_exporter_extension(const struct tl_exporter *e);
/* Append what comes before the first task to out: 0, TL_ENOMEM. */
int tl_exporter_begin(struct tl_exporter *e, struct tl_buf *out);
/* Append one task's output: 0, TL_ENOMEM, or TL_ETOOBIG if its bound was
 * wrong (a bug: the exporter sets out->max from the bound itself). */
int tl_exporter_task(struct tl_exporter *e, struct tl_buf *out, const struct tl_export_task *t);
/* The first pass over the tasks has ended: true if the caller must feed
 * every task again (after this call appended the seam to out); false if the
 * export is complete after tl_exporter_end. *rc is 0 or an error. */
bool tl_exporter_next_pass(struct tl_exporter *e, struct tl_buf *out, int *rc);
/* Append what comes after the last task: 0, TL_ENOMEM. */
int tl_exporter_end(struct tl_exporter *e, struct tl_buf *out);
/* Free the format's state; e may be zeroed or released already. */
void tl_exporter_release(struct tl_exporter *e);

/* "jsonl, csv, ..." into buf (for usage and error messages). */
void tl_exporter_names(char *buf, size_t size);

#endif
