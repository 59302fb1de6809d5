/* Tests for src/http/framing.c: the smuggling building blocks of weakness 10
 * are refused, ordinary requests pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http/framing.h"

static const char *verdict(const char *const *pairs) {
    struct tl_framing f;
    tl_framing_init(&f);
    for (; pairs[0]; pairs += 2)
        tl_framing_add(&f, pairs[0], pairs[1]);
    return tl_framing_verdict(&f);
}

static void test_ordinary_requests_pass(void **state) {
    const char *get[] = {"Host", "x", "Accept", "*/*", NULL};
    const char *post[] = {"Host", "x", "content-length", "12", "Content-Type", "a/b", NULL};
    const char *chunked[] = {"Host", "x", "Transfer-Encoding", "Chunked", NULL};
    assert_null(verdict(get));
    assert_null(verdict(post));
    assert_null(verdict(chunked));
}

static void test_lenient_framing_two_content_lengths(void **state) {
    const char *differ[] = {"Content-Length", "5", "Content-Length", "50", NULL};
    const char *same[] = {"Content-Length", "5", "content-length", "5", NULL};
    assert_non_null(verdict(differ));
    assert_non_null(verdict(same));
}

static void test_lenient_framing_space_before_colon(void **state) {
    /* MHD stores "Transfer-Encoding : chunked" under "Transfer-Encoding " */
    const char *space[] = {"Transfer-Encoding ", "chunked", NULL};
    const char *tab[] = {"Content-Length\t", "3", NULL};
    const char *empty[] = {"", "x", NULL};
    assert_non_null(verdict(space));
    assert_non_null(verdict(tab));
    assert_non_null(verdict(empty));
}

static void test_lenient_framing_te_and_cl(void **state) {
    const char *both[] = {"Content-Length", "4", "Transfer-Encoding", "chunked", NULL};
    const char *two_te[] = {"Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked", NULL};
    const char *gzip[] = {"Transfer-Encoding", "gzip, chunked", NULL};
    const char *hosts[] = {"Host", "a", "Host", "b", NULL};
    assert_non_null(verdict(both));
    assert_non_null(verdict(two_te));
    assert_non_null(verdict(gzip));
    assert_non_null(verdict(hosts));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordinary_requests_pass),
        cmocka_unit_test(test_lenient_framing_two_content_lengths),
        cmocka_unit_test(test_lenient_framing_space_before_colon),
        cmocka_unit_test(test_lenient_framing_te_and_cl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
