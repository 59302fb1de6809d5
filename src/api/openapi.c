/* openapi.c: GET /api/v1/openapi.json, the OpenAPI 3.1 document of every
 * route, body and error (src/api/openapi.json, kept beside the route table:
 * tests/api/test_openapi.py checks that the two list the same routes and
 * that every JSON body the API tests see fits the document's schemas).
 *
 * The file is built into the binary as it is (.incbin), so the server
 * needs nothing on disk to describe itself; the Makefile makes this object
 * depend on the JSON file. */
#include "api/api.h"

extern const char tl_openapi_json[];
extern const char tl_openapi_json_end[];

__asm__(".section .rodata\n"
        ".global tl_openapi_json\n"
        ".global tl_openapi_json_end\n"
        "tl_openapi_json:\n"
        ".incbin \"src/api/openapi.json\"\n"
        "tl_openapi_json_end:\n"
        ".byte 0\n"
        ".previous\n");

void tl_api_openapi(void *app, struct tl_http_req *r) {
    tl_http_respond_static(r, 200, "application/json", tl_openapi_json,
                           (size_t)(tl_openapi_json_end - tl_openapi_json));
}
