/* tar.h: a POSIX ustar archive written into a bounded buffer, member by
 * member, so an archive of any size streams in constant memory.
 *
 * A member is its 512-byte header, its content, and zero padding to the
 * next 512-byte boundary. The content is whatever the caller appends to the
 * buffer between tl_tar_member_begin and tl_tar_member_end: the header goes
 * out first with its size and checksum left blank, and member_end fills
 * them in place (by offset, as the buffer may move when it grows). So a
 * writer needs no second copy of a member to learn its size, only the
 * member's bytes in the buffer until it is closed.
 *
 * Headers are deterministic: regular files, mode 0644, uid and gid 0,
 * uname and gname empty, mtime 0 (the epoch), so the same tasks always make
 * the same bytes. Names are ASCII the caller controls (never user data):
 * 1..99 bytes, no prefix field. Sizes up to 8 GiB - 1 (11 octal digits). */
#ifndef TL_CORE_TAR_H
#define TL_CORE_TAR_H

#include <stddef.h>

#include "core/buf.h"

#define TL_TAR_BLOCK 512
/* The most bytes a member adds beside its content: header and padding. */
#define TL_TAR_MEMBER_OVERHEAD (2 * TL_TAR_BLOCK - 1)
/* The archive's end: two zero blocks. */
#define TL_TAR_END_SIZE (2 * TL_TAR_BLOCK)

/* Append a header for a regular file called name and set *head to its
 * offset in b: 0, TL_EINVAL for a name that is empty, 100 bytes or longer,
 * or not printable ASCII, TL_ETOOBIG past b's ceiling, TL_ENOMEM. */
int tl_tar_member_begin(struct tl_buf *b, const char *name, size_t *head);
/* Close the member whose header is at head: its content is b's bytes after
 * the header. Fill in size and checksum, pad to a block: 0, TL_ETOOBIG
 * (past b's ceiling or 8 GiB of content), TL_ENOMEM. */
int tl_tar_member_end(struct tl_buf *b, size_t head);
/* Append the archive's end (TL_TAR_END_SIZE zero bytes): 0, TL_ETOOBIG,
 * TL_ENOMEM. */
int tl_tar_end(struct tl_buf *b);

#endif
