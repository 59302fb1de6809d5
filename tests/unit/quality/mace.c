/* Tests for src/quality/mace.c: spammers, seeds, determinism and degenerate
 * inputs. */
#include "quality/testutil.h"

/* w1..w3 answer the truth; w4 says "a" to everything (a spammer). On t9 only
 * w1 and w4 answered and disagree: MACE trusts w1. */
static const char *const spam = "task,worker,label\n"
                                "t1,w1,a\nt1,w2,a\nt1,w3,a\nt1,w4,a\n"
                                "t2,w1,b\nt2,w2,b\nt2,w3,b\nt2,w4,a\n"
                                "t3,w1,c\nt3,w2,c\nt3,w3,c\nt3,w4,a\n"
                                "t4,w1,b\nt4,w2,b\nt4,w3,b\nt4,w4,a\n"
                                "t5,w1,c\nt5,w2,c\nt5,w3,c\nt5,w4,a\n"
                                "t6,w1,b\nt6,w2,b\nt6,w3,b\nt6,w4,a\n"
                                "t7,w1,c\nt7,w2,c\nt7,w3,c\nt7,w4,a\n"
                                "t8,w1,a\nt8,w2,a\nt8,w3,a\nt8,w4,a\n"
                                "t9,w1,b\nt9,w4,a\n";

static void test_mace_finds_spammer(void **state) {
    struct tl_q_labels L;
    struct tl_q_result r;
    tq_labels(&L, spam);
    tl_q_result_init(&r);
    assert_int_equal(tl_q_mace(&L, NULL, &r), 0);
    tq_assert_sane(&r);
    assert_true(r.skill[tq_worker(&L, "w4")] < 0.5);
    assert_true(r.skill[tq_worker(&L, "w1")] > 0.8);
    assert_int_equal(r.label[tq_task(&L, "t9")], tq_class(&L, "b"));
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
}

static void test_seed_and_threads(void **state) {
    double acc[200];
    struct tl_q_labels L;
    /* Large enough (with 10 restarts) for the restarts to run in parallel. */
    tq_synthetic(&L, 4000, 6, 200, 3, 17, acc, NULL);
    tq_assert_thread_independent(TL_Q_MACE, &L);
    struct tl_q_opts o;
    tl_q_opts_init(&o);
    struct tl_q_result a, b;
    tl_q_result_init(&a);
    tl_q_result_init(&b);
    o.seed = 5;
    assert_int_equal(tl_q_mace(&L, &o, &a), 0);
    assert_int_equal(tl_q_mace(&L, &o, &b), 0);
    tq_assert_same(&a, &b);
    tl_q_result_release(&a);
    tl_q_result_release(&b);
    tl_q_labels_release(&L);
}

static void test_degenerate(void **state) {
    tq_degenerate_suite(TL_Q_MACE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mace_finds_spammer),
        cmocka_unit_test(test_seed_and_threads),
        cmocka_unit_test(test_degenerate),
    };
    return cmocka_run_group_tests_name("quality/mace", tests, NULL, NULL);
}
