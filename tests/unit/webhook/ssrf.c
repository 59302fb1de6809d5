/* Tests for src/webhook/ssrf.c: the address table, with IPv4-mapped and
 * other IPv4-carrying IPv6 forms, and the metadata addresses that
 * --webhook-allow-private never opens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "webhook/ssrf.h"

struct row {
    const char *addr;
    enum tl_addr_class cls;
    const char *why;
};

static const struct row table[] = {
    {"8.8.8.8", TL_ADDR_PUBLIC, "public"},
    {"93.184.216.34", TL_ADDR_PUBLIC, "public"},
    {"127.0.0.1", TL_ADDR_PRIVATE, "loopback"},
    {"127.255.255.254", TL_ADDR_PRIVATE, "loopback"},
    {"10.0.0.1", TL_ADDR_PRIVATE, "private"},
    {"172.16.0.1", TL_ADDR_PRIVATE, "private"},
    {"172.31.255.255", TL_ADDR_PRIVATE, "private"},
    {"172.32.0.1", TL_ADDR_PUBLIC, "public"},
    {"192.168.1.1", TL_ADDR_PRIVATE, "private"},
    {"100.64.0.1", TL_ADDR_PRIVATE, "shared (CGNAT)"},
    {"100.127.255.255", TL_ADDR_PRIVATE, "shared (CGNAT)"},
    {"100.128.0.1", TL_ADDR_PUBLIC, "public"},
    {"169.254.169.254", TL_ADDR_FORBIDDEN, "metadata"},
    {"100.100.100.200", TL_ADDR_FORBIDDEN, "metadata"},
    {"168.63.129.16", TL_ADDR_FORBIDDEN, "metadata"},
    {"169.254.1.1", TL_ADDR_FORBIDDEN, "link-local"},
    {"0.0.0.0", TL_ADDR_FORBIDDEN, "unspecified"},
    {"0.1.2.3", TL_ADDR_FORBIDDEN, "unspecified"},
    {"224.0.0.1", TL_ADDR_FORBIDDEN, "multicast"},
    {"239.255.255.250", TL_ADDR_FORBIDDEN, "multicast"},
    {"255.255.255.255", TL_ADDR_FORBIDDEN, "reserved"},
    {"192.0.0.170", TL_ADDR_FORBIDDEN, "reserved"},
    {"198.18.0.1", TL_ADDR_FORBIDDEN, "benchmarking"},
    {"2606:4700::1111", TL_ADDR_PUBLIC, "public"},
    {"::", TL_ADDR_FORBIDDEN, "unspecified"},
    {"::1", TL_ADDR_PRIVATE, "loopback"},
    {"fc00::1", TL_ADDR_PRIVATE, "unique-local"},
    {"fdff:ffff::1", TL_ADDR_PRIVATE, "unique-local"},
    {"fd00:ec2::254", TL_ADDR_FORBIDDEN, "metadata"},
    {"fe80::1", TL_ADDR_FORBIDDEN, "link-local"},
    {"febf::1", TL_ADDR_FORBIDDEN, "link-local"},
    {"fec0::1", TL_ADDR_PRIVATE, "site-local"},
    {"ff02::1", TL_ADDR_FORBIDDEN, "multicast"},
    /* IPv6 forms that carry an IPv4 address are judged by it */
    {"::ffff:127.0.0.1", TL_ADDR_PRIVATE, "loopback"},
    {"::ffff:7f00:1", TL_ADDR_PRIVATE, "loopback"},
    {"::ffff:169.254.169.254", TL_ADDR_FORBIDDEN, "metadata"},
    {"::ffff:10.0.0.1", TL_ADDR_PRIVATE, "private"},
    {"::ffff:8.8.8.8", TL_ADDR_PUBLIC, "public"},
    {"::127.0.0.1", TL_ADDR_PRIVATE, "loopback"},
    {"64:ff9b::a9fe:a9fe", TL_ADDR_FORBIDDEN, "metadata"},
    {"64:ff9b::8.8.8.8", TL_ADDR_PUBLIC, "public"},
    {"2002:7f00:1::", TL_ADDR_PRIVATE, "loopback"},
    {"2002:a9fe:a9fe::1", TL_ADDR_FORBIDDEN, "metadata"},
    {"2001:0:4136:e378::1", TL_ADDR_FORBIDDEN, "Teredo tunnel"},
};

/* addr as a sockaddr in storage. */
static const struct sockaddr *sockaddr_of(const char *addr, struct sockaddr_storage *ss) {
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
    } else {
        assert_int_equal(inet_pton(AF_INET6, addr, &in6->sin6_addr), 1);
        in6->sin6_family = AF_INET6;
    }
    return (const struct sockaddr *)ss;
}

static void test_address_table(void **state) {
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        struct sockaddr_storage ss;
        const char *why = NULL;
        enum tl_addr_class cls = tl_webhook_addr_class(sockaddr_of(table[i].addr, &ss), &why);
        if (cls != table[i].cls || strcmp(why, table[i].why))
            fail_msg("%s: class %d (%s), want %d (%s)", table[i].addr, cls, why, table[i].cls,
                     table[i].why);
    }
}

/* --webhook-allow-private opens the private class only. */
static void test_allow_private(void **state) {
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        struct sockaddr_storage ss;
        const struct sockaddr *sa = sockaddr_of(table[i].addr, &ss);
        assert_int_equal(tl_webhook_addr_allowed(sa, false, NULL), table[i].cls == TL_ADDR_PUBLIC);
        assert_int_equal(tl_webhook_addr_allowed(sa, true, NULL),
                         table[i].cls != TL_ADDR_FORBIDDEN);
    }
}

static void test_not_ip_is_forbidden(void **state) {
    struct sockaddr sa = {.sa_family = AF_UNIX};
    const char *why;
    assert_int_equal(tl_webhook_addr_class(&sa, &why), TL_ADDR_FORBIDDEN);
    assert_false(tl_webhook_addr_allowed(NULL, true, &why));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address_table),
        cmocka_unit_test(test_allow_private),
        cmocka_unit_test(test_not_ip_is_forbidden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
