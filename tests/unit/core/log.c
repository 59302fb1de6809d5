/* Tests for src/core/log.c: what reaches the log from a request cannot shift
 * a line's fields or start a line (weakness 11, log field injection). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/log.h"

static const char *sample(const char *s, size_t outsz) {
    static char out[512];
    return tl_log_sample(s, strlen(s), out, outsz);
}

static void test_log_field_injection_is_escaped(void **state) {
    /* MHD hands the handler "/nothing 200 42\nFAKE" for the request target
     * /nothing%20200%2042%0aFAKE: logged raw it read as status 200. */
    assert_string_equal(sample("/nothing 200 42\nFAKE", 512), "/nothing%20200%2042%0AFAKE");
    assert_string_equal(sample("a\r\nb\tc\x7f", 512), "a%0D%0Ab%09c%7F");
    assert_string_equal(sample("caf\xc3\xa9", 512), "caf%C3%A9");
}

static void test_plain_ascii_is_kept(void **state) {
    assert_string_equal(sample("/api/v1/projects/x%00/export?a=b", 512),
                        "/api/v1/projects/x%00/export?a=b");
}

static void test_truncates_on_whole_escapes(void **state) {
    assert_string_equal(sample("abc", 3), "ab");
    assert_string_equal(sample("a b", 4), "a");   /* "%20" needs 3 more: dropped */
    assert_string_equal(sample("a b", 5), "a%20");
    assert_string_equal(sample("", 1), "");
    char out[4] = "xyz";
    tl_log_sample(NULL, 5, out, sizeof out);
    assert_string_equal(out, "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_field_injection_is_escaped),
        cmocka_unit_test(test_plain_ascii_is_kept),
        cmocka_unit_test(test_truncates_on_whole_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
