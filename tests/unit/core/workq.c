/* Tests for src/core/workq.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <unistd.h>

#include "core/err.h"
#include "core/workq.h"

static atomic_int ran;

static void count(void *arg) {
    (void)arg;
    atomic_fetch_add(&ran, 1);
}

static void test_every_job_runs_once(void **state) {
    struct tl_workq *q;
    atomic_store(&ran, 0);
    assert_int_equal(tl_workq_new(3, 1000, &q), 0);
    for (int i = 0; i < 500; i++)
        assert_int_equal(tl_workq_submit(q, count, NULL), 0);
    tl_workq_free(q); /* drains before it stops */
    assert_int_equal(atomic_load(&ran), 500);
}

static atomic_int gate, started;

static void wait_gate(void *arg) {
    (void)arg;
    atomic_fetch_add(&started, 1);
    while (!atomic_load(&gate))
        usleep(1000);
    atomic_fetch_add(&ran, 1);
}

/* A full queue refuses at once instead of growing: the caller answers 503. */
static void test_full_queue_refuses(void **state) {
    struct tl_workq *q;
    atomic_store(&ran, 0);
    atomic_store(&gate, 0);
    atomic_store(&started, 0);
    assert_int_equal(tl_workq_new(1, 2, &q), 0);
    assert_int_equal(tl_workq_submit(q, wait_gate, NULL), 0);
    while (!atomic_load(&started)) /* the one thread holds the first job */
        usleep(1000);
    assert_int_equal(tl_workq_submit(q, wait_gate, NULL), 0);
    assert_int_equal(tl_workq_submit(q, wait_gate, NULL), 0);
    assert_int_equal(tl_workq_submit(q, wait_gate, NULL), TL_ELIMIT);
    atomic_store(&gate, 1);
    tl_workq_free(q);
    assert_int_equal(atomic_load(&ran), 3);
}

static void test_bad_sizes(void **state) {
    struct tl_workq *q;
    assert_int_equal(tl_workq_new(0, 10, &q), TL_EINVAL);
    assert_null(q);
    assert_int_equal(tl_workq_new(65, 10, &q), TL_EINVAL);
    assert_int_equal(tl_workq_new(1, 0, &q), TL_EINVAL);
    tl_workq_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_job_runs_once),
        cmocka_unit_test(test_full_queue_refuses),
        cmocka_unit_test(test_bad_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
