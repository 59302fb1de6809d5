/* files.h: uploaded media on local disk, one file per upload under
 * DATA/files (0700), each 0600 and named by its opaque id (a UUIDv7 the
 * server made): no client-supplied name or path ever reaches the file
 * system. The rows that say which tenant and project a file belongs to are
 * in the database (tl_store_file_*); this module only holds the bytes.
 *
 * An upload is written to a temporary file (".tmp-" + a fresh id), synced,
 * then renamed to its id and the directory synced, so a file that has its
 * id is complete and durable. Temporary files left by a server that
 * stopped mid-upload are deleted by tl_files_open. Thread-safe: calls only
 * touch the descriptors and names they are given. */
#ifndef TL_STORE_FILES_H
#define TL_STORE_FILES_H

#include <stdint.h>

#include "core/id.h"

/* ".tmp-" + an id + NUL */
#define TL_FILES_TEMP_NAME (5 + TL_ID_LEN + 1)

struct tl_files;

/* Open (making it 0700 if needed) data_dir/files and delete the temporary
 * files left in it: 0 and *out, TL_EINVAL (path too long), TL_EIO, or
 * TL_ENOMEM. */
int tl_files_open(const char *data_dir, struct tl_files **out);
/* Close; NULL is fine. */
void tl_files_free(struct tl_files *f);

/* Create a new empty temporary file, 0600, open for writing: 0 with *fd
 * (the caller's to close) and its name in tmp_name, or TL_EIO. */
int tl_files_temp(struct tl_files *f, int *fd, char tmp_name[TL_FILES_TEMP_NAME]);
/* Make the temporary file durable under id: fsync fd, rename, fsync the
 * directory. 0 or TL_EIO (then the temporary file may remain: discard it).
 * Slow (an fsync): not for an event-loop thread. fd stays the caller's. */
int tl_files_commit(struct tl_files *f, int fd, const char *tmp_name, const char *id);
/* Delete a temporary file (idempotent). */
void tl_files_discard(struct tl_files *f, const char *tmp_name);
/* Delete the file of id (a committed file whose row could not be written). */
void tl_files_remove(struct tl_files *f, const char *id);
/* Open the file of id for reading: 0 with *fd (the caller's) and its size,
 * TL_EINVAL for an id that is not one of ours, TL_ENOTFOUND, or TL_EIO. */
int tl_files_open_read(struct tl_files *f, const char *id, int *fd, uint64_t *size);

#endif
