/* Tests for src/quality/detect.c and minhash.c: the special functions
 * against known values, and each rule on a synthetic crowd with one
 * planted cheater of each kind among honest workers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "quality/detect.h"
#include "quality/minhash.h"
#include "quality/rng.h"

static void test_beta(void **state) {
    /* I_0.5(2, 3) = 11/16; Beta(1,1) is uniform; Beta(6,1) quantile p^(1/6). */
    assert_true(fabs(tl_q_beta_cdf(0.5, 2, 3) - 11.0 / 16) < 1e-12);
    assert_true(fabs(tl_q_beta_cdf(0.3, 1, 1) - 0.3) < 1e-12);
    assert_true(fabs(tl_q_beta_quantile(0.05, 6, 1) - pow(0.05, 1.0 / 6)) < 1e-8);
    /* symmetric branch: I_0.9(3, 2) = 1 - I_0.1(2, 3) */
    assert_true(fabs(tl_q_beta_cdf(0.9, 3, 2) - (1 - tl_q_beta_cdf(0.1, 2, 3))) < 1e-12);
    /* P(X >= 3), X ~ Bin(4, 0.5) = 5/16 */
    assert_true(fabs(tl_q_binom_tail(3, 4, 0.5) - 5.0 / 16) < 1e-12);
    assert_true(tl_q_binom_tail(0, 4, 0.5) == 1);
    assert_true(tl_q_binom_tail(5, 4, 0.5) == 0);
}

static void test_minhash(void **state) {
    const char *a = "the quick brown fox jumps over the lazy dog near the river bank today";
    const char *b = "The quick brown fox jumps over the lazy dog near the river bank today!";
    const char *c = "an entirely different sentence about cats sleeping on warm windowsills";
    struct tl_q_minhash ha, hb, hc, he;
    tl_q_minhash(a, strlen(a), &ha);
    tl_q_minhash(b, strlen(b), &hb);
    tl_q_minhash(c, strlen(c), &hc);
    tl_q_minhash("  ,, ", 5, &he);
    assert_true(tl_q_minhash_similarity(&ha, &hb) == 1.0);
    assert_true(tl_q_minhash_similarity(&ha, &hc) < 0.2);
    assert_true(he.is_empty);
    assert_true(tl_q_minhash_similarity(&ha, &he) == 0);
}

enum { N_TASKS = 300, K = 4, N_HONEST = 30, PER_TASK = 8 };
enum { SPAM = N_HONEST, CONST_W, SPEED, COL_A, COL_B, COPIER, N_WORKERS };

static const char *const words[] = {"red", "blue", "tall", "dog", "cat", "runs", "jumps", "near",
                                    "tree", "house", "small", "bright", "over", "under", "fast",
                                    "slow"};

static uint32_t draw(struct tl_q_rng *r, uint32_t n) {
    return (uint32_t)(tl_q_rng_next(r) % n);
}

static char texts[N_TASKS * (PER_TASK + 4)][160];

/* Each task gets PER_TASK honest labels (acc 0.8) plus one of each cheater
 * on a share of tasks. Every fifth task is gold. */
static size_t build(struct tl_q_snap_label *L, int32_t *truth, int32_t *gold) {
    struct tl_q_rng r;
    tl_q_rng_seed(&r, 42, 0);
    size_t n = 0;
    for (uint32_t t = 0; t < N_TASKS; t++) {
        truth[t] = (int32_t)draw(&r, K);
        gold[t] = t % 5 == 0 ? truth[t] : -1;
        int32_t col = (int32_t)draw(&r, K); /* the colluders' shared answer */
        uint32_t start = draw(&r, N_HONEST);
        size_t first_text = n;
        for (uint32_t j = 0; j < PER_TASK + 6; j++) {
            uint32_t w = j < PER_TASK ? (start + j) % N_HONEST : SPAM + (j - PER_TASK);
            if (w >= N_HONEST && draw(&r, 3) == 0)
                continue; /* cheaters label two thirds of the tasks */
            int32_t ch = draw(&r, 10) < 8 ? truth[t] : (int32_t)draw(&r, K);
            double sec = 20 * exp(0.5 * ((double)draw(&r, 1000) / 500 - 1));
            if (w == SPAM)
                ch = (int32_t)draw(&r, K);
            if (w == CONST_W)
                ch = 2;
            if (w == SPEED)
                sec = 0.5;
            if (w == COL_A || w == COL_B)
                ch = gold[t] >= 0 ? (gold[t] + 1) % K : col;
            char *tx = texts[n];
            tx[0] = 0;
            if (w == COPIER && n > first_text && L[first_text].text) {
                snprintf(tx, sizeof texts[0], "%s", L[first_text].text);
            } else {
                for (int k = 0; k < 12; k++) {
                    strcat(tx, words[draw(&r, 16)]);
                    strcat(tx, " ");
                }
            }
            L[n] = (struct tl_q_snap_label){.worker = w, .task = t, .choice = ch, .seconds = sec,
                                            .gold_score = gold[t] >= 0 ? ch == gold[t] : -1,
                                            .text = tx, .text_len = strlen(tx),
                                            .created_at_ms = (int64_t)n};
            n++;
        }
    }
    return n;
}

static bool flagged(const struct tl_q_detect_result *res, enum tl_q_rule rule, uint32_t w) {
    for (size_t i = 0; i < res->n_flags; i++)
        if (res->flags[i].rule == rule && res->flags[i].worker == w)
            return true;
    return false;
}

static void test_planted(void **state) {
    static struct tl_q_snap_label L[N_TASKS * (PER_TASK + 6)];
    int32_t truth[N_TASKS], gold[N_TASKS];
    size_t n = build(L, truth, gold);
    struct tl_q_snapshot s = {.n_workers = N_WORKERS, .n_tasks = N_TASKS, .n_classes = K,
                              .labels = L, .n_labels = n, .gold_class = gold};
    struct tl_q_detect_opts o;
    tl_q_detect_opts_init(&o);
    o.gold_threshold = 0.3; /* well under the honest 0.85, over chance 0.25 */
    struct tl_q_detect_result res;
    assert_int_equal(tl_q_detect(&s, &o, &res), 0);
    assert_true(flagged(&res, TL_Q_RULE_GOLD, SPAM));
    assert_true(flagged(&res, TL_Q_RULE_RANDOM, SPAM));
    assert_true(flagged(&res, TL_Q_RULE_CONSTANT, CONST_W));
    assert_true(flagged(&res, TL_Q_RULE_SPEED, SPEED));
    assert_true(flagged(&res, TL_Q_RULE_COLLUSION, COL_A));
    assert_true(flagged(&res, TL_Q_RULE_COLLUSION, COL_B));
    assert_true(flagged(&res, TL_Q_RULE_COPIED_TEXT, COPIER));
    for (size_t i = 0; i < res.n_flags; i++) {
        if (res.flags[i].worker < N_HONEST)
            print_message("honest %u flagged by %s n=%lld k=%lld v=%g ref=%g p=%g\n",
                          res.flags[i].worker, tl_q_rule_name(res.flags[i].rule),
                          (long long)res.flags[i].n, (long long)res.flags[i].k,
                          res.flags[i].value, res.flags[i].reference, res.flags[i].p_value);
        assert_true(res.flags[i].worker >= N_HONEST);
    }
    /* the speeder answers like the honest: only speed flags them */
    assert_false(flagged(&res, TL_Q_RULE_RANDOM, SPEED));
    assert_true(res.workers[0].gold_answered > 0 && res.workers[0].agreement > 0.6);
    assert_true(res.workers[SPAM].spam > 0.5);
    assert_true(fabs(res.workers[SPEED].median_seconds - 0.5) < 1e-9);
    tl_q_detect_result_release(&res);
}

static void test_bad_index(void **state) {
    struct tl_q_snap_label l = {.worker = 3, .task = 0, .choice = 0, .gold_score = -1};
    struct tl_q_snapshot s = {.n_workers = 2, .n_tasks = 1, .n_classes = 2, .labels = &l,
                              .n_labels = 1};
    struct tl_q_detect_result res;
    assert_int_equal(tl_q_detect(&s, NULL, &res), TL_EINVAL);
    s.n_workers = 4;
    assert_int_equal(tl_q_detect(&s, NULL, &res), 0);
    assert_int_equal(res.n_flags, 0);
    tl_q_detect_result_release(&res);
    s.n_labels = 0;
    assert_int_equal(tl_q_detect(&s, NULL, &res), 0);
    tl_q_detect_result_release(&res);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_beta),
        cmocka_unit_test(test_minhash),
        cmocka_unit_test(test_planted),
        cmocka_unit_test(test_bad_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
