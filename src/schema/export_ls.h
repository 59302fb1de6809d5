/* export_ls.h: the Label Studio export: one JSON array of tasks, the form
 * Label Studio itself exports and imports:
 *
 *   [{"id":TASK_ID,"data":{...},
 *     "annotations":[{"id","created_at","annotator","result":[ITEM...]}],
 *     "predictions":[{"model_version","score"?,"result":[ITEM...]}]},
 *    ...]
 *
 * ITEMs are Label Studio result items ({"id","type","from_name","to_name",
 * "value"}) converted through the schema (lsjson.h). annotator is the
 * annotator's pseudonym, null for an annotation that was imported with its
 * task (Label Studio's own users are never stored, so never written). One
 * task per line inside the array, so the file also reads well line by
 * line.
 *
 * Importing this file into a project with the same schema and exporting
 * again gives the same tasks and the same result items (ids of tasks and
 * annotations are new: they are this store's). */
#ifndef TL_SCHEMA_EXPORT_LS_H
#define TL_SCHEMA_EXPORT_LS_H

#include <stddef.h>

#include "core/buf.h"
#include "core/model.h"
#include "schema/jsonl.h"
#include "schema/schema.h"

/* One task's converted text, made by tl_ls_export_prepare and written by
 * tl_ls_export_task: the conversion is the bound, so it is done once. */
struct tl_ls_export {
    char *text; /* owned, NULL when nothing is prepared */
    size_t len;
    size_t n_written;
};

/* Convert t: 0, TL_EINTERNAL for stored data or a result that does not
 * fit the schema, TL_ENOMEM. Then x->len bounds what the task writes. */
int tl_ls_export_prepare(struct tl_ls_export *x, const struct tl_schema *s,
                         const struct tl_export_task *t, tl_annotator_name_fn name, void *ctx);
/* Append the prepared task (after a separator from the one before). */
int tl_ls_export_task(struct tl_ls_export *x, struct tl_buf *out);
/* The separator and the task written by tl_ls_export_task at most. */
size_t tl_ls_export_bound(const struct tl_ls_export *x);
void tl_ls_export_release(struct tl_ls_export *x);

#endif
