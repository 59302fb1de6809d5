/* Tests for src/cli/demo_media.c: the checksums match their standard test
 * vectors, every named medium starts the way the upload route's sniffer
 * wants, and the bytes are the same on every run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "cli/demo_media.h"
#include "core/err.h"
#include "core/media.h"

#define S(lit) (const unsigned char *)(lit), sizeof(lit) - 1

static void test_checksums_match_their_test_vectors(void **state) {
    assert_int_equal(tl_demo_crc32(0, S("123456789")), 0xcbf43926u);
    assert_int_equal(tl_demo_crc32(tl_demo_crc32(0, S("1234")), S("56789")), 0xcbf43926u);
    assert_int_equal(tl_demo_adler32(1, S("Wikipedia")), 0x11e60398u);
    assert_int_equal(tl_demo_adler32(1, NULL, 0), 1);
}

static void check_medium(const char *name, const char *want_type) {
    struct tl_buf a, b;
    tl_buf_init(&a, 1 << 20);
    tl_buf_init(&b, 1 << 20);
    const char *type = NULL;
    assert_int_equal(tl_demo_media_make(name, strlen(name), &a, &type), 0);
    assert_string_equal(type, want_type);
    assert_string_equal(tl_media_allowed(type), want_type);
    assert_true(tl_media_sniff(type, (const unsigned char *)a.data, TL_MEDIA_SNIFF_LEN));
    assert_int_equal(tl_demo_media_make(name, strlen(name), &b, &type), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    tl_buf_release(&a);
    tl_buf_release(&b);
}

static void test_every_medium_passes_the_upload_sniffer(void **state) {
    check_medium("road-day.png", "image/png");
    check_medium("road-dusk.png", "image/png");
    check_medium("dialogue.wav", "audio/wav");
    check_medium("noisy.wav", "audio/wav");
}

static void test_unknown_names_and_small_ceilings_fail_cleanly(void **state) {
    struct tl_buf b;
    tl_buf_init(&b, 1000);
    const char *type = NULL;
    assert_int_equal(tl_demo_media_make("road-day.pn", 11, &b, &type), TL_ENOTFOUND);
    assert_int_equal(tl_demo_media_make("road-day.png", 12, &b, &type), TL_ETOOBIG);
    tl_buf_reset(&b);
    assert_int_equal(tl_demo_media_make("dialogue.wav", 12, &b, &type), TL_ETOOBIG);
    tl_buf_release(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksums_match_their_test_vectors),
        cmocka_unit_test(test_every_medium_passes_the_upload_sniffer),
        cmocka_unit_test(test_unknown_names_and_small_ceilings_fail_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
