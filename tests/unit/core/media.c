/* Tests for src/core/media.c: the allowlist names only image, audio and
 * video types (never an active type such as SVG or HTML), and each type's
 * magic bytes are required of a body declared as it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/media.h"

#define S(lit) (const unsigned char *)(lit), sizeof(lit) - 1

static const char webm_head[] = "\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01"
                                "\x42\x82\x84webm\x42\x87\x81\x04";

static void test_allowlist_is_exact(void **state) {
    assert_string_equal(tl_media_allowed("image/png"), "image/png");
    assert_string_equal(tl_media_allowed("IMAGE/PNG"), "image/png");
    assert_string_equal(tl_media_allowed("audio/webm; codecs=opus"), "audio/webm");
    assert_string_equal(tl_media_allowed("video/mp4 ;x=y"), "video/mp4");
    const char *refused[] = {"image/svg+xml",
                             "text/html",
                             "application/xhtml+xml",
                             "image/png2",
                             "image/pn",
                             "image",
                             "",
                             " image/png",
                             "application/octet-stream",
                             "image/png\nx",
                             "text/xml"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_null(tl_media_allowed(refused[i]));
    assert_null(tl_media_allowed(NULL));
}

static void test_active_types_never_inline(void **state) {
    assert_true(tl_media_is_inline("image/png"));
    assert_true(tl_media_is_inline("video/webm"));
    assert_false(tl_media_is_inline("image/svg+xml"));
    assert_false(tl_media_is_inline("text/html"));
    assert_false(tl_media_is_inline("IMAGE/PNG")); /* only canonical, stored types */
    assert_false(tl_media_is_inline(NULL));
}

static void test_each_magic(void **state) {
    assert_true(tl_media_sniff("image/png", S("\x89PNG\r\n\x1a\n\0")));
    assert_true(tl_media_sniff("image/jpeg", S("\xff\xd8\xff\xe0")));
    assert_true(tl_media_sniff("image/gif", S("GIF87a")));
    assert_true(tl_media_sniff("image/gif", S("GIF89a")));
    assert_true(tl_media_sniff("image/webp", S("RIFF\0\0\0\0WEBP")));
    assert_true(tl_media_sniff("audio/wav", S("RIFF\0\0\0\0WAVE")));
    assert_true(tl_media_sniff("audio/mpeg", S("ID3\3")));
    assert_true(tl_media_sniff("audio/mpeg", S("\xff\xfb\x90\x00")));
    assert_true(tl_media_sniff("audio/ogg", S("OggS")));
    assert_true(tl_media_sniff("audio/flac", S("fLaC")));
    assert_true(tl_media_sniff("audio/webm", S(webm_head)));
    assert_true(tl_media_sniff("video/webm", S(webm_head)));
    assert_true(tl_media_sniff("video/mp4", S("\0\0\0\030ftypisom")));
}

static void test_magic_mismatch(void **state) {
    assert_false(tl_media_sniff("image/jpeg", S("\x89PNG\r\n\x1a\n")));
    assert_false(tl_media_sniff("image/png", S("<svg xmlns='http://www.w3.org/2000/svg'>")));
    assert_false(tl_media_sniff("image/png", S("\x89PNG\r\n\x1a"))); /* one byte short */
    assert_false(tl_media_sniff("image/webp", S("RIFF\0\0\0\0WAVE")));
    assert_false(tl_media_sniff("audio/wav", S("RIFF\0\0\0\0WEB")));
    assert_false(tl_media_sniff("audio/mpeg", S("\xff\xe9"))); /* reserved layer 00 */
    assert_false(tl_media_sniff("audio/mpeg", S("\xff\xea"))); /* reserved version 01 */
    assert_false(tl_media_sniff("video/webm", S("\x1a\x45\xdf\xa3\x42\x82\x88matroska")));
    assert_false(tl_media_sniff("video/webm", S("\x1a\x45\xdf\xa3\x42\x82\x84web")));
    assert_false(tl_media_sniff("video/mp4", S("\0\0\0\030ftyp")));
    assert_false(tl_media_sniff("image/svg+xml", S("<svg/>")));
    assert_false(tl_media_sniff("image/png", NULL, 0));
    assert_false(tl_media_sniff(NULL, S("GIF89a")));
}

/* A DocType past the sniffing window is not looked for (nor read). */
static void test_webm_doctype_beyond_window(void **state) {
    unsigned char h[TL_MEDIA_SNIFF_LEN + 8];
    memset(h, 0xec, sizeof h); /* EBML Void bytes */
    memcpy(h, "\x1a\x45\xdf\xa3", 4);
    memcpy(h + TL_MEDIA_SNIFF_LEN - 3, "\x42\x82\x84webm", 7);
    assert_false(tl_media_sniff("video/webm", h, sizeof h));
    memcpy(h + TL_MEDIA_SNIFF_LEN - 7, "\x42\x82\x84webm", 7);
    assert_true(tl_media_sniff("video/webm", h, sizeof h));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allowlist_is_exact),
        cmocka_unit_test(test_active_types_never_inline),
        cmocka_unit_test(test_each_magic),
        cmocka_unit_test(test_magic_mismatch),
        cmocka_unit_test(test_webm_doctype_beyond_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
