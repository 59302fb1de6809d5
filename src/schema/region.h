/* region.h: reading the region items of a stored result (boxes, polygons,
 * keypoints over an image), shared by the image export formats (COCO,
 * YOLO), so both read a box and turn it the same way.
 *
 * Items were checked on submit (schema.h); these readers still refuse what
 * they cannot use (a missing or non-finite number, an unknown label) by
 * returning false or -1, and the formats skip such items. Coordinates are
 * as stored: percent of the image, Label Studio's convention. */
#ifndef TL_SCHEMA_REGION_H
#define TL_SCHEMA_REGION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "schema/schema.h"

/* A box item: top-left corner, size, and a turn of rotation degrees
 * (clockwise on screen, y pointing down) about the top-left corner. */
struct tl_region_box {
    double x, y, width, height;
    double rotation;  /* 0 when absent */
    bool is_rotated;  /* the item has a "rotation" key (even 0) */
};

/* The finite number at o[key]: true, or false if there is none. */
bool tl_region_num(const json_t *o, const char *key, double *out);
/* The index of item's "label" among f's labels, or -1. */
long tl_region_label_index(const struct tl_field *f, const json_t *item);
/* The image's size in pixels from the task data's numbers "width" and
 * "height" (finite, > 0): true, or false leaving width and height as
 * they were. */
bool tl_region_image_size(const json_t *data, double *width, double *height);
/* Read a box item: true, or false if a number is missing or not finite. */
bool tl_region_box_of(const json_t *item, struct tl_region_box *box);
/* The box's four corners (top-left, top-right, bottom-right, bottom-left
 * before the turn), scaled by sx and sy first and then turned, so that a
 * turn in pixels is a true rotation of the picture. */
void tl_region_box_corners(const struct tl_region_box *box, double sx, double sy, double px[4],
                           double py[4]);
/* Point i of a polygon's "points" array: true, or false if it is not two
 * finite numbers. */
bool tl_region_point(const json_t *points, size_t i, double *px, double *py);

#endif
