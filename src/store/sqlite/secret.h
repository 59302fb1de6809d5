/* secret.h: the installation secret (the key behind pseudonyms and signed
 * links) in a file of its own, never in the database, so that a copy of the
 * database alone cannot map pseudonyms back to users.
 *
 * The file holds exactly TL_SECRET_LEN raw bytes and must not be open to
 * group or others (any of mode 077): a wider file is refused, not tightened,
 * since the secret may already have been read and the operator should know.
 * A new file is made 0600 atomically (a temporary file, fsync, link(2) to the
 * final name): of two processes creating it at once, the loser finds the
 * winner's file and uses it.
 *
 * The database keeps a check value (meta "secret_check": a keyed BLAKE2b of
 * a fixed text under the secret, which reveals nothing about it), so a store
 * opened with a missing or different secret file is refused instead of
 * silently renaming every annotator. Stores of older versions kept the
 * secret itself in meta "secret": it is moved out (written and fsync'd to
 * the file first, then the row deleted with secure_delete) so pseudonyms stay
 * the same across the upgrade. */
#ifndef TL_STORE_SQLITE_SECRET_H
#define TL_STORE_SQLITE_SECRET_H

#include <sqlite3.h>

#include "core/err.h"
#include "crypto/crypto.h"

/* Load the installation secret of the store whose writer connection is db
 * (no transaction open, schema migrated) from the file at path into out,
 * creating the file for a new store and moving an in-database secret out.
 * 0, or an error with a message in eb: TL_ENOTFOUND (the store has a secret
 * and the file is missing), TL_ECONFLICT (the file is not this store's),
 * TL_EPERM (the file is open to group or others), TL_EINVAL (not a regular
 * file of TL_SECRET_LEN bytes), TL_EIO. */
int sq_secret_load(sqlite3 *db, const char *path, unsigned char out[TL_SECRET_LEN],
                   struct tl_errbuf *eb);

#endif
