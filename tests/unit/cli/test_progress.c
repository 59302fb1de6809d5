/* Tests for src/cli/progress.c: the line's format (grouping, sizes, rate),
 * throttling to one redraw per interval with an injected clock, the final
 * newline, and silence when disabled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/progress.h"

static int64_t fake_now;
static int64_t fake_clock(void) {
    return fake_now;
}

static void check(int64_t items, int64_t bytes, int64_t elapsed_us, const char *want) {
    char buf[256];
    size_t n = tl_progress_format(buf, sizeof buf, "importing", "tasks", items, bytes, elapsed_us);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_format(void **state) {
    check(120000, 50541363, 1259049,
          "\r  importing: 120,000 tasks  48.2 MiB  95,310 tasks/s\033[K");
    check(0, 0, 0, "\r  importing: 0 tasks  0 B\033[K");
    check(999, 1023, 1000000, "\r  importing: 999 tasks  1023 B  999 tasks/s\033[K");
    check(1000, 1024, 2000000, "\r  importing: 1,000 tasks  1.0 KiB  500 tasks/s\033[K");
    check(1234567, (int64_t)3 << 30, 1000000,
          "\r  importing: 1,234,567 tasks  3.0 GiB  1,234,567 tasks/s\033[K");
    check(5, (int64_t)5 << 40, 3000000, "\r  importing: 5 tasks  5.0 TiB  2 tasks/s\033[K");
}

static void test_format_cuts_to_fit(void **state) {
    char buf[8];
    size_t n = tl_progress_format(buf, sizeof buf, "importing", "tasks", 1, 1, 0);
    assert_int_equal(strlen(buf), 7);
    assert_true(n > 7);
}

/* Run updates at the given clock times; return what was written. */
static char *run(bool is_enabled, const int64_t *times, size_t n_times, size_t *len) {
    char *text = NULL;
    FILE *out = open_memstream(&text, len);
    assert_non_null(out);
    struct tl_progress pg;
    fake_now = 0;
    tl_progress_init(&pg, "exporting", "tasks", out, is_enabled, fake_clock);
    for (size_t i = 0; i < n_times; i++) {
        fake_now = times[i];
        tl_progress_update(&pg, (int64_t)i + 1, 100);
    }
    fake_now += 1000;
    tl_progress_end(&pg, (int64_t)n_times, 100);
    fclose(out);
    return text;
}

static size_t count(const char *s, char c) {
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static void test_throttle(void **state) {
    /* the first interval draws nothing, then one draw per interval */
    const int64_t times[] = {10, 50000, 99999, 100000, 150000, 199999, 200000, 200001, 900000};
    size_t len;
    char *text = run(true, times, sizeof times / sizeof times[0], &len);
    /* draws at 100000, 200000, 900000, and the final one */
    assert_int_equal(count(text, '\r'), 4);
    assert_int_equal(count(text, '\n'), 1);
    assert_int_equal(text[len - 1], '\n');
    assert_non_null(strstr(text, "\r  exporting: 4 tasks  100 B  40 tasks/s"));
    assert_non_null(strstr(text, "\r  exporting: 9 tasks  100 B  10 tasks/s\033[K\n"));
    free(text);
}

static void test_disabled_is_silent(void **state) {
    const int64_t times[] = {100000, 300000, 500000};
    size_t len;
    char *text = run(false, times, 3, &len);
    assert_int_equal(len, 0);
    free(text);
}

static void test_quick_command_draws_only_the_end(void **state) {
    const int64_t times[] = {1, 2, 3};
    size_t len;
    char *text = run(true, times, 3, &len);
    assert_int_equal(count(text, '\r'), 1);
    assert_int_equal(count(text, '\n'), 1);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_cuts_to_fit),
        cmocka_unit_test(test_throttle),
        cmocka_unit_test(test_disabled_is_silent),
        cmocka_unit_test(test_quick_command_draws_only_the_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
