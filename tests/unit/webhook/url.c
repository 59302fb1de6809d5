/* Tests for src/webhook/url.c (curl_url based checks) and the backoff of
 * src/webhook/deliver.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "webhook/deliver.h"
#include "webhook/url.h"

static void test_accepted(void **state) {
    struct tl_webhook_url u;
    assert_int_equal(tl_webhook_url_check("https://hooks.example.com/a?b=c", false, &u, NULL), 0);
    assert_string_equal(u.host, "hooks.example.com");
    assert_string_equal(u.port, "443");
    assert_false(u.is_literal);
    assert_int_equal(tl_webhook_url_check("http://8.8.8.8:8080/", false, &u, NULL), 0);
    assert_string_equal(u.port, "8080");
    assert_true(u.is_literal);
    assert_int_equal(tl_webhook_url_check("http://[2606:4700::1111]/x", false, &u, NULL), 0);
    assert_string_equal(u.host, "2606:4700::1111");
    assert_true(u.is_literal);
    /* loopback only with the flag */
    assert_int_equal(tl_webhook_url_check("http://127.0.0.1:9/", true, &u, NULL), 0);
    assert_int_equal(tl_webhook_url_check("http://localhost:9/", false, &u, NULL), 0);
}

static void test_refused(void **state) {
    static const char *const bad[] = {
        "ftp://example.com/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://user:pw@example.com/",
        "http://user@example.com/",
        "example.com/path",
        "http://",
        "http://exa mple.com/",
        "http://127.0.0.1/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/",
        "http://[fe80::1%25eth0]/",
        "http://0x7f000001/",
        "http://2130706433/",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tl_errbuf eb = {{0}};
        if (tl_webhook_url_check(bad[i], false, NULL, &eb) != TL_EINVAL)
            fail_msg("accepted %s", bad[i]);
        assert_true(eb.msg[0] != '\0');
    }
    char longer[TL_WEBHOOK_URL_MAX + 32] = "https://example.com/";
    memset(longer + strlen(longer), 'a', TL_WEBHOOK_URL_MAX);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(tl_webhook_url_check(longer, false, NULL, NULL), TL_EINVAL);
    /* the metadata address stays refused with the flag */
    assert_int_equal(tl_webhook_url_check("http://169.254.169.254/", true, NULL, NULL), TL_EINVAL);
}

static void test_backoff(void **state) {
    struct tl_webhook_opts o;
    tl_webhook_opts_default(&o);
    assert_int_equal(tl_webhook_backoff_ms(&o, 1), 1000);
    assert_int_equal(tl_webhook_backoff_ms(&o, 2), 2000);
    assert_int_equal(tl_webhook_backoff_ms(&o, 3), 4000);
    assert_int_equal(tl_webhook_backoff_ms(&o, 10), 512000);
    assert_int_equal(tl_webhook_backoff_ms(&o, 11), 600000);
    assert_int_equal(tl_webhook_backoff_ms(&o, 1000), 600000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
