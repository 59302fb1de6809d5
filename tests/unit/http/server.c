/* Tests for src/http/server.c: the suspend/resume contract on the thread
 * pool (resume from another thread, before or after the callback returns;
 * STREAM chunks), and a stop that meets a suspended request (libmicrohttpd
 * aborts the process if it is asked to stop with one). In-process server on
 * a loopback port, raw sockets as the client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "http/http.h"

struct waker {
    struct tl_http_req *r;
    int delay_ms;
    atomic_bool *is_resumed; /* set just after tl_http_resume returned */
};

static void *wake_main(void *arg) {
    struct waker *w = arg;
    if (w->delay_ms)
        usleep((useconds_t)w->delay_ms * 1000);
    tl_http_resume(w->r);
    if (w->is_resumed)
        atomic_store(w->is_resumed, true);
    free(w);
    return NULL;
}

static void wake_later(struct tl_http_req *r, int delay_ms, atomic_bool *is_resumed) {
    struct waker *w = malloc(sizeof *w);
    assert_non_null(w);
    *w = (struct waker){.r = r, .delay_ms = delay_ms, .is_resumed = is_resumed};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wake_main, w), 0);
    pthread_detach(t);
}

/* A request's state across calls: how many times the handler ran. */
struct calls {
    int n;
    size_t bytes;
};

static struct calls *calls_of(struct tl_http_req *r) {
    struct calls *c = tl_http_ctx(r);
    if (!c) {
        c = calloc(1, sizeof *c);
        assert_non_null(c);
        tl_http_set_ctx(r, c, free);
    }
    return c;
}

static atomic_int n_suspended_now; /* for the stop test: the handler has parked */

static void answer(struct tl_http_req *r, struct calls *c) {
    tl_http_respond_json(r, 200, json_pack("{s:i,s:i}", "calls", c->n, "bytes", (int)c->bytes));
}

/* suspend, resumed 20 ms later from another thread */
static void h_later(void *app, struct tl_http_req *r) {
    struct calls *c = calls_of(r);
    if (c->n++ == 0) {
        tl_http_suspend(r);
        wake_later(r, 20, NULL);
        return;
    }
    answer(r, c);
}

/* suspend, and the resume lands before this callback returns */
static void h_early(void *app, struct tl_http_req *r) {
    struct calls *c = calls_of(r);
    if (c->n++ == 0) {
        atomic_bool is_resumed = false;
        tl_http_suspend(r);
        wake_later(r, 0, &is_resumed);
        while (!atomic_load(&is_resumed))
            usleep(1000);
        return;
    }
    answer(r, c);
}

/* parks for 300 ms (the stop test) */
static void h_slow(void *app, struct tl_http_req *r) {
    struct calls *c = calls_of(r);
    if (c->n++ == 0) {
        tl_http_suspend(r);
        atomic_fetch_add(&n_suspended_now, 1);
        wake_later(r, 300, NULL);
        return;
    }
    answer(r, c);
}

/* STREAM: every piece is taken in two halves, each behind a suspension */
static size_t chunk_halves(void *app, struct tl_http_req *r, const char *data, size_t len) {
    struct calls *c = calls_of(r);
    size_t take = len > 1 ? len / 2 : len;
    c->bytes += take;
    tl_http_suspend(r);
    wake_later(r, 1, NULL);
    return take;
}

static void h_stream(void *app, struct tl_http_req *r) {
    struct calls *c = calls_of(r);
    c->n++;
    answer(r, c);
}

static const struct tl_route routes[] = {
    {.method = "GET", .pattern = "/later", .handler = h_later, .body = TL_BODY_NONE},
    {.method = "GET", .pattern = "/early", .handler = h_early, .body = TL_BODY_NONE},
    {.method = "GET", .pattern = "/slow", .handler = h_slow, .body = TL_BODY_NONE},
    {.method = "POST", .pattern = "/stream", .handler = h_stream, .body = TL_BODY_STREAM,
     .chunk = chunk_halves},
};

static struct tl_http_server *start(void) {
    struct tl_http_opts o = {.host = "127.0.0.1", .max_body = 1 << 16,
                             .max_import_body = 1 << 20, .routes = routes,
                             .n_routes = sizeof routes / sizeof routes[0], .threads = 4};
    struct tl_http_server *s = NULL;
    assert_int_equal(tl_http_start(&o, &s), 0);
    return s;
}

static int connect_to(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Send req, read the whole response (Connection: close); returns the status
 * (0 if none) and copies the response into out. */
static int roundtrip(uint16_t port, const char *req, size_t req_len, char *out, size_t outsz) {
    int fd = connect_to(port);
    for (size_t off = 0; off < req_len;) {
        ssize_t w = write(fd, req + off, req_len - off);
        assert_true(w > 0);
        off += (size_t)w;
    }
    size_t n = 0;
    ssize_t got;
    while (n + 1 < outsz && (got = read(fd, out + n, outsz - 1 - n)) > 0)
        n += (size_t)got;
    out[n] = '\0';
    close(fd);
    int status = 0;
    if (!strncmp(out, "HTTP/1.1 ", 9))
        status = (out[9] - '0') * 100 + (out[10] - '0') * 10 + (out[11] - '0');
    return status;
}

static int get(uint16_t port, const char *path, char *out, size_t outsz) {
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                     path);
    return roundtrip(port, req, (size_t)n, out, outsz);
}

static void test_resume_from_another_thread(void **state) {
    struct tl_http_server *s = start();
    char out[2048];
    for (int i = 0; i < 20; i++) {
        assert_int_equal(get(tl_http_port(s), "/later", out, sizeof out), 200);
        assert_non_null(strstr(out, "\"calls\":2"));
    }
    tl_http_stop(s, 1000);
}

static void test_resume_before_the_callback_returns(void **state) {
    struct tl_http_server *s = start();
    char out[2048];
    for (int i = 0; i < 20; i++) {
        assert_int_equal(get(tl_http_port(s), "/early", out, sizeof out), 200);
        assert_non_null(strstr(out, "\"calls\":2"));
    }
    tl_http_stop(s, 1000);
}

static void test_stream_chunks_suspend_and_resume(void **state) {
    struct tl_http_server *s = start();
    static char req[70000 + 256];
    int h = snprintf(req, sizeof req,
                     "POST /stream HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                     "Content-Length: 70000\r\n\r\n");
    memset(req + h, 'x', 70000);
    char out[2048];
    assert_int_equal(roundtrip(tl_http_port(s), req, (size_t)h + 70000, out, sizeof out), 200);
    assert_non_null(strstr(out, "\"bytes\":70000"));
    tl_http_stop(s, 1000);
}

struct client {
    uint16_t port;
    int status;
};

static void *client_main(void *arg) {
    struct client *c = arg;
    char out[2048];
    c->status = get(c->port, "/slow", out, sizeof out);
    return NULL;
}

static void test_stop_waits_for_suspended_requests(void **state) {
    struct tl_http_server *s = start();
    atomic_store(&n_suspended_now, 0);
    struct client c = {.port = tl_http_port(s)};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, client_main, &c), 0);
    while (atomic_load(&n_suspended_now) == 0)
        usleep(1000);
    int64_t t0 = tl_clock_mono_us();
    tl_http_stop(s, 50); /* drain ends while the request is still parked */
    int64_t took_ms = (tl_clock_mono_us() - t0) / 1000;
    pthread_join(t, NULL);
    /* stop waited for the app's resume (~300 ms) instead of aborting; the
     * resumed request found the server closing */
    assert_true(took_ms >= 200);
    assert_true(c.status == 503 || c.status == 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_from_another_thread),
        cmocka_unit_test(test_resume_before_the_callback_returns),
        cmocka_unit_test(test_stream_chunks_suspend_and_resume),
        cmocka_unit_test(test_stop_waits_for_suspended_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
