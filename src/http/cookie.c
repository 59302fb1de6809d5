/* cookie.c: the Cookie header's one value we read (see cookie.h). */
#include "http/cookie.h"

#include <stdbool.h>
#include <string.h>

#include "core/err.h"

static bool is_cookie_octet(unsigned char ch) {
    return ch == 0x21 || (ch >= 0x23 && ch <= 0x2b) || (ch >= 0x2d && ch <= 0x3a) ||
           (ch >= 0x3c && ch <= 0x5b) || (ch >= 0x5d && ch <= 0x7e);
}

static const char *skip_ows(const char *p) {
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* The value at p (just after "name="), up to the pair's end: its length
 * in *n and where the pair ends, or NULL when it is not a strict value. */
static const char *strict_value(const char *p, const char **start, size_t *n) {
    bool is_quoted = *p == '"';
    if (is_quoted)
        p++;
    *start = p;
    while (is_cookie_octet((unsigned char)*p))
        p++;
    *n = (size_t)(p - *start);
    if (is_quoted && *p++ != '"')
        return NULL;
    p = skip_ows(p);
    return *p == ';' || *p == '\0' ? p : NULL;
}

int tl_http_cookie_get(const char *header, const char *name, char *out, size_t cap) {
    if (cap)
        out[0] = '\0';
    if (!header)
        return TL_ENOTFOUND;
    if (strnlen(header, TL_COOKIE_MAX_HEADER + 1) > TL_COOKIE_MAX_HEADER)
        return TL_EINVAL;
    size_t name_len = strlen(name);
    bool is_found = false;
    for (const char *p = header; *p;) {
        p = skip_ows(p);
        const char *end = strchr(p, ';');
        if (!end)
            end = p + strlen(p);
        if (!strncmp(p, name, name_len) && p[name_len] == '=') {
            const char *start;
            size_t n;
            const char *pair_end = strict_value(p + name_len + 1, &start, &n);
            if (is_found || pair_end != end || n == 0 || n >= cap) {
                if (cap)
                    out[0] = '\0';
                return TL_EINVAL;
            }
            memcpy(out, start, n);
            out[n] = '\0';
            is_found = true;
        }
        p = *end ? end + 1 : end;
    }
    return is_found ? 0 : TL_ENOTFOUND;
}
