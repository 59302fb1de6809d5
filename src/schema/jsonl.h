/* jsonl.h: task import (JSON Lines or a JSON array) and JSONL export lines.
 *
 * Import is all or nothing: the whole body is parsed and checked before the
 * caller stores anything, and the first bad item is reported by number
 * ("line 3: ..."). Each task is kept as compact JSON; a line of the form
 * {"data":{...}} (data the only key) stands for its inner object. */
#ifndef TL_SCHEMA_JSONL_H
#define TL_SCHEMA_JSONL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

struct tl_import {
    struct tl_blob *items; /* point into text */
    size_t n;
    struct tl_buf text; /* owns every item's bytes */
};

/* Parse body (JSON Lines, or one JSON array if is_array) into *out.
 * 0, TL_EINVAL with the item number in eb, TL_ENOMEM. Release *out always. */
int tl_import_parse(const char *body, size_t len, bool is_array, struct tl_import *out,
                    struct tl_errbuf *eb);
void tl_import_release(struct tl_import *im);

/* Names an annotator for export (a pseudonym): writes at most 63 bytes. */
typedef void (*tl_annotator_name_fn)(void *ctx, const char *user_id, char out[64]);

/* Append one export line for t (with its '\n') to b:
 * {"id","data","annotations":[{"id","annotator","result","created_at"}]}. */
int tl_jsonl_export_task(struct tl_buf *b, const struct tl_export_task *t,
                         tl_annotator_name_fn name, void *ctx);

#endif
