/* err.c: names and messages for TL_E* codes (see err.h). */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>

const char *tl_strerror(int rc) {
    switch (rc) {
    case TL_OK: return "ok";
    case TL_ENOMEM: return "out_of_memory";
    case TL_EINVAL: return "invalid";
    case TL_ENOTFOUND: return "not_found";
    case TL_ECONFLICT: return "conflict";
    case TL_EIO: return "io_error";
    case TL_ETOOBIG: return "too_large";
    case TL_EPERM: return "forbidden";
    case TL_EEXIST: return "exists";
    case TL_EEMPTY: return "empty";
    case TL_EAUTH: return "unauthorized";
    case TL_EUNPROC: return "unprocessable";
    case TL_ELIMIT: return "rate_limited";
    default: return "internal";
    }
}

int tl_errf(struct tl_errbuf *eb, int rc, const char *fmt, ...) {
    if (eb) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
        va_end(ap);
    }
    return rc;
}
