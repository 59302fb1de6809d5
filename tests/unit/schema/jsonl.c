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

/* A large body: order, count and the number of a bad line deep inside. */
static void test_large_body(void **state) {
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

/* Feed body in pieces cut at random, storing (here: copying out) each full
 * batch as the server does; return every item's bytes joined by '\n', or
 * the error message. */
static void import_in_pieces(const char *body, size_t len, bool is_array, unsigned seed,
                             struct tl_buf *out) {
    struct tl_import im;
    struct tl_errbuf eb = {{0}};
    tl_import_init(&im, is_array, 1u << 20, 64, 3);
    size_t pos = 0;
    int rc = 0;
    while (!rc && pos < len) {
        size_t piece = 1 + (size_t)(seed = seed * 1103515245u + 12345u) % 17;
        if (piece > len - pos)
            piece = len - pos;
        size_t done = 0;
        while (!rc && done < piece) {
            size_t used;
            rc = tl_import_feed(&im, body + pos + done, piece - done, &used, &eb);
            done += used;
            if (!rc && tl_import_is_full(&im)) {
                assert_true(im.n <= 3);
                assert_int_equal(tl_import_batch(&im), 0);
                for (size_t i = 0; i < im.n; i++) {
                    tl_buf_append(out, im.items[i].data, im.items[i].len);
                    tl_buf_puts(out, "\n");
                }
                tl_import_batch_reset(&im);
            }
        }
        pos += piece;
    }
    rc = rc ? rc : tl_import_end(&im, &eb);
    if (!rc) {
        assert_int_equal(tl_import_batch(&im), 0);
        for (size_t i = 0; i < im.n; i++) {
            tl_buf_append(out, im.items[i].data, im.items[i].len);
            tl_buf_puts(out, "\n");
        }
    } else {
        tl_buf_reset(out);
        tl_buf_puts(out, eb.msg);
    }
    tl_import_release(&im);
}

static void whole(const char *body, size_t len, bool is_array, struct tl_buf *out) {
    struct tl_import im;
    struct tl_errbuf eb = {{0}};
    if (tl_import_parse(body, len, is_array, &im, &eb) == 0) {
        for (size_t i = 0; i < im.n; i++) {
            tl_buf_append(out, im.items[i].data, im.items[i].len);
            tl_buf_puts(out, "\n");
        }
    } else {
        tl_buf_puts(out, eb.msg);
    }
    tl_import_release(&im);
}

static void test_batches_in_pieces_equal_one_piece(void **state) {
    static const struct {
        bool is_array;
        const char *body;
    } cases[] = {
        {false, "{\"a\":1}\n\n{\"data\":{\"b\":[1,2,{\"c\":\"x\\ny\"}]}}\r\n{\"t\":3}\n{\"t\":4}\n"
                "{\"t\":5}\n{\"t\":6}\n{\"t\":7}"},
        {false, "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":4}\n{oops\n{\"a\":6}\n"},
        {true, " [{\"a\":1}, {\"data\":{\"b\":\"],\\\"\"}},{\"t\":3},{\"t\":4},{\"t\":5}] "},
        {true, "[{\"a\":1},{\"a\":2},{\"a\":3},{\"a\":4},5]"},
        {true, "[{\"a\":1},{\"a\":2},{\"a\":3},{\"a\":4}"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct tl_buf want;
        tl_buf_init(&want, 1u << 20);
        whole(cases[c].body, strlen(cases[c].body), cases[c].is_array, &want);
        for (unsigned seed = 1; seed < 60; seed++) {
            struct tl_buf got;
            tl_buf_init(&got, 1u << 20);
            import_in_pieces(cases[c].body, strlen(cases[c].body), cases[c].is_array, seed, &got);
            assert_string_equal(got.data, want.data);
            tl_buf_release(&got);
        }
        tl_buf_release(&want);
    }
}

/* Weakness 8: 20 KB of 1e300 values re-encode to about 4.6 times their
 * size; only the body's own bytes count (against the server's ceiling). */
static void test_weakness8_reencoded_size_is_not_a_limit(void **state) {
    struct tl_buf lines, arr;
    tl_buf_init(&lines, 1u << 20);
    tl_buf_init(&arr, 1u << 20);
    tl_buf_puts(&arr, "[");
    for (int i = 0; i < 2000; i++) {
        tl_buf_puts(&lines, "{\"v\":1e300}\n");
        tl_buf_puts(&arr, i ? ",{\"v\":1e300}" : "{\"v\":1e300}");
    }
    tl_buf_puts(&arr, "]");
    struct tl_buf big;
    tl_buf_init(&big, 1u << 20);
    tl_buf_puts(&big, "{\"v\":[1e300");
    for (int i = 0; i < 3400; i++)
        tl_buf_puts(&big, ",1e300");
    tl_buf_puts(&big, "]}");
    assert_true(lines.len >= 20000 && big.len >= 20000);
    struct tl_import im;
    struct tl_errbuf eb = {{0}};
    assert_int_equal(tl_import_parse(lines.data, lines.len, false, &im, &eb), 0);
    assert_int_equal(im.n, 2000);
    tl_import_release(&im);
    assert_int_equal(tl_import_parse(arr.data, arr.len, true, &im, &eb), 0);
    assert_int_equal(im.n, 2000);
    tl_import_release(&im);
    assert_int_equal(tl_import_parse(big.data, big.len, false, &im, &eb), 0);
    assert_int_equal(im.n, 1);
    assert_true(im.items[0].len > 3 * big.len);
    tl_import_release(&im);
    tl_buf_release(&lines);
    tl_buf_release(&arr);
    tl_buf_release(&big);
}

static void test_media_types_match_exactly(void **state) {
    static const struct {
        const char *ct;
        int rc;
        bool is_array;
    } cases[] = {
        {"application/json", 0, true},
        {"Application/JSON", 0, true},
        {"application/json; charset=utf-8", 0, true},
        {"application/json;charset=UTF-8", 0, true},
        {"application/x-ndjson", 0, false},
        {"application/x-ndjson ; charset=utf-8", 0, false},
        {"application/jsonl", 0, false},
        {"APPLICATION/JSONL", 0, false},
        {"application/jsonfoo", TL_EINVAL, false},
        {"application/json-seq", TL_EINVAL, false},
        {"application/jsonl2", TL_EINVAL, false},
        {"application/x-ndjsonx", TL_EINVAL, false},
        {"application/jso", TL_EINVAL, false},
        {"text/plain", TL_EINVAL, false},
        {"", TL_EINVAL, false},
        {NULL, TL_EINVAL, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool is_array = !cases[i].is_array;
        assert_int_equal(tl_import_media_type(cases[i].ct, &is_array), cases[i].rc);
        if (!cases[i].rc)
            assert_int_equal(is_array, cases[i].is_array);
    }
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
        cmocka_unit_test(test_large_body),
        cmocka_unit_test(test_batches_in_pieces_equal_one_piece),
        cmocka_unit_test(test_weakness8_reencoded_size_is_not_a_limit),
        cmocka_unit_test(test_media_types_match_exactly),
        cmocka_unit_test(test_export_line),
    };
    return cmocka_run_group_tests_name("jsonl", tests, NULL, NULL);
}
