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
                                "\"created_at\":\"1970-01-01T00:00:00.000Z\"}],"
                                "\"predictions\":[]}\n");
    json_error_t err;
    json_t *j = json_loadb(b.data, b.len, 0, &err);
    assert_non_null(j);
    json_decref(j);
    tl_buf_release(&b);
}

static void test_export_line_with_predictions(void **state) {
    struct tl_prediction pr[2] = {{.model = "m\"1", .result = "{\"l\":\"a\"}", .result_len = 9,
                                   .score = 0.25, .has_score = true},
                                  {.model = "m2", .result = "{}", .result_len = 2}};
    struct tl_export_task t = {.id = "T1", .data = "{}", .data_len = 2, .predictions = pr,
                               .n_predictions = 2};
    struct tl_buf b;
    tl_buf_init(&b, 4096);
    assert_int_equal(tl_jsonl_export_task(&b, &t, name_fn, NULL), 0);
    assert_string_equal(b.data, "{\"id\":\"T1\",\"data\":{},\"annotations\":[],\"predictions\":["
                                "{\"model\":\"m\\\"1\",\"result\":{\"l\":\"a\"},\"score\":0.25},"
                                "{\"model\":\"m2\",\"result\":{}}]}\n");
    tl_buf_release(&b);
}

/* A project schema with one choice field "label" (a or b). */
static void label_schema(struct tl_schema *sch) {
    json_t *j = json_loads("{\"fields\":[{\"name\":\"label\",\"type\":\"choice\","
                           "\"options\":[\"a\",\"b\"]}]}",
                           0, NULL);
    struct tl_errbuf eb;
    assert_int_equal(tl_schema_parse(j, sch, &eb), 0);
    json_decref(j);
}

/* Parse body as JSON Lines with predictions checked against sch. */
static int parse_with_schema(const char *body, const struct tl_schema *sch, struct tl_import *im,
                             struct tl_errbuf *eb) {
    size_t len = strlen(body), used;
    tl_import_init(im, false, len + 1, 1u << 20, 1000);
    tl_import_set_schema(im, sch);
    int rc = tl_import_feed(im, body, len, &used, eb);
    rc = rc ? rc : tl_import_end(im, eb);
    rc = rc ? rc : tl_import_batch(im);
    return rc;
}

static void test_predictions_leave_the_task_data(void **state) {
    struct tl_schema sch;
    label_schema(&sch);
    static const char body[] =
        "{\"t\":1,\"predictions\":[{\"model\":\"m\",\"result\":{\"label\":\"a\"},\"score\":0.5}]}\n"
        "{\"t\":2}\n"
        "{\"data\":{\"t\":3},\"predictions\":[{\"model\":\"x\",\"result\":{\"label\":\"b\"}},"
        "{\"model\":\"y\",\"result\":{\"label\":\"a\"},\"score\":1}]}\n";
    struct tl_import im;
    struct tl_errbuf eb = {{0}};
    assert_int_equal(parse_with_schema(body, &sch, &im, &eb), 0);
    assert_int_equal(im.n, 3);
    assert_int_equal(im.items[0].len, 7);
    assert_memory_equal(im.items[0].data, "{\"t\":1}", 7);
    /* the wrapper is unwrapped once predictions are taken out */
    assert_memory_equal(im.items[2].data, "{\"t\":3}", 7);
    assert_int_equal(im.n_preds, 3);
    assert_int_equal(im.preds[0].item, 0);
    assert_int_equal(im.preds[1].item, 2);
    assert_int_equal(im.preds[2].item, 2);
    assert_memory_equal(im.preds[0].model, "m", 1);
    assert_int_equal(im.preds[0].result_len, strlen("{\"label\":\"a\"}"));
    assert_memory_equal(im.preds[0].result, "{\"label\":\"a\"}", im.preds[0].result_len);
    assert_true(im.preds[0].has_score);
    assert_false(im.preds[1].has_score);
    assert_true(im.preds[2].score == 1.0);
    tl_import_release(&im);
    tl_schema_release(&sch);
}

static void test_bad_prediction_names_line_and_reason(void **state) {
    struct tl_schema sch;
    label_schema(&sch);
    struct tl_buf mb;
    tl_buf_init(&mb, 1u << 16);
    assert_int_equal(tl_buf_puts(&mb, "{\"predictions\":["), 0);
    for (int i = 0; i <= TL_TASK_MAX_PREDICTIONS; i++)
        assert_int_equal(tl_buf_puts(&mb, i ? ",{\"model\":\"m\",\"result\":{\"label\":\"a\"}}"
                                            : "{\"model\":\"m\",\"result\":{\"label\":\"a\"}}"),
                         0);
    assert_int_equal(tl_buf_puts(&mb, "]}\n"), 0);
    const char *many = mb.data;
    char long_model[512];
    snprintf(long_model, sizeof long_model,
             "{\"predictions\":[{\"model\":\"%0*d\",\"result\":{\"label\":\"a\"}}]}\n",
             TL_PREDICTION_MAX_MODEL + 1, 0);
    const struct {
        const char *line, *msg;
    } cases[] = {
        {"{\"predictions\":[{\"model\":\"m\",\"result\":{\"label\":\"c\"}}]}\n", "prediction 1:"},
        {"{\"predictions\":[{\"model\":\"m\",\"result\":{\"label\":\"a\"},\"score\":1.5}]}\n",
         "score"},
        {"{\"predictions\":[{\"model\":\"m\",\"result\":{\"label\":\"a\"},\"score\":\"1\"}]}\n",
         "score"},
        {"{\"predictions\":[{\"model\":\"\",\"result\":{\"label\":\"a\"}}]}\n", "model"},
        {"{\"predictions\":[{\"model\":7,\"result\":{\"label\":\"a\"}}]}\n", "model"},
        {"{\"predictions\":[{\"model\":\"m\"}]}\n", "result is required"},
        {"{\"predictions\":[{\"model\":\"m\",\"result\":{\"label\":\"a\"},\"x\":1}]}\n",
         "unknown key"},
        {"{\"predictions\":{}}\n", "must be an array"},
        {"{\"predictions\":[1]}\n", "must be an object"},
        {many, "more than 100"},
        {long_model, "model"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[16384];
        snprintf(body, sizeof body, "{\"ok\":1}\n%s", cases[i].line);
        struct tl_import im;
        struct tl_errbuf eb = {{0}};
        assert_int_equal(parse_with_schema(body, &sch, &im, &eb), TL_EINVAL);
        assert_non_null(strstr(eb.msg, "line 2: "));
        if (!strstr(eb.msg, cases[i].msg))
            fail_msg("case %zu: %s", i, eb.msg);
        tl_import_release(&im);
    }
    /* without a schema, predictions are refused rather than stored unchecked */
    struct tl_import im;
    struct tl_errbuf eb = {{0}};
    assert_int_equal(
        parse_with_schema("{\"predictions\":[{\"model\":\"m\",\"result\":{}}]}", NULL, &im, &eb),
        TL_EINVAL);
    assert_non_null(strstr(eb.msg, "schema"));
    tl_import_release(&im);
    tl_buf_release(&mb);
    tl_schema_release(&sch);
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
        cmocka_unit_test(test_export_line_with_predictions),
        cmocka_unit_test(test_predictions_leave_the_task_data),
        cmocka_unit_test(test_bad_prediction_names_line_and_reason),
    };
    return cmocka_run_group_tests_name("jsonl", tests, NULL, NULL);
}
