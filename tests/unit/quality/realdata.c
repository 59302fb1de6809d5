/* Real-data accuracy of every truth-inference method on every dataset in
 * $TALLY_TESTDATA/crowd, against the reference library's accuracies in
 * $TALLY_TESTDATA/README.md (Toloka crowd-kit, default settings):
 *   - each method >= the reference for that method minus the README's margin
 *     (0.5 points, 2.5 on adult where one task is 0.3 points);
 *   - auto within 0.5 points of the best method on every dataset (emotion
 *     included, its numeric labels read as classes), and not below the
 *     reference's best minus the margin.
 * Skips, with a message, when the data folder is absent. */
#include "quality/testutil.h"

#define NONE (-1.0) /* no reference value */

struct dataset {
    const char *name;
    double margin;
    /* reference accuracy per method: mv, wmv (Wawa), ds, onecoin, glad, mace */
    double ref[TL_Q_METHOD_COUNT];
};

/* Indexed by enum tl_q_method; auto has no reference column. */
static const struct dataset sets[] = {
    {"duck", 0.005, {NONE, .7593, .7593, .8889, .5833, .7222, .8056}},
    {"product", 0.005, {NONE, .8966, .8966, .9397, .9084, .9286, .9290}},
    {"sentiment", 0.005, {NONE, .9320, .9510, .9600, .9490, .9480, .9500}},
    {"dog", 0.005, {NONE, .8178, .8290, .8426, .8302, .8340, .8302}},
    {"face", 0.005, {NONE, .6301, .6301, .6404, .6113, .6301, .6353}},
    {"relevance", 0.005, {NONE, .5372, NONE, .6143, .1935, .5641, .5121}},
    {"adult", 0.025, {NONE, .7598, NONE, .7688, .7177, NONE, NONE}},
    {"emotion", 0.005, {NONE, NONE, NONE, NONE, NONE, NONE, NONE}},
};

static void test_dataset(void **state) {
    const struct dataset *d = *state;
    const char *dir = tq_data_dir();
    if (!dir) {
        skip();
        return;
    }
    struct tq_crowd c;
    tq_crowd_load(&c, dir, d->name);
    double acc[TL_Q_METHOD_COUNT], best = 0, ref_best = 0;
    char line[512];
    size_t pos = (size_t)snprintf(line, sizeof line, "%-10s", d->name);
    struct tl_q_opts o;
    tl_q_opts_init(&o);
    for (int m = 0; m < TL_Q_METHOD_COUNT; m++) {
        struct tl_q_result r;
        tl_q_result_init(&r);
        assert_int_equal(tl_q_infer((enum tl_q_method)m, &c.L, &o, &r), 0);
        tq_assert_sane(&r);
        acc[m] = tq_accuracy(&c, &r);
        pos += (size_t)snprintf(line + pos, sizeof line - pos, " %s %.4f",
                                tl_q_method_name((enum tl_q_method)m), acc[m]);
        if (m != TL_Q_AUTO && acc[m] > best)
            best = acc[m];
        if (d->ref[m] > ref_best)
            ref_best = d->ref[m];
        tl_q_result_release(&r);
    }
    print_message("%s\n", line);
    for (int m = 0; m < TL_Q_METHOD_COUNT; m++) {
        if (d->ref[m] == NONE)
            continue;
        if (acc[m] < d->ref[m] - d->margin)
            print_error("%s %s: %.4f < reference %.4f - %.3f\n", d->name,
                        tl_q_method_name((enum tl_q_method)m), acc[m], d->ref[m], d->margin);
        assert_true(acc[m] >= d->ref[m] - d->margin);
    }
    if (acc[TL_Q_AUTO] < best - 0.005)
        print_error("%s auto: %.4f more than 0.5 points below the best method's %.4f\n", d->name,
                    acc[TL_Q_AUTO], best);
    assert_true(acc[TL_Q_AUTO] >= best - 0.005);
    assert_true(acc[TL_Q_AUTO] >= ref_best - d->margin);
    tq_crowd_release(&c);
}

/* The duplicate rows the README counts are found and dropped. */
static void test_duplicates_dropped(void **state) {
    const char *dir = tq_data_dir();
    if (!dir) {
        skip();
        return;
    }
    struct tq_crowd c;
    tq_crowd_load(&c, dir, "relevance");
    assert_int_equal(c.L.n_dropped, 1570);
    tq_crowd_release(&c);
    tq_crowd_load(&c, dir, "adult");
    assert_int_equal(c.L.n_dropped, 2922);
    assert_int_equal(c.n_truth, 333);
    tq_crowd_release(&c);
}

int main(void) {
    struct CMUnitTest tests[sizeof sets / sizeof *sets + 1];
    size_t n = 0;
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++) {
        tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(test_dataset, (void *)&sets[i]);
        tests[n].name = sets[i].name;
        n++;
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_duplicates_dropped);
    return _cmocka_run_group_tests("quality/realdata", tests, n, NULL, NULL);
}
