/* schema.h: the label schema language: what an annotation result looks like.
 *
 * A project's schema is JSON: {"fields":[FIELD, ...]}, each FIELD
 *   {"name":STR, "type":"choice"|"multichoice"|"text"|"number"|"rating",
 *    "options":[STR...] (choice, multichoice), "min"/"max" (number; rating
 *    requires both, integers), "max_length" (text), "required":BOOL (true)}
 * A result is a JSON object with one key per field; unknown keys are refused
 * so that a typo never silently drops a label.
 *
 * Ownership: a parsed struct tl_schema owns every string in it; release it
 * with tl_schema_release(). No HTTP, no SQL here: the module is reused by the
 * importers and the quality engine. */
#ifndef TL_SCHEMA_H
#define TL_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define TL_SCHEMA_MAX_FIELDS 64
#define TL_SCHEMA_MAX_OPTIONS 1000
#define TL_SCHEMA_MAX_NAME 128

enum tl_field_type {
    TL_FIELD_CHOICE,
    TL_FIELD_MULTICHOICE,
    TL_FIELD_TEXT,
    TL_FIELD_NUMBER,
    TL_FIELD_RATING,
};

struct tl_field {
    char *name;
    enum tl_field_type type;
    bool is_required;
    char **options;
    size_t n_options;
    bool has_min, has_max;
    double min, max;
    size_t max_length; /* 0: no limit beyond the request cap */
};

struct tl_schema {
    struct tl_field *fields;
    size_t n_fields;
};

/* Parse and check a schema: 0, TL_EINVAL with a message in eb, TL_ENOMEM.
 * On failure *out is left empty (nothing to release). */
int tl_schema_parse(const json_t *j, struct tl_schema *out, struct tl_errbuf *eb);
/* Check a result against the schema: 0 or TL_EUNPROC with a message. */
int tl_schema_validate(const struct tl_schema *s, const json_t *result, struct tl_errbuf *eb);
void tl_schema_release(struct tl_schema *s);

#endif
