/* Tests for src/http/conns.c: a connection past its deadline is shut down
 * (its peer sees EOF), one within it or without one is left alone, and a
 * removed connection is never touched again (its fd may be reused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "http/conns.h"

/* true if the peer of fd's pair saw EOF (the sweeper shut fd down) */
static bool peer_sees_eof(int peer) {
    char c;
    ssize_t n = recv(peer, &c, 1, MSG_DONTWAIT);
    return n == 0;
}

static void test_sweep_cuts_only_expired(void **state) {
    struct tl_http_conns c;
    assert_int_equal(tl_http_conns_start(&c, 3600LL * 1000000), 0); /* sweeps by hand here */
    int a[2], b[2], d[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, d), 0);
    int64_t now = tl_clock_mono_us();
    struct tl_http_conn *late = tl_http_conns_add(&c, a[0], now - 1);
    struct tl_http_conn *early = tl_http_conns_add(&c, b[0], now + 60 * 1000000LL);
    struct tl_http_conn *none = tl_http_conns_add(&c, d[0], 0);
    assert_non_null(late);
    assert_non_null(early);
    assert_non_null(none);
    assert_int_equal(tl_http_conns_sweep(&c, now), 1);
    assert_true(peer_sees_eof(a[1]));
    assert_true(atomic_load(&late->is_cut));
    assert_false(peer_sees_eof(b[1]));
    assert_false(peer_sees_eof(d[1]));
    /* cut once: its deadline is cleared */
    assert_int_equal(tl_http_conns_sweep(&c, now + 1), 0);
    /* tightening never loosens; a removed entry is out of reach */
    tl_http_conn_tighten_deadline(early, now + 120 * 1000000LL);
    assert_int_equal(atomic_load(&early->deadline_us), now + 60 * 1000000LL);
    tl_http_conns_remove(&c, early);
    assert_int_equal(tl_http_conns_sweep(&c, now + 3600 * 1000000LL), 0);
    assert_false(peer_sees_eof(b[1]));
    tl_http_conns_remove(&c, late);
    tl_http_conns_remove(&c, none);
    tl_http_conns_stop(&c);
    for (int i = 0; i < 2; i++) {
        close(a[i]);
        close(b[i]);
        close(d[i]);
    }
}

static void test_sweeper_thread_cuts_on_time(void **state) {
    struct tl_http_conns c;
    assert_int_equal(tl_http_conns_start(&c, 10000), 0);
    int a[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    tl_http_conns_add(&c, a[0], tl_clock_mono_us() + 50000);
    usleep(20000);
    assert_false(peer_sees_eof(a[1]));
    for (int i = 0; i < 100 && !peer_sees_eof(a[1]); i++)
        usleep(5000);
    assert_true(atomic_load(&c.n_cut) == 1);
    tl_http_conns_stop(&c); /* frees the entry still listed */
    close(a[0]);
    close(a[1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_cuts_only_expired),
        cmocka_unit_test(test_sweeper_thread_cuts_on_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
