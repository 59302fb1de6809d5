/* utf8.h: decoding UTF-8 one code point at a time, for writers that class
 * or escape text by code point (the CoNLL tokenizer, YAML names).
 *
 * Text from jansson is valid UTF-8; the decoder still never reads past the
 * end it is given and never loops: a malformed or truncated sequence counts
 * as one byte decoding to U+FFFD. */
#ifndef TL_CORE_UTF8_H
#define TL_CORE_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define TL_UTF8_REPLACEMENT 0xFFFDu

/* Decode the code point at s[0..len) (len > 0) into *cp: the bytes it
 * takes, 1..4. */
size_t tl_utf8_next(const char *s, size_t len, uint32_t *cp);

#endif
