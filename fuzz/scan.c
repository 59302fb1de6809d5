/* Fuzz target: re-inference's fast lane for stored results
 * (src/queue/reinfer_scan.c), checked against jansson, the parser it
 * stands in for: whenever the scanner answers TL_Q_SCAN_OK, jansson must
 * accept the same bytes as an object and give every wanted member the same
 * string value (or agree it is absent or not a string). An input the
 * scanner is unsure of (TL_Q_SCAN_SLOW) goes to jansson anyway, so only
 * OK answers can be wrong. UTF-8 validity is outside the scanner's
 * contract (results are stored from jansson's output, reinfer_scan.c), so
 * an input jansson refuses only fails here when it is plain ASCII. Built with clang -fsanitize=fuzzer by
 * `make fuzz TARGET=scan`, or as a corpus replayer (fuzz/replay.c). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue/reinfer_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const names[] = {"label", "a", "b", ""};
    enum { N = sizeof names / sizeof names[0] };
    if (size > 65536)
        return 0;
    struct tl_q_slice found[N];
    if (tl_queue_scan_strings((const char *)data, size, names, N, found) != TL_Q_SCAN_OK)
        return 0;
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    if (!j) {
        for (size_t i = 0; i < size; i++)
            if (data[i] >= 0x80)
                return 0; /* perhaps malformed UTF-8: not the scanner's to judge */
        abort();          /* the fast lane accepted what jansson refuses */
    }
    if (!json_is_object(j))
        abort();
    for (size_t i = 0; i < N; i++) {
        const json_t *v = json_object_get(j, names[i]);
        if (!json_is_string(v) != !found[i].s)
            abort();
        if (found[i].s && (json_string_length(v) != found[i].len ||
                           memcmp(json_string_value(v), found[i].s, found[i].len)))
            abort();
    }
    json_decref(j);
    return 0;
}
