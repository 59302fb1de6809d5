/* labels_csv.h: loading crowd labels and gold answers from CSV text into a
 * struct tl_q_labels (the input rules are in docs/quality.md).
 *
 * Files over 4 MiB without quotes are read by two threads, one half each,
 * and joined in input order: the result is the same as one pass's. */
#ifndef TL_QUALITY_LABELS_CSV_H
#define TL_QUALITY_LABELS_CSV_H

#include <stddef.h>

#include "core/err.h"
#include "quality/labels.h"

/* Parse CSV text (header row, then task, worker, label in the first three
 * columns) into L and finish it. Rows must have as many fields as the header
 * and non-empty task, worker and label. Gold (may be NULL) is CSV text with
 * a header and task, label in its first two columns. Returns 0 or TL_EINVAL
 * / TL_EEMPTY / TL_ETOOBIG / TL_ENOMEM with a message in eb naming the file
 * (labels_name, gold_name) and line. L must be freshly initialised. */
int tl_q_labels_parse_csv(struct tl_q_labels *L, const char *labels_name, const char *text,
                          size_t len, const char *gold_name, const char *gold_text, size_t gold_len,
                          struct tl_errbuf *eb);

#endif
