/* Tests for src/authz/limiter.c: the ceiling, its window, clearing, and
 * that keys count apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>

#include "authz/limiter.h"

#define WINDOW 60000

static void test_ceiling_and_window(void **state) {
    struct tl_limiter *l = tl_limiter_new(3, WINDOW);
    assert_non_null(l);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tl_limiter_wait_ms(l, "a", 1000 + i), 0);
        tl_limiter_failed(l, "a", 1000 + i);
    }
    /* Refused until the window that began with the first failure ends. */
    assert_int_equal(tl_limiter_wait_ms(l, "a", 1003), WINDOW - 3);
    assert_int_equal(tl_limiter_wait_ms(l, "a", 1000 + WINDOW - 1), 1);
    assert_int_equal(tl_limiter_wait_ms(l, "a", 1000 + WINDOW), 0);
    /* A failure after the window starts a new count. */
    tl_limiter_failed(l, "a", 1000 + WINDOW);
    assert_int_equal(tl_limiter_wait_ms(l, "a", 1001 + WINDOW), 0);
    tl_limiter_free(l);
}

static void test_keys_apart_and_clear(void **state) {
    struct tl_limiter *l = tl_limiter_new(2, WINDOW);
    assert_non_null(l);
    tl_limiter_failed(l, "account:x", 0);
    tl_limiter_failed(l, "account:x", 1);
    assert_true(tl_limiter_wait_ms(l, "account:x", 2) > 0);
    assert_int_equal(tl_limiter_wait_ms(l, "account:y", 2), 0);
    tl_limiter_clear(l, "account:x");
    assert_int_equal(tl_limiter_wait_ms(l, "account:x", 2), 0);
    tl_limiter_clear(l, "never-seen"); /* harmless */
    tl_limiter_free(l);
}

static void test_many_keys(void **state) {
    /* More keys than slots: nothing breaks, and a recent key keeps its count
     * unless a later key took its slot. */
    struct tl_limiter *l = tl_limiter_new(1, WINDOW);
    assert_non_null(l);
    char key[32];
    for (int i = 0; i < 50000; i++) {
        snprintf(key, sizeof key, "address:10.0.%d.%d", i / 256, i % 256);
        tl_limiter_failed(l, key, i);
    }
    tl_limiter_failed(l, "address:last", 50000);
    assert_true(tl_limiter_wait_ms(l, "address:last", 50001) > 0);
    tl_limiter_free(l);
}

static void test_bad_arguments(void **state) {
    assert_null(tl_limiter_new(0, WINDOW));
    assert_null(tl_limiter_new(1, 0));
    assert_int_equal(tl_limiter_wait_ms(NULL, "a", 0), 0);
    tl_limiter_failed(NULL, "a", 0);
    tl_limiter_clear(NULL, "a");
    tl_limiter_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ceiling_and_window),
        cmocka_unit_test(test_keys_apart_and_clear),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
