/* Tests for src/schema/lsjson.c: Label Studio result lists read into Tally
 * results and written back, per field type: UTF-16 offsets around
 * characters outside the BMP, regions with several labels, relations and
 * segment texts found by id, pairwise ties, and the refusals (unknown
 * from_name, a type that does not fit, offsets inside a surrogate pair or
 * past the text, too many items). Also the labelstudio export row
 * (schema/export_ls.c) on a task with an imported annotation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "schema/export.h"
#include "schema/lsjson.h"
#include "schema/schema.h"
#include "every_field.h"

#define SCHEMA EVERY_FIELD_SCHEMA

/* "😀" (U+1F600) is one code point, two UTF-16 units, four UTF-8 bytes. */
static const char DATA[] = "{\"text\":\"\xF0\x9F\x98\x80 Ada works for IBM\",\"image\":\"i.png\","
                           "\"audio\":\"a.wav\",\"a\":\"one\",\"b\":\"two\"}";

static struct tl_schema schema;
static json_t *data;

static int setup(void **state) {
    json_t *j = json_loads(SCHEMA, 0, NULL);
    struct tl_errbuf eb = {{0}};
    if (!j || tl_schema_parse(j, &schema, &eb))
        return -1;
    json_decref(j);
    data = json_loads(DATA, 0, NULL);
    return data ? 0 : -1;
}

static int teardown(void **state) {
    tl_schema_release(&schema);
    json_decref(data);
    return 0;
}

/* Read items (JSON text): the result, or NULL with the error in eb. */
static json_t *read_ls(const char *items_text, struct tl_errbuf *eb) {
    json_t *items = json_loads(items_text, 0, NULL);
    assert_non_null(items);
    json_t *out = NULL;
    int rc = tl_lsjson_to_result(&schema, items, data, &out, eb);
    json_decref(items);
    assert_true(rc == 0 || out == NULL);
    return out;
}

static void expect_json(const json_t *got, const char *want_text) {
    json_t *want = json_loads(want_text, 0, NULL);
    assert_non_null(want);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("got %s", g);
    }
    json_decref(want);
}

static void expect_refused(const char *items_text, const char *needle) {
    struct tl_errbuf eb = {{0}};
    assert_null(read_ls(items_text, &eb));
    if (!strstr(eb.msg, needle))
        fail_msg("message \"%s\" lacks \"%s\"", eb.msg, needle);
}

/* Write result back and read it again: the same result. */
static json_t *write_read(const json_t *result) {
    json_t *items, *again;
    struct tl_errbuf eb = {{0}};
    assert_int_equal(tl_lsjson_from_result(&schema, result, data, &items, &eb), 0);
    assert_int_equal(tl_lsjson_to_result(&schema, items, data, &again, &eb), 0);
    assert_true(json_equal(again, result));
    json_decref(again);
    return items;
}

static void test_spans_offsets_are_utf16(void **state) {
    struct tl_errbuf eb = {{0}};
    /* "Ada" is UTF-16 units 3..6 but code points 2..5 */
    json_t *r = read_ls("[{\"id\":\"a\",\"type\":\"labels\",\"from_name\":\"s\",\"to_name\":\"doc\","
                        "\"value\":{\"start\":3,\"end\":6,\"text\":\"Ada\",\"labels\":[\"P\",\"O\"]}},"
                        "{\"type\":\"labels\",\"from_name\":\"s\",\"to_name\":\"doc\","
                        "\"value\":{\"start\":0,\"end\":2,\"labels\":[\"O\"]}}]",
                        &eb);
    assert_non_null(r);
    expect_json(r, "{\"s\":[{\"start\":2,\"end\":5,\"label\":\"P\",\"id\":\"a\"},"
                   "{\"start\":2,\"end\":5,\"label\":\"O\",\"id\":\"a\"},"
                   "{\"start\":0,\"end\":1,\"label\":\"O\"}]}");
    assert_int_equal(tl_schema_validate_task(&schema, r, data, &eb), 0);
    json_t *items = write_read(r);
    /* two labels with one id are one region again; the emoji comes back whole */
    assert_int_equal(json_array_size(items), 2);
    expect_json(json_object_get(json_array_get(items, 0), "value"),
                "{\"start\":3,\"end\":6,\"text\":\"Ada\",\"labels\":[\"P\",\"O\"]}");
    expect_json(json_object_get(json_array_get(items, 1), "value"),
                "{\"start\":0,\"end\":2,\"text\":\"\xF0\x9F\x98\x80\",\"labels\":[\"O\"]}");
    assert_null(json_object_get(json_array_get(items, 1), "id")); /* none given, none needed */
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "to_name")),
                        "doc");
    json_decref(items);
    json_decref(r);
}

static void test_offset_refusals(void **state) {
    /* 1 is between the emoji's two surrogates; 21 is past the 20 units */
    expect_refused("[{\"type\":\"labels\",\"from_name\":\"s\",\"value\":{\"start\":1,\"end\":4,"
                   "\"labels\":[\"P\"]}}]",
                   "result 1: start and end must be UTF-16 offsets");
    expect_refused("[{\"type\":\"labels\",\"from_name\":\"s\",\"value\":{\"start\":3,\"end\":21,"
                   "\"labels\":[\"P\"]}}]",
                   "UTF-16 offsets");
    expect_refused("[{\"type\":\"labels\",\"from_name\":\"s\",\"value\":{\"start\":-1,\"end\":2,"
                   "\"labels\":[\"P\"]}}]",
                   "UTF-16 offsets");
    expect_refused("[{\"type\":\"labels\",\"from_name\":\"s\",\"value\":{\"start\":2.5,\"end\":4,"
                   "\"labels\":[\"P\"]}}]",
                   "UTF-16 offsets");
    /* 20 units end the text exactly: accepted */
    struct tl_errbuf eb = {{0}};
    json_t *r = read_ls("[{\"type\":\"labels\",\"from_name\":\"s\",\"value\":{\"start\":17,"
                        "\"end\":20,\"labels\":[\"O\"]}}]",
                        &eb);
    assert_non_null(r);
    expect_json(r, "{\"s\":[{\"start\":16,\"end\":19,\"label\":\"O\"}]}");
    json_decref(r);
}

static void test_relations_and_segment_text_by_id(void **state) {
    struct tl_errbuf eb = {{0}};
    /* the relation and the text come before the regions they name */
    json_t *r = read_ls(
        "[{\"type\":\"relation\",\"from_id\":\"o\",\"to_id\":\"p\",\"labels\":[\"w\"]},"
        "{\"id\":\"g\",\"type\":\"textarea\",\"from_name\":\"tr\",\"to_name\":\"audio\","
        "\"value\":{\"start\":1,\"end\":2,\"text\":[\"hi\",\"there\"]}},"
        "{\"id\":\"p\",\"type\":\"labels\",\"from_name\":\"s\",\"value\":{\"start\":3,\"end\":6,"
        "\"labels\":[\"P\"]}},"
        "{\"id\":\"o\",\"type\":\"labels\",\"from_name\":\"s\",\"value\":{\"start\":17,\"end\":20,"
        "\"labels\":[\"O\"]}},"
        "{\"id\":\"g\",\"type\":\"labels\",\"from_name\":\"sg\",\"value\":{\"start\":1,\"end\":2,"
        "\"channel\":0,\"labels\":[\"P\"]}}]",
        &eb);
    if (!r)
        fail_msg("%s", eb.msg);
    expect_json(r, "{\"s\":[{\"start\":2,\"end\":5,\"label\":\"P\",\"id\":\"p\"},"
                   "{\"start\":16,\"end\":19,\"label\":\"O\",\"id\":\"o\"}],"
                   "\"rel\":[{\"from\":1,\"to\":0,\"label\":\"w\"}],"
                   "\"sg\":[{\"start\":1,\"end\":2,\"label\":\"P\",\"id\":\"g\","
                   "\"text\":\"hi\\nthere\"}]}");
    json_decref(write_read(r));
    json_decref(r);
    expect_refused("[{\"type\":\"relation\",\"from_id\":\"x\",\"to_id\":\"y\",\"labels\":[\"w\"]}]",
                   "relation between regions");
    expect_refused("[{\"id\":\"z\",\"type\":\"textarea\",\"from_name\":\"other\","
                   "\"value\":{\"text\":[\"a\"]}}]",
                   "neither a field nor a segment's text");
}

static void test_regions_keep_coordinates_exactly(void **state) {
    struct tl_errbuf eb = {{0}};
    json_t *r = read_ls(
        "[{\"id\":\"b\",\"type\":\"rectanglelabels\",\"from_name\":\"bx\",\"to_name\":\"image\","
        "\"original_width\":768,\"value\":{\"x\":92.93,\"y\":57.39,\"width\":7.5,"
        "\"height\":44.18,\"rotation\":0,\"rectanglelabels\":[\"P\"]}},"
        "{\"type\":\"polygonlabels\",\"from_name\":\"pg\",\"value\":{\"closed\":true,"
        "\"points\":[[0.1,0.2],[44.44444444444444,48.25396825396825],[3,4]],"
        "\"polygonlabels\":[\"P\"]}},"
        "{\"type\":\"keypointlabels\",\"from_name\":\"kp\",\"value\":{\"x\":1e-3,\"y\":99,"
        "\"width\":0.75,\"keypointlabels\":[\"P\"]}}]",
        &eb);
    assert_non_null(r);
    expect_json(r, "{\"bx\":[{\"x\":92.93,\"y\":57.39,\"width\":7.5,\"height\":44.18,"
                   "\"rotation\":0,\"label\":\"P\",\"id\":\"b\"}],"
                   "\"pg\":[{\"points\":[[0.1,0.2],[44.44444444444444,48.25396825396825],[3,4]],"
                   "\"label\":\"P\"}],\"kp\":[{\"x\":0.001,\"y\":99,\"label\":\"P\"}]}");
    /* it runs past the right and bottom edges: kept as an import, refused as a submission */
    assert_int_equal(tl_schema_validate_imported(&schema, r, data, &eb), 0);
    assert_int_equal(tl_schema_validate_task(&schema, r, data, &eb), TL_EUNPROC);
    json_t *items = write_read(r);
    expect_json(json_object_get(json_array_get(items, 1), "value"),
                "{\"points\":[[0.1,0.2],[44.44444444444444,48.25396825396825],[3,4]],"
                "\"closed\":true,\"polygonlabels\":[\"P\"]}");
    json_decref(items);
    json_decref(r);
}

static void test_answers(void **state) {
    struct tl_errbuf eb = {{0}};
    json_t *r = read_ls(
        "[{\"type\":\"choices\",\"from_name\":\"c\",\"value\":{\"choices\":[\"x\"]}},"
        "{\"type\":\"choices\",\"from_name\":\"m\",\"value\":{\"choices\":[\"x\",\"y\"]}},"
        "{\"type\":\"textarea\",\"from_name\":\"t\",\"value\":{\"text\":[\"a\",\"b\"]}},"
        "{\"type\":\"number\",\"from_name\":\"n\",\"value\":{\"number\":2.5}},"
        "{\"type\":\"rating\",\"from_name\":\"r\",\"value\":{\"rating\":4}},"
        "{\"type\":\"pairwise\",\"from_name\":\"pw\",\"value\":{\"selected\":\"none\"}},"
        "{\"type\":\"ranker\",\"from_name\":\"rk\",\"value\":{\"ranker\":{\"rank\":[\"b\",\"a\"]}}},"
        "{\"type\":\"rubric\",\"from_name\":\"rb\",\"value\":{\"rubric\":{\"q\":3}}}]",
        &eb);
    if (!r)
        fail_msg("%s", eb.msg);
    expect_json(r, "{\"c\":\"x\",\"m\":[\"x\",\"y\"],\"t\":\"a\\nb\",\"n\":2.5,\"r\":4,"
                   "\"pw\":\"tie\",\"rk\":[\"b\",\"a\"],\"rb\":{\"q\":3}}");
    assert_int_equal(tl_schema_validate_task(&schema, r, data, &eb), 0);
    json_t *items = write_read(r);
    const json_t *pw = json_array_get(items, 5);
    assert_string_equal(json_string_value(json_object_get(pw, "to_name")), "a,b");
    expect_json(json_object_get(pw, "value"), "{\"selected\":\"none\"}");
    json_decref(items);
    json_decref(r);
}

static void test_refusals(void **state) {
    expect_refused("[{\"type\":\"choices\",\"from_name\":\"nope\",\"value\":{}}]",
                   "result 1: from_name names no field of the schema: \"nope\"");
    expect_refused("[{\"type\":\"labels\",\"from_name\":\"c\",\"value\":{}}]", "does not fit");
    expect_refused("[{\"type\":\"choices\",\"from_name\":\"c\",\"value\":{\"choices\":[\"x\"]}},"
                   "{\"type\":\"choices\",\"from_name\":\"c\",\"value\":{\"choices\":[\"y\"]}}]",
                   "result 2: answers a second time");
    expect_refused("[{\"type\":\"choices\",\"from_name\":\"c\",\"value\":{\"choices\":[]}}]",
                   "no value fit");
    expect_refused("[{\"type\":\"pairwise\",\"from_name\":\"pw\",\"value\":{\"selected\":\"up\"}}]",
                   "no value fit");
    expect_refused("[{\"type\":\"rectanglelabels\",\"from_name\":\"bx\",\"value\":{\"x\":1,"
                   "\"y\":\"2\",\"width\":3,\"height\":4,\"rectanglelabels\":[\"P\"]}}]",
                   "lacks the coordinates");
    expect_refused("[{\"type\":\"rectanglelabels\",\"from_name\":\"bx\",\"value\":{\"x\":1,"
                   "\"y\":2,\"width\":3,\"height\":4,\"rectanglelabels\":[]}}]",
                   "list of labels");
    expect_refused("[7]", "must be an object");
    expect_refused("{}", "must be a list");
    /* more items than the ceiling, refused before any is read */
    json_t *many = json_array();
    for (int i = 0; i <= TL_LSJSON_MAX_ITEMS; i++)
        json_array_append_new(many, json_null());
    json_t *out;
    struct tl_errbuf eb = {{0}};
    assert_int_equal(tl_lsjson_to_result(&schema, many, data, &out, &eb), TL_EINVAL);
    assert_non_null(strstr(eb.msg, "more than"));
    json_decref(many);
}

static void name_fn(void *ctx, const char *user_id, char out[64]) {
    (void)ctx;
    snprintf(out, 64, "w-%.8s", user_id);
}

static void test_export_row(void **state) {
    struct tl_exporter e;
    struct tl_errbuf eb = {{0}};
    assert_int_equal(tl_exporter_open(&e, "labelstudio", &schema, name_fn, NULL, &eb), 0);
    struct tl_buf out;
    tl_buf_init(&out, 1 << 20);
    static const char result[] = "{\"c\":\"y\"}";
    struct tl_export_annotation an[2] = {
        {.id = "a1", .source = "labelstudio", .result = result, .result_len = strlen(result)},
        {.id = "a2", .annotator_id = "u123456789", .result = result,
         .result_len = strlen(result)}};
    struct tl_export_task t = {.id = "t1", .data = DATA, .data_len = strlen(DATA),
                               .annotations = an, .n_annotations = 2};
    assert_int_equal(tl_exporter_begin(&e, &out), 0);
    assert_int_equal(tl_exporter_task(&e, &out, &t), 0);
    assert_int_equal(tl_exporter_task(&e, &out, &t), 0);
    int rc;
    assert_false(tl_exporter_next_pass(&e, &out, &rc));
    assert_int_equal(tl_exporter_end(&e, &out), 0);
    tl_exporter_release(&e);
    json_error_t jerr;
    json_t *doc = json_loadb(out.data, out.len, 0, &jerr);
    if (!doc)
        fail_msg("not JSON: %s", jerr.text);
    assert_int_equal(json_array_size(doc), 2);
    const json_t *anns = json_object_get(json_array_get(doc, 0), "annotations");
    assert_true(json_is_null(json_object_get(json_array_get(anns, 0), "annotator")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(anns, 1), "annotator")),
                        "w-u1234567");
    expect_json(json_object_get(json_array_get(anns, 1), "result"),
                "[{\"id\":\"t0\",\"type\":\"choices\",\"from_name\":\"c\",\"to_name\":\"doc\","
                "\"value\":{\"choices\":[\"y\"]}}]");
    json_decref(doc);
    tl_buf_release(&out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spans_offsets_are_utf16),
        cmocka_unit_test(test_offset_refusals),
        cmocka_unit_test(test_relations_and_segment_text_by_id),
        cmocka_unit_test(test_regions_keep_coordinates_exactly),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_export_row),
    };
    return cmocka_run_group_tests_name("lsjson", tests, setup, teardown);
}
