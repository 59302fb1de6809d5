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

/* At most this many annotations imported with one task (from another
 * tool's export, or Tally's own JSONL export). */
#define TL_TASK_MAX_IMPORTED 100

/* One prediction to import: the bytes are borrowed (checked by the
 * importer: result is compact JSON valid for the project's schema).
 *
 * An annotation imported with its task (is_annotation) travels the same
 * way: a result for an item and a name (model holds its source, such as
 * "labelstudio"), no score. It is a human label made elsewhere: stored
 * apart from predictions, exported among the task's annotations, with no
 * Tally annotator (the other tool's users are not Tally identities), and it
 * never counts toward a task's overlap. */
struct tl_prediction_in {
    size_t item; /* index of its task in the items it comes with */
    const char *model;
    size_t model_len;
    const char *result;
    size_t result_len;
    double score;
    bool has_score;
    bool is_annotation;
    /* quality (core): the item's gold answer ({FIELD: VALUE}, checked by
     * the importer with tl_schema_check_gold) rides here too, model "gold",
     * no score; the store keeps it on the task (tasks.gold), never as a
     * prediction. At most one per item. */
    bool is_gold;
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
    tl_id annotator_id; /* empty for an imported annotation */
    const char *source; /* NULL, or where an imported annotation came from */
    const char *result; /* valid during the callback only */
    size_t result_len;
    int64_t created_at_ms;
    /* quality (core): the annotation scored against its task's gold */
    double gold_score;
    bool has_gold_score;
};

struct tl_export_task {
    tl_id id;
    const char *data; /* valid during the callback only */
    size_t data_len;
    const struct tl_export_annotation *annotations;
    size_t n_annotations;
    const struct tl_prediction *predictions; /* valid during the callback only */
    size_t n_predictions;
    /* quality (core): the task's gold answer (compact JSON, valid during
     * the callback only), NULL for an ordinary task. Staff only: exports
     * and GET /tasks/{id} are refused to annotators. */
    const char *gold;
    size_t gold_len;
    /* quality: the task's aggregate (infer helper), valid during the
     * callback only; agg_method NULL when the task has none. result and
     * confidence are compact JSON objects {FIELD: VALUE} / {FIELD: P}. */
    const char *agg_method;
    const char *agg_result, *agg_confidence;
    size_t agg_result_len, agg_confidence_len;
};

/* Called once per task, in task order; a non-zero return stops the page. */
typedef int (*tl_export_fn)(void *ctx, const struct tl_export_task *t);

#endif
