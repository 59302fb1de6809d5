/* id.h: public object ids.
 *
 * Every object a client can name gets a UUIDv7 in canonical text form: 48 bits
 * of millisecond time (so B-tree inserts stay append-mostly, in SQLite and
 * PostgreSQL alike) and 74 random bits from libsodium (so ids cannot be
 * guessed or enumerated). Sequential integers never leave the store. */
#ifndef TL_CORE_ID_H
#define TL_CORE_ID_H

#include <stdbool.h>
#include <stddef.h>

#define TL_ID_LEN 36
typedef char tl_id[TL_ID_LEN + 1];

/* Write a new id into out (NUL-terminated). Needs sodium_init() done. */
void tl_id_new(tl_id out);
/* True if s[0..n) has the shape of an id (so lookups can reject junk early). */
bool tl_id_valid(const char *s, size_t n);

#endif
