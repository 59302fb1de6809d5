/* listen.c: see listen.h. */
#include "http/listen.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/err.h"

static int bind_one(const struct addrinfo *ai, int backlog, int *out) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0)
        return TL_EIO;
    int one = 1;
    /* A restart must not wait out TIME_WAIT of the last run's connections. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6) /* "[::]" means IPv6 here; 0.0.0.0 is its own bind */
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, backlog)) {
        close(fd);
        return TL_EIO;
    }
    *out = fd;
    return 0;
}

int tl_http_listen(const char *host, uint16_t port, int backlog, int *fd, uint16_t *bound_port) {
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host && *host ? host : NULL, service, &hints, &res) || !res)
        return TL_ENOTFOUND;
    int rc = TL_EIO;
    for (const struct addrinfo *ai = res; ai && rc; ai = ai->ai_next)
        rc = bind_one(ai, backlog, fd);
    freeaddrinfo(res);
    if (rc)
        return rc;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    *bound_port = port;
    if (!getsockname(*fd, (struct sockaddr *)&ss, &len)) {
        if (ss.ss_family == AF_INET)
            *bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            *bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return 0;
}
