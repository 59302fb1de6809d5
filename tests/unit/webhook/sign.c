/* Tests for src/webhook/sign.c: HMAC-SHA256 against RFC 4231's vectors, and
 * the secret's shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "crypto/crypto.h"
#include "webhook/sign.h"

/* RFC 4231 test case 2: key "Jefe". */
static void test_rfc4231_case2(void **state) {
    char sig[TL_WEBHOOK_SIG_LEN + 1];
    const char *body = "what do ya want for nothing?";
    tl_webhook_sign("Jefe", 4, body, strlen(body), sig);
    assert_string_equal(sig,
                        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* RFC 4231 test case 6: a key longer than the block (131 bytes of 0xaa). */
static void test_rfc4231_case6_long_key(void **state) {
    char key[131], sig[TL_WEBHOOK_SIG_LEN + 1];
    memset(key, 0xaa, sizeof key);
    const char *body = "Test Using Larger Than Block-Size Key - Hash Key First";
    tl_webhook_sign(key, sizeof key, body, strlen(body), sig);
    assert_string_equal(sig,
                        "sha256=60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_secret_shape(void **state) {
    char a[TL_WEBHOOK_SECRET_LEN + 1], b[TL_WEBHOOK_SECRET_LEN + 1];
    assert_int_equal(tl_crypto_init(), 0);
    tl_webhook_secret_new(a);
    tl_webhook_secret_new(b);
    assert_int_equal(strlen(a), 64);
    assert_int_equal(strspn(a, "0123456789abcdef"), 64);
    assert_string_not_equal(a, b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4231_case2),
        cmocka_unit_test(test_rfc4231_case6_long_key),
        cmocka_unit_test(test_secret_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
