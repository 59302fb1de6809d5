/* Tests for src/core/csv.c: RFC 4180 quoting, line endings, ceilings, number
 * parsing and field writing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/csv.h"
#include "core/err.h"

/* Read every record of text; fields joined by '|' and records by '\n'. */
static int dump(const char *text, size_t max_record, char *out, size_t outsz,
                struct tl_errbuf *eb) {
    struct tl_csv c;
    tl_csv_init(&c, text, strlen(text), max_record);
    size_t pos = 0;
    int rc;
    out[0] = '\0';
    while (!(rc = tl_csv_next(&c, eb))) {
        for (size_t i = 0; i < c.nfields; i++) {
            pos += (size_t)snprintf(out + pos, outsz - pos, "%s%.*s", i ? "|" : "",
                                    (int)c.fields[i].len, c.fields[i].ptr);
        }
        pos += (size_t)snprintf(out + pos, outsz - pos, "\n");
    }
    tl_csv_release(&c);
    return rc == TL_EEMPTY ? 0 : rc;
}

static void test_plain_and_line_endings(void **state) {
    char out[512];
    assert_int_equal(dump("a,b,c\n1,2,3\n", 0, out, sizeof out, NULL), 0);
    assert_string_equal(out, "a|b|c\n1|2|3\n");
    assert_int_equal(dump("a,b\r\n1,2\r\n", 0, out, sizeof out, NULL), 0);
    assert_string_equal(out, "a|b\n1|2\n");
    assert_int_equal(dump("a,b\r1,2", 0, out, sizeof out, NULL), 0); /* lone CR, no final EOL */
    assert_string_equal(out, "a|b\n1|2\n");
    assert_int_equal(dump("a,,\n,\n", 0, out, sizeof out, NULL), 0); /* empty fields */
    assert_string_equal(out, "a||\n|\n");
}

static void test_quotes(void **state) {
    char out[512];
    assert_int_equal(dump("\"a,b\",\"say \"\"hi\"\"\",\"\"\n", 0, out, sizeof out, NULL), 0);
    assert_string_equal(out, "a,b|say \"hi\"|\n");
    /* A line break inside quotes belongs to the field. */
    assert_int_equal(dump("\"two\nlines\",x\r\ny,z\n", 0, out, sizeof out, NULL), 0);
    assert_string_equal(out, "two\nlines|x\ny|z\n");
    /* A quote inside an unquoted field is literal. */
    assert_int_equal(dump("ab\"c,d\n", 0, out, sizeof out, NULL), 0);
    assert_string_equal(out, "ab\"c|d\n");
}

static void test_unescaped_fields_stay_valid_per_record(void **state) {
    const char *text = "\"a\"\"1\",\"b\"\"2\",\"c\"\"3\"\n";
    struct tl_csv c;
    tl_csv_init(&c, text, strlen(text), 0);
    assert_int_equal(tl_csv_next(&c, NULL), 0);
    assert_int_equal(c.nfields, 3);
    assert_memory_equal(c.fields[0].ptr, "a\"1", 3);
    assert_memory_equal(c.fields[1].ptr, "b\"2", 3);
    assert_memory_equal(c.fields[2].ptr, "c\"3", 3);
    tl_csv_release(&c);
}

static void test_bom_and_blank_lines(void **state) {
    char out[512];
    assert_int_equal(dump("\xEF\xBB\xBFtask,x\n\n\r\n1,2\n\n", 0, out, sizeof out, NULL), 0);
    assert_string_equal(out, "task|x\n1|2\n");
    assert_int_equal(dump("", 0, out, sizeof out, NULL), 0);
    assert_string_equal(out, "");
}

static void test_line_numbers(void **state) {
    const char *text = "h\n\"a\nb\"\n\nx\n";
    struct tl_csv c;
    tl_csv_init(&c, text, strlen(text), 0);
    assert_int_equal(tl_csv_next(&c, NULL), 0);
    assert_int_equal(c.record_line, 1);
    assert_int_equal(tl_csv_next(&c, NULL), 0);
    assert_int_equal(c.record_line, 2);
    assert_int_equal(tl_csv_next(&c, NULL), 0);
    assert_int_equal(c.record_line, 5);
    assert_int_equal(tl_csv_next(&c, NULL), TL_EEMPTY);
    tl_csv_release(&c);
}

static void test_malformed(void **state) {
    char out[512];
    struct tl_errbuf eb;
    assert_int_equal(dump("a,\"open\n", 0, out, sizeof out, &eb), TL_EINVAL);
    assert_non_null(strstr(eb.msg, "line 1"));
    assert_int_equal(dump("a\n\"x\"y,z\n", 0, out, sizeof out, &eb), TL_EINVAL);
    assert_non_null(strstr(eb.msg, "line 2"));
    assert_non_null(strstr(eb.msg, "closing quote"));
}

static void test_next_row_checks_width(void **state) {
    const char *text = "task,worker,label\nt1,w1,a\nt2,w2\n";
    struct tl_csv c;
    struct tl_errbuf eb;
    tl_csv_init(&c, text, strlen(text), 0);
    c.name = "x.csv";
    assert_int_equal(tl_csv_next(&c, &eb), 0);
    assert_int_equal(tl_csv_next_row(&c, 3, &eb), 0);
    assert_int_equal(tl_csv_next_row(&c, 3, &eb), TL_EINVAL);
    assert_string_equal(eb.msg, "x.csv:3: row has 2 fields, the header has 3");
    assert_int_equal(tl_csv_next_row(&c, 3, &eb), TL_EEMPTY);
    tl_csv_release(&c);
}

static void test_ceilings(void **state) {
    char out[4096];
    struct tl_errbuf eb;
    assert_int_equal(dump("short\n0123456789abcdef\n", 8, out, sizeof out, &eb), TL_ETOOBIG);
    assert_non_null(strstr(eb.msg, "line 2"));
    assert_int_equal(dump("\"0123456789\"\n", 8, out, sizeof out, &eb), TL_ETOOBIG);
    assert_int_equal(dump("12345678\n", 8, out, sizeof out, &eb), 0);
    /* More fields than TL_CSV_MAX_FIELDS. */
    size_t n = 2 * TL_CSV_MAX_FIELDS + 2;
    char *many = malloc(n + 1);
    assert_non_null(many);
    for (size_t i = 0; i < n; i++)
        many[i] = ',';
    many[n] = '\0';
    struct tl_csv c;
    tl_csv_init(&c, many, n, 0);
    assert_int_equal(tl_csv_next(&c, &eb), TL_ETOOBIG);
    tl_csv_release(&c);
    free(many);
}

static void test_read_file(void **state) {
    char path[] = "/tmp/tally-csv-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "a,b\n1,2\n", 8), 8);
    close(fd);
    char *data;
    size_t len;
    struct tl_errbuf eb;
    assert_int_equal(tl_csv_read_file(path, 100, &data, &len, &eb), 0);
    assert_int_equal(len, 8);
    assert_string_equal(data, "a,b\n1,2\n");
    free(data);
    assert_int_equal(tl_csv_read_file(path, 4, &data, &len, &eb), TL_ETOOBIG);
    assert_null(data);
    unlink(path);
    assert_int_equal(tl_csv_read_file(path, 100, &data, &len, &eb), TL_EIO);
    assert_non_null(strstr(eb.msg, path));
}

static void test_numbers(void **state) {
    double d;
    long l;
    assert_int_equal(tl_csv_to_double("-2.5", 4, &d), 0);
    assert_true(d == -2.5);
    assert_int_equal(tl_csv_to_double(" 1e3 ", 5, &d), 0);
    assert_true(d == 1000);
    assert_int_equal(tl_csv_to_double("1x", 2, &d), TL_EINVAL);
    assert_int_equal(tl_csv_to_double("", 0, &d), TL_EINVAL);
    assert_int_equal(tl_csv_to_double("nan", 3, &d), TL_EINVAL);
    assert_int_equal(tl_csv_to_double("1e999", 5, &d), TL_EINVAL);
    assert_int_equal(tl_csv_to_long("42", 2, 0, 100, &l), 0);
    assert_int_equal(l, 42);
    assert_int_equal(tl_csv_to_long("420", 3, 0, 100, &l), TL_EINVAL);
    assert_int_equal(tl_csv_to_long("4.2", 3, 0, 100, &l), TL_EINVAL);
    /* Not NUL-terminated: only len bytes count. */
    assert_int_equal(tl_csv_to_long("12345", 2, 0, 100, &l), 0);
    assert_int_equal(l, 12);
}

static void test_write_field(void **state) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(tl_csv_write_field(f, "plain", 5), 0);
    fputc(',', f);
    assert_int_equal(tl_csv_write_field(f, "a,b", 3), 0);
    fputc(',', f);
    assert_int_equal(tl_csv_write_field(f, "say \"hi\"", 8), 0);
    fputc(',', f);
    assert_int_equal(tl_csv_write_field(f, " pad", 4), 0);
    fclose(f);
    assert_string_equal(buf, "plain,\"a,b\",\"say \"\"hi\"\"\",\" pad\"");
    /* And it reads back. */
    char out[256];
    assert_int_equal(dump(buf, 0, out, sizeof out, NULL), 0);
    assert_string_equal(out, "plain|a,b|say \"hi\"| pad\n");
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_line_endings),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_unescaped_fields_stay_valid_per_record),
        cmocka_unit_test(test_bom_and_blank_lines),
        cmocka_unit_test(test_line_numbers),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_next_row_checks_width),
        cmocka_unit_test(test_ceilings),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_write_field),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
