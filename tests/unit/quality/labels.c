/* Tests for src/quality/labels.c: interning, ordering, de-duplication, the
 * two groupings, gold, and the CSV loader's errors. */
#include "quality/testutil.h"

static void test_strtab(void **state) {
    struct tl_q_strtab t;
    tl_q_strtab_init(&t);
    uint32_t id;
    char name[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(name, sizeof name, "name-%d", i);
        assert_int_equal(tl_q_strtab_intern(&t, name, (size_t)n, &id), 0);
        assert_int_equal(id, i);
    }
    assert_int_equal(tl_q_strtab_intern(&t, "name-42", 7, &id), 0);
    assert_int_equal(id, 42);
    assert_int_equal(tl_q_strtab_find(&t, "name-4999", 9, &id), 0);
    assert_int_equal(id, 4999);
    assert_int_equal(tl_q_strtab_find(&t, "name-5000", 9, &id), TL_ENOTFOUND);
    assert_string_equal(tl_q_strtab_name(&t, 7), "name-7");
    /* Names are bytes: an embedded NUL is part of the name. */
    assert_int_equal(tl_q_strtab_intern(&t, "a\0b", 3, &id), 0);
    assert_int_equal(tl_q_strtab_find(&t, "a", 1, &id), TL_ENOTFOUND);
    tl_q_strtab_release(&t);
}

static void test_order_and_groups(void **state) {
    struct tl_q_labels L;
    tq_labels(&L, "task,worker,label\n"
                  "t2,wb,10\n"
                  "t10,wa,9\n"
                  "t1,wb,9\n"
                  "t2,wa,-1\n"
                  "t1,wa,10\n");
    /* Tasks and workers in byte order, numeric classes in numeric order. */
    assert_int_equal(L.n_tasks, 3);
    assert_string_equal(tl_q_task_name(&L, 0), "t1");
    assert_string_equal(tl_q_task_name(&L, 1), "t10");
    assert_string_equal(tl_q_task_name(&L, 2), "t2");
    assert_string_equal(tl_q_worker_name(&L, 0), "wa");
    assert_true(L.classes_numeric);
    assert_string_equal(tl_q_class_name(&L, 0), "-1");
    assert_string_equal(tl_q_class_name(&L, 1), "9");
    assert_string_equal(tl_q_class_name(&L, 2), "10");
    assert_true(L.class_value[2] == 10);
    /* By task: labels in input order (t1: wb then wa). */
    assert_int_equal(L.task_off[1] - L.task_off[0], 2);
    assert_int_equal(L.by_task_worker[0], tq_worker(&L, "wb"));
    assert_int_equal(L.by_task_class[0], tq_class(&L, "9"));
    /* By worker: tasks ascending. */
    uint32_t wa = tq_worker(&L, "wa");
    assert_int_equal(L.worker_off[wa + 1] - L.worker_off[wa], 3);
    assert_int_equal(L.by_worker_task[L.worker_off[wa]], 0);
    assert_int_equal(L.by_worker_task[L.worker_off[wa] + 2], 2);
    tl_q_labels_release(&L);

    /* Mixed names sort as bytes. */
    tq_labels(&L, "task,worker,label\nt,w,b\nt,v,10\nt,u,a\n");
    assert_false(L.classes_numeric);
    assert_null(L.class_value);
    assert_string_equal(tl_q_class_name(&L, 0), "10");
    assert_string_equal(tl_q_class_name(&L, 1), "a");
    tl_q_labels_release(&L);
}

static void test_duplicates_keep_first(void **state) {
    struct tl_q_labels L;
    tq_labels(&L, "task,worker,label\r\n"
                  "t1,w1,a\r\n"
                  "t1,w1,b\r\n"
                  "t1,w2,b\r\n"
                  "t2,w1,b\r\n"
                  "t1,w1,a\r\n");
    assert_int_equal(L.n, 3);
    assert_int_equal(L.n_dropped, 2);
    uint32_t t1 = tq_task(&L, "t1");
    assert_int_equal(L.task_off[t1 + 1] - L.task_off[t1], 2);
    assert_int_equal(L.by_task_worker[L.task_off[t1]], tq_worker(&L, "w1"));
    assert_int_equal(L.by_task_class[L.task_off[t1]], tq_class(&L, "a"));
    tl_q_labels_release(&L);
}

static void test_gold(void **state) {
    struct tl_q_labels L;
    tq_labels_gold(&L, "task,worker,label\nt1,w1,a\nt2,w1,a\nt2,w2,a\n",
                   "task,label\nt2,b\nt2,a\nnope,a\n");
    /* Gold 'b' is a class though no worker gave it. */
    assert_int_equal(L.n_classes, 2);
    assert_non_null(L.gold);
    assert_int_equal(L.gold[tq_task(&L, "t1")], -1);
    assert_int_equal(L.gold[tq_task(&L, "t2")], (int32_t)tq_class(&L, "b"));
    assert_int_equal(L.n_gold, 1);
    assert_int_equal(L.n_gold_dropped, 2); /* repeated t2, unknown task */
    tl_q_labels_release(&L);
}

/* Parse csv and expect failure rc with `needle` in the message. */
static void expect_error(const char *csv, int rc, const char *needle) {
    struct tl_q_labels L;
    struct tl_errbuf eb = {{0}};
    tl_q_labels_init(&L);
    int got = tl_q_labels_parse_csv(&L, "x.csv", csv, strlen(csv), NULL, NULL, 0, &eb);
    if (got != rc || !strstr(eb.msg, needle))
        print_error("got %d '%s', want %d '%s'\n", got, eb.msg, rc, needle);
    assert_int_equal(got, rc);
    assert_non_null(strstr(eb.msg, needle));
    tl_q_labels_release(&L);
}

static void test_csv_errors(void **state) {
    expect_error("", TL_EEMPTY, "x.csv: empty file");
    expect_error("task,worker,label\n", TL_EEMPTY, "no labels after the header");
    expect_error("task,worker\nt,w\n", TL_EINVAL, "x.csv:1: the header has 2 columns");
    expect_error("task,worker,label\nt1,w1,a\nt1,w2\n", TL_EINVAL,
                 "x.csv:3: row has 2 fields, the header has 3");
    expect_error("task,worker,label\nt1,w1,a,extra\n", TL_EINVAL, "x.csv:2: row has 4");
    expect_error("task,worker,label\nt1,,a\n", TL_EINVAL, "x.csv:2: empty task, worker");
    expect_error("task,worker,label\nt1,w1,\"a\n", TL_EINVAL, "quoted field not closed");
    /* No header: the first row's task and worker occur below. */
    expect_error("t1,w1,a\nt1,w2,b\nt2,w1,a\n", TL_EINVAL, "a header row is required");
}

static void test_csv_extra_columns_and_quotes(void **state) {
    struct tl_q_labels L;
    tq_labels(&L, "id,annotator,answer,comment\n"
                  "\"t,1\",w1,\"yes \"\"really\"\"\",\"multi\nline\"\n"
                  "\"t,1\",w2,no,\n");
    assert_int_equal(L.n, 2);
    assert_string_equal(tl_q_task_name(&L, 0), "t,1");
    tq_class(&L, "yes \"really\"");
    tl_q_labels_release(&L);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strtab),
        cmocka_unit_test(test_order_and_groups),
        cmocka_unit_test(test_duplicates_keep_first),
        cmocka_unit_test(test_gold),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_csv_extra_columns_and_quotes),
    };
    return cmocka_run_group_tests_name("quality/labels", tests, NULL, NULL);
}
