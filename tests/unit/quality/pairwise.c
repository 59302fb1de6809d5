/* Tests for src/quality/pairwise.c, bt.c: Bradley-Terry and Elo against the
 * human battles' reference ratings, closed-form small cases, bootstrap
 * determinism, and degenerate comparison graphs. */
#include <math.h>

#include "quality/pairwise.h"
#include "quality/testutil.h"

static void add(struct tl_q_battles *B, const char *a, const char *b, enum tl_q_outcome o,
                int times) {
    for (int i = 0; i < times; i++)
        assert_int_equal(tl_q_battles_add(B, a, strlen(a), b, strlen(b), o), 0);
}

static double score_of(const struct tl_q_battles *B, const struct tl_q_ratings *r,
                       const char *model) {
    uint32_t id;
    assert_int_equal(tl_q_strtab_find(&B->models, model, strlen(model), &id), 0);
    return r->score[id];
}

/* 3 wins to 1: P = 3/4, so the gap is 400 log10(3) Elo, centred on 1000. */
static void test_two_models_closed_form(void **state) {
    struct tl_q_battles B;
    tl_q_battles_init(&B);
    add(&B, "x", "y", TL_Q_A_WINS, 2);
    add(&B, "y", "x", TL_Q_B_WINS, 1);
    add(&B, "x", "y", TL_Q_B_WINS, 1);
    struct tl_q_rating_opts o;
    tl_q_rating_opts_init(&o);
    o.bootstrap = 0;
    struct tl_q_ratings r;
    tl_q_ratings_init(&r);
    assert_int_equal(tl_q_rate(&B, &o, &r), 0);
    double gap = 400 * log10(3.0);
    assert_float_equal(score_of(&B, &r, "x"), 1000 + gap / 2, 1e-3);
    assert_float_equal(score_of(&B, &r, "y"), 1000 - gap / 2, 1e-3);
    assert_true(r.ci_low[0] == r.score[0] && r.ci_high[0] == r.score[0]);
    /* Ties as half wins: 2 wins, 2 ties, 1 loss is 3:2. */
    add(&B, "x", "y", TL_Q_TIE, 2);
    assert_int_equal(tl_q_rate(&B, &o, &r), 0);
    gap = 400 * log10(4.0 / 2.0); /* wins 3 + 1 tie, losses 1 + 1 tie */
    assert_float_equal(score_of(&B, &r, "x") - score_of(&B, &r, "y"), gap, 1e-3);
    /* Davidson: p_tie = nu sqrt(pi_x pi_y) / D, so nu = t / sqrt(w_x w_y). */
    o.ties = TL_Q_TIES_DAVIDSON;
    assert_int_equal(tl_q_rate(&B, &o, &r), 0);
    assert_float_equal(r.tie_strength, 2 / sqrt(3.0 * 1.0), 1e-4);
    assert_float_equal(score_of(&B, &r, "x") - score_of(&B, &r, "y"), 400 * log10(3.0), 1e-3);
    tl_q_ratings_release(&r);
    tl_q_battles_release(&B);
}

/* A model that never loses and a pair of models that never met the others:
 * finite scores, no NaN, and the graph reported as disconnected. */
static void test_degenerate_graphs(void **state) {
    struct tl_q_battles B;
    tl_q_battles_init(&B);
    add(&B, "champ", "a", TL_Q_A_WINS, 5);
    add(&B, "a", "b", TL_Q_A_WINS, 3);
    add(&B, "b", "a", TL_Q_A_WINS, 2);
    add(&B, "island1", "island2", TL_Q_TIE, 1);
    add(&B, "same", "same", TL_Q_A_WINS, 1);
    assert_int_equal(B.n_self, 1);
    assert_false(tl_q_battles_connected(&B));
    struct tl_q_rating_opts o;
    tl_q_rating_opts_init(&o);
    o.bootstrap = 50;
    for (int ties = 0; ties < 2; ties++) {
        o.ties = ties ? TL_Q_TIES_DAVIDSON : TL_Q_TIES_HALF;
        struct tl_q_ratings r;
        tl_q_ratings_init(&r);
        assert_int_equal(tl_q_rate(&B, &o, &r), 0);
        for (size_t i = 0; i < r.n_models; i++) {
            assert_true(isfinite(r.score[i]) && isfinite(r.ci_low[i]) && isfinite(r.ci_high[i]));
            assert_true(r.ci_low[i] <= r.ci_high[i]);
        }
        assert_true(score_of(&B, &r, "champ") > score_of(&B, &r, "a"));
        tl_q_ratings_release(&r);
    }
    struct tl_q_battles E;
    tl_q_battles_init(&E);
    struct tl_q_ratings r;
    tl_q_ratings_init(&r);
    assert_int_equal(tl_q_rate(&E, &o, &r), TL_EEMPTY);
    tl_q_battles_release(&E);
    tl_q_battles_release(&B);
}

static void load_prd(struct tl_q_battles *B, const char *dir) {
    size_t len;
    char *text = tq_read(dir, "pairwise/prd_vicuna80_human_battles.csv", &len);
    struct tl_errbuf eb = {{0}};
    tl_q_battles_init(B);
    assert_int_equal(tl_q_battles_parse_csv(B, "prd", text, len, &eb), 0);
    free(text);
    assert_int_equal(B->n, 7040);
}

/* Bradley-Terry on the 7,040 human battles within 1 Elo point of
 * expected_bt_elo.csv; online Elo (K = 4, file order) within 0.01; the 95%
 * bootstrap interval (different random draws) within 15% of its width. */
static void test_human_battles(void **state) {
    const char *dir = tq_data_dir();
    if (!dir) {
        skip();
        return;
    }
    struct tl_q_battles B;
    load_prd(&B, dir);
    struct tl_q_rating_opts o;
    tl_q_rating_opts_init(&o);
    struct tl_q_ratings bt, elo;
    tl_q_ratings_init(&bt);
    tl_q_ratings_init(&elo);
    assert_int_equal(tl_q_rate(&B, &o, &bt), 0);
    o.method = TL_Q_ELO;
    o.bootstrap = 0;
    assert_int_equal(tl_q_rate(&B, &o, &elo), 0);

    size_t len;
    char *text = tq_read(dir, "pairwise/expected_bt_elo.csv", &len);
    struct tl_csv c;
    tl_csv_init(&c, text, len, 0);
    assert_int_equal(tl_csv_next(&c, NULL), 0);
    size_t rows = 0;
    while (!tl_csv_next(&c, NULL)) {
        assert_true(c.nfields >= 6);
        char model[64];
        snprintf(model, sizeof model, "%.*s", (int)c.fields[0].len, c.fields[0].ptr);
        double want[6];
        for (int i = 1; i < 6; i++)
            assert_int_equal(tl_csv_to_double(c.fields[i].ptr, c.fields[i].len, &want[i]), 0);
        uint32_t id;
        assert_int_equal(tl_q_strtab_find(&B.models, model, strlen(model), &id), 0);
        double width = want[4] - want[3];
        print_message("%-12s bt %8.2f (want %8.2f)  ci [%7.2f, %7.2f] (want [%7.2f, %7.2f])  "
                      "elo %8.2f (want %8.2f)\n",
                      model, bt.score[id], want[1], bt.ci_low[id], bt.ci_high[id], want[3], want[4],
                      elo.score[id], want[5]);
        assert_true(fabs(bt.score[id] - want[1]) <= 1.0);
        assert_true(fabs(bt.ci_low[id] - want[3]) <= 0.15 * width);
        assert_true(fabs(bt.ci_high[id] - want[4]) <= 0.15 * width);
        assert_true(fabs(elo.score[id] - want[5]) <= 0.01);
        rows++;
    }
    assert_int_equal(rows, 9);
    tl_csv_release(&c);
    free(text);
    tl_q_ratings_release(&bt);
    tl_q_ratings_release(&elo);
    tl_q_battles_release(&B);
}

/* The same seed gives the same intervals whatever the thread count; another
 * seed gives other intervals. */
static void test_bootstrap_determinism(void **state) {
    struct tl_q_battles B;
    tl_q_battles_init(&B);
    const char *models[] = {"m0", "m1", "m2", "m3", "m4"};
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
            if (i != j)
                add(&B, models[i], models[j],
                    (i + j) % 3 == 0 ? TL_Q_TIE
                    : i > j          ? TL_Q_A_WINS
                                     : TL_Q_B_WINS,
                    3 + i);
    struct tl_q_rating_opts o;
    tl_q_rating_opts_init(&o);
    o.bootstrap = 64;
    o.seed = 9;
    for (int method = 0; method < 2; method++) {
        o.method = method ? TL_Q_ELO : TL_Q_BT;
        struct tl_q_ratings r1, r3, other;
        tl_q_ratings_init(&r1);
        tl_q_ratings_init(&r3);
        tl_q_ratings_init(&other);
        o.threads = 1;
        assert_int_equal(tl_q_rate(&B, &o, &r1), 0);
        o.threads = 3;
        assert_int_equal(tl_q_rate(&B, &o, &r3), 0);
        assert_memory_equal(r1.ci_low, r3.ci_low, r1.n_models * sizeof(double));
        assert_memory_equal(r1.ci_high, r3.ci_high, r1.n_models * sizeof(double));
        o.seed = 10;
        assert_int_equal(tl_q_rate(&B, &o, &other), 0);
        o.seed = 9;
        assert_true(memcmp(r1.ci_low, other.ci_low, r1.n_models * sizeof(double)) != 0);
        tl_q_ratings_release(&r1);
        tl_q_ratings_release(&r3);
        tl_q_ratings_release(&other);
    }
    tl_q_battles_release(&B);
}

static void test_csv(void **state) {
    struct tl_q_battles B;
    struct tl_errbuf eb = {{0}};
    const char *ok = "id,winner,model_b,model_a\n1,tie,y,x\n2,model_a,y,x\n";
    tl_q_battles_init(&B);
    assert_int_equal(tl_q_battles_parse_csv(&B, "b.csv", ok, strlen(ok), &eb), 0);
    assert_int_equal(B.n, 2);
    assert_string_equal(tl_q_strtab_name(&B.models, B.a[1]), "x");
    assert_int_equal(B.outcome[1], TL_Q_A_WINS);
    tl_q_battles_release(&B);
    const char *bad[][2] = {
        {"", "empty file"},
        {"model_a,model_b,winner\n", "no battles"},
        {"a,b,c,d\nx,y,tie,1\n", "must name model_a"},
        {"model_a,model_b,winner\nx,y,draw\n", "b.csv:2: winner must be"},
        {"model_a,model_b,winner\nx,y\n", "b.csv:2: row has 2 fields"},
        {"x,y,tie\nx,z,model_a\n", "a header row"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tl_q_battles_init(&B);
        assert_int_not_equal(tl_q_battles_parse_csv(&B, "b.csv", bad[i][0], strlen(bad[i][0]), &eb),
                             0);
        if (!strstr(eb.msg, bad[i][1]))
            print_error("case %zu: '%s'\n", i, eb.msg);
        assert_non_null(strstr(eb.msg, bad[i][1]));
        tl_q_battles_release(&B);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_models_closed_form),
        cmocka_unit_test(test_degenerate_graphs),
        cmocka_unit_test(test_human_battles),
        cmocka_unit_test(test_bootstrap_determinism),
        cmocka_unit_test(test_csv),
    };
    return cmocka_run_group_tests_name("quality/pairwise", tests, NULL, NULL);
}
