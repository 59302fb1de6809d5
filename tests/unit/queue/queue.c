/* Tests for src/queue/queue.c: a result is checked against the project's
 * schema before anything is stored, and the lease is left usable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"
#include "store/fixture.h"

static void test_submit_validates_first(void **state) {
    char dir[64];
    struct tl_store *s;
    assert_int_equal(store_fx_open(dir, &s), 0);
    struct tl_errbuf eb = {{0}};
    tl_id t;
    assert_int_equal(tl_store_tenant_create(s, "q", t), 0);
    struct tl_scope m = store_fx_user(s, t, "m@q", TL_ROLE_MANAGER);
    struct tl_scope a = store_fx_user(s, "", "a@q", TL_ROLE_ANNOTATOR);
    struct tl_project p = {
        .name = "p",
        .schema_json = "{\"fields\":[{\"name\":\"label\",\"type\":\"choice\",\"options\":[\"x\",\"z\"]}]}",
        .overlap = 1,
        .lease_seconds = 60};
    assert_int_equal(tl_store_project_create(s, &m, &p), 0);
    struct tl_blob item = {"{\"k\":1}", 7};
    assert_int_equal(tl_store_tasks_import(s, &m, &p, &item, 1), 0);
    struct tl_lease l;
    assert_int_equal(tl_queue_next(s, &a, &p, &l), 0);
    tl_id id;
    json_t *bad = json_pack("{s:s}", "label", "y");
    json_t *good = json_pack("{s:s}", "label", "x");
    assert_int_equal(tl_queue_submit(s, &a, &p, l.task_id, l.id, bad, id, &eb), TL_EUNPROC);
    assert_non_null(strstr(eb.msg, "label"));
    assert_int_equal(tl_queue_submit(s, &a, &p, l.task_id, l.id, good, id, &eb), 0);
    /* a retry of the same submission (its answer lost) is the same
     * annotation; another result on a used lease is a conflict */
    tl_id again;
    assert_int_equal(tl_queue_submit(s, &a, &p, l.task_id, l.id, good, again, &eb), 0);
    assert_string_equal(again, id);
    json_t *other = json_pack("{s:s}", "label", "z");
    assert_int_equal(tl_queue_submit(s, &a, &p, l.task_id, l.id, other, again, &eb), TL_ECONFLICT);
    json_decref(other);
    struct tl_lease none;
    assert_int_equal(tl_queue_next(s, &a, &p, &none), TL_EEMPTY);
    json_decref(bad);
    json_decref(good);
    tl_lease_release(&l);
    assert_int_equal(store_fx_close(s, dir), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submit_validates_first),
    };
    return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
