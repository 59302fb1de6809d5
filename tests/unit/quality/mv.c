/* Tests for src/quality/mv.c and wmv.c: majority and weighted majority vote,
 * checked by hand. */
#include "quality/testutil.h"

static const char *const small = "task,worker,label\n"
                                 "t1,w1,a\n"
                                 "t1,w2,a\n"
                                 "t1,w3,b\n"
                                 "t2,w1,b\n"
                                 "t2,w2,a\n"
                                 "t3,w3,b\n";

static void test_mv_by_hand(void **state) {
    struct tl_q_labels L;
    struct tl_q_result r;
    tq_labels(&L, small);
    tl_q_result_init(&r);
    assert_int_equal(tl_q_mv(&L, NULL, &r), 0);
    uint32_t a = tq_class(&L, "a"), b = tq_class(&L, "b");
    assert_int_equal(r.label[0], a);
    assert_float_equal(r.confidence[0], 2.0 / 3, 1e-12);
    /* t2 is a tie: the first class in class order wins. */
    assert_int_equal(r.label[1], a);
    assert_float_equal(r.confidence[1], 0.5, 1e-12);
    assert_int_equal(r.label[2], b);
    assert_float_equal(r.confidence[2], 1.0, 1e-12);
    /* Skill: agreement with the vote. */
    assert_float_equal(r.skill[tq_worker(&L, "w1")], 0.5, 1e-12);
    assert_float_equal(r.skill[tq_worker(&L, "w2")], 1.0, 1e-12);
    assert_float_equal(r.skill[tq_worker(&L, "w3")], 0.5, 1e-12);
    assert_int_equal(r.method, TL_Q_MV);
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
}

static void test_mv_gold(void **state) {
    struct tl_q_labels L;
    struct tl_q_result r;
    tq_labels_gold(&L, small, "task,label\nt2,b\n");
    tl_q_result_init(&r);
    assert_int_equal(tl_q_mv(&L, NULL, &r), 0);
    assert_int_equal(r.label[1], tq_class(&L, "b"));
    assert_float_equal(r.confidence[1], 1.0, 1e-12);
    assert_float_equal(r.skill[tq_worker(&L, "w1")], 1.0, 1e-12);
    assert_float_equal(r.skill[tq_worker(&L, "w2")], 0.5, 1e-12);
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
}

static void test_wmv_wawa(void **state) {
    struct tl_q_labels L;
    struct tl_q_result r;
    tq_labels(&L, small);
    tl_q_result_init(&r);
    assert_int_equal(tl_q_wmv(&L, NULL, &r), 0);
    /* weights = agreement with MV: w1 .5, w2 1, w3 .5 */
    assert_int_equal(r.label[0], tq_class(&L, "a"));
    assert_float_equal(r.confidence[0], 1.5 / 2.0, 1e-12);
    assert_int_equal(r.label[1], tq_class(&L, "a"));
    assert_float_equal(r.confidence[1], 1.0 / 1.5, 1e-12);
    assert_float_equal(r.skill[tq_worker(&L, "w2")], 1.0, 1e-12);
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
}

static void test_wmv_gold_weights(void **state) {
    struct tl_q_labels L;
    struct tl_q_result r;
    tq_labels_gold(&L, small, "task,label\nt2,b\n");
    tl_q_result_init(&r);
    assert_int_equal(tl_q_wmv(&L, NULL, &r), 0);
    /* w1 right on gold: (1+1)/(1+2); w2 wrong: 1/3; w3 no gold: agreement .5 */
    assert_float_equal(r.skill[tq_worker(&L, "w1")], 2.0 / 3, 1e-12);
    assert_float_equal(r.skill[tq_worker(&L, "w2")], 1.0 / 3, 1e-12);
    assert_float_equal(r.skill[tq_worker(&L, "w3")], 0.5, 1e-12);
    assert_int_equal(r.label[0], tq_class(&L, "a"));
    assert_float_equal(r.confidence[0], 1.0 / 1.5, 1e-12);
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
}

static void test_wmv_prior_run_weights(void **state) {
    struct tl_q_labels L;
    struct tl_q_result r;
    tq_labels(&L, small);
    tl_q_result_init(&r);
    struct tl_q_opts o;
    tl_q_opts_init(&o);
    double weight[3] = {0};
    weight[tq_worker(&L, "w3")] = 1.0; /* only w3 counts */
    o.worker_weight = weight;
    assert_int_equal(tl_q_wmv(&L, &o, &r), 0);
    assert_int_equal(r.label[0], tq_class(&L, "b"));
    assert_float_equal(r.confidence[0], 1.0, 1e-12);
    /* t2 has no weighted vote at all: uniform, first class. */
    assert_float_equal(r.confidence[1], 0.5, 1e-12);
    tq_assert_sane(&r);
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
}

static void test_degenerate(void **state) {
    tq_degenerate_suite(TL_Q_MV);
    tq_degenerate_suite(TL_Q_WMV);
}

static void test_method_names(void **state) {
    enum tl_q_method m;
    for (int i = 0; i < TL_Q_METHOD_COUNT; i++) {
        assert_int_equal(tl_q_method_parse(tl_q_method_name((enum tl_q_method)i), &m), 0);
        assert_int_equal(m, i);
    }
    assert_int_equal(tl_q_method_parse("majority", &m), TL_EINVAL);
    assert_null(tl_q_method_name(TL_Q_METHOD_COUNT));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mv_by_hand),
        cmocka_unit_test(test_mv_gold),
        cmocka_unit_test(test_wmv_wawa),
        cmocka_unit_test(test_wmv_gold_weights),
        cmocka_unit_test(test_wmv_prior_run_weights),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_method_names),
    };
    return cmocka_run_group_tests_name("quality/mv", tests, NULL, NULL);
}
