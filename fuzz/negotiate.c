/* Fuzz target: the web UI's request-header readers (src/web/negotiate.c),
 * Accept-Encoding and If-None-Match: any bytes, no read past the header,
 * and "*" always matches. The input's first line is one header, the rest
 * the other. Built with clang -fsanitize=fuzzer by
 * `make fuzz TARGET=negotiate`, or as a corpus replayer (fuzz/replay.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "web/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size, 16384);
    if (!text)
        return 0;
    char *second = strchr(text, '\n');
    if (second)
        *second++ = '\0';
    (void)tl_web_accepts_gzip(text);
    (void)tl_web_etag_matches(text, "\"0123456789abcdef\"");
    if (second && !tl_web_etag_matches("*", second))
        abort();
    if (second)
        (void)tl_web_etag_matches(second, text);
    free(text);
    return 0;
}
