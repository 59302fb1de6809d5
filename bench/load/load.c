/* load.c: the labeling-loop load generator. N annotator threads, each with
 * its own token and one persistent HTTP/1.1 keep-alive connection to a
 * loopback Tally server, run next -> submit cycles for a bounded time, then
 * the program prints cycles/s, p50/p99 latency of next and of submit, and
 * the errors it saw.
 *
 * Loopback only, on purpose: this is a measuring tool, not a traffic cannon;
 * the host is fixed to 127.0.0.1 and both threads and duration are capped.
 *
 * usage: load --port PORT --project ID --tokens FILE [--duration SECONDS]
 *             [--result JSON]
 * FILE holds one API token per line, one thread per token (at most 256). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256
#define MAX_DURATION_S 600
#define MAX_SAMPLES (1u << 20)       /* per thread per kind; beyond that, not recorded */
#define MAX_RESPONSE (4u << 20)      /* a next response larger than this is an error */
#define MAX_HEADER 16384
#define TOKEN_MAX 256

struct samples {
    uint32_t *us; /* latencies in microseconds */
    size_t n;
};

struct worker {
    pthread_t thread;
    char token[TOKEN_MAX + 1];
    int fd;
    /* results */
    uint64_t cycles, empties, errors_http, errors_conn, errors_parse, connects;
    atomic_bool is_done; /* read by main while the worker runs */
    struct samples next_lat, submit_lat;
    char first_error[256];
};

struct config {
    uint16_t port;
    const char *project;
    const char *result_json;
    double duration_s;
};

static struct config cfg;
static atomic_bool stop_flag;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void note_error(struct worker *w, const char *what) {
    if (!w->first_error[0])
        snprintf(w->first_error, sizeof w->first_error, "%s", what);
}

static void sample_add(struct samples *s, double seconds) {
    if (s->n >= MAX_SAMPLES)
        return;
    if (!s->us) {
        s->us = malloc(MAX_SAMPLES * sizeof *s->us);
        if (!s->us)
            return;
    }
    double us = seconds * 1e6;
    s->us[s->n++] = us > 4e9 ? 4000000000u : (uint32_t)us;
}

static int connect_loopback(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(cfg.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {.tv_sec = 30};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

static int send_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* A growable receive buffer bounded by MAX_RESPONSE. */
struct rbuf {
    char *data;
    size_t len, cap;
};

static int rbuf_fill(int fd, struct rbuf *b) {
    if (b->len == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        if (cap > MAX_RESPONSE + MAX_HEADER)
            return -1;
        char *d = realloc(b->data, cap + 1);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    ssize_t k;
    do {
        k = recv(fd, b->data + b->len, b->cap - b->len, 0);
    } while (k < 0 && errno == EINTR);
    if (k <= 0)
        return -1;
    b->len += (size_t)k;
    b->data[b->len] = '\0';
    return 0;
}

/* Case-insensitive search for a header's value inside the header block. */
static const char *header_value(const char *hdr, size_t hdr_len, const char *name) {
    size_t nl = strlen(name);
    for (const char *p = hdr; p + nl + 1 < hdr + hdr_len; p++) {
        if ((p == hdr || p[-1] == '\n') && !strncasecmp(p, name, nl) && p[nl] == ':') {
            p += nl + 1;
            while (*p == ' ' || *p == '\t')
                p++;
            return p;
        }
    }
    return NULL;
}

/* Read one HTTP/1.1 response: status, body (NUL-terminated, in b->data from
 * body_off, length body_len); handles Content-Length and chunked. Bytes
 * past the response stay in b for the next call (shifted to the front).
 * 0 or -1 (connection or framing error). *is_close set on Connection: close. */
struct response {
    int status;
    char *body;
    size_t body_len;
    bool is_close;
};

static int read_response(int fd, struct rbuf *b, struct response *out) {
    char *end = NULL;
    while (!b->data || !(end = strstr(b->data, "\r\n\r\n"))) {
        if (b->len > MAX_HEADER || rbuf_fill(fd, b))
            return -1;
    }
    size_t hdr_len = (size_t)(end - b->data) + 4;
    if (b->len < 12 || strncmp(b->data, "HTTP/1.", 7))
        return -1;
    out->status = (int)strtol(b->data + 9, NULL, 10);
    const char *conn = header_value(b->data, hdr_len, "Connection");
    out->is_close = conn && !strncasecmp(conn, "close", 5);
    const char *cl = header_value(b->data, hdr_len, "Content-Length");
    const char *te = header_value(b->data, hdr_len, "Transfer-Encoding");
    size_t consumed;
    if (te && !strncasecmp(te, "chunked", 7)) {
        /* De-chunk in place after the header. */
        size_t in = hdr_len, outp = hdr_len;
        for (;;) {
            char *crlf;
            while (!(crlf = memmem(b->data + in, b->len - in, "\r\n", 2))) {
                if (rbuf_fill(fd, b))
                    return -1;
            }
            size_t sz = strtoul(b->data + in, NULL, 16);
            if (sz > MAX_RESPONSE)
                return -1;
            size_t data_at = (size_t)(crlf - b->data) + 2;
            while (b->len < data_at + sz + 2) {
                if (rbuf_fill(fd, b))
                    return -1;
            }
            if (sz == 0) {
                consumed = data_at + 2; /* no trailers expected */
                break;
            }
            memmove(b->data + outp, b->data + data_at, sz);
            outp += sz;
            in = data_at + sz + 2;
        }
        out->body_len = outp - hdr_len;
    } else {
        size_t n = cl ? strtoul(cl, NULL, 10) : 0;
        if (n > MAX_RESPONSE)
            return -1;
        while (b->len < hdr_len + n) {
            if (rbuf_fill(fd, b))
                return -1;
        }
        out->body_len = n;
        consumed = hdr_len + n;
    }
    /* Copy the body out so the buffer can be compacted. */
    out->body = malloc(out->body_len + 1);
    if (!out->body)
        return -1;
    memcpy(out->body, b->data + hdr_len, out->body_len);
    out->body[out->body_len] = '\0';
    memmove(b->data, b->data + consumed, b->len - consumed);
    b->len -= consumed;
    b->data[b->len] = '\0';
    return 0;
}

/* One request on the worker's connection; reconnects once if the kept-alive
 * connection had been closed by the server. */
static int roundtrip(struct worker *w, struct rbuf *b, const char *path, const char *body,
                     struct response *resp) {
    char head[1024];
    size_t blen = body ? strlen(body) : 0;
    int hn = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nAuthorization: Bearer %s\r\n"
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                      path, (unsigned)cfg.port, w->token, blen);
    if (hn < 0 || (size_t)hn >= sizeof head)
        return -1;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (w->fd < 0) {
            w->fd = connect_loopback();
            if (w->fd < 0)
                return -1;
            b->len = 0;
            w->connects++;
        }
        if (!send_all(w->fd, head, (size_t)hn) && (!blen || !send_all(w->fd, body, blen)) &&
            !read_response(w->fd, b, resp)) {
            if (resp->is_close) {
                close(w->fd);
                w->fd = -1;
            }
            return 0;
        }
        close(w->fd);
        w->fd = -1;
    }
    return -1;
}

static void *run_worker(void *arg) {
    struct worker *w = arg;
    struct rbuf b = {0};
    char next_path[512], submit_path[512];
    snprintf(next_path, sizeof next_path, "/api/v1/projects/%s/next", cfg.project);
    w->fd = -1;
    while (!atomic_load(&stop_flag)) {
        struct response r = {0};
        double t0 = now_s();
        if (roundtrip(w, &b, next_path, NULL, &r)) {
            w->errors_conn++;
            note_error(w, "next: connection failed");
            usleep(10000);
            continue;
        }
        double t1 = now_s();
        sample_add(&w->next_lat, t1 - t0);
        if (r.status == 204) {
            w->empties++;
            free(r.body);
            break; /* nothing left for this annotator: the project ran dry */
        }
        if (r.status != 200) {
            w->errors_http++;
            char msg[256];
            snprintf(msg, sizeof msg, "next: HTTP %d %.200s", r.status, r.body);
            note_error(w, msg);
            free(r.body);
            continue;
        }
        json_error_t jerr;
        json_t *j = json_loadb(r.body, r.body_len, 0, &jerr);
        free(r.body);
        const char *task_id = json_string_value(json_object_get(json_object_get(j, "task"),
                                                                "id"));
        const char *lease_id = json_string_value(json_object_get(json_object_get(j, "lease"),
                                                                 "id"));
        if (!task_id || !lease_id || strlen(task_id) > 128 || strlen(lease_id) > 128) {
            w->errors_parse++;
            note_error(w, "next: unexpected response body");
            json_decref(j);
            continue;
        }
        char body[1024];
        int bn = snprintf(body, sizeof body, "{\"lease_id\":\"%s\",\"result\":%s}", lease_id,
                          cfg.result_json);
        snprintf(submit_path, sizeof submit_path, "/api/v1/tasks/%s/annotations", task_id);
        json_decref(j);
        if (bn < 0 || (size_t)bn >= sizeof body) {
            w->errors_parse++;
            continue;
        }
        double t2 = now_s();
        if (roundtrip(w, &b, submit_path, body, &r)) {
            w->errors_conn++;
            note_error(w, "submit: connection failed");
            continue;
        }
        sample_add(&w->submit_lat, now_s() - t2);
        if (r.status == 201) {
            w->cycles++;
        } else {
            w->errors_http++;
            char msg[256];
            snprintf(msg, sizeof msg, "submit: HTTP %d %.200s", r.status, r.body);
            note_error(w, msg);
        }
        free(r.body);
    }
    if (w->fd >= 0)
        close(w->fd);
    free(b.data);
    atomic_store(&w->is_done, true);
    return NULL;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Merge every worker's samples of one kind and print p50/p99/max. */
static void print_latency(const char *what, struct worker *ws, int n, bool is_next) {
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += is_next ? ws[i].next_lat.n : ws[i].submit_lat.n;
    if (!total) {
        printf("%-7s latency: no samples\n", what);
        return;
    }
    uint32_t *all = malloc(total * sizeof *all);
    if (!all) {
        printf("%-7s latency: out of memory\n", what);
        return;
    }
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        const struct samples *s = is_next ? &ws[i].next_lat : &ws[i].submit_lat;
        if (s->n)
            memcpy(all + k, s->us, s->n * sizeof *all);
        k += s->n;
    }
    qsort(all, total, sizeof *all, cmp_u32);
    printf("%-7s latency: p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%zu samples)\n", what,
           all[total / 2] / 1e3, all[(size_t)((double)total * 0.99)] / 1e3,
           all[total - 1] / 1e3, total);
    free(all);
}

static void usage(FILE *f) {
    fprintf(f, "usage: load --port PORT --project ID --tokens FILE [--duration SECONDS]\n"
               "            [--result JSON]\n"
               "Run next->submit cycles against http://127.0.0.1:PORT, one thread per token\n"
               "in FILE (max %d), for SECONDS (default 20, max %d).\n",
            MAX_THREADS, MAX_DURATION_S);
}

static int read_tokens(const char *path, struct worker *ws, int *n) {
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[TOKEN_MAX + 8];
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        if (*n == MAX_THREADS || strlen(line) > TOKEN_MAX) {
            fclose(f);
            return -1;
        }
        memcpy(ws[*n].token, line, strlen(line) + 1);
        (*n)++;
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv) {
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},     {"project", required_argument, NULL, 'P'},
        {"tokens", required_argument, NULL, 't'},   {"duration", required_argument, NULL, 'd'},
        {"result", required_argument, NULL, 'r'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *tokens = NULL;
    long port = 0;
    cfg.duration_s = 20;
    cfg.result_json = "{\"label\":\"a\"}";
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'p':
            port = strtol(optarg, &end, 10);
            if (*end || port < 1 || port > 65535)
                port = -1;
            break;
        case 'P': cfg.project = optarg; break;
        case 't': tokens = optarg; break;
        case 'd':
            cfg.duration_s = strtod(optarg, &end);
            if (*end || !(cfg.duration_s > 0) || cfg.duration_s > MAX_DURATION_S)
                cfg.duration_s = -1;
            break;
        case 'r': cfg.result_json = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (port <= 0 || !cfg.project || !tokens || cfg.duration_s < 0 || optind != argc ||
        strlen(cfg.project) > 128 || strlen(cfg.result_json) > 512) {
        usage(stderr);
        return 2;
    }
    cfg.port = (uint16_t)port;
    static struct worker ws[MAX_THREADS];
    int n;
    if (read_tokens(tokens, ws, &n) || n == 0) {
        fprintf(stderr, "load: cannot read 1..%d tokens from %s\n", MAX_THREADS, tokens);
        return 1;
    }
    double t0 = now_s();
    int started = 0;
    for (int i = 0; i < n; i++, started++) {
        if (pthread_create(&ws[i].thread, NULL, run_worker, &ws[i])) {
            fprintf(stderr, "load: cannot start thread %d\n", i);
            atomic_store(&stop_flag, true);
            break;
        }
    }
    while (now_s() - t0 < cfg.duration_s) {
        usleep(50000);
        bool is_any_running = false;
        for (int i = 0; i < started; i++)
            is_any_running |= !atomic_load(&ws[i].is_done);
        if (!is_any_running)
            break;
    }
    atomic_store(&stop_flag, true);
    for (int i = 0; i < started; i++)
        pthread_join(ws[i].thread, NULL);
    double elapsed = now_s() - t0;

    uint64_t cycles = 0, empties = 0, eh = 0, ec = 0, ep = 0, rec = 0;
    const char *first_error = NULL;
    for (int i = 0; i < started; i++) {
        cycles += ws[i].cycles;
        empties += ws[i].empties;
        eh += ws[i].errors_http;
        ec += ws[i].errors_conn;
        ep += ws[i].errors_parse;
        rec += ws[i].connects > 1 ? ws[i].connects - 1 : 0;
        if (!first_error && ws[i].first_error[0])
            first_error = ws[i].first_error;
    }
    printf("annotators: %d  duration: %.2f s\n", started, elapsed);
    printf("cycles (next+submit, 201): %llu  = %.0f cycles/s\n", (unsigned long long)cycles,
           (double)cycles / elapsed);
    print_latency("next", ws, started, true);
    print_latency("submit", ws, started, false);
    printf("errors: http %llu  connection %llu  parse %llu  reconnects %llu  "
           "annotators who ran dry (204): %llu\n",
           (unsigned long long)eh, (unsigned long long)ec, (unsigned long long)ep,
           (unsigned long long)rec, (unsigned long long)empties);
    if (empties)
        printf("note: annotators ran out of work, so this is not a steady-state figure: "
               "import more tasks\n");
    if (first_error)
        printf("first error: %s\n", first_error);
    for (int i = 0; i < started; i++) {
        free(ws[i].next_lat.us);
        free(ws[i].submit_lat.us);
    }
    return eh || ec || ep ? 1 : 0;
}
