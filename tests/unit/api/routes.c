/* Tests for src/api/routes.c: the route table is checked at start-up, so a
 * route without a usable policy stops the server instead of being served. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "api/api.h"

static void noop(void *app, struct tl_http_req *r) {}

static void test_real_table_is_complete(void **state) {
    struct tl_errbuf eb = {{0}};
    assert_int_equal(tl_api_routes_check(tl_api_routes, tl_api_n_routes, &eb), 0);
    for (size_t i = 0; i < tl_api_n_routes; i++)
        assert_non_null(tl_api_routes[i].policy);
}

static void test_route_without_policy_refused(void **state) {
    static const struct tl_api_policy read_project = {.act = TL_ACT_READ, .obj = TL_OBJ_PROJECT};
    static const struct tl_api_policy read_nothing = {.act = TL_ACT_READ};
    static const struct tl_api_policy list_project = {.act = TL_ACT_LIST, .obj = TL_OBJ_PROJECT};
    static const struct tl_api_policy unknown = {.act = TL_ACT_COUNT};
    const struct tl_route ok = {.method = "GET", .pattern = "/x/{}", .handler = noop,
                                .body = TL_BODY_NONE, .policy = &read_project};
    struct tl_route bad[] = {ok, ok};
    struct tl_errbuf eb = {{0}};
    assert_int_equal(tl_api_routes_check(bad, 2, &eb), 0);
    bad[1].policy = NULL;
    assert_int_equal(tl_api_routes_check(bad, 2, &eb), TL_EINTERNAL);
    assert_non_null(strstr(eb.msg, "no access policy"));
    bad[1].policy = &read_nothing; /* an action on a project, but no project in the path */
    assert_int_equal(tl_api_routes_check(bad, 2, NULL), TL_EINTERNAL);
    bad[1].policy = &list_project;
    assert_int_equal(tl_api_routes_check(bad, 2, NULL), TL_EINTERNAL);
    bad[1].policy = &unknown;
    assert_int_equal(tl_api_routes_check(bad, 2, NULL), TL_EINTERNAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_table_is_complete),
        cmocka_unit_test(test_route_without_policy_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
