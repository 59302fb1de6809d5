/* Tests for src/schema/jsonl.c: all-or-nothing import parsing and export lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "schema/jsonl.h"

static void test_jsonl_lines_and_unwrap(void **state) {
    static const char body[] = "{\"a\": 1}\r\n\n{\"data\":{\"b\":2}}\n  \n{\"data\":{\"c\":3},\"x\":1}";
    struct tl_import im;
    struct tl_errbuf eb;
    assert_int_equal(tl_import_parse(body, sizeof body - 1, false, &im, &eb), 0);
    assert_int_equal(im.n, 3);
    assert_memory_equal(im.items[0].data, "{\"a\":1}", im.items[0].len);
    assert_memory_equal(im.items[1].data, "{\"b\":2}", im.items[1].len);
    /* data is unwrapped only when it is the sole key */
    assert_int_equal(im.items[2].len, strlen("{\"data\":{\"c\":3},\"x\":1}"));
    tl_import_release(&im);
}

static void test_jsonl_bad_line_named(void **state) {
    static const char body[] = "{\"a\":1}\n{\"a\":2}\n{oops\n{\"a\":4}\n";
    struct tl_import im;
    struct tl_errbuf eb = {{0}};
    assert_int_equal(tl_import_parse(body, sizeof body - 1, false, &im, &eb), TL_EINVAL);
    assert_non_null(strstr(eb.msg, "line 3"));
    assert_int_equal(im.n, 0);
    static const char notobj[] = "{\"a\":1}\n[1,2]\n";
    assert_int_equal(tl_import_parse(notobj, sizeof notobj - 1, false, &im, &eb), TL_EINVAL);
    assert_non_null(strstr(eb.msg, "line 2"));
    assert_int_equal(tl_import_parse("\n\n", 2, false, &im, &eb), TL_EINVAL);
}

static void test_json_array(void **state) {
    static const char body[] = "[{\"a\":1},{\"data\":{\"b\":2}}]";
    struct tl_import im;
    struct tl_errbuf eb;
    assert_int_equal(tl_import_parse(body, sizeof body - 1, true, &im, &eb), 0);
    assert_int_equal(im.n, 2);
    tl_import_release(&im);
    assert_int_equal(tl_import_parse("[{\"a\":1},2]", 11, true, &im, &eb), TL_EINVAL);
    assert_non_null(strstr(eb.msg, "item 2"));
    assert_int_equal(tl_import_parse("{\"a\":1}", 7, true, &im, &eb), TL_EINVAL);
}

/* Bodies over 4 MiB are parsed on two threads: order, count and the number
 * of a bad line in the second half must not change. */
static void test_large_body_two_threads(void **state) {
    enum { LINES = 120000 };
    struct tl_buf b;
    tl_buf_init(&b, 64u << 20);
    char line[64];
    for (int i = 1; i <= LINES; i++) {
        int n = snprintf(line, sizeof line, "{\"i\":%d,\"pad\":\"xxxxxxxxxxxxxxxxxxxx\"}\n", i);
        assert_int_equal(tl_buf_append(&b, line, (size_t)n), 0);
    }
    assert_true(b.len > (4u << 20));
    struct tl_import im;
    struct tl_errbuf eb = {{0}};
    assert_int_equal(tl_import_parse(b.data, b.len, false, &im, &eb), 0);
    assert_int_equal(im.n, LINES);
    for (size_t i = 0; i < im.n; i += 9999) {
        int n = snprintf(line, sizeof line, "{\"i\":%zu,", i + 1);
        assert_memory_equal(im.items[i].data, line, (size_t)n);
    }
    tl_import_release(&im);
    /* break line 100000 (in the second half) */
    char *p = b.data;
    for (int i = 1; i < 100000; i++)
        p = strchr(p, '\n') + 1;
    *p = '[';
    assert_int_equal(tl_import_parse(b.data, b.len, false, &im, &eb), TL_EINVAL);
    assert_non_null(strstr(eb.msg, "line 100000:"));
    tl_buf_release(&b);
}

static void name_fn(void *ctx, const char *user_id, char out[64]) {
    (void)ctx;
    strncpy(out, user_id, 63);
    out[63] = '\0';
}

static void test_export_line(void **state) {
    struct tl_export_annotation an = {.id = "A1", .annotator_id = "w\"1", .result = "{\"l\":1}",
                                      .result_len = 7, .created_at_ms = 0};
    struct tl_export_task t = {.id = "T1", .data = "{\"x\":2}", .data_len = 7,
                               .annotations = &an, .n_annotations = 1};
    struct tl_buf b;
    tl_buf_init(&b, 4096);
    assert_int_equal(tl_jsonl_export_task(&b, &t, name_fn, NULL), 0);
    assert_string_equal(b.data, "{\"id\":\"T1\",\"data\":{\"x\":2},\"annotations\":[{\"id\":\"A1\","
                                "\"annotator\":\"w\\\"1\",\"result\":{\"l\":1},"
                                "\"created_at\":\"1970-01-01T00:00:00.000Z\"}]}\n");
    json_error_t err;
    json_t *j = json_loadb(b.data, b.len, 0, &err);
    assert_non_null(j);
    json_decref(j);
    tl_buf_release(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_lines_and_unwrap),
        cmocka_unit_test(test_jsonl_bad_line_named),
        cmocka_unit_test(test_json_array),
        cmocka_unit_test(test_large_body_two_threads),
        cmocka_unit_test(test_export_line),
    };
    return cmocka_run_group_tests_name("jsonl", tests, NULL, NULL);
}
