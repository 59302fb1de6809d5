/* Tests for the store's people calls (src/store/people.c and
 * src/store/sqlite/people.c): token and user reach is scoped and fails
 * closed, a disabled user's tokens resolve to nothing, and a store opened
 * "existing only" is never made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "store/store.h"
#include "fixture.h"

struct fx {
    char dir[64];
    struct tl_store *s;
    tl_id acme, zeta;
};

static int setup(void **state) {
    struct fx *f = calloc(1, sizeof *f);
    if (store_fx_open(f->dir, &f->s) ||
        tl_store_tenant_create(f->s, "acme", f->acme) ||
        tl_store_tenant_create(f->s, "zeta", f->zeta))
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

/* A user of tenant_id ("" workforce) with one named token: its hash and id. */
static struct tl_user person(struct tl_store *s, const char *tenant_id, const char *email,
                             enum tl_role role, char hash[TL_TOKEN_HASH_LEN + 1], tl_id token_id) {
    struct tl_user u = {.role = role};
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.tenant_id, sizeof u.tenant_id, "%s", tenant_id);
    assert_int_equal(tl_store_user_create(s, &u), 0);
    char token[TL_TOKEN_LEN + 1];
    tl_token_new(token);
    tl_token_hash(token, TL_TOKEN_LEN, hash);
    assert_int_equal(tl_store_token_add(s, u.pk, hash, 0, "ci", token_id), 0);
    return u;
}

static size_t count_tokens(struct tl_store *s, const struct tl_token_filter *f,
                           const char *user_id) {
    struct tl_token_info *k;
    size_t n;
    assert_int_equal(tl_store_token_list(s, f, user_id, tl_clock_ms(), &k, &n), 0);
    free(k);
    return n;
}

static void test_token_reach(void **state) {
    struct fx *f = *state;
    char h_owner[TL_TOKEN_HASH_LEN + 1], h_ann[TL_TOKEN_HASH_LEN + 1];
    char h_work[TL_TOKEN_HASH_LEN + 1], h_zeta[TL_TOKEN_HASH_LEN + 1];
    tl_id k_owner, k_ann, k_work, k_zeta;
    struct tl_user owner = person(f->s, f->acme, "o@acme", TL_ROLE_OWNER, h_owner, k_owner);
    struct tl_user ann = person(f->s, f->acme, "a@acme", TL_ROLE_ANNOTATOR, h_ann, k_ann);
    struct tl_user work = person(f->s, "", "w@crowd", TL_ROLE_ANNOTATOR, h_work, k_work);
    person(f->s, f->zeta, "o@zeta", TL_ROLE_OWNER, h_zeta, k_zeta);
    int64_t acme_pk;
    {
        struct tl_scope sc;
        assert_int_equal(tl_store_token_scope(f->s, h_owner, tl_clock_ms(), &sc), 0);
        acme_pk = sc.tenant_pk;
    }
    /* all zero reaches nothing */
    const struct tl_token_filter none = {0};
    assert_int_equal(count_tokens(f->s, &none, NULL), 0);
    assert_int_equal(tl_store_token_revoke(f->s, &none, k_owner), TL_ENOTFOUND);
    /* one's own */
    const struct tl_token_filter own = {.user_pk = ann.pk};
    assert_int_equal(count_tokens(f->s, &own, NULL), 1);
    assert_int_equal(tl_store_token_revoke(f->s, &own, k_owner), TL_ENOTFOUND);
    /* the tenant's: its users', never the workforce's or another tenant's */
    const struct tl_token_filter tenant = {.user_pk = owner.pk, .tenant_pk = acme_pk};
    assert_int_equal(count_tokens(f->s, &tenant, NULL), 2);
    assert_int_equal(count_tokens(f->s, &tenant, ann.id), 1);
    assert_int_equal(count_tokens(f->s, &tenant, work.id), 0);
    assert_int_equal(tl_store_token_revoke(f->s, &tenant, k_work), TL_ENOTFOUND);
    assert_int_equal(tl_store_token_revoke(f->s, &tenant, k_zeta), TL_ENOTFOUND);
    assert_int_equal(tl_store_token_revoke(f->s, &tenant, k_ann), 0);
    assert_int_equal(tl_store_token_revoke(f->s, &tenant, k_ann), TL_ENOTFOUND); /* once */
    struct tl_scope sc;
    assert_int_equal(tl_store_token_scope(f->s, h_ann, tl_clock_ms(), &sc), TL_EAUTH);
    assert_int_equal(tl_store_token_scope(f->s, h_work, tl_clock_ms(), &sc), 0);
    /* the admin CLI reaches any */
    const struct tl_token_filter any = {.is_any = true};
    assert_int_equal(count_tokens(f->s, &any, NULL), 3);
    assert_int_equal(tl_store_token_revoke(f->s, &any, k_zeta), 0);
}

static void test_user_scope_and_disable(void **state) {
    struct fx *f = *state;
    char hash[TL_TOKEN_HASH_LEN + 1], h_work[TL_TOKEN_HASH_LEN + 1];
    tl_id kid, k_work;
    struct tl_user m = person(f->s, f->acme, "m@acme", TL_ROLE_MANAGER, hash, kid);
    struct tl_user w = person(f->s, "", "w@crowd", TL_ROLE_ANNOTATOR, h_work, k_work);
    struct tl_user got;
    assert_int_equal(tl_store_user_get(f->s, f->acme, m.id, &got), 0);
    assert_string_equal(got.email, "m@acme");
    assert_int_equal(got.created_at_ms, m.created_at_ms);
    assert_int_equal(tl_store_user_get(f->s, f->zeta, m.id, &got), TL_ENOTFOUND);
    assert_int_equal(tl_store_user_get(f->s, f->acme, w.id, &got), TL_ENOTFOUND);
    assert_int_equal(tl_store_user_get(f->s, "", w.id, &got), 0);
    assert_int_equal(tl_store_user_update(f->s, f->zeta, m.id, 1, TL_ROLE_NONE, &got),
                     TL_ENOTFOUND);
    assert_int_equal(tl_store_user_update(f->s, f->acme, w.id, 1, TL_ROLE_NONE, &got),
                     TL_ENOTFOUND);
    /* disabled: its token resolves to nothing, its role is kept */
    assert_int_equal(tl_store_user_update(f->s, f->acme, m.id, 1, TL_ROLE_NONE, &got), 0);
    assert_true(got.is_disabled);
    assert_int_equal(got.role, TL_ROLE_MANAGER);
    struct tl_scope sc;
    assert_int_equal(tl_store_token_scope(f->s, hash, tl_clock_ms(), &sc), TL_EAUTH);
    assert_int_equal(tl_store_user_find(f->s, "m@acme", &got), 0);
    assert_true(got.is_disabled);
    /* a role change alone keeps it disabled; enabling brings the token back */
    assert_int_equal(tl_store_user_update(f->s, f->acme, m.id, -1, TL_ROLE_VIEWER, &got), 0);
    assert_true(got.is_disabled);
    assert_int_equal(got.role, TL_ROLE_VIEWER);
    assert_int_equal(tl_store_user_update(f->s, f->acme, m.id, 0, TL_ROLE_NONE, &got), 0);
    assert_int_equal(tl_store_token_scope(f->s, hash, tl_clock_ms(), &sc), 0);
    assert_int_equal(sc.role, TL_ROLE_VIEWER);
    /* lists: per tenant, the workforce, everyone */
    struct tl_user *u;
    size_t n;
    assert_int_equal(tl_store_user_list(f->s, f->acme, &u, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(u[0].id, m.id);
    assert_string_equal(u[0].password_hash, "");
    free(u);
    assert_int_equal(tl_store_user_list(f->s, "", &u, &n), 0);
    assert_int_equal(n, 1);
    free(u);
    assert_int_equal(tl_store_user_list(f->s, NULL, &u, &n), 0);
    assert_int_equal(n, 2);
    free(u);
    struct tl_tenant *t;
    assert_int_equal(tl_store_tenant_list(f->s, &t, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(t[0].name, "acme");
    assert_int_equal(t[0].n_users, 1);
    assert_int_equal(t[1].n_users, 0);
    free(t);
}

static void test_existing_only_makes_nothing(void **state) {
    struct fx *f = *state;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/typo", f->dir);
    struct tl_store_opts opts = {.is_existing_only = true};
    struct tl_store *s = NULL;
    struct tl_errbuf eb = {{0}};
    assert_int_equal(tl_store_open_sqlite(dir, &opts, &s, &eb), TL_ENOTFOUND);
    assert_null(s);
    assert_non_null(strstr(eb.msg, "holds no Tally store"));
    struct stat sb;
    assert_int_not_equal(stat(dir, &sb), 0);
    /* the fixture's store opens existing-only */
    tl_store_close(f->s);
    f->s = NULL;
    assert_int_equal(tl_store_open_sqlite(f->dir, &opts, &f->s, &eb), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_token_reach, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_scope_and_disable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_only_makes_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
