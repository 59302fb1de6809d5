/* negotiate.c: the two request headers the UI's responses depend on,
 * Accept-Encoding and If-None-Match (see web.h). Pure functions over the
 * header text, with no allocation, so they are fuzzed alone
 * (fuzz/negotiate.c). */
#include <string.h>
#include <strings.h>

#include "web/web.h"

#define MAX_ACCEPT_ENCODING 1024
#define MAX_IF_NONE_MATCH   4096

static const char *skip_ows(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Is the q-value in the parameters [p, end) of one coding above 0? Only
 * "q=0", "q=0.", "q=0.0", "q=0.00", "q=0.000" are zero; a malformed q
 * counts as not acceptable (the safe reading: identity always works). */
static bool q_above_zero(const char *p, const char *end) {
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        p = skip_ows(p, stop);
        if (stop - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            const char *v = p + 2, *v_end = stop;
            while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t'))
                v_end--;
            if (v == v_end || (*v != '0' && *v != '1'))
                return false;
            bool is_zero = *v == '0';
            v++;
            if (v < v_end && *v++ != '.')
                return false;
            for (int digits = 0; v < v_end; v++, digits++) {
                if (*v < '0' || *v > '9' || digits == 3)
                    return false;
                if (*v != '0')
                    is_zero = false;
            }
            return !is_zero;
        }
        p = semi ? semi + 1 : end;
    }
    return true;
}

bool tl_web_accepts_gzip(const char *accept_encoding) {
    if (!accept_encoding)
        return false;
    size_t len = strnlen(accept_encoding, MAX_ACCEPT_ENCODING + 1);
    if (len > MAX_ACCEPT_ENCODING)
        return false;
    const char *p = accept_encoding, *end = accept_encoding + len;
    int gzip = -1, star = -1; /* -1 unlisted, 0 refused, 1 accepted */
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        p = skip_ows(p, stop);
        const char *name = p;
        while (p < stop && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t n = (size_t)(p - name);
        int verdict = q_above_zero(p, stop);
        if ((n == 4 && !strncasecmp(name, "gzip", 4)) ||
            (n == 6 && !strncasecmp(name, "x-gzip", 6)))
            gzip = verdict;
        else if (n == 1 && *name == '*')
            star = verdict;
        p = comma ? comma + 1 : end;
    }
    return gzip >= 0 ? gzip == 1 : star == 1;
}

bool tl_web_etag_matches(const char *if_none_match, const char *etag) {
    if (!if_none_match)
        return false;
    size_t len = strnlen(if_none_match, MAX_IF_NONE_MATCH + 1);
    if (len > MAX_IF_NONE_MATCH)
        return false;
    size_t etag_len = strlen(etag);
    const char *p = if_none_match, *end = if_none_match + len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        p = skip_ows(p, stop);
        const char *tag_end = stop;
        while (tag_end > p && (tag_end[-1] == ' ' || tag_end[-1] == '\t'))
            tag_end--;
        if (tag_end - p == 1 && *p == '*')
            return true;
        if (tag_end - p >= 2 && p[0] == 'W' && p[1] == '/')
            p += 2;
        if ((size_t)(tag_end - p) == etag_len && !memcmp(p, etag, etag_len))
            return true;
        p = comma ? comma + 1 : end;
    }
    return false;
}
