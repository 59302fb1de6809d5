/* range.c: the single byte-range parser (see range.h). */
#include "http/range.h"

#include <stdbool.h>
#include <stddef.h>

static const char *skip_blanks(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Decimal digits at *p (at least one): the value, saturated at UINT64_MAX
 * past TL_RANGE_MAX_DIGITS digits. False if there is no digit. */
static bool read_number(const char **p, const char *end, uint64_t *out) {
    const char *s = *p;
    uint64_t v = 0;
    size_t n = 0;
    for (; s < end && *s >= '0' && *s <= '9'; s++, n++)
        if (n < TL_RANGE_MAX_DIGITS)
            v = v * 10 + (uint64_t)(*s - '0');
    if (n == 0)
        return false;
    *out = n > TL_RANGE_MAX_DIGITS ? UINT64_MAX : v;
    *p = s;
    return true;
}

static bool unit_is_bytes(const char *p, const char *end) {
    static const char unit[] = "bytes=";
    if (end - p < (ptrdiff_t)(sizeof unit - 1))
        return false;
    for (size_t i = 0; i < sizeof unit - 1; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != unit[i])
            return false;
    }
    return true;
}

enum tl_range_verdict tl_http_range_parse(const char *value, uint64_t size, uint64_t *first,
                                          uint64_t *count) {
    if (!value)
        return TL_RANGE_IGNORE;
    size_t len = 0;
    while (len <= TL_RANGE_MAX_LEN && value[len])
        len++;
    if (len > TL_RANGE_MAX_LEN)
        return TL_RANGE_IGNORE;
    const char *p = value, *end = value + len;
    if (!unit_is_bytes(p, end))
        return TL_RANGE_IGNORE;
    p = skip_blanks(p + 6, end);
    uint64_t a = 0, b = UINT64_MAX;
    bool is_suffix = p < end && *p == '-';
    if (!is_suffix && !read_number(&p, end, &a))
        return TL_RANGE_IGNORE;
    if (p >= end || *p != '-')
        return TL_RANGE_IGNORE;
    p++;
    bool has_last = read_number(&p, end, &b);
    if (is_suffix && !has_last)
        return TL_RANGE_IGNORE; /* "bytes=-" */
    if (skip_blanks(p, end) != end)
        return TL_RANGE_IGNORE; /* a second range, or junk */
    if (is_suffix) {
        /* the last b bytes; "-0" asks for nothing */
        if (b == 0 || size == 0)
            return TL_RANGE_UNSATISFIABLE;
        *count = b < size ? b : size;
        *first = size - *count;
        return TL_RANGE_OK;
    }
    if (has_last && b < a)
        return TL_RANGE_IGNORE; /* invalid syntax per the RFC */
    if (a >= size)
        return TL_RANGE_UNSATISFIABLE;
    uint64_t last = has_last && b < size - 1 ? b : size - 1;
    *first = a;
    *count = last - a + 1;
    return TL_RANGE_OK;
}
