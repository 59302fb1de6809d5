/* schemas.c: POST /api/v1/schemas/convert: a Label Studio XML label config
 * in, {"schema":{...}} out, so a team moving from Label Studio can create a
 * project from the config it already has. Nothing is stored. */
#include "api/api.h"
#include "schema/lsxml.h"

void tl_api_schemas_convert(void *app, struct tl_http_req *r) {
    if (tl_lsxml_media_type(tl_http_header(r, "Content-Type"))) {
        tl_http_respond_error(r, 415, "unsupported_media_type",
                              "send the config as application/xml or text/xml");
        return;
    }
    size_t len;
    const char *xml = tl_http_body(r, &len);
    struct tl_errbuf eb = {{0}};
    json_t *schema;
    int rc = tl_lsxml_convert(xml ? xml : "", xml ? len : 0, &schema, &eb);
    if (rc)
        tl_api_fail(r, rc, eb.msg);
    else
        tl_http_respond_json(r, 200, json_pack("{s:o}", "schema", schema));
}
