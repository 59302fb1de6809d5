/* schemas.h: each project's compiled schema, kept between submissions.
 *
 * Why: every submission validates its result against the project's schema,
 * and parsing the stored schema JSON into a struct tl_schema on each one
 * cost more than the validation itself (bench/store: "check" lines). The
 * compiled form is kept here, keyed by the project's pk and a BLAKE2b hash
 * of its schema text, so a different schema under the same pk (a pk reused
 * after a purge) is never served stale. Process-wide, direct-mapped
 * (TL_QUEUE_SCHEMA_SLOTS slots by pk): a slot taken by another project is
 * simply replaced.
 *
 * Thread-safe. An entry is reference-counted: tl_queue_schema_get hands a
 * reference that stays valid (even if its slot is replaced meanwhile) until
 * tl_queue_schema_put; a submission holds one until its write is done
 * (its hooks run on the writer thread with it). */
#ifndef TL_QUEUE_SCHEMAS_H
#define TL_QUEUE_SCHEMAS_H

#include "core/err.h"
#include "schema/schema.h"
#include "store/store.h"

#define TL_QUEUE_SCHEMA_SLOTS 256

struct tl_queue_schema {
    struct tl_schema schema; /* read-only while referenced */
    /* private */
    int64_t project_pk;
    unsigned char hash[16];
    unsigned refs; /* guarded by the cache's mutex */
};

/* p's compiled schema: 0 with *out (a reference), TL_ENOMEM, or
 * TL_EINTERNAL when the stored schema does not parse (message in eb). */
int tl_queue_schema_get(const struct tl_project *p, struct tl_queue_schema **out,
                        struct tl_errbuf *eb);
/* Give back a reference (NULL is fine). */
void tl_queue_schema_put(struct tl_queue_schema *e);
/* Drop every cached entry (held references stay valid): tests, shutdown. */
void tl_queue_schema_clear(void);
/* Parses done so far (misses), for tests and the bench. */
unsigned long tl_queue_schema_parses(void);

#endif
