/* Tests for src/authz/limiter.c: the fixed window's ceiling, the backoff
 * schedule (on an injected clock), clearing, keys counting apart, and that a
 * reservation is atomic under concurrent threads (weakness 1 of issue 6). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>

#include "authz/limiter.h"

#define WINDOW 60000

static void test_ceiling_and_window(void **state) {
    struct tl_limiter *l = tl_limiter_new(3, WINDOW);
    assert_non_null(l);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tl_limiter_wait_ms(l, "a", 1000 + i), 0);
        tl_limiter_failed(l, "a", 1000 + i);
    }
    /* Refused until the window that began with the first failure ends. */
    assert_int_equal(tl_limiter_wait_ms(l, "a", 1003), WINDOW - 3);
    assert_int_equal(tl_limiter_wait_ms(l, "a", 1000 + WINDOW - 1), 1);
    assert_int_equal(tl_limiter_wait_ms(l, "a", 1000 + WINDOW), 0);
    /* A failure after the window starts a new count. */
    tl_limiter_failed(l, "a", 1000 + WINDOW);
    assert_int_equal(tl_limiter_wait_ms(l, "a", 1001 + WINDOW), 0);
    tl_limiter_free(l);
}

static void test_keys_apart_and_clear(void **state) {
    struct tl_limiter *l = tl_limiter_new(2, WINDOW);
    assert_non_null(l);
    tl_limiter_failed(l, "account:x", 0);
    tl_limiter_failed(l, "account:x", 1);
    assert_true(tl_limiter_wait_ms(l, "account:x", 2) > 0);
    assert_int_equal(tl_limiter_wait_ms(l, "account:y", 2), 0);
    tl_limiter_clear(l, "account:x");
    assert_int_equal(tl_limiter_wait_ms(l, "account:x", 2), 0);
    tl_limiter_clear(l, "never-seen"); /* harmless */
    tl_limiter_free(l);
}

static void test_many_keys(void **state) {
    /* More keys than slots: nothing breaks, and a recent key keeps its count
     * unless a later key took its slot. */
    struct tl_limiter *l = tl_limiter_new(1, WINDOW);
    assert_non_null(l);
    char key[32];
    for (int i = 0; i < 50000; i++) {
        snprintf(key, sizeof key, "address:10.0.%d.%d", i / 256, i % 256);
        tl_limiter_failed(l, key, i);
    }
    tl_limiter_failed(l, "address:last", 50000);
    assert_true(tl_limiter_wait_ms(l, "address:last", 50001) > 0);
    tl_limiter_free(l);
}

/* n_free 3, then 1 s, 2 s, 4 s, capped at 8 s, forgotten after 60 s. */
static struct tl_limiter *backoff(void) {
    struct tl_limiter *l = tl_limiter_new_backoff(3, 1000, 8000, 60000);
    assert_non_null(l);
    return l;
}

static void test_backoff_schedule(void **state) {
    struct tl_limiter *l = backoff();
    for (int i = 0; i < 3; i++) /* the free failures */
        assert_int_equal(tl_limiter_reserve(l, "k", 0), 0);
    assert_int_equal(tl_limiter_wait_ms(l, "k", 0), 1000);
    assert_int_equal(tl_limiter_reserve(l, "k", 999), 1);
    /* Each further failure doubles the wait, counted from that failure. */
    static const int64_t at[] = {1000, 3000, 7000, 15000, 23000};
    static const int64_t wait_after[] = {2000, 4000, 8000, 8000, 8000};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(tl_limiter_reserve(l, "k", at[i]), 0);
        assert_int_equal(tl_limiter_wait_ms(l, "k", at[i]), wait_after[i]);
    }
    /* A refused attempt counts nothing and does not restart the wait. */
    assert_int_equal(tl_limiter_reserve(l, "k", 23001), 7999);
    assert_int_equal(tl_limiter_wait_ms(l, "k", 23002), 7998);
    /* Other keys are free; a quiet key is forgotten; a clear forgets at once. */
    assert_int_equal(tl_limiter_wait_ms(l, "other", 23002), 0);
    assert_int_equal(tl_limiter_wait_ms(l, "k", 23000 + 60000), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tl_limiter_reserve(l, "k", 83000), 0);
    assert_int_equal(tl_limiter_wait_ms(l, "k", 83000), 1000);
    tl_limiter_clear(l, "k");
    assert_int_equal(tl_limiter_wait_ms(l, "k", 83000), 0);
    tl_limiter_free(l);
}

static void test_backoff_never_overflows(void **state) {
    struct tl_limiter *l = tl_limiter_new_backoff(0, 1000, 15 * 60 * 1000, 86400000);
    assert_non_null(l);
    int64_t now = 0;
    for (int i = 0; i < 200; i++) { /* 200 doublings would overflow a shift */
        now += tl_limiter_wait_ms(l, "k", now);
        assert_int_equal(tl_limiter_reserve(l, "k", now), 0);
    }
    assert_int_equal(tl_limiter_wait_ms(l, "k", now), 15 * 60 * 1000);
    tl_limiter_free(l);
}

static void test_release_gives_one_back(void **state) {
    struct tl_limiter *l = tl_limiter_new(2, WINDOW);
    assert_non_null(l);
    assert_int_equal(tl_limiter_reserve(l, "a", 0), 0);
    assert_int_equal(tl_limiter_reserve(l, "a", 1), 0);
    assert_int_equal(tl_limiter_reserve(l, "a", 2), WINDOW - 2);
    tl_limiter_release(l, "a");
    assert_int_equal(tl_limiter_reserve(l, "a", 3), 0);
    assert_true(tl_limiter_wait_ms(l, "a", 4) > 0);
    tl_limiter_release(l, "never-seen"); /* harmless */
    tl_limiter_free(l);
}

#define RACERS 32

struct race {
    struct tl_limiter *l;
    pthread_barrier_t start;
    int n_allowed; /* guarded by mu */
    pthread_mutex_t mu;
};

static void *racer(void *arg) {
    struct race *r = arg;
    pthread_barrier_wait(&r->start);
    if (tl_limiter_reserve(r->l, "account:x", 5) == 0) {
        pthread_mutex_lock(&r->mu);
        r->n_allowed++;
        pthread_mutex_unlock(&r->mu);
    }
    return NULL;
}

/* RACERS threads released together reserve one key: exactly the allowed
 * number get through, whatever the interleaving. */
static int race(struct tl_limiter *l) {
    struct race r = {.l = l};
    pthread_mutex_init(&r.mu, NULL);
    pthread_barrier_init(&r.start, NULL, RACERS);
    pthread_t t[RACERS];
    for (int i = 0; i < RACERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, racer, &r), 0);
    for (int i = 0; i < RACERS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&r.start);
    pthread_mutex_destroy(&r.mu);
    return r.n_allowed;
}

static void test_reserve_is_atomic_under_threads(void **state) {
    for (int round = 0; round < 20; round++) {
        struct tl_limiter *fixed = tl_limiter_new(5, WINDOW);
        struct tl_limiter *b = backoff();
        assert_int_equal(race(fixed), 5);
        assert_int_equal(race(b), 3);
        tl_limiter_free(fixed);
        tl_limiter_free(b);
    }
}

static void test_bad_arguments(void **state) {
    assert_null(tl_limiter_new(0, WINDOW));
    assert_null(tl_limiter_new(1, 0));
    assert_null(tl_limiter_new_backoff(-1, 1000, 8000, 60000));
    assert_null(tl_limiter_new_backoff(3, 0, 8000, 60000));
    assert_null(tl_limiter_new_backoff(3, 1000, 999, 60000));
    assert_null(tl_limiter_new_backoff(3, 1000, 8000, 7999));
    assert_int_equal(tl_limiter_reserve(NULL, "a", 0), 0);
    tl_limiter_release(NULL, "a");
    assert_int_equal(tl_limiter_wait_ms(NULL, "a", 0), 0);
    tl_limiter_failed(NULL, "a", 0);
    tl_limiter_clear(NULL, "a");
    tl_limiter_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ceiling_and_window),
        cmocka_unit_test(test_keys_apart_and_clear),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_backoff_schedule),
        cmocka_unit_test(test_backoff_never_overflows),
        cmocka_unit_test(test_release_gives_one_back),
        cmocka_unit_test(test_reserve_is_atomic_under_threads),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
