/* text.h: for fuzz targets whose code under test reads C strings (header
 * values): the input as a fresh NUL-terminated copy, or NULL when it is
 * longer than max bytes (not an input worth the time) or memory ran out.
 * The caller frees it. */
#ifndef TL_FUZZ_TEXT_H
#define TL_FUZZ_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline char *fuzz_text(const uint8_t *data, size_t size, size_t max) {
    char *text = size <= max ? malloc(size + 1) : NULL;
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}

#endif
