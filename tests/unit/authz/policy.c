/* Tests for src/authz/policy.c: the role table and the read filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "authz/policy.h"

static void test_table(void **state) {
    /* managers manage; reviewers and viewers only read and export */
    for (int r = TL_ROLE_OWNER; r <= TL_ROLE_MANAGER; r++) {
        assert_true(tl_policy_tenant_allows(TL_ACT_MANAGE, (enum tl_role)r));
        assert_true(tl_policy_tenant_allows(TL_ACT_CREATE_PROJECT, (enum tl_role)r));
    }
    for (int r = TL_ROLE_REVIEWER; r <= TL_ROLE_ANNOTATOR; r++) {
        assert_false(tl_policy_tenant_allows(TL_ACT_MANAGE, (enum tl_role)r));
        assert_false(tl_policy_tenant_allows(TL_ACT_CREATE_PROJECT, (enum tl_role)r));
    }
    assert_true(tl_policy_tenant_allows(TL_ACT_EXPORT, TL_ROLE_VIEWER));
    assert_false(tl_policy_tenant_allows(TL_ACT_EXPORT, TL_ROLE_ANNOTATOR));
    assert_false(tl_policy_member_allows(TL_ACT_EXPORT, TL_ROLE_ANNOTATOR));
    /* annotating comes only through an annotator membership */
    for (int r = TL_ROLE_NONE; r <= TL_ROLE_ANNOTATOR; r++)
        assert_false(tl_policy_tenant_allows(TL_ACT_ANNOTATE, (enum tl_role)r));
    assert_true(tl_policy_member_allows(TL_ACT_ANNOTATE, TL_ROLE_ANNOTATOR));
    assert_false(tl_policy_member_allows(TL_ACT_ANNOTATE, TL_ROLE_REVIEWER));
    assert_true(tl_policy_member_allows(TL_ACT_READ, TL_ROLE_REVIEWER));
    /* deleting a project: owners and admins only */
    assert_true(tl_policy_tenant_allows(TL_ACT_ADMINISTER, TL_ROLE_OWNER));
    assert_true(tl_policy_tenant_allows(TL_ACT_ADMINISTER, TL_ROLE_ADMIN));
    for (int r = TL_ROLE_MANAGER; r <= TL_ROLE_ANNOTATOR; r++)
        assert_false(tl_policy_tenant_allows(TL_ACT_ADMINISTER, (enum tl_role)r));
    assert_false(tl_policy_member_can(TL_ACT_ADMINISTER));
    /* nobody is allowed anything outside the table */
    assert_false(tl_policy_known(TL_ACT_COUNT));
    assert_false(tl_policy_known((enum tl_action) - 1));
    assert_false(tl_policy_tenant_allows(TL_ACT_COUNT, TL_ROLE_OWNER));
    assert_false(tl_policy_tenant_allows(TL_ACT_LIST, TL_ROLE_NONE));
    assert_false(tl_policy_tenant_allows(TL_ACT_LIST, (enum tl_role)99));
    assert_string_equal(tl_action_name(TL_ACT_COUNT), "?");
    assert_string_equal(tl_action_name(TL_ACT_ANNOTATE), "annotate");
    assert_true(tl_policy_on_object(TL_ACT_READ));
    assert_false(tl_policy_on_object(TL_ACT_LIST));
    /* everyone has an account; only owners and admins manage users */
    for (int r = TL_ROLE_OWNER; r <= TL_ROLE_ANNOTATOR; r++) {
        assert_true(tl_policy_tenant_allows(TL_ACT_ACCOUNT, (enum tl_role)r));
        assert_int_equal(tl_policy_tenant_allows(TL_ACT_USERS, (enum tl_role)r),
                         r <= TL_ROLE_ADMIN);
    }
    assert_false(tl_policy_on_object(TL_ACT_ACCOUNT));
    assert_false(tl_policy_on_object(TL_ACT_USERS));
    assert_string_equal(tl_action_name(TL_ACT_USERS), "users");
}

/* An owner gives any role; an admin any but owner, and never touches an
 * owner; nobody else assigns roles. */
static void test_may_assign(void **state) {
    assert_true(tl_policy_may_assign(TL_ROLE_OWNER, TL_ROLE_NONE, TL_ROLE_ADMIN));
    assert_true(tl_policy_may_assign(TL_ROLE_OWNER, TL_ROLE_NONE, TL_ROLE_OWNER));
    assert_true(tl_policy_may_assign(TL_ROLE_OWNER, TL_ROLE_OWNER, TL_ROLE_VIEWER));
    assert_true(tl_policy_may_assign(TL_ROLE_ADMIN, TL_ROLE_NONE, TL_ROLE_ADMIN));
    assert_true(tl_policy_may_assign(TL_ROLE_ADMIN, TL_ROLE_MANAGER, TL_ROLE_ANNOTATOR));
    assert_false(tl_policy_may_assign(TL_ROLE_ADMIN, TL_ROLE_NONE, TL_ROLE_OWNER));
    assert_false(tl_policy_may_assign(TL_ROLE_ADMIN, TL_ROLE_OWNER, TL_ROLE_OWNER));
    assert_false(tl_policy_may_assign(TL_ROLE_ADMIN, TL_ROLE_OWNER, TL_ROLE_ADMIN));
    assert_false(tl_policy_may_assign(TL_ROLE_MANAGER, TL_ROLE_NONE, TL_ROLE_VIEWER));
    assert_false(tl_policy_may_assign(TL_ROLE_OWNER, TL_ROLE_NONE, TL_ROLE_NONE));
    assert_false(tl_policy_may_assign(TL_ROLE_OWNER, TL_ROLE_NONE, (enum tl_role)99));
}

/* Names: a tenant sees its own staff by email; annotators (its own too)
 * and everyone else's people stay pseudonyms. */
static void test_shows_email(void **state) {
    for (int r = TL_ROLE_OWNER; r <= TL_ROLE_VIEWER; r++)
        assert_true(tl_policy_shows_email("t1", "t1", (enum tl_role)r));
    assert_false(tl_policy_shows_email("t1", "t1", TL_ROLE_ANNOTATOR));
    assert_false(tl_policy_shows_email("t1", "t1", TL_ROLE_NONE));
    assert_false(tl_policy_shows_email("t1", "", TL_ROLE_ANNOTATOR));
    assert_false(tl_policy_shows_email("t1", "t2", TL_ROLE_MANAGER));
    assert_false(tl_policy_shows_email("", "", TL_ROLE_MANAGER));
}

/* "staff" is decided here once: a tenant role of owner..viewer inside a
 * tenant. Everybody else reads through membership only. */
static void test_filter(void **state) {
    struct tl_scope viewer = {.user_pk = 7, .tenant_pk = 3, .role = TL_ROLE_VIEWER};
    struct tl_filter f = tl_policy_filter(&viewer);
    assert_int_equal(f.tenant_pk, 3);
    assert_int_equal(f.member_pk, 0);
    struct tl_scope tenant_ann = {.user_pk = 8, .tenant_pk = 3, .role = TL_ROLE_ANNOTATOR};
    f = tl_policy_filter(&tenant_ann);
    assert_int_equal(f.tenant_pk, 3);
    assert_int_equal(f.member_pk, 8);
    struct tl_scope workforce = {.user_pk = 9, .tenant_pk = 0, .role = TL_ROLE_ANNOTATOR};
    f = tl_policy_filter(&workforce);
    assert_int_equal(f.tenant_pk, 0);
    assert_int_equal(f.member_pk, 9);
    /* a staff role without a tenant (should never exist) gets no tenant-wide view */
    struct tl_scope odd = {.user_pk = 10, .tenant_pk = 0, .role = TL_ROLE_OWNER};
    assert_false(tl_policy_is_staff(&odd));
    f = tl_policy_filter(&odd);
    assert_int_equal(f.member_pk, 10);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_may_assign),
        cmocka_unit_test(test_shows_email),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
