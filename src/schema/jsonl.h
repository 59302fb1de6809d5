/* jsonl.h: task import (JSON Lines, a JSON array or CSV) and JSONL export
 * lines.
 *
 * Import is incremental: the body is fed in pieces as it arrives, cut into
 * items by the splitter (split.h), each item parsed alone and kept as
 * compact JSON in the current batch; the caller stores a batch once it is
 * full and resets it, so memory is bounded by one batch plus one item, not
 * by the body. All or nothing is the caller's part (the store stages
 * batches); the first bad item is reported by number ("line 3: ...",
 * "item 2: ..."). A task of the form {"data":{...}} (data the only key)
 * stands for its inner object. Sizes are never estimated here: the body's
 * own bytes are what the server counts against its ceiling.
 *
 * CSV (csvtasks.h): each data row is a task of string values keyed by the
 * header; the same batches, the same line numbers in errors.
 *
 * Pre-labels: a JSON task may carry "predictions":[{"model":NAME,
 * "result":{...},"score":X}]: model a non-empty string of at most
 * TL_PREDICTION_MAX_MODEL bytes, score optional in [0,1], result checked
 * with tl_schema_validate against the schema set by tl_import_set_schema
 * (without one, predictions are refused), no other keys, at most
 * TL_TASK_MAX_PREDICTIONS per task. The key is taken out of the task's data
 * (before the {"data":{...}} unwrapping) and the predictions go to the
 * batch's preds, in item order, each naming its item. One bad prediction
 * fails the import like a bad task ("line 3: prediction 2: ...").
 *
 * Gold (docs/quality-projects.md): a wrapped task may carry "gold":
 * {FIELD: VALUE} (null: none), checked with tl_schema_check_gold against
 * the schema and the task's data; it goes to preds as one entry with
 * is_gold set. A bad gold fails the import ("line 3: gold: ..."). */
#ifndef TL_SCHEMA_JSONL_H
#define TL_SCHEMA_JSONL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "schema/csvtasks.h"
#include "schema/schema.h"
#include "schema/split.h"
#include "core/model.h"

/* Compact JSON is at most this many times its source item (a number such
 * as 1e-7 prints as 9.9999999999999995e-08): the batch's ceiling allows
 * one item of max_item bytes re-encoded. */
#define TL_IMPORT_EXPANSION 8

struct tl_import {
    /* the batch, as set by tl_import_batch (or tl_import_parse) */
    struct tl_blob *items; /* point into text */
    size_t n;
    struct tl_prediction_in *preds; /* point into text; preds[i].item < n */
    size_t n_preds;
    struct tl_buf text; /* owns every item's bytes */
    size_t total;       /* items parsed so far, over all batches */
    /* private */
    bool is_csv;
    struct tl_split split;
    struct tl_csvt csv;
    const struct tl_schema *schema; /* borrowed: predictions are checked against it */
    size_t *offs;                   /* (start, len) in text per batch item */
    size_t cap, batch_bytes, batch_items;
    struct tl_import_pred_off *poffs; /* where each prediction's parts lie in text */
    size_t pcap;
};

/* The bytes of one parsed prediction, as offsets (text may move). */
struct tl_import_pred_off {
    size_t item, model, model_len, result, result_len;
    double score;
    bool has_score;
    bool is_annotation;
    bool is_gold; /* quality (core): the item's gold answer (model.h) */
};

/* Set up an incremental import of JSON Lines, or of one JSON array if
 * is_array: items of at most max_item bytes; the batch is full at
 * batch_bytes of compact JSON or batch_items items. Allocates nothing. */
void tl_import_init(struct tl_import *im, bool is_array, size_t max_item, size_t batch_bytes,
                    size_t batch_items);
/* The same for a CSV body (csvtasks.h); max_item bounds one record. */
void tl_import_init_csv(struct tl_import *im, size_t max_item, size_t batch_bytes,
                        size_t batch_items);
/* Check predictions against schema (borrowed: keep it alive while the
 * import runs). Without it, a task with predictions is refused. */
void tl_import_set_schema(struct tl_import *im, const struct tl_schema *schema);
/* Parse items from data[0..len) into the batch until the data is used up or
 * the batch is full. 0 with *used the bytes consumed (fewer than len only
 * when full); TL_EINVAL or TL_ETOOBIG with the item named in eb; TL_ENOMEM.
 * After an error the import is spent (release it). */
int tl_import_feed(struct tl_import *im, const char *data, size_t len, size_t *used,
                   struct tl_errbuf *eb);
/* The body has ended: parse its last item. 0, or TL_EINVAL (a cut-off
 * array, or no task in the whole body) with a message in eb. */
int tl_import_end(struct tl_import *im, struct tl_errbuf *eb);
/* True when the batch should be stored before more is fed. */
bool tl_import_is_full(const struct tl_import *im);
/* Point im->items / im->n at the batch: 0 or TL_ENOMEM. The items stay
 * valid until the next feed, end or reset. */
int tl_import_batch(struct tl_import *im);
/* A batch taken out of an import, stored while the import parses the next. */
struct tl_import_batch {
    struct tl_blob *items; /* point into text */
    size_t n;
    struct tl_prediction_in *preds; /* point into text */
    size_t n_preds;
    struct tl_buf text;
};
/* Move the batch into *out (its items stay valid until it is released) and
 * start an empty one: 0 or TL_ENOMEM (then nothing moved). */
int tl_import_take(struct tl_import *im, struct tl_import_batch *out);
void tl_import_batch_release(struct tl_import_batch *b);
/* Empty the batch (after it is stored); total keeps counting. */
void tl_import_batch_reset(struct tl_import *im);
/* Free everything; im may be zeroed or already released. */
void tl_import_release(struct tl_import *im);

/* Parse a whole body at once into one batch (im->items, im->n): 0,
 * TL_EINVAL with the item number in eb, TL_ENOMEM. Release *out always. */
int tl_import_parse(const char *body, size_t len, bool is_array, struct tl_import *out,
                    struct tl_errbuf *eb);

/* Which import format a Content-Type names, matched exactly (ASCII case
 * aside) with any parameters after ';': application/json is an array;
 * application/x-ndjson and application/jsonl are lines. 0 with *is_array,
 * or TL_EINVAL for anything else (NULL included). */
int tl_import_media_type(const char *content_type, bool *is_array);

enum tl_import_format { TL_IMPORT_LINES, TL_IMPORT_ARRAY, TL_IMPORT_CSV };
/* tl_import_media_type with text/csv too: 0 with *format, or TL_EINVAL. */
int tl_import_format_of(const char *content_type, enum tl_import_format *format);

/* Names an annotator for export (a pseudonym, or the email of the tenant's
 * own staff: authz/policy.h): writes at most TL_ANNOTATOR_NAME_MAX - 1
 * bytes and a NUL. */
#define TL_ANNOTATOR_NAME_MAX 256
typedef void (*tl_annotator_name_fn)(void *ctx, const char *user_id,
                                     char out[TL_ANNOTATOR_NAME_MAX]);

/* Append one export line for t (with its '\n') to b:
 * {"id","data","annotations":[{"id","annotator","result","created_at"}],
 *  "predictions":[{"model","result","score"?}]} (predictions oldest first,
 * apart from the human annotations); quality (core): an annotation scored
 * against gold has "gold_score", a gold task has "gold" (staff only). */
int tl_jsonl_export_task(struct tl_buf *b, const struct tl_export_task *t,
                         tl_annotator_name_fn name, void *ctx);

#endif
