/* jsonl.c: see jsonl.h. */
#include "schema/jsonl.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"

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

void tl_import_release(struct tl_import *im) {
    tl_split_release(&im->split);
    free(im->items);
    free(im->offs);
    tl_buf_release(&im->text);
    im->items = NULL;
    im->offs = NULL;
    im->n = im->cap = 0;
}

bool tl_import_is_full(const struct tl_import *im) {
    return im->n >= im->batch_items || im->text.len >= im->batch_bytes;
}

static int dump_to_buf(const char *p, size_t n, void *ctx) {
    return tl_buf_append(ctx, p, n) ? -1 : 0;
}

/* Parse one item and append it to the batch as compact JSON. */
static int add_item(struct tl_import *im, const struct tl_split_item *it, struct tl_errbuf *eb) {
    const char *what = im->split.is_array ? "item" : "line";
    json_error_t jerr;
    json_t *obj = json_loadb(it->data, it->len, JSON_DECODE_ANY, &jerr);
    if (!obj)
        return tl_errf(eb, TL_EINVAL, "%s %zu: invalid JSON: %s", what, it->no, jerr.text);
    int rc = 0;
    json_t *task = obj, *data = json_object_get(obj, "data");
    if (!json_is_object(obj))
        rc = tl_errf(eb, TL_EINVAL, "%s %zu: a task must be a JSON object", what, it->no);
    else if (json_object_size(obj) == 1 && json_is_object(data))
        task = data;
    if (!rc && im->n == im->cap) {
        size_t cap = im->cap ? im->cap * 2 : 256;
        size_t *grown = realloc(im->offs, cap * 2 * sizeof *grown);
        rc = grown ? 0 : TL_ENOMEM;
        if (grown) {
            im->offs = grown;
            im->cap = cap;
        }
    }
    size_t start = im->text.len;
    if (!rc && json_dump_callback(task, dump_to_buf, &im->text, JSON_COMPACT) != 0) {
        rc = im->text.len + 64 > im->text.max
                 ? tl_errf(eb, TL_ETOOBIG, "%s %zu: too large", what, it->no)
                 : TL_ENOMEM;
    }
    json_decref(obj);
    if (rc) {
        im->text.len = start;
        return rc;
    }
    im->offs[2 * im->n] = start;
    im->offs[2 * im->n + 1] = im->text.len - start;
    im->n++;
    im->total++;
    return 0;
}

int tl_import_feed(struct tl_import *im, const char *data, size_t len, size_t *used,
                   struct tl_errbuf *eb) {
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
    struct tl_split_item it;
    int rc = tl_split_end(&im->split, &it, eb);
    if (!rc && it.data)
        rc = add_item(im, &it, eb);
    if (!rc && im->total == 0)
        rc = tl_errf(eb, TL_EINVAL, "no tasks in the body");
    return rc;
}

int tl_import_batch(struct tl_import *im) {
    free(im->items);
    im->items = NULL;
    if (im->n == 0)
        return 0;
    im->items = malloc(im->n * sizeof *im->items);
    if (!im->items)
        return TL_ENOMEM;
    for (size_t i = 0; i < im->n; i++) {
        im->items[i].data = im->text.data + im->offs[2 * i];
        im->items[i].len = im->offs[2 * i + 1];
    }
    return 0;
}

int tl_import_take(struct tl_import *im, struct tl_import_batch *out) {
    int rc = tl_import_batch(im);
    if (rc)
        return rc;
    out->items = im->items;
    out->n = im->n;
    out->text = im->text;
    im->items = NULL;
    im->n = 0;
    tl_buf_init(&im->text, out->text.max);
    return 0;
}

void tl_import_batch_release(struct tl_import_batch *b) {
    free(b->items);
    tl_buf_release(&b->text);
    b->items = NULL;
    b->n = 0;
}

/* A batch that held a huge item gives its memory back. */
#define KEEP_BATCH (16u << 20)

void tl_import_batch_reset(struct tl_import *im) {
    free(im->items);
    im->items = NULL;
    im->n = 0;
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
        char who[64], when[32];
        name(ctx, a->annotator_id, who);
        rc = tl_buf_puts(b, i ? ",{\"id\":\"" : "{\"id\":\"");
        rc = rc ? rc : tl_buf_puts(b, a->id);
        rc = rc ? rc : tl_buf_puts(b, "\",\"annotator\":");
        rc = rc ? rc : tl_buf_json_str(b, who, strlen(who));
        rc = rc ? rc : tl_buf_puts(b, ",\"result\":");
        rc = rc ? rc : tl_buf_append(b, a->result, a->result_len);
        rc = rc ? rc : tl_buf_puts(b, ",\"created_at\":\"");
        rc = rc ? rc : tl_buf_puts(b, tl_clock_rfc3339(a->created_at_ms, when));
        rc = rc ? rc : tl_buf_puts(b, "\"}");
    }
    return rc ? rc : tl_buf_puts(b, "]}\n");
}
