/* lsxml.c: Label Studio XML label config -> Tally schema (see lsxml.h).
 *
 * Two phases: expat reads the config once into a flat list of the elements
 * that matter (tag, parent control, line, the few attributes we use), then
 * the list is turned into views and fields. Two phases because a control
 * may name an object that appears later (Labels before its Text). */
#include <errno.h>
#include <expat.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schema/lsxml.h"
#include "schema/schema.h"

/* Objects are looked up by name for every control: a ceiling keeps that
 * quadratic walk small whatever the input. */
#define MAX_OBJECTS 256
#define FEED_CHUNK  (64u << 10)

enum role { R_LAYOUT, R_OBJECT, R_CONTROL, R_OPTION };

enum tag {
    T_VIEW,
    T_HEADER,
    T_TEXT,
    T_HYPERTEXT,
    T_PARAGRAPHS,
    T_IMAGE,
    T_AUDIO,
    T_CHOICES,
    T_LABELS,
    T_RECTANGLELABELS,
    T_POLYGONLABELS,
    T_KEYPOINTLABELS,
    T_RELATIONS,
    T_TEXTAREA,
    T_NUMBER,
    T_RATING,
    T_PAIRWISE,
    T_RANKER,
    T_CHOICE,
    T_LABEL,
    T_RELATION,
};

static const struct {
    const char *name;
    enum tag tag;
    enum role role;
} TAGS[] = {
    {"View", T_VIEW, R_LAYOUT},
    {"Header", T_HEADER, R_LAYOUT},
    {"Text", T_TEXT, R_OBJECT},
    {"HyperText", T_HYPERTEXT, R_OBJECT},
    {"Paragraphs", T_PARAGRAPHS, R_OBJECT},
    {"Image", T_IMAGE, R_OBJECT},
    {"Audio", T_AUDIO, R_OBJECT},
    {"AudioPlus", T_AUDIO, R_OBJECT}, /* Label Studio's older name for Audio */
    {"Choices", T_CHOICES, R_CONTROL},
    {"Labels", T_LABELS, R_CONTROL},
    {"RectangleLabels", T_RECTANGLELABELS, R_CONTROL},
    {"PolygonLabels", T_POLYGONLABELS, R_CONTROL},
    {"KeyPointLabels", T_KEYPOINTLABELS, R_CONTROL},
    {"Relations", T_RELATIONS, R_CONTROL},
    {"TextArea", T_TEXTAREA, R_CONTROL},
    {"Number", T_NUMBER, R_CONTROL},
    {"Rating", T_RATING, R_CONTROL},
    {"Pairwise", T_PAIRWISE, R_CONTROL},
    {"Ranker", T_RANKER, R_CONTROL},
    {"Choice", T_CHOICE, R_OPTION},
    {"Label", T_LABEL, R_OPTION},
    {"Relation", T_RELATION, R_OPTION},
};

/* The attributes the conversion reads; the others (style, background,
 * hotkey, ...) are presentation and are dropped. */
enum attr {
    A_NAME,
    A_TONAME,
    A_VALUE,
    A_CHOICE,
    A_MIN,
    A_MAX,
    A_MAXRATING,
    A_PERREGION,
    A_LAYOUT,
    A_REQUIRED,
    A_COUNT
};
static const char *const ATTR_NAMES[A_COUNT] = {
    "name", "toName",    "value",     "choice", "min",
    "max",  "maxRating", "perRegion", "layout", "required",
};

struct node {
    enum tag tag;
    enum role role;
    long owner; /* index of the control an option belongs to; -1 */
    unsigned long line;
    char *attr[A_COUNT]; /* owned; NULL when absent */
};

struct reader {
    XML_Parser p;
    struct node *nodes;
    size_t n, cap, n_objects, n_controls;
    long stack[TL_LSXML_MAX_DEPTH]; /* node index per open element */
    int depth;
    int rc;
    struct tl_errbuf *eb;
};

static void reader_release(struct reader *rd) {
    for (size_t i = 0; i < rd->n; i++)
        for (int a = 0; a < A_COUNT; a++)
            free(rd->nodes[i].attr[a]);
    free(rd->nodes);
}

static const char *tag_name(enum tag t) {
    for (size_t i = 0; i < sizeof TAGS / sizeof TAGS[0]; i++)
        if (TAGS[i].tag == t)
            return TAGS[i].name;
    return "?";
}

/* Record the first error and stop expat: later callbacks see rd->rc. */
static void stop(struct reader *rd, int rc) {
    rd->rc = rc;
    XML_StopParser(rd->p, XML_FALSE);
}

static unsigned long line_of(struct reader *rd) {
    return (unsigned long)XML_GetCurrentLineNumber(rd->p);
}

/* The nearest open control an option of tag t may belong to, or -1. */
static long option_owner(const struct reader *rd, enum tag t) {
    for (int d = rd->depth - 1; d >= 0; d--) {
        enum tag up = rd->nodes[rd->stack[d]].tag;
        bool fits = t == T_CHOICE     ? up == T_CHOICES
                    : t == T_RELATION ? up == T_RELATIONS
                                      : (up == T_LABELS || up == T_RECTANGLELABELS ||
                                         up == T_POLYGONLABELS || up == T_KEYPOINTLABELS);
        if (fits)
            return rd->stack[d];
    }
    return -1;
}

static int copy_attrs(struct reader *rd, struct node *nd, const XML_Char **atts) {
    size_t n_attrs = 0;
    for (size_t i = 0; atts[i]; i += 2) {
        if (++n_attrs > TL_LSXML_MAX_ATTRS)
            return tl_errf(rd->eb, TL_ETOOBIG, "line %lu: more than %d attributes", nd->line,
                           TL_LSXML_MAX_ATTRS);
        size_t len = strnlen(atts[i + 1], TL_LSXML_MAX_ATTR_LEN + 1);
        if (len > TL_LSXML_MAX_ATTR_LEN)
            return tl_errf(rd->eb, TL_ETOOBIG, "line %lu: attribute %.64s longer than %d bytes",
                           nd->line, atts[i], TL_LSXML_MAX_ATTR_LEN);
        for (int a = 0; a < A_COUNT; a++) {
            if (strcmp(atts[i], ATTR_NAMES[a]) || nd->attr[a])
                continue;
            nd->attr[a] = strdup(atts[i + 1]);
            if (!nd->attr[a])
                return TL_ENOMEM;
        }
    }
    return 0;
}

static void XMLCALL on_start(void *ud, const XML_Char *el, const XML_Char **atts) {
    struct reader *rd = ud;
    if (rd->rc)
        return;
    unsigned long line = line_of(rd);
    if (rd->depth >= TL_LSXML_MAX_DEPTH) {
        stop(rd, tl_errf(rd->eb, TL_ETOOBIG, "line %lu: elements nested deeper than %d", line,
                         TL_LSXML_MAX_DEPTH));
        return;
    }
    if (rd->n >= TL_LSXML_MAX_ELEMENTS) {
        stop(rd, tl_errf(rd->eb, TL_ETOOBIG, "line %lu: more than %d elements", line,
                         TL_LSXML_MAX_ELEMENTS));
        return;
    }
    size_t k = 0, n_tags = sizeof TAGS / sizeof TAGS[0];
    while (k < n_tags && strcmp(TAGS[k].name, el))
        k++;
    if (k == n_tags) {
        stop(rd, tl_errf(rd->eb, TL_EINVAL, "line %lu: unsupported tag <%.64s>", line, el));
        return;
    }
    if (rd->depth == 0 && TAGS[k].tag != T_VIEW) {
        stop(rd, tl_errf(rd->eb, TL_EINVAL, "line %lu: the root element must be <View>, not <%s>",
                         line, TAGS[k].name));
        return;
    }
    long owner = -1;
    if (TAGS[k].role == R_OPTION && (owner = option_owner(rd, TAGS[k].tag)) < 0) {
        stop(rd, tl_errf(rd->eb, TL_EINVAL, "line %lu: <%s> outside the control it belongs to",
                         line, TAGS[k].name));
        return;
    }
    /* Every control becomes at most one field, so more controls than a
     * schema may hold is refused here, before any per-control walk. */
    if (TAGS[k].role == R_CONTROL && ++rd->n_controls > TL_SCHEMA_MAX_FIELDS) {
        stop(rd, tl_errf(rd->eb, TL_ETOOBIG, "line %lu: more than %d control tags", line,
                         TL_SCHEMA_MAX_FIELDS));
        return;
    }
    if (TAGS[k].role == R_OBJECT && ++rd->n_objects > MAX_OBJECTS) {
        stop(rd,
             tl_errf(rd->eb, TL_ETOOBIG, "line %lu: more than %d object tags", line, MAX_OBJECTS));
        return;
    }
    if (rd->n == rd->cap) {
        size_t cap = rd->cap ? rd->cap * 2 : 32;
        struct node *nodes = realloc(rd->nodes, cap * sizeof *nodes);
        if (!nodes) {
            stop(rd, TL_ENOMEM);
            return;
        }
        rd->nodes = nodes;
        rd->cap = cap;
    }
    struct node *nd = &rd->nodes[rd->n++];
    *nd = (struct node){.tag = TAGS[k].tag, .role = TAGS[k].role, .owner = owner, .line = line};
    int rc = copy_attrs(rd, nd, atts);
    if (rc) {
        stop(rd, rc);
        return;
    }
    rd->stack[rd->depth++] = (long)rd->n - 1;
}

static void XMLCALL on_end(void *ud, const XML_Char *el) {
    struct reader *rd = ud;
    if (!rd->rc && rd->depth > 0)
        rd->depth--;
}

/* A DOCTYPE is where entities are declared: refusing it outright means no
 * entity is ever expanded (billion laughs) or fetched (external entities). */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset) {
    struct reader *rd = ud;
    if (!rd->rc)
        stop(rd, tl_errf(rd->eb, TL_EINVAL, "line %lu: DOCTYPE is not allowed", line_of(rd)));
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                              int value_len, const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation) {
    struct reader *rd = ud;
    if (!rd->rc)
        stop(rd, tl_errf(rd->eb, TL_EINVAL, "line %lu: entity declarations are not allowed",
                         line_of(rd)));
}

static int read_config(struct reader *rd, const char *xml, size_t len) {
    /* The encoding is fixed to UTF-8 whatever the XML declaration says: one
     * decoder to trust, and the schema is JSON (UTF-8) anyway. */
    rd->p = XML_ParserCreate("UTF-8");
    if (!rd->p)
        return TL_ENOMEM;
    XML_SetUserData(rd->p, rd);
    XML_SetElementHandler(rd->p, on_start, on_end);
    XML_SetStartDoctypeDeclHandler(rd->p, on_doctype);
    XML_SetEntityDeclHandler(rd->p, on_entity);
    XML_SetParamEntityParsing(rd->p, XML_PARAM_ENTITY_PARSING_NEVER);
    size_t off = 0;
    int rc = 0;
    do {
        size_t n = len - off < FEED_CHUNK ? len - off : FEED_CHUNK;
        bool is_final = off + n == len;
        if (XML_Parse(rd->p, xml + off, (int)n, is_final) == XML_STATUS_ERROR) {
            rc = rd->rc ? rd->rc
                        : tl_errf(rd->eb, TL_EINVAL, "line %lu: %s", line_of(rd),
                                  XML_ErrorString(XML_GetErrorCode(rd->p)));
            break;
        }
        off += n;
    } while (off < len);
    XML_ParserFree(rd->p);
    rd->p = NULL;
    return rc ? rc : rd->rc;
}

/* ---- conversion ---- */

static const char *attr(const struct node *nd, enum attr a) {
    return nd->attr[a];
}

static bool is_true(const char *v) {
    return v && !strcasecmp(v, "true");
}

/* The data key of an object (its value="$key"), or NULL for a literal. */
static const char *object_key(const struct node *obj) {
    const char *v = attr(obj, A_VALUE);
    return v && v[0] == '$' && v[1] ? v + 1 : NULL;
}

static long find_object(const struct reader *rd, const char *name, size_t name_len) {
    for (size_t i = 0; i < rd->n; i++) {
        const char *nm = attr(&rd->nodes[i], A_NAME);
        if (rd->nodes[i].role == R_OBJECT && nm && strlen(nm) == name_len &&
            !memcmp(nm, name, name_len))
            return (long)i;
    }
    return -1;
}

/* The objects named by a control's toName ("a" or "a,b,c"), at most max,
 * into objs; returns how many, or a negative TL_E* code with a message. */
static int resolve_targets(const struct reader *rd, const struct node *ctl, long *objs, int max,
                           struct tl_errbuf *eb) {
    const char *s = attr(ctl, A_TONAME);
    if (!s || !*s)
        return tl_errf(eb, TL_EINVAL, "line %lu: <%s name=\"%s\"> needs toName", ctl->line,
                       tag_name(ctl->tag), attr(ctl, A_NAME));
    int n = 0;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        const char *start = s;
        while (*s && *s != ',')
            s++;
        size_t len = (size_t)(s - start);
        while (len && start[len - 1] == ' ')
            len--;
        if (!len)
            continue;
        long o = find_object(rd, start, len);
        if (o < 0)
            return tl_errf(eb, TL_EINVAL, "line %lu: toName \"%.*s\" of <%s> names no object tag",
                           ctl->line, (int)(len > 64 ? 64 : len), start, tag_name(ctl->tag));
        if (n == max)
            return tl_errf(eb, TL_EINVAL, "line %lu: <%s> names more than %d objects", ctl->line,
                           tag_name(ctl->tag), max);
        objs[n++] = o;
    }
    return n;
}

/* The data key of the single object a control works on. */
static int single_source(const struct reader *rd, const struct node *ctl, const struct node **obj,
                         const char **key, struct tl_errbuf *eb) {
    long o;
    int n = resolve_targets(rd, ctl, &o, 1, eb);
    if (n < 0)
        return n;
    if (n == 0)
        return tl_errf(eb, TL_EINVAL, "line %lu: <%s> needs toName", ctl->line, tag_name(ctl->tag));
    *obj = &rd->nodes[o];
    *key = object_key(*obj);
    if (!*key)
        return tl_errf(eb, TL_EINVAL, "line %lu: <%s name=\"%s\"> has no value=\"$key\"",
                       (*obj)->line, tag_name((*obj)->tag), attr(*obj, A_NAME));
    return 0;
}

static bool is_textual(enum tag t) {
    return t == T_TEXT || t == T_HYPERTEXT || t == T_PARAGRAPHS;
}

/* The option values (Choice/Label/Relation value=) of control ci, as a
 * JSON array in *out; at least one is required. */
static int options_of(const struct reader *rd, size_t ci, json_t **out, struct tl_errbuf *eb) {
    const struct node *ctl = &rd->nodes[ci];
    json_t *arr = json_array();
    if (!arr)
        return TL_ENOMEM;
    for (size_t i = ci + 1; i < rd->n; i++) {
        const struct node *nd = &rd->nodes[i];
        if (nd->role != R_OPTION || nd->owner != (long)ci)
            continue;
        const char *v = attr(nd, A_VALUE);
        if (!v || !*v) {
            json_decref(arr);
            return tl_errf(eb, TL_EINVAL, "line %lu: <%s> needs a value", nd->line,
                           tag_name(nd->tag));
        }
        if (json_array_size(arr) >= TL_SCHEMA_MAX_OPTIONS) {
            json_decref(arr);
            return tl_errf(eb, TL_ETOOBIG, "line %lu: <%s> has more than %d options", ctl->line,
                           tag_name(ctl->tag), TL_SCHEMA_MAX_OPTIONS);
        }
        if (json_array_append_new(arr, json_string(v))) {
            json_decref(arr);
            return TL_ENOMEM;
        }
    }
    if (json_array_size(arr) == 0) {
        json_decref(arr);
        return tl_errf(eb, TL_EINVAL, "line %lu: <%s name=\"%s\"> has no options", ctl->line,
                       tag_name(ctl->tag), attr(ctl, A_NAME));
    }
    *out = arr;
    return 0;
}

/* A number attribute: absent (*has = false), or finite. */
static int number_attr(const struct node *nd, enum attr a, bool *has, double *out,
                       struct tl_errbuf *eb) {
    const char *s = attr(nd, a);
    *has = s != NULL;
    if (!s)
        return 0;
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(*out))
        return tl_errf(eb, TL_EINVAL, "line %lu: %s=\"%.32s\" is not a number", nd->line,
                       ATTR_NAMES[a], s);
    return 0;
}

/* min="0" stays the integer 0 in the schema, as a person would write it. */
static json_t *json_number(double v) {
    return v == floor(v) && fabs(v) < 9007199254740992.0 ? json_integer((json_int_t)v)
                                                         : json_real(v);
}

static int rating_max(const struct node *nd, long *out, struct tl_errbuf *eb) {
    const char *s = attr(nd, A_MAXRATING);
    *out = 5; /* Label Studio's default */
    if (!s)
        return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < 1 || v > 100)
        return tl_errf(eb, TL_EINVAL, "line %lu: maxRating must be an integer in 1..100", nd->line);
    *out = v;
    return 0;
}

/* The first spans field's name (for Relations): NULL if there is none. */
static const char *spans_field(const struct reader *rd) {
    for (size_t i = 0; i < rd->n; i++) {
        const struct node *nd = &rd->nodes[i];
        if (nd->tag != T_LABELS)
            continue;
        const char *to = attr(nd, A_TONAME);
        long o = to ? find_object(rd, to, strlen(to)) : -1;
        if (o >= 0 && is_textual(rd->nodes[o].tag))
            return attr(nd, A_NAME);
    }
    return NULL;
}

/* True if some Labels control works on object o (audio segments). */
static bool has_segments(const struct reader *rd, long o) {
    const char *obj_name = attr(&rd->nodes[o], A_NAME);
    for (size_t i = 0; i < rd->n; i++) {
        const char *to = attr(&rd->nodes[i], A_TONAME);
        if (rd->nodes[i].tag == T_LABELS && to && obj_name && !strcmp(to, obj_name))
            return true;
    }
    return false;
}

static const char *view_kind(const struct node *obj) {
    switch (obj->tag) {
    case T_HYPERTEXT: return "markdown";
    case T_PARAGRAPHS: {
        /* a dialogue is a list of turns: what the chat view shows */
        const char *layout = attr(obj, A_LAYOUT);
        return layout && !strcmp(layout, "dialogue") ? "chat" : "text";
    }
    case T_IMAGE: return "image";
    case T_AUDIO: return "audio";
    default: return "text";
    }
}

static int add_views(const struct reader *rd, json_t *views) {
    for (size_t i = 0; i < rd->n; i++) {
        const struct node *nd = &rd->nodes[i];
        const char *key = nd->role == R_OBJECT ? object_key(nd) : NULL;
        if (!key)
            continue;
        bool seen = false;
        for (size_t k = 0; k < json_array_size(views) && !seen; k++)
            seen = !strcmp(json_string_value(json_object_get(json_array_get(views, k), "source")),
                           key);
        if (seen)
            continue;
        json_t *v = json_pack("{s:s,s:s}", "source", key, "kind", view_kind(nd));
        /* the object's own name, when it is not the key: results name it */
        const char *name = attr(nd, A_NAME);
        if (v && name && *name && strcmp(name, key) && strlen(name) <= TL_SCHEMA_MAX_NAME &&
            json_object_set_new(v, "name", json_string(name))) {
            json_decref(v);
            return TL_ENOMEM;
        }
        if (json_array_append_new(views, v))
            return TL_ENOMEM;
    }
    return 0;
}

/* The name of a per-region TextArea on audio object obj (the segments'
 * text), or NULL: kept in the schema so the export can name it again. */
static const char *region_text_name(const struct reader *rd, const struct node *obj) {
    const char *obj_name = attr(obj, A_NAME);
    for (size_t i = 0; i < rd->n && obj_name; i++) {
        const struct node *nd = &rd->nodes[i];
        const char *to = attr(nd, A_TONAME), *name = attr(nd, A_NAME);
        if (nd->tag == T_TEXTAREA && is_true(attr(nd, A_PERREGION)) && to &&
            !strcmp(to, obj_name) && name && *name && strlen(name) <= TL_SCHEMA_MAX_NAME)
            return name;
    }
    return NULL;
}

/* The label-set controls: which field type each makes, and on what. */
static int labels_field(const struct reader *rd, size_t ci, json_t *f, struct tl_errbuf *eb) {
    const struct node *ctl = &rd->nodes[ci], *obj = NULL;
    const char *key = NULL, *type;
    int rc = single_source(rd, ctl, &obj, &key, eb);
    if (rc)
        return rc;
    if (ctl->tag == T_LABELS && is_textual(obj->tag))
        type = "spans";
    else if (ctl->tag == T_LABELS && obj->tag == T_AUDIO)
        type = "segments";
    else if (ctl->tag != T_LABELS && obj->tag == T_IMAGE)
        type = ctl->tag == T_RECTANGLELABELS ? "boxes"
               : ctl->tag == T_POLYGONLABELS ? "polygons"
                                             : "keypoints";
    else
        return tl_errf(eb, TL_EINVAL, "line %lu: <%s> cannot work on <%s>", ctl->line,
                       tag_name(ctl->tag), tag_name(obj->tag));
    json_t *labels;
    rc = options_of(rd, ci, &labels, eb);
    if (rc)
        return rc;
    rc = json_object_set_new(f, "type", json_string(type)) ||
         json_object_set_new(f, "source", json_string(key)) ||
         json_object_set_new(f, "labels", labels);
    if (!rc && !strcmp(type, "spans"))
        rc = json_object_set_new(f, "allow_overlap", json_true());
    const char *text_name = !strcmp(type, "segments") ? region_text_name(rd, obj) : NULL;
    if (!rc && text_name)
        rc = json_object_set_new(f, "text_name", json_string(text_name));
    return rc ? TL_ENOMEM : 0;
}

/* Pairwise and Ranker: the data keys of the objects they compare. */
static int sources_field(const struct reader *rd, size_t ci, json_t *f, struct tl_errbuf *eb) {
    const struct node *ctl = &rd->nodes[ci];
    long objs[MAX_OBJECTS];
    int n = resolve_targets(rd, ctl, objs, MAX_OBJECTS, eb);
    if (n < 0)
        return n;
    if (ctl->tag == T_PAIRWISE ? n != 2 : n < 2)
        return tl_errf(eb, TL_EINVAL, "line %lu: <%s> needs %s objects in toName", ctl->line,
                       tag_name(ctl->tag), ctl->tag == T_PAIRWISE ? "two" : "two or more");
    json_t *src = json_array();
    if (!src)
        return TL_ENOMEM;
    for (int k = 0; k < n; k++) {
        const char *key = object_key(&rd->nodes[objs[k]]);
        if (!key) {
            json_decref(src);
            return tl_errf(eb, TL_EINVAL, "line %lu: <%s name=\"%s\"> has no value=\"$key\"",
                           rd->nodes[objs[k]].line, tag_name(rd->nodes[objs[k]].tag),
                           attr(&rd->nodes[objs[k]], A_NAME));
        }
        if (json_array_append_new(src, json_string(key))) {
            json_decref(src);
            return TL_ENOMEM;
        }
    }
    int rc = json_object_set_new(f, "type",
                                 json_string(ctl->tag == T_PAIRWISE ? "pairwise" : "ranking")) ||
             json_object_set_new(f, "sources", src);
    return rc ? TL_ENOMEM : 0;
}

/* Fill field f for control ci. *skip is set when the control makes no field
 * of its own (a per-region TextArea folded into audio segments). */
static int control_field(const struct reader *rd, size_t ci, json_t *f, bool *skip,
                         struct tl_errbuf *eb) {
    const struct node *ctl = &rd->nodes[ci];
    json_t *opts;
    int rc;
    switch (ctl->tag) {
    case T_CHOICES: {
        const char *mode = attr(ctl, A_CHOICE);
        rc = options_of(rd, ci, &opts, eb);
        if (rc)
            return rc;
        rc = json_object_set_new(
                 f, "type",
                 json_string(mode && !strcmp(mode, "multiple") ? "multichoice" : "choice")) ||
             json_object_set_new(f, "options", opts);
        return rc ? TL_ENOMEM : 0;
    }
    case T_LABELS:
    case T_RECTANGLELABELS:
    case T_POLYGONLABELS:
    case T_KEYPOINTLABELS: return labels_field(rd, ci, f, eb);
    case T_RELATIONS: {
        const char *spans = spans_field(rd);
        if (!spans)
            return tl_errf(eb, TL_EINVAL, "line %lu: <Relations> needs a <Labels> field on text",
                           ctl->line);
        rc = options_of(rd, ci, &opts, eb);
        if (rc)
            return rc;
        rc = json_object_set_new(f, "type", json_string("relations")) ||
             json_object_set_new(f, "field", json_string(spans)) ||
             json_object_set_new(f, "labels", opts);
        return rc ? TL_ENOMEM : 0;
    }
    case T_TEXTAREA:
        if (is_true(attr(ctl, A_PERREGION))) {
            long o;
            int n = resolve_targets(rd, ctl, &o, 1, eb);
            if (n < 0)
                return n;
            if (n == 1 && rd->nodes[o].tag == T_AUDIO && has_segments(rd, o)) {
                *skip = true; /* the transcription is each segment's "text" */
                return 0;
            }
            return tl_errf(eb, TL_EINVAL,
                           "line %lu: a per-region <TextArea> works only on audio with <Labels>",
                           ctl->line);
        }
        return json_object_set_new(f, "type", json_string("text")) ? TL_ENOMEM : 0;
    case T_NUMBER: {
        bool has_min, has_max;
        double min, max;
        rc = number_attr(ctl, A_MIN, &has_min, &min, eb);
        rc = rc ? rc : number_attr(ctl, A_MAX, &has_max, &max, eb);
        if (rc)
            return rc;
        if (has_min && has_max && min > max)
            return tl_errf(eb, TL_EINVAL, "line %lu: <Number> has min > max", ctl->line);
        rc = json_object_set_new(f, "type", json_string("number"));
        if (!rc && has_min)
            rc = json_object_set_new(f, "min", json_number(min));
        if (!rc && has_max)
            rc = json_object_set_new(f, "max", json_number(max));
        return rc ? TL_ENOMEM : 0;
    }
    case T_RATING: {
        long max;
        rc = rating_max(ctl, &max, eb);
        if (rc)
            return rc;
        rc = json_object_set_new(f, "type", json_string("rating")) ||
             json_object_set_new(f, "min", json_integer(1)) ||
             json_object_set_new(f, "max", json_integer(max));
        return rc ? TL_ENOMEM : 0;
    }
    case T_PAIRWISE:
    case T_RANKER: return sources_field(rd, ci, f, eb);
    default: return TL_EINTERNAL; /* only controls reach here */
    }
}

static int check_name(const struct reader *rd, size_t ci, const json_t *fields,
                      struct tl_errbuf *eb) {
    const struct node *ctl = &rd->nodes[ci];
    const char *name = attr(ctl, A_NAME);
    if (!name || !*name || strlen(name) > TL_SCHEMA_MAX_NAME)
        return tl_errf(eb, TL_EINVAL, "line %lu: <%s> needs a name of 1..%d bytes", ctl->line,
                       tag_name(ctl->tag), TL_SCHEMA_MAX_NAME);
    for (size_t k = 0; k < json_array_size(fields); k++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(fields, k), "name")), name))
            return tl_errf(eb, TL_EINVAL, "line %lu: duplicate name \"%.64s\"", ctl->line, name);
    if (json_array_size(fields) >= TL_SCHEMA_MAX_FIELDS)
        return tl_errf(eb, TL_ETOOBIG, "line %lu: more than %d fields", ctl->line,
                       TL_SCHEMA_MAX_FIELDS);
    return 0;
}

static int add_fields(const struct reader *rd, json_t *fields, struct tl_errbuf *eb) {
    for (size_t i = 0; i < rd->n; i++) {
        if (rd->nodes[i].role != R_CONTROL)
            continue;
        int rc = check_name(rd, i, fields, eb);
        if (rc)
            return rc;
        json_t *f = json_pack("{s:s}", "name", attr(&rd->nodes[i], A_NAME));
        if (!f)
            return TL_ENOMEM;
        bool skip = false;
        /* Label Studio refuses a toName that names nothing: so do we, even
         * where the field does not keep its source (Choices, TextArea). */
        long objs[MAX_OBJECTS];
        if (attr(&rd->nodes[i], A_TONAME)) {
            int n = resolve_targets(rd, &rd->nodes[i], objs, MAX_OBJECTS, eb);
            rc = n < 0 ? n : 0;
        }
        rc = rc ? rc : control_field(rd, i, f, &skip, eb);
        /* Label Studio controls are optional unless required="true"; today's
         * schema default is required, so the flag is always written. */
        if (!rc && !skip &&
            (json_object_set_new(f, "required",
                                 json_boolean(is_true(attr(&rd->nodes[i], A_REQUIRED)))) ||
             json_array_append(fields, f)))
            rc = TL_ENOMEM;
        json_decref(f);
        if (rc)
            return rc;
    }
    return 0;
}

int tl_lsxml_convert(const char *xml, size_t len, json_t **out, struct tl_errbuf *eb) {
    *out = NULL;
    if (len > TL_LSXML_MAX_BYTES)
        return tl_errf(eb, TL_ETOOBIG, "the config is larger than %u bytes", TL_LSXML_MAX_BYTES);
    struct reader rd = {.eb = eb};
    int rc = read_config(&rd, xml, len);
    json_t *views = NULL, *fields = NULL;
    if (!rc) {
        views = json_array();
        fields = json_array();
        rc = views && fields ? 0 : TL_ENOMEM;
    }
    rc = rc ? rc : add_views(&rd, views);
    rc = rc ? rc : add_fields(&rd, fields, eb);
    if (!rc && json_array_size(fields) == 0)
        rc = tl_errf(eb, TL_EINVAL, "the config has no control tag (nothing to label)");
    if (!rc) {
        *out = json_pack("{s:O,s:O}", "views", views, "fields", fields);
        rc = *out ? 0 : TL_ENOMEM;
    }
    json_decref(views);
    json_decref(fields);
    reader_release(&rd);
    return rc;
}

int tl_lsxml_media_type(const char *ct) {
    static const char *const types[] = {"application/xml", "text/xml"};
    if (!ct)
        return TL_EINVAL;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t n = strlen(types[i]);
        if (strncasecmp(ct, types[i], n))
            continue;
        const char *rest = ct + n;
        while (*rest == ' ' || *rest == '\t')
            rest++;
        if (*rest == '\0' || *rest == ';')
            return 0;
    }
    return TL_EINVAL;
}
