/* Tests for src/quality/glad.c: abilities and difficulties, the ability
 * floor of the guarded fit, gold, determinism and degenerate inputs. */
#include "quality/symmetric.h"
#include "quality/testutil.h"

static void test_glad_orders_workers(void **state) {
    enum { TASKS = 3000, PER = 7, WORKERS = 30, K = 3 };
    double acc[WORKERS];
    uint32_t truth[TASKS];
    struct tl_q_labels L;
    tq_synthetic(&L, TASKS, PER, WORKERS, K, 3, acc, truth);
    struct tl_q_result g, mv;
    tl_q_result_init(&g);
    tl_q_result_init(&mv);
    assert_int_equal(tl_q_glad(&L, NULL, &g), 0);
    assert_int_equal(tl_q_mv(&L, NULL, &mv), 0);
    tq_assert_sane(&g);
    /* Concordant pairs: a better worker gets the higher ability. */
    size_t concordant = 0, pairs = 0;
    for (size_t i = 0; i < WORKERS; i++)
        for (size_t j = i + 1; j < WORKERS; j++) {
            if (acc[i] - acc[j] < 0.05 && acc[j] - acc[i] < 0.05)
                continue;
            pairs++;
            concordant += (acc[i] > acc[j]) == (g.skill[i] > g.skill[j]);
        }
    assert_true(concordant >= pairs * 95 / 100);
    size_t ok_g = 0, ok_mv = 0;
    for (size_t t = 0; t < TASKS; t++) {
        ok_g += g.label[t] == truth[t];
        ok_mv += mv.label[t] == truth[t];
    }
    assert_true(ok_g > ok_mv);
    tl_q_result_release(&g);
    tl_q_result_release(&mv);
    tl_q_labels_release(&L);
}

static void test_glad_ability_floor(void **state) {
    /* w3 always disagrees with w1 and w2: the guarded fit treats it as
     * uninformative (ability 0, skill 1/2), never as a reliable liar (the
     * free fit may; symmetric.c chooses between them). */
    struct tl_q_labels L;
    struct tl_q_result r;
    tq_labels(&L, "task,worker,label\n"
                  "t1,w1,a\nt1,w2,a\nt1,w3,b\n"
                  "t2,w1,b\nt2,w2,b\nt2,w3,a\n"
                  "t3,w1,a\nt3,w2,a\nt3,w3,b\n"
                  "t4,w3,a\n");
    tl_q_result_init(&r);
    assert_int_equal(tl_q_glad_fit(&L, NULL, false, &r), 0);
    assert_float_equal(r.skill[tq_worker(&L, "w3")], 0.5, 1e-12);
    assert_true(r.skill[tq_worker(&L, "w1")] > 0.7);
    /* t4's only label carries no evidence: the posterior stays uniform. */
    assert_float_equal(r.confidence[tq_task(&L, "t4")], 0.5, 1e-9);
    tq_assert_sane(&r);
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
}

static void test_thread_independence(void **state) {
    double acc[300];
    struct tl_q_labels L;
    tq_synthetic(&L, 5000, 6, 300, 3, 13, acc, NULL);
    tq_assert_thread_independent(TL_Q_GLAD, &L);
    tl_q_labels_release(&L);
}

static void test_degenerate(void **state) {
    tq_degenerate_suite(TL_Q_GLAD);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glad_orders_workers),
        cmocka_unit_test(test_glad_ability_floor),
        cmocka_unit_test(test_thread_independence),
        cmocka_unit_test(test_degenerate),
    };
    return cmocka_run_group_tests_name("quality/glad", tests, NULL, NULL);
}
