/* export_pref.c: the preference export lines (contract in export_pref.h). */
#include "schema/export_pref.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "schema/jsonl.h"

/* Keys, punctuation and the line end of one line. */
#define LINE_OVERHEAD 64

static int put_value(struct tl_buf *b, const json_t *v) {
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return TL_ENOMEM;
    int rc = tl_buf_puts(b, text);
    free(text);
    return rc;
}

static int line(struct tl_buf *b, const struct tl_export_task *t, const json_t *prompt,
                const json_t *chosen, const json_t *rejected) {
    int rc = tl_buf_puts(b, "{\"prompt\":");
    if (!rc)
        rc = prompt ? put_value(b, prompt) : tl_buf_json_str(b, t->data, t->data_len);
    rc = rc ? rc : tl_buf_puts(b, ",\"chosen\":");
    rc = rc ? rc : put_value(b, chosen);
    rc = rc ? rc : tl_buf_puts(b, ",\"rejected\":");
    rc = rc ? rc : put_value(b, rejected);
    return rc ? rc : tl_buf_puts(b, "}\n");
}

static int field_lines(struct tl_buf *b, const struct tl_field *f, const json_t *data,
                       const json_t *result, const struct tl_export_task *t) {
    const char *answer = json_string_value(json_object_get(result, f->name));
    if (!answer || f->n_sources != 2)
        return 0;
    size_t pick;
    if (!strcmp(answer, "a"))
        pick = 0;
    else if (!strcmp(answer, "b"))
        pick = 1;
    else
        return 0; /* a tie */
    const json_t *chosen = json_object_get(data, f->sources[pick]);
    const json_t *rejected = json_object_get(data, f->sources[1 - pick]);
    if (!chosen || !rejected)
        return 0;
    return line(b, t, json_object_get(data, "prompt"), chosen, rejected);
}

static int annotation_lines(struct tl_buf *b, const struct tl_schema *s, const json_t *data,
                            const struct tl_export_annotation *a,
                            const struct tl_export_task *t) {
    json_t *result = json_loadb(a->result, a->result_len, 0, NULL);
    if (!json_is_object(result)) {
        json_decref(result);
        return TL_EINTERNAL;
    }
    int rc = 0;
    for (size_t i = 0; !rc && i < s->n_fields; i++)
        if (s->fields[i].type == TL_FIELD_PAIRWISE)
            rc = field_lines(b, &s->fields[i], data, result, t);
    json_decref(result);
    return rc;
}

static bool has_pairwise(const struct tl_schema *s) {
    for (size_t i = 0; i < s->n_fields; i++)
        if (s->fields[i].type == TL_FIELD_PAIRWISE)
            return true;
    return false;
}

int tl_pref_export_task(struct tl_buf *b, const struct tl_schema *s,
                        const struct tl_export_task *t) {
    /* Most projects in a preference export have pairwise fields, but a
     * project without one would otherwise parse every task for nothing. */
    if (t->n_annotations == 0 || !has_pairwise(s))
        return 0;
    json_t *data = json_loadb(t->data, t->data_len, 0, NULL);
    if (!json_is_object(data)) {
        json_decref(data);
        return TL_EINTERNAL;
    }
    int rc = 0;
    for (size_t i = 0; !rc && i < t->n_annotations; i++)
        rc = annotation_lines(b, s, data, &t->annotations[i], t);
    json_decref(data);
    return rc;
}

/* Each of a line's three values comes from the task data: re-encoded it
 * grows by at most TL_IMPORT_EXPANSION (numbers), and the data escaped as
 * one string by at most 6 bytes a byte (\u00XX), below that. */
size_t tl_pref_export_bound(const struct tl_schema *s, const struct tl_export_task *t) {
    size_t n_pairwise = 0;
    for (size_t i = 0; i < s->n_fields; i++)
        n_pairwise += s->fields[i].type == TL_FIELD_PAIRWISE;
    size_t per_line = LINE_OVERHEAD + 3 * TL_IMPORT_EXPANSION * t->data_len;
    return n_pairwise * t->n_annotations * per_line;
}
