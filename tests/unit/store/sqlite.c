/* Tests for src/store (SQLite backend): scoping, the distribution rules,
 * durability across reopen, and exact completion under concurrency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/store.h"
#include "fixture.h"

struct fx {
    char dir[64];
    struct tl_store *s;
};

static int setup(void **state) {
    struct fx *f = calloc(1, sizeof *f);
    if (store_fx_open(f->dir, &f->s))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fx *f = *state;
    int rc = store_fx_close(f->s, f->dir);
    free(f);
    return rc;
}


/* The filters authz hands the store (authz/policy.h), spelled out here so the
 * store is tested alone: a tenant's staff, and a project member. */
static const struct tl_filter *by_tenant(const struct tl_scope *sc) {
    static _Thread_local struct tl_filter f;
    f = (struct tl_filter){.tenant_pk = sc->tenant_pk};
    return &f;
}
static const struct tl_filter *by_member(const struct tl_scope *sc) {
    static _Thread_local struct tl_filter f;
    f = (struct tl_filter){.tenant_pk = sc->tenant_pk, .member_pk = sc->user_pk};
    return &f;
}

/* A project with n_tasks tasks; max_held 0 leaves the per-annotator lease
 * cap at its default. */
static void project_capped(struct tl_store *s, const struct tl_scope *sc, int overlap,
                           int lease_s, int n_tasks, int max_held, struct tl_project *p) {
    memset(p, 0, sizeof *p);
    p->name = strdup("p");
    p->schema_json = strdup("{\"fields\":[{\"name\":\"l\",\"type\":\"text\"}]}");
    p->overlap = overlap;
    p->lease_seconds = lease_s;
    p->max_leases_per_annotator = max_held;
    assert_int_equal(tl_store_project_create(s, sc, p), 0);
    struct tl_blob *items = calloc((size_t)n_tasks, sizeof *items);
    char(*texts)[32] = calloc((size_t)n_tasks, 32);
    for (int i = 0; i < n_tasks; i++) {
        snprintf(texts[i], 32, "{\"i\":%d}", i);
        items[i].data = texts[i];
        items[i].len = strlen(texts[i]);
    }
    assert_int_equal(tl_store_tasks_import(s, sc, p, items, (size_t)n_tasks), 0);
    free(items);
    free(texts);
}

static void project(struct tl_store *s, const struct tl_scope *sc, int overlap, int lease_s,
                    int n_tasks, struct tl_project *p) {
    project_capped(s, sc, overlap, lease_s, n_tasks, 0, p);
}

static void test_tenants_users_tokens(void **state) {
    struct fx *f = *state;
    tl_id t1, t2;
    assert_int_equal(tl_store_tenant_create(f->s, "acme", t1), 0);
    assert_int_equal(tl_store_tenant_create(f->s, "acme", t2), TL_EEXIST);
    assert_int_equal(tl_store_tenant_find(f->s, "acme", t2), 0);
    assert_string_equal(t1, t2);
    assert_int_equal(tl_store_tenant_find(f->s, "nope", t2), TL_ENOTFOUND);
    struct tl_user u = {.role = TL_ROLE_MANAGER};
    snprintf(u.email, sizeof u.email, "m@x");
    snprintf(u.tenant_id, sizeof u.tenant_id, "01a20607-0000-7000-8000-000000000000");
    assert_int_equal(tl_store_user_create(f->s, &u), TL_ENOTFOUND);
    struct tl_scope m = store_fx_user(f->s, t1, "m@x", TL_ROLE_MANAGER);
    assert_string_equal(m.tenant_id, t1);
    struct tl_user dup = {.role = TL_ROLE_VIEWER};
    snprintf(dup.email, sizeof dup.email, "m@x");
    assert_int_equal(tl_store_user_create(f->s, &dup), TL_EEXIST);
    struct tl_scope sc;
    assert_int_equal(tl_store_token_scope(f->s, "00", tl_clock_ms(), &sc), TL_EAUTH);
    /* an expired token resolves to nothing */
    struct tl_user found;
    assert_int_equal(tl_store_user_find(f->s, "m@x", &found), 0);
    assert_int_equal(tl_store_token_create(f->s, found.pk, "expiredhash", 1000), 0);
    assert_int_equal(tl_store_token_scope(f->s, "expiredhash", 2000, &sc), TL_EAUTH);
    assert_int_equal(tl_store_token_scope(f->s, "expiredhash", 999, &sc), 0);
}

static void test_tenant_scope(void **state) {
    struct fx *f = *state;
    tl_id ta, tb;
    assert_int_equal(tl_store_tenant_create(f->s, "a", ta), 0);
    assert_int_equal(tl_store_tenant_create(f->s, "b", tb), 0);
    struct tl_scope ma = store_fx_user(f->s, ta, "ma@x", TL_ROLE_MANAGER);
    struct tl_scope mb = store_fx_user(f->s, tb, "mb@x", TL_ROLE_MANAGER);
    struct tl_scope wa = store_fx_user(f->s, "", "w@x", TL_ROLE_ANNOTATOR);
    store_fx_user(f->s, tb, "bann@x", TL_ROLE_ANNOTATOR);
    struct tl_project p, got;
    project(f->s, &ma, 1, 60, 3, &p);
    assert_int_equal(tl_store_project_get(f->s, by_tenant(&ma), p.id, &got), 0);
    assert_int_equal(got.n_tasks, 3);
    tl_project_release(&got);
    assert_int_equal(tl_store_project_get(f->s, by_tenant(&mb), p.id, &got), TL_ENOTFOUND);
    assert_int_equal(tl_store_project_get(f->s, by_member(&wa), p.id, &got), TL_ENOTFOUND);
    /* tenant B's annotator cannot be added to tenant A's project */
    assert_int_equal(tl_store_member_add(f->s, &ma, &p, "bann@x", TL_ROLE_ANNOTATOR, NULL),
                     TL_ENOTFOUND);
    assert_int_equal(tl_store_member_add(f->s, &ma, &p, "w@x", TL_ROLE_ANNOTATOR, NULL), 0);
    assert_int_equal(tl_store_project_get(f->s, by_member(&wa), p.id, &got), 0);
    tl_project_release(&got);
    struct tl_project *list;
    size_t n;
    assert_int_equal(tl_store_project_list(f->s, by_tenant(&mb), &list, &n), 0);
    assert_int_equal(n, 0);
    free(list);
    assert_int_equal(tl_store_project_list(f->s, by_member(&wa), &list, &n), 0);
    assert_int_equal(n, 1);
    tl_project_release(&list[0]);
    free(list);
    /* the task is invisible to tenant B, and export refuses B's scope */
    struct tl_lease l;
    assert_int_equal(tl_store_lease_claim(f->s, &wa, &p, tl_clock_ms(), &l), 0);
    assert_int_equal(tl_store_task_project(f->s, by_tenant(&mb), l.task_id, &got), TL_ENOTFOUND);
    assert_int_equal(tl_store_task_project(f->s, by_member(&wa), l.task_id, &got), 0);
    tl_project_release(&got);
    tl_lease_release(&l);
    /* a tenant's own annotator reaches a member project only inside that
     * tenant, and a filter with neither tenant nor member reaches nothing */
    const struct tl_filter none = {0};
    assert_int_equal(tl_store_project_get(f->s, &none, p.id, &got), TL_ENOTFOUND);
    assert_int_equal(tl_store_project_list(f->s, &none, &list, &n), 0);
    assert_int_equal(n, 0);
    const struct tl_filter wrong_tenant = {.tenant_pk = mb.tenant_pk, .member_pk = wa.user_pk};
    assert_int_equal(tl_store_project_get(f->s, &wrong_tenant, p.id, &got), TL_ENOTFOUND);
    tl_project_release(&p);
}

/* The admin lookup finds a project in any tenant, with a scope of that
 * tenant that the tenant-scoped calls accept, and nothing for an unknown id. */
static void test_project_get_admin(void **state) {
    struct fx *f = *state;
    tl_id ta, tb;
    assert_int_equal(tl_store_tenant_create(f->s, "a", ta), 0);
    assert_int_equal(tl_store_tenant_create(f->s, "b", tb), 0);
    store_fx_user(f->s, ta, "ma@x", TL_ROLE_MANAGER);
    struct tl_scope mb = store_fx_user(f->s, tb, "mb@x", TL_ROLE_MANAGER);
    struct tl_project p, got;
    project(f->s, &mb, 1, 60, 2, &p);
    struct tl_scope sc;
    assert_int_equal(tl_store_project_get_admin(f->s, p.id, &got, &sc), 0);
    assert_int_equal(got.pk, p.pk);
    assert_string_equal(got.tenant_id, tb);
    assert_int_equal(got.n_tasks, 2);
    assert_int_equal(sc.tenant_pk, mb.tenant_pk);
    assert_string_equal(sc.tenant_id, tb);
    assert_int_equal(sc.user_pk, 0);
    assert_int_equal(sc.role, TL_ROLE_NONE);
    struct tl_blob item = {"{\"i\":9}", 7};
    assert_int_equal(tl_store_tasks_import(f->s, &sc, &got, &item, 1), 0);
    tl_project_release(&got);
    assert_int_equal(tl_store_project_get(f->s, by_tenant(&mb), p.id, &got), 0);
    assert_int_equal(got.n_tasks, 3);
    tl_project_release(&got);
    assert_int_equal(tl_store_project_get_admin(f->s, "01a20607-0000-7000-8000-000000000000",
                                                &got, &sc),
                     TL_ENOTFOUND);
    assert_int_equal(sc.tenant_pk, 0);
    tl_project_release(&p);
}

static void test_leases_and_overlap(void **state) {
    struct fx *f = *state;
    tl_id t;
    assert_int_equal(tl_store_tenant_create(f->s, "t", t), 0);
    struct tl_scope m = store_fx_user(f->s, t, "m@t", TL_ROLE_MANAGER);
    struct tl_scope a = store_fx_user(f->s, "", "a@w", TL_ROLE_ANNOTATOR);
    struct tl_scope b = store_fx_user(f->s, "", "b@w", TL_ROLE_ANNOTATOR);
    struct tl_scope c = store_fx_user(f->s, "", "c@w", TL_ROLE_ANNOTATOR);
    struct tl_project p;
    project(f->s, &m, 2, 60, 1, &p);
    int64_t now = tl_clock_ms();
    struct tl_lease la, la2, lb, lc;
    tl_id id;
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now, &la), 0);
    /* asking again hands back the same lease, not extended */
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now + 1000, &la2), 0);
    assert_string_equal(la2.id, la.id);
    assert_int_equal(la2.expires_at_ms, la.expires_at_ms);
    tl_lease_release(&la2);
    assert_int_equal(tl_store_lease_claim(f->s, &b, &p, now, &lb), 0);
    assert_string_equal(la.task_id, lb.task_id);
    /* two live leases fill overlap 2: nothing for c */
    assert_int_equal(tl_store_lease_claim(f->s, &c, &p, now, &lc), TL_EEMPTY);
    /* someone else's lease, wrong task, unknown lease: conflict */
    assert_int_equal(tl_store_annotation_submit(f->s, &a, &p, la.task_id, lb.id, "{}", 2, now, id),
                     TL_ECONFLICT);
    assert_int_equal(tl_store_annotation_submit(f->s, &a, &p, "x", la.id, "{}", 2, now, id),
                     TL_ECONFLICT);
    assert_int_equal(tl_store_annotation_submit(f->s, &a, &p, la.task_id, "nope", "{}", 2, now,
                                                id),
                     TL_ECONFLICT);
    assert_int_equal(tl_store_annotation_submit(f->s, &a, &p, la.task_id, la.id, "{}", 2, now, id),
                     0);
    /* a used lease is gone: another result under it is refused; the same
     * result again (a client's retry) answers the stored annotation's id */
    assert_int_equal(tl_store_annotation_submit(f->s, &a, &p, la.task_id, la.id, "{\"x\":1}", 7,
                                                now, id),
                     TL_ECONFLICT);
    tl_id again;
    assert_int_equal(tl_store_annotation_submit(f->s, &a, &p, la.task_id, la.id, "{}", 2, now,
                                                again),
                     0);
    assert_string_equal(again, id);
    /* a annotated it: never again for a, even after b's lease expires */
    int64_t later = now + 61 * 1000;
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, later, &la2), TL_EEMPTY);
    /* b's lease expired: its slot is free for c, and b cannot submit */
    assert_int_equal(tl_store_annotation_submit(f->s, &b, &p, lb.task_id, lb.id, "{}", 2, later,
                                                id),
                     TL_ECONFLICT);
    assert_int_equal(tl_store_lease_claim(f->s, &c, &p, later, &lc), 0);
    assert_int_equal(tl_store_annotation_submit(f->s, &c, &p, lc.task_id, lc.id, "{}", 2, later,
                                                id),
                     0);
    struct tl_project got;
    assert_int_equal(tl_store_project_get(f->s, by_tenant(&m), p.id, &got), 0);
    assert_int_equal(got.n_annotations, 2);
    assert_int_equal(got.n_completed, 1);
    tl_project_release(&got);
    /* complete: nothing for anyone */
    tl_lease_release(&lb);
    assert_int_equal(tl_store_lease_claim(f->s, &b, &p, later, &lb), TL_EEMPTY);
    tl_lease_release(&la);
    tl_lease_release(&lc);
    tl_project_release(&p);
}

/* Weakness 6 (lease hoarding): `next` 100 times in a row handed one
 * annotator 100 tasks. Now it hands back the live lease they hold. */
static void test_lease_hoarding_next_returns_held_lease(void **state) {
    struct fx *f = *state;
    tl_id t;
    assert_int_equal(tl_store_tenant_create(f->s, "h", t), 0);
    struct tl_scope m = store_fx_user(f->s, t, "m@h", TL_ROLE_MANAGER);
    struct tl_scope a = store_fx_user(f->s, "", "a@h", TL_ROLE_ANNOTATOR);
    struct tl_scope b = store_fx_user(f->s, "", "b@h", TL_ROLE_ANNOTATOR);
    struct tl_project p;
    project(f->s, &m, 1, 60, 100, &p);
    assert_int_equal(p.max_leases_per_annotator, 1);
    int64_t now = tl_clock_ms();
    struct tl_lease first, l;
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now, &first), 0);
    for (int i = 1; i < 100; i++) {
        assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now + i, &l), 0);
        assert_string_equal(l.id, first.id);
        assert_string_equal(l.task_id, first.task_id);
        assert_int_equal(l.expires_at_ms, first.expires_at_ms);
        assert_int_equal(l.task_data_len, first.task_data_len);
        assert_memory_equal(l.task_data, first.task_data, l.task_data_len);
        tl_lease_release(&l);
    }
    /* the other 99 tasks are still free for someone else */
    struct tl_lease lb;
    assert_int_equal(tl_store_lease_claim(f->s, &b, &p, now, &lb), 0);
    assert_string_not_equal(lb.task_id, first.task_id);
    /* after a submit, a new task */
    tl_id id;
    assert_int_equal(tl_store_annotation_submit(f->s, &a, &p, first.task_id, first.id, "{}", 2,
                                                now, id),
                     0);
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now, &l), 0);
    assert_string_not_equal(l.id, first.id);
    assert_string_not_equal(l.task_id, first.task_id);
    assert_string_not_equal(l.task_id, lb.task_id);
    /* after expiry, a new lease (the same task: its slot is free again) */
    struct tl_lease again;
    int64_t later = l.expires_at_ms;
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, later, &again), 0);
    assert_string_not_equal(again.id, l.id);
    assert_int_equal(again.expires_at_ms, later + 60 * 1000);
    /* the default reads back */
    struct tl_project got;
    assert_int_equal(tl_store_project_get(f->s, by_tenant(&m), p.id, &got), 0);
    assert_int_equal(got.max_leases_per_annotator, 1);
    tl_project_release(&got);
    tl_lease_release(&again);
    tl_lease_release(&l);
    tl_lease_release(&lb);
    tl_lease_release(&first);
    tl_project_release(&p);
}

/* max_leases_per_annotator = 3: three distinct leases, then the oldest
 * again and again; a submit makes room for one more. */
static void test_lease_hoarding_prefetch_cap(void **state) {
    struct fx *f = *state;
    tl_id t;
    assert_int_equal(tl_store_tenant_create(f->s, "pf", t), 0);
    struct tl_scope m = store_fx_user(f->s, t, "m@pf", TL_ROLE_MANAGER);
    struct tl_scope a = store_fx_user(f->s, "", "a@pf", TL_ROLE_ANNOTATOR);
    struct tl_project p, got;
    project_capped(f->s, &m, 1, 60, 10, 3, &p);
    assert_int_equal(tl_store_project_get(f->s, by_tenant(&m), p.id, &got), 0);
    assert_int_equal(got.max_leases_per_annotator, 3);
    tl_project_release(&got);
    int64_t now = tl_clock_ms();
    struct tl_lease held[3], l;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now + i, &held[i]), 0);
        for (int k = 0; k < i; k++) {
            assert_string_not_equal(held[i].id, held[k].id);
            assert_string_not_equal(held[i].task_id, held[k].task_id);
        }
    }
    for (int i = 0; i < 20; i++) {
        assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now + 10, &l), 0);
        assert_string_equal(l.id, held[0].id);
        assert_int_equal(l.expires_at_ms, held[0].expires_at_ms);
        tl_lease_release(&l);
    }
    /* the oldest submitted: one new lease, then the next oldest repeats */
    tl_id id;
    assert_int_equal(tl_store_annotation_submit(f->s, &a, &p, held[0].task_id, held[0].id, "{}",
                                                2, now, id),
                     0);
    struct tl_lease fresh;
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now + 20, &fresh), 0);
    for (int k = 0; k < 3; k++)
        assert_string_not_equal(fresh.task_id, held[k].task_id);
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now + 30, &l), 0);
    assert_string_equal(l.id, held[1].id);
    tl_lease_release(&l);
    tl_lease_release(&fresh);
    for (int i = 0; i < 3; i++)
        tl_lease_release(&held[i]);
    tl_project_release(&p);
}

/* Fewer leases held than the cap and no task left for the caller: the
 * leases they hold are handed back rather than 204, which would tell a
 * client holding work that there is none. */
static void test_lease_hoarding_held_lease_when_queue_is_dry(void **state) {
    struct fx *f = *state;
    tl_id t;
    assert_int_equal(tl_store_tenant_create(f->s, "dry", t), 0);
    struct tl_scope m = store_fx_user(f->s, t, "m@dry", TL_ROLE_MANAGER);
    struct tl_scope a = store_fx_user(f->s, "", "a@dry", TL_ROLE_ANNOTATOR);
    struct tl_project p;
    project_capped(f->s, &m, 1, 60, 2, 5, &p);
    int64_t now = tl_clock_ms();
    struct tl_lease l1, l2, l;
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now, &l1), 0);
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now + 1, &l2), 0);
    assert_string_not_equal(l1.task_id, l2.task_id);
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now + 2, &l), 0);
    assert_string_equal(l.id, l1.id);
    tl_lease_release(&l);
    tl_id id;
    assert_int_equal(tl_store_annotation_submit(f->s, &a, &p, l1.task_id, l1.id, "{}", 2, now,
                                                id),
                     0);
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now + 3, &l), 0);
    assert_string_equal(l.id, l2.id);
    tl_lease_release(&l);
    assert_int_equal(tl_store_annotation_submit(f->s, &a, &p, l2.task_id, l2.id, "{}", 2, now,
                                                id),
                     0);
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p, now + 4, &l), TL_EEMPTY);
    tl_lease_release(&l1);
    tl_lease_release(&l2);
    tl_project_release(&p);
}

/* Leases of another project do not count against this project's cap. */
static void test_lease_hoarding_cap_is_per_project(void **state) {
    struct fx *f = *state;
    tl_id t;
    assert_int_equal(tl_store_tenant_create(f->s, "pp", t), 0);
    struct tl_scope m = store_fx_user(f->s, t, "m@pp", TL_ROLE_MANAGER);
    struct tl_scope a = store_fx_user(f->s, "", "a@pp", TL_ROLE_ANNOTATOR);
    struct tl_project p1, p2;
    project(f->s, &m, 1, 60, 2, &p1);
    project(f->s, &m, 1, 60, 2, &p2);
    int64_t now = tl_clock_ms();
    struct tl_lease l1, l2;
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p1, now, &l1), 0);
    assert_int_equal(tl_store_lease_claim(f->s, &a, &p2, now, &l2), 0);
    assert_string_not_equal(l1.id, l2.id);
    assert_string_not_equal(l1.task_id, l2.task_id);
    tl_lease_release(&l1);
    tl_lease_release(&l2);
    tl_project_release(&p1);
    tl_project_release(&p2);
}

struct racer {
    struct tl_store *s;
    const struct tl_scope *sc;
    const struct tl_project *p;
    struct tl_lease l;
    int rc;
};

static void *race_claim(void *arg) {
    struct racer *r = arg;
    r->rc = tl_store_lease_claim(r->s, r->sc, r->p, tl_clock_ms(), &r->l);
    return NULL;
}

/* One annotator's concurrent `next` calls (several tabs, a script) share
 * the cap: the decision is made in the claim's transaction. */
static void test_lease_hoarding_concurrent_calls_share_the_cap(void **state) {
    struct fx *f = *state;
    enum { N = 8, CAP = 2 };
    tl_id t;
    assert_int_equal(tl_store_tenant_create(f->s, "race", t), 0);
    struct tl_scope m = store_fx_user(f->s, t, "m@race", TL_ROLE_MANAGER);
    struct tl_scope a = store_fx_user(f->s, "", "a@race", TL_ROLE_ANNOTATOR);
    struct tl_project p;
    project_capped(f->s, &m, 1, 60, 50, CAP, &p);
    struct racer r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        r[i] = (struct racer){.s = f->s, .sc = &a, .p = &p};
        pthread_create(&th[i], NULL, race_claim, &r[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    int n_distinct = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(r[i].rc, 0);
        bool is_new = true;
        for (int k = 0; k < i; k++)
            if (!strcmp(r[i].l.id, r[k].l.id))
                is_new = false;
        n_distinct += is_new;
    }
    assert_int_equal(n_distinct, CAP);
    for (int i = 0; i < N; i++)
        tl_lease_release(&r[i].l);
    tl_project_release(&p);
}

struct worker {
    struct tl_store *s;
    struct tl_scope sc;
    struct tl_project *p;
    int done;
};

enum { MAX_PREFETCH = 8 };

/* Prefetch: claim until a lease comes back a second time (the cap is
 * reached or the queue is dry), then submit every lease held. */
static void *work(void *arg) {
    struct worker *w = arg;
    int cap = w->p->max_leases_per_annotator;
    for (;;) {
        struct tl_lease held[MAX_PREFETCH + 1];
        int n = 0, rc = 0;
        while (n <= cap) {
            rc = tl_store_lease_claim(w->s, &w->sc, w->p, tl_clock_ms(), &held[n]);
            if (rc)
                break;
            if (n > 0 && !strcmp(held[n].id, held[0].id)) {
                tl_lease_release(&held[n]);
                break;
            }
            n++;
        }
        if (rc == TL_EEMPTY && n == 0)
            break;
        bool is_bad = (rc && rc != TL_EEMPTY) || n > cap;
        for (int i = 0; i < n; i++) {
            tl_id id;
            if (!is_bad && tl_store_annotation_submit(w->s, &w->sc, w->p, held[i].task_id,
                                                      held[i].id, "{\"l\":\"x\"}", 9,
                                                      tl_clock_ms(), id))
                is_bad = true;
            else if (!is_bad)
                w->done++;
            tl_lease_release(&held[i]);
        }
        if (is_bad)
            return (void *)1;
    }
    return NULL;
}

struct tally {
    size_t tasks, bad;
};

static int count_task(void *ctx, const struct tl_export_task *t) {
    struct tally *ty = ctx;
    ty->tasks++;
    if (t->n_annotations != 3)
        ty->bad++;
    for (size_t i = 0; i < t->n_annotations; i++)
        for (size_t k = 0; k < i; k++)
            if (!strcmp(t->annotations[i].annotator_id, t->annotations[k].annotator_id))
                ty->bad++;
    return 0;
}

static void exact_overlap(struct fx *f, int max_held) {
    enum { N_WORKERS = 8, N_TASKS = 150, OVERLAP = 3 };
    tl_id t;
    assert_int_equal(tl_store_tenant_create(f->s, "c", t), 0);
    struct tl_scope m = store_fx_user(f->s, t, "m@c", TL_ROLE_MANAGER);
    struct tl_project p;
    project_capped(f->s, &m, OVERLAP, 60, N_TASKS, max_held, &p);
    assert_true(p.max_leases_per_annotator <= MAX_PREFETCH);
    struct worker w[N_WORKERS];
    pthread_t th[N_WORKERS];
    for (int i = 0; i < N_WORKERS; i++) {
        char email[32];
        snprintf(email, sizeof email, "w%d@c", i);
        w[i] = (struct worker){.s = f->s, .sc = store_fx_user(f->s, "", email, TL_ROLE_ANNOTATOR),
                               .p = &p};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    int total = 0;
    for (int i = 0; i < N_WORKERS; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        assert_null(ret);
        total += w[i].done;
    }
    assert_int_equal(total, N_TASKS * OVERLAP);
    struct tally ty = {0};
    int64_t cursor = 0;
    bool done = false;
    while (!done)
        assert_int_equal(tl_store_export_page(f->s, &m, &p, &cursor, 64, SIZE_MAX, count_task, &ty, &done),
                         0);
    assert_int_equal(ty.tasks, N_TASKS);
    assert_int_equal(ty.bad, 0);
    struct tl_project got;
    assert_int_equal(tl_store_project_get(f->s, by_tenant(&m), p.id, &got), 0);
    assert_int_equal(got.n_completed, N_TASKS);
    assert_int_equal(got.n_annotations, N_TASKS * OVERLAP);
    tl_project_release(&got);
    tl_project_release(&p);
}

static void test_concurrent_exact_overlap(void **state) {
    exact_overlap(*state, 1);
}

static void test_lease_hoarding_prefetch_keeps_overlap_exact(void **state) {
    exact_overlap(*state, 3);
}

static void test_reopen_keeps_data_and_secret(void **state) {
    struct fx *f = *state;
    tl_id t;
    assert_int_equal(tl_store_tenant_create(f->s, "keep", t), 0);
    unsigned char secret[TL_SECRET_LEN];
    memcpy(secret, tl_store_secret(f->s), sizeof secret);
    tl_store_close(f->s);
    struct tl_errbuf eb;
    assert_int_equal(tl_store_open_sqlite(f->dir, NULL, &f->s, &eb), 0);
    tl_id again;
    assert_int_equal(tl_store_tenant_find(f->s, "keep", again), 0);
    assert_string_equal(t, again);
    assert_memory_equal(secret, tl_store_secret(f->s), sizeof secret);
}


/* The asynchronous calls: done runs once per queued call, after the write
 * is durable, with the result the synchronous call would have given. */
struct waiter {
    sem_t sem;
    int rc;
    int calls;
};

static void on_done(void *arg, int rc) {
    struct waiter *w = arg;
    w->rc = rc;
    w->calls++;
    sem_post(&w->sem);
}

/* A staged import whose staged rows went missing (a server that starts
 * deletes them) must not commit the rest: all or nothing. */
static void test_import_commit_refuses_missing_staged_rows(void **state) {
    struct fx *f = *state;
    tl_id t;
    assert_int_equal(tl_store_tenant_create(f->s, "a", t), 0);
    struct tl_scope m = store_fx_user(f->s, t, "m@x", TL_ROLE_MANAGER);
    struct tl_project p, got;
    project(f->s, &m, 1, 60, 0, &p);
    struct tl_blob items[2] = {{"{\"i\":1}", 7}, {"{\"i\":2}", 7}};
    struct waiter w = {.calls = 0};
    sem_init(&w.sem, 0, 0);
    int64_t id = tl_store_import_id();
    assert_int_equal(tl_store_import_stage(f->s, &m, &p, id, items, 2, NULL, 0, on_done, &w), 0);
    sem_wait(&w.sem);
    assert_int_equal(w.rc, 0);
    /* told one row was staged, it finds two */
    assert_int_equal(
        tl_store_import_commit(f->s, &m, &p, id, 1, items, 1, NULL, 0, on_done, &w), 0);
    sem_wait(&w.sem);
    assert_int_equal(w.rc, TL_ECONFLICT);
    assert_int_equal(tl_store_project_get(f->s, by_tenant(&m), p.id, &got), 0);
    assert_int_equal(got.n_tasks, 0);
    tl_project_release(&got);
    /* the right count commits both staged rows and the last batch */
    assert_int_equal(
        tl_store_import_commit(f->s, &m, &p, id, 2, items, 1, NULL, 0, on_done, &w), 0);
    sem_wait(&w.sem);
    assert_int_equal(w.rc, 0);
    assert_int_equal(tl_store_project_get(f->s, by_tenant(&m), p.id, &got), 0);
    assert_int_equal(got.n_tasks, 3);
    tl_project_release(&got);
    tl_store_import_clear(f->s, &m, &p, id);
    sem_destroy(&w.sem);
    tl_project_release(&p);
}

static void test_async_claim_and_submit(void **state) {
    struct fx *f = *state;
    tl_id t;
    assert_int_equal(tl_store_tenant_create(f->s, "async", t), 0);
    struct tl_scope m = store_fx_user(f->s, t, "m@async", TL_ROLE_MANAGER);
    enum { N = 8 };
    struct tl_scope an[N];
    struct tl_project p;
    project(f->s, &m, 1, 60, N, &p);
    struct tl_lease l[N];
    struct waiter w[N];
    for (int i = 0; i < N; i++) {
        char email[32];
        snprintf(email, sizeof email, "a%d@async", i);
        an[i] = store_fx_user(f->s, "", email, TL_ROLE_ANNOTATOR);
        sem_init(&w[i].sem, 0, 0);
        w[i].calls = 0;
    }
    int64_t now = tl_clock_ms();
    for (int i = 0; i < N; i++)
        assert_int_equal(
            tl_store_lease_claim_async(f->s, &an[i], &p, now, &l[i], on_done, &w[i]), 0);
    for (int i = 0; i < N; i++) {
        sem_wait(&w[i].sem);
        assert_int_equal(w[i].rc, 0);
    }
    tl_id ids[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(tl_store_annotation_submit_async(f->s, &an[i], &p, l[i].task_id, l[i].id,
                                                          "{}", 2, now, ids[i], on_done, &w[i]),
                         0);
    /* a conflict comes back through done too */
    struct waiter bad = {.calls = 0};
    sem_init(&bad.sem, 0, 0);
    tl_id bad_id;
    assert_int_equal(tl_store_annotation_submit_async(f->s, &an[0], &p, l[0].task_id, "nope",
                                                      "{}", 2, now, bad_id, on_done, &bad),
                     0);
    for (int i = 0; i < N; i++) {
        sem_wait(&w[i].sem);
        assert_int_equal(w[i].rc, 0);
        assert_int_equal(w[i].calls, 2);
        tl_lease_release(&l[i]);
    }
    sem_wait(&bad.sem);
    assert_int_equal(bad.rc, TL_ECONFLICT);
    struct tl_project got;
    assert_int_equal(tl_store_project_get(f->s, by_tenant(&m), p.id, &got), 0);
    assert_int_equal(got.n_annotations, N);
    assert_int_equal(got.n_completed, N);
    tl_project_release(&got);
    tl_project_release(&p);
}

/* Lifecycle (store.h): pages, task deletion, overlap changes, member
 * removal and project deletion keep counts and scope right. */
static void test_lifecycle(void **state) {
    struct fx *f = *state;
    tl_id ta, tb;
    assert_int_equal(tl_store_tenant_create(f->s, "la", ta), 0);
    assert_int_equal(tl_store_tenant_create(f->s, "lb", tb), 0);
    struct tl_scope m = store_fx_user(f->s, ta, "lm@x", TL_ROLE_MANAGER);
    struct tl_scope other = store_fx_user(f->s, tb, "lo@x", TL_ROLE_MANAGER);
    struct tl_scope w = store_fx_user(f->s, ta, "lw@x", TL_ROLE_ANNOTATOR);
    struct tl_project p;
    project(f->s, &m, 1, 60, 5, &p);
    assert_int_equal(tl_store_member_add(f->s, &m, &p, "lw@x", TL_ROLE_ANNOTATOR, NULL), 0);
    struct tl_lease l;
    assert_int_equal(tl_store_lease_claim(f->s, &w, &p, tl_clock_ms(), &l), 0);
    tl_id ann;
    assert_int_equal(tl_store_annotation_submit(f->s, &w, &p, l.task_id, l.id, "{}", 2,
                                                tl_clock_ms(), ann), 0);
    tl_lease_release(&l);
    /* pages of 2, then the complete state alone */
    struct tl_task_item *items;
    size_t n, total = 0;
    int64_t cursor = 0;
    do {
        assert_int_equal(tl_store_task_list(f->s, &m, &p, TL_TASKS_ALL, 2, &cursor, &items, &n), 0);
        total += n;
        for (size_t i = 0; i < n; i++)
            tl_task_item_release(&items[i]);
        free(items);
    } while (cursor);
    assert_int_equal(total, 5);
    assert_int_equal(tl_store_task_list(f->s, &other, &p, TL_TASKS_ALL, 10, &cursor, &items, &n), 0);
    assert_int_equal(n, 0); /* another tenant's scope reaches no task */
    free(items);
    assert_int_equal(tl_store_task_list(f->s, &m, &p, TL_TASKS_COMPLETE, 10, &cursor, &items, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].id, l.task_id);
    tl_task_item_release(&items[0]);
    free(items);
    /* a higher overlap reopens the task */
    p.overlap = 2;
    assert_int_equal(tl_store_project_update(f->s, &m, &p), 0);
    struct tl_project got;
    const struct tl_filter *fm = by_tenant(&m);
    assert_int_equal(tl_store_project_get(f->s, fm, p.id, &got), 0);
    assert_int_equal(got.n_completed, 0);
    tl_project_release(&got);
    /* deleting the annotated task fixes the counts */
    const char *ids[] = {l.task_id, "nope"};
    int64_t deleted;
    assert_int_equal(tl_store_tasks_delete(f->s, &other, &p, ids, 2, &deleted), 0);
    assert_int_equal(deleted, 0);
    assert_int_equal(tl_store_tasks_delete(f->s, &m, &p, ids, 2, &deleted), 0);
    assert_int_equal(deleted, 1);
    assert_int_equal(tl_store_project_get(f->s, fm, p.id, &got), 0);
    assert_true(got.n_tasks == 4 && got.n_annotations == 0);
    tl_project_release(&got);
    /* a removed member's lease goes with them */
    assert_int_equal(tl_store_lease_claim(f->s, &w, &p, tl_clock_ms(), &l), 0);
    tl_lease_release(&l);
    assert_int_equal(tl_store_member_remove(f->s, &other, &p, w.user_id), TL_ENOTFOUND);
    assert_int_equal(tl_store_member_remove(f->s, &m, &p, w.user_id), 0);
    assert_int_equal(tl_store_member_remove(f->s, &m, &p, w.user_id), TL_ENOTFOUND);
    /* a deleted project is gone at once */
    assert_int_equal(tl_store_project_delete(f->s, &other, &p), TL_ENOTFOUND);
    assert_int_equal(tl_store_project_delete(f->s, &m, &p), 0);
    assert_int_equal(tl_store_project_get(f->s, fm, p.id, &got), TL_ENOTFOUND);
    tl_project_release(&p);
}

/* A released lease is a skip: the task is not served to its holder again;
 * an annotation's edit and deletion keep history and the counts right. */
static void test_release_and_annotation_edits(void **state) {
    struct fx *f = *state;
    tl_id ta;
    assert_int_equal(tl_store_tenant_create(f->s, "ra", ta), 0);
    struct tl_scope m = store_fx_user(f->s, ta, "rm@x", TL_ROLE_MANAGER);
    struct tl_scope w = store_fx_user(f->s, ta, "rw@x", TL_ROLE_ANNOTATOR);
    struct tl_scope v = store_fx_user(f->s, ta, "rv@x", TL_ROLE_ANNOTATOR);
    struct tl_project p;
    project(f->s, &m, 1, 60, 1, &p);
    assert_int_equal(tl_store_member_add(f->s, &m, &p, "rw@x", TL_ROLE_ANNOTATOR, NULL), 0);
    assert_int_equal(tl_store_member_add(f->s, &m, &p, "rv@x", TL_ROLE_ANNOTATOR, NULL), 0);
    struct tl_lease l;
    int64_t now = tl_clock_ms();
    assert_int_equal(tl_store_lease_claim(f->s, &w, &p, now, &l), 0);
    assert_int_equal(tl_store_lease_release(f->s, &v, &p, l.id, "no", now), TL_ECONFLICT);
    assert_int_equal(tl_store_lease_release(f->s, &w, &p, l.id, "blurry", now), 0);
    tl_lease_release(&l);
    assert_int_equal(tl_store_lease_claim(f->s, &w, &p, now, &l), TL_EEMPTY); /* skipped */
    tl_lease_release(&l);
    assert_int_equal(tl_store_lease_claim(f->s, &v, &p, now, &l), 0); /* the slot reopened */
    tl_id ann;
    assert_int_equal(tl_store_annotation_submit(f->s, &v, &p, l.task_id, l.id, "{\"a\":1}", 7,
                                                now, ann), 0);
    tl_lease_release(&l);
    struct tl_member *ms;
    size_t n;
    assert_int_equal(tl_store_member_list(f->s, &m, &p, now, &ms, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(ms[0].n_skipped, 1);
    assert_string_equal(ms[0].skips[0].reason, "blurry");
    assert_int_equal(ms[1].n_done, 1);
    assert_true(ms[1].median_seconds >= 0);
    free(ms);
    /* edits: only the author's row changes */
    assert_int_equal(tl_store_annotation_update(f->s, &w, &p, ann, "{}", 2, now, NULL), TL_ENOTFOUND);
    assert_int_equal(tl_store_annotation_update(f->s, &v, &p, ann, "{\"a\":2}", 7, now, NULL), 0);
    struct tl_annotation got;
    assert_int_equal(tl_store_annotation_get(f->s, &m, &p, ann, &got), 0);
    assert_string_equal(got.result, "{\"a\":2}");
    tl_annotation_release(&got);
    assert_int_equal(tl_store_annotation_delete(f->s, &m, &p, ann, now, NULL), 0);
    assert_int_equal(tl_store_annotation_get(f->s, &m, &p, ann, &got), TL_ENOTFOUND);
    struct tl_project after;
    assert_int_equal(tl_store_project_get(f->s, by_tenant(&m), p.id, &after), 0);
    assert_true(after.n_annotations == 0 && after.n_completed == 0);
    tl_project_release(&after);
    tl_project_release(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tenants_users_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tenant_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_project_get_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_commit_refuses_missing_staged_rows, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_leases_and_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_hoarding_next_returns_held_lease, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lease_hoarding_prefetch_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_hoarding_held_lease_when_queue_is_dry, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lease_hoarding_cap_is_per_project, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_hoarding_concurrent_calls_share_the_cap, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_exact_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_hoarding_prefetch_keeps_overlap_exact, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data_and_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_async_claim_and_submit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_and_annotation_edits, setup, teardown),
    };
    return cmocka_run_group_tests_name("store_sqlite", tests, NULL, NULL);
}
