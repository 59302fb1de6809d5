/* idle.c: what idle keep-alive connections cost the server. Opens N
 * connections to a loopback Tally server, each sends one GET /healthz and
 * then idles; then times sequential GET /healthz on one more connection and
 * prints p50/p99/max, how many idle connections are still open, and the
 * server's RSS and thread count (from /proc, with --pid).
 *
 * The idle connections come from source addresses 127.0.0.2, .3, ... with
 * at most --per-source each, so the server's per-address cap (default 64)
 * holds; the timed client uses 127.0.0.1. Loopback only, on purpose: a
 * measuring tool, not a traffic cannon (connections and requests capped).
 *
 * usage: idle --port PORT [--connections N] [--requests M] [--per-source K]
 *             [--pid SERVER_PID] */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 16000
#define MAX_REQUESTS 100000

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* A whole decimal number in [lo, hi]: 0 or -1. */
static int parse_num(const char *s, unsigned long lo, unsigned long hi, unsigned long *out) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *s == '-' || errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int open_from(const char *src, uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a)) {
        close(fd);
        return -1;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&to, sizeof to)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One GET /healthz on a keep-alive connection; reads the whole response
 * (headers, then Content-Length bytes). 0 if it was a 200, else -1. */
static int get_healthz(int fd) {
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1))
        return -1;
    char buf[4096];
    size_t n = 0;
    char *end = NULL;
    while (!end) {
        if (n + 1 >= sizeof buf)
            return -1;
        ssize_t got = read(fd, buf + n, sizeof buf - 1 - n);
        if (got <= 0)
            return -1;
        n += (size_t)got;
        buf[n] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    unsigned long body = 0;
    if (cl) {
        cl += 17;
        while (*cl == ' ')
            cl++;
        body = strtoul(cl, NULL, 10);
    }
    size_t have = n - (size_t)(end + 4 - buf);
    while (have < body) {
        ssize_t got = read(fd, buf, sizeof buf);
        if (got <= 0)
            return -1;
        have += (size_t)got;
    }
    return strncmp(buf, "HTTP/1.1 200", 12) ? -1 : 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void print_proc(unsigned long pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%lu/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6) || !strncmp(line, "VmHWM:", 6) ||
            !strncmp(line, "Threads:", 8))
            printf("server %s", line);
    fclose(f);
}

int main(int argc, char **argv) {
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},  {"connections", required_argument, NULL, 'c'},
        {"requests", required_argument, NULL, 'r'}, {"per-source", required_argument, NULL, 's'},
        {"pid", required_argument, NULL, 'P'},   {NULL, 0, NULL, 0},
    };
    unsigned long port = 0, n_conn = 10000, n_req = 2000, per_source = 60, pid = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'p': bad = parse_num(optarg, 1, 65535, &port); break;
        case 'c': bad = parse_num(optarg, 0, MAX_CONNECTIONS, &n_conn); break;
        case 'r': bad = parse_num(optarg, 1, MAX_REQUESTS, &n_req); break;
        case 's': bad = parse_num(optarg, 1, 65535, &per_source); break;
        case 'P': bad = parse_num(optarg, 1, 1ul << 22, &pid); break;
        default: bad = 1;
        }
        if (bad) {
            fprintf(stderr, "usage: idle --port PORT [--connections N<=%d] [--requests M] "
                            "[--per-source K] [--pid SERVER_PID]\n", MAX_CONNECTIONS);
            return 2;
        }
    }
    if (!port) {
        fprintf(stderr, "idle: --port is required\n");
        return 2;
    }
    if ((n_conn + per_source - 1) / per_source > 253) {
        fprintf(stderr, "idle: %lu connections need more than 253 source addresses at %lu "
                        "each: raise --per-source (and the server's cap)\n", n_conn, per_source);
        return 2;
    }
    struct rlimit rl;
    if (!getrlimit(RLIMIT_NOFILE, &rl)) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (pid)
        print_proc(pid);

    int *fds = calloc(n_conn ? n_conn : 1, sizeof *fds);
    double *lat = calloc(n_req, sizeof *lat);
    if (!fds || !lat)
        return 1;
    unsigned long opened = 0, failed = 0;
    double t0 = now_us();
    for (unsigned long i = 0; i < n_conn; i++) {
        char src[32];
        snprintf(src, sizeof src, "127.0.0.%lu", 2 + i / per_source);
        fds[i] = open_from(src, (uint16_t)port);
        if (fds[i] >= 0 && get_healthz(fds[i])) {
            close(fds[i]);
            fds[i] = -1;
        }
        if (fds[i] >= 0)
            opened++;
        else
            failed++;
    }
    printf("idle connections: %lu open, %lu failed, in %.1f s\n", opened, failed,
           (now_us() - t0) / 1e6);
    if (pid)
        print_proc(pid);

    int fd = open_from("127.0.0.1", (uint16_t)port);
    if (fd < 0) {
        fprintf(stderr, "idle: the timed client could not connect\n");
        return 1;
    }
    unsigned long errors = 0;
    for (unsigned long i = 0; i < n_req; i++) {
        double s = now_us();
        if (get_healthz(fd)) {
            errors++;
            close(fd);
            fd = open_from("127.0.0.1", (uint16_t)port);
            if (fd < 0)
                return 1;
        }
        lat[i] = now_us() - s;
    }
    close(fd);
    qsort(lat, n_req, sizeof *lat, cmp_double);
    printf("timed client: %lu sequential GET /healthz, %lu errors: p50 %.0f us, p99 %.0f us, "
           "max %.0f us\n", n_req, errors, lat[n_req / 2], lat[n_req * 99 / 100], lat[n_req - 1]);

    unsigned long alive = 0;
    for (unsigned long i = 0; i < n_conn; i++) {
        char b;
        if (fds[i] >= 0 && recv(fds[i], &b, 1, MSG_DONTWAIT) < 0 &&
            (errno == EAGAIN || errno == EWOULDBLOCK))
            alive++;
    }
    printf("idle connections still open at the end: %lu\n", alive);
    if (pid)
        print_proc(pid);
    for (unsigned long i = 0; i < n_conn; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    free(lat);
    return errors || alive < opened ? 1 : 0;
}
