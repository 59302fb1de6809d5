/* page.c: the paging parameters of the cursor-paged lists (tasks,
 * aggregates, reviews): `limit` and an opaque cursor, a tag letter (which
 * list it belongs to) and a position in hex. See api.h. */
#include "api/api.h"

#define CURSOR_MAX_DIGITS 16 /* hex digits of an int64 position */

int tl_api_page_limit(const char *s, size_t max, size_t *out) {
    size_t v = 0, n = 0;
    for (; s[n] >= '0' && s[n] <= '9' && n < 7; n++)
        v = v * 10 + (size_t)(s[n] - '0');
    if (n == 0 || s[n] || v < 1 || v > max)
        return TL_EINVAL;
    *out = v;
    return 0;
}

int tl_api_cursor_parse(char tag, const char *s, int64_t *out) {
    if (s[0] != tag)
        return TL_EINVAL;
    uint64_t v = 0;
    size_t n = 1;
    for (; s[n] && n <= CURSOR_MAX_DIGITS; n++) {
        char ch = s[n];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (d < 0)
            return TL_EINVAL;
        v = v << 4 | (uint64_t)d;
    }
    if (n == 1 || s[n] || v == 0 || v > INT64_MAX)
        return TL_EINVAL;
    *out = (int64_t)v;
    return 0;
}

json_t *tl_api_cursor_json(char tag, int64_t pos) {
    if (pos <= 0)
        return json_null();
    char text[CURSOR_MAX_DIGITS + 2] = {tag};
    size_t n = 1;
    for (int shift = 60; shift >= 0; shift -= 4) {
        unsigned d = (unsigned)((uint64_t)pos >> shift) & 0xf;
        if (d || n > 1)
            text[n++] = "0123456789abcdef"[d];
    }
    text[n] = '\0';
    return json_string(text);
}
