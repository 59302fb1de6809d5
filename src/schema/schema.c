/* schema.c: parse label schemas and validate results against them. */
#include "schema/schema.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    enum tl_field_type type;
} type_names[] = {
    {"choice", TL_FIELD_CHOICE}, {"multichoice", TL_FIELD_MULTICHOICE}, {"text", TL_FIELD_TEXT},
    {"number", TL_FIELD_NUMBER}, {"rating", TL_FIELD_RATING},
};

static void field_release(struct tl_field *f) {
    free(f->name);
    for (size_t i = 0; i < f->n_options; i++)
        free(f->options[i]);
    free(f->options);
}

void tl_schema_release(struct tl_schema *s) {
    for (size_t i = 0; i < s->n_fields; i++)
        field_release(&s->fields[i]);
    free(s->fields);
    s->fields = NULL;
    s->n_fields = 0;
}

static int parse_options(const json_t *jo, struct tl_field *f, struct tl_errbuf *eb) {
    if (!json_is_array(jo) || json_array_size(jo) == 0)
        return tl_errf(eb, TL_EINVAL, "field '%s': options must be a non-empty array", f->name);
    size_t n = json_array_size(jo);
    if (n > TL_SCHEMA_MAX_OPTIONS)
        return tl_errf(eb, TL_EINVAL, "field '%s': more than %d options", f->name,
                       TL_SCHEMA_MAX_OPTIONS);
    f->options = calloc(n, sizeof *f->options);
    if (!f->options)
        return TL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_array_get(jo, i);
        if (!json_is_string(o) || json_string_length(o) == 0)
            return tl_errf(eb, TL_EINVAL, "field '%s': option %zu is not a non-empty string",
                           f->name, i);
        for (size_t k = 0; k < f->n_options; k++)
            if (!strcmp(f->options[k], json_string_value(o)))
                return tl_errf(eb, TL_EINVAL, "field '%s': duplicate option '%s'", f->name,
                               f->options[k]);
        f->options[i] = strdup(json_string_value(o));
        if (!f->options[i])
            return TL_ENOMEM;
        f->n_options++;
    }
    return 0;
}

static int parse_bound(const json_t *jf, const char *key, bool *has, double *v,
                       struct tl_errbuf *eb, const char *fname) {
    const json_t *x = json_object_get(jf, key);
    if (!x)
        return 0;
    if (!json_is_number(x))
        return tl_errf(eb, TL_EINVAL, "field '%s': %s must be a number", fname, key);
    *has = true;
    *v = json_number_value(x);
    return 0;
}

static int parse_field(const json_t *jf, struct tl_field *f, struct tl_errbuf *eb) {
    if (!json_is_object(jf))
        return tl_errf(eb, TL_EINVAL, "each field must be an object");
    const json_t *jn = json_object_get(jf, "name"), *jt = json_object_get(jf, "type");
    if (!json_is_string(jn) || json_string_length(jn) == 0 ||
        json_string_length(jn) > TL_SCHEMA_MAX_NAME)
        return tl_errf(eb, TL_EINVAL, "field name must be a string of 1..%d bytes",
                       TL_SCHEMA_MAX_NAME);
    f->name = strdup(json_string_value(jn));
    if (!f->name)
        return TL_ENOMEM;
    if (!json_is_string(jt))
        return tl_errf(eb, TL_EINVAL, "field '%s': type must be a string", f->name);
    size_t t = 0, nt = sizeof type_names / sizeof type_names[0];
    while (t < nt && strcmp(type_names[t].name, json_string_value(jt)))
        t++;
    if (t == nt)
        return tl_errf(eb, TL_EINVAL,
                       "field '%s': unknown type (choice|multichoice|text|number|rating)", f->name);
    f->type = type_names[t].type;
    const json_t *jr = json_object_get(jf, "required");
    if (jr && !json_is_boolean(jr))
        return tl_errf(eb, TL_EINVAL, "field '%s': required must be a boolean", f->name);
    f->is_required = jr ? json_is_true(jr) : true;

    int rc = 0;
    switch (f->type) {
    case TL_FIELD_CHOICE:
    case TL_FIELD_MULTICHOICE: rc = parse_options(json_object_get(jf, "options"), f, eb); break;
    case TL_FIELD_TEXT: {
        const json_t *ml = json_object_get(jf, "max_length");
        if (ml && (!json_is_integer(ml) || json_integer_value(ml) < 1))
            return tl_errf(eb, TL_EINVAL, "field '%s': max_length must be a positive integer",
                           f->name);
        f->max_length = ml ? (size_t)json_integer_value(ml) : 0;
        break;
    }
    case TL_FIELD_NUMBER:
    case TL_FIELD_RATING:
        rc = parse_bound(jf, "min", &f->has_min, &f->min, eb, f->name);
        if (!rc)
            rc = parse_bound(jf, "max", &f->has_max, &f->max, eb, f->name);
        if (rc)
            return rc;
        if (f->type == TL_FIELD_RATING &&
            (!f->has_min || !f->has_max || f->min != floor(f->min) || f->max != floor(f->max)))
            return tl_errf(eb, TL_EINVAL, "field '%s': rating needs integer min and max", f->name);
        if (f->has_min && f->has_max && f->min > f->max)
            return tl_errf(eb, TL_EINVAL, "field '%s': min is above max", f->name);
        break;
    }
    return rc;
}

int tl_schema_parse(const json_t *j, struct tl_schema *out, struct tl_errbuf *eb) {
    out->fields = NULL;
    out->n_fields = 0;
    if (!json_is_object(j))
        return tl_errf(eb, TL_EINVAL, "schema must be an object");
    const json_t *jf = json_object_get(j, "fields");
    if (!json_is_array(jf) || json_array_size(jf) == 0)
        return tl_errf(eb, TL_EINVAL, "schema.fields must be a non-empty array");
    size_t n = json_array_size(jf);
    if (n > TL_SCHEMA_MAX_FIELDS)
        return tl_errf(eb, TL_EINVAL, "schema has more than %d fields", TL_SCHEMA_MAX_FIELDS);
    out->fields = calloc(n, sizeof *out->fields);
    if (!out->fields)
        return TL_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        out->n_fields++;
        rc = parse_field(json_array_get(jf, i), &out->fields[i], eb);
        for (size_t k = 0; k < i && !rc; k++)
            if (!strcmp(out->fields[k].name, out->fields[i].name))
                rc = tl_errf(eb, TL_EINVAL, "duplicate field name '%s'", out->fields[i].name);
    }
    if (rc)
        tl_schema_release(out);
    return rc;
}

/* Code points in a UTF-8 string (jansson has already validated it). The
 * limit is what a labeler sees: counting bytes would give a Japanese note a
 * third of the room of an English one. */
static size_t utf8_chars(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static bool has_option(const struct tl_field *f, const char *v) {
    for (size_t i = 0; i < f->n_options; i++)
        if (!strcmp(f->options[i], v))
            return true;
    return false;
}

static int check_value(const struct tl_field *f, const json_t *v, struct tl_errbuf *eb) {
    switch (f->type) {
    case TL_FIELD_CHOICE:
        if (!json_is_string(v) || !has_option(f, json_string_value(v)))
            return tl_errf(eb, TL_EUNPROC, "'%s' must be one of the field's options", f->name);
        return 0;
    case TL_FIELD_MULTICHOICE: {
        if (!json_is_array(v))
            return tl_errf(eb, TL_EUNPROC, "'%s' must be an array of options", f->name);
        for (size_t i = 0; i < json_array_size(v); i++) {
            const json_t *o = json_array_get(v, i);
            if (!json_is_string(o) || !has_option(f, json_string_value(o)))
                return tl_errf(eb, TL_EUNPROC, "'%s'[%zu] is not one of the options", f->name, i);
            for (size_t k = 0; k < i; k++)
                if (json_equal(o, json_array_get(v, k)))
                    return tl_errf(eb, TL_EUNPROC, "'%s' repeats an option", f->name);
        }
        return 0;
    }
    case TL_FIELD_TEXT:
        if (!json_is_string(v))
            return tl_errf(eb, TL_EUNPROC, "'%s' must be a string", f->name);
        if (f->max_length &&
            utf8_chars(json_string_value(v), json_string_length(v)) > f->max_length)
            return tl_errf(eb, TL_EUNPROC, "'%s' is longer than %zu characters", f->name,
                           f->max_length);
        return 0;
    case TL_FIELD_NUMBER:
    case TL_FIELD_RATING: {
        if (!json_is_number(v) || (f->type == TL_FIELD_RATING && !json_is_integer(v)))
            return tl_errf(eb, TL_EUNPROC, "'%s' must be %s", f->name,
                           f->type == TL_FIELD_RATING ? "an integer" : "a number");
        double x = json_number_value(v);
        if ((f->has_min && x < f->min) || (f->has_max && x > f->max))
            return tl_errf(eb, TL_EUNPROC, "'%s' is out of range", f->name);
        return 0;
    }
    }
    return TL_EINTERNAL;
}

int tl_schema_validate(const struct tl_schema *s, const json_t *result, struct tl_errbuf *eb) {
    if (!json_is_object(result))
        return tl_errf(eb, TL_EUNPROC, "result must be an object");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)result, key, v) {
        size_t i = 0;
        while (i < s->n_fields && strcmp(s->fields[i].name, key))
            i++;
        if (i == s->n_fields)
            return tl_errf(eb, TL_EUNPROC, "unknown field '%.64s'", key);
    }
    for (size_t i = 0; i < s->n_fields; i++) {
        const struct tl_field *f = &s->fields[i];
        v = json_object_get(result, f->name);
        if (!v || json_is_null(v)) {
            if (f->is_required)
                return tl_errf(eb, TL_EUNPROC, "missing required field '%s'", f->name);
            continue;
        }
        int rc = check_value(f, v, eb);
        if (rc)
            return rc;
    }
    return 0;
}
