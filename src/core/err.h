/* err.h: the one error convention of Tally.
 *
 * Functions return int: 0 on success or a negative TL_E* code; callers
 * propagate with `rc = f(); if (rc) return rc;`. Nothing below the top level
 * (CLI main, HTTP response) prints an error: it returns one, optionally with a
 * message written into a caller-owned struct tl_errbuf. */
#ifndef TL_CORE_ERR_H
#define TL_CORE_ERR_H

#include <stddef.h>

enum {
    TL_OK = 0,
    TL_ENOMEM = -1,    /* an allocation failed */
    TL_EINVAL = -2,    /* malformed input */
    TL_ENOTFOUND = -3, /* no such object (or not visible to the caller) */
    TL_ECONFLICT = -4, /* state does not allow it (lease used, duplicate) */
    TL_EIO = -5,       /* file or database I/O failed */
    TL_ETOOBIG = -6,   /* a configured ceiling was exceeded */
    TL_EPERM = -7,     /* authenticated but not allowed */
    TL_EEXIST = -8,    /* already exists */
    TL_EEMPTY = -9,    /* nothing to return (empty queue, empty input) */
    TL_EAUTH = -10,    /* not authenticated */
    TL_EUNPROC = -11,  /* well-formed but does not fit (schema mismatch) */
    TL_EINTERNAL = -12, /* a bug or an unexpected library failure */
    TL_ELIMIT = -13     /* too many attempts: try again later */
};

/* A short static name for an error code ("not_found"); never NULL. */
const char *tl_strerror(int rc);

/* Room for one human-readable message next to an error code. */
struct tl_errbuf {
    char msg[256];
};

/* Format a message into eb (may be NULL) and return rc, so that callers can
 * write `return tl_errf(eb, TL_EINVAL, "line %d: ...", n);`. */
int tl_errf(struct tl_errbuf *eb, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
