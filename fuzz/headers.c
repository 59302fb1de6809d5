/* Fuzz target: what the HTTP layer does with a request's raw header lines
 * itself (libmicrohttpd parses the rest): the framing check
 * (src/http/framing.c) over every "name: value" line, and the log escaping
 * (src/core/log.c) of the raw bytes, which must never let a space, control
 * character or non-ASCII byte through into a log field (weakness 11).
 * Built with clang -fsanitize=fuzzer by `make fuzz TARGET=headers`, or as a
 * corpus replayer (fuzz/replay.c) that `make test` runs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "core/log.h"
#include "http/framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size, 65536);
    if (!text)
        return 0;

    struct tl_framing f;
    tl_framing_init(&f);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            tl_framing_add(&f, line, colon + 1);
        } else {
            tl_framing_add(&f, line, NULL);
        }
    }
    (void)tl_framing_verdict(&f);

    char out[300];
    tl_log_sample((const char *)data, size, out, sizeof out);
    for (const char *p = out; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            abort(); /* a raw byte that could split or forge a log field */
    free(text);
    return 0;
}
