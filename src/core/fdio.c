/* fdio.c: see fdio.h. */
#include "core/fdio.h"

#include <errno.h>
#include <unistd.h>

#include "core/err.h"

int tl_write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t put = write(fd, c, n);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return TL_EIO;
        c += put;
        n -= (size_t)put;
    }
    return 0;
}

int tl_read_all(int fd, void *p, size_t n) {
    char *c = p;
    while (n) {
        ssize_t got = read(fd, c, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return TL_EIO;
        c += got;
        n -= (size_t)got;
    }
    return 0;
}
