/* Tests for src/schema/csvtasks.c and the CSV path of src/schema/jsonl.c:
 * RFC 4180 rows become tasks of strings, the same however the body is cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/jsonl.h"

/* Import body as CSV, fed in pieces cut at cuts[0..n_cuts) (increasing
 * offsets), with batches of 2 tasks; every task's JSON goes to out, one
 * per line. Returns the import's rc (its message in eb). */
static int import_cut(const char *body, size_t len, const size_t *cuts, size_t n_cuts,
                      size_t max_record, struct tl_buf *out, struct tl_errbuf *eb) {
    struct tl_import im;
    tl_import_init_csv(&im, max_record, 1u << 20, 2);
    int rc = 0;
    size_t start = 0;
    for (size_t k = 0; k <= n_cuts && !rc; k++) {
        size_t end = k < n_cuts ? cuts[k] : len;
        while (start < end && !rc) {
            size_t used;
            rc = tl_import_feed(&im, body + start, end - start, &used, eb);
            start += used;
            if (!rc && tl_import_is_full(&im)) {
                rc = tl_import_batch(&im);
                for (size_t i = 0; !rc && i < im.n; i++) {
                    tl_buf_append(out, im.items[i].data, im.items[i].len);
                    tl_buf_append(out, "\n", 1);
                }
                tl_import_batch_reset(&im);
            }
        }
    }
    rc = rc ? rc : tl_import_end(&im, eb);
    rc = rc ? rc : tl_import_batch(&im);
    for (size_t i = 0; !rc && i < im.n; i++) {
        tl_buf_append(out, im.items[i].data, im.items[i].len);
        tl_buf_append(out, "\n", 1);
    }
    tl_import_release(&im);
    return rc;
}

static int import_whole(const char *body, struct tl_buf *out, struct tl_errbuf *eb) {
    return import_cut(body, strlen(body), NULL, 0, 1u << 20, out, eb);
}

static void expect_tasks(const char *body, const char *tasks) {
    struct tl_buf out;
    tl_buf_init(&out, 1u << 20);
    struct tl_errbuf eb = {{0}};
    int rc = import_whole(body, &out, &eb);
    if (rc)
        fail_msg("rc %d: %s", rc, eb.msg);
    assert_string_equal(out.data ? out.data : "", tasks);
    tl_buf_release(&out);
}

static void expect_error(const char *body, int rc, const char *msg) {
    struct tl_buf out;
    tl_buf_init(&out, 1u << 20);
    struct tl_errbuf eb = {{0}};
    assert_int_equal(import_whole(body, &out, &eb), rc);
    if (!strstr(eb.msg, msg))
        fail_msg("expected \"%s\" in \"%s\"", msg, eb.msg);
    tl_buf_release(&out);
}

static void test_rfc4180_rows(void **state) {
    expect_tasks("a,b\r\n1,2\r\n\"x,y\",\"he said \"\"hi\"\"\"\r\n\"two\r\nlines\",\r\n",
                 "{\"a\":\"1\",\"b\":\"2\"}\n"
                 "{\"a\":\"x,y\",\"b\":\"he said \\\"hi\\\"\"}\n"
                 "{\"a\":\"two\\u000d\\u000alines\",\"b\":\"\"}\n");
    /* LF, no final line break, blank lines skipped, a lone CR ends a record */
    expect_tasks("a\n\n1\n\n2\r3", "{\"a\":\"1\"}\n{\"a\":\"2\"}\n{\"a\":\"3\"}\n");
    /* a quoted empty value is a row, not a blank line */
    expect_tasks("a\n\"\"\n", "{\"a\":\"\"}\n");
    /* a quote inside an unquoted field is a character */
    expect_tasks("a\n5\"3\n", "{\"a\":\"5\\\"3\"}\n");
    /* values stay strings; names and values are escaped */
    expect_tasks("n\\\"x,t\n007,\"\tk\"\n", "{\"n\\\\\\\"x\":\"007\",\"t\":\"\\u0009k\"}\n");
    expect_tasks("\xC3\xA9t\xC3\xA9,\xF0\x9F\x98\x80\n\xE6\x97\xA5,x\n",
                 "{\"\xC3\xA9t\xC3\xA9\":\"\xE6\x97\xA5\",\"\xF0\x9F\x98\x80\":\"x\"}\n");
}

static void test_bom_tolerated(void **state) {
    expect_tasks("\xEF\xBB\xBF"
                 "a,b\n1,2\n",
                 "{\"a\":\"1\",\"b\":\"2\"}\n");
    /* a BOM only counts at the start */
    expect_tasks("a\n\xEF\xBB\xBFx\n", "{\"a\":\"\xEF\xBB\xBFx\"}\n");
    /* the start of a BOM that is not one is data (here invalid UTF-8) */
    expect_error("\xEF\xBB"
                 "a\n1\n",
                 TL_EINVAL, "line 1: field 1 is not valid UTF-8");
}

static void test_errors_name_the_line(void **state) {
    expect_error("a,b\n1,2\n3\n", TL_EINVAL, "line 3: 1 fields, the header has 2");
    expect_error("a,b\n1,2,3\n", TL_EINVAL, "line 2: 3 fields, the header has 2");
    /* the line where the record starts, counting embedded line breaks */
    expect_error("a,b\n\"x\ny\nz\",1\n1\n", TL_EINVAL, "line 5:");
    expect_error("a,a\n1,2\n", TL_EINVAL, "line 1: column 2 repeats the name of column 1");
    expect_error("a,,b\n1,2,3\n", TL_EINVAL, "line 1: column 2 has an empty name");
    expect_error("a\n\"open\n", TL_EINVAL, "line 2: a quoted field is not closed");
    expect_error("a\n\"x\"y\n", TL_EINVAL, "line 2: text after a closing quote");
    expect_error("a\n\xFF\n", TL_EINVAL, "line 2: field 1 is not valid UTF-8");
    expect_error("a\n\xED\xA0\x80\n", TL_EINVAL, "not valid UTF-8"); /* a surrogate */
    expect_error("a\n\xC0\xAF\n", TL_EINVAL, "not valid UTF-8");     /* overlong */
    expect_error("a,b\n", TL_EINVAL, "no tasks");
    expect_error("", TL_EINVAL, "no tasks");
}

/* Found by fuzz/csvtasks: a NUL became \u0000 in the stored task, which
 * the JSON parsers that read tasks back refuse (`next` showed {}). */
static void test_weakness_nul_byte_in_a_field_is_refused(void **state) {
    static const char nul[] = "a\n1\0002\n";
    struct tl_buf out;
    tl_buf_init(&out, 1u << 20);
    struct tl_errbuf eb = {{0}};
    assert_int_equal(import_cut(nul, sizeof nul - 1, NULL, 0, 1u << 20, &out, &eb), TL_EINVAL);
    assert_non_null(strstr(eb.msg, "line 2: field 1 is not valid UTF-8 (or holds a NUL)"));
    tl_buf_release(&out);
}

static void test_ceilings(void **state) {
    struct tl_buf body, out;
    tl_buf_init(&body, 1u << 20);
    tl_buf_init(&out, 1u << 20);
    for (int i = 0; i <= TL_CSVT_MAX_COLUMNS; i++) {
        char name[16];
        snprintf(name, sizeof name, "%sc%d", i ? "," : "", i);
        tl_buf_puts(&body, name);
    }
    tl_buf_puts(&body, "\n");
    struct tl_errbuf eb = {{0}};
    assert_int_equal(import_whole(body.data, &out, &eb), TL_ETOOBIG);
    assert_non_null(strstr(eb.msg, "line 1: more than 1024 columns"));
    /* a record over the import's item ceiling */
    static const char big[] = "a\n0123456789012345678901234567890123456789\n";
    assert_int_equal(import_cut(big, sizeof big - 1, NULL, 0, 16, &out, &eb), TL_ETOOBIG);
    assert_non_null(strstr(eb.msg, "line 2: a record over 16 bytes"));
    tl_buf_release(&body);
    tl_buf_release(&out);
}

/* The same body gives the same tasks, or the same first error, however it
 * is cut: one piece, a byte at a time, and random cuts. */
static void check_every_chunking(const char *body, size_t len) {
    struct tl_buf whole, cut;
    tl_buf_init(&whole, 1u << 22);
    tl_buf_init(&cut, 1u << 22);
    struct tl_errbuf eb_whole = {{0}}, eb_cut = {{0}};
    int rc_whole = import_cut(body, len, NULL, 0, 1u << 20, &whole, &eb_whole);
    size_t *cuts = malloc((len + 1) * sizeof *cuts);
    assert_non_null(cuts);
    for (int round = 0; round < 40; round++) {
        size_t n = 0;
        for (size_t i = 1; i < len; i++)
            if (round == 0 || rand() % (round + 1) == 0)
                cuts[n++] = i;
        tl_buf_reset(&cut);
        memset(&eb_cut, 0, sizeof eb_cut);
        int rc = import_cut(body, len, cuts, n, 1u << 20, &cut, &eb_cut);
        assert_int_equal(rc, rc_whole);
        assert_string_equal(eb_cut.msg, eb_whole.msg);
        assert_int_equal(cut.len, whole.len);
        if (whole.len)
            assert_memory_equal(cut.data, whole.data, whole.len);
    }
    free(cuts);
    tl_buf_release(&whole);
    tl_buf_release(&cut);
}

static void test_weakness_chunking_changes_nothing(void **state) {
    static const char *const bodies[] = {
        "\xEF\xBB\xBF"
        "a,b\r\n1,2\r\n\"x,\r\ny\",\"q\"\"q\"\r\n\r\n3,4",
        "a,b\r\n1,2\r3,4\n\n5,\"\"\r\n",
        "\xEF\xBB"
        "a\n",
        "\xEF"
        "\n",
        "a\n\"x\"y\n",
        "a,b\n1,2\n\"3\n4\",5,6\n",
        "h\n\xC3\xA9\n\xE2\x82\xAC\n\xF0\x9F\x98\x80\n",
        "h\n\"unterminated\r\n",
    };
    srand(7);
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        check_every_chunking(bodies[i], strlen(bodies[i]));
    /* a larger random body of quoted and plain fields */
    struct tl_buf b;
    tl_buf_init(&b, 1u << 20);
    tl_buf_puts(&b, "id,text,note\r\n");
    for (int r = 0; r < 300; r++) {
        char row[128];
        snprintf(row, sizeof row, "%d,\"t,%d\"\"\n\",%s\r\n", r, r * 7, r % 3 ? "plain" : "");
        tl_buf_puts(&b, row);
    }
    check_every_chunking(b.data, b.len);
    tl_buf_release(&b);
}

static void test_csv_media_type(void **state) {
    enum tl_import_format f;
    assert_int_equal(tl_import_format_of("text/csv", &f), 0);
    assert_int_equal(f, TL_IMPORT_CSV);
    assert_int_equal(tl_import_format_of("Text/CSV; charset=utf-8", &f), 0);
    assert_int_equal(f, TL_IMPORT_CSV);
    assert_int_equal(tl_import_format_of("application/json", &f), 0);
    assert_int_equal(f, TL_IMPORT_ARRAY);
    assert_int_equal(tl_import_format_of("application/x-ndjson", &f), 0);
    assert_int_equal(f, TL_IMPORT_LINES);
    assert_int_equal(tl_import_format_of("text/csvx", &f), TL_EINVAL);
    assert_int_equal(tl_import_format_of("text/plain", &f), TL_EINVAL);
    assert_int_equal(tl_import_format_of(NULL, &f), TL_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4180_rows),
        cmocka_unit_test(test_bom_tolerated),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_weakness_nul_byte_in_a_field_is_refused),
        cmocka_unit_test(test_ceilings),
        cmocka_unit_test(test_weakness_chunking_changes_nothing),
        cmocka_unit_test(test_csv_media_type),
    };
    return cmocka_run_group_tests_name("csvtasks", tests, NULL, NULL);
}
