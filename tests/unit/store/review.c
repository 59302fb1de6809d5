/* Tests for the review queue's store (src/store/review.c and
 * src/store/sqlite/review.c): the keyed draw, which tasks the sweep
 * selects (sampled, low confidence, flagged annotator, second opinion),
 * the held claim, the bound on one `next` and its resumption, and what a
 * reject does to the counters. Aggregates and flags are other modules'
 * rows: written here with SQL, as they would be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/store.h"
#include "fixture.h"

struct fx {
    char dir[64];
    struct tl_store *s;
    tl_id tenant;
    struct tl_scope mgr, rev, rev2, ann, ann2;
    sqlite3 *db;
};

static int setup(void **state) {
    struct fx *f = calloc(1, sizeof *f);
    if (store_fx_open(f->dir, &f->s) || tl_store_tenant_create(f->s, "rv", f->tenant))
        return -1;
    f->mgr = store_fx_user(f->s, f->tenant, "m@rv", TL_ROLE_MANAGER);
    f->rev = store_fx_user(f->s, f->tenant, "r@rv", TL_ROLE_REVIEWER);
    f->rev2 = store_fx_user(f->s, f->tenant, "r2@rv", TL_ROLE_REVIEWER);
    f->ann = store_fx_user(f->s, f->tenant, "a@rv", TL_ROLE_ANNOTATOR);
    f->ann2 = store_fx_user(f->s, f->tenant, "a2@rv", TL_ROLE_ANNOTATOR);
    char path[128];
    snprintf(path, sizeof path, "%s/tally.db", f->dir);
    if (sqlite3_open(path, &f->db) || sqlite3_busy_timeout(f->db, 10000))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fx *f = *state;
    sqlite3_close(f->db);
    int rc = store_fx_close(f->s, f->dir);
    free(f);
    return rc;
}

static void sql(struct fx *f, const char *q) {
    char *err = NULL;
    int rc = sqlite3_exec(f->db, q, NULL, NULL, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", q, err);
    sqlite3_free(err);
    assert_int_equal(rc, SQLITE_OK);
}

static int64_t sql_int(struct fx *f, const char *q) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(f->db, q, -1, &st, NULL), SQLITE_OK);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

/* A project of n tasks (choice field l) with the given overlap. */
static void project(struct fx *f, int n, int overlap, struct tl_project *p) {
    memset(p, 0, sizeof *p);
    p->name = strdup("p");
    p->schema_json =
        strdup("{\"fields\":[{\"name\":\"l\",\"type\":\"choice\",\"options\":[\"a\",\"b\"]}]}");
    p->instructions = strdup("");
    p->overlap = overlap;
    p->lease_seconds = 600;
    p->max_leases_per_annotator = 1;
    assert_int_equal(tl_store_project_create(f->s, &f->mgr, p), 0);
    struct tl_blob *items = calloc((size_t)n, sizeof *items);
    for (int i = 0; i < n; i++)
        items[i] = (struct tl_blob){.data = "{\"x\":1}", .len = 7};
    assert_int_equal(tl_store_tasks_import(f->s, &f->mgr, p, items, (size_t)n), 0);
    free(items);
}

/* who labels one task ("a"): its id into task_id (may be NULL). */
static void label_one(struct fx *f, const struct tl_scope *who, const struct tl_project *p,
                      char *task_id) {
    struct tl_lease l;
    tl_id out;
    int64_t now = tl_clock_ms();
    assert_int_equal(tl_store_lease_claim(f->s, who, p, now, &l), 0);
    assert_int_equal(tl_store_annotation_submit(f->s, who, p, l.task_id, l.id, "{\"l\":\"a\"}",
                                                9, now, out),
                     0);
    if (task_id)
        memcpy(task_id, l.task_id, sizeof(tl_id));
    tl_lease_release(&l);
}

static int next(struct fx *f, const struct tl_scope *who, const struct tl_project *p,
                struct tl_review_item *v) {
    return tl_store_review_next(f->s, who, p, tl_clock_ms(), v);
}

static void decide(struct fx *f, const struct tl_scope *who, const struct tl_project *p,
                   const char *id, int status) {
    struct tl_review_decision d = {.status = status};
    assert_int_equal(tl_store_review_decide(f->s, who, p, id, &d, tl_clock_ms()), 0);
}

/* Drain who's queue with accepts: the number of items. */
static int drain(struct fx *f, const struct tl_scope *who, const struct tl_project *p,
                 int reason) {
    int n = 0;
    struct tl_review_item v;
    while (next(f, who, p, &v) == 0) {
        assert_true(n < 100000);
        if (reason >= 0)
            assert_int_equal(v.reason, reason);
        decide(f, who, p, v.id, TL_REVIEW_ACCEPTED);
        tl_review_item_release(&v);
        n++;
    }
    return n;
}

static void test_draw_is_keyed_stable_and_uniform(void **state) {
    struct fx *f = *state;
    const unsigned char *secret = tl_store_secret(f->s);
    unsigned char other[TL_SECRET_LEN] = {1};
    double a = tl_review_draw(secret, "sample", "task-1");
    assert_true(a >= 0 && a < 1);
    assert_true(a == tl_review_draw(secret, "sample", "task-1"));
    assert_true(a != tl_review_draw(secret, "second", "task-1"));
    assert_true(a != tl_review_draw(other, "sample", "task-1"));
    int below = 0;
    char id[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(id, sizeof id, "t%d", i);
        below += tl_review_draw(secret, "sample", id) < 0.3;
    }
    /* Binomial(20000, 0.3): sd 65; 0.3 +- 0.015 is 4.6 sd */
    assert_in_range(below, 5700, 6300);
}

static void test_nothing_without_a_reason(void **state) {
    struct fx *f = *state;
    struct tl_project p;
    project(f, 5, 1, &p);
    for (int i = 0; i < 5; i++)
        label_one(f, &f->ann, &p, NULL);
    struct tl_review_item v;
    assert_int_equal(next(f, &f->rev, &p, &v), TL_EEMPTY);
    tl_project_release(&p);
}

static void test_rate_one_offers_every_labeled_task_once(void **state) {
    struct fx *f = *state;
    struct tl_project p;
    project(f, 12, 1, &p);
    for (int i = 0; i < 10; i++)
        label_one(f, &f->ann, &p, NULL);
    p.q.review_rate = 1;
    struct tl_review_item v, again;
    assert_int_equal(next(f, &f->rev, &p, &v), 0);
    assert_int_equal(next(f, &f->rev, &p, &again), 0); /* the held claim */
    assert_string_equal(v.id, again.id);
    assert_int_equal(v.n_annots, 1);
    assert_string_equal(v.annots[0].result, "{\"l\":\"a\"}");
    assert_null(v.gold);
    decide(f, &f->rev, &p, v.id, TL_REVIEW_ACCEPTED);
    tl_review_item_release(&v);
    tl_review_item_release(&again);
    /* the two unlabeled tasks never come: 9 more, then empty */
    assert_int_equal(drain(f, &f->rev, &p, TL_REVIEW_SAMPLED), 9);
    tl_project_release(&p);
}

static void test_low_confidence_and_flagged(void **state) {
    struct fx *f = *state;
    struct tl_project p;
    project(f, 6, 1, &p);
    tl_id tasks[6];
    for (int i = 0; i < 6; i++)
        label_one(f, i < 2 ? &f->ann2 : &f->ann, &p, tasks[i]);
    char q[512];
    snprintf(q, sizeof q,
             "INSERT INTO aggregates(task_pk, project_pk, method, result, confidence,"
             " min_confidence, n_annotations, updated_at) SELECT pk, project_pk, 'mv', '{}',"
             " '{}', CASE WHEN id = '%s' THEN 0.4 ELSE 0.9 END, 1, 0 FROM tasks"
             " WHERE project_pk = %lld",
             tasks[4], (long long)p.pk);
    sql(f, q);
    p.q.review_below = 0.5;
    struct tl_review_item v;
    assert_int_equal(next(f, &f->rev, &p, &v), 0);
    assert_int_equal(v.reason, TL_REVIEW_LOW_CONFIDENCE);
    assert_string_equal(v.task_id, tasks[4]);
    assert_true(v.has_aggregate);
    decide(f, &f->rev, &p, v.id, TL_REVIEW_ACCEPTED);
    tl_review_item_release(&v);
    assert_int_equal(next(f, &f->rev, &p, &v), TL_EEMPTY);
    /* a flag on ann2 (open) brings their two tasks; a dismissed one nothing */
    snprintf(q, sizeof q,
             "INSERT INTO flags(id, project_pk, annotator_pk, rule, score, evidence, created_at,"
             " status) VALUES('f1', %lld, %lld, 'r', 1, '{}', 0, 0),"
             " ('f2', %lld, %lld, 'r', 1, '{}', 0, 2)",
             (long long)p.pk, (long long)f->ann2.user_pk, (long long)p.pk,
             (long long)f->ann.user_pk);
    sql(f, q);
    assert_int_equal(drain(f, &f->rev, &p, TL_REVIEW_FLAGGED), 2);
    tl_project_release(&p);
}

static void test_second_opinion_and_claims(void **state) {
    struct fx *f = *state;
    struct tl_project p;
    project(f, 200, 1, &p);
    for (int i = 0; i < 200; i++)
        label_one(f, &f->ann, &p, NULL);
    p.q.review_rate = 1;
    struct tl_review_item a, b;
    assert_int_equal(next(f, &f->rev, &p, &a), 0);
    assert_int_equal(next(f, &f->rev2, &p, &b), 0);
    assert_string_not_equal(a.task_id, b.task_id); /* a live claim is not shared */
    struct tl_review_decision d = {.status = TL_REVIEW_ACCEPTED};
    assert_int_equal(tl_store_review_decide(f->s, &f->rev2, &p, a.id, &d, tl_clock_ms()),
                     TL_ECONFLICT);
    decide(f, &f->rev2, &p, b.id, TL_REVIEW_ACCEPTED);
    tl_review_item_release(&a);
    tl_review_item_release(&b);
    /* rev reviews the other 199 (a's claim first), and b too if b was
     * drawn for a second opinion ... */
    assert_in_range(drain(f, &f->rev, &p, -1), 199, 200);
    /* ... rev2 gets second opinions only: the keyed 10% of the 199 it did
     * not review first (Binomial(199, 0.1): mean 20, sd 4.2) */
    int second = drain(f, &f->rev2, &p, -1);
    assert_in_range(second, 5, 40);
    /* and a third reviewer nothing: two opinions is the most */
    struct tl_scope rev3 = store_fx_user(f->s, f->tenant, "r3@rv", TL_ROLE_REVIEWER);
    assert_int_equal(drain(f, &rev3, &p, -1), 0);
    tl_project_release(&p);
}

static void test_one_next_is_bounded_and_the_sweep_resumes(void **state) {
    struct fx *f = *state;
    struct tl_project p;
    int n = TL_REVIEW_SCAN_MAX + 1000;
    project(f, n, 1, &p);
    p.q.review_rate = 1;
    /* only the last task looks labeled: one `next` stops after
     * TL_REVIEW_SCAN_MAX tasks, the following one resumes and finds it */
    char q[256];
    snprintf(q, sizeof q,
             "UPDATE tasks SET n_annotations = 1, is_open = 0 WHERE pk ="
             " (SELECT max(pk) FROM tasks WHERE project_pk = %lld)",
             (long long)p.pk);
    sql(f, q);
    struct tl_review_item v;
    assert_int_equal(next(f, &f->rev, &p, &v), TL_EEMPTY);
    snprintf(q, sizeof q, "SELECT task_pk FROM review_sweeps WHERE project_pk = %lld",
             (long long)p.pk);
    assert_true(sql_int(f, q) > 0);
    assert_int_equal(next(f, &f->rev, &p, &v), 0);
    decide(f, &f->rev, &p, v.id, TL_REVIEW_ACCEPTED);
    tl_review_item_release(&v);
    /* nothing left: empty, pass after pass */
    assert_int_equal(next(f, &f->rev, &p, &v), TL_EEMPTY);
    assert_int_equal(next(f, &f->rev, &p, &v), TL_EEMPTY);
    tl_project_release(&p);
}

static void test_reject_sets_aside_and_reopens(void **state) {
    struct fx *f = *state;
    struct tl_project p;
    project(f, 1, 2, &p);
    tl_id task;
    label_one(f, &f->ann, &p, task);
    label_one(f, &f->ann2, &p, NULL);
    char q[256];
    snprintf(q, sizeof q, "SELECT n_completed FROM projects WHERE pk = %lld", (long long)p.pk);
    assert_int_equal(sql_int(f, q), 1);
    p.q.review_rate = 1;
    struct tl_review_item v;
    assert_int_equal(next(f, &f->rev, &p, &v), 0);
    assert_int_equal(v.n_annots, 2);
    const char *ids[] = {v.annots[0].id};
    const char *bad[] = {"not-an-annotation"};
    struct tl_review_decision d = {.status = TL_REVIEW_REJECTED, .annotation_ids = bad,
                                   .n_ids = 1};
    assert_int_equal(tl_store_review_decide(f->s, &f->rev, &p, v.id, &d, tl_clock_ms()),
                     TL_EINVAL);
    d.annotation_ids = ids;
    assert_int_equal(tl_store_review_decide(f->s, &f->rev, &p, v.id, &d, tl_clock_ms()), 0);
    assert_int_equal(sql_int(f, q), 0);
    snprintf(q, sizeof q, "SELECT n_annotations * 10 + is_open FROM tasks WHERE id = '%s'", task);
    assert_int_equal(sql_int(f, q), 11);
    snprintf(q, sizeof q, "SELECT n_annotations FROM projects WHERE pk = %lld", (long long)p.pk);
    assert_int_equal(sql_int(f, q), 1);
    snprintf(q, sizeof q, "SELECT set_aside FROM annotations WHERE id = '%s'", ids[0]);
    assert_int_equal(sql_int(f, q), 1);
    assert_int_equal(tl_store_review_decide(f->s, &f->rev, &p, v.id, &d, tl_clock_ms()),
                     TL_ECONFLICT);
    tl_review_item_release(&v);
    /* the slot is free again, but not for the annotator set aside */
    struct tl_lease l = {0};
    assert_int_equal(tl_store_lease_claim(f->s, &f->ann, &p, tl_clock_ms(), &l), TL_EEMPTY);
    tl_lease_release(&l);
    struct tl_scope third = store_fx_user(f->s, f->tenant, "a3@rv", TL_ROLE_ANNOTATOR);
    label_one(f, &third, &p, NULL);
    snprintf(q, sizeof q, "SELECT n_completed FROM projects WHERE pk = %lld", (long long)p.pk);
    assert_int_equal(sql_int(f, q), 1);
    tl_project_release(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_draw_is_keyed_stable_and_uniform, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_without_a_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_one_offers_every_labeled_task_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_low_confidence_and_flagged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_opinion_and_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_next_is_bounded_and_the_sweep_resumes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reject_sets_aside_and_reopens, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
