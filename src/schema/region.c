/* region.c: region items of a stored result (see region.h). */
#include "schema/region.h"

#include <math.h>
#include <string.h>

bool tl_region_num(const json_t *o, const char *key, double *out) {
    const json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return isfinite(*out);
}

long tl_region_label_index(const struct tl_field *f, const json_t *item) {
    const char *label = json_string_value(json_object_get(item, "label"));
    for (size_t k = 0; label && k < f->n_options; k++)
        if (!strcmp(f->options[k], label))
            return (long)k;
    return -1;
}

bool tl_region_image_size(const json_t *data, double *width, double *height) {
    double w, h;
    if (!tl_region_num(data, "width", &w) || !tl_region_num(data, "height", &h) || w <= 0 ||
        h <= 0)
        return false;
    *width = w;
    *height = h;
    return true;
}

bool tl_region_box_of(const json_t *item, struct tl_region_box *box) {
    box->rotation = 0;
    box->is_rotated = json_object_get(item, "rotation") != NULL;
    return tl_region_num(item, "x", &box->x) && tl_region_num(item, "y", &box->y) &&
           tl_region_num(item, "width", &box->width) &&
           tl_region_num(item, "height", &box->height) &&
           (!box->is_rotated || tl_region_num(item, "rotation", &box->rotation));
}

void tl_region_box_corners(const struct tl_region_box *box, double sx, double sy, double px[4],
                           double py[4]) {
    double bx = box->x * sx, by = box->y * sy, bw = box->width * sx, bh = box->height * sy;
    double rad = box->rotation * M_PI / 180, co = cos(rad), si = sin(rad);
    const double dx[4] = {0, bw, bw, 0}, dy[4] = {0, 0, bh, bh};
    for (int i = 0; i < 4; i++) {
        /* unturned corners stay exact: no cos(0) rounding in the sums */
        px[i] = box->rotation == 0 ? bx + dx[i] : bx + dx[i] * co - dy[i] * si;
        py[i] = box->rotation == 0 ? by + dy[i] : by + dx[i] * si + dy[i] * co;
    }
}

bool tl_region_point(const json_t *points, size_t i, double *px, double *py) {
    const json_t *p = json_array_get(points, i);
    const json_t *jx = json_array_get(p, 0), *jy = json_array_get(p, 1);
    if (json_array_size(p) != 2 || !json_is_number(jx) || !json_is_number(jy))
        return false;
    *px = json_number_value(jx);
    *py = json_number_value(jy);
    return isfinite(*px) && isfinite(*py);
}
