/* Tests for src/store/sqlite/stats.c's pure parts: the histogram bin of a
 * claim-to-submit time (the same bounds as migration 10's backfill) and the
 * median estimated from an annotator's histogram. The file is included to
 * reach its static functions; nothing here opens a store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store/sqlite/stats.c"

static void test_bin_of_bounds_are_inclusive(void **state) {
    (void)state;
    assert_int_equal(bin_of(-5), 0); /* a clock set back: the first bin */
    assert_int_equal(bin_of(0), 0);
    assert_int_equal(bin_of(1000), 0);
    assert_int_equal(bin_of(1001), 1);
    assert_int_equal(bin_of(2000), 1);
    assert_int_equal(bin_of(60000), 6);
    assert_int_equal(bin_of(1800000), 10);
    assert_int_equal(bin_of(1800001), TL_STATS_N_BOUNDS);
}

static void test_median_is_interpolated_inside_its_bin(void **state) {
    (void)state;
    int64_t h[TL_STATS_N_BOUNDS + 1] = {0};
    assert_true(median_of(h) < 0); /* nothing: -1, shown as null */
    h[0] = 4;                       /* four times in (0, 1] s */
    assert_true(median_of(h) > 0.49 && median_of(h) < 0.51);
    h[0] = 0;
    h[2] = 2; /* (2, 5] s */
    h[3] = 2; /* (5, 10] s: the middle falls at the top of bin 2 */
    assert_true(median_of(h) > 4.99 && median_of(h) < 5.01);
    h[3] = 6; /* 8 in all: the middle (4) is 2 of bin 3's 6 in: 5 + 5 * 2 / 6 s */
    assert_true(median_of(h) > 6.66 && median_of(h) < 6.67);
}

static void test_median_in_the_open_bin_is_its_lower_bound(void **state) {
    (void)state;
    int64_t h[TL_STATS_N_BOUNDS + 1] = {0};
    h[TL_STATS_N_BOUNDS] = 3;
    assert_true(median_of(h) > 1799.9 && median_of(h) < 1800.1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bin_of_bounds_are_inclusive),
        cmocka_unit_test(test_median_is_interpolated_inside_its_bin),
        cmocka_unit_test(test_median_in_the_open_bin_is_its_lower_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
