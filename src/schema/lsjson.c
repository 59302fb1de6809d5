/* lsjson.c: see lsjson.h.
 *
 * Reading goes in two passes over the items: the first fills every field
 * from its own items; the second resolves what points at regions by id
 * (relations, and the per-segment TextArea of audio), which may come before
 * the regions they name. */
#include "schema/lsjson.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- offsets over one text: UTF-16 code units <-> code points ---- */

#define CHECKPOINT 64 /* code points between byte checkpoints */

/* Where the characters outside the Basic Multilingual Plane are (each two
 * UTF-16 units but one code point), and a byte offset every CHECKPOINT
 * code points, so every conversion is a binary search plus a short walk. */
struct textmap {
    const char *text;
    size_t len;
    size_t n_cp;
    size_t *astral; /* code-point index of each non-BMP character, rising */
    size_t n_astral;
    size_t *bytes;  /* byte offset of code point k * CHECKPOINT */
};

static size_t utf8_width(unsigned char c) {
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static void textmap_release(struct textmap *m) {
    free(m->astral);
    free(m->bytes);
    memset(m, 0, sizeof *m);
}

static int textmap_init(struct textmap *m, const char *text, size_t len) {
    memset(m, 0, sizeof *m);
    m->text = text;
    m->len = len;
    size_t cap = 0, cp = 0, n_ck = len / CHECKPOINT + 1;
    if (!(m->bytes = malloc(n_ck * sizeof *m->bytes)))
        return TL_ENOMEM;
    for (size_t i = 0; i < len; cp++) {
        if (cp % CHECKPOINT == 0)
            m->bytes[cp / CHECKPOINT] = i;
        size_t w = utf8_width((unsigned char)text[i]);
        if (w == 4) {
            if (m->n_astral == cap) {
                cap = cap ? cap * 2 : 16;
                size_t *grown = realloc(m->astral, cap * sizeof *grown);
                if (!grown) {
                    textmap_release(m);
                    return TL_ENOMEM;
                }
                m->astral = grown;
            }
            m->astral[m->n_astral++] = cp;
        }
        i += w > len - i ? len - i : w;
    }
    if (cp % CHECKPOINT == 0)
        m->bytes[cp / CHECKPOINT] = len;
    m->n_cp = cp;
    return 0;
}

/* How many non-BMP characters lie before code point cp. */
static size_t astral_before(const struct textmap *m, size_t cp) {
    size_t lo = 0, hi = m->n_astral;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->astral[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t cp_to_u16(const struct textmap *m, size_t cp) {
    return cp + astral_before(m, cp);
}

/* A UTF-16 offset as a code point: false when it is past the end or splits
 * a surrogate pair. */
static bool u16_to_cp(const struct textmap *m, double u16, size_t *cp) {
    if (!(u16 >= 0) || u16 != floor(u16) || u16 > (double)(m->n_cp + m->n_astral))
        return false;
    size_t o = (size_t)u16;
    /* the j-th astral character sits at UTF-16 unit astral[j] + j, two wide */
    size_t lo = 0, hi = m->n_astral;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->astral[mid] + mid + 2 <= o)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < m->n_astral && m->astral[lo] + lo + 1 == o)
        return false;
    *cp = o - lo;
    return true;
}

static size_t cp_to_byte(const struct textmap *m, size_t cp) {
    if (cp >= m->n_cp)
        return m->len;
    size_t i = m->bytes[cp / CHECKPOINT];
    for (size_t k = cp / CHECKPOINT * CHECKPOINT; k < cp && i < m->len; k++)
        i += utf8_width((unsigned char)m->text[i]);
    return i > m->len ? m->len : i;
}

/* The text of a spans field's source in the task data, mapped once. */
static int field_text(const struct tl_field *f, const json_t *data, struct textmap *m,
                      bool *has_map) {
    if (*has_map)
        return 0;
    const json_t *t = json_object_get(data, f->source);
    if (!json_is_string(t))
        return TL_EINVAL;
    int rc = textmap_init(m, json_string_value(t), json_string_length(t));
    *has_map = rc == 0;
    return rc;
}

/* ---- names ---- */

static long find_field(const struct tl_schema *s, const char *name) {
    for (size_t i = 0; i < s->n_fields; i++)
        if (!strcmp(s->fields[i].name, name))
            return (long)i;
    return -1;
}

static const char *view_name(const struct tl_schema *s, const char *source) {
    for (size_t i = 0; i < s->n_views; i++)
        if (!strcmp(s->views[i].source, source))
            return s->views[i].name ? s->views[i].name : source;
    return source;
}

/* The Label Studio type each field type reads and writes. */
static const char *ls_type(enum tl_field_type t) {
    switch (t) {
    case TL_FIELD_CHOICE:
    case TL_FIELD_MULTICHOICE: return "choices";
    case TL_FIELD_TEXT: return "textarea";
    case TL_FIELD_NUMBER: return "number";
    case TL_FIELD_RATING: return "rating";
    case TL_FIELD_SPANS:
    case TL_FIELD_SEGMENTS: return "labels";
    case TL_FIELD_RELATIONS: return "relation";
    case TL_FIELD_BOXES: return "rectanglelabels";
    case TL_FIELD_POLYGONS: return "polygonlabels";
    case TL_FIELD_KEYPOINTS: return "keypointlabels";
    case TL_FIELD_PAIRWISE: return "pairwise";
    case TL_FIELD_RANKING: return "ranker";
    case TL_FIELD_RUBRIC: return "rubric";
    }
    return "";
}

/* ---- reading ---- */

struct reader {
    const struct tl_schema *s;
    const json_t *data;
    struct tl_errbuf *eb;
    json_t *out;
    struct textmap *maps; /* per field, for spans */
    bool *has_map;
};

static int item_err(struct reader *r, size_t i, const char *why, const char *name) {
    return tl_errf(r->eb, TL_EINVAL, "result %zu: %s%s%.64s%s", i + 1, why, name ? " \"" : "",
                   name ? name : "", name ? "\"" : "");
}

/* Lines of a textarea value ("text": [..] or a string) joined by "\n". */
static json_t *joined_text(const json_t *t) {
    if (json_is_string(t))
        return json_incref((json_t *)t);
    if (!json_is_array(t))
        return NULL;
    size_t len = 0, n = json_array_size(t);
    for (size_t k = 0; k < n; k++) {
        if (!json_is_string(json_array_get(t, k)))
            return NULL;
        len += json_string_length(json_array_get(t, k)) + 1;
    }
    char *buf = malloc(len + 1), *p = buf;
    if (!buf)
        return NULL;
    for (size_t k = 0; k < n; k++) {
        const json_t *line = json_array_get(t, k);
        if (k)
            *p++ = '\n';
        memcpy(p, json_string_value(line), json_string_length(line));
        p += json_string_length(line);
    }
    json_t *j = json_stringn_nocheck(buf, (size_t)(p - buf));
    free(buf);
    return j;
}

/* The list a region field's items go to, made on first use. */
static json_t *region_list(struct reader *r, const struct tl_field *f) {
    json_t *list = json_object_get(r->out, f->name);
    if (list)
        return list;
    list = json_array();
    if (!list || json_object_set_new(r->out, f->name, list))
        return NULL;
    return list;
}

/* Copy a region's id (when it is one Tally keeps) into item. */
static int copy_id(const json_t *src, json_t *item) {
    const json_t *id = json_object_get(src, "id");
    if (json_is_string(id) && json_string_length(id) > 0 &&
        json_string_length(id) <= TL_SCHEMA_MAX_ID)
        return json_object_set(item, "id", (json_t *)id) ? TL_ENOMEM : 0;
    return 0;
}

/* Append one Tally item per label in value[key], each a copy of base with
 * "label" set. */
static int add_labelled(struct reader *r, size_t i, const struct tl_field *f, const json_t *src,
                        const json_t *labels, json_t *base) {
    size_t n = json_array_size(labels);
    if (!json_is_array(labels) || n == 0 || n > TL_SCHEMA_MAX_OPTIONS)
        return item_err(r, i, "needs a list of labels", NULL);
    json_t *list = region_list(r, f);
    if (!list || copy_id(src, base))
        return TL_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        const json_t *l = json_array_get(labels, k);
        if (!json_is_string(l))
            return item_err(r, i, "a label must be a string", NULL);
        json_t *it = json_copy(base);
        if (!it || json_object_set(it, "label", (json_t *)l) || json_array_append_new(list, it))
            return TL_ENOMEM;
    }
    return 0;
}

/* Copy value[keys...] into base (numbers, as they are); false if one that
 * is required is missing or not a number. */
static bool copy_numbers(const json_t *value, json_t *base, const char *const *keys, size_t n,
                         size_t n_required) {
    for (size_t k = 0; k < n; k++) {
        const json_t *x = json_object_get(value, keys[k]);
        if (!x && k >= n_required)
            continue;
        if (!json_is_number(x) || json_object_set(base, keys[k], (json_t *)x))
            return false;
    }
    return true;
}

static int read_span(struct reader *r, size_t i, size_t fi, const json_t *item, const json_t *v) {
    const struct tl_field *f = &r->s->fields[fi];
    int rc = field_text(f, r->data, &r->maps[fi], &r->has_map[fi]);
    if (rc)
        return rc == TL_EINVAL ? item_err(r, i, "spans need the task's text at", f->source) : rc;
    const json_t *start = json_object_get(v, "start"), *end = json_object_get(v, "end");
    if (!json_is_number(start) || !json_is_number(end)) {
        /* HyperText regions carry XPath ranges and, beside them, offsets into the whole text */
        const json_t *g = json_object_get(v, "globalOffsets");
        start = json_object_get(g, "start");
        end = json_object_get(g, "end");
    }
    size_t s0, s1;
    if (!json_is_number(start) || !json_is_number(end) ||
        !u16_to_cp(&r->maps[fi], json_number_value(start), &s0) ||
        !u16_to_cp(&r->maps[fi], json_number_value(end), &s1))
        return item_err(r, i, "start and end must be UTF-16 offsets into the text (not inside a "
                              "character) of", f->source);
    json_t *base = json_pack("{s:I,s:I}", "start", (json_int_t)s0, "end", (json_int_t)s1);
    if (!base)
        return TL_ENOMEM;
    rc = add_labelled(r, i, f, item, json_object_get(v, "labels"), base);
    json_decref(base);
    return rc;
}

static int read_region(struct reader *r, size_t i, size_t fi, const json_t *item,
                       const json_t *v) {
    static const char *const box[] = {"x", "y", "width", "height", "rotation"};
    static const char *const point[] = {"x", "y"};
    static const char *const segment[] = {"start", "end"};
    const struct tl_field *f = &r->s->fields[fi];
    json_t *base = json_object();
    if (!base)
        return TL_ENOMEM;
    bool ok = true;
    const char *labels_key = "labels";
    switch (f->type) {
    case TL_FIELD_BOXES:
        ok = copy_numbers(v, base, box, 5, 4);
        labels_key = "rectanglelabels";
        break;
    case TL_FIELD_POLYGONS: {
        const json_t *pts = json_object_get(v, "points");
        ok = json_is_array(pts) && !json_object_set(base, "points", (json_t *)pts);
        labels_key = "polygonlabels";
        break;
    }
    case TL_FIELD_KEYPOINTS:
        ok = copy_numbers(v, base, point, 2, 2);
        labels_key = "keypointlabels";
        break;
    default: ok = copy_numbers(v, base, segment, 2, 2); /* segments */
    }
    int rc = ok ? add_labelled(r, i, f, item, json_object_get(v, labels_key), base)
                : item_err(r, i, "lacks the coordinates of a", ls_type(f->type));
    json_decref(base);
    return rc;
}

/* A single-valued field may be answered once. */
static int set_answer(struct reader *r, size_t i, const struct tl_field *f, json_t *answer) {
    if (!answer)
        return item_err(r, i, "has no value fit for field", f->name);
    if (json_object_get(r->out, f->name)) {
        json_decref(answer);
        return item_err(r, i, "answers a second time field", f->name);
    }
    return json_object_set_new(r->out, f->name, answer) ? TL_ENOMEM : 0;
}

static json_t *read_pairwise(const json_t *v) {
    const char *sel = json_string_value(json_object_get(v, "selected"));
    if (!sel)
        return NULL;
    return !strcmp(sel, "left")    ? json_string("a")
           : !strcmp(sel, "right") ? json_string("b")
           : !strcmp(sel, "none")  ? json_string("tie")
                                   : NULL;
}

static int read_answer(struct reader *r, size_t i, size_t fi, const json_t *v) {
    const struct tl_field *f = &r->s->fields[fi];
    const json_t *x;
    switch (f->type) {
    case TL_FIELD_CHOICE:
        x = json_object_get(v, "choices");
        return set_answer(r, i, f, json_array_size(x) == 1 && json_is_string(json_array_get(x, 0))
                                       ? json_incref(json_array_get(x, 0))
                                       : NULL);
    case TL_FIELD_MULTICHOICE:
        x = json_object_get(v, "choices");
        return set_answer(r, i, f, json_is_array(x) ? json_incref((json_t *)x) : NULL);
    case TL_FIELD_TEXT: return set_answer(r, i, f, joined_text(json_object_get(v, "text")));
    case TL_FIELD_NUMBER:
        x = json_object_get(v, "number");
        return set_answer(r, i, f, json_is_number(x) ? json_incref((json_t *)x) : NULL);
    case TL_FIELD_RATING:
        x = json_object_get(v, "rating");
        return set_answer(r, i, f, json_is_number(x) ? json_incref((json_t *)x) : NULL);
    case TL_FIELD_PAIRWISE: return set_answer(r, i, f, read_pairwise(v));
    case TL_FIELD_RANKING:
        x = json_object_get(json_object_get(v, "ranker"), "rank");
        return set_answer(r, i, f, json_is_array(x) ? json_incref((json_t *)x) : NULL);
    case TL_FIELD_RUBRIC:
        x = json_object_get(v, "rubric");
        return set_answer(r, i, f, json_is_object(x) ? json_incref((json_t *)x) : NULL);
    default: return TL_EINTERNAL;
    }
}

/* Pass 1: one item that answers a field by from_name. */
static int read_item(struct reader *r, size_t i, const json_t *item, bool *deferred) {
    *deferred = false;
    const char *type = json_string_value(json_object_get(item, "type"));
    const char *from = json_string_value(json_object_get(item, "from_name"));
    if (!json_is_object(item) || !type)
        return item_err(r, i, "must be an object with a \"type\"", NULL);
    if (!strcmp(type, "relation")) {
        *deferred = true;
        return 0;
    }
    if (!from)
        return item_err(r, i, "needs a from_name", NULL);
    long fi = find_field(r->s, from);
    if (fi < 0 && !strcmp(type, "textarea")) {
        *deferred = true; /* perhaps the text of an audio segment */
        return 0;
    }
    if (fi < 0)
        return item_err(r, i, "from_name names no field of the schema:", from);
    const struct tl_field *f = &r->s->fields[fi];
    if (strcmp(type, ls_type(f->type)) || f->type == TL_FIELD_RELATIONS)
        return tl_errf(r->eb, TL_EINVAL, "result %zu: type \"%.32s\" does not fit %s field \"%.64s\"",
                       i + 1, type, ls_type(f->type), f->name);
    const json_t *v = json_object_get(item, "value");
    if (!json_is_object(v))
        return item_err(r, i, "needs a value object", NULL);
    switch (f->type) {
    case TL_FIELD_SPANS: return read_span(r, i, (size_t)fi, item, v);
    case TL_FIELD_BOXES:
    case TL_FIELD_POLYGONS:
    case TL_FIELD_KEYPOINTS:
    case TL_FIELD_SEGMENTS: return read_region(r, i, (size_t)fi, item, v);
    default: return read_answer(r, i, (size_t)fi, v);
    }
}

/* The index of the first item of list with this id, or -1. */
static long index_of(const json_t *list, const char *id) {
    for (size_t k = 0; k < json_array_size(list); k++) {
        const char *x = json_string_value(json_object_get(json_array_get(list, k), "id"));
        if (x && !strcmp(x, id))
            return (long)k;
    }
    return -1;
}

/* Pass 2: a relation between two spans, by their ids. */
static int read_relation(struct reader *r, size_t i, const json_t *item) {
    const char *from_id = json_string_value(json_object_get(item, "from_id"));
    const char *to_id = json_string_value(json_object_get(item, "to_id"));
    const char *from = json_string_value(json_object_get(item, "from_name"));
    if (!from_id || !to_id)
        return item_err(r, i, "a relation needs from_id and to_id", NULL);
    for (size_t fi = 0; fi < r->s->n_fields; fi++) {
        const struct tl_field *f = &r->s->fields[fi];
        if (f->type != TL_FIELD_RELATIONS || (from && strcmp(from, f->name)))
            continue;
        const json_t *spans = json_object_get(r->out, r->s->fields[f->spans_field].name);
        long a = index_of(spans, from_id), b = index_of(spans, to_id);
        if (a < 0 || b < 0)
            continue;
        json_t *base = json_pack("{s:I,s:I}", "from", (json_int_t)a, "to", (json_int_t)b);
        if (!base)
            return TL_ENOMEM;
        json_t *src = json_object(); /* relations keep no id of their own */
        int rc = src ? add_labelled(r, i, f, src, json_object_get(item, "labels"), base) : TL_ENOMEM;
        json_decref(src);
        json_decref(base);
        return rc;
    }
    return item_err(r, i, "relation between regions no relations field holds:", from_id);
}

/* Pass 2: the per-segment TextArea: sets "text" on the segments with its id. */
static int read_segment_text(struct reader *r, size_t i, const json_t *item) {
    const char *from = json_string_value(json_object_get(item, "from_name"));
    const char *id = json_string_value(json_object_get(item, "id"));
    json_t *text = joined_text(json_object_get(json_object_get(item, "value"), "text"));
    bool found = false;
    for (size_t fi = 0; fi < r->s->n_fields && id && text; fi++) {
        const struct tl_field *f = &r->s->fields[fi];
        if (f->type != TL_FIELD_SEGMENTS || (f->text_name && strcmp(f->text_name, from)))
            continue;
        json_t *list = json_object_get(r->out, f->name);
        for (size_t k = 0; k < json_array_size(list); k++) {
            json_t *seg = json_array_get(list, k);
            const char *x = json_string_value(json_object_get(seg, "id"));
            if (x && !strcmp(x, id)) {
                found = true;
                if (json_object_set(seg, "text", text)) {
                    json_decref(text);
                    return TL_ENOMEM;
                }
            }
        }
    }
    json_decref(text);
    return found ? 0 : item_err(r, i, "textarea is neither a field nor a segment's text:", from);
}

int tl_lsjson_to_result(const struct tl_schema *s, const json_t *items, const json_t *data,
                        json_t **out, struct tl_errbuf *eb) {
    *out = NULL;
    size_t n = json_array_size(items);
    if (!json_is_array(items))
        return tl_errf(eb, TL_EINVAL, "result must be a list of Label Studio result items");
    if (n > TL_LSJSON_MAX_ITEMS)
        return tl_errf(eb, TL_EINVAL, "result has more than %d items", TL_LSJSON_MAX_ITEMS);
    struct reader r = {s, data, eb, json_object(), calloc(s->n_fields + 1, sizeof *r.maps),
                       calloc(s->n_fields + 1, sizeof *r.has_map)};
    int rc = r.out && r.maps && r.has_map ? 0 : TL_ENOMEM;
    unsigned char *later = rc ? NULL : calloc(n + 1, 1);
    rc = rc ? rc : later ? 0 : TL_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        bool deferred;
        rc = read_item(&r, i, json_array_get(items, i), &deferred);
        later[i] = deferred;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const json_t *item = json_array_get(items, i);
        if (!later[i])
            continue;
        rc = !strcmp(json_string_value(json_object_get(item, "type")), "relation")
                 ? read_relation(&r, i, item)
                 : read_segment_text(&r, i, item);
    }
    for (size_t fi = 0; r.maps && fi < s->n_fields; fi++)
        textmap_release(&r.maps[fi]);
    free(r.maps);
    free(r.has_map);
    free(later);
    if (rc)
        json_decref(r.out);
    else
        *out = r.out;
    return rc;
}

/* ---- writing ---- */

struct writer {
    const struct tl_schema *s;
    const json_t *data;
    const json_t *result;
    json_t *out;
    const char *to_default; /* to_name of fields over no source */
};

/* A region's id: its own, or one made from its field and position (for
 * regions something points at: a relation, a segment's text). */
static json_t *region_id(size_t fi, size_t k, const json_t *item) {
    const json_t *id = json_object_get(item, "id");
    if (json_is_string(id))
        return json_incref((json_t *)id);
    char buf[48];
    snprintf(buf, sizeof buf, "t%zu_%zu", fi, k);
    return json_string(buf);
}

/* Append {"id"?,"type","from_name","to_name","value"} (id and value
 * stolen; id may be NULL). */
static int emit(struct writer *w, json_t *id, const char *type, const char *from,
                const char *to, json_t *value) {
    json_t *it = json_pack("{s:o*,s:s,s:s,s:s,s:o}", "id", id, "type", type, "from_name", from,
                           "to_name", to, "value", value);
    return it && !json_array_append_new(w->out, it) ? 0 : TL_ENOMEM;
}

/* True if a relation of the result points at span k of field fi. */
static bool is_related(const struct writer *w, size_t fi, size_t k) {
    for (size_t ri = 0; ri < w->s->n_fields; ri++) {
        if (w->s->fields[ri].type != TL_FIELD_RELATIONS || w->s->fields[ri].spans_field != fi)
            continue;
        const json_t *rels = json_object_get(w->result, w->s->fields[ri].name);
        for (size_t j = 0; j < json_array_size(rels); j++) {
            const json_t *r = json_array_get(rels, j);
            if (json_integer_value(json_object_get(r, "from")) == (json_int_t)k ||
                json_integer_value(json_object_get(r, "to")) == (json_int_t)k)
                return true;
        }
    }
    return false;
}

/* Items k and k-1 of a region list are one Label Studio region with two
 * labels: the same id and the same geometry. */
static bool same_region(const json_t *list, size_t k) {
    if (k == 0)
        return false;
    const json_t *a = json_array_get(list, k - 1), *b = json_array_get(list, k);
    if (!json_object_get(a, "id") || !json_equal(json_object_get(a, "id"), json_object_get(b, "id")))
        return false;
    const char *key;
    const json_t *x;
    json_object_foreach((json_t *)b, key, x) {
        if (strcmp(key, "label") && !json_equal(x, json_object_get(a, key)))
            return false;
    }
    return json_object_size(a) == json_object_size(b);
}

/* The value of one region item, without its labels. */
static json_t *region_value(const struct tl_field *f, const json_t *it, const struct textmap *m) {
    json_t *v = json_object();
    const char *key;
    const json_t *x;
    if (!v)
        return NULL;
    if (f->type == TL_FIELD_SPANS) {
        json_int_t s0 = json_integer_value(json_object_get(it, "start"));
        json_int_t s1 = json_integer_value(json_object_get(it, "end"));
        size_t b0 = cp_to_byte(m, (size_t)s0), b1 = cp_to_byte(m, (size_t)s1);
        if (json_object_set_new(v, "start", json_integer((json_int_t)cp_to_u16(m, (size_t)s0))) ||
            json_object_set_new(v, "end", json_integer((json_int_t)cp_to_u16(m, (size_t)s1))) ||
            json_object_set_new(v, "text", json_stringn_nocheck(m->text + b0, b1 - b0))) {
            json_decref(v);
            return NULL;
        }
        return v;
    }
    json_object_foreach((json_t *)it, key, x) {
        if (strcmp(key, "label") && strcmp(key, "id") && strcmp(key, "text") &&
            json_object_set(v, key, (json_t *)x)) {
            json_decref(v);
            return NULL;
        }
    }
    /* a Tally polygon is closed (three points or more), as Label Studio's
     * finished ones are */
    if (f->type == TL_FIELD_POLYGONS && json_object_set_new(v, "closed", json_true())) {
        json_decref(v);
        return NULL;
    }
    return v;
}

static const char *labels_key(enum tl_field_type t) {
    return t == TL_FIELD_SPANS || t == TL_FIELD_SEGMENTS ? "labels" : ls_type(t);
}

static int write_regions(struct writer *w, size_t fi, const json_t *list) {
    const struct tl_field *f = &w->s->fields[fi];
    struct textmap m = {0};
    bool has_map = false;
    int rc = 0;
    if (f->type == TL_FIELD_SPANS && (rc = field_text(f, w->data, &m, &has_map)))
        return rc;
    const char *to = view_name(w->s, f->source);
    json_t *labels = NULL; /* the labels of the region being written */
    for (size_t k = 0; k < json_array_size(list) && !rc; k++) {
        const json_t *it = json_array_get(list, k);
        const json_t *label = json_object_get(it, "label");
        if (labels && same_region(list, k)) {
            rc = json_array_append(labels, (json_t *)label) ? TL_ENOMEM : 0;
            continue;
        }
        json_t *v = region_value(f, it, &m);
        labels = json_array();
        if (!v || !labels || json_array_append(labels, (json_t *)label) ||
            json_object_set_new(v, labels_key(f->type), labels)) {
            json_decref(v);
            rc = TL_ENOMEM;
            break;
        }
        const json_t *text = json_object_get(it, "text");
        /* an id is written when the region has one or something points at it */
        bool needs_id = json_object_get(it, "id") || (f->type == TL_FIELD_SEGMENTS && text) ||
                        (f->type == TL_FIELD_SPANS && is_related(w, fi, k));
        json_t *id = needs_id ? region_id(fi, k, it) : NULL;
        rc = emit(w, json_incref(id), ls_type(f->type), f->name, to, v);
        if (!rc && f->type == TL_FIELD_SEGMENTS && text) {
            json_t *tv = json_pack("{s:O,s:O,s:[O]}", "start", json_object_get(it, "start"), "end",
                                   json_object_get(it, "end"), "text", text);
            rc = tv ? emit(w, json_incref(id), "textarea",
                           f->text_name ? f->text_name : "transcription", to, tv)
                    : TL_ENOMEM;
        }
        json_decref(id);
    }
    if (has_map)
        textmap_release(&m);
    return rc;
}

/* Relations name their spans by the ids the spans were written with. */
static int write_relations(struct writer *w, size_t fi, const json_t *list) {
    size_t si = w->s->fields[fi].spans_field;
    const json_t *spans = json_object_get(w->result, w->s->fields[si].name);
    for (size_t k = 0; k < json_array_size(list); k++) {
        const json_t *it = json_array_get(list, k);
        json_int_t a = json_integer_value(json_object_get(it, "from"));
        json_int_t b = json_integer_value(json_object_get(it, "to"));
        const json_t *sa = json_array_get(spans, (size_t)a), *sb = json_array_get(spans, (size_t)b);
        if (!sa || !sb)
            return TL_EINVAL;
        json_t *rel = json_pack("{s:s,s:s,s:o,s:o,s:s,s:[O]}", "type", "relation", "from_name",
                                w->s->fields[fi].name, "from_id", region_id(si, (size_t)a, sa),
                                "to_id", region_id(si, (size_t)b, sb), "direction", "right",
                                "labels", json_object_get(it, "label"));
        if (!rel || json_array_append_new(w->out, rel))
            return TL_ENOMEM;
    }
    return 0;
}

/* The to_name of a field over several sources: their names, comma-joined
 * (Label Studio's toName="a,b"). */
static json_t *sources_name(const struct tl_schema *s, const struct tl_field *f) {
    char buf[TL_SCHEMA_MAX_SOURCES * (TL_SCHEMA_MAX_NAME + 1) + 1];
    size_t len = 0;
    for (size_t k = 0; k < f->n_sources; k++) {
        int n = snprintf(buf + len, sizeof buf - len, "%s%s", k ? "," : "",
                         view_name(s, f->sources[k]));
        if (n < 0 || (size_t)n >= sizeof buf - len)
            break;
        len += (size_t)n;
    }
    return json_stringn(buf, len);
}

/* A single-valued field's value in Label Studio's form. */
static json_t *answer_value(const struct tl_field *f, const json_t *v) {
    switch (f->type) {
    case TL_FIELD_CHOICE: return json_pack("{s:[O]}", "choices", v);
    case TL_FIELD_MULTICHOICE: return json_pack("{s:O}", "choices", v);
    case TL_FIELD_TEXT: return json_pack("{s:[O]}", "text", v);
    case TL_FIELD_NUMBER: return json_pack("{s:O}", "number", v);
    case TL_FIELD_RATING: return json_pack("{s:O}", "rating", v);
    case TL_FIELD_PAIRWISE: {
        const char *x = json_string_value(v);
        return json_pack("{s:s}", "selected",
                         !x ? "none" : !strcmp(x, "a") ? "left" : !strcmp(x, "b") ? "right" : "none");
    }
    case TL_FIELD_RANKING: return json_pack("{s:{s:O}}", "ranker", "rank", v);
    case TL_FIELD_RUBRIC: return json_pack("{s:O}", "rubric", v);
    default: return NULL;
    }
}

static int write_answer(struct writer *w, size_t fi, const json_t *v) {
    const struct tl_field *f = &w->s->fields[fi];
    json_t *to = f->n_sources ? sources_name(w->s, f) : json_string(w->to_default);
    json_t *value = answer_value(f, v);
    char id[48];
    snprintf(id, sizeof id, "t%zu", fi);
    int rc = TL_ENOMEM;
    if (to && value) {
        rc = emit(w, json_string(id), ls_type(f->type), f->name, json_string_value(to), value);
        value = NULL;
    }
    json_decref(value);
    json_decref(to);
    return rc;
}

int tl_lsjson_from_result(const struct tl_schema *s, const json_t *result, const json_t *data,
                          json_t **out, struct tl_errbuf *eb) {
    *out = NULL;
    if (!json_is_object(result))
        return tl_errf(eb, TL_EINVAL, "a result must be an object");
    /* fields over no source point at the first view, as their control's
     * toName did in the config (or at the first data key) */
    const char *to_default = s->n_views ? view_name(s, s->views[0].source) : NULL;
    if (!to_default) {
        void *it = json_object_iter((json_t *)data);
        to_default = it ? json_object_iter_key(it) : "data";
    }
    struct writer w = {s, data, result, json_array(), to_default};
    int rc = w.out ? 0 : TL_ENOMEM;
    for (size_t fi = 0; fi < s->n_fields && !rc; fi++) {
        const struct tl_field *f = &s->fields[fi];
        const json_t *v = json_object_get(result, f->name);
        if (!v || json_is_null(v))
            continue;
        switch (f->type) {
        case TL_FIELD_SPANS:
        case TL_FIELD_BOXES:
        case TL_FIELD_POLYGONS:
        case TL_FIELD_KEYPOINTS:
        case TL_FIELD_SEGMENTS: rc = write_regions(&w, fi, v); break;
        case TL_FIELD_RELATIONS: rc = write_relations(&w, fi, v); break;
        default: rc = write_answer(&w, fi, v);
        }
    }
    if (rc == TL_EINVAL)
        tl_errf(eb, rc, "the result does not fit the schema");
    if (rc)
        json_decref(w.out);
    else
        *out = w.out;
    return rc;
}
