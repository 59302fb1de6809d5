/* Fuzz target: label schema parsing and result validation
 * (src/schema/schema.c). Input: a schema and a result separated by a NUL. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "schema/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t schema_len = nul ? (size_t)(nul - text) : size;
    json_t *js = json_loadb(text, schema_len, 0, NULL);
    json_t *jr = nul ? json_loadb(nul + 1, size - schema_len - 1, 0, NULL) : NULL;
    struct tl_schema s;
    struct tl_errbuf eb;
    if (js && tl_schema_parse(js, &s, &eb) == 0) {
        if (jr)
            tl_schema_validate(&s, jr, &eb);
        tl_schema_release(&s);
    }
    json_decref(js);
    json_decref(jr);
    return 0;
}
