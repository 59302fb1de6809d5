/* fdio.h: whole reads and writes on a file descriptor.
 *
 * read(2) and write(2) may move fewer bytes than asked and may be
 * interrupted (EINTR); every caller that wants "all of it or an error"
 * (the secret file, uploaded media, the demo's media) goes through here. */
#ifndef TL_CORE_FDIO_H
#define TL_CORE_FDIO_H

#include <stddef.h>

/* Write all n bytes of p to fd: 0, or TL_EIO (errno says why). */
int tl_write_all(int fd, const void *p, size_t n);
/* Read exactly n bytes into p: 0, or TL_EIO on an error or an early end. */
int tl_read_all(int fd, void *p, size_t n);

#endif
