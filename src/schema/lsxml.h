/* lsxml.h: Label Studio XML label configs converted to Tally schemas.
 *
 * A Label Studio config is a tree of object tags (what to show: Text,
 * HyperText, Paragraphs, Image, Audio) and control tags (what to answer:
 * Choices, Labels, RectangleLabels, ...) that point at objects by name
 * (toName). Each object with value="$key" becomes a view of data key `key`;
 * each control becomes a field named after its `name`, with its source the
 * key of the object it points at:
 *
 *   Choices/Choice           choice, or multichoice when choice="multiple"
 *   Labels/Label on text     spans {source, labels, allow_overlap: true}
 *   Labels/Label on audio    segments {source, labels} (a per-region TextArea
 *                            on that audio is the segments' "text")
 *   RectangleLabels          boxes {source, labels}
 *   PolygonLabels            polygons {source, labels}
 *   KeyPointLabels           keypoints {source, labels}
 *   Relations/Relation       relations {field: the spans field, labels}
 *   TextArea                 text
 *   Number                   number {min?, max?}
 *   Rating                   rating {min: 1, max: maxRating (5)}
 *   Pairwise                 pairwise {sources: [A, B]}
 *   Ranker                   ranking {sources: [...]}
 * An object named otherwise than its key (<Text name="text" value="$ner">)
 * gives its view that "name", and a per-region TextArea its segments field
 * a "text_name", so that a Label Studio export (lsjson.h) writes the names
 * Label Studio's results use (to_name, from_name).
 * View is layout and Header a caption: neither makes a field. AudioPlus is
 * Label Studio's older name for Audio and is read as Audio. Any other tag
 * is refused by name: a silently dropped control would lose labels.
 *
 * Safety: the text is parsed by expat as UTF-8, in one streaming pass, with
 * the ceilings below; a DOCTYPE (so any entity declaration) is refused
 * before expat reads it, so entity expansion (billion laughs) and external
 * entities cannot happen. No HTTP, no SQL here. */
#ifndef TL_SCHEMA_LSXML_H
#define TL_SCHEMA_LSXML_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

#define TL_LSXML_MAX_BYTES    (1u << 20) /* the whole config */
#define TL_LSXML_MAX_DEPTH    32         /* nested elements */
#define TL_LSXML_MAX_ELEMENTS 10000      /* elements in the config */
#define TL_LSXML_MAX_ATTRS    64         /* attributes on one element */
#define TL_LSXML_MAX_ATTR_LEN 8192       /* bytes of one attribute value */

/* Convert the config xml[0..len) to a schema {"views":[...],"fields":[...]}.
 * Returns 0 and a new reference in *out (the caller owns it), or, with *out
 * NULL and a message in eb: TL_EINVAL (malformed XML, with its line; an
 * unsupported tag, named with its line; a control without a name or whose
 * toName is no object; a DOCTYPE), TL_ETOOBIG (a ceiling above),
 * TL_ENOMEM. */
int tl_lsxml_convert(const char *xml, size_t len, json_t **out, struct tl_errbuf *eb);

/* 0 if content_type (may be NULL) is application/xml or text/xml, any case,
 * parameters allowed; else TL_EINVAL. */
int tl_lsxml_media_type(const char *content_type);

#endif
