/* Fuzz target: task import parsing (src/schema/jsonl.c), both JSONL and the
 * JSON-array form. Built with clang -fsanitize=fuzzer by `make fuzz`, or as a
 * corpus replayer (fuzz/replay.c) that `make test` runs. */
#include <stddef.h>
#include <stdint.h>

#include "schema/jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct tl_import im;
    struct tl_errbuf eb;
    for (int is_array = 0; is_array < 2; is_array++) {
        if (tl_import_parse((const char *)data, size, is_array, &im, &eb) == 0) {
            size_t total = 0;
            for (size_t i = 0; i < im.n; i++)
                total += im.items[i].len;
            (void)total;
        }
        tl_import_release(&im);
    }
    return 0;
}
