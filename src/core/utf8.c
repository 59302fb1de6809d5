/* utf8.c: one code point at a time (see utf8.h). */
#include "core/utf8.h"

size_t tl_utf8_next(const char *s, size_t len, uint32_t *cp) {
    const unsigned char *p = (const unsigned char *)s;
    size_t n;
    uint32_t v, min;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    } else if ((p[0] & 0xE0) == 0xC0) {
        n = 2, v = p[0] & 0x1Fu, min = 0x80;
    } else if ((p[0] & 0xF0) == 0xE0) {
        n = 3, v = p[0] & 0x0Fu, min = 0x800;
    } else if ((p[0] & 0xF8) == 0xF0) {
        n = 4, v = p[0] & 0x07u, min = 0x10000;
    } else {
        *cp = TL_UTF8_REPLACEMENT;
        return 1;
    }
    if (n > len) {
        *cp = TL_UTF8_REPLACEMENT;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *cp = TL_UTF8_REPLACEMENT;
            return 1;
        }
        v = v << 6 | (p[i] & 0x3Fu);
    }
    /* overlong forms, surrogates and values past U+10FFFF are not text */
    if (v < min || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) {
        *cp = TL_UTF8_REPLACEMENT;
        return 1;
    }
    *cp = v;
    return n;
}
