/* export_csv.c: the CSV export rows (contract in export_csv.h). */
#include "schema/export_csv.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

/* Fixed columns of one row: two ids, an annotator's name (doubled if it
 * needed quoting), a time, separators and the line end. */
#define ROW_OVERHEAD (512 + 2 * TL_ANNOTATOR_NAME_MAX)
/* One empty cell and its separator, with room for quotes. */
#define CELL_OVERHEAD 4

static bool needs_guard(const char *s, size_t n) {
    return n > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
                     s[0] == '\r');
}

static bool needs_quotes(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return true;
    return false;
}

int tl_csv_cell(struct tl_buf *b, const char *s, size_t n, bool is_number) {
    bool is_guarded = !is_number && needs_guard(s, n);
    if (!needs_quotes(s, n)) {
        int rc = is_guarded ? tl_buf_append(b, "'", 1) : 0;
        return rc ? rc : tl_buf_append(b, s, n);
    }
    int rc = tl_buf_append(b, is_guarded ? "\"'" : "\"", is_guarded ? 2 : 1);
    size_t run = 0; /* bytes since the last quote, appended in one go */
    for (size_t i = 0; i < n && !rc; i++) {
        run++;
        if (s[i] != '"')
            continue;
        rc = tl_buf_append(b, s + i + 1 - run, run);
        rc = rc ? rc : tl_buf_append(b, "\"", 1);
        run = 0;
    }
    rc = rc ? rc : tl_buf_append(b, s + n - run, run);
    return rc ? rc : tl_buf_append(b, "\"", 1);
}

static int value_cell(struct tl_buf *b, const json_t *v) {
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v))
        return tl_csv_cell(b, json_string_value(v), json_string_length(v), false);
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return TL_ENOMEM;
    int rc = tl_csv_cell(b, text, strlen(text), json_is_number(v));
    free(text);
    return rc;
}

int tl_csv_export_header(struct tl_buf *b, const struct tl_schema *s) {
    int rc = tl_buf_puts(b, "task_id,annotation_id,annotator,created_at");
    for (size_t i = 0; !rc && i < s->n_fields; i++) {
        rc = tl_buf_append(b, ",", 1);
        rc = rc ? rc : tl_csv_cell(b, s->fields[i].name, strlen(s->fields[i].name), false);
    }
    return rc ? rc : tl_buf_append(b, "\r\n", 2);
}

size_t tl_csv_export_header_bound(const struct tl_schema *s) {
    size_t n = ROW_OVERHEAD;
    for (size_t i = 0; i < s->n_fields; i++)
        n += 2 * strlen(s->fields[i].name) + CELL_OVERHEAD;
    return n;
}

static int row(struct tl_buf *b, const struct tl_schema *s, const struct tl_export_task *t,
               const struct tl_export_annotation *a, const json_t *result,
               tl_annotator_name_fn name, void *ctx) {
    int rc = tl_csv_cell(b, t->id, strlen(t->id), false);
    rc = rc ? rc : tl_buf_append(b, ",", 1);
    if (!rc && a) {
        char who[TL_ANNOTATOR_NAME_MAX] = "", when[32];
        if (!a->source) /* an imported annotation has no annotator here */
            name(ctx, a->annotator_id, who);
        rc = tl_csv_cell(b, a->id, strlen(a->id), false);
        rc = rc ? rc : tl_buf_append(b, ",", 1);
        rc = rc ? rc : tl_csv_cell(b, who, strlen(who), false);
        rc = rc ? rc : tl_buf_append(b, ",", 1);
        rc = rc ? rc : tl_buf_puts(b, tl_clock_rfc3339(a->created_at_ms, when));
    } else if (!rc) {
        rc = tl_buf_append(b, ",,", 2);
    }
    for (size_t i = 0; !rc && i < s->n_fields; i++) {
        rc = tl_buf_append(b, ",", 1);
        if (!rc && result)
            rc = value_cell(b, json_object_get(result, s->fields[i].name));
    }
    return rc ? rc : tl_buf_append(b, "\r\n", 2);
}

int tl_csv_export_task(struct tl_buf *b, const struct tl_schema *s,
                       const struct tl_export_task *t, tl_annotator_name_fn name, void *ctx) {
    if (t->n_annotations == 0)
        return row(b, s, t, NULL, NULL, name, ctx);
    for (size_t i = 0; i < t->n_annotations; i++) {
        const struct tl_export_annotation *a = &t->annotations[i];
        json_t *result = json_loadb(a->result, a->result_len, 0, NULL);
        if (!json_is_object(result)) {
            json_decref(result);
            return TL_EINTERNAL;
        }
        int rc = row(b, s, t, a, result, name, ctx);
        json_decref(result);
        if (rc)
            return rc;
    }
    return 0;
}

/* A value re-encoded grows by at most TL_IMPORT_EXPANSION (numbers), and
 * quoting at most doubles it. */
size_t tl_csv_export_bound(const struct tl_schema *s, const struct tl_export_task *t) {
    size_t per_row = ROW_OVERHEAD + s->n_fields * CELL_OVERHEAD;
    size_t n = per_row;
    for (size_t i = 0; i < t->n_annotations; i++)
        n += per_row + 2 * TL_IMPORT_EXPANSION * t->annotations[i].result_len;
    return n;
}
