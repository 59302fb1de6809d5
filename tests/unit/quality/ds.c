/* Tests for src/quality/ds.c (Dawid-Skene and one-coin) and the shared EM
 * machinery in em.c: small cases, an adversarial worker, the recovery of
 * known worker accuracies, determinism and degenerate inputs. */
#include <math.h>

#include "quality/em.h"
#include "quality/rng.h"
#include "quality/testutil.h"

/* Ten tasks, truth a/b alternating. w1..w3 are always right, w4 and w5 always
 * flip; t11 and t12 are labelled only by w1, w4 and w5: the vote follows the
 * two flippers, Dawid-Skene has learned to read them. */
static const char *const flippers = "task,worker,label\n"
                                    "t01,w1,a\nt01,w2,a\nt01,w3,a\nt01,w4,b\nt01,w5,b\n"
                                    "t02,w1,b\nt02,w2,b\nt02,w3,b\nt02,w4,a\nt02,w5,a\n"
                                    "t03,w1,a\nt03,w2,a\nt03,w3,a\nt03,w4,b\nt03,w5,b\n"
                                    "t04,w1,b\nt04,w2,b\nt04,w3,b\nt04,w4,a\nt04,w5,a\n"
                                    "t05,w1,a\nt05,w2,a\nt05,w3,a\nt05,w4,b\nt05,w5,b\n"
                                    "t06,w1,b\nt06,w2,b\nt06,w3,b\nt06,w4,a\nt06,w5,a\n"
                                    "t07,w1,a\nt07,w2,a\nt07,w3,a\nt07,w4,b\nt07,w5,b\n"
                                    "t08,w1,b\nt08,w2,b\nt08,w3,b\nt08,w4,a\nt08,w5,a\n"
                                    "t09,w1,a\nt09,w2,a\nt09,w3,a\nt09,w4,b\nt09,w5,b\n"
                                    "t10,w1,b\nt10,w2,b\nt10,w3,b\nt10,w4,a\nt10,w5,a\n"
                                    "t11,w1,a\nt11,w4,b\nt11,w5,b\n"
                                    "t12,w1,b\nt12,w4,a\nt12,w5,a\n";

static void test_ds_reads_adversarial_workers(void **state) {
    struct tl_q_labels L;
    struct tl_q_result mv, ds;
    tq_labels(&L, flippers);
    tl_q_result_init(&mv);
    tl_q_result_init(&ds);
    assert_int_equal(tl_q_mv(&L, NULL, &mv), 0);
    assert_int_equal(tl_q_ds(&L, NULL, &ds), 0);
    uint32_t a = tq_class(&L, "a"), b = tq_class(&L, "b");
    uint32_t t11 = tq_task(&L, "t11"), t12 = tq_task(&L, "t12");
    assert_int_equal(mv.label[t11], b);
    assert_int_equal(ds.label[t11], a);
    assert_int_equal(ds.label[t12], b);
    assert_true(ds.confidence[t11] > 0.99);
    /* The flippers' confusion matrices are anti-diagonal, their skill ~0. */
    uint32_t w4 = tq_worker(&L, "w4");
    assert_true(ds.confusion[(w4 * 2 + a) * 2 + b] > 0.99);
    assert_true(ds.skill[w4] < 0.01);
    assert_true(ds.skill[tq_worker(&L, "w1")] > 0.99);
    assert_true(ds.converged);
    tq_assert_sane(&ds);
    /* One-coin cannot flip a worker: it floors accuracy at chance. */
    struct tl_q_result oc;
    tl_q_result_init(&oc);
    assert_int_equal(tl_q_onecoin(&L, NULL, &oc), 0);
    assert_float_equal(oc.skill[w4], 0.5, 1e-9);
    assert_int_equal(oc.label[t11], a); /* w1 is right everywhere, w4/w5 carry nothing */
    tq_assert_sane(&oc);
    tl_q_result_release(&oc);
    tl_q_result_release(&mv);
    tl_q_result_release(&ds);
    tl_q_labels_release(&L);
}

static void test_ds_gold_estimates_workers(void **state) {
    /* Two workers who always disagree: only gold can say who is right. */
    struct tl_q_labels L;
    struct tl_q_result r;
    tq_labels_gold(&L,
                   "task,worker,label\n"
                   "t1,w1,a\nt1,w2,b\nt2,w1,b\nt2,w2,a\nt3,w1,a\nt3,w2,b\nt4,w1,b\nt4,w2,a\n",
                   "task,label\nt1,a\nt2,b\n");
    tl_q_result_init(&r);
    assert_int_equal(tl_q_ds(&L, NULL, &r), 0);
    assert_int_equal(r.label[tq_task(&L, "t3")], tq_class(&L, "a"));
    assert_int_equal(r.label[tq_task(&L, "t4")], tq_class(&L, "b"));
    assert_true(r.skill[tq_worker(&L, "w1")] > 0.9);
    assert_true(r.skill[tq_worker(&L, "w2")] < 0.1);
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
}

/* The property test of issue 3: on synthetic data with known worker
 * accuracies, Dawid-Skene recovers each within 0.02. 20 workers with ~10,000
 * labels each keep the sampling error of the truth itself near 0.005. */
static void test_ds_recovers_known_accuracies(void **state) {
    enum { TASKS = 20000, PER = 10, WORKERS = 20, K = 4 };
    double acc[WORKERS];
    uint32_t *truth = malloc(TASKS * sizeof *truth);
    assert_non_null(truth);
    struct tl_q_labels L;
    tq_synthetic(&L, TASKS, PER, WORKERS, K, 7, acc, truth);
    struct tl_q_result ds, mv;
    tl_q_result_init(&ds);
    tl_q_result_init(&mv);
    assert_int_equal(tl_q_ds(&L, NULL, &ds), 0);
    assert_int_equal(tl_q_mv(&L, NULL, &mv), 0);
    double worst = 0;
    for (size_t w = 0; w < WORKERS; w++) {
        double d = fabs(ds.skill[w] - acc[w]);
        worst = d > worst ? d : worst;
    }
    print_message("ds: worst worker accuracy error %.4f\n", worst);
    assert_true(worst <= 0.02);
    size_t ok_ds = 0, ok_mv = 0;
    for (size_t t = 0; t < TASKS; t++) {
        ok_ds += ds.label[t] == truth[t];
        ok_mv += mv.label[t] == truth[t];
    }
    assert_true(ok_ds > ok_mv);
    tq_assert_sane(&ds);
    tl_q_result_release(&ds);
    tl_q_result_release(&mv);
    tl_q_labels_release(&L);
    free(truth);
}

static void test_thread_independence(void **state) {
    double acc[300];
    struct tl_q_labels L;
    /* Enough tasks for several reduction blocks. */
    tq_synthetic(&L, 5000, 6, 300, 3, 11, acc, NULL);
    tq_assert_thread_independent(TL_Q_DS, &L);
    tq_assert_thread_independent(TL_Q_ONECOIN, &L);
    tl_q_labels_release(&L);
}

static void test_degenerate(void **state) {
    tq_degenerate_suite(TL_Q_DS);
    tq_degenerate_suite(TL_Q_ONECOIN);
}

static void test_iteration_limit(void **state) {
    double acc[50];
    struct tl_q_labels L;
    tq_synthetic(&L, 500, 5, 50, 3, 5, acc, NULL);
    struct tl_q_opts o;
    tl_q_opts_init(&o);
    o.max_iter = 2;
    o.tol = 0;
    struct tl_q_result r;
    tl_q_result_init(&r);
    assert_int_equal(tl_q_ds(&L, &o, &r), 0);
    assert_int_equal(r.iterations, 2);
    assert_false(r.converged);
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
}

/* em.c's fast paths (expected counts in task order, chunk by chunk; the
 * E-step as a product of probabilities) give what the plain paths give
 * (counts by worker; the E-step in the log domain), whatever the number of
 * threads; the tables are drawn so low that a share of the tasks' products
 * underflow, which the linear E-step must hand back to the log domain. */
static void test_em_fast_paths_match_plain(void **state) {
    enum { TASKS = 4000, PER = 5, WORKERS = 40, K = 3 };
    double acc[WORKERS];
    struct tl_q_labels L;
    tq_synthetic(&L, TASKS, PER, WORKERS, K, 11, acc, NULL);
    struct tl_q_opts o;
    tl_q_opts_init(&o);
    struct tl_q_em fast, one, plain;
    o.threads = 2;
    assert_int_equal(tl_q_em_init(&fast, &L, &o), 0);
    assert_int_equal(tl_q_em_init(&plain, &L, &o), 0);
    o.threads = 1;
    assert_int_equal(tl_q_em_init(&one, &L, &o), 0);
    assert_true(fast.nchunks > 1 && fast.linc); /* this size takes the fast paths */
    free(plain.chunk_counts);
    free(plain.linc);
    free(plain.lin_prior);
    plain.chunk_counts = plain.linc = plain.lin_prior = NULL;
    plain.nchunks = 0;

    struct tl_q_em *all[] = {&fast, &one, &plain};
    size_t cells = (size_t)WORKERS * K * K;
    for (size_t i = 0; i < 3; i++) {
        tl_q_em_init_votes(all[i]);
        tl_q_em_counts(all[i]);
    }
    for (size_t j = 0; j < cells; j++) {
        assert_true(fast.counts[j] == one.counts[j]); /* chunks fixed by the data */
        assert_float_equal(fast.counts[j], plain.counts[j], 1e-9);
    }
    for (size_t k = 0; k < K; k++)
        assert_float_equal(fast.class_mass[k], plain.class_mass[k], 1e-9);

    /* Tables of log-probabilities down to -300 a label: a task of five
     * labels can fall far below the smallest double. */
    struct tl_q_rng rng;
    tl_q_rng_seed(&rng, 5, 1);
    for (size_t j = 0; j < cells; j++) {
        double v = -300 * tl_q_rng_unit(&rng);
        for (size_t i = 0; i < 3; i++)
            all[i]->logc[j] = v;
    }
    for (size_t i = 0; i < 3; i++)
        for (size_t k = 0; k < K; k++)
            all[i]->log_prior[k] = log(1.0 / K);
    size_t underflow = 0;
    for (size_t t = 0; t < TASKS; t++) {
        double best = -HUGE_VAL;
        for (size_t k = 0; k < K; k++) {
            double x = fast.log_prior[k];
            for (size_t i = L.task_off[t]; i < L.task_off[t + 1]; i++)
                x += fast.logc[((size_t)L.by_task_worker[i] * K + L.by_task_class[i]) * K + k];
            best = x > best ? x : best;
        }
        underflow += best < -745; /* exp() of it is 0 */
    }
    print_message("em: %zu of %d tasks underflow as products\n", underflow, TASKS);
    assert_true(underflow > TASKS / 20 && underflow < TASKS);
    double ll_fast = tl_q_em_estep(&fast), ll_one = tl_q_em_estep(&one);
    double ll_plain = tl_q_em_estep(&plain);
    assert_true(ll_fast == ll_one);
    assert_float_equal(ll_fast, ll_plain, 1e-9 * fabs(ll_plain));
    for (size_t j = 0; j < (size_t)TASKS * K; j++) {
        assert_true(isfinite(fast.post[j]));
        assert_float_equal(fast.post[j], plain.post[j], 1e-9);
    }
    for (size_t i = 0; i < 3; i++)
        tl_q_em_release(all[i]);
    tl_q_labels_release(&L);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ds_reads_adversarial_workers),
        cmocka_unit_test(test_ds_gold_estimates_workers),
        cmocka_unit_test(test_ds_recovers_known_accuracies),
        cmocka_unit_test(test_thread_independence),
        cmocka_unit_test(test_em_fast_paths_match_plain),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_iteration_limit),
    };
    return cmocka_run_group_tests_name("quality/ds", tests, NULL, NULL);
}
