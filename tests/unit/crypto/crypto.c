/* Tests for src/crypto/crypto.c: passwords, including the dummy hash that
 * logins without a password are checked against. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/err.h"
#include "crypto/crypto.h"

static void test_password_round_trip(void **state) {
    char hash[TL_PWHASH_LEN];
    assert_int_equal(tl_crypto_init(), 0);
    assert_int_equal(tl_password_hash("correct horse", hash), 0);
    assert_int_equal(tl_password_verify(hash, "correct horse"), 0);
    assert_int_equal(tl_password_verify(hash, "wrong horse"), TL_EAUTH);
}

/* The dummy must cost what a real verification costs: same algorithm and
 * parameters (everything before the salt) as a hash made now. */
static void test_dummy_matches_current_parameters(void **state) {
    char hash[TL_PWHASH_LEN];
    assert_int_equal(tl_crypto_init(), 0);
    assert_int_equal(tl_password_hash("anything", hash), 0);
    size_t params = 0; /* "$argon2id$v=19$m=...,t=...,p=...$" */
    for (int dollars = 0; hash[params] && dollars < 4; params++)
        dollars += hash[params] == '$';
    assert_true(params > 0);
    assert_memory_equal(tl_password_dummy, hash, params);
    assert_int_equal(tl_password_verify_none("anything"), TL_EAUTH);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_round_trip),
        cmocka_unit_test(test_dummy_matches_current_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
