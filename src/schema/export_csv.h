/* export_csv.h: the CSV export: one row per annotation, flat field values.
 *
 * Rows (RFC 4180, CRLF line ends, header first):
 *   task_id,annotation_id,annotator,created_at,FIELD...
 * (annotator empty for an annotation imported with its task);
 * one column per schema field in schema order. A task with no annotation
 * still gets one row, its annotation columns and field cells empty, so
 * the export lists every task. A field absent from a result (or null, as a
 * field hidden by show_if is) is an empty cell; a string is its text; a
 * number or boolean its JSON text; an array or object (multichoice, spans,
 * boxes, rubric, ...) its compact JSON text.
 *
 * Formula injection: a cell whose text starts with '=', '+', '-', '@', tab
 * or CR gets a leading "'" so spreadsheets show it as text. Cells that are
 * JSON numbers are left alone: a JSON number cannot carry a formula, and a
 * negative score must stay a number. A cell is quoted when it holds a
 * comma, a quote, CR or LF; quotes inside are doubled.
 *
 * Values are read from the stored result (compact JSON, one parse per
 * annotation); nothing is retained between calls. */
#ifndef TL_SCHEMA_EXPORT_CSV_H
#define TL_SCHEMA_EXPORT_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "schema/jsonl.h"
#include "schema/schema.h"
#include "core/model.h"

/* Append the header row for s: 0, TL_ETOOBIG past b's ceiling, TL_ENOMEM. */
int tl_csv_export_header(struct tl_buf *b, const struct tl_schema *s);
/* The most bytes tl_csv_export_header appends for s. */
size_t tl_csv_export_header_bound(const struct tl_schema *s);

/* Append t's rows (see above), annotators named by name(ctx, ...): 0,
 * TL_EINTERNAL for a stored result that is not a JSON object, TL_ETOOBIG,
 * TL_ENOMEM. On error b may hold part of the rows. */
int tl_csv_export_task(struct tl_buf *b, const struct tl_schema *s,
                       const struct tl_export_task *t, tl_annotator_name_fn name, void *ctx);
/* The most bytes tl_csv_export_task appends for t under s. */
size_t tl_csv_export_bound(const struct tl_schema *s, const struct tl_export_task *t);

/* Append one cell's text (guarded and quoted as above) to b; is_number
 * exempts it from the injection guard. 0, TL_ETOOBIG, TL_ENOMEM. */
int tl_csv_cell(struct tl_buf *b, const char *s, size_t n, bool is_number);

#endif
