/* listen.h: the server's listening socket, from a host (an IPv4 or IPv6
 * literal, or a name such as "localhost") and a port.
 *
 * The server binds its own socket rather than let libmicrohttpd do it, so
 * that a name resolves through getaddrinfo() and IPv6 works without flags. */
#ifndef TL_HTTP_LISTEN_H
#define TL_HTTP_LISTEN_H

#include <stdint.h>

/* Resolve host (passive, TCP) and bind the first address that accepts the
 * bind, in getaddrinfo() order; listen with the given backlog. The socket is
 * non-blocking and close-on-exec; the caller owns it. On success returns 0
 * with *fd and *bound_port (the real port when port is 0). TL_ENOTFOUND:
 * the name does not resolve; TL_EIO: no address could be bound. */
int tl_http_listen(const char *host, uint16_t port, int backlog, int *fd, uint16_t *bound_port);

#endif
