/* export_conll.h: the CoNLL export: span labels as one token per line with
 * BIO tags, the form NER and sequence-labeling trainers read.
 *
 * The text is the task data's string at the "source" of the schema's first
 * spans field; every spans field over that source is a tag column, in
 * schema order (spans fields over other sources are not exported). A task
 * whose data holds no string there, and a task without annotations,
 * writes nothing. Each human annotation (predictions are not exported) is
 * one block:
 *   # task=<task_id> annotation=<annotation_id>
 *   TOKEN<TAB>TAG[<TAB>TAG...]        one line per token
 *   <blank line>                       after each sentence
 * so a block ends with one blank line (a text without tokens: the comment
 * and a blank line).
 *
 * Tokenizer (offsets are Unicode code points, as spans count them):
 *   - whitespace separates tokens and is dropped: U+0009..U+000D, U+0020,
 *     U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
 *     U+205F, U+3000 (Unicode's White_Space);
 *   - a sentence ends at each newline (U+000A) only, not at sentence
 *     punctuation; empty lines make no empty sentences;
 *   - punctuation is a token of its own, one code point each: ASCII
 *     punctuation (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~), U+00A1 U+00A7 U+00AB
 *     U+00B6 U+00B7 U+00BB U+00BF, General Punctuation U+2010..U+2027 and
 *     U+2030..U+205E, CJK U+3001..U+3003, U+3008..U+3011, U+3014..U+301F;
 *   - a token is any other maximal run of code points ("don't" is don ' t).
 * Tokens hold no tab or newline by construction.
 *
 * Tags, per column: a token is inside a span when they share a code point
 * (start < token end and token start < end). Of the spans of the field
 * that a token is inside, the one starting first counts (on equal starts,
 * the one listed first); B-LABEL for the first token of that span in the
 * sentence, I-LABEL for the next ones, O outside any span. A span that
 * goes on past a newline starts again with B- in the next sentence. Spans
 * cut through a token tag the whole token. Whitespace in a label (which
 * would break the columns) becomes "_" in its tags. Items that are not
 * spans with integer offsets and a known label are skipped. */
#ifndef TL_SCHEMA_EXPORT_CONLL_H
#define TL_SCHEMA_EXPORT_CONLL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/model.h"
#include "schema/schema.h"

struct tl_conll {
    const struct tl_schema *schema; /* borrowed: keep it alive while writing */
    const char *source;             /* the text view's key (in schema) */
    bool is_column[TL_SCHEMA_MAX_FIELDS];
    size_t n_columns;
    size_t tags_width; /* the most bytes a token line's tags take */
};

/* Set up a writer for schema (borrowed). Allocates nothing. 0, or
 * TL_EINVAL when the schema has no spans field. */
int tl_conll_init(struct tl_conll *c, const struct tl_schema *schema);
/* Append t's blocks: 0, TL_ETOOBIG past b's ceiling, TL_ENOMEM,
 * TL_EINTERNAL if stored JSON does not parse. On error b may hold part of
 * a block. */
int tl_conll_export_task(struct tl_conll *c, struct tl_buf *b, const struct tl_export_task *t);
/* The most bytes tl_conll_export_task may append for t. */
size_t tl_conll_task_bound(const struct tl_conll *c, const struct tl_export_task *t);

#endif
