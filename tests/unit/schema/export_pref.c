/* Tests for src/schema/export_pref.c: preference lines from pairwise answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <jansson.h>

#include "schema/export_pref.h"

static void parse_schema(const char *text, struct tl_schema *s) {
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    struct tl_errbuf eb;
    assert_int_equal(tl_schema_parse(j, s, &eb), 0);
    json_decref(j);
}

static const char SCHEMA[] =
    "{\"fields\":[{\"name\":\"better\",\"type\":\"pairwise\",\"sources\":[\"r1\",\"r2\"]},"
    "{\"name\":\"note\",\"type\":\"text\",\"required\":false},"
    "{\"name\":\"safer\",\"type\":\"pairwise\",\"sources\":[\"r2\",\"r1\"],"
    "\"required\":false}]}";

#define ANN(res) {.id = "A", .annotator_id = "u", .result = res, .result_len = sizeof res - 1}

/* Write t under SCHEMA into b (bounded by the writer's own bound). */
static void export(struct tl_buf *b, const struct tl_export_task *t) {
    struct tl_schema s;
    parse_schema(SCHEMA, &s);
    tl_buf_init(b, tl_pref_export_bound(&s, t));
    assert_int_equal(tl_pref_export_task(b, &s, t), 0);
    tl_schema_release(&s);
}

static void test_chosen_follows_the_answer(void **state) {
    static const char data[] = "{\"prompt\":\"Say hi\",\"r1\":\"hi\",\"r2\":\"go away\"}";
    static const char a1[] = "{\"better\":\"a\",\"safer\":\"a\"}";
    static const char a2[] = "{\"better\":\"b\",\"note\":\"x\"}";
    struct tl_export_annotation an[2] = {ANN(a1), ANN(a2)};
    struct tl_export_task t = {.id = "T", .data = data, .data_len = sizeof data - 1,
                               .annotations = an, .n_annotations = 2};
    struct tl_buf b;
    export(&b, &t);
    assert_string_equal(b.data,
                        "{\"prompt\":\"Say hi\",\"chosen\":\"hi\",\"rejected\":\"go away\"}\n"
                        "{\"prompt\":\"Say hi\",\"chosen\":\"go away\",\"rejected\":\"hi\"}\n"
                        "{\"prompt\":\"Say hi\",\"chosen\":\"go away\",\"rejected\":\"hi\"}\n");
    tl_buf_release(&b);
}

static void test_ties_and_missing_answers_skipped(void **state) {
    static const char data[] = "{\"prompt\":\"p\",\"r1\":\"x\",\"r2\":\"y\"}";
    static const char a1[] = "{\"better\":\"tie\"}";
    static const char a2[] = "{\"better\":\"tie\",\"safer\":null}";
    static const char a3[] = "{\"note\":\"no answer\"}";
    struct tl_export_annotation an[3] = {ANN(a1), ANN(a2), ANN(a3)};
    struct tl_export_task t = {.id = "T", .data = data, .data_len = sizeof data - 1,
                               .annotations = an, .n_annotations = 3};
    struct tl_buf b;
    export(&b, &t);
    assert_int_equal(b.len, 0);
    tl_buf_release(&b);
}

/* Without a "prompt" key the whole data is the prompt, as one JSON string;
 * chat-shaped sources keep their shape. */
static void test_prompt_falls_back_to_the_data(void **state) {
    static const char data[] = "{\"q\":\"2+2?\",\"r1\":[{\"role\":\"assistant\",\"content\":\"4\"}],"
                               "\"r2\":\"5\"}";
    static const char a1[] = "{\"better\":\"a\"}";
    struct tl_export_annotation an[1] = {ANN(a1)};
    struct tl_export_task t = {.id = "T", .data = data, .data_len = sizeof data - 1,
                               .annotations = an, .n_annotations = 1};
    struct tl_buf b;
    export(&b, &t);
    json_t *line = json_loadb(b.data, b.len, 0, NULL);
    assert_non_null(line);
    assert_string_equal(json_string_value(json_object_get(line, "prompt")), data);
    json_t *chosen = json_object_get(line, "chosen");
    assert_true(json_is_array(chosen));
    assert_string_equal(json_string_value(json_object_get(json_array_get(chosen, 0), "content")),
                        "4");
    assert_string_equal(json_string_value(json_object_get(line, "rejected")), "5");
    json_decref(line);
    tl_buf_release(&b);
}

static void test_pair_without_its_text_skipped(void **state) {
    static const char data[] = "{\"prompt\":\"p\",\"r1\":\"x\"}";
    static const char a1[] = "{\"better\":\"a\"}";
    struct tl_export_annotation an[1] = {ANN(a1)};
    struct tl_export_task t = {.id = "T", .data = data, .data_len = sizeof data - 1,
                               .annotations = an, .n_annotations = 1};
    struct tl_buf b;
    export(&b, &t);
    assert_int_equal(b.len, 0);
    tl_buf_release(&b);
}

/* Numbers grow when re-encoded; the bound must still hold. */
static void test_bound_holds_for_growing_numbers(void **state) {
    static const char data[] = "{\"r1\":1e-7,\"r2\":[1e-7,1e-7]}";
    static const char a1[] = "{\"better\":\"b\",\"safer\":\"b\"}";
    struct tl_export_annotation an[1] = {ANN(a1)};
    struct tl_export_task t = {.id = "T", .data = data, .data_len = sizeof data - 1,
                               .annotations = an, .n_annotations = 1};
    struct tl_buf b;
    export(&b, &t);
    assert_non_null(strstr(b.data, "\"rejected\":9.9999999999999995e-8}\n"));
    tl_buf_release(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chosen_follows_the_answer),
        cmocka_unit_test(test_ties_and_missing_answers_skipped),
        cmocka_unit_test(test_prompt_falls_back_to_the_data),
        cmocka_unit_test(test_pair_without_its_text_skipped),
        cmocka_unit_test(test_bound_holds_for_growing_numbers),
    };
    return cmocka_run_group_tests_name("export_pref", tests, NULL, NULL);
}
