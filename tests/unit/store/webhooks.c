/* Tests for the store's webhook calls (src/store/sqlite/webhooks.c): the
 * outbox rows an annotation submit writes in its own transaction, none for
 * a refused submit, and the due/record cycle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
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
    struct tl_scope mgr, ann;
};


static int setup(void **state) {
    struct fx *f = calloc(1, sizeof *f);
    if (store_fx_open(f->dir, &f->s))
        return -1;
    if (tl_store_tenant_create(f->s, "hooks", f->tenant))
        return -1;
    f->mgr = store_fx_user(f->s, f->tenant, "m@hooks", TL_ROLE_MANAGER);
    f->ann = store_fx_user(f->s, f->tenant, "a@hooks", TL_ROLE_ANNOTATOR);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fx *f = *state;
    int rc = store_fx_close(f->s, f->dir);
    free(f);
    return rc;
}

/* A project of n tasks with overlap 1; the annotator may hold `held` leases. */
static void project(struct fx *f, int n, int held, struct tl_project *p) {
    memset(p, 0, sizeof *p);
    p->name = strdup("p");
    p->schema_json = strdup("{\"fields\":[{\"name\":\"l\",\"type\":\"text\"}]}");
    p->overlap = 1;
    p->lease_seconds = 600;
    p->max_leases_per_annotator = held;
    assert_int_equal(tl_store_project_create(f->s, &f->mgr, p), 0);
    struct tl_blob *items = calloc((size_t)n, sizeof *items);
    for (int i = 0; i < n; i++)
        items[i] = (struct tl_blob){.data = "{\"x\":1}", .len = 7};
    assert_int_equal(tl_store_tasks_import(f->s, &f->mgr, p, items, (size_t)n), 0);
    free(items);
}

static void hook(struct fx *f, const struct tl_project *p, unsigned events, struct tl_webhook *h) {
    memset(h, 0, sizeof *h);
    snprintf(h->url, sizeof h->url, "https://example.com/h");
    snprintf(h->secret, sizeof h->secret, "%064d", 7);
    h->events = events;
    assert_int_equal(tl_store_webhook_create(f->s, &f->mgr, p, h), 0);
}

static void label_one(struct fx *f, const struct tl_project *p) {
    struct tl_lease l;
    tl_id out;
    int64_t now = tl_clock_ms();
    assert_int_equal(tl_store_lease_claim(f->s, &f->ann, p, now, &l), 0);
    assert_int_equal(
        tl_store_annotation_submit(f->s, &f->ann, p, l.task_id, l.id, "{}", 2, now, out), 0);
    tl_lease_release(&l);
}

static size_t due(struct fx *f, struct tl_webhook_job **jobs) {
    size_t n;
    assert_int_equal(tl_store_webhook_due(f->s, tl_clock_ms(), false, 100, jobs, &n), 0);
    return n;
}

static void free_jobs(struct tl_webhook_job *jobs, size_t n) {
    for (size_t i = 0; i < n; i++)
        tl_webhook_job_release(&jobs[i]);
    free(jobs);
}

static void test_submit_writes_the_outbox(void **state) {
    struct fx *f = *state;
    struct tl_project p, other;
    project(f, 2, 1, &p);
    project(f, 1, 1, &other);
    struct tl_webhook all, done_only, elsewhere;
    hook(f, &p, TL_HOOK_ALL_EVENTS, &all);
    hook(f, &p, TL_HOOK_PROJECT_COMPLETED, &done_only);
    hook(f, &other, TL_HOOK_ALL_EVENTS, &elsewhere);
    label_one(f, &p); /* annotation.created + task.completed for `all` */
    struct tl_webhook_job *jobs;
    size_t n = due(f, &jobs);
    assert_int_equal(n, 2);
    assert_string_equal(jobs[0].event, "annotation.created");
    assert_string_equal(jobs[1].event, "task.completed");
    assert_string_equal(jobs[0].secret, all.secret);
    assert_non_null(strstr(jobs[0].payload, p.id));
    assert_non_null(strstr(jobs[0].payload, jobs[0].id)); /* delivery_id */
    for (size_t i = 0; i < n; i++) {
        struct tl_webhook_attempt a = {.status = TL_DELIVERY_DELIVERED,
                                       .attempts = 1,
                                       .http_status = 200,
                                       .delivered_at_ms = tl_clock_ms()};
        assert_int_equal(tl_store_webhook_record(f->s, jobs[i].pk, &a), 0);
    }
    free_jobs(jobs, n);
    label_one(f, &p); /* the last task: project.completed for both hooks */
    n = due(f, &jobs);
    assert_int_equal(n, 4);
    int completed = 0;
    for (size_t i = 0; i < n; i++)
        completed += !strcmp(jobs[i].event, "project.completed");
    assert_int_equal(completed, 2);
    /* a retry later: pending, not due now */
    struct tl_webhook_attempt later = {.status = TL_DELIVERY_PENDING,
                                       .attempts = 1,
                                       .http_status = 500,
                                       .error = "HTTP 500",
                                       .next_at_ms = tl_clock_ms() + 60000};
    for (size_t i = 0; i < n; i++)
        assert_int_equal(tl_store_webhook_record(f->s, jobs[i].pk, &later), 0);
    free_jobs(jobs, n);
    assert_int_equal(due(f, &jobs), 0);
    free(jobs);
    /* ...but a starting server takes every pending row */
    assert_int_equal(tl_store_webhook_due(f->s, tl_clock_ms(), true, 100, &jobs, &n), 0);
    assert_int_equal(n, 4);
    free_jobs(jobs, n);
    /* the log: newest first, bounded by limit, only the hook's own rows */
    struct tl_webhook_delivery *log;
    assert_int_equal(tl_store_webhook_deliveries(f->s, &p, all.id, 10, &log, &n), 0);
    assert_int_equal(n, 5);
    assert_string_equal(log[0].event, "project.completed");
    assert_int_equal(log[0].status, TL_DELIVERY_PENDING);
    assert_string_equal(log[0].last_error, "HTTP 500");
    assert_int_equal(log[4].status, TL_DELIVERY_DELIVERED);
    assert_true(log[4].delivered_at_ms > 0);
    free(log);
    assert_int_equal(tl_store_webhook_deliveries(f->s, &p, all.id, 1, &log, &n), 0);
    assert_int_equal(n, 1);
    free(log);
    /* a hook is reached through its own project only */
    assert_int_equal(tl_store_webhook_deliveries(f->s, &other, all.id, 10, &log, &n), TL_ENOTFOUND);
    assert_int_equal(tl_store_webhook_delete(f->s, &other, all.id), TL_ENOTFOUND);
    assert_int_equal(tl_store_webhook_delete(f->s, &p, all.id), 0);
    struct tl_webhook *hooks;
    assert_int_equal(tl_store_webhook_list(f->s, &p, &hooks, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(hooks[0].id, done_only.id);
    assert_string_equal(hooks[0].secret, ""); /* never read back */
    free(hooks);
    tl_project_release(&p);
    tl_project_release(&other);
}

static void test_refused_submit_writes_nothing(void **state) {
    struct fx *f = *state;
    struct tl_project p;
    project(f, 1, 1, &p);
    struct tl_webhook h;
    hook(f, &p, TL_HOOK_ALL_EVENTS, &h);
    struct tl_lease l;
    tl_id out;
    int64_t now = tl_clock_ms();
    assert_int_equal(tl_store_lease_claim(f->s, &f->ann, &p, now, &l), 0);
    assert_int_equal(tl_store_annotation_submit(f->s, &f->ann, &p, l.task_id, "no-such-lease", "{}",
                                                2, now, out),
                     TL_ECONFLICT);
    struct tl_webhook_job *jobs;
    assert_int_equal(due(f, &jobs), 0);
    free(jobs);
    tl_lease_release(&l);
    tl_project_release(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_submit_writes_the_outbox, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_submit_writes_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
