/* export_conll.c: see export_conll.h. */
#include "schema/export_conll.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

/* The comment line of a block: two ids and the words around them. */
#define COMMENT_MAX 128
/* A tag beside its label: tab, "B-". */
#define TAG_OVERHEAD 3

int tl_conll_init(struct tl_conll *c, const struct tl_schema *schema) {
    memset(c, 0, sizeof *c);
    c->schema = schema;
    for (size_t i = 0; i < schema->n_fields && i < TL_SCHEMA_MAX_FIELDS; i++) {
        const struct tl_field *f = &schema->fields[i];
        if (f->type != TL_FIELD_SPANS || !f->source)
            continue;
        if (!c->source)
            c->source = f->source;
        if (strcmp(f->source, c->source))
            continue;
        size_t longest = 0;
        for (size_t k = 0; k < f->n_options; k++)
            if (strlen(f->options[k]) > longest)
                longest = strlen(f->options[k]);
        c->is_column[i] = true;
        c->n_columns++;
        c->tags_width += TAG_OVERHEAD + longest;
    }
    return c->source ? 0 : TL_EINVAL;
}

/* --- the tokenizer (its rules are in export_conll.h) --- */

static bool is_space(uint32_t cp) {
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static bool is_punct(uint32_t cp) {
    if (cp < 0x80)
        return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) ||
               (cp >= 0x5B && cp <= 0x60) || (cp >= 0x7B && cp <= 0x7E);
    return cp == 0xA1 || cp == 0xA7 || cp == 0xAB || cp == 0xB6 || cp == 0xB7 || cp == 0xBB ||
           cp == 0xBF || (cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2030 && cp <= 0x205E) ||
           (cp >= 0x3001 && cp <= 0x3003) || (cp >= 0x3008 && cp <= 0x3011) ||
           (cp >= 0x3014 && cp <= 0x301F);
}

/* A token: bytes [start, end) of the text, code points [cp_start, cp_end). */
struct token {
    size_t start, end;
    long long cp_start, cp_end;
    bool is_new_line; /* a newline came between the previous token and this one */
};

struct tokenizer {
    const char *text;
    size_t len;
    size_t at;    /* bytes read */
    long long cp; /* code points read */
    bool saw_newline;
};

/* The next token into *tok: true, or false at the end of the text. */
static bool next_token(struct tokenizer *z, struct token *tok) {
    bool is_in_token = false;
    while (z->at < z->len) {
        uint32_t cp;
        size_t n = tl_utf8_next(z->text + z->at, z->len - z->at, &cp);
        bool is_split = is_space(cp) || is_punct(cp);
        if (is_in_token && is_split)
            return true; /* ends before cp */
        if (!is_split || is_punct(cp)) {
            if (!is_in_token) {
                *tok = (struct token){z->at, z->at, z->cp, z->cp, z->saw_newline};
                z->saw_newline = false;
                is_in_token = true;
            }
            tok->end = z->at + n;
            tok->cp_end = z->cp + 1;
        }
        z->saw_newline |= cp == '\n';
        z->at += n;
        z->cp++;
        if (is_punct(cp))
            return true; /* one code point alone */
    }
    return is_in_token;
}

/* --- tags --- */

struct span {
    long long start, end;
    size_t label;
    size_t order; /* in the result's array: breaks ties in start */
};

static int cmp_span(const void *a, const void *b) {
    const struct span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* One tag column while a block is written: the field's spans sorted by
 * start, swept once as the tokens advance. */
struct column {
    const struct tl_field *f;
    struct span *spans;
    size_t n;
    size_t live;   /* spans before it end before the current token */
    size_t prev;   /* the span of the previous token in the sentence, or n */
};

/* The valid spans of items (a field's value in the result), sorted. */
static int load_column(struct column *col, const struct tl_field *f, const json_t *items) {
    size_t n = json_array_size(items);
    *col = (struct column){.f = f};
    if (n == 0)
        return 0;
    if (!(col->spans = malloc(n * sizeof *col->spans)))
        return TL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *it = json_array_get(items, i);
        const json_t *s = json_object_get(it, "start"), *e = json_object_get(it, "end");
        const char *label = json_string_value(json_object_get(it, "label"));
        if (!json_is_integer(s) || !json_is_integer(e) || !label)
            continue;
        struct span sp = {json_integer_value(s), json_integer_value(e), 0, i};
        while (sp.label < f->n_options && strcmp(f->options[sp.label], label))
            sp.label++;
        if (sp.start >= 0 && sp.start < sp.end && sp.label < f->n_options)
            col->spans[col->n++] = sp;
    }
    qsort(col->spans, col->n, sizeof *col->spans, cmp_span);
    col->prev = col->n;
    return 0;
}

/* The span tok is in for this column (earliest start), or col->n. */
static size_t span_of(struct column *col, const struct token *tok) {
    /* tokens only move forward: a span ended before this one stays dead */
    while (col->live < col->n && col->spans[col->live].end <= tok->cp_start)
        col->live++;
    if (col->live < col->n && col->spans[col->live].start < tok->cp_end)
        return col->live;
    return col->n;
}

/* label with each whitespace code point as "_", so it stays one column. */
static int put_label(struct tl_buf *b, const char *label) {
    size_t len = strlen(label);
    int rc = 0;
    for (size_t i = 0; !rc && i < len;) {
        uint32_t cp;
        size_t n = tl_utf8_next(label + i, len - i, &cp);
        rc = is_space(cp) ? tl_buf_append(b, "_", 1) : tl_buf_append(b, label + i, n);
        i += n;
    }
    return rc;
}

static int put_tag(struct tl_buf *b, struct column *col, const struct token *tok) {
    size_t sp = span_of(col, tok);
    bool is_inside = sp == col->prev;
    col->prev = sp;
    if (sp == col->n)
        return tl_buf_puts(b, "\tO");
    int rc = tl_buf_puts(b, is_inside ? "\tI-" : "\tB-");
    return rc ? rc : put_label(b, col->f->options[col->spans[sp].label]);
}

/* --- blocks --- */

static int write_tokens(struct tl_buf *b, const char *text, size_t len, struct column *cols,
                        size_t n_cols) {
    struct tokenizer z = {.text = text, .len = len};
    struct token tok;
    bool has_tokens = false;
    int rc = 0;
    while (!rc && next_token(&z, &tok)) {
        if (tok.is_new_line && has_tokens) {
            rc = tl_buf_puts(b, "\n"); /* the sentence before ends */
            for (size_t i = 0; i < n_cols; i++)
                cols[i].prev = cols[i].n;
        }
        has_tokens = true;
        rc = rc ? rc : tl_buf_append(b, text + tok.start, tok.end - tok.start);
        for (size_t i = 0; !rc && i < n_cols; i++)
            rc = put_tag(b, &cols[i], &tok);
        rc = rc ? rc : tl_buf_puts(b, "\n");
    }
    return rc ? rc : tl_buf_puts(b, "\n"); /* the last sentence, or an empty block */
}

static int write_block(const struct tl_conll *c, struct tl_buf *b, const struct tl_export_task *t,
                       const struct tl_export_annotation *a, const json_t *text) {
    json_t *result = json_loadb(a->result, a->result_len, 0, NULL);
    if (!json_is_object(result)) {
        json_decref(result);
        return TL_EINTERNAL;
    }
    struct column cols[TL_SCHEMA_MAX_FIELDS];
    size_t n_cols = 0;
    int rc = 0;
    for (size_t i = 0; !rc && i < c->schema->n_fields && i < TL_SCHEMA_MAX_FIELDS; i++) {
        const struct tl_field *f = &c->schema->fields[i];
        if (c->is_column[i])
            rc = load_column(&cols[n_cols++], f, json_object_get(result, f->name));
    }
    rc = rc ? rc : tl_buf_puts(b, "# task=");
    rc = rc ? rc : tl_buf_puts(b, t->id);
    rc = rc ? rc : tl_buf_puts(b, " annotation=");
    rc = rc ? rc : tl_buf_puts(b, a->id);
    rc = rc ? rc : tl_buf_puts(b, "\n");
    if (!rc)
        rc = write_tokens(b, json_string_value(text), json_string_length(text), cols, n_cols);
    for (size_t i = 0; i < n_cols; i++)
        free(cols[i].spans);
    json_decref(result);
    return rc;
}

int tl_conll_export_task(struct tl_conll *c, struct tl_buf *b, const struct tl_export_task *t) {
    if (t->n_annotations == 0)
        return 0; /* most tasks of a big project: parse nothing */
    json_t *data = json_loadb(t->data, t->data_len, 0, NULL);
    if (!json_is_object(data)) {
        json_decref(data);
        return TL_EINTERNAL;
    }
    const json_t *text = json_object_get(data, c->source);
    int rc = 0;
    for (size_t i = 0; !rc && json_is_string(text) && i < t->n_annotations; i++)
        rc = write_block(c, b, t, &t->annotations[i], text);
    json_decref(data);
    return rc;
}

/* The text is part of the data, so it has at most data_len bytes (an
 * escape in JSON is never shorter than what it stands for), hence at most
 * data_len tokens and newlines. Each token line holds its token's bytes,
 * its tags (a label with whitespace replaced is never longer) and '\n'. */
size_t tl_conll_task_bound(const struct tl_conll *c, const struct tl_export_task *t) {
    size_t n = t->data_len;
    size_t block = COMMENT_MAX + n + n * (c->tags_width + 1) + n + 1;
    return t->n_annotations * block;
}
