/* lsjson.h: Label Studio's result format <-> Tally results, through a
 * project's schema.
 *
 * A Label Studio annotation (or prediction) is a list of result items
 * {"id", "type", "from_name", "to_name", "value":{...}}; a Tally result is
 * one object keyed by field name. from_name is the field's name; to_name
 * the view's "name" (or its source key) for fields over a source, else the
 * first view's. Per field type:
 *
 *   choice, multichoice  choices      {"choices":[...]} (one for choice)
 *   text                 textarea     {"text":[...]} (lines joined by "\n")
 *   number               number       {"number":X}
 *   rating               rating       {"rating":N}
 *   spans                labels       {"start","end","text","labels":[L]}
 *   relations            relation     "from_id","to_id","labels":[L], no value
 *   boxes                rectanglelabels {"x","y","width","height","rotation",
 *                                     "rectanglelabels":[L]}
 *   polygons             polygonlabels {"points":[[x,y]...],"polygonlabels":[L],
 *                                     "closed":true}
 *   keypoints            keypointlabels {"x","y","keypointlabels":[L]}
 *   segments             labels       {"start","end","labels":[L]}; the text
 *                        of a segment is a "textarea" item with the same id
 *                        (from_name: the field's text_name)
 *   pairwise             pairwise     {"selected":"left"|"right"|"none"}
 *                        (a tie is "none": Label Studio has no tie)
 *   ranking              ranker       {"ranker":{"rank":[KEY...]}}
 *   rubric               rubric       {"rubric":{CRITERION:N...}} (Tally's own)
 *
 * Offsets: span start/end in Label Studio are JavaScript string indexes
 * (UTF-16 code units); Tally's are code points. They differ past any
 * character outside the Basic Multilingual Plane (an emoji): both ways are
 * converted with the task's text, and an offset inside a surrogate pair is
 * refused. A region with several labels becomes one Tally item per label
 * (same id); the export merges them back. Region ids are kept; a region
 * without one is exported with an id made from its field and position.
 * Coordinates are copied as numbers, never rounded.
 *
 * Reading is lenient about keys Label Studio adds (origin, score,
 * original_width, image_rotation, ...) and strict about what a label needs:
 * an unknown from_name, a type that does not fit its field, a label that
 * is missing, or an offset that does not fit the text is an error naming
 * the item. The result is then checked like any submission
 * (tl_schema_validate_task) by the caller. No HTTP, no SQL here. */
#ifndef TL_SCHEMA_LSJSON_H
#define TL_SCHEMA_LSJSON_H

#include <jansson.h>

#include "core/err.h"
#include "schema/schema.h"

/* Result items read from one Label Studio result list, at most. */
#define TL_LSJSON_MAX_ITEMS 100000

/* Convert a Label Studio result list to a Tally result object: 0 with
 * *out (a new reference), or TL_EINVAL with a message naming the item (from
 * 1) in eb, or TL_ENOMEM. data is the task's data object (span offsets are
 * read against its text). */
int tl_lsjson_to_result(const struct tl_schema *s, const json_t *items, const json_t *data,
                        json_t **out, struct tl_errbuf *eb);

/* Convert a Tally result object (valid for s and data) to a Label Studio
 * result list: 0 with *out (a new reference), TL_EINVAL for a result that
 * does not fit s (stored data that changed shape), TL_ENOMEM. */
int tl_lsjson_from_result(const struct tl_schema *s, const json_t *result, const json_t *data,
                          json_t **out, struct tl_errbuf *eb);

#endif
