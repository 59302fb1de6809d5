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

/* Sorting renumbers by name (or by value, ties by name) and keeps every
 * name findable; a table already in order (interned in sorted order) comes
 * back as it was, the identity map, whatever path it takes. */
static void test_strtab_sort(void **state) {
    static const char *const shuffled[] = {"c", "a", "d", "b"};
    static const char *const ordered[] = {"a", "b", "c", "d"};
    const char *const *sets[] = {shuffled, ordered};
    for (int set = 0; set < 2; set++) {
        struct tl_q_strtab t;
        tl_q_strtab_init(&t);
        uint32_t id;
        for (int i = 0; i < 4; i++)
            assert_int_equal(tl_q_strtab_intern(&t, sets[set][i], 1, &id), 0);
        uint32_t *map = NULL;
        assert_int_equal(tl_q_strtab_sort(&t, NULL, &map, NULL), 0);
        for (uint32_t i = 0; i < 4; i++) {
            assert_string_equal(tl_q_strtab_name(&t, i), ordered[i]);
            assert_string_equal(tl_q_strtab_name(&t, map[i]), sets[set][i]);
            assert_int_equal(tl_q_strtab_find(&t, ordered[i], 1, &id), 0);
            assert_int_equal(id, i);
        }
        free(map);
        /* by value: d (1) < c (2) = b (2) < a (3), ties by name */
        double values[4];
        for (uint32_t i = 0; i < 4; i++) {
            const char *nm = tl_q_strtab_name(&t, i);
            values[i] = nm[0] == 'd' ? 1 : nm[0] == 'a' ? 3 : 2;
        }
        double *sv = NULL;
        assert_int_equal(tl_q_strtab_sort(&t, values, &map, &sv), 0);
        static const char *const by_value[] = {"d", "b", "c", "a"};
        for (uint32_t i = 0; i < 4; i++) {
            assert_string_equal(tl_q_strtab_name(&t, i), by_value[i]);
            assert_int_equal(tl_q_strtab_find(&t, by_value[i], 1, &id), 0);
            assert_int_equal(id, i);
        }
        assert_true(sv[0] == 1 && sv[1] == 2 && sv[2] == 2 && sv[3] == 3);
        free(map);
        free(sv);
        tl_q_strtab_release(&t);
    }
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

/* A labels file large enough to be read in two halves (> 4 MiB): 300,000
 * rows over 20,011 tasks and 997 workers, line ending eol. With quote_first,
 * the first data row's task is quoted, which makes the loader read the file
 * in one pass: the two must agree exactly. */
static char *big_labels(const char *eol, bool quote_first, size_t *len) {
    size_t cap = 300000 * 32 + 64, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    n += (size_t)snprintf(t + n, cap - n, "task,worker,label%s", eol);
    for (unsigned i = 0; i < 300000; i++) {
        unsigned task = (i * 7919u) % 20011u, worker = (i * 104729u) % 997u;
        const char *q = quote_first && i == 0 ? "\"" : "";
        n += (size_t)snprintf(t + n, cap - n, "%st%05u%s,w%03u,c%u%s", q, task, q, worker,
                              (task + worker / 3) % 4, eol);
    }
    /* Repeat the first row's task and worker in the second half with
     * another label: the first in file order must win. */
    n += (size_t)snprintf(t + n, cap - n, "t%05u,w%03u,other%s", 0u, 0u, eol);
    *len = n;
    return t;
}

static void assert_same_labels(const struct tl_q_labels *a, const struct tl_q_labels *b) {
    assert_int_equal(a->n_tasks, b->n_tasks);
    assert_int_equal(a->n_workers, b->n_workers);
    assert_int_equal(a->n_classes, b->n_classes);
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->n_dropped, b->n_dropped);
    assert_memory_equal(a->task_off, b->task_off, (a->n_tasks + 1) * sizeof *a->task_off);
    assert_memory_equal(a->by_task_worker, b->by_task_worker, a->n * sizeof *a->by_task_worker);
    assert_memory_equal(a->by_task_class, b->by_task_class, a->n * sizeof *a->by_task_class);
    assert_memory_equal(a->by_worker_task, b->by_worker_task, a->n * sizeof *a->by_worker_task);
    for (uint32_t k = 0; k < a->n_classes; k++)
        assert_string_equal(tl_q_class_name(a, k), tl_q_class_name(b, k));
}

static void test_split_load_equals_one_pass(void **state) {
    static const char *const eols[] = {"\n", "\r\n"};
    for (int e = 0; e < 2; e++) {
        size_t len_split, len_one;
        char *split = big_labels(eols[e], false, &len_split);
        char *one = big_labels(eols[e], true, &len_one);
        assert_true(len_split > (4u << 20));
        struct tl_q_labels a, b;
        struct tl_errbuf eb = {{0}};
        tl_q_labels_init(&a);
        tl_q_labels_init(&b);
        assert_int_equal(tl_q_labels_parse_csv(&a, "x", split, len_split, NULL, NULL, 0, &eb), 0);
        assert_int_equal(tl_q_labels_parse_csv(&b, "x", one, len_one, NULL, NULL, 0, &eb), 0);
        assert_same_labels(&a, &b);
        assert_int_equal(a.n_dropped, 1);
        /* The kept label of (t00000, w000) is the first one, not "other". */
        uint32_t t0 = 0, w0 = 0;
        assert_int_equal(tl_q_strtab_find(&a.tasks, "t00000", 6, &t0), 0);
        assert_int_equal(tl_q_strtab_find(&a.workers, "w000", 4, &w0), 0);
        for (uint32_t i = a.task_off[t0]; i < a.task_off[t0 + 1]; i++)
            if (a.by_task_worker[i] == w0)
                assert_string_not_equal(tl_q_class_name(&a, a.by_task_class[i]), "other");
        tl_q_labels_release(&a);
        tl_q_labels_release(&b);
        free(split);
        free(one);
    }
}

/* Replace the row on line `line` (1-based; header is line 1) with a ragged
 * one, in place (the row keeps its length: padding goes into the label). */
static void break_line(char *t, size_t len, size_t line) {
    size_t at = 0;
    for (size_t l = 1; l < line; l++) {
        char *nl = memchr(t + at, '\n', len - at);
        assert_non_null(nl);
        at = (size_t)(nl - t) + 1;
    }
    char *comma = memchr(t + at, ',', len - at);
    assert_non_null(comma);
    *comma = ';'; /* two fields instead of three */
}

static void test_split_load_reports_first_error(void **state) {
    static const char *const eols[] = {"\n", "\r\n"};
    for (int e = 0; e < 2; e++) {
        size_t len;
        struct tl_errbuf eb = {{0}};
        struct tl_q_labels L;
        /* Only in the second half: its own line number. */
        char *t = big_labels(eols[e], false, &len);
        break_line(t, len, 250001);
        tl_q_labels_init(&L);
        assert_int_equal(tl_q_labels_parse_csv(&L, "x", t, len, NULL, NULL, 0, &eb), TL_EINVAL);
        assert_non_null(strstr(eb.msg, "x:250001: row has 2 fields"));
        tl_q_labels_release(&L);
        /* In both halves: the first in file order. */
        break_line(t, len, 12345);
        tl_q_labels_init(&L);
        assert_int_equal(tl_q_labels_parse_csv(&L, "x", t, len, NULL, NULL, 0, &eb), TL_EINVAL);
        assert_non_null(strstr(eb.msg, "x:12345: row has 2 fields"));
        tl_q_labels_release(&L);
        free(t);
    }
}

/* Rows added by interned ids give the tables adding them by name gives,
 * duplicates included; an id not interned is refused. */
static void test_add_ids_equals_add(void **state) {
    static const char *const rows[][3] = {{"t2", "wb", "10"}, {"t10", "wa", "9"},
                                          {"t1", "wb", "9"},  {"t2", "wa", "-1"},
                                          {"t2", "wb", "9"},  {"t1", "wa", "10"}};
    struct tl_q_labels A, B;
    tl_q_labels_init(&A);
    tl_q_labels_init(&B);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(tl_q_labels_add(&A, rows[i][0], strlen(rows[i][0]), rows[i][1],
                                         strlen(rows[i][1]), rows[i][2], strlen(rows[i][2])),
                         0);
        uint32_t id[3];
        assert_int_equal(tl_q_strtab_intern(&B.tasks, rows[i][0], strlen(rows[i][0]), &id[0]), 0);
        assert_int_equal(tl_q_strtab_intern(&B.workers, rows[i][1], strlen(rows[i][1]), &id[1]),
                         0);
        assert_int_equal(tl_q_strtab_intern(&B.classes, rows[i][2], strlen(rows[i][2]), &id[2]),
                         0);
        assert_int_equal(tl_q_labels_add_ids(&B, id[0], id[1], id[2]), 0);
    }
    assert_int_equal(tl_q_labels_add_ids(&B, 0, 0, 99), TL_EINVAL);
    assert_int_equal(tl_q_labels_add_ids(&B, 99, 0, 0), TL_EINVAL);
    assert_int_equal(tl_q_labels_finish(&A), 0);
    assert_int_equal(tl_q_labels_finish(&B), 0);
    assert_int_equal(A.n, B.n);
    assert_int_equal(A.n_dropped, 1);
    assert_int_equal(B.n_dropped, 1);
    assert_int_equal(A.n_tasks, B.n_tasks);
    assert_int_equal(A.n_workers, B.n_workers);
    assert_int_equal(A.n_classes, B.n_classes);
    assert_memory_equal(A.task_off, B.task_off, (A.n_tasks + 1) * sizeof *A.task_off);
    assert_memory_equal(A.by_task_worker, B.by_task_worker, A.n * sizeof *A.by_task_worker);
    assert_memory_equal(A.by_task_class, B.by_task_class, A.n * sizeof *A.by_task_class);
    assert_memory_equal(A.by_worker_task, B.by_worker_task, A.n * sizeof *A.by_worker_task);
    assert_int_equal(tl_q_labels_add_ids(&B, 0, 0, 0), TL_EINVAL); /* after finish */
    tl_q_labels_release(&A);
    tl_q_labels_release(&B);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strtab),
        cmocka_unit_test(test_strtab_sort),
        cmocka_unit_test(test_order_and_groups),
        cmocka_unit_test(test_duplicates_keep_first),
        cmocka_unit_test(test_add_ids_equals_add),
        cmocka_unit_test(test_gold),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_csv_extra_columns_and_quotes),
        cmocka_unit_test(test_split_load_equals_one_pass),
        cmocka_unit_test(test_split_load_reports_first_error),
    };
    return cmocka_run_group_tests_name("quality/labels", tests, NULL, NULL);
}
