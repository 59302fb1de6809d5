/* Tests for src/schema/export_csv.c: CSV rows, quoting and the formula guard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "schema/export_csv.h"

static void name_fn(void *ctx, const char *user_id, char out[64]) {
    (void)ctx;
    snprintf(out, 64, "%s", user_id[0] == '=' ? "=evil" : "anon1");
}

static void parse_schema(const char *text, struct tl_schema *s) {
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    struct tl_errbuf eb;
    assert_int_equal(tl_schema_parse(j, s, &eb), 0);
    json_decref(j);
}

static const char SCHEMA[] =
    "{\"fields\":[{\"name\":\"label\",\"type\":\"choice\",\"options\":[\"a\",\"=b\"]},"
    "{\"name\":\"tags\",\"type\":\"multichoice\",\"options\":[\"x\",\"y\"],\"required\":false},"
    "{\"name\":\"note\",\"type\":\"text\",\"required\":false},"
    "{\"name\":\"score\",\"type\":\"number\",\"required\":false}]}";

static const char *cell(const char *s, bool is_number) {
    static char text[1024];
    struct tl_buf b;
    tl_buf_init(&b, sizeof text - 1);
    assert_int_equal(tl_csv_cell(&b, s, strlen(s), is_number), 0);
    memcpy(text, b.data ? b.data : "", b.len + 1);
    tl_buf_release(&b);
    return text;
}

static void test_rfc4180_quoting(void **state) {
    assert_string_equal(cell("plain", false), "plain");
    assert_string_equal(cell("", false), "");
    assert_string_equal(cell("a,b", false), "\"a,b\"");
    assert_string_equal(cell("say \"hi\"", false), "\"say \"\"hi\"\"\"");
    assert_string_equal(cell("\"", false), "\"\"\"\"");
    assert_string_equal(cell("two\nlines", false), "\"two\nlines\"");
    assert_string_equal(cell("cr\rhere", false), "\"cr\rhere\"");
    assert_string_equal(cell("[\"x\",\"y\"]", false), "\"[\"\"x\"\",\"\"y\"\"]\"");
}

static void test_formula_injection_prefixed(void **state) {
    assert_string_equal(cell("=1+1", false), "'=1+1");
    assert_string_equal(cell("+1", false), "'+1");
    assert_string_equal(cell("-1", false), "'-1");
    assert_string_equal(cell("@SUM(A1)", false), "'@SUM(A1)");
    assert_string_equal(cell("\tx", false), "'\tx");
    assert_string_equal(cell("\rx", false), "\"'\rx\"");
    assert_string_equal(cell("=HYPERLINK(\"a\",\"b\")", false),
                        "\"'=HYPERLINK(\"\"a\"\",\"\"b\"\")\"");
    assert_string_equal(cell("a=1", false), "a=1");
    /* a JSON number cannot carry a formula: a negative score stays a number */
    assert_string_equal(cell("-2.5", true), "-2.5");
}

static void test_rows_per_annotation(void **state) {
    struct tl_schema s;
    parse_schema(SCHEMA, &s);
    static const char r1[] =
        "{\"label\":\"=b\",\"tags\":[\"x\",\"y\"],\"note\":\"a, \\\"b\\\"\",\"score\":-2}";
    static const char r2[] = "{\"label\":\"a\",\"tags\":null}";
    struct tl_export_annotation an[2] = {
        {.id = "A1", .annotator_id = "u1", .result = r1, .result_len = sizeof r1 - 1,
         .created_at_ms = 0},
        {.id = "A2", .annotator_id = "=u2", .result = r2, .result_len = sizeof r2 - 1,
         .created_at_ms = 1000},
    };
    struct tl_export_task t = {.id = "T1", .data = "{}", .data_len = 2, .annotations = an,
                               .n_annotations = 2};
    struct tl_buf b;
    tl_buf_init(&b, tl_csv_export_header_bound(&s));
    assert_int_equal(tl_csv_export_header(&b, &s), 0);
    b.max = b.len + tl_csv_export_bound(&s, &t);
    assert_int_equal(tl_csv_export_task(&b, &s, &t, name_fn, NULL), 0);
    assert_string_equal(b.data,
                        "task_id,annotation_id,annotator,created_at,label,tags,note,score\r\n"
                        "T1,A1,anon1,1970-01-01T00:00:00.000Z,'=b,\"[\"\"x\"\",\"\"y\"\"]\","
                        "\"a, \"\"b\"\"\",-2\r\n"
                        "T1,A2,'=evil,1970-01-01T00:00:01.000Z,a,,,\r\n");
    tl_buf_release(&b);
    tl_schema_release(&s);
}

static void test_task_without_annotation_is_one_empty_row(void **state) {
    struct tl_schema s;
    parse_schema(SCHEMA, &s);
    struct tl_export_task t = {.id = "T9", .data = "{}", .data_len = 2};
    struct tl_buf b;
    tl_buf_init(&b, tl_csv_export_bound(&s, &t));
    assert_int_equal(tl_csv_export_task(&b, &s, &t, name_fn, NULL), 0);
    assert_string_equal(b.data, "T9,,,,,,,\r\n");
    tl_buf_release(&b);
    tl_schema_release(&s);
}

/* The bound holds for a result whose numbers grow when re-encoded and whose
 * JSON text is all quotes (each doubled by CSV quoting). */
static void test_bound_holds_for_worst_growth(void **state) {
    struct tl_schema s;
    parse_schema("{\"fields\":[{\"name\":\"r\",\"type\":\"rubric\",\"criteria\":"
                 "[{\"name\":\"a\",\"min\":0,\"max\":9}]},"
                 "{\"name\":\"n\",\"type\":\"text\",\"required\":false}]}",
                 &s);
    static const char r[] = "{\"r\":{\"a\":1},\"n\":\"\\\"\\\"\\\"\\\"\\\"\\\"\"}";
    struct tl_export_annotation an = {.id = "A", .annotator_id = "u", .result = r,
                                      .result_len = sizeof r - 1};
    struct tl_export_task t = {.id = "T", .data = "{}", .data_len = 2, .annotations = &an,
                               .n_annotations = 1};
    struct tl_buf b;
    tl_buf_init(&b, tl_csv_export_bound(&s, &t));
    assert_int_equal(tl_csv_export_task(&b, &s, &t, name_fn, NULL), 0);
    assert_non_null(strstr(b.data, ",\"{\"\"a\"\":1}\",\"\"\"\"\"\"\"\"\"\"\"\"\"\"\r\n"));
    tl_buf_release(&b);
    tl_schema_release(&s);
}

static void test_unreadable_result_is_internal(void **state) {
    struct tl_schema s;
    parse_schema(SCHEMA, &s);
    struct tl_export_annotation an = {.id = "A", .annotator_id = "u", .result = "[1]",
                                      .result_len = 3};
    struct tl_export_task t = {.id = "T", .data = "{}", .data_len = 2, .annotations = &an,
                               .n_annotations = 1};
    struct tl_buf b;
    tl_buf_init(&b, 4096);
    assert_int_equal(tl_csv_export_task(&b, &s, &t, name_fn, NULL), TL_EINTERNAL);
    tl_buf_release(&b);
    tl_schema_release(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4180_quoting),
        cmocka_unit_test(test_formula_injection_prefixed),
        cmocka_unit_test(test_rows_per_annotation),
        cmocka_unit_test(test_task_without_annotation_is_one_empty_row),
        cmocka_unit_test(test_bound_holds_for_worst_growth),
        cmocka_unit_test(test_unreadable_result_is_internal),
    };
    return cmocka_run_group_tests_name("export_csv", tests, NULL, NULL);
}
