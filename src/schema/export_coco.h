/* export_coco.h: the COCO export writer (boxes, polygons, keypoints).
 *
 * The document is {"info","categories","images","annotations"}, written in
 * constant memory in two passes over the project's tasks, because COCO keeps
 * images and annotations in separate arrays:
 *   tl_coco_begin           {"info":{...},"categories":[...],"images":[
 *   pass 1: tl_coco_export_task per task   one image each
 *   tl_coco_next_pass       ],"annotations":[
 *   pass 2: tl_coco_export_task per task   that task's regions
 *   tl_coco_end             ]}
 * The cost of streaming is that every task is read twice (the caller reads
 * the pages again from cursor 0); nothing is spilled or held. Pass 2 counts
 * tasks like pass 1, so image ids match; a task added between the passes
 * (after the last one of pass 1) is skipped in pass 2, never half-listed.
 *
 * Images: the image source is the "source" of the schema's first boxes,
 * polygons or keypoints field; only fields over that source are exported.
 * Image ids are 1.. in task order; file_name is data[source] (a string, else
 * ""); "tally_task_id" names the task. Coordinates are pixels when the task
 * data has numbers "width" and "height" (> 0): the image gets them and
 * "tally_units":"pixels". Otherwise they stay percent of the image (0..100,
 * as stored): the image gets width and height 100 and "tally_units":"percent",
 * and "info" says so.
 *
 * Categories, ids 1.. in schema order: one per label of a boxes or polygons
 * field ({"name":LABEL,"supercategory":FIELD}); one per keypoints field
 * ({"name":FIELD,"keypoints":[LABEL...],"skeleton":[]}), as COCO's person
 * keypoints are one category with named points.
 * Annotations, ids 1.., one per region of every human annotation
 * (predictions are not exported here), with "tally_annotation_id":
 *   box      bbox [x,y,w,h]; segmentation its 4 corners, turned by "rotation"
 *            degrees about its top-left corner (Label Studio's convention),
 *            bbox then enclosing them, "rotation" kept; area w*h
 *   polygon  segmentation [[x1,y1,...]]; bbox enclosing; area by shoelace
 *   keypoints one per (annotation, keypoints field): "keypoints" triples
 *            (x,y,2) in the category's label order, (0,0,0) for a label not
 *            placed; a label placed twice keeps its first point (COCO has one
 *            point per name and instance); bbox enclosing, num_keypoints.
 * Items with non-finite numbers or unknown labels (never accepted on submit)
 * are skipped rather than failing the export. */
#ifndef TL_SCHEMA_EXPORT_COCO_H
#define TL_SCHEMA_EXPORT_COCO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "schema/schema.h"
#include "core/model.h"

struct tl_coco {
    const struct tl_schema *schema; /* borrowed: keep it alive while writing */
    const char *source;             /* the image view's key (in schema) */
    /* per field: its first category id, 0 if not exported */
    int64_t first_category[TL_SCHEMA_MAX_FIELDS];
    size_t keypoint_labels; /* labels of all exported keypoints fields */
    int pass;               /* 1 (images) or 2 (annotations) */
    int64_t n_images;       /* images written in pass 1 */
    int64_t image_no;       /* tasks seen in pass 2 */
    int64_t n_annotations;  /* annotations written so far */
};

/* Set up a writer for schema (borrowed). Allocates nothing. 0, or TL_EINVAL
 * when the schema has no boxes, polygons or keypoints field. */
int tl_coco_init(struct tl_coco *c, const struct tl_schema *schema);
/* Append the document's head up to the images array: 0, TL_ETOOBIG,
 * TL_ENOMEM. */
int tl_coco_begin(struct tl_coco *c, struct tl_buf *b);
/* Append task t's part for the current pass (its image, or its
 * annotations), called once per task in task order like
 * tl_jsonl_export_task: 0, TL_ETOOBIG past b's ceiling, TL_ENOMEM,
 * TL_EINTERNAL if stored JSON does not parse. */
int tl_coco_export_task(struct tl_coco *c, struct tl_buf *b, const struct tl_export_task *t);
/* Close the images and open the annotations: 0, TL_ETOOBIG, TL_ENOMEM. The
 * caller then feeds every task again from the first. */
int tl_coco_next_pass(struct tl_coco *c, struct tl_buf *b);
/* Close the document (with its '\n'): 0, TL_ETOOBIG, TL_ENOMEM. */
int tl_coco_end(struct tl_coco *c, struct tl_buf *b);
/* The most bytes tl_coco_begin may append: a ceiling for b. */
size_t tl_coco_head_bound(const struct tl_coco *c);
/* The most bytes tl_coco_export_task may append for t: a ceiling for b. */
size_t tl_coco_task_bound(const struct tl_coco *c, const struct tl_export_task *t);

#endif
