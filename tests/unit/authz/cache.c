/* Tests for src/authz/cache.c: what is kept, for how long, and what makes
 * an entry stale (TTL, token expiry, invalidation, a put that raced one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "authz/cache.h"
#include "core/err.h"

#define TTL 5000

static const char hash_a[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char hash_b[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
static const char proj_id[] = "01890000-0000-7000-8000-000000000001";
static const char task_id[] = "01890000-0000-7000-8000-0000000000aa";

static struct tl_scope scope(int64_t user_pk, int64_t expires_ms) {
    struct tl_scope sc;
    memset(&sc, 0, sizeof sc);
    sc.user_pk = user_pk;
    sc.tenant_pk = 7;
    sc.role = TL_ROLE_ANNOTATOR;
    sc.token_expires_ms = expires_ms;
    return sc;
}

static void test_token_ttl_and_expiry(void **state) {
    struct tl_authz_cache *c = tl_authz_cache_new(TTL);
    assert_non_null(c);
    struct tl_scope sc = scope(42, 0), got;
    assert_false(tl_authz_cache_get_token(c, hash_a, 1000, &got));
    tl_authz_cache_put_token(c, tl_authz_cache_gen(c), hash_a, 1000, &sc);
    assert_true(tl_authz_cache_get_token(c, hash_a, 1000 + TTL - 1, &got));
    assert_int_equal(got.user_pk, 42);
    assert_false(tl_authz_cache_get_token(c, hash_b, 1001, &got)); /* other key */
    assert_false(tl_authz_cache_get_token(c, hash_a, 1000 + TTL, &got)); /* TTL over */
    assert_false(tl_authz_cache_get_token(c, hash_a, 999, &got));        /* clock went back */

    /* A token that expires before the TTL is not served past its expiry. */
    sc = scope(43, 3000);
    tl_authz_cache_put_token(c, tl_authz_cache_gen(c), hash_b, 1000, &sc);
    assert_true(tl_authz_cache_get_token(c, hash_b, 2999, &got));
    assert_false(tl_authz_cache_get_token(c, hash_b, 3000, &got));
    tl_authz_cache_free(c);
}

static void test_invalidate_and_racing_put(void **state) {
    struct tl_authz_cache *c = tl_authz_cache_new(TTL);
    assert_non_null(c);
    struct tl_scope sc = scope(42, 0), got;
    tl_authz_cache_put_token(c, tl_authz_cache_gen(c), hash_a, 0, &sc);
    tl_authz_cache_invalidate(c);
    assert_false(tl_authz_cache_get_token(c, hash_a, 1, &got));
    /* A lookup that began before an invalidation must not be cached. */
    uint64_t before = tl_authz_cache_gen(c);
    tl_authz_cache_invalidate(c);
    tl_authz_cache_put_token(c, before, hash_a, 2, &sc);
    assert_false(tl_authz_cache_get_token(c, hash_a, 3, &got));
    tl_authz_cache_put_token(c, tl_authz_cache_gen(c), hash_a, 2, &sc);
    assert_true(tl_authz_cache_get_token(c, hash_a, 3, &got));
    tl_authz_cache_free(c);
}

static void test_project_copies_config_per_user(void **state) {
    struct tl_authz_cache *c = tl_authz_cache_new(TTL);
    assert_non_null(c);
    struct tl_project p;
    memset(&p, 0, sizeof p);
    p.pk = 9;
    memcpy(p.id, proj_id, sizeof p.id);
    p.overlap = 3;
    p.lease_seconds = 60;
    p.n_tasks = 100;
    p.name = strdup("Sentiment");
    p.schema_json = strdup("{\"fields\":[]}");
    assert_non_null(p.name);
    assert_non_null(p.schema_json);
    tl_authz_cache_put_project(c, tl_authz_cache_gen(c), 42, 0, &p);
    tl_project_release(&p); /* the cache kept its own copy */

    struct tl_project got;
    assert_int_equal(tl_authz_cache_get_project(c, 43, proj_id, 1, &got), TL_ENOTFOUND);
    assert_int_equal(tl_authz_cache_get_project(c, 42, proj_id, 1, &got), 0);
    assert_int_equal(got.pk, 9);
    assert_int_equal(got.overlap, 3);
    assert_int_equal(got.lease_seconds, 60);
    assert_int_equal(got.n_tasks, 0); /* counts are never served from the cache */
    assert_string_equal(got.schema_json, "{\"fields\":[]}");
    tl_project_release(&got);
    assert_int_equal(tl_authz_cache_get_project(c, 42, proj_id, TTL, &got), TL_ENOTFOUND);

    /* Replacing an entry frees the old copy (ASan would see a leak). */
    p.name = strdup("again");
    p.schema_json = strdup("{}");
    tl_authz_cache_put_project(c, tl_authz_cache_gen(c), 42, 10, &p);
    tl_authz_cache_put_project(c, tl_authz_cache_gen(c), 42, 20, &p);
    tl_project_release(&p);
    tl_authz_cache_free(c);
}

static void test_task_mapping(void **state) {
    struct tl_authz_cache *c = tl_authz_cache_new(TTL);
    assert_non_null(c);
    tl_id got;
    assert_false(tl_authz_cache_get_task(c, task_id, got));
    tl_authz_cache_put_task(c, task_id, proj_id);
    tl_authz_cache_invalidate(c); /* a task's project never changes: kept */
    assert_true(tl_authz_cache_get_task(c, task_id, got));
    assert_string_equal(got, proj_id);
    tl_authz_cache_put_task(c, "short", proj_id); /* not an id: ignored */
    assert_false(tl_authz_cache_get_task(c, "short", got));
    tl_authz_cache_free(c);
}

static void test_null_cache_is_a_no_op(void **state) {
    struct tl_scope sc = scope(1, 0);
    tl_id id;
    struct tl_project p;
    assert_null(tl_authz_cache_new(0));
    assert_false(tl_authz_cache_get_token(NULL, hash_a, 0, &sc));
    tl_authz_cache_put_token(NULL, 0, hash_a, 0, &sc);
    assert_false(tl_authz_cache_get_task(NULL, task_id, id));
    assert_int_equal(tl_authz_cache_get_project(NULL, 1, proj_id, 0, &p), TL_ENOTFOUND);
    tl_authz_cache_invalidate(NULL);
    tl_authz_cache_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_ttl_and_expiry),
        cmocka_unit_test(test_invalidate_and_racing_put),
        cmocka_unit_test(test_project_copies_config_per_user),
        cmocka_unit_test(test_task_mapping),
        cmocka_unit_test(test_null_cache_is_a_no_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
