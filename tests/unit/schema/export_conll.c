/* Tests for src/schema/export_conll.c, driven through the export table
 * (schema/export.h) so every write runs under the ceiling the exporter
 * sets from its own bound: the tokenizer (whitespace, punctuation,
 * newlines, code points beyond the BMP), BIO tags with overlapping spans,
 * one column per spans field, and schemas the format cannot export. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "export_run.h"

static const char NER[] =
    "{\"views\":[{\"source\":\"text\",\"kind\":\"text\"}],\"fields\":["
    "{\"name\":\"entities\",\"type\":\"spans\",\"source\":\"text\","
    "\"labels\":[\"PER\",\"LOC\",\"two words\"],\"allow_overlap\":true}]}";

/* The export of tasks under schema (the caller frees it). */
static char *export_conll(const char *schema, const struct run_task *tasks, size_t n) {
    struct tl_buf b;
    run_export("conll", schema, tasks, n, "text/plain; charset=utf-8", "conll", &b);
    char *out = strdup(b.data ? b.data : "");
    tl_buf_release(&b);
    return out;
}

static void assert_export(const char *schema, const struct run_task *tasks, size_t n,
                          const char *want) {
    char *got = export_conll(schema, tasks, n);
    assert_string_equal(got, want);
    free(got);
}

static void test_conll_ner_example(void **state) {
    const struct run_task t[] = {
        {"T0", "{\"text\":\"Ada Lovelace worked with Charles Babbage in London.\"}",
         {"{\"entities\":[{\"start\":0,\"end\":12,\"label\":\"PER\"},"
          "{\"start\":25,\"end\":40,\"label\":\"PER\"},"
          "{\"start\":44,\"end\":50,\"label\":\"LOC\"}]}"}}};
    assert_export(NER, t, 1,
                  "# task=T0 annotation=A00\n"
                  "Ada\tB-PER\nLovelace\tI-PER\nworked\tO\nwith\tO\nCharles\tB-PER\n"
                  "Babbage\tI-PER\nin\tO\nLondon\tB-LOC\n.\tO\n\n");
}

/* Offsets count code points: a character outside the BMP is one (four
 * UTF-8 bytes, two UTF-16 units). */
static void test_conll_code_points_beyond_bmp(void **state) {
    /* 😀 Ada 𝔘x\nnext — 😀 is [0,1), Ada [2,5), 𝔘x [6,8), next [9,13) */
    const struct run_task t[] = {
        {"T0", "{\"text\":\"\\ud83d\\ude00 Ada \\ud835\\udd18x\\nnext\"}",
         {"{\"entities\":[{\"start\":2,\"end\":5,\"label\":\"PER\"},"
          "{\"start\":6,\"end\":8,\"label\":\"LOC\"}]}"}}};
    assert_export(NER, t, 1,
                  "# task=T0 annotation=A00\n"
                  "\xf0\x9f\x98\x80\tO\nAda\tB-PER\n\xf0\x9d\x94\x98x\tB-LOC\n\nnext\tO\n\n");
}

/* Whitespace (tab, CR, NBSP, ideographic space) splits; punctuation is a
 * token of its own; only newlines end sentences, and blank lines make no
 * empty sentences. */
static void test_conll_tokenizer(void **state) {
    const struct run_task t[] = {
        {"T0", "{\"text\":\"don't,stop\\u2026 (now)!\\r\\n\\n\\tx\\u00a0y\\u3000z\\u3002\"}",
         {"{\"entities\":[]}"}}};
    assert_export(NER, t, 1,
                  "# task=T0 annotation=A00\n"
                  "don\tO\n'\tO\nt\tO\n,\tO\nstop\tO\n\xe2\x80\xa6\tO\n(\tO\nnow\tO\n)\tO\n!\tO\n"
                  "\n"
                  "x\tO\ny\tO\nz\tO\n\xe3\x80\x82\tO\n\n");
}

/* Overlapping spans of one field: the earlier start wins (on a tie, the
 * one listed first); a span resumed past a newline starts with B- again;
 * a span that cuts a token tags all of it; whitespace in a label is _. */
static void test_conll_overlapping_spans(void **state) {
    /* aaa [0,3) bbb [4,7) ccc [8,11) ddd [12,15) \n eee [16,19) */
    const struct run_task t[] = {
        {"T0", "{\"text\":\"aaa bbb ccc ddd\\neee fff\"}",
         {"{\"entities\":[{\"start\":4,\"end\":18,\"label\":\"LOC\"},"
          "{\"start\":0,\"end\":10,\"label\":\"PER\"},"
          "{\"start\":20,\"end\":23,\"label\":\"two words\"},"
          "{\"start\":20,\"end\":21,\"label\":\"PER\"}]}"}}};
    assert_export(NER, t, 1,
                  "# task=T0 annotation=A00\n"
                  "aaa\tB-PER\nbbb\tI-PER\nccc\tI-PER\nddd\tB-LOC\n\neee\tB-LOC\n"
                  "fff\tB-two_words\n\n");
}

/* One tag column per spans field over the text, in schema order; a spans
 * field over another source has none. */
static void test_conll_columns_per_field(void **state) {
    const char *schema =
        "{\"fields\":["
        "{\"name\":\"ner\",\"type\":\"spans\",\"source\":\"text\",\"labels\":[\"PER\"]},"
        "{\"name\":\"other\",\"type\":\"spans\",\"source\":\"title\",\"labels\":[\"X\"]},"
        "{\"name\":\"c\",\"type\":\"choice\",\"options\":[\"a\"],\"required\":false},"
        "{\"name\":\"pos\",\"type\":\"spans\",\"source\":\"text\",\"labels\":[\"N\",\"V\"]}]}";
    const struct run_task t[] = {
        {"T0", "{\"text\":\"Ada sings\",\"title\":\"t\"}",
         {"{\"ner\":[{\"start\":0,\"end\":3,\"label\":\"PER\"}],"
          "\"other\":[{\"start\":0,\"end\":1,\"label\":\"X\"}],"
          "\"pos\":[{\"start\":0,\"end\":3,\"label\":\"N\"},"
          "{\"start\":4,\"end\":9,\"label\":\"V\"}]}",
          "{\"pos\":[{\"start\":4,\"end\":9,\"label\":\"V\"}]}"}}};
    assert_export(schema, t, 1,
                  "# task=T0 annotation=A00\nAda\tB-PER\tB-N\nsings\tO\tB-V\n\n"
                  "# task=T0 annotation=A01\nAda\tO\tO\nsings\tO\tB-V\n\n");
}

/* Tasks without annotations or without a text write nothing; a text
 * without tokens is a comment and a blank line. */
static void test_conll_which_tasks(void **state) {
    const struct run_task t[] = {{"T0", "{\"text\":\"a b\"}", {NULL}},
                                  {"T1", "{\"other\":\"a\"}", {"{}"}},
                                  {"T2", "{\"text\":\" \\n \"}", {"{}"}},
                                  {"T3", "{\"text\":\"x\"}", {"{}"}}};
    assert_export(NER, t, 4, "# task=T2 annotation=A20\n\n# task=T3 annotation=A30\nx\tO\n\n");
}

/* The densest output per byte of task data: one-byte tokens, each in a
 * span of the longest label, in many columns, written under the bound. */
static void test_conll_bound_holds_for_dense_text(void **state) {
    char label[TL_SCHEMA_MAX_OPTION_LEN + 1];
    memset(label, 'L', TL_SCHEMA_MAX_OPTION_LEN);
    label[TL_SCHEMA_MAX_OPTION_LEN] = '\0';
    json_t *fields = json_array(), *result = json_object();
    for (int i = 0; i < 8; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        json_array_append_new(fields, json_pack("{s:s,s:s,s:s,s:[s]}", "name", name, "type",
                                                "spans", "source", "t", "labels", label));
        json_object_set_new(result, name,
                            json_pack("[{s:i,s:i,s:s}]", "start", 0, "end", 2000, "label", label));
    }
    json_t *js = json_pack("{s:o}", "fields", fields);
    char *schema = json_dumps(js, JSON_COMPACT);
    char *res = json_dumps(result, JSON_COMPACT);
    char text[2000 + 16];
    memset(text, '!', 2000);
    text[2000] = '\0';
    char data[sizeof text + 16];
    snprintf(data, sizeof data, "{\"t\":\"%s\"}", text);
    const struct run_task t[] = {{"T0", data, {res, res}}};
    char *out = export_conll(schema, t, 1);
    /* per block: the comment, 2000 lines of "!", 8 tags and '\n', a blank line */
    size_t line = 2 + 8 * (3 + TL_SCHEMA_MAX_OPTION_LEN);
    assert_int_equal(strlen(out), 2 * (strlen("# task=T0 annotation=A00\n") + 2000 * line + 1));
    free(out);
    free(res);
    free(schema);
    json_decref(result);
    json_decref(js);
}

static void test_conll_needs_spans(void **state) {
    run_assert_unfit("conll", RUN_CHOICE_ONLY, "spans");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conll_ner_example),
        cmocka_unit_test(test_conll_code_points_beyond_bmp),
        cmocka_unit_test(test_conll_tokenizer),
        cmocka_unit_test(test_conll_overlapping_spans),
        cmocka_unit_test(test_conll_columns_per_field),
        cmocka_unit_test(test_conll_which_tasks),
        cmocka_unit_test(test_conll_bound_holds_for_dense_text),
        cmocka_unit_test(test_conll_needs_spans),
    };
    return cmocka_run_group_tests_name("export_conll", tests, NULL, NULL);
}
