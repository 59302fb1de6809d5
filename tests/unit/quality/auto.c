/* Tests for src/quality/auto.c: the hierarchical model behaves like
 * Dawid-Skene where data is plentiful, shrinks sparse workers, and falls
 * back to the weighted vote when no confusion matrix is identifiable. */
#include <math.h>

#include "quality/testutil.h"

static void test_auto_on_synthetic(void **state) {
    enum { TASKS = 4000, PER = 5, WORKERS = 400, K = 4 };
    double acc[WORKERS];
    uint32_t *truth = malloc(TASKS * sizeof *truth);
    assert_non_null(truth);
    struct tl_q_labels L;
    /* 50 labels a worker: sparse for a 4x4 confusion matrix. */
    tq_synthetic(&L, TASKS, PER, WORKERS, K, 23, acc, truth);
    struct tl_q_result au, ds, mv;
    tl_q_result_init(&au);
    tl_q_result_init(&ds);
    tl_q_result_init(&mv);
    assert_int_equal(tl_q_auto(&L, NULL, &au), 0);
    assert_int_equal(tl_q_ds(&L, NULL, &ds), 0);
    assert_int_equal(tl_q_mv(&L, NULL, &mv), 0);
    tq_assert_sane(&au);
    /* Workers differ in how good they are, not in what they confuse: the
     * held-out likelihood prefers the skill prior. */
    assert_non_null(strstr(au.detail, "skill prior"));
    assert_int_equal(au.method, TL_Q_AUTO);
    size_t ok_au = 0, ok_ds = 0, ok_mv = 0;
    double err_au = 0, err_ds = 0;
    for (size_t t = 0; t < TASKS; t++) {
        ok_au += au.label[t] == truth[t];
        ok_ds += ds.label[t] == truth[t];
        ok_mv += mv.label[t] == truth[t];
    }
    for (size_t w = 0; w < WORKERS; w++) {
        err_au += fabs(au.skill[w] - acc[w]);
        err_ds += fabs(ds.skill[w] - acc[w]);
    }
    print_message("%s\n", au.detail);
    print_message("auto %zu, ds %zu, mv %zu of %d; mean skill error auto %.4f, ds %.4f\n", ok_au,
                  ok_ds, ok_mv, TASKS, err_au / WORKERS, err_ds / WORKERS);
    assert_true(ok_au > ok_mv);
    assert_true(ok_au + TASKS / 200 >= ok_ds); /* within half a point of DS or better */
    assert_true(err_au < err_ds);              /* shrinkage estimates sparse workers better */
    tl_q_result_release(&au);
    tl_q_result_release(&ds);
    tl_q_result_release(&mv);
    tl_q_labels_release(&L);
    free(truth);
}

static void test_auto_falls_back_with_many_classes(void **state) {
    /* 30 classes, 40 labels: fewer labels than a 30x30 matrix has cells. */
    char csv[4096];
    size_t pos = (size_t)snprintf(csv, sizeof csv, "task,worker,label\n");
    for (int t = 0; t < 10; t++)
        for (int w = 0; w < 4; w++)
            pos += (size_t)snprintf(csv + pos, sizeof csv - pos, "t%d,w%d,%d\n", t, w,
                                    (t * 3 + (w == 3 ? 1 : 0)) % 30);
    struct tl_q_labels L;
    tq_labels(&L, csv);
    struct tl_q_result au, wmv;
    tl_q_result_init(&au);
    tl_q_result_init(&wmv);
    assert_int_equal(tl_q_auto(&L, NULL, &au), 0);
    assert_int_equal(tl_q_wmv(&L, NULL, &wmv), 0);
    assert_non_null(strstr(au.detail, "weighted vote"));
    assert_int_equal(au.method, TL_Q_AUTO);
    assert_memory_equal(au.label, wmv.label, L.n_tasks * sizeof *au.label);
    tl_q_result_release(&au);
    tl_q_result_release(&wmv);
    tl_q_labels_release(&L);
}

/* Workers that always flip a binary answer are read, not outvoted: t11 and
 * t12 carry one honest label against two flipped ones. */
static void test_auto_reads_adversarial_workers(void **state) {
    struct tl_q_labels L;
    struct tl_q_result r;
    tq_labels(&L, "task,worker,label\n"
                  "t01,w1,a\nt01,w2,a\nt01,w3,a\nt01,w4,b\nt01,w5,b\n"
                  "t02,w1,b\nt02,w2,b\nt02,w3,b\nt02,w4,a\nt02,w5,a\n"
                  "t03,w1,a\nt03,w2,a\nt03,w3,a\nt03,w4,b\nt03,w5,b\n"
                  "t04,w1,b\nt04,w2,b\nt04,w3,b\nt04,w4,a\nt04,w5,a\n"
                  "t05,w1,a\nt05,w2,a\nt05,w3,a\nt05,w4,b\nt05,w5,b\n"
                  "t06,w1,b\nt06,w2,b\nt06,w3,b\nt06,w4,a\nt06,w5,a\n"
                  "t07,w1,a\nt07,w2,a\nt07,w3,a\nt07,w4,b\nt07,w5,b\n"
                  "t08,w1,b\nt08,w2,b\nt08,w3,b\nt08,w4,a\nt08,w5,a\n"
                  "t11,w1,a\nt11,w4,b\nt11,w5,b\n"
                  "t12,w1,b\nt12,w4,a\nt12,w5,a\n");
    tl_q_result_init(&r);
    assert_int_equal(tl_q_auto(&L, NULL, &r), 0);
    tq_assert_sane(&r);
    assert_int_equal(r.label[tq_task(&L, "t11")], tq_class(&L, "a"));
    assert_int_equal(r.label[tq_task(&L, "t12")], tq_class(&L, "b"));
    assert_true(r.skill[tq_worker(&L, "w4")] < 0.2);
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
}

static void test_thread_independence(void **state) {
    double acc[300];
    struct tl_q_labels L;
    tq_synthetic(&L, 5000, 6, 300, 3, 19, acc, NULL);
    tq_assert_thread_independent(TL_Q_AUTO, &L);
    tl_q_labels_release(&L);
}

static void test_degenerate(void **state) {
    tq_degenerate_suite(TL_Q_AUTO);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auto_on_synthetic),
        cmocka_unit_test(test_auto_falls_back_with_many_classes),
        cmocka_unit_test(test_auto_reads_adversarial_workers),
        cmocka_unit_test(test_thread_independence),
        cmocka_unit_test(test_degenerate),
    };
    return cmocka_run_group_tests_name("quality/auto", tests, NULL, NULL);
}
