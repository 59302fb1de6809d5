/* framing.c: see framing.h. */
#include "http/framing.h"

#include <string.h>
#include <strings.h>

void tl_framing_init(struct tl_framing *f) {
    memset(f, 0, sizeof *f);
}

/* RFC 9110 5.6.2: token = 1*tchar. Whitespace before the colon lands here
 * as a trailing space in the name. */
static bool is_token(const char *s) {
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool is_alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!is_alnum && !strchr("!#$%&'*+-.^_`|~", c))
            return false;
    }
    return true;
}

void tl_framing_add(struct tl_framing *f, const char *name, const char *value) {
    if (!name || !is_token(name)) {
        f->is_name_bad = true;
        return;
    }
    if (!strcasecmp(name, "Content-Length")) {
        f->n_content_length++;
    } else if (!strcasecmp(name, "Transfer-Encoding")) {
        f->n_transfer_encoding++;
        /* Only chunked is spoken here; "gzip, chunked" or "identity" would
         * need decoding or mean a different framing. */
        if (!value || strcasecmp(value, "chunked"))
            f->is_coding_unknown = true;
    } else if (!strcasecmp(name, "Host")) {
        f->n_host++;
    }
}

const char *tl_framing_verdict(const struct tl_framing *f) {
    if (f->is_name_bad)
        return "malformed header name (whitespace before the colon?)";
    if (f->n_content_length > 1)
        return "more than one Content-Length header";
    if (f->n_transfer_encoding > 1)
        return "more than one Transfer-Encoding header";
    if (f->n_transfer_encoding && f->n_content_length)
        return "both Transfer-Encoding and Content-Length";
    if (f->is_coding_unknown)
        return "unsupported Transfer-Encoding (only chunked)";
    if (f->n_host > 1)
        return "more than one Host header";
    return NULL;
}
