/* Tests for src/schema/score.c: gold checks and per-type scores, with
 * values worked out by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/every_field.h"
#include "schema/schema.h"
#include "schema/score.h"

/* Besides the every-field schema: bounds and more sources and criteria. */
static const char WIDE_SCHEMA[] =
    "{\"fields\":[{\"name\":\"n\",\"type\":\"number\",\"min\":0,\"max\":100,\"required\":false},"
    "{\"name\":\"rk\",\"type\":\"ranking\",\"sources\":[\"a\",\"b\",\"c\",\"d\"],"
    "\"required\":false},"
    "{\"name\":\"rb\",\"type\":\"rubric\",\"criteria\":[{\"name\":\"p\",\"min\":1,\"max\":5},"
    "{\"name\":\"q\",\"min\":0,\"max\":10}],\"required\":false},"
    "{\"name\":\"bx\",\"type\":\"boxes\",\"source\":\"img\",\"labels\":[\"P\",\"Q\"],"
    "\"required\":false}]}";

static void load_schema(const char *text, struct tl_schema *s) {
    struct tl_errbuf eb = {{0}};
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    int rc = tl_schema_parse(j, s, &eb);
    if (rc)
        print_error("schema: %s\n", eb.msg);
    assert_int_equal(rc, 0);
    json_decref(j);
}

/* The score of result against gold (both JSON text). */
static double score_of(const struct tl_schema *s, const char *gold, const char *result) {
    json_t *g = json_loads(gold, 0, NULL), *r = json_loads(result, 0, NULL);
    assert_non_null(g);
    assert_non_null(r);
    double x = -1;
    assert_int_equal(tl_schema_score(s, g, r, &x, NULL), 0);
    assert_true(x >= 0 && x <= 1);
    json_decref(g);
    json_decref(r);
    return x;
}

static int check_gold(const struct tl_schema *s, const char *gold, const char *data) {
    json_t *g = json_loads(gold, 0, NULL), *d = data ? json_loads(data, 0, NULL) : NULL;
    assert_non_null(g);
    struct tl_errbuf eb = {{0}};
    int rc = tl_schema_check_gold(s, g, d, &eb);
    if (rc)
        assert_true(strstr(eb.msg, "gold") != NULL);
    json_decref(g);
    json_decref(d);
    return rc;
}

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void test_check_gold(void **state) {
    struct tl_schema s;
    load_schema(EVERY_FIELD_SCHEMA, &s);
    assert_int_equal(check_gold(&s, "{\"c\":\"x\"}", NULL), 0);
    assert_int_equal(check_gold(&s, "{\"c\":\"x\",\"r\":5,\"rk\":[\"b\",\"a\"]}", NULL), 0);
    assert_int_equal(check_gold(&s, "{}", NULL), TL_EINVAL);
    assert_int_equal(check_gold(&s, "[\"x\"]", NULL), TL_EINVAL);
    assert_int_equal(check_gold(&s, "{\"nope\":1}", NULL), TL_EINVAL);
    assert_int_equal(check_gold(&s, "{\"c\":\"z\"}", NULL), TL_EINVAL);
    assert_int_equal(check_gold(&s, "{\"c\":null}", NULL), TL_EINVAL);
    assert_int_equal(check_gold(&s, "{\"r\":6}", NULL), TL_EINVAL);
    assert_int_equal(check_gold(&s, "{\"rk\":[\"a\",\"a\"]}", NULL), TL_EINVAL);
    json_t *bad = json_pack("{ss}", "c", "z"); /* without an error buffer */
    assert_int_equal(tl_schema_check_gold(&s, bad, NULL, NULL), TL_EINVAL);
    json_decref(bad);
    /* relations need their spans in the gold too */
    assert_int_equal(check_gold(&s, "{\"rel\":[{\"from\":0,\"to\":1,\"label\":\"w\"}]}", NULL),
                     TL_EINVAL);
    assert_int_equal(check_gold(&s,
                                "{\"s\":[{\"start\":0,\"end\":2,\"label\":\"P\"},"
                                "{\"start\":3,\"end\":5,\"label\":\"O\"}],"
                                "\"rel\":[{\"from\":0,\"to\":1,\"label\":\"w\"}]}",
                                "{\"text\":\"ab cd\"}"),
                     0);
    /* spans are checked against the task's text when it is given */
    assert_int_equal(check_gold(&s, "{\"s\":[{\"start\":0,\"end\":9,\"label\":\"P\"}]}",
                                "{\"text\":\"ab cd\"}"),
                     TL_EINVAL);
    tl_schema_release(&s);
}

static void test_scalar_scores(void **state) {
    struct tl_schema s;
    load_schema(EVERY_FIELD_SCHEMA, &s);
    near(score_of(&s, "{\"c\":\"x\"}", "{\"c\":\"x\"}"), 1);
    near(score_of(&s, "{\"c\":\"x\"}", "{\"c\":\"y\"}"), 0);
    near(score_of(&s, "{\"c\":\"x\"}", "{}"), 0); /* left out */
    near(score_of(&s, "{\"c\":\"x\"}", "{\"c\":null}"), 0);
    /* Jaccard: {x} of {x, y} */
    near(score_of(&s, "{\"m\":[\"x\",\"y\"]}", "{\"m\":[\"x\"]}"), 0.5);
    near(score_of(&s, "{\"m\":[]}", "{\"m\":[]}"), 1);
    near(score_of(&s, "{\"m\":[\"x\"]}", "{\"m\":[\"y\"]}"), 0);
    /* text: case and whitespace runs do not count; kitten/sitting is 3 edits of 7 */
    near(score_of(&s, "{\"t\":\"Hello   World \"}", "{\"t\":\" hello world\"}"), 1);
    near(score_of(&s, "{\"t\":\"kitten\"}", "{\"t\":\"sitting\"}"), 1 - 3.0 / 7);
    near(score_of(&s, "{\"t\":\"\"}", "{\"t\":\"\"}"), 1);
    near(score_of(&s, "{\"t\":\"ÉCOLE\"}", "{\"t\":\"école\"}"), 1);
    /* number without bounds: tolerance 5% of 100 = 5, score 1 - d / 10 */
    near(score_of(&s, "{\"n\":100}", "{\"n\":105}"), 0.5);
    near(score_of(&s, "{\"n\":100}", "{\"n\":100.0}"), 1);
    near(score_of(&s, "{\"n\":100}", "{\"n\":120}"), 0);
    /* rating: off by one step 0.5, by two 0 */
    near(score_of(&s, "{\"r\":3}", "{\"r\":3}"), 1);
    near(score_of(&s, "{\"r\":3}", "{\"r\":4}"), 0.5);
    near(score_of(&s, "{\"r\":3}", "{\"r\":5}"), 0);
    near(score_of(&s, "{\"pw\":\"a\"}", "{\"pw\":\"a\"}"), 1);
    near(score_of(&s, "{\"pw\":\"a\"}", "{\"pw\":\"tie\"}"), 0.5);
    near(score_of(&s, "{\"pw\":\"tie\"}", "{\"pw\":\"b\"}"), 0.5);
    near(score_of(&s, "{\"pw\":\"a\"}", "{\"pw\":\"b\"}"), 0);
    near(score_of(&s, "{\"rk\":[\"a\",\"b\"]}", "{\"rk\":[\"b\",\"a\"]}"), 0);
    /* rubric q in 1..3: 1 vs 3 is the whole range, 2 vs 3 half */
    near(score_of(&s, "{\"rb\":{\"q\":1}}", "{\"rb\":{\"q\":3}}"), 0);
    near(score_of(&s, "{\"rb\":{\"q\":2}}", "{\"rb\":{\"q\":3}}"), 0.5);
    tl_schema_release(&s);

    load_schema(WIDE_SCHEMA, &s);
    /* number in 0..100: tolerance 5, so 2.5 off scores 0.75 */
    near(score_of(&s, "{\"n\":50}", "{\"n\":52.5}"), 0.75);
    /* one swapped pair of six: 5/6 concordant; reversed: none */
    near(score_of(&s, "{\"rk\":[\"a\",\"b\",\"c\",\"d\"]}", "{\"rk\":[\"b\",\"a\",\"c\",\"d\"]}"),
         5.0 / 6);
    near(score_of(&s, "{\"rk\":[\"a\",\"b\",\"c\",\"d\"]}", "{\"rk\":[\"d\",\"c\",\"b\",\"a\"]}"),
         0);
    /* rubric: p 1 - 2/4, q 1 - 0/10: mean 0.75 */
    near(score_of(&s, "{\"rb\":{\"p\":1,\"q\":4}}", "{\"rb\":{\"p\":3,\"q\":4}}"), 0.75);
    tl_schema_release(&s);
}

static void test_mean_and_per_field(void **state) {
    struct tl_schema s;
    load_schema(EVERY_FIELD_SCHEMA, &s);
    json_t *g = json_pack("{sssi}", "c", "x", "r", 3), *r = json_pack("{sssi}", "c", "x", "r", 4);
    json_t *pf = json_object();
    double x;
    assert_int_equal(tl_schema_score(&s, g, r, &x, pf), 0);
    near(x, 0.75);
    near(json_real_value(json_object_get(pf, "c")), 1);
    near(json_real_value(json_object_get(pf, "r")), 0.5);
    json_object_set_new(g, "zz", json_integer(1));
    assert_int_equal(tl_schema_score(&s, g, r, &x, NULL), TL_EINVAL);
    json_decref(g);
    json_decref(r);
    json_decref(pf);
    tl_schema_release(&s);
}

static void test_region_scores(void **state) {
    struct tl_schema s;
    load_schema(EVERY_FIELD_SCHEMA, &s);
    /* spans: exact matches only, F1 = 2*1 / (2+2) */
    near(score_of(&s,
                  "{\"s\":[{\"start\":0,\"end\":5,\"label\":\"P\"},"
                  "{\"start\":6,\"end\":10,\"label\":\"O\"}]}",
                  "{\"s\":[{\"start\":0,\"end\":5,\"label\":\"P\"},"
                  "{\"start\":6,\"end\":10,\"label\":\"P\"}]}"),
         0.5);
    near(score_of(&s, "{\"s\":[{\"start\":0,\"end\":5,\"label\":\"P\"}]}",
                  "{\"s\":[{\"start\":0,\"end\":4,\"label\":\"P\"}]}"),
         0);
    near(score_of(&s, "{\"s\":[]}", "{\"s\":[]}"), 1);
    near(score_of(&s, "{\"s\":[]}", "{\"s\":[{\"start\":0,\"end\":4,\"label\":\"P\"}]}"), 0);
    /* boxes: shifted by 1 of 10, IoU 90/110 matches; by 5, 50/150 does not */
    near(score_of(&s, "{\"bx\":[{\"x\":0,\"y\":0,\"width\":10,\"height\":10,\"label\":\"P\"}]}",
                  "{\"bx\":[{\"x\":1,\"y\":0,\"width\":10,\"height\":10,\"label\":\"P\"}]}"),
         1);
    near(score_of(&s, "{\"bx\":[{\"x\":0,\"y\":0,\"width\":10,\"height\":10,\"label\":\"P\"}]}",
                  "{\"bx\":[{\"x\":5,\"y\":0,\"width\":10,\"height\":10,\"label\":\"P\"}]}"),
         0);
    /* two gold boxes, one found: F1 2/3 */
    near(score_of(&s,
                  "{\"bx\":[{\"x\":0,\"y\":0,\"width\":10,\"height\":10,\"label\":\"P\"},"
                  "{\"x\":50,\"y\":50,\"width\":10,\"height\":10,\"label\":\"P\"}]}",
                  "{\"bx\":[{\"x\":50,\"y\":50,\"width\":10,\"height\":10,\"label\":\"P\"}]}"),
         2.0 / 3);
    /* a box turned 90 degrees about (10,10) covers [0,10]x[10,20] */
    near(score_of(&s,
                  "{\"bx\":[{\"x\":0,\"y\":10,\"width\":10,\"height\":10,\"label\":\"P\"}]}",
                  "{\"bx\":[{\"x\":10,\"y\":10,\"width\":10,\"height\":10,\"rotation\":90,"
                  "\"label\":\"P\"}]}"),
         1);
    /* polygons: same square shifted by 1 */
    near(score_of(&s, "{\"pg\":[{\"points\":[[0,0],[10,0],[10,10],[0,10]],\"label\":\"P\"}]}",
                  "{\"pg\":[{\"points\":[[1,0],[11,0],[11,10],[1,10]],\"label\":\"P\"}]}"),
         1);
    near(score_of(&s, "{\"pg\":[{\"points\":[[0,0],[10,0],[10,10],[0,10]],\"label\":\"P\"}]}",
                  "{\"pg\":[{\"points\":[[6,0],[16,0],[16,10],[6,10]],\"label\":\"P\"}]}"),
         0);
    /* keypoints: 2 away is within the radius (2.83), 4 is not */
    near(score_of(&s, "{\"kp\":[{\"x\":50,\"y\":50,\"label\":\"P\"}]}",
                  "{\"kp\":[{\"x\":52,\"y\":50,\"label\":\"P\"}]}"),
         1);
    near(score_of(&s, "{\"kp\":[{\"x\":50,\"y\":50,\"label\":\"P\"}]}",
                  "{\"kp\":[{\"x\":54,\"y\":50,\"label\":\"P\"}]}"),
         0);
    /* segments: [0,2] and [0.5,2] have IoU 0.75 */
    near(score_of(&s, "{\"sg\":[{\"start\":0,\"end\":2,\"label\":\"P\"}]}",
                  "{\"sg\":[{\"start\":0.5,\"end\":2,\"label\":\"P\",\"text\":\"hi\"}]}"),
         1);
    near(score_of(&s, "{\"sg\":[{\"start\":0,\"end\":2,\"label\":\"P\"}]}",
                  "{\"sg\":[{\"start\":1.5,\"end\":3,\"label\":\"P\"}]}"),
         0);
    tl_schema_release(&s);
}

static void test_region_sim_values(void **state) {
    struct tl_schema s;
    load_schema(EVERY_FIELD_SCHEMA, &s);
    const struct tl_field *pg = &s.fields[8];
    assert_string_equal(pg->name, "pg");
    json_t *a = json_loads("[{\"points\":[[0,0],[10,0],[10,10],[0,10]],\"label\":\"P\"},"
                           "{\"points\":[[0,0],[10,0],[0,10]],\"label\":\"P\"},"
                           "{\"points\":[[1,0],[11,0],[11,10],[1,10]],\"label\":\"P\"},"
                           "{\"points\":[[0,0],[10,10],[10,0],[0,10]],\"label\":\"P\"}]",
                           0, NULL);
    struct tl_score_region *r;
    size_t n;
    long budget = TL_SCORE_POLY_BUDGET;
    assert_int_equal(tl_score_regions_read(pg, a, 100, &r, &n), 0);
    assert_int_equal(n, 4);
    near(tl_score_region_sim(pg, &r[0], &r[2], &budget), 90.0 / 110);
    /* the triangle is half the square: scan lines are exact for straight edges */
    near(tl_score_region_sim(pg, &r[0], &r[1], &budget), 0.5);
    /* a bow tie (self-crossing) fills two triangles: half the square */
    near(tl_score_region_sim(pg, &r[0], &r[3], &budget), 0.5);
    assert_true(budget < TL_SCORE_POLY_BUDGET);
    long none = 0; /* past the budget nothing matches */
    near(tl_score_region_sim(pg, &r[0], &r[2], &none), 0);
    tl_score_regions_free(r, n);
    json_decref(a);
    tl_schema_release(&s);
}

static void test_relations(void **state) {
    struct tl_schema s;
    load_schema(EVERY_FIELD_SCHEMA, &s);
    const char *gold = "{\"s\":[{\"start\":0,\"end\":3,\"label\":\"P\"},"
                       "{\"start\":4,\"end\":8,\"label\":\"O\"}],"
                       "\"rel\":[{\"from\":0,\"to\":1,\"label\":\"w\"}]}";
    /* the result lists the spans the other way round: the relation follows them */
    near(score_of(&s, gold,
                  "{\"s\":[{\"start\":4,\"end\":8,\"label\":\"O\"},"
                  "{\"start\":0,\"end\":3,\"label\":\"P\"}],"
                  "\"rel\":[{\"from\":1,\"to\":0,\"label\":\"w\"}]}"),
         1);
    /* spans and relation exact: (1 + 1)/2, reversed relation: span F1 1, relation 0 */
    near(score_of(&s, gold,
                  "{\"s\":[{\"start\":4,\"end\":8,\"label\":\"O\"},"
                  "{\"start\":0,\"end\":3,\"label\":\"P\"}],"
                  "\"rel\":[{\"from\":0,\"to\":1,\"label\":\"w\"}]}"),
         0.5);
    /* a span missed: its relation cannot be found */
    near(score_of(&s, gold,
                  "{\"s\":[{\"start\":0,\"end\":3,\"label\":\"P\"},"
                  "{\"start\":4,\"end\":7,\"label\":\"O\"}],"
                  "\"rel\":[{\"from\":0,\"to\":1,\"label\":\"w\"}]}"),
         0.25);
    tl_schema_release(&s);
}

/* Every field at once, scored against itself: 1. */
static void test_identical_result_scores_one(void **state) {
    struct tl_schema s;
    load_schema(EVERY_FIELD_SCHEMA, &s);
    const char *all =
        "{\"c\":\"y\",\"m\":[\"x\",\"y\"],\"t\":\"Some text\",\"n\":-3.5,\"r\":2,"
        "\"s\":[{\"start\":0,\"end\":3,\"label\":\"P\"},{\"start\":0,\"end\":3,\"label\":\"P\"}],"
        "\"rel\":[{\"from\":1,\"to\":0,\"label\":\"w\"}],"
        "\"bx\":[{\"x\":1,\"y\":2,\"width\":3,\"height\":4,\"rotation\":30,\"label\":\"P\"}],"
        "\"pg\":[{\"points\":[[0,0],[5,5],[0,5]],\"label\":\"P\"},"
        "{\"points\":[[0,0],[5,0],[10,0]],\"label\":\"P\"}],"
        "\"kp\":[{\"x\":1,\"y\":1,\"label\":\"P\"}],"
        "\"sg\":[{\"start\":1,\"end\":2,\"label\":\"P\"}],\"pw\":\"tie\",\"rk\":[\"b\",\"a\"],"
        "\"rb\":{\"q\":3}}";
    assert_int_equal(check_gold(&s, all, NULL), 0);
    near(score_of(&s, all, all), 1);
    tl_schema_release(&s);
}

static void test_text_sim_bounds(void **state) {
    /* long texts are compared on their first max code points */
    size_t n = 5000;
    char *a = malloc(n + 1), *b = malloc(n + 1);
    memset(a, 'a', n);
    memset(b, 'a', n);
    a[n] = b[n] = 0;
    b[n - 1] = 'b'; /* past the cap: unseen */
    near(tl_score_text_sim(a, n, b, n, TL_SCORE_TEXT_MAX), 1);
    b[0] = 'b';
    near(tl_score_text_sim(a, n, b, n, 10), 0.9);
    near(tl_score_text_sim("", 0, "abc", 3, 10), 0);
    near(tl_score_text_sim(" \t\n", 3, "", 0, 10), 1);
    free(a);
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_gold),
        cmocka_unit_test(test_scalar_scores),
        cmocka_unit_test(test_mean_and_per_field),
        cmocka_unit_test(test_region_scores),
        cmocka_unit_test(test_region_sim_values),
        cmocka_unit_test(test_relations),
        cmocka_unit_test(test_identical_result_scores_one),
        cmocka_unit_test(test_text_sim_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
