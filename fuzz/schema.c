/* Fuzz target: label schema parsing and result validation
 * (src/schema/schema.c). Input: a schema, a result and the task's data,
 * separated by NULs (the last two optional), so that spans are checked
 * against a text as on submit. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "schema/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next NUL-separated part of [*p, end): its length, *p moved past it. */
static size_t next_part(const char **p, const char *end, const char **part) {
    *part = *p;
    const char *nul = *p < end ? memchr(*p, '\0', (size_t)(end - *p)) : NULL;
    size_t n = nul ? (size_t)(nul - *p) : (size_t)(end - *p);
    *p = nul ? nul + 1 : end;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *p = (const char *)data, *end = p + size, *part;
    size_t n = next_part(&p, end, &part);
    json_t *js = json_loadb(part, n, 0, NULL);
    n = next_part(&p, end, &part);
    json_t *jr = n ? json_loadb(part, n, 0, NULL) : NULL;
    n = next_part(&p, end, &part);
    json_t *jd = n ? json_loadb(part, n, 0, NULL) : NULL;
    struct tl_schema s;
    struct tl_errbuf eb;
    if (js && tl_schema_parse(js, &s, &eb) == 0) {
        if (jr) {
            tl_schema_validate_task(&s, jr, jd, &eb);
            tl_schema_validate(&s, jr, &eb);
        }
        tl_schema_release(&s);
    }
    json_decref(js);
    json_decref(jr);
    json_decref(jd);
    return 0;
}
