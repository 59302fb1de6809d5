/* Tests for src/quality/agreement.c: the published values in
 * $TALLY_TESTDATA/agreement/expected.json to 1e-6, small cases by hand, and
 * the undefined cases. */
#include <jansson.h>
#include <math.h>

#include "quality/agreement.h"
#include "quality/testutil.h"

static void load_file(struct tl_q_labels *L, const char *dir, const char *file) {
    char rel[512];
    size_t len;
    snprintf(rel, sizeof rel, "agreement/%s", file);
    char *text = tq_read(dir, rel, &len);
    struct tl_errbuf eb = {{0}};
    tl_q_labels_init(L);
    assert_int_equal(tl_q_labels_parse_csv(L, rel, text, len, NULL, NULL, 0, &eb), 0);
    free(text);
}

/* Compute the statistic named by an expected.json key ("alpha nominal",
 * "fleiss", "cohen linear", ...). */
static double compute(const struct tl_q_labels *L, const char *key) {
    struct tl_errbuf eb = {{0}};
    double v = NAN;
    int rc;
    if (!strcmp(key, "alpha nominal"))
        rc = tl_q_alpha(L, TL_Q_NOMINAL, &v, &eb);
    else if (!strcmp(key, "alpha ordinal"))
        rc = tl_q_alpha(L, TL_Q_ORDINAL, &v, &eb);
    else if (!strcmp(key, "alpha interval"))
        rc = tl_q_alpha(L, TL_Q_INTERVAL, &v, &eb);
    else if (!strcmp(key, "alpha ratio"))
        rc = tl_q_alpha(L, TL_Q_RATIO, &v, &eb);
    else if (!strcmp(key, "fleiss"))
        rc = tl_q_fleiss(L, &v, &eb);
    else if (!strcmp(key, "cohen"))
        rc = tl_q_cohen(L, TL_Q_WEIGHTS_NONE, &v, &eb);
    else if (!strcmp(key, "cohen linear"))
        rc = tl_q_cohen(L, TL_Q_WEIGHTS_LINEAR, &v, &eb);
    else if (!strcmp(key, "cohen quadratic"))
        rc = tl_q_cohen(L, TL_Q_WEIGHTS_QUADRATIC, &v, &eb);
    else if (!strcmp(key, "percent"))
        rc = tl_q_percent(L, &v, &eb);
    else
        fail_msg("unknown metric '%s' in expected.json", key);
    if (rc)
        print_error("%s: %s\n", key, eb.msg);
    assert_int_equal(rc, 0);
    return v;
}

static void test_published_values(void **state) {
    const char *dir = tq_data_dir();
    if (!dir) {
        skip();
        return;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/agreement/expected.json", dir);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root)
        fail_msg("%s: %s", path, jerr.text);
    assert_true(json_is_object(root));
    const char *file;
    json_t *metrics;
    int checked = 0;
    json_object_foreach(root, file, metrics) {
        struct tl_q_labels L;
        load_file(&L, dir, file);
        const char *key;
        json_t *want;
        json_object_foreach(metrics, key, want) {
            assert_true(json_is_number(want));
            double got = compute(&L, key), expected = json_number_value(want);
            print_message("%-40s %-16s %.6f (published %.6f)\n", file, key, got, expected);
            assert_true(fabs(got - expected) <= 1e-6);
            checked++;
        }
        tl_q_labels_release(&L);
    }
    assert_true(checked >= 8);
    json_decref(root);
}

/* Two raters, four tasks: agree on 3 of 4. */
static void test_by_hand(void **state) {
    struct tl_q_labels L;
    tq_labels(&L, "task,worker,label\n"
                  "1,a,x\n1,b,x\n"
                  "2,a,x\n2,b,y\n"
                  "3,a,y\n3,b,y\n"
                  "4,a,y\n4,b,y\n"
                  "5,a,x\n"); /* one label: ignored by every metric */
    double v;
    assert_int_equal(tl_q_percent(&L, &v, NULL), 0);
    assert_float_equal(v, 0.75, 1e-12);
    /* Cohen: po = .75, rater a: x 2 y 2, b: x 1 y 3 -> pe = .5*.25 + .5*.75 = .5 */
    assert_int_equal(tl_q_cohen(&L, TL_Q_WEIGHTS_NONE, &v, NULL), 0);
    assert_float_equal(v, 0.5, 1e-12);
    /* Fleiss: P_i = 1,0,1,1 -> .75; p_x = 3/8, p_y = 5/8 -> Pe = 34/64 */
    assert_int_equal(tl_q_fleiss(&L, &v, NULL), 0);
    assert_float_equal(v, (0.75 - 34.0 / 64) / (1 - 34.0 / 64), 1e-12);
    /* Alpha nominal: n = 8, D_o = 2 / 8 mismatched pairs..., 1 - 7 * 2 / (64 - 34) */
    assert_int_equal(tl_q_alpha(&L, TL_Q_NOMINAL, &v, NULL), 0);
    assert_float_equal(v, 1 - 7.0 * 2 / (64 - 34), 1e-12);
    tl_q_labels_release(&L);
}

static void test_undefined(void **state) {
    struct tl_q_labels L;
    struct tl_errbuf eb = {{0}};
    double v;
    /* One value everywhere. */
    tq_labels(&L, "task,worker,label\n1,a,x\n1,b,x\n2,a,x\n2,b,x\n");
    assert_int_equal(tl_q_alpha(&L, TL_Q_NOMINAL, &v, &eb), TL_EUNPROC);
    assert_non_null(strstr(eb.msg, "same value"));
    assert_int_equal(tl_q_fleiss(&L, &v, &eb), TL_EUNPROC);
    assert_int_equal(tl_q_cohen(&L, TL_Q_WEIGHTS_NONE, &v, &eb), TL_EUNPROC);
    assert_int_equal(tl_q_percent(&L, &v, &eb), 0);
    assert_float_equal(v, 1.0, 1e-12);
    tl_q_labels_release(&L);
    /* No task with two labels. */
    tq_labels(&L, "task,worker,label\n1,a,x\n2,b,y\n");
    assert_int_equal(tl_q_alpha(&L, TL_Q_NOMINAL, &v, &eb), TL_EUNPROC);
    assert_int_equal(tl_q_fleiss(&L, &v, &eb), TL_EUNPROC);
    assert_int_equal(tl_q_percent(&L, &v, &eb), TL_EUNPROC);
    assert_int_equal(tl_q_cohen(&L, TL_Q_WEIGHTS_NONE, &v, &eb), TL_EUNPROC);
    tl_q_labels_release(&L);
    /* Three raters for Cohen; words on an interval scale. */
    tq_labels(&L, "task,worker,label\n1,a,x\n1,b,y\n1,c,x\n");
    assert_int_equal(tl_q_cohen(&L, TL_Q_WEIGHTS_NONE, &v, &eb), TL_EUNPROC);
    assert_non_null(strstr(eb.msg, "exactly two"));
    assert_int_equal(tl_q_alpha(&L, TL_Q_INTERVAL, &v, &eb), TL_EUNPROC);
    assert_non_null(strstr(eb.msg, "numeric"));
    tl_q_labels_release(&L);
    /* Negative values on a ratio scale. */
    tq_labels(&L, "task,worker,label\n1,a,-1\n1,b,2\n");
    assert_int_equal(tl_q_alpha(&L, TL_Q_RATIO, &v, &eb), TL_EUNPROC);
    tl_q_labels_release(&L);
}

/* Ordinal alpha depends only on the order of values, interval on distances. */
static void test_levels(void **state) {
    struct tl_q_labels a, b;
    tq_labels(&a, "task,worker,label\n1,a,1\n1,b,2\n2,a,3\n2,b,3\n3,a,2\n3,b,1\n4,a,1\n4,b,3\n");
    tq_labels(&b, "task,worker,label\n1,a,1\n1,b,2\n2,a,30\n2,b,30\n3,a,2\n3,b,1\n4,a,1\n4,b,30\n");
    double va, vb;
    assert_int_equal(tl_q_alpha(&a, TL_Q_ORDINAL, &va, NULL), 0);
    assert_int_equal(tl_q_alpha(&b, TL_Q_ORDINAL, &vb, NULL), 0);
    assert_float_equal(va, vb, 1e-12);
    assert_int_equal(tl_q_alpha(&a, TL_Q_INTERVAL, &va, NULL), 0);
    assert_int_equal(tl_q_alpha(&b, TL_Q_INTERVAL, &vb, NULL), 0);
    assert_true(fabs(va - vb) > 1e-3);
    tl_q_labels_release(&a);
    tl_q_labels_release(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_values),
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_undefined),
        cmocka_unit_test(test_levels),
    };
    return cmocka_run_group_tests_name("quality/agreement", tests, NULL, NULL);
}
