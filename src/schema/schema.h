/* schema.h: the label schema language: what an annotation result looks like.
 *
 * A project's schema is JSON: {"views":[VIEW...] (optional), "fields":[FIELD...]}
 * (docs/schema.md is the user's guide; this is the contract).
 *   VIEW  {"source":KEY, "kind":"text"|"markdown"|"image"|"audio"|"video"|"code"|
 *          "chat"|"json", "language":STR (code only), "name":STR}: how a client shows
 *          data[KEY]; name is what another tool calls the view (Label Studio's
 *          object name, its results' to_name), when it is not KEY.
 *   FIELD {"name":STR, "type":T, "required":BOOL (true), "description":STR,
 *          "hotkeys":{VALUE:KEY...}, "show_if":{"field":EARLIER_FIELD,"equals":SCALAR},
 *          + the type's options:}
 *     choice, multichoice  "options":[STR...]           "x" / ["x",...]
 *     text                 "max_length":N               "..."
 *     number               "min","max"                  1.5
 *     rating               "min","max" (integers)       4
 *     spans      "source" (text|markdown|code view), "labels", "allow_overlap":BOOL (false)
 *                [{"start","end","label"}] code-point offsets, 0 <= start < end <= length
 *     relations  "field":SPANS_FIELD, "labels"   [{"from","to","label"}] span indexes
 *     boxes      "source" (image), "labels", "min_size"   [{"x","y","width","height",
 *                "rotation"?,"label"}] percent of the image, x+width <= 100, y+height <= 100
 *     polygons   "source" (image), "labels", "min_size"   [{"points":[[x,y]...],"label"}]
 *     keypoints  "source" (image), "labels"               [{"x","y","label"}]
 *     segments   "source" (audio|video), "labels", "text_name" (Label Studio's name for
 *                the per-segment text)                [{"start","end","label","text"?}]
 *     pairwise   "sources":[A,B]                          "a"|"b"|"tie"
 *     ranking    "sources":[K...]                         a permutation of the keys
 *     rubric     "criteria":[{"name","min","max"}]        {"criterion":int...}
 *   Region items (spans ... segments) may carry an "id" string for round trips.
 * Unknown keys are refused everywhere, in schemas and in results, so that a
 * typo never silently drops a label. A field hidden by show_if (its earlier
 * field's answer differs) is not required and must be absent or null: an
 * answer to a question the labeler was not asked is refused, not stored.
 *
 * Ownership: a parsed struct tl_schema owns every string and JSON value in
 * it; release it with tl_schema_release(). No HTTP, no SQL here: the module
 * is reused by the importers, the exporters and the quality engine. */
#ifndef TL_SCHEMA_H
#define TL_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Ceilings of a schema (checked by tl_schema_parse). */
#define TL_SCHEMA_MAX_FIELDS      64
#define TL_SCHEMA_MAX_VIEWS       64
#define TL_SCHEMA_MAX_OPTIONS     1000 /* options or labels of one field */
#define TL_SCHEMA_MAX_OPTION_LEN  1024 /* bytes of one option or label */
#define TL_SCHEMA_MAX_NAME        128  /* bytes of a field name, view source, criterion */
#define TL_SCHEMA_MAX_SOURCES     32   /* pairwise/ranking sources */
#define TL_SCHEMA_MAX_CRITERIA    32
#define TL_SCHEMA_MAX_DESCRIPTION 4096
#define TL_SCHEMA_MAX_HOTKEY      16
#define TL_SCHEMA_MAX_DEPTH       8 /* JSON nesting of the schema document */
/* Ceilings of a result (checked by tl_schema_validate). */
#define TL_SCHEMA_MAX_ITEMS  10000 /* regions or relations in one field */
#define TL_SCHEMA_MAX_POINTS 1000  /* points of one polygon */
#define TL_SCHEMA_MAX_ID     64    /* bytes of a region's "id" */

enum tl_field_type {
    TL_FIELD_CHOICE,
    TL_FIELD_MULTICHOICE,
    TL_FIELD_TEXT,
    TL_FIELD_NUMBER,
    TL_FIELD_RATING,
    TL_FIELD_SPANS,
    TL_FIELD_RELATIONS,
    TL_FIELD_BOXES,
    TL_FIELD_POLYGONS,
    TL_FIELD_KEYPOINTS,
    TL_FIELD_SEGMENTS,
    TL_FIELD_PAIRWISE,
    TL_FIELD_RANKING,
    TL_FIELD_RUBRIC,
};

enum tl_view_kind {
    TL_VIEW_TEXT,
    TL_VIEW_MARKDOWN,
    TL_VIEW_IMAGE,
    TL_VIEW_AUDIO,
    TL_VIEW_VIDEO,
    TL_VIEW_CODE,
    TL_VIEW_CHAT,
    TL_VIEW_JSON,
};

struct tl_view {
    char *source;
    enum tl_view_kind kind;
    char *language; /* NULL unless given (code views) */
    char *name;     /* NULL unless given: another tool's name for the view */
};

struct tl_criterion {
    char *name;
    long long min, max;
};

struct tl_field {
    char *name;
    enum tl_field_type type;
    bool is_required;
    char *description;  /* NULL when absent */
    json_t *hotkeys;    /* owned reference, NULL when absent */
    char **options;     /* choice/multichoice options, or the labels of a region field */
    size_t n_options;
    bool has_min, has_max;
    double min, max;
    size_t max_length;  /* 0: no limit beyond the request cap */
    char *source;       /* spans, boxes, polygons, keypoints, segments */
    char **sources;     /* pairwise (2), ranking */
    size_t n_sources;
    bool allow_overlap; /* spans */
    char *text_name;    /* segments: Label Studio's per-segment TextArea, NULL if unnamed */
    double min_size;    /* boxes, polygons: percent, 0 = none */
    size_t spans_field; /* relations: index of its spans field */
    struct tl_criterion *criteria; /* rubric */
    size_t n_criteria;
    bool has_show_if;
    size_t show_if_field; /* index of an earlier field */
    json_t *show_if_equals; /* owned reference */
};

struct tl_schema {
    struct tl_field *fields;
    size_t n_fields;
    struct tl_view *views;
    size_t n_views;
    bool needs_data; /* some field is checked against the task's data (spans) */
};

/* Parse and check a schema: 0, TL_EINVAL with a message naming the bad
 * field and the reason in eb, TL_ENOMEM. On failure *out is left empty
 * (nothing to release). */
int tl_schema_parse(const json_t *j, struct tl_schema *out, struct tl_errbuf *eb);
/* The same for a schema read back from the store: unknown keys are ignored
 * (older versions accepted and stored them), every other rule holds. */
int tl_schema_parse_stored(const json_t *j, struct tl_schema *out, struct tl_errbuf *eb);

/* Check a result against the schema and the task's data: 0 or TL_EUNPROC
 * with a message naming the field (TL_ENOMEM on allocation failure). data
 * (the task's data object) is read only when s->needs_data: spans are then
 * checked against the code-point length of data[source]. data may be NULL
 * when the caller has no task at hand (a dry check): spans' offsets are then
 * checked for everything but their upper bound. Nothing is retained. */
int tl_schema_validate_task(const struct tl_schema *s, const json_t *result, const json_t *data,
                            struct tl_errbuf *eb);
/* tl_schema_validate_task for a label made in another tool (imported with
 * its task, a prediction included), kept exactly as it came: a box may run
 * past the right or bottom edge of the image, as Label Studio lets it
 * (its x, y, width and height are still each in 0..100). */
int tl_schema_validate_imported(const struct tl_schema *s, const json_t *result,
                                const json_t *data, struct tl_errbuf *eb);
/* tl_schema_validate_task without task data (see above). */
int tl_schema_validate(const struct tl_schema *s, const json_t *result, struct tl_errbuf *eb);

/* Check one field's value in result (field index i of s) as
 * tl_schema_validate_task checks it, ignoring every other field's rules
 * (required, show_if): how a partial result such as a gold answer is
 * checked. A relations field reads its spans field from the same result.
 * 0, or TL_EUNPROC naming the field (also when the value is absent or
 * null), or TL_ENOMEM. */
int tl_schema_validate_field(const struct tl_schema *s, size_t i, const json_t *result,
                             const json_t *data, struct tl_errbuf *eb);

/* Code points in a UTF-8 string of len bytes (assumed valid UTF-8, as
 * jansson guarantees): the unit of span offsets. */
size_t tl_schema_utf8_len(const char *s, size_t len);

void tl_schema_release(struct tl_schema *s);

#endif
