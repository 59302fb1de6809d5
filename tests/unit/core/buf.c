/* Tests for src/core/buf.c: ceilings and JSON string escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"

static void test_ceiling(void **state) {
    struct tl_buf b;
    tl_buf_init(&b, 10);
    assert_int_equal(tl_buf_append(&b, "0123456789", 10), 0);
    assert_int_equal(tl_buf_append(&b, "x", 1), TL_ETOOBIG);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");
    tl_buf_consume(&b, 4);
    assert_string_equal(b.data, "456789");
    assert_int_equal(tl_buf_append(&b, "abcd", 4), 0);
    assert_string_equal(b.data, "456789abcd");
    tl_buf_release(&b);
    assert_null(b.data);
}

static void test_json_str(void **state) {
    struct tl_buf b;
    tl_buf_init(&b, 100);
    assert_int_equal(tl_buf_json_str(&b, "a\"b\\c\n\x01z", 8), 0);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\u000a\\u0001z\"");
    tl_buf_release(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ceiling),
        cmocka_unit_test(test_json_str),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
