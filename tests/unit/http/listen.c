/* Tests for src/http/listen.c: IPv4, IPv6 (when the machine has ::1) and
 * names bind; port 0 reports the port the kernel chose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/err.h"
#include "http/listen.h"

static void test_ipv4_and_name(void **state) {
    int fd;
    uint16_t port = 0;
    assert_int_equal(tl_http_listen("127.0.0.1", 0, 16, &fd, &port), 0);
    assert_true(port > 0);
    close(fd);
    assert_int_equal(tl_http_listen("localhost", 0, 16, &fd, &port), 0);
    assert_true(port > 0);
    close(fd);
}

static void test_ipv6(void **state) {
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bool has_v6 = probe >= 0 && !bind(probe, (struct sockaddr *)&a, sizeof a);
    if (probe >= 0)
        close(probe);
    if (!has_v6)
        skip(); /* no ::1 on this machine */
    int fd;
    uint16_t port = 0;
    assert_int_equal(tl_http_listen("::1", 0, 16, &fd, &port), 0);
    assert_true(port > 0);
    close(fd);
}

static void test_errors(void **state) {
    int fd;
    uint16_t port;
    assert_int_equal(tl_http_listen("no-such-host.invalid", 0, 16, &fd, &port), TL_ENOTFOUND);
    /* a port in use */
    assert_int_equal(tl_http_listen("127.0.0.1", 0, 16, &fd, &port), 0);
    int fd2;
    uint16_t port2;
    assert_int_equal(tl_http_listen("127.0.0.1", port, 16, &fd2, &port2), TL_EIO);
    close(fd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_and_name),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
