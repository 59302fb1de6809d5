/* schema.c: parse label schemas and validate results against them. */
#include "schema/schema.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const type_names[] = {
    [TL_FIELD_CHOICE] = "choice",       [TL_FIELD_MULTICHOICE] = "multichoice",
    [TL_FIELD_TEXT] = "text",           [TL_FIELD_NUMBER] = "number",
    [TL_FIELD_RATING] = "rating",       [TL_FIELD_SPANS] = "spans",
    [TL_FIELD_RELATIONS] = "relations", [TL_FIELD_BOXES] = "boxes",
    [TL_FIELD_POLYGONS] = "polygons",   [TL_FIELD_KEYPOINTS] = "keypoints",
    [TL_FIELD_SEGMENTS] = "segments",   [TL_FIELD_PAIRWISE] = "pairwise",
    [TL_FIELD_RANKING] = "ranking",     [TL_FIELD_RUBRIC] = "rubric",
};

static const char *const kind_names[] = {
    [TL_VIEW_TEXT] = "text",   [TL_VIEW_MARKDOWN] = "markdown", [TL_VIEW_IMAGE] = "image",
    [TL_VIEW_AUDIO] = "audio", [TL_VIEW_VIDEO] = "video",       [TL_VIEW_CODE] = "code",
    [TL_VIEW_CHAT] = "chat",   [TL_VIEW_JSON] = "json",
};

/* The keys each field type accepts besides the common ones: a schema key
 * we do not know is refused rather than ignored (a misspelt "lables"
 * would otherwise yield a field nobody can answer). */
static const char *const common_keys[] = {"name", "type", "required", "description", "hotkeys",
                                          "show_if"};
static const char *const type_keys[][3] = {
    [TL_FIELD_CHOICE] = {"options"},
    [TL_FIELD_MULTICHOICE] = {"options"},
    [TL_FIELD_TEXT] = {"max_length"},
    [TL_FIELD_NUMBER] = {"min", "max"},
    [TL_FIELD_RATING] = {"min", "max"},
    [TL_FIELD_SPANS] = {"source", "labels", "allow_overlap"},
    [TL_FIELD_RELATIONS] = {"field", "labels"},
    [TL_FIELD_BOXES] = {"source", "labels", "min_size"},
    [TL_FIELD_POLYGONS] = {"source", "labels", "min_size"},
    [TL_FIELD_KEYPOINTS] = {"source", "labels"},
    [TL_FIELD_SEGMENTS] = {"source", "labels", "text_name"},
    [TL_FIELD_PAIRWISE] = {"sources"},
    [TL_FIELD_RANKING] = {"sources"},
    [TL_FIELD_RUBRIC] = {"criteria"},
};

static bool in_list(const char *key, const char *const *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (list[i] && !strcmp(list[i], key))
            return true;
    return false;
}

/* Set while tl_schema_parse_stored runs on this thread: a schema stored by
 * an older version may hold keys that version ignored, and must still be
 * usable (a project's submissions must not start failing on an upgrade).
 * Thread-local rather than a parameter threaded through every parse
 * function: only unknown_key reads it. */
static _Thread_local bool is_lenient;

/* The first key of o not in list (NULL if none, or when lenient). */
static const char *unknown_key(const json_t *o, const char *const *list, size_t n) {
    if (is_lenient)
        return NULL;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        if (!in_list(key, list, n))
            return key;
    }
    return NULL;
}

static void strv_free(char **v, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void field_release(struct tl_field *f) {
    free(f->name);
    free(f->description);
    json_decref(f->hotkeys);
    strv_free(f->options, f->n_options);
    free(f->source);
    free(f->text_name);
    strv_free(f->sources, f->n_sources);
    for (size_t i = 0; i < f->n_criteria; i++)
        free(f->criteria[i].name);
    free(f->criteria);
    json_decref(f->show_if_equals);
}

void tl_schema_release(struct tl_schema *s) {
    for (size_t i = 0; i < s->n_fields; i++)
        field_release(&s->fields[i]);
    free(s->fields);
    for (size_t i = 0; i < s->n_views; i++) {
        free(s->views[i].source);
        free(s->views[i].language);
        free(s->views[i].name);
    }
    free(s->views);
    memset(s, 0, sizeof *s);
}

size_t tl_schema_utf8_len(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Nesting of j is at most max: recursion stops at the ceiling, so a deep
 * document costs no more than a shallow one. */
static bool depth_ok(const json_t *j, int max) {
    if (max < 0)
        return false;
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++)
            if (!depth_ok(json_array_get(j, i), max - 1))
                return false;
    } else if (json_is_object(j)) {
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)j, key, v) {
            if (!depth_ok(v, max - 1))
                return false;
        }
    }
    return true;
}

static bool is_name(const json_t *j, size_t max) {
    return json_is_string(j) && json_string_length(j) > 0 && json_string_length(j) <= max &&
           !memchr(json_string_value(j), '\0', json_string_length(j));
}

/* A list of distinct non-empty strings (options, labels, sources). */
static int parse_strings(const json_t *ja, const char *key, size_t min, size_t max,
                         size_t max_len, const struct tl_field *f, char ***out, size_t *n_out,
                         struct tl_errbuf *eb) {
    if (!json_is_array(ja) || json_array_size(ja) < min)
        return tl_errf(eb, TL_EINVAL, "field '%s': %s must be an array of at least %zu strings",
                       f->name, key, min);
    size_t n = json_array_size(ja);
    if (n > max)
        return tl_errf(eb, TL_EINVAL, "field '%s': more than %zu %s", f->name, max, key);
    *out = calloc(n, sizeof **out);
    if (!*out)
        return TL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_array_get(ja, i);
        if (!is_name(o, max_len))
            return tl_errf(eb, TL_EINVAL, "field '%s': %s[%zu] is not a string of 1..%zu bytes",
                           f->name, key, i, max_len);
        for (size_t k = 0; k < *n_out; k++)
            if (!strcmp((*out)[k], json_string_value(o)))
                return tl_errf(eb, TL_EINVAL, "field '%s': duplicate %s entry '%.64s'", f->name,
                               key, (*out)[k]);
        if (!((*out)[i] = strdup(json_string_value(o))))
            return TL_ENOMEM;
        (*n_out)++;
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

static const struct tl_view *find_view(const struct tl_schema *s, const char *source) {
    for (size_t i = 0; i < s->n_views; i++)
        if (!strcmp(s->views[i].source, source))
            return &s->views[i];
    return NULL;
}

static bool kind_fits(enum tl_field_type t, enum tl_view_kind k) {
    switch (t) {
    case TL_FIELD_SPANS: return k == TL_VIEW_TEXT || k == TL_VIEW_MARKDOWN || k == TL_VIEW_CODE;
    case TL_FIELD_BOXES:
    case TL_FIELD_POLYGONS:
    case TL_FIELD_KEYPOINTS: return k == TL_VIEW_IMAGE;
    case TL_FIELD_SEGMENTS: return k == TL_VIEW_AUDIO || k == TL_VIEW_VIDEO;
    default: return true;
    }
}

/* A data key named by a field: when the schema declares views, it must be
 * one of them, of a kind the field can label. */
static int check_source(const struct tl_schema *s, const struct tl_field *f, const char *src,
                        struct tl_errbuf *eb) {
    if (!s->n_views)
        return 0;
    const struct tl_view *v = find_view(s, src);
    if (!v)
        return tl_errf(eb, TL_EINVAL, "field '%s': source '%.64s' is not a view", f->name, src);
    if (!kind_fits(f->type, v->kind))
        return tl_errf(eb, TL_EINVAL, "field '%s': a %s field cannot label a %s view", f->name,
                       type_names[f->type], kind_names[v->kind]);
    return 0;
}

static int parse_source(const struct tl_schema *s, const json_t *jf, struct tl_field *f,
                        struct tl_errbuf *eb) {
    const json_t *js = json_object_get(jf, "source");
    if (!is_name(js, TL_SCHEMA_MAX_NAME))
        return tl_errf(eb, TL_EINVAL, "field '%s': source must be a data key of 1..%d bytes",
                       f->name, TL_SCHEMA_MAX_NAME);
    if (!(f->source = strdup(json_string_value(js))))
        return TL_ENOMEM;
    return check_source(s, f, f->source, eb);
}

static int parse_labels(const json_t *jf, struct tl_field *f, struct tl_errbuf *eb) {
    return parse_strings(json_object_get(jf, "labels"), "labels", 1, TL_SCHEMA_MAX_OPTIONS,
                         TL_SCHEMA_MAX_OPTION_LEN, f, &f->options, &f->n_options, eb);
}

static int parse_min_size(const json_t *jf, struct tl_field *f, struct tl_errbuf *eb) {
    const json_t *m = json_object_get(jf, "min_size");
    if (!m)
        return 0;
    if (!json_is_number(m) || json_number_value(m) < 0 || json_number_value(m) > 100)
        return tl_errf(eb, TL_EINVAL, "field '%s': min_size must be a number in 0..100", f->name);
    f->min_size = json_number_value(m);
    return 0;
}

static int parse_criteria(const json_t *jc, struct tl_field *f, struct tl_errbuf *eb) {
    if (!json_is_array(jc) || json_array_size(jc) == 0)
        return tl_errf(eb, TL_EINVAL, "field '%s': criteria must be a non-empty array", f->name);
    size_t n = json_array_size(jc);
    if (n > TL_SCHEMA_MAX_CRITERIA)
        return tl_errf(eb, TL_EINVAL, "field '%s': more than %d criteria", f->name,
                       TL_SCHEMA_MAX_CRITERIA);
    if (!(f->criteria = calloc(n, sizeof *f->criteria)))
        return TL_ENOMEM;
    static const char *const keys[] = {"name", "min", "max"};
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(jc, i);
        const json_t *jn = json_object_get(c, "name"), *lo = json_object_get(c, "min"),
                     *hi = json_object_get(c, "max");
        if (!json_is_object(c) || unknown_key(c, keys, N_OF(keys)) ||
            !is_name(jn, TL_SCHEMA_MAX_NAME) || !json_is_integer(lo) || !json_is_integer(hi))
            return tl_errf(eb, TL_EINVAL,
                           "field '%s': criteria[%zu] must be {\"name\",\"min\",\"max\"} with "
                           "integer bounds",
                           f->name, i);
        if (json_integer_value(lo) > json_integer_value(hi))
            return tl_errf(eb, TL_EINVAL, "field '%s': criterion '%s' has min above max", f->name,
                           json_string_value(jn));
        for (size_t k = 0; k < f->n_criteria; k++)
            if (!strcmp(f->criteria[k].name, json_string_value(jn)))
                return tl_errf(eb, TL_EINVAL, "field '%s': duplicate criterion '%s'", f->name,
                               f->criteria[k].name);
        if (!(f->criteria[i].name = strdup(json_string_value(jn))))
            return TL_ENOMEM;
        f->criteria[i].min = json_integer_value(lo);
        f->criteria[i].max = json_integer_value(hi);
        f->n_criteria++;
    }
    return 0;
}

static bool has_option(const struct tl_field *f, const char *v) {
    for (size_t i = 0; i < f->n_options; i++)
        if (!strcmp(f->options[i], v))
            return true;
    return false;
}

/* hotkeys: {VALUE: KEY}, VALUE an option, a label or a pairwise answer. */
static int parse_hotkeys(const json_t *jh, struct tl_field *f, struct tl_errbuf *eb) {
    if (!json_is_object(jh))
        return tl_errf(eb, TL_EINVAL, "field '%s': hotkeys must be an object", f->name);
    static const char *const ab[] = {"a", "b", "tie"};
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)jh, key, v) {
        bool known = f->type == TL_FIELD_PAIRWISE ? in_list(key, ab, N_OF(ab)) : has_option(f, key);
        if (!known)
            return tl_errf(eb, TL_EINVAL, "field '%s': hotkey for unknown value '%.64s'", f->name,
                           key);
        if (!is_name(v, TL_SCHEMA_MAX_HOTKEY))
            return tl_errf(eb, TL_EINVAL, "field '%s': hotkey must be a string of 1..%d bytes",
                           f->name, TL_SCHEMA_MAX_HOTKEY);
        const char *k2;
        const json_t *v2;
        json_object_foreach((json_t *)jh, k2, v2) {
            if (v2 == v)
                break;
            if (json_equal(v, v2))
                return tl_errf(eb, TL_EINVAL, "field '%s': hotkey '%s' used twice", f->name,
                               json_string_value(v));
        }
    }
    f->hotkeys = json_incref((json_t *)jh);
    return 0;
}

static int parse_type_options(const struct tl_schema *s, const json_t *jf, struct tl_field *f,
                              struct tl_errbuf *eb) {
    int rc = 0;
    switch (f->type) {
    case TL_FIELD_CHOICE:
    case TL_FIELD_MULTICHOICE:
        return parse_strings(json_object_get(jf, "options"), "options", 1, TL_SCHEMA_MAX_OPTIONS,
                             TL_SCHEMA_MAX_OPTION_LEN, f, &f->options, &f->n_options, eb);
    case TL_FIELD_TEXT: {
        const json_t *ml = json_object_get(jf, "max_length");
        if (ml && (!json_is_integer(ml) || json_integer_value(ml) < 1))
            return tl_errf(eb, TL_EINVAL, "field '%s': max_length must be a positive integer",
                           f->name);
        f->max_length = ml ? (size_t)json_integer_value(ml) : 0;
        return 0;
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
        return 0;
    case TL_FIELD_SPANS: {
        const json_t *ao = json_object_get(jf, "allow_overlap");
        if (ao && !json_is_boolean(ao))
            return tl_errf(eb, TL_EINVAL, "field '%s': allow_overlap must be a boolean", f->name);
        f->allow_overlap = json_is_true(ao);
        rc = parse_source(s, jf, f, eb);
        return rc ? rc : parse_labels(jf, f, eb);
    }
    case TL_FIELD_RELATIONS:
        if (!is_name(json_object_get(jf, "field"), TL_SCHEMA_MAX_NAME))
            return tl_errf(eb, TL_EINVAL, "field '%s': relations need \"field\": a spans field",
                           f->name);
        return parse_labels(jf, f, eb); /* "field" is resolved once all fields are known */
    case TL_FIELD_BOXES:
    case TL_FIELD_POLYGONS:
        rc = parse_min_size(jf, f, eb);
        if (rc)
            return rc;
        /* fall through */
    case TL_FIELD_SEGMENTS:
        if (f->type == TL_FIELD_SEGMENTS && json_object_get(jf, "text_name")) {
            const json_t *tn = json_object_get(jf, "text_name");
            if (!is_name(tn, TL_SCHEMA_MAX_NAME))
                return tl_errf(eb, TL_EINVAL, "field '%s': text_name must be a string of 1..%d bytes",
                               f->name, TL_SCHEMA_MAX_NAME);
            if (!(f->text_name = strdup(json_string_value(tn))))
                return TL_ENOMEM;
        }
        /* fall through */
    case TL_FIELD_KEYPOINTS:
        rc = parse_source(s, jf, f, eb);
        return rc ? rc : parse_labels(jf, f, eb);
    case TL_FIELD_PAIRWISE:
    case TL_FIELD_RANKING: {
        bool is_pair = f->type == TL_FIELD_PAIRWISE;
        const json_t *js = json_object_get(jf, "sources");
        if (is_pair && json_array_size(js) != 2)
            return tl_errf(eb, TL_EINVAL, "field '%s': pairwise needs \"sources\":[A,B]", f->name);
        rc = parse_strings(js, "sources", 2, TL_SCHEMA_MAX_SOURCES, TL_SCHEMA_MAX_NAME, f,
                           &f->sources, &f->n_sources, eb);
        for (size_t i = 0; !rc && i < f->n_sources; i++)
            rc = check_source(s, f, f->sources[i], eb);
        return rc;
    }
    case TL_FIELD_RUBRIC: return parse_criteria(json_object_get(jf, "criteria"), f, eb);
    }
    return TL_EINTERNAL;
}

static int parse_field(const struct tl_schema *s, const json_t *jf, struct tl_field *f,
                       struct tl_errbuf *eb) {
    if (!json_is_object(jf))
        return tl_errf(eb, TL_EINVAL, "each field must be an object");
    const json_t *jn = json_object_get(jf, "name"), *jt = json_object_get(jf, "type");
    if (!is_name(jn, TL_SCHEMA_MAX_NAME))
        return tl_errf(eb, TL_EINVAL, "field name must be a string of 1..%d bytes",
                       TL_SCHEMA_MAX_NAME);
    if (!(f->name = strdup(json_string_value(jn))))
        return TL_ENOMEM;
    if (!json_is_string(jt))
        return tl_errf(eb, TL_EINVAL, "field '%s': type must be a string", f->name);
    size_t t = 0;
    while (t < N_OF(type_names) && strcmp(type_names[t], json_string_value(jt)))
        t++;
    if (t == N_OF(type_names))
        return tl_errf(eb, TL_EINVAL,
                       "field '%s': unknown type '%.32s' (choice|multichoice|text|number|rating|"
                       "spans|relations|boxes|polygons|keypoints|segments|pairwise|ranking|"
                       "rubric)",
                       f->name, json_string_value(jt));
    f->type = (enum tl_field_type)t;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)jf, key, v) {
        if (!is_lenient && !in_list(key, common_keys, N_OF(common_keys)) &&
            !in_list(key, type_keys[f->type], N_OF(type_keys[f->type])))
            return tl_errf(eb, TL_EINVAL, "field '%s': unknown key '%.64s' for a %s field",
                           f->name, key, type_names[f->type]);
    }
    const json_t *jr = json_object_get(jf, "required");
    if (jr && !json_is_boolean(jr))
        return tl_errf(eb, TL_EINVAL, "field '%s': required must be a boolean", f->name);
    f->is_required = jr ? json_is_true(jr) : true;
    const json_t *jd = json_object_get(jf, "description");
    if (jd) {
        if (!json_is_string(jd) || json_string_length(jd) > TL_SCHEMA_MAX_DESCRIPTION)
            return tl_errf(eb, TL_EINVAL, "field '%s': description must be a string of at most "
                           "%d bytes", f->name, TL_SCHEMA_MAX_DESCRIPTION);
        if (!(f->description = strdup(json_string_value(jd))))
            return TL_ENOMEM;
    }
    int rc = parse_type_options(s, jf, f, eb);
    if (rc)
        return rc;
    const json_t *jh = json_object_get(jf, "hotkeys");
    if (jh) {
        if (!f->n_options && f->type != TL_FIELD_PAIRWISE)
            return tl_errf(eb, TL_EINVAL, "field '%s': hotkeys need options or labels", f->name);
        rc = parse_hotkeys(jh, f, eb);
    }
    return rc;
}

static int find_field(const struct tl_schema *s, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s->fields[i].name, name))
            return (int)i;
    return -1;
}

/* show_if and relations name other fields: resolved once field i's
 * predecessors are known. show_if must name an earlier field, so that
 * visibility is decided in one pass in field order and can never loop. */
static int link_field(struct tl_schema *s, const json_t *jf, size_t i, struct tl_errbuf *eb) {
    struct tl_field *f = &s->fields[i];
    const json_t *si = json_object_get(jf, "show_if");
    if (si) {
        static const char *const keys[] = {"field", "equals"};
        const json_t *sf = json_object_get(si, "field"), *eq = json_object_get(si, "equals");
        if (!json_is_object(si) || unknown_key(si, keys, N_OF(keys)) || !json_is_string(sf) ||
            !(json_is_string(eq) || json_is_number(eq) || json_is_boolean(eq)))
            return tl_errf(eb, TL_EINVAL,
                           "field '%s': show_if must be {\"field\":NAME,\"equals\":"
                           "string|number|boolean}",
                           f->name);
        if (!strcmp(json_string_value(sf), f->name))
            return tl_errf(eb, TL_EINVAL, "field '%s': show_if names the field itself", f->name);
        int k = find_field(s, i, json_string_value(sf));
        if (k < 0)
            return tl_errf(eb, TL_EINVAL,
                           "field '%s': show_if names '%.64s', which is not an earlier field",
                           f->name, json_string_value(sf));
        f->has_show_if = true;
        f->show_if_field = (size_t)k;
        f->show_if_equals = json_incref((json_t *)eq);
    }
    return 0;
}

static int link_relations(struct tl_schema *s, const json_t *jfields, struct tl_errbuf *eb) {
    for (size_t i = 0; i < s->n_fields; i++) {
        struct tl_field *f = &s->fields[i];
        if (f->type == TL_FIELD_SPANS)
            s->needs_data = true;
        if (f->type != TL_FIELD_RELATIONS)
            continue;
        const char *target = json_string_value(json_object_get(json_array_get(jfields, i),
                                                                "field"));
        int k = find_field(s, s->n_fields, target);
        if (k < 0 || s->fields[k].type != TL_FIELD_SPANS)
            return tl_errf(eb, TL_EINVAL, "field '%s': relations field '%.64s' is not a spans "
                           "field", f->name, target);
        f->spans_field = (size_t)k;
    }
    return 0;
}

static int parse_views(const json_t *jv, struct tl_schema *out, struct tl_errbuf *eb) {
    if (!json_is_array(jv))
        return tl_errf(eb, TL_EINVAL, "schema.views must be an array");
    size_t n = json_array_size(jv);
    if (n > TL_SCHEMA_MAX_VIEWS)
        return tl_errf(eb, TL_EINVAL, "schema has more than %d views", TL_SCHEMA_MAX_VIEWS);
    if (n && !(out->views = calloc(n, sizeof *out->views)))
        return TL_ENOMEM;
    static const char *const keys[] = {"source", "kind", "language", "name"};
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(jv, i);
        const json_t *js = json_object_get(v, "source"), *jk = json_object_get(v, "kind"),
                     *jl = json_object_get(v, "language"), *jn = json_object_get(v, "name");
        const char *bad = json_is_object(v) ? unknown_key(v, keys, N_OF(keys)) : NULL;
        if (bad)
            return tl_errf(eb, TL_EINVAL, "views[%zu]: unknown key '%.64s'", i, bad);
        if (!is_name(js, TL_SCHEMA_MAX_NAME))
            return tl_errf(eb, TL_EINVAL, "views[%zu]: source must be a data key of 1..%d bytes",
                           i, TL_SCHEMA_MAX_NAME);
        size_t k = 0;
        while (json_is_string(jk) && k < N_OF(kind_names) &&
               strcmp(kind_names[k], json_string_value(jk)))
            k++;
        if (!json_is_string(jk) || k == N_OF(kind_names))
            return tl_errf(eb, TL_EINVAL,
                           "views[%zu]: kind must be one of text|markdown|image|audio|video|"
                           "code|chat|json",
                           i);
        if (jl && (k != TL_VIEW_CODE || !is_name(jl, 32)))
            return tl_errf(eb, TL_EINVAL, "views[%zu]: language is a string of 1..32 bytes, "
                           "for code views only", i);
        if (jn && !is_name(jn, TL_SCHEMA_MAX_NAME))
            return tl_errf(eb, TL_EINVAL, "views[%zu]: name must be a string of 1..%d bytes", i,
                           TL_SCHEMA_MAX_NAME);
        if (find_view(out, json_string_value(js)))
            return tl_errf(eb, TL_EINVAL, "views[%zu]: duplicate source '%s'", i,
                           json_string_value(js));
        struct tl_view *w = &out->views[out->n_views++];
        w->kind = (enum tl_view_kind)k;
        if (!(w->source = strdup(json_string_value(js))) ||
            (jl && !(w->language = strdup(json_string_value(jl)))) ||
            (jn && !(w->name = strdup(json_string_value(jn)))))
            return TL_ENOMEM;
    }
    return 0;
}

static int parse_schema(const json_t *j, struct tl_schema *out, struct tl_errbuf *eb) {
    if (!json_is_object(j))
        return tl_errf(eb, TL_EINVAL, "schema must be an object");
    if (!depth_ok(j, TL_SCHEMA_MAX_DEPTH))
        return tl_errf(eb, TL_EINVAL, "schema nests deeper than %d levels", TL_SCHEMA_MAX_DEPTH);
    static const char *const keys[] = {"views", "fields"};
    const char *bad = unknown_key(j, keys, N_OF(keys));
    if (bad)
        return tl_errf(eb, TL_EINVAL, "schema: unknown key '%.64s'", bad);
    const json_t *jv = json_object_get(j, "views");
    int rc = jv ? parse_views(jv, out, eb) : 0;
    if (rc)
        return rc;
    const json_t *jf = json_object_get(j, "fields");
    if (!json_is_array(jf) || json_array_size(jf) == 0)
        return tl_errf(eb, TL_EINVAL, "schema.fields must be a non-empty array");
    size_t n = json_array_size(jf);
    if (n > TL_SCHEMA_MAX_FIELDS)
        return tl_errf(eb, TL_EINVAL, "schema has more than %d fields", TL_SCHEMA_MAX_FIELDS);
    if (!(out->fields = calloc(n, sizeof *out->fields)))
        return TL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        out->n_fields++;
        rc = parse_field(out, json_array_get(jf, i), &out->fields[i], eb);
        if (!rc && find_field(out, i, out->fields[i].name) >= 0)
            rc = tl_errf(eb, TL_EINVAL, "duplicate field name '%s'", out->fields[i].name);
        if (!rc)
            rc = link_field(out, json_array_get(jf, i), i, eb);
        if (rc)
            return rc;
    }
    return link_relations(out, jf, eb);
}

int tl_schema_parse(const json_t *j, struct tl_schema *out, struct tl_errbuf *eb) {
    memset(out, 0, sizeof *out);
    int rc = parse_schema(j, out, eb);
    if (rc)
        tl_schema_release(out);
    return rc;
}

int tl_schema_parse_stored(const json_t *j, struct tl_schema *out, struct tl_errbuf *eb) {
    is_lenient = true;
    int rc = tl_schema_parse(j, out, eb);
    is_lenient = false;
    return rc;
}

/* ---- results ---- */

/* What validating one result needs besides the field. */
struct vctx {
    const json_t *result, *data;
    struct tl_errbuf *eb;
    bool is_imported; /* made in another tool: see tl_schema_validate_imported */
};

static int bad(const struct vctx *c, const struct tl_field *f, size_t i, const char *why) {
    return tl_errf(c->eb, TL_EUNPROC, "'%s'[%zu]: %s", f->name, i, why);
}

static bool is_finite_number(const json_t *j) {
    return json_is_number(j) && isfinite(json_number_value(j));
}

static bool is_percent(const json_t *j) {
    return is_finite_number(j) && json_number_value(j) >= 0 && json_number_value(j) <= 100;
}

/* A region list: an array of at most TL_SCHEMA_MAX_ITEMS objects, each with
 * only the given keys (plus an optional "id") and a label of the field. */
static int check_items(const struct vctx *c, const struct tl_field *f, const json_t *v,
                       const char *const *keys, size_t n_keys) {
    if (!json_is_array(v))
        return tl_errf(c->eb, TL_EUNPROC, "'%s' must be an array", f->name);
    if (json_array_size(v) > TL_SCHEMA_MAX_ITEMS)
        return tl_errf(c->eb, TL_EUNPROC, "'%s' has more than %d items", f->name,
                       TL_SCHEMA_MAX_ITEMS);
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *it = json_array_get(v, i);
        if (!json_is_object(it))
            return bad(c, f, i, "must be an object");
        const char *key;
        const json_t *x;
        json_object_foreach((json_t *)it, key, x) {
            if (!strcmp(key, "id")) {
                if (!is_name(x, TL_SCHEMA_MAX_ID))
                    return bad(c, f, i, "id must be a string of 1..64 bytes");
            } else if (!in_list(key, keys, n_keys)) {
                return tl_errf(c->eb, TL_EUNPROC, "'%s'[%zu]: unknown key '%.64s'", f->name, i,
                               key);
            }
        }
        const json_t *l = json_object_get(it, "label");
        if (!json_is_string(l) || !has_option(f, json_string_value(l)))
            return bad(c, f, i, "label is not one of the field's labels");
    }
    return 0;
}

struct span {
    long long start, end;
};

static int cmp_span(const void *a, const void *b) {
    const struct span *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* The code-point length of the task's text at f's source, or -1 when the
 * caller gave no data (a dry check). */
static int text_length(const struct vctx *c, const struct tl_field *f, long long *len) {
    *len = -1;
    if (!c->data)
        return 0;
    const json_t *t = json_object_get(c->data, f->source);
    if (!json_is_string(t))
        return tl_errf(c->eb, TL_EUNPROC, "'%s': the task has no text at '%.64s'", f->name,
                       f->source);
    *len = (long long)tl_schema_utf8_len(json_string_value(t), json_string_length(t));
    return 0;
}

static int check_spans(const struct vctx *c, const struct tl_field *f, const json_t *v) {
    static const char *const keys[] = {"start", "end", "label"};
    int rc = check_items(c, f, v, keys, N_OF(keys));
    long long len;
    if (rc || (rc = text_length(c, f, &len)))
        return rc;
    size_t n = json_array_size(v);
    for (size_t i = 0; i < n; i++) {
        const json_t *it = json_array_get(v, i);
        const json_t *s = json_object_get(it, "start"), *e = json_object_get(it, "end");
        if (!json_is_integer(s) || !json_is_integer(e))
            return bad(c, f, i, "start and end must be integers");
        long long a = json_integer_value(s), b = json_integer_value(e);
        if (a < 0 || a >= b)
            return bad(c, f, i, "needs 0 <= start < end");
        if (len >= 0 && b > len)
            return bad(c, f, i, "end is past the end of the text (offsets count code points)");
    }
    if (f->allow_overlap || n < 2)
        return 0;
    struct span *sp = malloc(n * sizeof *sp);
    if (!sp)
        return TL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *it = json_array_get(v, i);
        sp[i].start = json_integer_value(json_object_get(it, "start"));
        sp[i].end = json_integer_value(json_object_get(it, "end"));
    }
    qsort(sp, n, sizeof *sp, cmp_span);
    for (size_t i = 1; i < n && !rc; i++)
        if (sp[i].start < sp[i - 1].end)
            rc = tl_errf(c->eb, TL_EUNPROC,
                         "'%s': spans [%lld,%lld) and [%lld,%lld) overlap (allow_overlap is off)",
                         f->name, sp[i - 1].start, sp[i - 1].end, sp[i].start, sp[i].end);
    free(sp);
    return rc;
}

static int check_relations(const struct vctx *c, const struct tl_field *f, const json_t *v,
                           const struct tl_field *spans) {
    static const char *const keys[] = {"from", "to", "label"};
    int rc = check_items(c, f, v, keys, N_OF(keys));
    if (rc)
        return rc;
    const json_t *sv = json_object_get(c->result, spans->name);
    long long n_spans = json_is_array(sv) ? (long long)json_array_size(sv) : 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *it = json_array_get(v, i);
        const json_t *a = json_object_get(it, "from"), *b = json_object_get(it, "to");
        if (!json_is_integer(a) || !json_is_integer(b))
            return bad(c, f, i, "from and to must be integers");
        long long x = json_integer_value(a), y = json_integer_value(b);
        if (x < 0 || y < 0 || x >= n_spans || y >= n_spans)
            return tl_errf(c->eb, TL_EUNPROC, "'%s'[%zu]: from and to must index '%s' (0..%lld)",
                           f->name, i, spans->name, n_spans - 1);
        if (x == y)
            return bad(c, f, i, "a relation joins two different spans");
    }
    return 0;
}

static int check_boxes(const struct vctx *c, const struct tl_field *f, const json_t *v) {
    static const char *const keys[] = {"x", "y", "width", "height", "rotation", "label"};
    int rc = check_items(c, f, v, keys, N_OF(keys));
    for (size_t i = 0; !rc && i < json_array_size(v); i++) {
        const json_t *it = json_array_get(v, i);
        const json_t *x = json_object_get(it, "x"), *y = json_object_get(it, "y"),
                     *w = json_object_get(it, "width"), *h = json_object_get(it, "height"),
                     *r = json_object_get(it, "rotation");
        if (!is_percent(x) || !is_percent(y) || !is_percent(w) || !is_percent(h))
            return bad(c, f, i, "x, y, width and height must be numbers in 0..100");
        double xv = json_number_value(x), yv = json_number_value(y), wv = json_number_value(w),
               hv = json_number_value(h);
        if (wv <= 0 || hv <= 0)
            return bad(c, f, i, "width and height must be positive");
        if (!c->is_imported && (xv + wv > 100 || yv + hv > 100))
            return bad(c, f, i, "the box leaves the image (x+width and y+height <= 100)");
        if (wv < f->min_size || hv < f->min_size)
            return bad(c, f, i, "the box is smaller than min_size");
        if (r && (!is_finite_number(r) || json_number_value(r) < 0 ||
                  json_number_value(r) >= 360))
            return bad(c, f, i, "rotation must be a number of degrees in [0,360)");
    }
    return rc;
}

static int check_polygons(const struct vctx *c, const struct tl_field *f, const json_t *v) {
    static const char *const keys[] = {"points", "label"};
    int rc = check_items(c, f, v, keys, N_OF(keys));
    for (size_t i = 0; !rc && i < json_array_size(v); i++) {
        const json_t *pts = json_object_get(json_array_get(v, i), "points");
        size_t n = json_array_size(pts);
        if (!json_is_array(pts) || n < 3 || n > TL_SCHEMA_MAX_POINTS)
            return tl_errf(c->eb, TL_EUNPROC, "'%s'[%zu]: points must be 3..%d [x,y] pairs",
                           f->name, i, TL_SCHEMA_MAX_POINTS);
        double lo_x = 100, hi_x = 0, lo_y = 100, hi_y = 0;
        for (size_t k = 0; k < n; k++) {
            const json_t *p = json_array_get(pts, k);
            if (json_array_size(p) != 2 || !is_percent(json_array_get(p, 0)) ||
                !is_percent(json_array_get(p, 1)))
                return tl_errf(c->eb, TL_EUNPROC,
                               "'%s'[%zu]: point %zu must be [x,y] numbers in 0..100", f->name, i,
                               k);
            double px = json_number_value(json_array_get(p, 0)),
                   py = json_number_value(json_array_get(p, 1));
            lo_x = fmin(lo_x, px), hi_x = fmax(hi_x, px);
            lo_y = fmin(lo_y, py), hi_y = fmax(hi_y, py);
        }
        if (hi_x - lo_x < f->min_size || hi_y - lo_y < f->min_size)
            return bad(c, f, i, "the polygon is smaller than min_size");
    }
    return rc;
}

static int check_keypoints(const struct vctx *c, const struct tl_field *f, const json_t *v) {
    static const char *const keys[] = {"x", "y", "label"};
    int rc = check_items(c, f, v, keys, N_OF(keys));
    for (size_t i = 0; !rc && i < json_array_size(v); i++) {
        const json_t *it = json_array_get(v, i);
        if (!is_percent(json_object_get(it, "x")) || !is_percent(json_object_get(it, "y")))
            return bad(c, f, i, "x and y must be numbers in 0..100");
    }
    return rc;
}

static int check_segments(const struct vctx *c, const struct tl_field *f, const json_t *v) {
    static const char *const keys[] = {"start", "end", "label", "text"};
    int rc = check_items(c, f, v, keys, N_OF(keys));
    for (size_t i = 0; !rc && i < json_array_size(v); i++) {
        const json_t *it = json_array_get(v, i);
        const json_t *s = json_object_get(it, "start"), *e = json_object_get(it, "end"),
                     *t = json_object_get(it, "text");
        if (!is_finite_number(s) || !is_finite_number(e))
            return bad(c, f, i, "start and end must be numbers of seconds");
        if (json_number_value(s) < 0 || json_number_value(s) >= json_number_value(e))
            return bad(c, f, i, "needs 0 <= start < end");
        if (t && !json_is_string(t))
            return bad(c, f, i, "text must be a string");
    }
    return rc;
}

static int check_ranking(const struct vctx *c, const struct tl_field *f, const json_t *v) {
    if (!json_is_array(v) || json_array_size(v) != f->n_sources)
        return tl_errf(c->eb, TL_EUNPROC, "'%s' must list all %zu sources, best first", f->name,
                       f->n_sources);
    bool seen[TL_SCHEMA_MAX_SOURCES] = {false};
    for (size_t i = 0; i < f->n_sources; i++) {
        const json_t *k = json_array_get(v, i);
        size_t j = 0;
        while (json_is_string(k) && j < f->n_sources && strcmp(f->sources[j], json_string_value(k)))
            j++;
        if (!json_is_string(k) || j == f->n_sources || seen[j])
            return tl_errf(c->eb, TL_EUNPROC, "'%s' must be a permutation of its sources",
                           f->name);
        seen[j] = true;
    }
    return 0;
}

static int check_rubric(const struct vctx *c, const struct tl_field *f, const json_t *v) {
    if (!json_is_object(v))
        return tl_errf(c->eb, TL_EUNPROC, "'%s' must be an object of scores", f->name);
    const char *key;
    const json_t *x;
    json_object_foreach((json_t *)v, key, x) {
        size_t i = 0;
        while (i < f->n_criteria && strcmp(f->criteria[i].name, key))
            i++;
        if (i == f->n_criteria)
            return tl_errf(c->eb, TL_EUNPROC, "'%s': unknown criterion '%.64s'", f->name, key);
        if (!json_is_integer(x) || json_integer_value(x) < f->criteria[i].min ||
            json_integer_value(x) > f->criteria[i].max)
            return tl_errf(c->eb, TL_EUNPROC, "'%s': '%s' must be an integer in %lld..%lld",
                           f->name, key, f->criteria[i].min, f->criteria[i].max);
    }
    if (json_object_size(v) != f->n_criteria)
        return tl_errf(c->eb, TL_EUNPROC, "'%s' must score every criterion", f->name);
    return 0;
}

static int check_value(const struct vctx *c, const struct tl_schema *s, const struct tl_field *f,
                       const json_t *v) {
    struct tl_errbuf *eb = c->eb;
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
        /* The limit is what a labeler sees: counting bytes would give a
         * Japanese note a third of the room of an English one. */
        if (f->max_length &&
            tl_schema_utf8_len(json_string_value(v), json_string_length(v)) > f->max_length)
            return tl_errf(eb, TL_EUNPROC, "'%s' is longer than %zu characters", f->name,
                           f->max_length);
        return 0;
    case TL_FIELD_NUMBER:
    case TL_FIELD_RATING: {
        if (!json_is_number(v) || (f->type == TL_FIELD_RATING && !json_is_integer(v)))
            return tl_errf(eb, TL_EUNPROC, "'%s' must be %s", f->name,
                           f->type == TL_FIELD_RATING ? "an integer" : "a number");
        double x = json_number_value(v);
        if (!isfinite(x) || (f->has_min && x < f->min) || (f->has_max && x > f->max))
            return tl_errf(eb, TL_EUNPROC, "'%s' is out of range", f->name);
        return 0;
    }
    case TL_FIELD_SPANS: return check_spans(c, f, v);
    case TL_FIELD_RELATIONS: return check_relations(c, f, v, &s->fields[f->spans_field]);
    case TL_FIELD_BOXES: return check_boxes(c, f, v);
    case TL_FIELD_POLYGONS: return check_polygons(c, f, v);
    case TL_FIELD_KEYPOINTS: return check_keypoints(c, f, v);
    case TL_FIELD_SEGMENTS: return check_segments(c, f, v);
    case TL_FIELD_PAIRWISE: {
        const char *x = json_string_value(v);
        if (!x || (strcmp(x, "a") && strcmp(x, "b") && strcmp(x, "tie")))
            return tl_errf(eb, TL_EUNPROC, "'%s' must be \"a\", \"b\" or \"tie\"", f->name);
        return 0;
    }
    case TL_FIELD_RANKING: return check_ranking(c, f, v);
    case TL_FIELD_RUBRIC: return check_rubric(c, f, v);
    }
    return TL_EINTERNAL;
}

/* show_if holds when the earlier field is shown and its answer equals the
 * value (for a multichoice: contains it). */
static bool shown_by(const struct tl_field *f, const json_t *answer) {
    if (!answer)
        return false;
    if (json_is_array(answer)) {
        for (size_t i = 0; i < json_array_size(answer); i++)
            if (json_equal(json_array_get(answer, i), f->show_if_equals))
                return true;
        return false;
    }
    return json_equal(answer, f->show_if_equals);
}

static int validate(const struct tl_schema *s, const json_t *result, const json_t *data,
                    bool is_imported, struct tl_errbuf *eb) {
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
    struct vctx c = {.result = result, .data = s->needs_data ? data : NULL, .eb = eb,
                     .is_imported = is_imported};
    bool shown[TL_SCHEMA_MAX_FIELDS];
    for (size_t i = 0; i < s->n_fields; i++) {
        const struct tl_field *f = &s->fields[i];
        v = json_object_get(result, f->name);
        if (v && json_is_null(v))
            v = NULL;
        shown[i] = !f->has_show_if ||
                   (shown[f->show_if_field] &&
                    shown_by(f, json_object_get(result, s->fields[f->show_if_field].name)));
        if (!shown[i]) {
            if (v)
                return tl_errf(eb, TL_EUNPROC,
                               "'%s' is hidden by its show_if and must be absent", f->name);
            continue;
        }
        if (!v) {
            if (f->is_required)
                return tl_errf(eb, TL_EUNPROC, "missing required field '%s'", f->name);
            continue;
        }
        int rc = check_value(&c, s, f, v);
        if (rc)
            return rc;
    }
    return 0;
}

int tl_schema_validate_task(const struct tl_schema *s, const json_t *result, const json_t *data,
                            struct tl_errbuf *eb) {
    return validate(s, result, data, false, eb);
}

int tl_schema_validate_imported(const struct tl_schema *s, const json_t *result,
                                const json_t *data, struct tl_errbuf *eb) {
    return validate(s, result, data, true, eb);
}

int tl_schema_validate(const struct tl_schema *s, const json_t *result, struct tl_errbuf *eb) {
    return tl_schema_validate_task(s, result, NULL, eb);
}

int tl_schema_validate_field(const struct tl_schema *s, size_t i, const json_t *result,
                             const json_t *data, struct tl_errbuf *eb) {
    if (i >= s->n_fields || !json_is_object(result))
        return tl_errf(eb, TL_EUNPROC, "result must be an object");
    const struct tl_field *f = &s->fields[i];
    const json_t *v = json_object_get(result, f->name);
    if (!v || json_is_null(v))
        return tl_errf(eb, TL_EUNPROC, "'%s' has no value", f->name);
    struct vctx c = {.result = result, .data = s->needs_data ? data : NULL, .eb = eb};
    return check_value(&c, s, f, v);
}
