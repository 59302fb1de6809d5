/* Fuzz target: Label Studio XML config conversion (src/schema/lsxml.c):
 * expat with our ceilings and DOCTYPE refusal, then the tag-to-field
 * mapping. Built with clang -fsanitize=fuzzer by `make fuzz TARGET=lsxml`,
 * or as a corpus replayer (fuzz/replay.c) that `make test` runs. */
#include <stddef.h>
#include <stdint.h>

#include "schema/lsxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *schema;
    struct tl_errbuf eb;
    if (tl_lsxml_convert((const char *)data, size, &schema, &eb) == 0)
        json_decref(schema);
    return 0;
}
