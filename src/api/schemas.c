/* schemas.c: POST /api/v1/schemas/convert: a Label Studio XML label config
 * in, {"schema":{...}} out, so a team moving from Label Studio can create a
 * project from the config it already has; POST /api/v1/schemas/validate:
 * the check project creation makes, for an editor to run as one types.
 * Nothing is stored. */
#include "api/api.h"
#include "schema/lsxml.h"
#include "schema/schema.h"

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

/* An invalid schema is a 200 answer here (the question was answered), with
 * the message project creation would give for it. */
void tl_api_schemas_validate(void *app, struct tl_http_req *r) {
    static const char *const known[] = {"schema", NULL};
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    const json_t *schema = json_object_get(body, "schema");
    if (!schema) {
        tl_api_fail(r, TL_EINVAL, "schema is required");
        json_decref(body);
        return;
    }
    struct tl_errbuf eb = {{0}};
    struct tl_schema parsed;
    int rc = tl_schema_parse(schema, &parsed, &eb);
    if (!rc) {
        tl_schema_release(&parsed);
        tl_http_respond_json(r, 200, json_pack("{s:b}", "valid", 1));
    } else if (rc == TL_EINVAL) {
        tl_http_respond_json(r, 200,
                             json_pack("{s:b,s:{s:s,s:s}}", "valid", 0, "error", "code",
                                       "invalid_schema", "message",
                                       eb.msg[0] ? eb.msg : "invalid schema"));
    } else {
        tl_api_fail(r, rc, eb.msg);
    }
    json_decref(body);
}
