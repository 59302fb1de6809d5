/* Tests for src/quality/taskagg.c: one task's aggregate per field type,
 * with the expected values worked out by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "quality/taskagg.h"
#include "schema/every_field.h"
#include "schema/score.h"

static const char CHOICE3[] =
    "{\"fields\":[{\"name\":\"c\",\"type\":\"choice\",\"options\":[\"a\",\"b\",\"c\"]},"
    "{\"name\":\"rk\",\"type\":\"ranking\",\"sources\":[\"a\",\"b\",\"c\"],\"required\":false}]}";

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static struct tl_schema schema;
static json_t *results[16];
static struct tl_q_vote votes[16];
static struct tl_q_task_agg agg;

static int setup(void **state) {
    struct tl_errbuf eb;
    json_t *j = json_loads(EVERY_FIELD_SCHEMA, 0, NULL);
    int rc = tl_schema_parse(j, &schema, &eb);
    json_decref(j);
    return rc;
}

static int teardown(void **state) {
    tl_schema_release(&schema);
    return 0;
}

/* Aggregate the given results (JSON texts) with the given skills. */
static void run(const struct tl_schema *s, size_t n, const char *const *texts,
                const double *skills) {
    for (size_t i = 0; i < n; i++) {
        results[i] = json_loads(texts[i], 0, NULL);
        assert_non_null(results[i]);
        votes[i].result = results[i];
        votes[i].skill = skills ? skills[i] : -1;
    }
    assert_int_equal(tl_q_task_aggregate(s, votes, n, &agg), 0);
    for (size_t i = 0; i < n; i++)
        json_decref(results[i]);
}

static double conf(const char *field) {
    const json_t *p = json_object_get(agg.confidence, field);
    assert_true(json_is_real(p));
    return json_real_value(p);
}

static void expect(const char *field, const char *json) {
    json_t *want = json_loads(json, JSON_DECODE_ANY, NULL);
    assert_non_null(want);
    const json_t *got = json_object_get(agg.result, field);
    if (!json_equal(want, got)) {
        char *g = got ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
        print_error("%s: got %s, want %s\n", field, g ? g : "(none)", json);
        free(g);
        fail();
    }
    json_decref(want);
}

static void test_no_votes(void **state) {
    run(&schema, 0, NULL, NULL);
    assert_int_equal(json_object_size(agg.result), 0);
    assert_int_equal(json_object_size(agg.confidence), 0);
    near(agg.min_confidence, 1);
    tl_q_task_agg_release(&agg);
    /* votes that all leave the field out (or null) give no value either */
    const char *t[] = {"{}", "{\"c\":null}"};
    run(&schema, 2, t, NULL);
    assert_int_equal(json_object_size(agg.result), 0);
    tl_q_task_agg_release(&agg);
}

static void test_choice(void **state) {
    /* x, x, y at the prior skill 0.7, two options: log-odds 2 log(7/3) for
     * x against log(7/3) for y: posterior 0.7 */
    const char *t[] = {"{\"c\":\"x\"}", "{\"c\":\"x\"}", "{\"c\":\"y\"}"};
    run(&schema, 3, t, NULL);
    expect("c", "\"x\"");
    near(conf("c"), 0.7);
    near(agg.min_confidence, 0.7);
    tl_q_task_agg_release(&agg);
    /* one expert (0.9) outweighs two at 0.6: 9 / (1.5^2) = 4 to 1 */
    const double sk[] = {0.6, 0.6, 0.9};
    run(&schema, 3, t, sk);
    expect("c", "\"y\"");
    near(conf("c"), 0.8);
    tl_q_task_agg_release(&agg);
    /* a tie goes to the first option */
    const char *u[] = {"{\"c\":\"y\"}", "{\"c\":\"x\"}"};
    run(&schema, 2, u, NULL);
    expect("c", "\"x\"");
    near(conf("c"), 0.5);
    tl_q_task_agg_release(&agg);
    /* three options, one vote at 0.7: the others share 0.3 */
    struct tl_schema s3;
    struct tl_errbuf eb;
    json_t *j = json_loads(CHOICE3, 0, NULL);
    assert_int_equal(tl_schema_parse(j, &s3, &eb), 0);
    json_decref(j);
    const char *v[] = {"{\"c\":\"b\"}"};
    run(&s3, 1, v, NULL);
    expect("c", "\"b\"");
    near(conf("c"), 0.7);
    tl_q_task_agg_release(&agg);
    /* skills of 0 and 1 are clamped, not trusted blindly */
    const double edge[] = {1, 0};
    const char *w[] = {"{\"c\":\"a\"}", "{\"c\":\"c\"}"};
    run(&s3, 2, w, edge);
    expect("c", "\"a\"");
    assert_true(conf("c") < 1 && conf("c") > 0.99);
    tl_q_task_agg_release(&agg);
    /* ranking: Borda a 2+2+1, b 1+1+2, c 0; agreement 1, 1, 2/3 */
    const char *rk[] = {"{\"c\":\"a\",\"rk\":[\"a\",\"b\",\"c\"]}",
                        "{\"c\":\"a\",\"rk\":[\"a\",\"b\",\"c\"]}",
                        "{\"c\":\"a\",\"rk\":[\"b\",\"a\",\"c\"]}"};
    run(&s3, 3, rk, NULL);
    expect("rk", "[\"a\",\"b\",\"c\"]");
    near(conf("rk"), (1 + 1 + 2.0 / 3) / 3);
    tl_q_task_agg_release(&agg);
    tl_schema_release(&s3);
}

static void test_multichoice_numbers_rubric(void **state) {
    /* m: x chosen by two of three at 0.7 (logit log(7/3)): kept, certainty
     * 0.7; y chosen by nobody: not in the confidence */
    const char *t[] = {"{\"m\":[\"x\"],\"r\":3,\"n\":10,\"rb\":{\"q\":1}}",
                       "{\"m\":[\"x\"],\"r\":4,\"n\":10.2,\"rb\":{\"q\":2}}",
                       "{\"m\":[],\"r\":4,\"n\":50,\"rb\":{\"q\":2}}"};
    run(&schema, 3, t, NULL);
    expect("m", "[\"x\"]");
    near(conf("m"), 0.7);
    /* ratings 3, 4, 4: median 4, two of three equal to it */
    expect("r", "4");
    near(conf("r"), 2.0 / 3);
    /* numbers: median 10.2, tolerance 0.51: 10 and 10.2 are near it */
    expect("n", "10.2");
    near(conf("n"), 2.0 / 3);
    expect("rb", "{\"q\":2}");
    near(conf("rb"), 2.0 / 3);
    near(agg.min_confidence, 2.0 / 3);
    tl_q_task_agg_release(&agg);
    /* everyone said []: [] with certainty 1 */
    const char *e[] = {"{\"m\":[]}", "{\"m\":[]}"};
    run(&schema, 2, e, NULL);
    expect("m", "[]");
    near(conf("m"), 1);
    tl_q_task_agg_release(&agg);
}

static void test_text_pairwise(void **state) {
    const char *t[] = {"{\"t\":\"the cat\",\"pw\":\"a\"}", "{\"t\":\"The  cat\",\"pw\":\"a\"}",
                       "{\"t\":\"a dog\",\"pw\":\"b\"}"};
    run(&schema, 3, t, NULL);
    expect("t", "\"the cat\"");
    double sim = tl_score_text_sim("the cat", 7, "a dog", 5, TL_Q_TEXT_MAX);
    near(conf("t"), (1 + sim) / 2);
    expect("pw", "\"a\"");
    near(conf("pw"), 2.0 / 3);
    tl_q_task_agg_release(&agg);
    /* one text: its annotator's skill is all we know */
    const char *one[] = {"{\"t\":\"alone\"}"};
    const double sk[] = {0.8};
    run(&schema, 1, one, sk);
    expect("t", "\"alone\"");
    near(conf("t"), 0.8);
    tl_q_task_agg_release(&agg);
}

static void test_boxes(void **state) {
    /* box 1 drawn by all three (slightly apart), box 2 by one: 1 kept */
    const char *t[] = {
        "{\"bx\":[{\"x\":10,\"y\":10,\"width\":20,\"height\":20,\"label\":\"P\",\"id\":\"k\"},"
        "{\"x\":60,\"y\":60,\"width\":10,\"height\":10,\"label\":\"P\"}]}",
        "{\"bx\":[{\"x\":11,\"y\":10,\"width\":20,\"height\":20,\"label\":\"P\"}]}",
        "{\"bx\":[{\"x\":12,\"y\":10,\"width\":20,\"height\":20,\"label\":\"P\"}]}"};
    run(&schema, 3, t, NULL);
    /* the medoid is the middle box, nearest to both others */
    expect("bx", "[{\"x\":11,\"y\":10,\"width\":20,\"height\":20,\"label\":\"P\"}]");
    near(conf("bx"), 1);
    tl_q_task_agg_release(&agg);
    /* only one of three drew anything: nothing kept, certain at 1 - 1/3 */
    const char *u[] = {"{\"bx\":[{\"x\":1,\"y\":1,\"width\":5,\"height\":5,\"label\":\"P\"}]}",
                       "{\"bx\":[]}", "{\"bx\":[]}"};
    run(&schema, 3, u, NULL);
    expect("bx", "[]");
    near(conf("bx"), 2.0 / 3);
    tl_q_task_agg_release(&agg);
    /* nobody drew anything */
    const char *e[] = {"{\"bx\":[]}", "{\"bx\":[]}"};
    run(&schema, 2, e, NULL);
    expect("bx", "[]");
    near(conf("bx"), 1);
    tl_q_task_agg_release(&agg);
    /* weights: the one who drew it is trusted (0.9 of 0.9+0.3+0.3 > 1/2) */
    const double sk[] = {0.9, 0.3, 0.3};
    run(&schema, 3, u, sk);
    expect("bx", "[{\"x\":1,\"y\":1,\"width\":5,\"height\":5,\"label\":\"P\"}]");
    near(conf("bx"), 0.6);
    tl_q_task_agg_release(&agg);
}

static void test_spans_relations_keypoints(void **state) {
    /* spans agree; two of three relate them */
    const char *t[] = {
        "{\"s\":[{\"start\":0,\"end\":3,\"label\":\"P\"},{\"start\":5,\"end\":9,\"label\":\"O\"}],"
        "\"rel\":[{\"from\":0,\"to\":1,\"label\":\"w\"}],"
        "\"kp\":[{\"x\":50,\"y\":50,\"label\":\"P\"}],"
        "\"sg\":[{\"start\":0,\"end\":1,\"label\":\"P\"}]}",
        /* listed the other way round: the relation still maps to (0, 1) */
        "{\"s\":[{\"start\":5,\"end\":9,\"label\":\"O\"},{\"start\":0,\"end\":3,\"label\":\"P\"}],"
        "\"rel\":[{\"from\":1,\"to\":0,\"label\":\"w\"},{\"from\":1,\"to\":0,\"label\":\"w\"}],"
        "\"kp\":[{\"x\":51,\"y\":50,\"label\":\"P\"}],"
        "\"sg\":[{\"start\":0.1,\"end\":1,\"label\":\"P\"}]}",
        "{\"s\":[{\"start\":0,\"end\":3,\"label\":\"P\"},{\"start\":5,\"end\":8,\"label\":\"O\"}],"
        "\"rel\":[],\"kp\":[{\"x\":90,\"y\":90,\"label\":\"P\"}],\"sg\":[]}"};
    run(&schema, 3, t, NULL);
    expect("s", "[{\"start\":0,\"end\":3,\"label\":\"P\"},{\"start\":5,\"end\":9,\"label\":\"O\"}]");
    near(conf("s"), 1);
    expect("rel", "[{\"from\":0,\"to\":1,\"label\":\"w\"}]");
    near(conf("rel"), 2.0 / 3);
    /* keypoints: (50,50) and (51,50) cluster; (90,90) alone is dropped */
    expect("kp", "[{\"x\":50,\"y\":50,\"label\":\"P\"}]");
    near(conf("kp"), 2.0 / 3);
    expect("sg", "[{\"start\":0,\"end\":1,\"label\":\"P\"}]");
    near(conf("sg"), 2.0 / 3);
    tl_q_task_agg_release(&agg);
}

/* Identical votes of every field give themselves back, certain. */
static void test_identical_votes(void **state) {
    const char *all =
        "{\"c\":\"y\",\"m\":[\"x\",\"y\"],\"t\":\"Some text\",\"n\":-3.5,\"r\":2,"
        "\"s\":[{\"start\":0,\"end\":3,\"label\":\"P\"}],"
        "\"rel\":[],"
        "\"bx\":[{\"x\":1,\"y\":2,\"width\":3,\"height\":4,\"rotation\":30,\"label\":\"P\"}],"
        "\"pg\":[{\"points\":[[0,0],[5,5],[0,5]],\"label\":\"P\"}],"
        "\"kp\":[{\"x\":1,\"y\":1,\"label\":\"P\"}],"
        "\"sg\":[{\"start\":1,\"end\":2,\"label\":\"P\",\"text\":\"hi\"}],\"pw\":\"tie\","
        "\"rk\":[\"b\",\"a\"],\"rb\":{\"q\":3}}";
    const char *t[] = {all, all, all, all, all};
    const double sk[] = {0.99, 0.99, 0.99, 0.99, 0.99};
    run(&schema, 5, t, sk);
    json_t *want = json_loads(all, 0, NULL);
    assert_true(json_equal(want, agg.result));
    json_decref(want);
    assert_true(agg.min_confidence > 0.99);
    tl_q_task_agg_release(&agg);
}

/* Not an assertion on speed (machines differ), but a check that ten votes
 * of every field cost microseconds, printed for the record. */
static void test_cost_of_ten_votes(void **state) {
    const char *v =
        "{\"c\":\"y\",\"m\":[\"x\"],\"t\":\"a short answer\",\"n\":1,\"r\":2,"
        "\"s\":[{\"start\":0,\"end\":3,\"label\":\"P\"},{\"start\":4,\"end\":6,\"label\":\"O\"}],"
        "\"rel\":[{\"from\":0,\"to\":1,\"label\":\"w\"}],"
        "\"bx\":[{\"x\":1,\"y\":2,\"width\":3,\"height\":4,\"label\":\"P\"},"
        "{\"x\":20,\"y\":20,\"width\":30,\"height\":40,\"label\":\"P\"}],"
        "\"pg\":[{\"points\":[[0,0],[5,5],[0,5],[2,1]],\"label\":\"P\"}],"
        "\"kp\":[{\"x\":1,\"y\":1,\"label\":\"P\"}],\"pw\":\"a\",\"rk\":[\"b\",\"a\"],"
        "\"rb\":{\"q\":3}}";
    struct tl_q_vote ten[10];
    json_t *r = json_loads(v, 0, NULL);
    assert_non_null(r);
    for (int i = 0; i < 10; i++)
        ten[i] = (struct tl_q_vote){r, 0.5 + 0.04 * i};
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int reps = 1000;
    for (int k = 0; k < reps; k++) {
        assert_int_equal(tl_q_task_aggregate(&schema, ten, 10, &agg), 0);
        tl_q_task_agg_release(&agg);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    json_decref(r);
    double us = ((double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3) /
                reps;
    printf("taskagg: 10 votes x 13 fields: %.1f us per task\n", us);
    assert_true(us < 1e6); /* only a runaway (a loop gone quadratic in items) fails */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_votes),
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_multichoice_numbers_rubric),
        cmocka_unit_test(test_text_pairwise),
        cmocka_unit_test(test_boxes),
        cmocka_unit_test(test_spans_relations_keypoints),
        cmocka_unit_test(test_identical_votes),
        cmocka_unit_test(test_cost_of_ten_votes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
