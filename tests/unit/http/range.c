/* Tests for src/http/range.c: one byte range is honoured, a range outside
 * the file is 416, and everything else (junk, several ranges, overflowing
 * numbers) falls back to the whole file rather than to an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "http/range.h"

static enum tl_range_verdict parse(const char *v, uint64_t size, uint64_t *first, uint64_t *count) {
    *first = *count = 12345; /* must stay untouched unless OK */
    return tl_http_range_parse(v, size, first, count);
}

static void assert_range(const char *v, uint64_t size, uint64_t first, uint64_t count) {
    uint64_t f, c;
    assert_int_equal(parse(v, size, &f, &c), TL_RANGE_OK);
    assert_int_equal(f, first);
    assert_int_equal(c, count);
}

static void assert_verdict(const char *v, uint64_t size, enum tl_range_verdict want) {
    uint64_t f, c;
    assert_int_equal(parse(v, size, &f, &c), want);
    assert_int_equal(f, 12345);
    assert_int_equal(c, 12345);
}

static void test_single_ranges(void **state) {
    assert_range("bytes=0-9", 100, 0, 10);
    assert_range("bytes=0-0", 100, 0, 1);
    assert_range("bytes=99-99", 100, 99, 1);
    assert_range("bytes=10-", 100, 10, 90);
    assert_range("bytes=-5", 100, 95, 5);
    assert_range("bytes=-500", 100, 0, 100);    /* suffix longer than the file: all */
    assert_range("bytes=90-1000", 100, 90, 10); /* last past the end: clamped */
    assert_range("BYTES=1-2", 100, 1, 2);
    assert_range("bytes= 1-2 ", 100, 1, 2);
    assert_range("bytes=0-99999999999999999999999", 100, 0, 100);
    assert_range("bytes=-99999999999999999999999", 100, 0, 100);
}

static void test_range_off_by_one_at_the_end(void **state) {
    assert_range("bytes=99-", 100, 99, 1);
    assert_verdict("bytes=100-", 100, TL_RANGE_UNSATISFIABLE);
    assert_verdict("bytes=100-100", 100, TL_RANGE_UNSATISFIABLE);
    assert_range("bytes=0-100", 100, 0, 100);
}

static void test_unsatisfiable(void **state) {
    assert_verdict("bytes=-0", 100, TL_RANGE_UNSATISFIABLE);
    assert_verdict("bytes=0-", 0, TL_RANGE_UNSATISFIABLE);
    assert_verdict("bytes=-1", 0, TL_RANGE_UNSATISFIABLE);
    assert_verdict("bytes=99999999999999999999999-", 100, TL_RANGE_UNSATISFIABLE);
}

static void test_malformed_is_ignored(void **state) {
    const char *junk[] = {
        "",           "bytes",         "bytes=",        "bytes=-",     "bytes=abc",
        "bytes=5-1",  "bytes=1-2,4-5", "bytes=0-1, 3-", "items=0-5",   "0-5",
        "bytes=+1-2", "bytes=1--2",    "bytes=1-2x",    "bytes=1 2-3", "bytes=\t",
        "bytes:0-1",  "bytes =0-1",
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        assert_verdict(junk[i], 100, TL_RANGE_IGNORE);
    assert_verdict(NULL, 100, TL_RANGE_IGNORE);
}

static void test_range_too_long_is_ignored(void **state) {
    char v[TL_RANGE_MAX_LEN + 20];
    memcpy(v, "bytes=0-", 8);
    memset(v + 8, ' ', sizeof v - 9);
    v[sizeof v - 2] = '9';
    v[sizeof v - 1] = '\0';
    assert_verdict(v, 100, TL_RANGE_IGNORE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_ranges),
        cmocka_unit_test(test_range_off_by_one_at_the_end),
        cmocka_unit_test(test_unsatisfiable),
        cmocka_unit_test(test_malformed_is_ignored),
        cmocka_unit_test(test_range_too_long_is_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
