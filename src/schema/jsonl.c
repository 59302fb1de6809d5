/* jsonl.c: see jsonl.h. */
#include "schema/jsonl.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

void tl_import_release(struct tl_import *im) {
    free(im->items);
    tl_buf_release(&im->text);
    im->items = NULL;
    im->n = 0;
}

/* Append one task (an object, unwrapped from {"data":{...}}) as compact
 * JSON; item offsets are kept in items[].len-free form until the end. */
static int add_task(struct tl_import *im, size_t *cap, size_t **offs, json_t *obj,
                    struct tl_errbuf *eb, const char *what, size_t no) {
    if (!json_is_object(obj))
        return tl_errf(eb, TL_EINVAL, "%s %zu: a task must be a JSON object", what, no);
    json_t *data = json_object_get(obj, "data");
    if (json_object_size(obj) == 1 && json_is_object(data))
        obj = data;
    if (im->n == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        size_t *grown = realloc(*offs, *cap * 2 * sizeof **offs);
        if (!grown)
            return TL_ENOMEM;
        *offs = grown;
    }
    size_t start = im->text.len;
    size_t need = json_dumpb(obj, NULL, 0, JSON_COMPACT);
    if (need == 0)
        return tl_errf(eb, TL_EINVAL, "%s %zu: cannot encode", what, no);
    /* Reserve then write in place: one copy, no temporary string. */
    char scratch[256];
    int rc;
    if (need <= sizeof scratch) {
        json_dumpb(obj, scratch, need, JSON_COMPACT);
        rc = tl_buf_append(&im->text, scratch, need);
    } else {
        char *tmp = malloc(need);
        if (!tmp)
            return TL_ENOMEM;
        json_dumpb(obj, tmp, need, JSON_COMPACT);
        rc = tl_buf_append(&im->text, tmp, need);
        free(tmp);
    }
    if (rc)
        return rc == TL_ETOOBIG ? tl_errf(eb, rc, "import too large") : rc;
    (*offs)[2 * im->n] = start;
    (*offs)[2 * im->n + 1] = need;
    im->n++;
    return 0;
}

static int finish(struct tl_import *im, size_t *offs) {
    if (im->n == 0)
        return 0;
    im->items = malloc(im->n * sizeof *im->items);
    if (!im->items)
        return TL_ENOMEM;
    for (size_t i = 0; i < im->n; i++) {
        im->items[i].data = im->text.data + offs[2 * i];
        im->items[i].len = offs[2 * i + 1];
    }
    return 0;
}

static bool is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

int tl_import_parse(const char *body, size_t len, bool is_array, struct tl_import *out,
                    struct tl_errbuf *eb) {
    memset(out, 0, sizeof *out);
    tl_buf_init(&out->text, len + len / 2 + 1024); /* compact output is never much larger */
    size_t cap = 0, *offs = NULL;
    int rc = 0;
    json_error_t jerr;
    if (is_array) {
        json_t *arr = json_loadb(body, len, 0, &jerr);
        if (!arr)
            rc = tl_errf(eb, TL_EINVAL, "invalid JSON at line %d: %s", jerr.line, jerr.text);
        else if (!json_is_array(arr))
            rc = tl_errf(eb, TL_EINVAL, "expected a JSON array of tasks");
        for (size_t i = 0; !rc && i < json_array_size(arr); i++)
            rc = add_task(out, &cap, &offs, json_array_get(arr, i), eb, "item", i + 1);
        json_decref(arr);
    } else {
        size_t line_no = 0;
        for (const char *p = body, *end = body + len; !rc && p < end;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            line_no++;
            if (!is_blank(p, n)) {
                json_t *obj = json_loadb(p, n, 0, &jerr);
                if (!obj)
                    rc = tl_errf(eb, TL_EINVAL, "line %zu: invalid JSON: %s", line_no,
                                 jerr.text);
                else
                    rc = add_task(out, &cap, &offs, obj, eb, "line", line_no);
                json_decref(obj);
            }
            p += n + 1;
        }
    }
    if (!rc && out->n == 0)
        rc = tl_errf(eb, TL_EINVAL, "no tasks in the body");
    if (!rc)
        rc = finish(out, offs);
    free(offs);
    if (rc)
        tl_import_release(out);
    return rc;
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
