/* jsonl.c: see jsonl.h. */
#include "schema/jsonl.h"

#include <jansson.h>
#include <pthread.h>
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

/* One contiguous run of lines, parsed on its own thread. */
struct chunk {
    const char *p;
    size_t len, first_line;
    struct tl_import im;
    size_t cap, *offs;
    int rc;
    struct tl_errbuf eb;
};

static void *parse_lines(void *arg) {
    struct chunk *c = arg;
    size_t line_no = c->first_line - 1;
    json_error_t jerr;
    for (const char *p = c->p, *end = c->p + c->len; !c->rc && p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line_no++;
        if (!is_blank(p, n)) {
            json_t *obj = json_loadb(p, n, 0, &jerr);
            if (!obj)
                c->rc = tl_errf(&c->eb, TL_EINVAL, "line %zu: invalid JSON: %s", line_no,
                                jerr.text);
            else
                c->rc = add_task(&c->im, &c->cap, &c->offs, obj, &c->eb, "line", line_no);
            json_decref(obj);
        }
        p += n + 1;
    }
    return NULL;
}

/* Bodies above this are split in two at a line boundary and parsed on two
 * threads: parsing is half of an import's cost, and both cores pay. */
#define PARALLEL_MIN (4u << 20)

static int parse_jsonl(const char *body, size_t len, struct tl_import *out, size_t **offs,
                       struct tl_errbuf *eb) {
    struct chunk c[2] = {{.p = body, .len = len, .first_line = 1}};
    int n_chunks = 1;
    const char *mid = len >= PARALLEL_MIN ? memchr(body + len / 2, '\n', len - len / 2) : NULL;
    if (mid) {
        c[0].len = (size_t)(mid - body) + 1;
        c[1].p = mid + 1;
        c[1].len = len - c[0].len;
        c[1].first_line = 1;
        for (const char *q = body; (q = memchr(q, '\n', (size_t)(mid + 1 - q))); q++)
            c[1].first_line++;
        n_chunks = 2;
    }
    for (int i = 0; i < n_chunks; i++)
        tl_buf_init(&c[i].im.text, c[i].len + c[i].len / 2 + 1024);
    pthread_t th;
    bool is_threaded = n_chunks == 2 && pthread_create(&th, NULL, parse_lines, &c[1]) == 0;
    parse_lines(&c[0]);
    if (is_threaded)
        pthread_join(th, NULL);
    else if (n_chunks == 2)
        parse_lines(&c[1]);

    /* Report the first bad line; otherwise append chunk 1 to chunk 0. */
    int rc = c[0].rc ? c[0].rc : (n_chunks == 2 ? c[1].rc : 0);
    if (rc)
        *eb = c[0].rc ? c[0].eb : c[1].eb;
    if (!rc && n_chunks == 2 && c[1].im.n) {
        size_t base = c[0].im.text.len, n0 = c[0].im.n;
        c[0].im.text.max += c[1].im.text.len;
        rc = tl_buf_append(&c[0].im.text, c[1].im.text.data, c[1].im.text.len);
        size_t need = (n0 + c[1].im.n) * 2;
        size_t *grown = rc ? NULL : realloc(c[0].offs, need * sizeof *grown);
        if (!rc && !grown)
            rc = TL_ENOMEM;
        if (!rc) {
            c[0].offs = grown;
            for (size_t i = 0; i < c[1].im.n; i++) {
                grown[2 * (n0 + i)] = base + c[1].offs[2 * i];
                grown[2 * (n0 + i) + 1] = c[1].offs[2 * i + 1];
            }
            c[0].im.n += c[1].im.n;
        }
    }
    if (n_chunks == 2) {
        free(c[1].offs);
        tl_buf_release(&c[1].im.text);
    }
    out->text = c[0].im.text;
    out->n = c[0].im.n;
    *offs = c[0].offs;
    return rc;
}

int tl_import_parse(const char *body, size_t len, bool is_array, struct tl_import *out,
                    struct tl_errbuf *eb) {
    memset(out, 0, sizeof *out);
    size_t cap = 0, *offs = NULL;
    int rc = 0;
    if (is_array) {
        json_error_t jerr;
        tl_buf_init(&out->text, len + len / 2 + 1024); /* compact output is never much larger */
        json_t *arr = json_loadb(body, len, 0, &jerr);
        if (!arr)
            rc = tl_errf(eb, TL_EINVAL, "invalid JSON at line %d: %s", jerr.line, jerr.text);
        else if (!json_is_array(arr))
            rc = tl_errf(eb, TL_EINVAL, "expected a JSON array of tasks");
        for (size_t i = 0; !rc && i < json_array_size(arr); i++)
            rc = add_task(out, &cap, &offs, json_array_get(arr, i), eb, "item", i + 1);
        json_decref(arr);
    } else {
        rc = parse_jsonl(body, len, out, &offs, eb);
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
