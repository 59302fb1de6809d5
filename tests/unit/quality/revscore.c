/* Tests for src/quality/revscore.c: reviewers scored against each other
 * (pairs of reviews of one task) and against gold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "quality/revscore.h"

static void schema(struct tl_schema *s) {
    json_t *j = json_loads("{\"fields\":[{\"name\":\"c\",\"type\":\"choice\",\"options\":"
                           "[\"x\",\"y\"]},{\"name\":\"t\",\"type\":\"text\"}]}",
                           0, NULL);
    struct tl_errbuf eb;
    assert_int_equal(tl_schema_parse(j, s, &eb), 0);
    json_decref(j);
}

static void test_same_choices_ignores_other_fields(void **state) {
    struct tl_schema s;
    schema(&s);
    json_t *a = json_loads("{\"c\":\"x\",\"t\":\"one\"}", 0, NULL);
    json_t *b = json_loads("{\"c\":\"x\",\"t\":\"two\"}", 0, NULL);
    json_t *c = json_loads("{\"c\":\"y\",\"t\":\"one\"}", 0, NULL);
    json_t *d = json_loads("{\"t\":\"one\"}", 0, NULL);
    assert_true(tl_q_review_same_choices(&s, a, b));
    assert_false(tl_q_review_same_choices(&s, a, c));
    assert_false(tl_q_review_same_choices(&s, a, d));
    assert_true(tl_q_review_same_choices(&s, d, d));
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
    tl_schema_release(&s);
}

static void test_pairs_and_gold(void **state) {
    struct tl_schema s;
    schema(&s);
    json_t *x = json_loads("{\"c\":\"x\"}", 0, NULL), *y = json_loads("{\"c\":\"y\"}", 0, NULL);
    /* reviewer 0 reviews tasks 1..4; reviewer 1 gives second opinions on
     * 1 (same accept), 2 (reject vs accept), 3 (both correct to x), 4
     * (corrections x vs y); reviewer 0 also twice on 5 (no pair with
     * itself). Gold: task 1 right (1.0), task 2 wrong (0.2) for reviewer 0. */
    struct tl_q_review v[] = {
        {4, 0, TL_Q_REVIEW_CORRECT, x, -1},  {1, 1, TL_Q_REVIEW_ACCEPT, NULL, -1},
        {1, 0, TL_Q_REVIEW_ACCEPT, NULL, 1}, {2, 0, TL_Q_REVIEW_ACCEPT, NULL, 0.2},
        {2, 1, TL_Q_REVIEW_REJECT, NULL, -1}, {3, 0, TL_Q_REVIEW_CORRECT, x, -1},
        {3, 1, TL_Q_REVIEW_CORRECT, x, -1},  {4, 1, TL_Q_REVIEW_CORRECT, y, 0.995},
        {5, 0, TL_Q_REVIEW_ACCEPT, NULL, -1}, {5, 0, TL_Q_REVIEW_ACCEPT, NULL, -1},
    };
    struct tl_q_reviewer_score out[2];
    assert_int_equal(tl_q_review_scores(&s, v, 10, out, 2), 0);
    assert_int_equal(out[0].n_reviews, 6);
    assert_int_equal(out[1].n_reviews, 4);
    assert_int_equal(out[0].n_pairs, 4);
    assert_int_equal(out[1].n_pairs, 4);
    assert_int_equal(out[0].n_agree, 2); /* tasks 1 and 3 */
    assert_int_equal(out[1].n_agree, 2);
    assert_int_equal(out[0].n_gold, 2);
    assert_int_equal(out[0].n_gold_right, 1);
    assert_int_equal(out[1].n_gold, 1);
    assert_int_equal(out[1].n_gold_right, 1); /* 0.995 >= TL_Q_REVIEW_GOLD_RIGHT */
    assert_int_equal(tl_q_review_scores(&s, v, 10, out, 1), TL_EINVAL);
    json_decref(x);
    json_decref(y);
    tl_schema_release(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_choices_ignores_other_fields),
        cmocka_unit_test(test_pairs_and_gold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
