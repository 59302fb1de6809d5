/* Tests for src/schema/schema.c: schema parsing and result validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "schema/schema.h"

static int parse(const char *text, struct tl_schema *s, struct tl_errbuf *eb) {
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    int rc = tl_schema_parse(j, s, eb);
    json_decref(j);
    return rc;
}

static int validate(const struct tl_schema *s, const char *result, struct tl_errbuf *eb) {
    json_t *j = json_loads(result, 0, NULL);
    assert_non_null(j);
    int rc = tl_schema_validate(s, j, eb);
    json_decref(j);
    return rc;
}

static const char full[] =
    "{\"fields\":[{\"name\":\"label\",\"type\":\"choice\",\"options\":[\"a\",\"b\"]},"
    "{\"name\":\"tags\",\"type\":\"multichoice\",\"options\":[\"x\",\"y\",\"z\"],"
    "\"required\":false},"
    "{\"name\":\"note\",\"type\":\"text\",\"max_length\":5,\"required\":false},"
    "{\"name\":\"score\",\"type\":\"number\",\"min\":0,\"max\":1,\"required\":false},"
    "{\"name\":\"stars\",\"type\":\"rating\",\"min\":1,\"max\":5,\"required\":false}]}";

static void test_valid_results(void **state) {
    struct tl_schema s;
    struct tl_errbuf eb;
    assert_int_equal(parse(full, &s, &eb), 0);
    assert_int_equal(s.n_fields, 5);
    assert_int_equal(validate(&s, "{\"label\":\"a\"}", &eb), 0);
    assert_int_equal(validate(&s, "{\"label\":\"b\",\"tags\":[\"x\",\"z\"],\"note\":\"hi\","
                                  "\"score\":0.5,\"stars\":5}",
                              &eb),
                     0);
    assert_int_equal(validate(&s, "{\"label\":\"a\",\"tags\":[],\"note\":null}", &eb), 0);
    /* max_length counts characters: 5 code points in 15 UTF-8 bytes fit. */
    assert_int_equal(validate(&s, "{\"label\":\"a\",\"note\":\"\u65e5\u672c\u8a9e\u306e\u6587\"}",
                              &eb),
                     0);
    tl_schema_release(&s);
}

static void test_invalid_results(void **state) {
    static const char *const bad[] = {
        "{}",                                   /* missing required */
        "{\"label\":\"c\"}",                    /* not an option */
        "{\"label\":1}",                        /* wrong type */
        "{\"label\":\"a\",\"extra\":1}",        /* unknown field */
        "{\"label\":\"a\",\"tags\":[\"x\",\"x\"]}", /* repeated option */
        "{\"label\":\"a\",\"tags\":\"x\"}",     /* not an array */
        "{\"label\":\"a\",\"note\":\"toolong\"}", /* over max_length */
        "{\"label\":\"a\",\"note\":\"\u65e5\u672c\u8a9e\u306e\u6587\u5b57\"}", /* 6 chars */
        "{\"label\":\"a\",\"score\":1.5}",      /* over max */
        "{\"label\":\"a\",\"stars\":2.5}",      /* rating not integer */
        "{\"label\":\"a\",\"stars\":0}",        /* rating under min */
        "[\"a\"]",                              /* not an object */
    };
    struct tl_schema s;
    struct tl_errbuf eb;
    assert_int_equal(parse(full, &s, &eb), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eb.msg[0] = '\0';
        assert_int_equal(validate(&s, bad[i], &eb), TL_EUNPROC);
        assert_true(eb.msg[0] != '\0');
    }
    tl_schema_release(&s);
}

static void test_invalid_schemas(void **state) {
    static const char *const bad[] = {
        "{}",
        "{\"fields\":[]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"nope\"}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"choice\"}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"choice\",\"options\":[\"x\",\"x\"]}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"rating\",\"min\":1}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"number\",\"min\":2,\"max\":1}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"text\"},{\"name\":\"a\",\"type\":\"text\"}]}",
        "{\"fields\":[{\"name\":\"\",\"type\":\"text\"}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"text\",\"required\":\"yes\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tl_schema s;
        struct tl_errbuf eb = {{0}};
        assert_int_equal(parse(bad[i], &s, &eb), TL_EINVAL);
        assert_true(eb.msg[0] != '\0');
        assert_null(s.fields);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_results),
        cmocka_unit_test(test_invalid_results),
        cmocka_unit_test(test_invalid_schemas),
    };
    return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
