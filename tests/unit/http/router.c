/* Tests for src/http/router.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/err.h"
#include "http/router.h"

static void h(void *app, struct tl_http_req *r) { (void)app, (void)r; }

static const struct tl_route routes[] = {
    {.method = "GET", .pattern = "/healthz", .handler = h, .body = TL_BODY_NONE},
    {.method = "GET", .pattern = "/api/v1/projects/{}", .handler = h, .body = TL_BODY_NONE},
    {.method = "POST", .pattern = "/api/v1/projects/{}/tasks", .handler = h, .body = TL_BODY_STREAM},
    {.method = "POST", .pattern = "/api/v1/tasks/{}/annotations", .handler = h, .body = TL_BODY_SMALL},
};

static void test_match(void **state) {
    char params[TL_HTTP_MAX_PARAMS][TL_ROUTE_MAX_PARAM];
    const struct tl_route *r;
    assert_int_equal(tl_router_match(routes, 4, "GET", "/healthz", &r, params), 0);
    assert_ptr_equal(r, &routes[0]);
    assert_int_equal(tl_router_match(routes, 4, "POST", "/api/v1/projects/abc/tasks", &r, params),
                     0);
    assert_ptr_equal(r, &routes[2]);
    assert_string_equal(params[0], "abc");
    assert_int_equal(tl_router_match(routes, 4, "GET", "/api/v1/projects/x", &r, params), 0);
    assert_string_equal(params[0], "x");
}

static void test_no_match(void **state) {
    char params[TL_HTTP_MAX_PARAMS][TL_ROUTE_MAX_PARAM];
    const struct tl_route *r;
    assert_int_equal(tl_router_match(routes, 4, "GET", "/api/v1/projects/", &r, params),
                     TL_ENOTFOUND);
    assert_int_equal(tl_router_match(routes, 4, "GET", "/api/v1/projects/a/b", &r, params),
                     TL_ENOTFOUND);
    assert_int_equal(tl_router_match(routes, 4, "GET", "/healthz/", &r, params), TL_ENOTFOUND);
    assert_int_equal(tl_router_match(routes, 4, "DELETE", "/healthz", &r, params),
                     TL_ECONFLICT);
    char longseg[200];
    memset(longseg, 'a', sizeof longseg);
    memcpy(longseg, "/api/v1/projects/", 17);
    longseg[199] = '\0';
    assert_int_equal(tl_router_match(routes, 4, "GET", longseg, &r, params), TL_ENOTFOUND);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_no_match),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
