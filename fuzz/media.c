/* Fuzz target: the two parsers of client input behind media files: the
 * Range header (src/http/range.c) against a file size taken from the input,
 * and the magic-byte sniffer with the allowlist (src/core/media.c). A range
 * it accepts must lie inside the file. The first byte picks the file size's
 * scale, the rest is the header value and the body head.
 * Built with clang -fsanitize=fuzzer by `make fuzz TARGET=media`, or as a
 * corpus replayer (fuzz/replay.c) that `make test` runs. range.c is
 * included, not linked: `make fuzz` compiles core/ and schema/ only, and
 * the parser needs nothing of the server. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/media.h"
#include "http/range.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 4096)
        return 0;
    static const uint64_t sizes[] = {0, 1, 2, 10, 100, 1000, 1u << 20, UINT64_MAX};
    uint64_t file_size = sizes[data[0] % 8];
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    uint64_t first = 0, count = 0;
    enum tl_range_verdict v = tl_http_range_parse(text, file_size, &first, &count);
    if (v == TL_RANGE_OK && (count == 0 || first >= file_size || count > file_size - first))
        abort(); /* a range past the end would make the server read outside the file */

    const char *type = tl_media_allowed(text);
    if (type && !tl_media_is_inline(type))
        abort(); /* every allowed type is a canonical, inline-safe one */
    static const char *const types[] = {"image/png",  "image/jpeg", "image/gif", "image/webp",
                                        "audio/wav",  "audio/mpeg", "audio/ogg", "audio/flac",
                                        "audio/webm", "video/mp4",  "video/webm"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        (void)tl_media_sniff(types[i], data + 1, size - 1);
    free(text);
    return 0;
}
