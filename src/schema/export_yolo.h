/* export_yolo.h: the YOLO export (Ultralytics' detection and segmentation
 * label format), as a POSIX ustar archive streamed task by task.
 *
 * Members, in this order (core/tar.h: deterministic headers, mtime 0):
 *   data.yaml                  written by tl_yolo_begin: `train: images`,
 *                              `val: images`, `nc: N`, `names:` (index:
 *                              "label", YAML double-quoted); no `path:`,
 *                              which Ultralytics would read against its
 *                              datasets_dir rather than the file's folder
 *   per task, in task order, when it has an annotation and its data holds a
 *   string at the image source:
 *     labels/<task_id>.txt     from the task's newest human annotation
 *     manifest/<task_id>.json  one line {"task_id","annotation_id",
 *                              "labels":"labels/<task_id>.txt","image":V}
 *   the archive's end (two zero blocks), by tl_yolo_end.
 * Images are not in the archive (the exporter never fetches anything): V is
 * the task data's value at the image source, as stored (a URL or a file
 * path). A trainer fetches each to images/<task_id>.<ext>; Ultralytics then
 * finds labels/<task_id>.txt beside it, which is what `train: images` and
 * `val: images` in data.yaml point at (both the same folder: split it
 * yourself). Memory stays constant: each member is closed before the next
 * task comes, so the manifest is one small member per task rather than one
 * file the archive would have to hold back to learn its size; the members
 * of manifest/ concatenated are JSON Lines.
 *
 * The image source is the "source" of the schema's first boxes or polygons
 * field; only boxes and polygons fields over it are exported. Keypoints are
 * not part of YOLO detection or segmentation and are skipped, as are
 * predictions and every annotation but the newest (the last one fed: the
 * store feeds them in the order they were recorded).
 *
 * Classes: the labels of the exported fields in schema order, a label
 * repeated in a later field keeping its first index (0..nc-1).
 * Label lines, numbers "%.6f" normalised to 0..1 of the image (percent /
 * 100), clipped to 0..1:
 *   box      `class cx cy w h`: centre and size. Label Studio's x, y is the
 *            top-left corner, and a "rotation" turns the box that many
 *            degrees about that corner; a rotated box is written as the
 *            axis-aligned box enclosing its corners, clipped. The turn is
 *            done in pixels when the task data has numbers "width" and
 *            "height" (> 0), as the COCO export does; otherwise in percent
 *            units, exact for square images only. A box left with no area
 *            by the clip is skipped.
 *   polygon  `class x1 y1 x2 y2 ...`: its points, in order.
 * Ultralytics reads a label file that holds any polygon line as
 * segmentation, so a task with both boxes and polygons suits a
 * segmentation model; train detection on a schema of boxes only.
 * Items with non-finite numbers or unknown labels (never accepted on
 * submit) are skipped rather than failing the export. A newest annotation
 * without regions gives an empty label file: a background image. */
#ifndef TL_SCHEMA_EXPORT_YOLO_H
#define TL_SCHEMA_EXPORT_YOLO_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/model.h"
#include "schema/schema.h"

struct tl_yolo {
    const struct tl_schema *schema; /* borrowed: keep it alive while writing */
    const char *source;             /* the image view's key (in schema) */
    /* per field: the class of each of its labels (owned), NULL if the
     * field is not exported */
    size_t *classes[TL_SCHEMA_MAX_FIELDS];
    size_t n_classes;
};

/* Set up a writer for schema (borrowed): 0, TL_EINVAL when the schema has
 * no boxes or polygons field, TL_ENOMEM. On failure there is nothing to
 * release. */
int tl_yolo_init(struct tl_yolo *y, const struct tl_schema *schema);
/* Free the class tables; y may be zeroed or released already. */
void tl_yolo_release(struct tl_yolo *y);
/* Append the data.yaml member: 0, TL_ETOOBIG, TL_ENOMEM. */
int tl_yolo_begin(struct tl_yolo *y, struct tl_buf *b);
/* Append task t's members (none for a task without annotations or without
 * an image reference): 0, TL_ETOOBIG past b's ceiling, TL_ENOMEM,
 * TL_EINTERNAL if stored JSON does not parse or t's id is not an id. On
 * error b may hold part of a member. */
int tl_yolo_export_task(struct tl_yolo *y, struct tl_buf *b, const struct tl_export_task *t);
/* Append the archive's end: 0, TL_ETOOBIG, TL_ENOMEM. */
int tl_yolo_end(struct tl_yolo *y, struct tl_buf *b);
/* The most bytes tl_yolo_begin may append: a ceiling for b. */
size_t tl_yolo_head_bound(const struct tl_yolo *y);
/* The most bytes tl_yolo_export_task may append for t. */
size_t tl_yolo_task_bound(const struct tl_yolo *y, const struct tl_export_task *t);
/* The most bytes tl_yolo_end may append. */
size_t tl_yolo_end_bound(const struct tl_yolo *y);

#endif
