/* Tests for src/store/sqlite/gold.c and the claim/submit paths of ops.c
 * that apply it: gold is served only by injection and stays outside
 * progress, a suspended worker (workers.status = 1, set here by SQL: the
 * API for it belongs to the workers' routes) is refused inside the claim,
 * a gold submission is scored into the worker's row, and adaptive overlap
 * completes a task by its aggregate's confidence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <semaphore.h>
#include <sqlite3.h>
#include <string.h>

#include "queue/policy.h"
#include "store/fixture.h"

struct world {
    char dir[64];
    struct tl_store *s;
    struct tl_scope m, a, b;
    struct tl_project p;
};

static void world_open(struct world *w, int overlap, int max_overlap, double target) {
    memset(w, 0, sizeof *w);
    assert_int_equal(store_fx_open(w->dir, &w->s), 0);
    tl_id t;
    assert_int_equal(tl_store_tenant_create(w->s, "g", t), 0);
    w->m = store_fx_user(w->s, t, "m@g", TL_ROLE_MANAGER);
    w->a = store_fx_user(w->s, "", "a@g", TL_ROLE_ANNOTATOR);
    w->b = store_fx_user(w->s, "", "b@g", TL_ROLE_ANNOTATOR);
    w->p = (struct tl_project){
        .name = "p",
        .schema_json = "{\"fields\":[{\"name\":\"l\",\"type\":\"choice\",\"options\":[\"x\","
                       "\"y\"]}]}",
        .overlap = overlap,
        .lease_seconds = 60,
        .q = {.max_overlap = max_overlap, .confidence_target = target}};
    assert_int_equal(tl_store_project_create(w->s, &w->m, &w->p), 0);
    struct tl_blob items[3] = {{"{\"i\":1}", 7}, {"{\"i\":2}", 7}, {"{\"i\":3}", 7}};
    assert_int_equal(tl_store_tasks_import(w->s, &w->m, &w->p, items, 3), 0);
}

static void world_close(struct world *w) {
    assert_int_equal(store_fx_close(w->s, w->dir), 0);
}

/* The project as stored now (counts). */
static struct tl_project fresh(struct world *w) {
    struct tl_project p;
    struct tl_filter f = {.tenant_pk = w->m.tenant_pk};
    assert_int_equal(tl_store_project_get(w->s, &f, w->p.id, &p), 0);
    return p;
}

static void sql(struct world *w, const char *stmt) {
    char path[96];
    snprintf(path, sizeof path, "%s/tally.db", w->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, stmt, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* The first task's id, made gold. */
static void make_first_gold(struct world *w, tl_id gold_task) {
    struct tl_lease l;
    assert_int_equal(tl_store_lease_claim(w->s, &w->b, &w->p, tl_clock_ms(), &l), 0);
    memcpy(gold_task, l.task_id, sizeof(tl_id));
    tl_lease_release(&l);
    assert_int_equal(tl_store_lease_release(w->s, &w->b, &w->p, l.id, "setup", tl_clock_ms()),
                     0);
    const char *g = "{\"l\":\"x\"}";
    assert_int_equal(tl_store_task_gold_set(w->s, &w->m, &w->p, gold_task, g, strlen(g)), 0);
}

static int score_half(const struct tl_submit_hooks *h, const char *gold, size_t gold_len,
                      const char *result, size_t result_len, double *score) {
    assert_memory_equal(gold, "{\"l\":\"x\"}", gold_len);
    *score = 0.5;
    return 0;
}

/* The test's aggregate: confidence h->ctx (a double), one field. */
static int agg_fixed(const struct tl_submit_hooks *h, const struct tl_store_vote *v, size_t n,
                     struct tl_store_agg *out) {
    assert_true(n >= 1);
    out->result = strdup("{\"l\":\"x\"}");
    out->confidence = strdup("{\"l\":0.5}");
    out->min_confidence = *(const double *)h->ctx;
    return 0;
}

static void test_gold_outside_progress_and_served_by_injection(void **state) {
    struct world w;
    world_open(&w, 1, 0, 0);
    tl_id gold_task;
    make_first_gold(&w, gold_task);
    struct tl_project p = fresh(&w);
    assert_int_equal(p.n_tasks, 2); /* the gold task left progress */
    tl_project_release(&p);
    /* the ordinary pick never serves it */
    struct tl_lease l;
    assert_int_equal(tl_store_lease_claim(w.s, &w.a, &w.p, tl_clock_ms(), &l), 0);
    assert_string_not_equal(l.task_id, gold_task);
    tl_lease_release(&l);
    /* gold_rate 1: the injected pick serves it, to any number of annotators */
    w.p.q.gold_rate = 1;
    w.p.max_leases_per_annotator = 2;
    struct tl_lease_policy pol;
    tl_queue_policy_init(&pol, &w.p);
    struct tl_lease g;
    assert_int_equal(
        tl_store_lease_claim_policy(w.s, &w.a, &w.p, tl_clock_ms(), &pol, &g, NULL, NULL), 0);
    assert_true(pol.is_gold);
    assert_string_equal(g.task_id, gold_task);
    struct tl_submit_hooks h = {.score = score_half};
    tl_id out;
    assert_int_equal(tl_store_annotation_submit_hooked(w.s, &w.a, &w.p, g.task_id, g.id,
                                                       "{\"l\":\"y\"}", 9, tl_clock_ms(), &h,
                                                       out, NULL, NULL),
                     0);
    assert_true(h.is_gold && h.has_score && !h.is_complete);
    tl_lease_release(&g);
    struct tl_worker wk;
    assert_int_equal(tl_store_worker_get(w.s, &w.p, w.a.user_pk, &wk), 0);
    assert_true(wk.is_known);
    assert_int_equal(wk.n_gold, 1);
    assert_true(wk.gold_sum > 0.49 && wk.gold_sum < 0.51);
    /* no gold left for a: gold_rate falls back to ordinary work */
    tl_queue_policy_init(&pol, &w.p);
    assert_int_equal(
        tl_store_lease_claim_policy(w.s, &w.a, &w.p, tl_clock_ms(), &pol, &g, NULL, NULL), 0);
    assert_false(pol.is_gold);
    tl_lease_release(&g);
    p = fresh(&w);
    assert_int_equal(p.n_tasks, 2);
    assert_int_equal(p.n_completed, 0);
    assert_int_equal(p.n_annotations, 1); /* gold answers count as annotations */
    tl_project_release(&p);
    /* clearing the gold brings the task back into progress */
    assert_int_equal(tl_store_task_gold_set(w.s, &w.m, &w.p, gold_task, NULL, 0), 0);
    p = fresh(&w);
    assert_int_equal(p.n_tasks, 3);
    assert_int_equal(p.n_completed, 1); /* it has 1 annotation, overlap 1 */
    tl_project_release(&p);
    world_close(&w);
}

static void test_suspended_and_unqualified_are_refused_in_the_claim(void **state) {
    struct world w;
    world_open(&w, 1, 0, 0);
    tl_id gold_task;
    make_first_gold(&w, gold_task);
    w.p.q.qual_tasks = 2;
    w.p.q.qual_pass = 0.5;
    struct tl_lease_policy pol;
    struct tl_lease l;
    /* qualification pending: gold only */
    tl_queue_policy_init(&pol, &w.p);
    assert_int_equal(
        tl_store_lease_claim_policy(w.s, &w.a, &w.p, tl_clock_ms(), &pol, &l, NULL, NULL), 0);
    assert_true(pol.is_gold);
    struct tl_submit_hooks h = {.score = score_half};
    tl_id out;
    assert_int_equal(tl_store_annotation_submit_hooked(w.s, &w.a, &w.p, l.task_id, l.id,
                                                       "{\"l\":\"x\"}", 9, tl_clock_ms(), &h,
                                                       out, NULL, NULL),
                     0);
    tl_lease_release(&l);
    /* one gold task only, two required: refused, the message says why */
    tl_queue_policy_init(&pol, &w.p);
    assert_int_equal(
        tl_store_lease_claim_policy(w.s, &w.a, &w.p, tl_clock_ms(), &pol, &l, NULL, NULL),
        TL_EPERM);
    tl_lease_release(&l);
    assert_true(pol.is_gold_exhausted);
    assert_string_equal(tl_queue_policy_refusal(&pol), TL_QUEUE_NOT_QUALIFIED);
    assert_non_null(strstr(pol.decision.message, "1 of the 2"));
    /* suspended: refused before anything else */
    char stmt[256];
    snprintf(stmt, sizeof stmt,
             "UPDATE workers SET status = 1 WHERE annotator_pk = %lld AND project_pk = %lld",
             (long long)w.a.user_pk, (long long)w.p.pk);
    sql(&w, stmt);
    tl_queue_policy_init(&pol, &w.p);
    assert_int_equal(
        tl_store_lease_claim_policy(w.s, &w.a, &w.p, tl_clock_ms(), &pol, &l, NULL, NULL),
        TL_EPERM);
    tl_lease_release(&l);
    assert_string_equal(tl_queue_policy_refusal(&pol), TL_QUEUE_SUSPENDED);
    world_close(&w);
}

/* overlap 2, max 3, target 0.8: sure at 2 completes; unsure gets a third,
 * one slot at a time; a PATCH recomputes completion. */
static void test_adaptive_overlap(void **state) {
    struct world w;
    world_open(&w, 2, 3, 0.8);
    w.p.q.max_overlap = 3;
    struct tl_scope c = store_fx_user(w.s, "", "c@g", TL_ROLE_ANNOTATOR);
    struct tl_scope d = store_fx_user(w.s, "", "d@g", TL_ROLE_ANNOTATOR);
    double unsure = 0.5;
    struct tl_submit_hooks h = {.aggregate = agg_fixed, .ctx = &unsure};
    struct tl_scope *who[3] = {&w.a, &w.b, &c};
    tl_id first;
    struct tl_lease other = {0}; /* d's, on the second task */
    for (int i = 0; i < 3; i++) {
        struct tl_lease l;
        assert_int_equal(tl_store_lease_claim(w.s, who[i], &w.p, tl_clock_ms(), &l), 0);
        if (i == 0)
            memcpy(first, l.task_id, sizeof first);
        if (i == 2) { /* the task missed the target at 2: the third label */
            assert_string_equal(l.task_id, first);
            /* ...and only one at a time: d gets another task */
            assert_int_equal(tl_store_lease_claim(w.s, &d, &w.p, tl_clock_ms(), &other), 0);
            assert_string_not_equal(other.task_id, first);
        }
        tl_id out;
        assert_int_equal(tl_store_annotation_submit_hooked(w.s, who[i], &w.p, l.task_id, l.id,
                                                           "{\"l\":\"x\"}", 9, tl_clock_ms(),
                                                           &h, out, NULL, NULL),
                         0);
        assert_int_equal(h.is_complete, i == 2); /* max_overlap reached */
        tl_lease_release(&l);
    }
    struct tl_project p = fresh(&w);
    assert_int_equal(p.n_completed, 1);
    assert_int_equal(p.q.max_overlap, 3);
    tl_project_release(&p);
    /* a sure aggregate completes at overlap */
    double sure = 0.9;
    h.ctx = &sure;
    struct tl_lease l;
    assert_int_equal(tl_store_lease_claim(w.s, &w.a, &w.p, tl_clock_ms(), &l), 0);
    assert_string_equal(l.task_id, other.task_id);
    struct tl_lease *second[2] = {&l, &other};
    struct tl_scope *by[2] = {&w.a, &d};
    for (int i = 0; i < 2; i++) {
        tl_id out;
        assert_int_equal(tl_store_annotation_submit_hooked(w.s, by[i], &w.p, second[i]->task_id,
                                                           second[i]->id, "{\"l\":\"x\"}", 9,
                                                           tl_clock_ms(), &h, out, NULL, NULL),
                         0);
        assert_int_equal(h.is_complete, i == 1);
        tl_lease_release(second[i]);
    }
    /* raising the target reopens the sure task (0.9 < 0.95); dropping it
     * closes it again */
    w.p.q.confidence_target = 0.95;
    assert_int_equal(tl_store_project_update(w.s, &w.m, &w.p), 0);
    p = fresh(&w);
    assert_int_equal(p.n_completed, 1);
    tl_project_release(&p);
    w.p.q.confidence_target = 0;
    assert_int_equal(tl_store_project_update(w.s, &w.m, &w.p), 0);
    p = fresh(&w);
    assert_int_equal(p.n_completed, 2);
    tl_project_release(&p);
    world_close(&w);
}

struct waiter {
    sem_t sem;
    int rc;
};

static void on_done(void *arg, int rc) {
    struct waiter *wt = arg;
    wt->rc = rc;
    sem_post(&wt->sem);
}

/* The export's tasks, and those with the expected gold answer. */
struct seen {
    int n, n_gold;
};

static int on_task(void *ctx, const struct tl_export_task *t) {
    struct seen *sn = ctx;
    if (t->gold) {
        assert_int_equal(t->gold_len, 9);
        assert_memory_equal(t->gold, "{\"l\":\"y\"}", 9);
        sn->n_gold++;
    }
    sn->n++;
    return 0;
}

/* Gold through a staged import: the staged rows keep it through the move,
 * the last batch's items get it directly, and n_tasks counts neither. */
static void test_staged_import_keeps_gold(void **state) {
    struct world w;
    world_open(&w, 1, 0, 0); /* 3 ordinary tasks */
    struct tl_blob items[2] = {{"{\"i\":4}", 7}, {"{\"i\":5}", 7}};
    const char *g = "{\"l\":\"y\"}";
    struct tl_prediction_in gold = {.item = 1, .model = "gold", .model_len = 4, .result = g,
                                    .result_len = strlen(g), .is_gold = true};
    struct waiter wt;
    sem_init(&wt.sem, 0, 0);
    int64_t id = tl_store_import_id();
    assert_int_equal(
        tl_store_import_stage(w.s, &w.m, &w.p, id, items, 2, &gold, 1, on_done, &wt), 0);
    sem_wait(&wt.sem);
    assert_int_equal(wt.rc, 0);
    struct tl_prediction_in last = gold;
    last.item = 0;
    assert_int_equal(
        tl_store_import_commit(w.s, &w.m, &w.p, id, 2, items, 1, &last, 1, on_done, &wt), 0);
    sem_wait(&wt.sem);
    assert_int_equal(wt.rc, 0);
    sem_destroy(&wt.sem);
    struct tl_project p = fresh(&w);
    assert_int_equal(p.n_tasks, 3 + 1); /* 3 new, 2 of them gold */
    tl_project_release(&p);
    struct seen sn = {0};
    int64_t cursor = 0;
    bool done = false;
    for (int i = 0; i < 10 && !done; i++)
        assert_int_equal(
            tl_store_export_page(w.s, &w.m, &w.p, &cursor, 100, 1 << 20, on_task, &sn, &done), 0);
    assert_int_equal(sn.n, 6);
    assert_int_equal(sn.n_gold, 2);
    world_close(&w);
}

/* The one aggregate row's result and n_annotations. */
static void agg_row(struct world *w, char *result, size_t cap, int *n) {
    char path[96];
    snprintf(path, sizeof path, "%s/tally.db", w->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT result, n_annotations FROM aggregates", -1,
                                        &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(result, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    *n = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A reviewer's correction is never overwritten and counts as sure. */
static void test_reviewed_aggregate_stands(void **state) {
    struct world w;
    world_open(&w, 2, 3, 0.8);
    double unsure = 0.5;
    struct tl_submit_hooks h = {.aggregate = agg_fixed, .ctx = &unsure};
    struct tl_lease l;
    assert_int_equal(tl_store_lease_claim(w.s, &w.a, &w.p, tl_clock_ms(), &l), 0);
    tl_id out;
    assert_int_equal(tl_store_annotation_submit_hooked(w.s, &w.a, &w.p, l.task_id, l.id,
                                                       "{\"l\":\"x\"}", 9, tl_clock_ms(), &h,
                                                       out, NULL, NULL),
                     0);
    tl_lease_release(&l);
    sql(&w, "UPDATE aggregates SET is_reviewed = 1, result = '{\"l\":\"y\"}'");
    assert_int_equal(tl_store_lease_claim(w.s, &w.b, &w.p, tl_clock_ms(), &l), 0);
    assert_int_equal(tl_store_annotation_submit_hooked(w.s, &w.b, &w.p, l.task_id, l.id,
                                                       "{\"l\":\"x\"}", 9, tl_clock_ms(), &h,
                                                       out, NULL, NULL),
                     0);
    tl_lease_release(&l);
    assert_true(h.is_complete); /* unsure by the votes, but reviewed */
    char result[64];
    int count;
    agg_row(&w, result, sizeof result, &count);
    assert_string_equal(result, "{\"l\":\"y\"}");
    assert_int_equal(count, 1);
    world_close(&w);
}

/* An aggregate computed before the write (tl_store_task_votes, then the
 * caller's own computation) is written when the task's votes are still
 * the ones it was computed from, and ignored (the writer computes it
 * through the hook) when another submit came in between. */
static void test_aggregate_computed_before_the_write(void **state) {
    struct world w;
    world_open(&w, 3, 3, 0);
    double sure = 1;
    struct tl_store_agg pre = {.result = "{\"l\":\"before\"}", .confidence = "{\"l\":1}",
                               .min_confidence = 1};
    struct tl_submit_hooks h = {.aggregate = agg_fixed, .ctx = &sure};
    struct tl_lease la, lb;
    assert_int_equal(tl_store_lease_claim(w.s, &w.a, &w.p, tl_clock_ms(), &la), 0);
    assert_int_equal(tl_store_lease_claim(w.s, &w.b, &w.p, tl_clock_ms(), &lb), 0);
    assert_string_equal(la.task_id, lb.task_id);

    /* a's vote: none before it */
    struct tl_store_vote *v;
    size_t n;
    double skill;
    struct tl_store_votes_seen seen_a, seen_b;
    assert_int_equal(tl_store_task_votes(w.s, &w.p, la.task_id, w.a.user_pk, &v, &n, &skill,
                                         &seen_a),
                     0);
    assert_int_equal(n, 0);
    assert_true(skill < 0);
    tl_store_votes_free(v, n);
    /* b reads too, before a's write: its view goes stale */
    assert_int_equal(tl_store_task_votes(w.s, &w.p, lb.task_id, w.b.user_pk, &v, &n, &skill,
                                         &seen_b),
                     0);
    tl_store_votes_free(v, n);

    h.pre = &pre;
    h.pre_seen = seen_a;
    tl_id out;
    assert_int_equal(tl_store_annotation_submit_hooked(w.s, &w.a, &w.p, la.task_id, la.id,
                                                       "{\"l\":\"x\"}", 9, tl_clock_ms(), &h,
                                                       out, NULL, NULL),
                     0);
    assert_true(h.pre_used);
    char result[64];
    int count;
    agg_row(&w, result, sizeof result, &count);
    assert_string_equal(result, "{\"l\":\"before\"}");
    assert_int_equal(count, 1);

    h.pre_seen = seen_b; /* computed without a's vote */
    assert_int_equal(tl_store_annotation_submit_hooked(w.s, &w.b, &w.p, lb.task_id, lb.id,
                                                       "{\"l\":\"y\"}", 9, tl_clock_ms(), &h,
                                                       out, NULL, NULL),
                     0);
    assert_false(h.pre_used);
    agg_row(&w, result, sizeof result, &count);
    assert_string_equal(result, "{\"l\":\"x\"}"); /* agg_fixed's, in the writer */
    assert_int_equal(count, 2);

    /* now the votes are a's and b's, with their results */
    assert_int_equal(tl_store_task_votes(w.s, &w.p, la.task_id, w.m.user_pk, &v, &n, &skill,
                                         &seen_a),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(seen_a.n, 2);
    assert_memory_equal(v[0].result, "{\"l\":\"x\"}", v[0].result_len);
    assert_memory_equal(v[1].result, "{\"l\":\"y\"}", v[1].result_len);
    tl_store_votes_free(v, n);
    assert_int_equal(tl_store_task_votes(w.s, &w.p, "no-such-task", w.a.user_pk, &v, &n, &skill,
                                         &seen_a),
                     TL_ENOTFOUND);
    tl_lease_release(&la);
    tl_lease_release(&lb);
    world_close(&w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gold_outside_progress_and_served_by_injection),
        cmocka_unit_test(test_suspended_and_unqualified_are_refused_in_the_claim),
        cmocka_unit_test(test_adaptive_overlap),
        cmocka_unit_test(test_staged_import_keeps_gold),
        cmocka_unit_test(test_reviewed_aggregate_stands),
        cmocka_unit_test(test_aggregate_computed_before_the_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
