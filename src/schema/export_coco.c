/* export_coco.c: see export_coco.h. */
#include "schema/export_coco.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/region.h"

/* Bytes one number may print as (%.15g plus a comma). */
#define NUM_MAX 26
/* Fixed bytes of one written annotation or image beside its numbers and
 * strings: keys, ids, punctuation. */
#define ITEM_OVERHEAD 512

static bool is_region_field(const struct tl_field *f) {
    return f->type == TL_FIELD_BOXES || f->type == TL_FIELD_POLYGONS ||
           f->type == TL_FIELD_KEYPOINTS;
}

int tl_coco_init(struct tl_coco *c, const struct tl_schema *schema) {
    memset(c, 0, sizeof *c);
    c->schema = schema;
    c->pass = 1;
    int64_t next = 1;
    for (size_t i = 0; i < schema->n_fields && i < TL_SCHEMA_MAX_FIELDS; i++) {
        const struct tl_field *f = &schema->fields[i];
        if (!is_region_field(f) || !f->source)
            continue;
        if (!c->source)
            c->source = f->source;
        if (strcmp(f->source, c->source))
            continue;
        c->first_category[i] = next;
        if (f->type == TL_FIELD_KEYPOINTS) {
            next++;
            c->keypoint_labels += f->n_options;
        } else {
            next += (int64_t)f->n_options;
        }
    }
    return c->source ? 0 : TL_EINVAL;
}

static int put_num(struct tl_buf *b, double v) {
    char num[NUM_MAX + 8];
    /* 15 digits: exact for pixels and percents, without 0.1+0.2 noise */
    int n = snprintf(num, sizeof num, "%.15g", v == 0 ? 0.0 : v);
    return tl_buf_append(b, num, (size_t)n);
}

static int put_int(struct tl_buf *b, int64_t v) {
    char num[32];
    int n = snprintf(num, sizeof num, "%lld", (long long)v);
    return tl_buf_append(b, num, (size_t)n);
}

static int put_str(struct tl_buf *b, const char *s) {
    return tl_buf_json_str(b, s, strlen(s));
}

int tl_coco_begin(struct tl_coco *c, struct tl_buf *b) {
    int rc = tl_buf_puts(
        b, "{\"info\":{\"description\":\"Tally COCO export\",\"coordinates\":\"pixels where "
           "the task data has numbers width and height; otherwise percent of the image "
           "(0..100) with width and height 100; each image's tally_units says which\"},"
           "\"categories\":[");
    bool is_first = true;
    for (size_t i = 0; !rc && i < c->schema->n_fields && i < TL_SCHEMA_MAX_FIELDS; i++) {
        const struct tl_field *f = &c->schema->fields[i];
        int64_t id = c->first_category[i];
        if (!id)
            continue;
        if (f->type == TL_FIELD_KEYPOINTS) {
            rc = tl_buf_puts(b, is_first ? "{\"id\":" : ",{\"id\":");
            rc = rc ? rc : put_int(b, id);
            rc = rc ? rc : tl_buf_puts(b, ",\"name\":");
            rc = rc ? rc : put_str(b, f->name);
            rc = rc ? rc : tl_buf_puts(b, ",\"supercategory\":");
            rc = rc ? rc : put_str(b, f->name);
            rc = rc ? rc : tl_buf_puts(b, ",\"keypoints\":[");
            for (size_t k = 0; !rc && k < f->n_options; k++) {
                rc = k ? tl_buf_puts(b, ",") : 0;
                rc = rc ? rc : put_str(b, f->options[k]);
            }
            rc = rc ? rc : tl_buf_puts(b, "],\"skeleton\":[]}");
            is_first = false;
            continue;
        }
        for (size_t k = 0; !rc && k < f->n_options; k++) {
            rc = tl_buf_puts(b, is_first ? "{\"id\":" : ",{\"id\":");
            rc = rc ? rc : put_int(b, id + (int64_t)k);
            rc = rc ? rc : tl_buf_puts(b, ",\"name\":");
            rc = rc ? rc : put_str(b, f->options[k]);
            rc = rc ? rc : tl_buf_puts(b, ",\"supercategory\":");
            rc = rc ? rc : put_str(b, f->name);
            rc = rc ? rc : tl_buf_puts(b, "}");
            is_first = false;
        }
    }
    return rc ? rc : tl_buf_puts(b, "],\"images\":[");
}

static int write_image(struct tl_coco *c, struct tl_buf *b, const struct tl_export_task *t,
                       const json_t *data) {
    double width = 100, height = 100;
    bool is_pixels = tl_region_image_size(data, &width, &height);
    const json_t *file = json_object_get(data, c->source);
    c->n_images++;
    int rc = tl_buf_puts(b, c->n_images > 1 ? ",{\"id\":" : "{\"id\":");
    rc = rc ? rc : put_int(b, c->n_images);
    rc = rc ? rc : tl_buf_puts(b, ",\"file_name\":");
    rc = rc ? rc
            : tl_buf_json_str(b, json_is_string(file) ? json_string_value(file) : "",
                              json_string_length(file));
    rc = rc ? rc : tl_buf_puts(b, ",\"width\":");
    rc = rc ? rc : put_num(b, width);
    rc = rc ? rc : tl_buf_puts(b, ",\"height\":");
    rc = rc ? rc : put_num(b, height);
    rc = rc ? rc : tl_buf_puts(b, ",\"tally_task_id\":\"");
    rc = rc ? rc : tl_buf_puts(b, t->id);
    rc = rc ? rc : tl_buf_puts(b, is_pixels ? "\",\"tally_units\":\"pixels\"}"
                                            : "\",\"tally_units\":\"percent\"}");
    return rc;
}

/* What the annotations of one task share while they are written. */
struct task_ctx {
    struct tl_coco *c;
    struct tl_buf *b;
    const struct tl_export_annotation *a;
    double sx, sy; /* percent to output units */
};

/* {"id":N,"image_id":M,"category_id":K, ...: the head of one annotation. */
static int ann_head(struct task_ctx *x, int64_t category) {
    struct tl_buf *b = x->b;
    x->c->n_annotations++;
    int rc = tl_buf_puts(b, x->c->n_annotations > 1 ? ",{\"id\":" : "{\"id\":");
    rc = rc ? rc : put_int(b, x->c->n_annotations);
    rc = rc ? rc : tl_buf_puts(b, ",\"image_id\":");
    rc = rc ? rc : put_int(b, x->c->image_no);
    rc = rc ? rc : tl_buf_puts(b, ",\"category_id\":");
    rc = rc ? rc : put_int(b, category);
    rc = rc ? rc : tl_buf_puts(b, ",\"iscrowd\":0,\"tally_annotation_id\":\"");
    rc = rc ? rc : tl_buf_puts(b, x->a->id);
    return rc ? rc : tl_buf_puts(b, "\"");
}

/* ,"bbox":[...],"area":A} closing one annotation. */
static int ann_tail(struct tl_buf *b, double x0, double y0, double x1, double y1, double area) {
    int rc = tl_buf_puts(b, ",\"bbox\":[");
    rc = rc ? rc : put_num(b, x0);
    rc = rc ? rc : tl_buf_puts(b, ",");
    rc = rc ? rc : put_num(b, y0);
    rc = rc ? rc : tl_buf_puts(b, ",");
    rc = rc ? rc : put_num(b, x1 - x0);
    rc = rc ? rc : tl_buf_puts(b, ",");
    rc = rc ? rc : put_num(b, y1 - y0);
    rc = rc ? rc : tl_buf_puts(b, "],\"area\":");
    rc = rc ? rc : put_num(b, area);
    return rc ? rc : tl_buf_puts(b, "}");
}

static int put_point(struct tl_buf *b, bool is_first, double px, double py) {
    int rc = is_first ? 0 : tl_buf_puts(b, ",");
    rc = rc ? rc : put_num(b, px);
    rc = rc ? rc : tl_buf_puts(b, ",");
    return rc ? rc : put_num(b, py);
}

static int write_box(struct task_ctx *x, const struct tl_field *f, int64_t first,
                     const json_t *item) {
    struct tl_region_box box;
    long k = tl_region_label_index(f, item);
    if (k < 0 || !tl_region_box_of(item, &box))
        return 0;
    double px[4], py[4];
    tl_region_box_corners(&box, x->sx, x->sy, px, py);
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int i = 0; i < 4; i++) {
        x0 = fmin(x0, px[i]), y0 = fmin(y0, py[i]);
        x1 = fmax(x1, px[i]), y1 = fmax(y1, py[i]);
    }
    int rc = ann_head(x, first + k);
    rc = rc ? rc : tl_buf_puts(x->b, ",\"segmentation\":[[");
    for (int i = 0; !rc && i < 4; i++)
        rc = put_point(x->b, i == 0, px[i], py[i]);
    rc = rc ? rc : tl_buf_puts(x->b, "]]");
    if (!rc && box.is_rotated) {
        rc = tl_buf_puts(x->b, ",\"rotation\":");
        rc = rc ? rc : put_num(x->b, box.rotation);
    }
    return rc ? rc : ann_tail(x->b, x0, y0, x1, y1, (box.width * x->sx) * (box.height * x->sy));
}

/* Point i of a polygon item, scaled: false if it is not two finite numbers. */
static bool poly_point(const struct task_ctx *x, const json_t *pts, size_t i, double *px,
                       double *py) {
    if (!tl_region_point(pts, i, px, py))
        return false;
    *px *= x->sx;
    *py *= x->sy;
    return isfinite(*px) && isfinite(*py);
}

static int write_polygon(struct task_ctx *x, const struct tl_field *f, int64_t first,
                         const json_t *item) {
    const json_t *pts = json_object_get(item, "points");
    size_t n = json_array_size(pts);
    long k = tl_region_label_index(f, item);
    if (k < 0 || n < 3 || n > TL_SCHEMA_MAX_POINTS)
        return 0;
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY, twice_area = 0;
    for (size_t i = 0; i < n; i++) {
        double px, py, qx, qy;
        if (!poly_point(x, pts, i, &px, &py) || !poly_point(x, pts, (i + 1) % n, &qx, &qy))
            return 0;
        x0 = fmin(x0, px), y0 = fmin(y0, py);
        x1 = fmax(x1, px), y1 = fmax(y1, py);
        twice_area += px * qy - qx * py;
    }
    int rc = ann_head(x, first + k);
    rc = rc ? rc : tl_buf_puts(x->b, ",\"segmentation\":[[");
    for (size_t i = 0; !rc && i < n; i++) {
        double px, py;
        poly_point(x, pts, i, &px, &py);
        rc = put_point(x->b, i == 0, px, py);
    }
    rc = rc ? rc : tl_buf_puts(x->b, "]]");
    return rc ? rc : ann_tail(x->b, x0, y0, x1, y1, fabs(twice_area) / 2);
}

/* The first point placed for label k in items, or false. */
static bool keypoint_of(const struct task_ctx *x, const struct tl_field *f, const json_t *items,
                        size_t k, double *px, double *py) {
    size_t n = json_array_size(items);
    for (size_t i = 0; i < n && i < TL_SCHEMA_MAX_ITEMS; i++) {
        const json_t *item = json_array_get(items, i);
        if (tl_region_label_index(f, item) != (long)k || !tl_region_num(item, "x", px) ||
            !tl_region_num(item, "y", py))
            continue;
        *px *= x->sx;
        *py *= x->sy;
        return true;
    }
    return false;
}

static int write_keypoints(struct task_ctx *x, const struct tl_field *f, int64_t category,
                           const json_t *items) {
    if (json_array_size(items) == 0)
        return 0;
    int rc = ann_head(x, category);
    rc = rc ? rc : tl_buf_puts(x->b, ",\"keypoints\":[");
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    int64_t placed = 0;
    for (size_t k = 0; !rc && k < f->n_options; k++) {
        double px = 0, py = 0;
        bool is_placed = keypoint_of(x, f, items, k, &px, &py);
        rc = put_point(x->b, k == 0, is_placed ? px : 0, is_placed ? py : 0);
        rc = rc ? rc : tl_buf_puts(x->b, is_placed ? ",2" : ",0");
        if (is_placed) {
            placed++;
            x0 = fmin(x0, px), y0 = fmin(y0, py);
            x1 = fmax(x1, px), y1 = fmax(y1, py);
        }
    }
    rc = rc ? rc : tl_buf_puts(x->b, "],\"num_keypoints\":");
    rc = rc ? rc : put_int(x->b, placed);
    if (!placed)
        x0 = y0 = x1 = y1 = 0;
    return rc ? rc : ann_tail(x->b, x0, y0, x1, y1, (x1 - x0) * (y1 - y0));
}

static int write_annotation(struct task_ctx *x, const json_t *result) {
    const struct tl_schema *s = x->c->schema;
    int rc = 0;
    for (size_t i = 0; !rc && i < s->n_fields && i < TL_SCHEMA_MAX_FIELDS; i++) {
        const struct tl_field *f = &s->fields[i];
        int64_t first = x->c->first_category[i];
        const json_t *items = json_object_get(result, f->name);
        if (!first || !json_is_array(items))
            continue;
        if (f->type == TL_FIELD_KEYPOINTS) {
            rc = write_keypoints(x, f, first, items);
            continue;
        }
        size_t n = json_array_size(items);
        for (size_t j = 0; !rc && j < n && j < TL_SCHEMA_MAX_ITEMS; j++) {
            const json_t *item = json_array_get(items, j);
            rc = f->type == TL_FIELD_BOXES ? write_box(x, f, first, item)
                                           : write_polygon(x, f, first, item);
        }
    }
    return rc;
}

static int write_annotations(struct tl_coco *c, struct tl_buf *b, const struct tl_export_task *t,
                             const json_t *data) {
    /* a task added after pass 1 has no image to point at */
    if (c->image_no >= c->n_images)
        return 0;
    c->image_no++;
    struct task_ctx x = {.c = c, .b = b, .sx = 1, .sy = 1};
    double width, height;
    if (tl_region_image_size(data, &width, &height)) {
        x.sx = width / 100;
        x.sy = height / 100;
    }
    int rc = 0;
    for (size_t i = 0; !rc && i < t->n_annotations; i++) {
        x.a = &t->annotations[i];
        json_t *result = json_loadb(x.a->result, x.a->result_len, 0, NULL);
        if (!result)
            return TL_EINTERNAL;
        rc = write_annotation(&x, result);
        json_decref(result);
    }
    return rc;
}

int tl_coco_export_task(struct tl_coco *c, struct tl_buf *b, const struct tl_export_task *t) {
    /* most tasks of a big project are unlabeled: count them, parse nothing */
    if (c->pass == 2 && t->n_annotations == 0) {
        if (c->image_no < c->n_images)
            c->image_no++;
        return 0;
    }
    json_t *data = json_loadb(t->data, t->data_len, 0, NULL);
    if (!data)
        return TL_EINTERNAL;
    int rc = c->pass == 1 ? write_image(c, b, t, data) : write_annotations(c, b, t, data);
    json_decref(data);
    return rc;
}

int tl_coco_next_pass(struct tl_coco *c, struct tl_buf *b) {
    c->pass = 2;
    c->image_no = 0;
    return tl_buf_puts(b, "],\"annotations\":[");
}

int tl_coco_end(struct tl_coco *c, struct tl_buf *b) {
    return tl_buf_puts(b, "]}\n");
}

size_t tl_coco_head_bound(const struct tl_coco *c) {
    /* every string escapes to at most 6 bytes a byte; a category repeats
     * its field's name */
    size_t bound = 2 * ITEM_OVERHEAD;
    for (size_t i = 0; i < c->schema->n_fields && i < TL_SCHEMA_MAX_FIELDS; i++) {
        const struct tl_field *f = &c->schema->fields[i];
        if (!c->first_category[i])
            continue;
        size_t name = 6 * strlen(f->name);
        bound += 2 * name + ITEM_OVERHEAD;
        for (size_t k = 0; k < f->n_options; k++)
            bound += 6 * strlen(f->options[k]) + name + ITEM_OVERHEAD / 8;
    }
    return bound;
}

size_t tl_coco_task_bound(const struct tl_coco *c, const struct tl_export_task *t) {
    if (c->pass == 1) /* file_name escapes to at most 6 bytes a byte */
        return 6 * t->data_len + ITEM_OVERHEAD;
    /* A region item of r bytes prints at most 8 numbers per number it holds
     * (a box's 4 corners and bbox), each number at least 2 bytes of source;
     * a keypoints annotation adds 3 numbers per label, placed or not. */
    size_t bound = ITEM_OVERHEAD;
    for (size_t i = 0; i < t->n_annotations; i++)
        bound += t->annotations[i].result_len * 4 * NUM_MAX +
                 c->keypoint_labels * 3 * NUM_MAX + ITEM_OVERHEAD;
    return bound;
}
