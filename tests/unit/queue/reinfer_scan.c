/* Tests for src/queue/reinfer_scan.c: the fast lane answers exactly what
 * jansson would for the members it finds, and hands everything doubtful
 * (escapes in wanted members, repeats, malformed text) to jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "queue/reinfer_scan.h"

static const char *const names[] = {"label", "mood"};

static enum tl_q_scan_rc scan(const char *text, struct tl_q_slice *found) {
    return tl_queue_scan_strings(text, strlen(text), names, 2, found);
}

static void expect(const struct tl_q_slice *s, const char *want) {
    if (!want) {
        assert_null(s->s);
        return;
    }
    assert_non_null(s->s);
    assert_int_equal(s->len, strlen(want));
    assert_memory_equal(s->s, want, s->len);
}

static void test_finds_members(void **state) {
    struct tl_q_slice f[2];
    assert_int_equal(scan("{\"label\":\"cat\"}", f), TL_Q_SCAN_OK);
    expect(&f[0], "cat");
    expect(&f[1], NULL);
    assert_int_equal(scan(" { \"mood\" : \"ok\" , \"label\" : \"\" } ", f), TL_Q_SCAN_OK);
    expect(&f[0], "");
    expect(&f[1], "ok");
    /* other members of any shape are skipped, not misread */
    assert_int_equal(scan("{\"x\":{\"label\":\"no\",\"a\":[1,-2.5e3,true,null,{\"b\":\"\\\"\"}]},"
                          "\"label\":\"yes\",\"t\":\"a\\u00e9\\n\"}",
                          f),
                     TL_Q_SCAN_OK);
    expect(&f[0], "yes");
    /* a wanted member that is not a string: absent */
    assert_int_equal(scan("{\"label\":[\"a\"],\"mood\":3}", f), TL_Q_SCAN_OK);
    expect(&f[0], NULL);
    expect(&f[1], NULL);
    assert_int_equal(scan("{}", f), TL_Q_SCAN_OK);
}

static void test_doubtful_goes_to_jansson(void **state) {
    struct tl_q_slice f[2];
    const char *slow[] = {
        "{\"label\":\"c\\u0061t\"}",   /* escaped value */
        "{\"lab\\u0065l\":\"cat\"}",   /* an escaped name may spell a wanted one */
        "{\"label\":\"a\",\"label\":\"b\"}", /* repeated */
        "{\"label\":\"cat\"",          /* unterminated */
        "{\"label\":\"cat\"} x",       /* trailing bytes */
        "[\"label\"]",                 /* not an object */
        "{\"x\":01}",                  /* bad number */
        "{\"x\":tru}",                 /* bad literal */
        "{\"x\":\"\\q\"}",             /* bad escape */
        "{\"x\":\"a\tb\"}",            /* raw control byte */
        "{\"x\":[1,]}",                /* trailing comma */
        "",
    };
    for (size_t i = 0; i < sizeof slow / sizeof slow[0]; i++)
        assert_int_equal(scan(slow[i], f), TL_Q_SCAN_SLOW);
    /* nesting is bounded */
    char deep[400];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof deep, "{\"x\":");
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    for (int i = 0; i < 100; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    assert_int_equal(scan(deep, f), TL_Q_SCAN_SLOW);
}

/* Whatever the fast lane accepts, jansson reads the same way. */
static void test_agrees_with_jansson(void **state) {
    const char *cases[] = {
        "{\"label\":\"cat\",\"mood\":\"\"}", "{\"mood\":\"x y\",\"other\":{\"label\":\"z\"}}",
        "{\"label\":\"\xc3\xa9t\xc3\xa9\"}",  "{\"a\":1.5,\"label\":\"b\",\"c\":[]}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tl_q_slice f[2];
        assert_int_equal(scan(cases[i], f), TL_Q_SCAN_OK);
        json_t *j = json_loads(cases[i], 0, NULL);
        assert_non_null(j);
        for (size_t k = 0; k < 2; k++) {
            json_t *v = json_object_get(j, names[k]);
            expect(&f[k], json_is_string(v) ? json_string_value(v) : NULL);
        }
        json_decref(j);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finds_members),
        cmocka_unit_test(test_doubtful_goes_to_jansson),
        cmocka_unit_test(test_agrees_with_jansson),
    };
    return cmocka_run_group_tests_name("reinfer_scan", tests, NULL, NULL);
}
