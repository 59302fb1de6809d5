/* jsonl.c: see jsonl.h. */
#include "schema/jsonl.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "schema/lsjson.h"
#include "schema/score.h"

void tl_import_init(struct tl_import *im, bool is_array, size_t max_item, size_t batch_bytes,
                    size_t batch_items) {
    memset(im, 0, sizeof *im);
    tl_split_init(&im->split, is_array, max_item);
    size_t room = max_item > (SIZE_MAX / 4) / TL_IMPORT_EXPANSION
                      ? SIZE_MAX / 4
                      : max_item * TL_IMPORT_EXPANSION;
    tl_buf_init(&im->text, batch_bytes > SIZE_MAX / 4 - room ? SIZE_MAX / 4 : batch_bytes + room);
    im->batch_bytes = batch_bytes;
    im->batch_items = batch_items ? batch_items : 1;
}

void tl_import_init_csv(struct tl_import *im, size_t max_item, size_t batch_bytes,
                        size_t batch_items) {
    tl_import_init(im, false, max_item, batch_bytes, batch_items);
    im->is_csv = true;
    tl_csvt_init(&im->csv, max_item);
}

void tl_import_set_schema(struct tl_import *im, const struct tl_schema *schema) {
    im->schema = schema;
}

void tl_import_release(struct tl_import *im) {
    tl_split_release(&im->split);
    tl_csvt_release(&im->csv);
    free(im->items);
    free(im->offs);
    free(im->preds);
    free(im->poffs);
    tl_buf_release(&im->text);
    im->items = NULL;
    im->offs = NULL;
    im->preds = NULL;
    im->poffs = NULL;
    im->n = im->cap = im->n_preds = im->pcap = 0;
}

bool tl_import_is_full(const struct tl_import *im) {
    return im->n >= im->batch_items || im->text.len >= im->batch_bytes;
}

static int dump_to_buf(const char *p, size_t n, void *ctx) {
    return tl_buf_append(ctx, p, n) ? -1 : 0;
}

/* Room for one more item's offsets. */
static int grow_items(struct tl_import *im) {
    if (im->n < im->cap)
        return 0;
    size_t cap = im->cap ? im->cap * 2 : 256;
    size_t *grown = realloc(im->offs, cap * 2 * sizeof *grown);
    if (!grown)
        return TL_ENOMEM;
    im->offs = grown;
    im->cap = cap;
    return 0;
}

/* Append v to the batch text as compact JSON; TL_ETOOBIG past its ceiling. */
static int dump(struct tl_import *im, const json_t *v, const char *what, size_t no,
                struct tl_errbuf *eb) {
    if (json_dump_callback(v, dump_to_buf, &im->text, JSON_COMPACT) == 0)
        return 0;
    return im->text.len + 64 > im->text.max ? tl_errf(eb, TL_ETOOBIG, "%s %zu: too large", what, no)
                                            : TL_ENOMEM;
}

/* Add a checked prediction (or imported annotation) to the batch: its
 * name (model or source) and its result as compact JSON. */
static int keep_pred(struct tl_import *im, const char *model, size_t model_len,
                     const json_t *result, const json_t *score, bool is_annotation,
                     const char *what, size_t no, struct tl_errbuf *eb) {
    if (im->n_preds == im->pcap) {
        size_t cap = im->pcap ? im->pcap * 2 : 64;
        struct tl_import_pred_off *grown = realloc(im->poffs, cap * sizeof *grown);
        if (!grown)
            return TL_ENOMEM;
        im->poffs = grown;
        im->pcap = cap;
    }
    struct tl_import_pred_off *o = &im->poffs[im->n_preds];
    o->item = im->n;
    o->model = im->text.len;
    o->model_len = model_len;
    int rc = tl_buf_append(&im->text, model, model_len);
    if (rc)
        return rc == TL_ETOOBIG ? tl_errf(eb, rc, "%s %zu: too large", what, no) : rc;
    o->result = im->text.len;
    rc = dump(im, result, what, no, eb);
    if (rc)
        return rc;
    o->result_len = im->text.len - o->result;
    o->has_score = json_is_number(score);
    o->score = o->has_score ? json_number_value(score) : 0;
    o->is_annotation = is_annotation;
    o->is_gold = false;
    im->n_preds++;
    return 0;
}

/* The result of a prediction or imported annotation as a Tally result: as
 * it is (an object), or converted from Label Studio's list of result items
 * (*is_ls set); then checked against the task's own data, as a submission
 * is (spans' offsets must fall inside the text they mark). *out is a new
 * reference. */
static int import_result(struct tl_import *im, const json_t *result, const json_t *task,
                         json_t **out, bool *is_ls, struct tl_errbuf *why) {
    *is_ls = json_is_array(result);
    *out = NULL;
    if (!result)
        return tl_errf(why, TL_EINVAL, "result is required");
    int rc = 0;
    if (*is_ls)
        rc = tl_lsjson_to_result(im->schema, result, task, out, why);
    else
        *out = json_incref((json_t *)result);
    if (!rc && tl_schema_validate_imported(im->schema, *out, task, why))
        rc = TL_EINVAL;
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* Check prediction k (from 1) of an item and add its parts to the batch.
 * Tally's form {"model","result":{...},"score"} admits no other key; Label
 * Studio's (result a list) takes model_version as the model ("labelstudio"
 * without one) and ignores the bookkeeping keys Label Studio adds. */
static int add_prediction(struct tl_import *im, const json_t *pr, const json_t *task, size_t k,
                          const char *what, size_t no, struct tl_errbuf *eb) {
    if (!json_is_object(pr))
        return tl_errf(eb, TL_EINVAL, "%s %zu: prediction %zu: must be an object", what, no, k);
    const json_t *result = json_object_get(pr, "result");
    bool is_ls = json_is_array(result);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)pr, key, v) {
        if (!is_ls && strcmp(key, "model") && strcmp(key, "result") && strcmp(key, "score"))
            return tl_errf(eb, TL_EINVAL, "%s %zu: prediction %zu: unknown key \"%.64s\"", what,
                           no, k, key);
    }
    const json_t *model = json_object_get(pr, is_ls ? "model_version" : "model");
    const json_t *score = json_object_get(pr, "score");
    if (is_ls && json_string_length(model) == 0)
        model = NULL;
    if (is_ls && json_is_null(score))
        score = NULL;
    const char *name = model ? json_string_value(model) : is_ls ? "labelstudio" : NULL;
    size_t model_len = model ? json_string_length(model) : name ? strlen(name) : 0;
    if (!name || model_len == 0 || model_len > TL_PREDICTION_MAX_MODEL)
        return tl_errf(eb, TL_EINVAL,
                       "%s %zu: prediction %zu: %s must be a string of 1 to %d bytes", what, no,
                       k, is_ls ? "model_version" : "model", TL_PREDICTION_MAX_MODEL);
    double value = json_number_value(score);
    if (score && (!json_is_number(score) || !isfinite(value) || value < 0 || value > 1))
        return tl_errf(eb, TL_EINVAL, "%s %zu: prediction %zu: score must be a number in [0,1]",
                       what, no, k);
    struct tl_errbuf why = {{0}};
    json_t *conv;
    int rc = import_result(im, result, task, &conv, &is_ls, &why);
    if (rc)
        return rc == TL_ENOMEM ? rc
                               : tl_errf(eb, TL_EINVAL, "%s %zu: prediction %zu: %s", what, no, k,
                                         why.msg);
    rc = keep_pred(im, name, model_len, conv, score, false, what, no, eb);
    json_decref(conv);
    return rc;
}

/* Check annotation k (from 1) of a wrapped item and add it to the batch.
 * Only its result is kept, with where it came from: Tally's JSONL export
 * (result an object; its "source" if it was imported there, else "jsonl")
 * or Label Studio's (result a list: "labelstudio"). The rest (ids,
 * annotators, Label Studio's completed_by with its email) is not an
 * identity here and is dropped. A cancelled Label Studio annotation is no
 * label: skipped. */
static int add_annotation(struct tl_import *im, const json_t *an, const json_t *task, size_t k,
                          const char *what, size_t no, struct tl_errbuf *eb) {
    if (!json_is_object(an))
        return tl_errf(eb, TL_EINVAL, "%s %zu: annotation %zu: must be an object", what, no, k);
    if (json_is_true(json_object_get(an, "was_cancelled")))
        return 0;
    const json_t *src = json_object_get(an, "source");
    struct tl_errbuf why = {{0}};
    json_t *conv;
    bool is_ls;
    int rc = import_result(im, json_object_get(an, "result"), task, &conv, &is_ls, &why);
    if (rc)
        return rc == TL_ENOMEM ? rc
                               : tl_errf(eb, TL_EINVAL, "%s %zu: annotation %zu: %s", what, no, k,
                                         why.msg);
    const char *name = is_ls ? "labelstudio" : "jsonl";
    size_t len = strlen(name);
    if (!is_ls && json_string_length(src) > 0 && json_string_length(src) <= TL_PREDICTION_MAX_MODEL) {
        name = json_string_value(src);
        len = json_string_length(src);
    }
    rc = keep_pred(im, name, len, conv, NULL, true, what, no, eb);
    json_decref(conv);
    return rc;
}

/* A task's predictions (add == add_prediction) or annotations: a list of
 * at most max, checked against the schema. */
static int add_list(struct tl_import *im, const json_t *list, const json_t *task, const char *noun,
                    size_t max,
                    int (*add)(struct tl_import *, const json_t *, const json_t *, size_t,
                               const char *, size_t, struct tl_errbuf *),
                    const char *what, size_t no, struct tl_errbuf *eb) {
    if (!json_is_array(list))
        return tl_errf(eb, TL_EINVAL, "%s %zu: %ss must be an array", what, no, noun);
    size_t n = json_array_size(list);
    if (n > max)
        return tl_errf(eb, TL_EINVAL, "%s %zu: more than %zu %ss", what, no, max, noun);
    if (n && !im->schema)
        return tl_errf(eb, TL_EINVAL, "%s %zu: %ss need the project's schema", what, no, noun);
    for (size_t k = 0; k < n; k++) {
        int rc = add(im, json_array_get(list, k), task, k + 1, what, no, eb);
        if (rc)
            return rc;
    }
    return 0;
}

/* quality (core): a wrapped task's "gold" ({FIELD: VALUE}; null: none),
 * checked with tl_schema_check_gold against the schema and the task's data,
 * kept like a prediction of kind gold (model.h). */
static int add_gold(struct tl_import *im, const json_t *gold, const json_t *task,
                    const char *what, size_t no, struct tl_errbuf *eb) {
    if (json_is_null(gold))
        return 0;
    if (!im->schema)
        return tl_errf(eb, TL_EINVAL, "%s %zu: gold needs the project's schema", what, no);
    struct tl_errbuf why = {{0}};
    int rc = tl_schema_check_gold(im->schema, gold, task, &why);
    if (rc)
        return rc == TL_ENOMEM ? rc : tl_errf(eb, TL_EINVAL, "%s %zu: %s", what, no, why.msg);
    rc = keep_pred(im, "gold", 4, gold, NULL, false, what, no, eb);
    if (!rc)
        im->poffs[im->n_preds - 1].is_gold = true;
    return rc;
}

/* The item just appended at text[start..] is complete: count it. */
static void keep_item(struct tl_import *im, size_t start, size_t len) {
    im->offs[2 * im->n] = start;
    im->offs[2 * im->n + 1] = len;
    im->n++;
    im->total++;
}

/* A task in the wrapped form {"data":{...}, ...}: data alone, or with
 * keys about the task (Label Studio's id and meta, an export's
 * annotations and predictions). Its data is the task; the other keys but
 * predictions and annotations are dropped. */
static bool is_wrapped(const json_t *obj) {
    if (!json_is_object(json_object_get(obj, "data")))
        return false;
    return json_object_size(obj) == 1 || json_object_get(obj, "id") ||
           json_object_get(obj, "meta") || json_object_get(obj, "annotations") ||
           json_object_get(obj, "predictions") || json_object_get(obj, "gold");
}

/* Take key out of obj: a new reference, or NULL. */
static json_t *take(json_t *obj, const char *key) {
    json_t *v = json_object_get(obj, key);
    if (v) {
        json_incref(v);
        json_object_del(obj, key);
    }
    return v;
}

/* Parse one item and append it to the batch as compact JSON, then its
 * predictions and imported annotations; on failure the batch is as it
 * was. */
static int add_item(struct tl_import *im, const struct tl_split_item *it, struct tl_errbuf *eb) {
    const char *what = im->split.is_array ? "item" : "line";
    json_error_t jerr;
    json_t *obj = json_loadb(it->data, it->len, JSON_DECODE_ANY, &jerr);
    if (!obj)
        return tl_errf(eb, TL_EINVAL, "%s %zu: invalid JSON: %s", what, it->no, jerr.text);
    if (!json_is_object(obj)) {
        json_decref(obj);
        return tl_errf(eb, TL_EINVAL, "%s %zu: a task must be a JSON object", what, it->no);
    }
    bool wrapped = is_wrapped(obj);
    /* predictions come out of a plain task too (its data beside them) */
    json_t *preds = take(obj, "predictions");
    json_t *annots = wrapped ? take(obj, "annotations") : NULL;
    json_t *gold = wrapped ? take(obj, "gold") : NULL;
    json_t *task = wrapped ? json_object_get(obj, "data") : obj;
    int rc = grow_items(im);
    size_t start = im->text.len, n_preds = im->n_preds;
    rc = rc ? rc : dump(im, task, what, it->no, eb);
    size_t len = im->text.len - start;
    if (!rc && preds)
        rc = add_list(im, preds, task, "prediction", TL_TASK_MAX_PREDICTIONS, add_prediction,
                      what, it->no, eb);
    if (!rc && annots)
        rc = add_list(im, annots, task, "annotation", TL_TASK_MAX_IMPORTED, add_annotation, what,
                      it->no, eb);
    if (!rc && gold)
        rc = add_gold(im, gold, task, what, it->no, eb);
    json_decref(preds);
    json_decref(annots);
    json_decref(gold);
    json_decref(obj);
    if (rc) {
        im->text.len = start;
        im->n_preds = n_preds;
        return rc;
    }
    keep_item(im, start, len);
    return 0;
}

/* The CSV row just read becomes a task. */
static int add_row(struct tl_import *im, struct tl_errbuf *eb) {
    int rc = grow_items(im);
    if (rc)
        return rc;
    size_t start = im->text.len;
    rc = tl_csvt_row_json(&im->csv, &im->text);
    if (rc) {
        im->text.len = start;
        return rc == TL_ETOOBIG ? tl_errf(eb, rc, "line %zu: too large", tl_csvt_row_line(&im->csv))
                                : rc;
    }
    keep_item(im, start, im->text.len - start);
    return 0;
}

static int feed_csv(struct tl_import *im, const char *data, size_t len, size_t *used,
                    struct tl_errbuf *eb) {
    size_t off = 0;
    /* Bounded by len: every round consumes bytes or ends the loop. */
    while (off < len && !tl_import_is_full(im)) {
        size_t n;
        bool has_row;
        int rc = tl_csvt_feed(&im->csv, data + off, len - off, &n, &has_row, eb);
        if (rc)
            return rc;
        off += n;
        if (has_row && (rc = add_row(im, eb)))
            return rc;
    }
    *used = off;
    return 0;
}

int tl_import_feed(struct tl_import *im, const char *data, size_t len, size_t *used,
                   struct tl_errbuf *eb) {
    if (im->is_csv)
        return feed_csv(im, data, len, used, eb);
    size_t off = 0;
    /* Bounded by len: every round consumes bytes or ends the loop. */
    while (off < len && !tl_import_is_full(im)) {
        struct tl_split_item it;
        size_t n;
        int rc = tl_split_feed(&im->split, data + off, len - off, &n, &it, eb);
        if (rc)
            return rc;
        off += n;
        if (it.data && (rc = add_item(im, &it, eb)))
            return rc;
    }
    *used = off;
    return 0;
}

int tl_import_end(struct tl_import *im, struct tl_errbuf *eb) {
    int rc;
    if (im->is_csv) {
        bool has_row;
        rc = tl_csvt_end(&im->csv, &has_row, eb);
        if (!rc && has_row)
            rc = add_row(im, eb);
    } else {
        struct tl_split_item it;
        rc = tl_split_end(&im->split, &it, eb);
        if (!rc && it.data)
            rc = add_item(im, &it, eb);
    }
    if (!rc && im->total == 0)
        rc = tl_errf(eb, TL_EINVAL, "no tasks in the body");
    return rc;
}

int tl_import_batch(struct tl_import *im) {
    free(im->items);
    free(im->preds);
    im->items = NULL;
    im->preds = NULL;
    if (im->n == 0)
        return 0;
    im->items = malloc(im->n * sizeof *im->items);
    if (!im->items)
        return TL_ENOMEM;
    for (size_t i = 0; i < im->n; i++) {
        im->items[i].data = im->text.data + im->offs[2 * i];
        im->items[i].len = im->offs[2 * i + 1];
    }
    if (im->n_preds && !(im->preds = malloc(im->n_preds * sizeof *im->preds))) {
        free(im->items);
        im->items = NULL;
        return TL_ENOMEM;
    }
    for (size_t i = 0; i < im->n_preds; i++) {
        const struct tl_import_pred_off *o = &im->poffs[i];
        im->preds[i] = (struct tl_prediction_in){o->item,         im->text.data + o->model,
                                                 o->model_len,    im->text.data + o->result,
                                                 o->result_len,   o->score,
                                                 o->has_score,    o->is_annotation,
                                                 o->is_gold};
    }
    return 0;
}

int tl_import_take(struct tl_import *im, struct tl_import_batch *out) {
    int rc = tl_import_batch(im);
    if (rc)
        return rc;
    out->items = im->items;
    out->n = im->n;
    out->preds = im->preds;
    out->n_preds = im->n_preds;
    out->text = im->text;
    im->items = NULL;
    im->preds = NULL;
    im->n = im->n_preds = 0;
    tl_buf_init(&im->text, out->text.max);
    return 0;
}

void tl_import_batch_release(struct tl_import_batch *b) {
    free(b->items);
    free(b->preds);
    tl_buf_release(&b->text);
    b->items = NULL;
    b->preds = NULL;
    b->n = b->n_preds = 0;
}

/* A batch that held a huge item gives its memory back. */
#define KEEP_BATCH (16u << 20)

void tl_import_batch_reset(struct tl_import *im) {
    free(im->items);
    free(im->preds);
    im->items = NULL;
    im->preds = NULL;
    im->n = im->n_preds = 0;
    if (im->text.cap > KEEP_BATCH)
        tl_buf_release(&im->text);
    else
        tl_buf_reset(&im->text);
}

int tl_import_parse(const char *body, size_t len, bool is_array, struct tl_import *out,
                    struct tl_errbuf *eb) {
    tl_import_init(out, is_array, len, SIZE_MAX / 4, SIZE_MAX / 4);
    size_t used;
    int rc = tl_import_feed(out, body, len, &used, eb);
    if (!rc)
        rc = tl_import_end(out, eb);
    if (!rc)
        rc = tl_import_batch(out);
    if (rc)
        tl_import_release(out);
    return rc;
}

/* The media type token of a Content-Type value, without parameters. */
static bool is_type(const char *ct, const char *type) {
    size_t n = strlen(type);
    if (strncasecmp(ct, type, n))
        return false;
    ct += n;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

int tl_import_format_of(const char *content_type, enum tl_import_format *format) {
    bool is_array;
    if (!tl_import_media_type(content_type, &is_array)) {
        *format = is_array ? TL_IMPORT_ARRAY : TL_IMPORT_LINES;
        return 0;
    }
    while (content_type && (*content_type == ' ' || *content_type == '\t'))
        content_type++;
    if (content_type && is_type(content_type, "text/csv")) {
        *format = TL_IMPORT_CSV;
        return 0;
    }
    return TL_EINVAL;
}

int tl_import_media_type(const char *content_type, bool *is_array) {
    if (!content_type)
        return TL_EINVAL;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    if (is_type(content_type, "application/json")) {
        *is_array = true;
        return 0;
    }
    if (is_type(content_type, "application/x-ndjson") ||
        is_type(content_type, "application/jsonl")) {
        *is_array = false;
        return 0;
    }
    return TL_EINVAL;
}

int tl_jsonl_export_task(struct tl_buf *b, const struct tl_export_task *t,
                         tl_annotator_name_fn name, void *ctx) {
    /* Stored blobs are compact JSON written by this module, so they are
     * embedded as they are, without a parse/serialise round trip. */
    int rc = tl_buf_puts(b, "{\"id\":\"");
    rc = rc ? rc : tl_buf_puts(b, t->id);
    rc = rc ? rc : tl_buf_puts(b, "\",\"data\":");
    rc = rc ? rc : tl_buf_append(b, t->data, t->data_len);
    rc = rc ? rc : tl_buf_puts(b, ",\"annotations\":[");
    for (size_t i = 0; !rc && i < t->n_annotations; i++) {
        const struct tl_export_annotation *a = &t->annotations[i];
        char when[32];
        rc = tl_buf_puts(b, i ? ",{\"id\":\"" : "{\"id\":\"");
        rc = rc ? rc : tl_buf_puts(b, a->id);
        rc = rc ? rc : tl_buf_puts(b, "\",\"annotator\":");
        if (a->source) { /* imported: no annotator here, where it came from */
            rc = rc ? rc : tl_buf_puts(b, "null,\"source\":");
            rc = rc ? rc : tl_buf_json_str(b, a->source, strlen(a->source));
        } else {
            char who[TL_ANNOTATOR_NAME_MAX];
            name(ctx, a->annotator_id, who);
            rc = rc ? rc : tl_buf_json_str(b, who, strlen(who));
        }
        rc = rc ? rc : tl_buf_puts(b, ",\"result\":");
        rc = rc ? rc : tl_buf_append(b, a->result, a->result_len);
        rc = rc ? rc : tl_buf_puts(b, ",\"created_at\":\"");
        rc = rc ? rc : tl_buf_puts(b, tl_clock_rfc3339(a->created_at_ms, when));
        if (!rc && a->has_gold_score) { /* quality (core): scored against the task's gold */
            char num[48];
            snprintf(num, sizeof num, "\",\"gold_score\":%.17g", a->gold_score);
            rc = tl_buf_puts(b, num);
            rc = rc ? rc : tl_buf_puts(b, "}");
        } else {
            rc = rc ? rc : tl_buf_puts(b, "\"}");
        }
    }
    rc = rc ? rc : tl_buf_puts(b, "],\"predictions\":[");
    for (size_t i = 0; !rc && i < t->n_predictions; i++) {
        const struct tl_prediction *pr = &t->predictions[i];
        rc = tl_buf_puts(b, i ? ",{\"model\":" : "{\"model\":");
        rc = rc ? rc : tl_buf_json_str(b, pr->model, strlen(pr->model));
        rc = rc ? rc : tl_buf_puts(b, ",\"result\":");
        rc = rc ? rc : tl_buf_append(b, pr->result, pr->result_len);
        if (!rc && pr->has_score) {
            char num[40];
            snprintf(num, sizeof num, ",\"score\":%.17g", pr->score);
            rc = tl_buf_puts(b, num);
        }
        rc = rc ? rc : tl_buf_puts(b, "}");
    }
    rc = rc ? rc : tl_buf_puts(b, "]");
    if (!rc && t->gold) { /* quality (core): staff only (model.h) */
        rc = tl_buf_puts(b, ",\"gold\":");
        rc = rc ? rc : tl_buf_append(b, t->gold, t->gold_len);
    }
    if (!rc && t->agg_method) { /* quality: the task's aggregate (infer helper) */
        rc = tl_buf_puts(b, ",\"aggregate\":{\"method\":");
        rc = rc ? rc : tl_buf_json_str(b, t->agg_method, strlen(t->agg_method));
        rc = rc ? rc : tl_buf_puts(b, ",\"result\":");
        rc = rc ? rc : tl_buf_append(b, t->agg_result, t->agg_result_len);
        rc = rc ? rc : tl_buf_puts(b, ",\"confidence\":");
        rc = rc ? rc : tl_buf_append(b, t->agg_confidence, t->agg_confidence_len);
        rc = rc ? rc : tl_buf_puts(b, "}");
    }
    return rc ? rc : tl_buf_puts(b, "}\n");
}
