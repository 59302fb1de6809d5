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

/* The 405's Allow header: every method of the path, each once, in table
 * order; nothing for an unknown path; what does not fit is left out whole. */
static void test_allow(void **state) {
    static const struct tl_route table[] = {
        {.method = "GET", .pattern = "/p/{}", .handler = h},
        {.method = "PATCH", .pattern = "/p/{}", .handler = h},
        {.method = "GET", .pattern = "/p/x", .handler = h}, /* the same method again */
        {.method = "DELETE", .pattern = "/p/{}", .handler = h},
        {.method = "POST", .pattern = "/p/{}/tasks", .handler = h},
    };
    char allow[64];
    assert_int_equal(tl_router_allow(table, 5, "/p/x", allow, sizeof allow), 3);
    assert_string_equal(allow, "GET, PATCH, DELETE");
    assert_int_equal(tl_router_allow(table, 5, "/p/y/tasks", allow, sizeof allow), 1);
    assert_string_equal(allow, "POST");
    assert_int_equal(tl_router_allow(table, 5, "/q", allow, sizeof allow), 0);
    assert_string_equal(allow, "");
    assert_int_equal(tl_router_allow(table, 5, "/p/x", allow, 11), 2); /* "GET, PATCH" */
    assert_string_equal(allow, "GET, PATCH");
    assert_int_equal(tl_router_allow(table, 5, "/p/x", allow, 10), 1);
    assert_string_equal(allow, "GET");
}

static void test_query_check(void **state) {
    static const char *const known[] = {"limit", "cursor", NULL};
    uint32_t seen = 0;
    assert_int_equal(tl_router_query_check(known, "limit", "5", &seen), TL_QUERY_OK);
    assert_int_equal(tl_router_query_check(known, "cursor", "", &seen), TL_QUERY_OK);
    assert_int_equal(tl_router_query_check(known, "limit", "6", &seen), TL_QUERY_REPEATED);
    assert_int_equal(tl_router_query_check(known, "limi", "5", &seen), TL_QUERY_UNKNOWN);
    assert_int_equal(tl_router_query_check(known, "", "5", &seen), TL_QUERY_UNKNOWN);
    seen = 0;
    assert_int_equal(tl_router_query_check(known, "limit", NULL, &seen), TL_QUERY_NO_VALUE);
    /* a route without a list takes nothing */
    assert_int_equal(tl_router_query_check(NULL, "limit", "5", &seen), TL_QUERY_UNKNOWN);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_no_match),
        cmocka_unit_test(test_allow),
        cmocka_unit_test(test_query_check),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
