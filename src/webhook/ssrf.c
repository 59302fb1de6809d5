/* ssrf.c: the address classes of ssrf.h, as two prefix tables. */
#include "webhook/ssrf.h"

#include <netinet/in.h>
#include <string.h>

struct range4 {
    uint32_t net;
    int bits;
    enum tl_addr_class cls;
    const char *why;
};

/* First match wins: the single metadata addresses before their ranges. */
static const struct range4 ranges4[] = {
    {0xA9FEA9FE, 32, TL_ADDR_FORBIDDEN, "metadata"}, /* 169.254.169.254 */
    {0x646464C8, 32, TL_ADDR_FORBIDDEN, "metadata"}, /* 100.100.100.200 (Alibaba) */
    {0xA83F8110, 32, TL_ADDR_FORBIDDEN, "metadata"}, /* 168.63.129.16 (Azure) */
    {0x00000000, 8, TL_ADDR_FORBIDDEN, "unspecified"},
    {0x7F000000, 8, TL_ADDR_PRIVATE, "loopback"},
    {0x0A000000, 8, TL_ADDR_PRIVATE, "private"},
    {0xAC100000, 12, TL_ADDR_PRIVATE, "private"},
    {0xC0A80000, 16, TL_ADDR_PRIVATE, "private"},
    {0x64400000, 10, TL_ADDR_PRIVATE, "shared (CGNAT)"},
    {0xA9FE0000, 16, TL_ADDR_FORBIDDEN, "link-local"},
    {0xC0000000, 24, TL_ADDR_FORBIDDEN, "reserved"},
    {0xC6120000, 15, TL_ADDR_FORBIDDEN, "benchmarking"},
    {0xE0000000, 4, TL_ADDR_FORBIDDEN, "multicast"},
    {0xF0000000, 4, TL_ADDR_FORBIDDEN, "reserved"},
};

enum tl_addr_class tl_webhook_addr_class4(uint32_t addr, const char **why) {
    for (size_t i = 0; i < sizeof ranges4 / sizeof ranges4[0]; i++) {
        uint32_t mask = ranges4[i].bits ? 0xFFFFFFFFu << (32 - ranges4[i].bits) : 0;
        if ((addr & mask) == ranges4[i].net) {
            if (why)
                *why = ranges4[i].why;
            return ranges4[i].cls;
        }
    }
    if (why)
        *why = "public";
    return TL_ADDR_PUBLIC;
}

static bool has_prefix(const unsigned char *a, const unsigned char *prefix, int bits) {
    int bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, prefix, (size_t)bytes))
        return false;
    return !rest || ((a[bytes] ^ prefix[bytes]) & (0xFF << (8 - rest))) == 0;
}

static uint32_t v4_at(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum tl_addr_class tl_webhook_addr_class6(const unsigned char a[16], const char **why) {
    static const unsigned char zero[16] = {0};
    static const unsigned char loop[16] = {[15] = 1};
    static const unsigned char mapped[12] = {[10] = 0xFF, [11] = 0xFF};
    static const unsigned char nat64[12] = {0x00, 0x64, 0xFF, 0x9B};
    static const unsigned char sixtofour[2] = {0x20, 0x02};
    static const unsigned char teredo[4] = {0x20, 0x01, 0x00, 0x00};
    static const unsigned char aws[16] = {0xFD, 0x00, 0x0E, 0xC2, [14] = 0x02, [15] = 0x54};
    static const struct {
        unsigned char net[2];
        int bits;
        enum tl_addr_class cls;
        const char *why;
    } ranges6[] = {
        {{0xFC, 0x00}, 7, TL_ADDR_PRIVATE, "unique-local"},
        {{0xFE, 0x80}, 10, TL_ADDR_FORBIDDEN, "link-local"},
        {{0xFE, 0xC0}, 10, TL_ADDR_PRIVATE, "site-local"},
        {{0xFF, 0x00}, 8, TL_ADDR_FORBIDDEN, "multicast"},
    };
    const char *w = "public";
    enum tl_addr_class cls = TL_ADDR_PUBLIC;
    if (!memcmp(a, zero, 16)) {
        w = "unspecified", cls = TL_ADDR_FORBIDDEN;
    } else if (!memcmp(a, loop, 16)) {
        w = "loopback", cls = TL_ADDR_PRIVATE;
    } else if (!memcmp(a, aws, 16)) {
        w = "metadata", cls = TL_ADDR_FORBIDDEN;
    } else if (has_prefix(a, mapped, 96) || has_prefix(a, zero, 96) || has_prefix(a, nat64, 96)) {
        cls = tl_webhook_addr_class4(v4_at(a + 12), &w);
    } else if (has_prefix(a, sixtofour, 16)) {
        cls = tl_webhook_addr_class4(v4_at(a + 2), &w);
    } else if (has_prefix(a, teredo, 32)) {
        w = "Teredo tunnel", cls = TL_ADDR_FORBIDDEN;
    } else {
        for (size_t i = 0; i < sizeof ranges6 / sizeof ranges6[0]; i++) {
            if (has_prefix(a, ranges6[i].net, ranges6[i].bits)) {
                w = ranges6[i].why, cls = ranges6[i].cls;
                break;
            }
        }
    }
    if (why)
        *why = w;
    return cls;
}

enum tl_addr_class tl_webhook_addr_class(const struct sockaddr *sa, const char **why) {
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return tl_webhook_addr_class4(ntohl(in->sin_addr.s_addr), why);
    }
    if (sa && sa->sa_family == AF_INET6)
        return tl_webhook_addr_class6(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, why);
    if (why)
        *why = "not an IP address";
    return TL_ADDR_FORBIDDEN;
}

bool tl_webhook_addr_allowed(const struct sockaddr *sa, bool allow_private, const char **why) {
    enum tl_addr_class cls = tl_webhook_addr_class(sa, why);
    return cls == TL_ADDR_PUBLIC || (cls == TL_ADDR_PRIVATE && allow_private);
}
