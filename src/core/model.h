/* model.h: the values that labeling data is made of (tasks to import,
 * pre-labels, exported tasks with their annotations), shared by the store,
 * the import/export formats (schema/) and the API.
 *
 * They are plain values: no storage, no HTTP. The store produces and
 * consumes them; a format reads or writes them without knowing where they
 * are kept (so schema/ never includes store/store.h). Ownership is stated
 * per struct: borrowed bytes stay valid as long as the call or callback
 * that hands them out. */
#ifndef TL_CORE_MODEL_H
#define TL_CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/id.h"

/* One item to import: data is compact JSON, not necessarily NUL-terminated. */
struct tl_blob {
    const char *data;
    size_t len;
};

/* --- pre-labels: a model's proposed result for a task, imported with it,
 * stored apart from human annotations, shown as an editable start. --- */
#define TL_TASK_MAX_PREDICTIONS 100
#define TL_PREDICTION_MAX_MODEL 200

/* One prediction to import: the bytes are borrowed (checked by the
 * importer: result is compact JSON valid for the project's schema). */
struct tl_prediction_in {
    size_t item; /* index of its task in the items it comes with */
    const char *model;
    size_t model_len;
    const char *result;
    size_t result_len;
    double score;
    bool has_score;
};

/* A stored prediction; model and result are owned by whatever holds it
 * (a lease, or an export page during its callback). */
struct tl_prediction {
    char *model;
    char *result; /* compact JSON */
    size_t result_len;
    double score;
    bool has_score;
};
/* Free model and result (pr itself is the caller's). */
void tl_prediction_release(struct tl_prediction *pr);

struct tl_export_annotation {
    tl_id id;
    tl_id annotator_id;
    const char *result; /* valid during the callback only */
    size_t result_len;
    int64_t created_at_ms;
};

struct tl_export_task {
    tl_id id;
    const char *data; /* valid during the callback only */
    size_t data_len;
    const struct tl_export_annotation *annotations;
    size_t n_annotations;
    const struct tl_prediction *predictions; /* valid during the callback only */
    size_t n_predictions;
};

/* Called once per task, in task order; a non-zero return stops the page. */
typedef int (*tl_export_fn)(void *ctx, const struct tl_export_task *t);

#endif
