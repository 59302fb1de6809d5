/* export_yolo.c: see export_yolo.h. */
#include "schema/export_yolo.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tar.h"
#include "core/utf8.h"
#include "schema/region.h"

/* Fixed bytes of data.yaml beside the class names, and per class. */
#define YAML_OVERHEAD 1024
#define YAML_CLASS    32
/* Fixed bytes of a manifest line beside the image reference. */
#define MANIFEST_OVERHEAD 256
/* A label file line prints at most 3 bytes per byte of the result item
 * it comes from (a polygon point "[0,0]," becomes " 0.000000 0.000000"),
 * plus this. */
#define LINE_SLACK 64

static bool is_exported_type(enum tl_field_type type) {
    return type == TL_FIELD_BOXES || type == TL_FIELD_POLYGONS;
}

/* A label and its position among all exported labels in schema order. */
struct label_pos {
    const char *label;
    size_t order;
};

static int cmp_label_pos(const void *a, const void *b) {
    const struct label_pos *x = a, *y = b;
    int c = strcmp(x->label, y->label);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Number the exported labels so a repeated label keeps its first class:
 * sorting finds the repeats in n log n (a schema may hold 64,000 labels,
 * too many to compare pairwise). class_of[order] receives each class. */
static int number_classes(struct tl_yolo *y, size_t n, size_t *class_of) {
    struct label_pos *pos = malloc((n ? n : 1) * sizeof *pos);
    /* by order: the order of its label's first use */
    size_t *first = malloc((n ? n : 1) * sizeof *first);
    if (!pos || !first) {
        free(pos);
        free(first);
        return TL_ENOMEM;
    }
    size_t order = 0;
    for (size_t i = 0; i < y->schema->n_fields && i < TL_SCHEMA_MAX_FIELDS; i++)
        for (size_t k = 0; y->classes[i] && k < y->schema->fields[i].n_options; k++, order++)
            pos[order] = (struct label_pos){y->schema->fields[i].options[k], order};
    qsort(pos, n, sizeof *pos, cmp_label_pos);
    for (size_t j = 0; j < n; j++)
        first[pos[j].order] =
            j && !strcmp(pos[j].label, pos[j - 1].label) ? first[pos[j - 1].order] : pos[j].order;
    for (size_t o = 0; o < n; o++)
        class_of[o] = first[o] == o ? y->n_classes++ : class_of[first[o]];
    free(pos);
    free(first);
    return 0;
}

int tl_yolo_init(struct tl_yolo *y, const struct tl_schema *schema) {
    memset(y, 0, sizeof *y);
    y->schema = schema;
    size_t n_labels = 0;
    for (size_t i = 0; i < schema->n_fields && i < TL_SCHEMA_MAX_FIELDS; i++) {
        const struct tl_field *f = &schema->fields[i];
        if (!is_exported_type(f->type) || !f->source)
            continue;
        if (!y->source)
            y->source = f->source;
        if (strcmp(f->source, y->source))
            continue;
        if (!(y->classes[i] = calloc(f->n_options ? f->n_options : 1, sizeof(size_t)))) {
            tl_yolo_release(y);
            return TL_ENOMEM;
        }
        n_labels += f->n_options;
    }
    if (!y->source)
        return TL_EINVAL;
    size_t *class_of = malloc((n_labels ? n_labels : 1) * sizeof *class_of);
    int rc = class_of ? number_classes(y, n_labels, class_of) : TL_ENOMEM;
    size_t order = 0;
    for (size_t i = 0; !rc && i < schema->n_fields && i < TL_SCHEMA_MAX_FIELDS; i++)
        for (size_t k = 0; y->classes[i] && k < schema->fields[i].n_options; k++)
            y->classes[i][k] = class_of[order++];
    free(class_of);
    if (rc)
        tl_yolo_release(y);
    return rc;
}

void tl_yolo_release(struct tl_yolo *y) {
    for (size_t i = 0; i < TL_SCHEMA_MAX_FIELDS; i++) {
        free(y->classes[i]);
        y->classes[i] = NULL;
    }
    y->n_classes = 0;
}

/* --- data.yaml --- */

static int put_size(struct tl_buf *b, size_t v) {
    char num[32];
    int n = snprintf(num, sizeof num, "%zu", v);
    return tl_buf_append(b, num, (size_t)n);
}

/* The escape of cp inside a YAML double-quoted scalar into esc, or 0 if
 * cp may stand as it is. YAML readers refuse C0 and C1 controls and DEL,
 * and fold U+2028/U+2029 as line breaks; U+FFFD also stands for a byte
 * that was not UTF-8, which must not be copied. */
static size_t yaml_escape(uint32_t cp, char esc[16]) {
    if (cp == '"' || cp == '\\')
        return (size_t)snprintf(esc, 16, "\\%c", (char)cp);
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return (size_t)snprintf(esc, 16, "\\x%02x", (unsigned)cp);
    if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || (cp >= 0xFFFD && cp <= 0xFFFF))
        return (size_t)snprintf(esc, 16, "\\u%04x", (unsigned)cp);
    return 0;
}

/* s as a YAML double-quoted scalar: at most 6 bytes per byte of s. */
static int put_yaml_str(struct tl_buf *b, const char *s) {
    size_t len = strlen(s);
    int rc = tl_buf_puts(b, "\"");
    for (size_t i = 0; !rc && i < len;) {
        uint32_t cp;
        size_t n = tl_utf8_next(s + i, len - i, &cp);
        char esc[16];
        size_t esc_len = yaml_escape(cp, esc);
        rc = esc_len ? tl_buf_append(b, esc, esc_len) : tl_buf_append(b, s + i, n);
        i += n;
    }
    return rc ? rc : tl_buf_puts(b, "\"");
}

static int put_names(const struct tl_yolo *y, struct tl_buf *b) {
    size_t next = 0; /* a class's first label comes before any later class's */
    int rc = tl_buf_puts(b, "names:\n");
    for (size_t i = 0; !rc && i < y->schema->n_fields && i < TL_SCHEMA_MAX_FIELDS; i++) {
        const struct tl_field *f = &y->schema->fields[i];
        for (size_t k = 0; !rc && y->classes[i] && k < f->n_options; k++) {
            if (y->classes[i][k] != next)
                continue;
            rc = tl_buf_puts(b, "  ");
            rc = rc ? rc : put_size(b, next++);
            rc = rc ? rc : tl_buf_puts(b, ": ");
            rc = rc ? rc : put_yaml_str(b, f->options[k]);
            rc = rc ? rc : tl_buf_puts(b, "\n");
        }
    }
    return rc;
}

/* Where data.yaml's paths point, and why there are no images. No "path":
 * Ultralytics reads a relative one against its own datasets_dir, not the
 * file's folder, so only the user can say where the archive was unpacked;
 * without it, the folder of the data.yaml given to the trainer is used. */
static const char YAML_HEAD[] =
    "# Tally YOLO export. Labels: labels/<task_id>.txt, normalised 0..1.\n"
    "# Images are not included: manifest/<task_id>.json gives each task's\n"
    "# image reference; fetch it to images/<task_id>.<ext>. train and val\n"
    "# are the same folder: split it yourself. Add path: DIR (absolute) if\n"
    "# the trainer is not given this file by its absolute path.\n"
    "train: images\nval: images\nnc: ";

int tl_yolo_begin(struct tl_yolo *y, struct tl_buf *b) {
    size_t head;
    int rc = tl_tar_member_begin(b, "data.yaml", &head);
    rc = rc ? rc : tl_buf_puts(b, YAML_HEAD);
    rc = rc ? rc : put_size(b, y->n_classes);
    rc = rc ? rc : tl_buf_puts(b, "\n");
    rc = rc ? rc : put_names(y, b);
    return rc ? rc : tl_tar_member_end(b, head);
}

size_t tl_yolo_head_bound(const struct tl_yolo *y) {
    size_t bound = TL_TAR_MEMBER_OVERHEAD + YAML_OVERHEAD;
    for (size_t i = 0; i < y->schema->n_fields && i < TL_SCHEMA_MAX_FIELDS; i++)
        for (size_t k = 0; y->classes[i] && k < y->schema->fields[i].n_options; k++)
            bound += 6 * strlen(y->schema->fields[i].options[k]) + YAML_CLASS;
    return bound;
}

/* --- a task's members --- */

static double clip01(double v) {
    return v > 0 ? (v < 1 ? v : 1) : 0; /* also turns -0 into 0 */
}

/* " %.6f" of v clipped to 0..1. */
static int put_coord(struct tl_buf *b, double v) {
    char num[32];
    int n = snprintf(num, sizeof num, " %.6f", clip01(v));
    return tl_buf_append(b, num, (size_t)n);
}

/* What the regions of one annotation share while they are written. */
struct label_ctx {
    const struct tl_yolo *y;
    struct tl_buf *b;
    double width, height; /* the image in pixels, or 100 x 100 */
};

static int write_box(const struct label_ctx *x, size_t field, const json_t *item) {
    struct tl_region_box box;
    long k = tl_region_label_index(&x->y->schema->fields[field], item);
    if (k < 0 || !tl_region_box_of(item, &box))
        return 0;
    double px[4], py[4];
    tl_region_box_corners(&box, x->width / 100, x->height / 100, px, py);
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int i = 0; i < 4; i++) {
        x0 = fmin(x0, px[i]), y0 = fmin(y0, py[i]);
        x1 = fmax(x1, px[i]), y1 = fmax(y1, py[i]);
    }
    x0 = clip01(x0 / x->width), x1 = clip01(x1 / x->width);
    y0 = clip01(y0 / x->height), y1 = clip01(y1 / x->height);
    if (x1 <= x0 || y1 <= y0)
        return 0; /* turned wholly off the image */
    int rc = put_size(x->b, x->y->classes[field][k]);
    rc = rc ? rc : put_coord(x->b, (x0 + x1) / 2);
    rc = rc ? rc : put_coord(x->b, (y0 + y1) / 2);
    rc = rc ? rc : put_coord(x->b, x1 - x0);
    rc = rc ? rc : put_coord(x->b, y1 - y0);
    return rc ? rc : tl_buf_puts(x->b, "\n");
}

static int write_polygon(const struct label_ctx *x, size_t field, const json_t *item) {
    const json_t *pts = json_object_get(item, "points");
    size_t n = json_array_size(pts);
    long k = tl_region_label_index(&x->y->schema->fields[field], item);
    if (k < 0 || n < 3 || n > TL_SCHEMA_MAX_POINTS)
        return 0;
    double px, py;
    for (size_t i = 0; i < n; i++)
        if (!tl_region_point(pts, i, &px, &py))
            return 0;
    int rc = put_size(x->b, x->y->classes[field][k]);
    for (size_t i = 0; !rc && i < n; i++) {
        tl_region_point(pts, i, &px, &py);
        rc = put_coord(x->b, px / 100);
        rc = rc ? rc : put_coord(x->b, py / 100);
    }
    return rc ? rc : tl_buf_puts(x->b, "\n");
}

static int write_labels(const struct label_ctx *x, const json_t *result) {
    const struct tl_schema *s = x->y->schema;
    int rc = 0;
    for (size_t i = 0; !rc && i < s->n_fields && i < TL_SCHEMA_MAX_FIELDS; i++) {
        const json_t *items = json_object_get(result, s->fields[i].name);
        if (!x->y->classes[i] || !json_is_array(items))
            continue;
        size_t n = json_array_size(items);
        for (size_t j = 0; !rc && j < n && j < TL_SCHEMA_MAX_ITEMS; j++) {
            const json_t *item = json_array_get(items, j);
            rc = s->fields[i].type == TL_FIELD_BOXES ? write_box(x, i, item)
                                                     : write_polygon(x, i, item);
        }
    }
    return rc;
}

static int write_manifest(struct tl_buf *b, const struct tl_export_task *t,
                          const struct tl_export_annotation *a, const json_t *image) {
    int rc = tl_buf_puts(b, "{\"task_id\":\"");
    rc = rc ? rc : tl_buf_puts(b, t->id);
    rc = rc ? rc : tl_buf_puts(b, "\",\"annotation_id\":\"");
    rc = rc ? rc : tl_buf_puts(b, a->id);
    rc = rc ? rc : tl_buf_puts(b, "\",\"labels\":\"labels/");
    rc = rc ? rc : tl_buf_puts(b, t->id);
    rc = rc ? rc : tl_buf_puts(b, ".txt\",\"image\":");
    rc = rc ? rc : tl_buf_json_str(b, json_string_value(image), json_string_length(image));
    return rc ? rc : tl_buf_puts(b, "}\n");
}

/* The two members of a task whose data is parsed. Member names hold only
 * the task's id, checked to be one, never a data value. */
static int write_task(struct tl_yolo *y, struct tl_buf *b, const struct tl_export_task *t,
                      const json_t *data, const json_t *result) {
    const json_t *image = json_object_get(data, y->source);
    if (!json_is_string(image))
        return 0; /* no image to train on */
    struct label_ctx x = {.y = y, .b = b, .width = 100, .height = 100};
    tl_region_image_size(data, &x.width, &x.height);
    char name[64];
    size_t head;
    snprintf(name, sizeof name, "labels/%s.txt", t->id);
    int rc = tl_tar_member_begin(b, name, &head);
    rc = rc ? rc : write_labels(&x, result);
    rc = rc ? rc : tl_tar_member_end(b, head);
    snprintf(name, sizeof name, "manifest/%s.json", t->id);
    rc = rc ? rc : tl_tar_member_begin(b, name, &head);
    rc = rc ? rc : write_manifest(b, t, &t->annotations[t->n_annotations - 1], image);
    return rc ? rc : tl_tar_member_end(b, head);
}

int tl_yolo_export_task(struct tl_yolo *y, struct tl_buf *b, const struct tl_export_task *t) {
    if (t->n_annotations == 0)
        return 0; /* most tasks of a big project: parse nothing */
    if (!tl_id_valid(t->id, strlen(t->id)))
        return TL_EINTERNAL;
    const struct tl_export_annotation *newest = &t->annotations[t->n_annotations - 1];
    json_t *data = json_loadb(t->data, t->data_len, 0, NULL);
    json_t *result = json_loadb(newest->result, newest->result_len, 0, NULL);
    int rc = json_is_object(data) && json_is_object(result) ? write_task(y, b, t, data, result)
                                                            : TL_EINTERNAL;
    json_decref(data);
    json_decref(result);
    return rc;
}

size_t tl_yolo_task_bound(const struct tl_yolo *y, const struct tl_export_task *t) {
    (void)y;
    if (t->n_annotations == 0)
        return 0;
    /* the image reference escapes to at most 6 bytes a byte of the data */
    size_t labels = 3 * t->annotations[t->n_annotations - 1].result_len + LINE_SLACK;
    size_t manifest = 6 * t->data_len + MANIFEST_OVERHEAD;
    return 2 * TL_TAR_MEMBER_OVERHEAD + labels + manifest;
}

int tl_yolo_end(struct tl_yolo *y, struct tl_buf *b) {
    (void)y;
    return tl_tar_end(b);
}

size_t tl_yolo_end_bound(const struct tl_yolo *y) {
    (void)y;
    return TL_TAR_END_SIZE;
}
