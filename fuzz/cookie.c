/* Fuzz target: the Cookie header parser (src/http/cookie.c) that finds the
 * browser session's token: whatever the header holds, it must stay inside
 * the header and its output buffer, and a value it returns must be only
 * cookie-octets, non-empty and NUL-terminated within the buffer.
 * Built with clang -fsanitize=fuzzer by `make fuzz TARGET=cookie`, or as a
 * corpus replayer (fuzz/replay.c) that `make test` runs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "http/cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *header = fuzz_text(data, size, 2 * TL_COOKIE_MAX_HEADER);
    if (!header)
        return 0;
    /* a small buffer too, so that "does not fit" is reached */
    static const size_t caps[] = {1, 8, 69, 300};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        char *out = malloc(caps[i]);
        if (!out)
            break;
        if (tl_http_cookie_get(header, "tally_session", out, caps[i]) == 0) {
            size_t n = strnlen(out, caps[i]);
            if (n == 0 || n == caps[i])
                abort();
            for (size_t j = 0; j < n; j++)
                if (out[j] <= 0x20 || out[j] >= 0x7f || out[j] == ';' || out[j] == '"' ||
                    out[j] == ',' || out[j] == '\\')
                    abort();
        } else if (out[0] != '\0') {
            abort(); /* a refusal leaves nothing behind */
        }
        free(out);
    }
    free(header);
    return 0;
}
