/* ssrf.h: which network addresses a webhook may be sent to. Pure: no I/O.
 *
 * A webhook URL is chosen by a tenant's manager, and the server sends to it
 * from inside our network, so a URL naming (or a name resolving to) an
 * internal address would let a customer reach what only the server should:
 * the cloud metadata service (credentials), loopback admin ports, the
 * private network. Every address the sender connects to is classified here,
 * after our own resolution and again on the socket curl opens (deliver.c).
 *
 * Classes: public (allowed); private (loopback 127/8 and ::1, RFC 1918,
 * CGNAT 100.64/10, IPv6 unique-local fc00::/7 and site-local fec0::/10:
 * allowed only with `tally serve --webhook-allow-private`, for self-hosted
 * receivers and tests); forbidden, always (unspecified, link-local
 * 169.254/16 and fe80::/10, the metadata addresses 169.254.169.254,
 * fd00:ec2::254, 100.100.100.200 and 168.63.129.16, multicast, reserved
 * 240/4 and 192.0.0/24, benchmarking 198.18/15, Teredo 2001::/32). IPv6
 * forms that carry an IPv4 address (mapped ::ffff:0:0/96, compatible ::/96,
 * NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by that IPv4 address. */
#ifndef TL_WEBHOOK_SSRF_H
#define TL_WEBHOOK_SSRF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum tl_addr_class { TL_ADDR_PUBLIC, TL_ADDR_PRIVATE, TL_ADDR_FORBIDDEN };

/* The class of an IPv4 address (host byte order) or of a 16-byte IPv6
 * address; *why (may be NULL) gets a short static name of the range
 * ("loopback", "link-local", "metadata", ...; "public"). */
enum tl_addr_class tl_webhook_addr_class4(uint32_t addr, const char **why);
enum tl_addr_class tl_webhook_addr_class6(const unsigned char addr[16], const char **why);
/* The class of a socket address; AF_INET and AF_INET6 only, anything else
 * is forbidden ("not an IP address"). */
enum tl_addr_class tl_webhook_addr_class(const struct sockaddr *sa, const char **why);
/* True if the sender may connect to sa: public, or private when
 * allow_private. */
bool tl_webhook_addr_allowed(const struct sockaddr *sa, bool allow_private, const char **why);

#endif
