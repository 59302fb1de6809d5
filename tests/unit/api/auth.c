/* Tests for src/api/auth.c's throttling keys: which client addresses count
 * together (IPv6 by /64, IPv4-mapped as IPv4) and that an account's key
 * ignores the email's case. Includes the .c to reach its static helpers; the
 * login flow itself is tested against the real binary (tests/api/test_auth.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "api/auth.c"

static void expect_address(const char *ip, const char *key) {
    char out[INET6_ADDRSTRLEN + 8];
    address_key(ip, out, sizeof out);
    assert_string_equal(out, key);
}

static void test_addresses(void **state) {
    expect_address("127.0.0.1", "127.0.0.1");
    expect_address("::ffff:10.1.2.3", "10.1.2.3");
    /* One host's /64 is one address: it cannot rotate through it. */
    expect_address("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64");
    expect_address("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64");
    expect_address("::1", "::/64");
    expect_address("", "");
}

static void test_account_keys(void **state) {
    char a[400], b[400];
    account_address_key("10.0.0.1", "Ana@Example.TEST", a, sizeof a);
    account_address_key("10.0.0.1", "ana@example.test", b, sizeof b);
    assert_string_equal(a, b);
    assert_string_equal(a, "10.0.0.1 ana@example.test");
    account_address_key("10.0.0.2", "ana@example.test", b, sizeof b);
    assert_string_not_equal(a, b);
    char tiny[12]; /* an email longer than the key stops at its ceiling */
    account_address_key("10.0.0.1", "ana@example.test", tiny, sizeof tiny);
    assert_string_equal(tiny, "10.0.0.1 an");
    account_address_key("2001:db8:1:2::/64", "ana@example.test", tiny, sizeof tiny);
    assert_string_equal(tiny, "2001:db8:1:");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_account_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
