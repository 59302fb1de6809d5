/* Tests for src/core/id.c: UUIDv7 shape, validation, and that ids drawn
 * from the per-thread random pool stay distinct across its refills and
 * between threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/id.h"

#define PER_THREAD 5000 /* > 10 refills of the 400-id pool */

static int cmp_id(const void *a, const void *b) {
    return strcmp(a, b);
}

static void test_shape_and_valid(void **state) {
    tl_id id;
    tl_id_new(id);
    assert_int_equal(strlen(id), TL_ID_LEN);
    assert_true(tl_id_valid(id, strlen(id)));
    assert_int_equal(id[14], '7');           /* version 7 */
    assert_non_null(strchr("89ab", id[19])); /* RFC 4122 variant */
    assert_false(tl_id_valid(id, strlen(id) - 1));
    id[3] = 'G';
    assert_false(tl_id_valid(id, strlen(id)));
    assert_false(tl_id_valid("", 0));
}

static void *fill(void *arg) {
    tl_id *ids = arg;
    for (int i = 0; i < PER_THREAD; i++)
        tl_id_new(ids[i]);
    return NULL;
}

static void test_distinct_across_refills_and_threads(void **state) {
    tl_id *ids = calloc(2 * PER_THREAD, sizeof *ids);
    assert_non_null(ids);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, fill, ids + PER_THREAD), 0);
    fill(ids);
    assert_int_equal(pthread_join(th, NULL), 0);
    qsort(ids, 2 * PER_THREAD, sizeof *ids, cmp_id);
    for (int i = 1; i < 2 * PER_THREAD; i++)
        assert_true(strcmp(ids[i - 1], ids[i]) != 0);
    free(ids);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_and_valid),
        cmocka_unit_test(test_distinct_across_refills_and_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
