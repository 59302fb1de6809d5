/* Allocation-failure injection for the quality engine (STYLE.md, habit 13):
 * fail the Nth allocation, for N = 1, 2, ... until a run needs fewer, and
 * check that every call either succeeds or returns TL_ENOMEM, and that
 * nothing allocated during a failed call is left behind.
 *
 * The test replaces malloc, calloc, realloc and free for the whole program
 * and forwards to glibc's __libc_* entry points, counting live blocks. That
 * cannot coexist with AddressSanitizer's own allocator, so under SAN=1 the
 * test skips (the other quality tests run there, with LeakSanitizer). */
#include "quality/agreement.h"
#include "quality/pairwise.h"
#include "quality/testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define INJECT 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define INJECT 0
#endif
#endif
#ifndef INJECT
#define INJECT 1
#endif

#if INJECT
#include <stdatomic.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static atomic_long live;           /* blocks allocated and not freed */
static atomic_long countdown = -1; /* allocations until the injected failure; < 0: off */
static atomic_bool failed_one;     /* the injected failure happened */

static bool should_fail(void) {
    if (atomic_load(&countdown) < 0)
        return false;
    if (atomic_fetch_sub(&countdown, 1) == 0) {
        atomic_store(&failed_one, true);
        return true;
    }
    return false;
}

void *malloc(size_t n) {
    if (should_fail())
        return NULL;
    void *p = __libc_malloc(n);
    if (p)
        atomic_fetch_add(&live, 1);
    return p;
}

void *calloc(size_t n, size_t size) {
    if (should_fail())
        return NULL;
    void *p = __libc_calloc(n, size);
    if (p)
        atomic_fetch_add(&live, 1);
    return p;
}

void *realloc(void *p, size_t n) {
    if (!p)
        return malloc(n);
    if (should_fail())
        return NULL;
    return __libc_realloc(p, n);
}

void free(void *p) {
    if (p) {
        atomic_fetch_sub(&live, 1);
        __libc_free(p);
    }
}

typedef int (*op_fn)(void *ctx);

/* Run op with the Nth allocation failing for every N until it no longer
 * reaches the failure; each run must succeed or fail with TL_ENOMEM (or the
 * error that op maps it to) and leave no live block behind. */
static void inject(const char *what, op_fn op, void *ctx) {
    int runs = 0;
    for (long n = 0;; n++) {
        long before = atomic_load(&live);
        atomic_store(&failed_one, false);
        atomic_store(&countdown, n);
        int rc = op(ctx);
        atomic_store(&countdown, -1);
        long after = atomic_load(&live);
        if (after != before)
            print_error("%s: failing allocation %ld: %ld block(s) leaked (rc %d)\n", what, n + 1,
                        after - before, rc);
        assert_int_equal(after, before);
        if (!atomic_load(&failed_one)) {
            assert_int_equal(rc, 0);
            break;
        }
        if (rc != TL_ENOMEM)
            print_error("%s: failing allocation %ld gave rc %d\n", what, n + 1, rc);
        assert_int_equal(rc, TL_ENOMEM);
        runs++;
    }
    print_message("%-12s %d allocation failures injected, no leak\n", what, runs);
}

static const char *const csv = "task,worker,label\n"
                               "t1,w1,a\nt1,w2,a\nt1,w3,b\n"
                               "t2,w1,b\nt2,w2,b\nt2,w3,b\n"
                               "t3,w1,a\nt3,w2,c\nt3,w3,a\n"
                               "t4,w1,c\nt4,w2,c\n";
static const char *const gold = "task,label\nt4,c\n";

static int op_parse(void *ctx) {
    struct tl_q_labels L;
    tl_q_labels_init(&L);
    int rc = tl_q_labels_parse_csv(&L, "x", csv, strlen(csv), "g", gold, strlen(gold), NULL);
    tl_q_labels_release(&L);
    return rc;
}

struct method_ctx {
    const struct tl_q_labels *L;
    enum tl_q_method m;
};

static int op_method(void *ctx) {
    struct method_ctx *c = ctx;
    struct tl_q_opts o;
    tl_q_opts_init(&o);
    o.threads = 1;
    struct tl_q_result r;
    tl_q_result_init(&r);
    int rc = tl_q_infer(c->m, c->L, &o, &r);
    tl_q_result_release(&r);
    return rc;
}

static int op_agreement(void *ctx) {
    const struct tl_q_labels *L = ctx;
    double v;
    int rc = tl_q_alpha(L, TL_Q_ORDINAL, &v, NULL);
    if (!rc)
        rc = tl_q_fleiss(L, &v, NULL);
    if (!rc)
        rc = tl_q_percent(L, &v, NULL);
    return rc;
}

static int op_rate(void *ctx) {
    struct tl_q_battles B;
    tl_q_battles_init(&B);
    const char *text = "model_a,model_b,winner\nx,y,model_a\ny,z,tie\nz,x,model_b\nx,z,tie\n";
    int rc = tl_q_battles_parse_csv(&B, "b", text, strlen(text), NULL);
    struct tl_q_rating_opts o;
    tl_q_rating_opts_init(&o);
    o.bootstrap = 4;
    o.threads = 1;
    o.ties = TL_Q_TIES_DAVIDSON;
    struct tl_q_ratings r;
    tl_q_ratings_init(&r);
    if (!rc)
        rc = tl_q_rate(&B, &o, &r);
    tl_q_ratings_release(&r);
    tl_q_battles_release(&B);
    return rc;
}

static void test_inject(void **state) {
    atomic_store(&countdown, -1);
    inject("parse", op_parse, NULL);
    struct tl_q_labels L;
    tq_labels_gold(&L, csv, gold);
    for (int m = 0; m < TL_Q_METHOD_COUNT; m++) {
        struct method_ctx c = {&L, (enum tl_q_method)m};
        inject(tl_q_method_name((enum tl_q_method)m), op_method, &c);
    }
    inject("agreement", op_agreement, &L);
    /* Labels where auto's first fits collapse and are redone from plain DS. */
    struct tl_q_labels F;
    tq_labels(&F, "task,worker,label\n"
                  "t1,w1,a\nt1,w2,a\nt1,w3,a\nt1,w4,b\nt1,w5,b\n"
                  "t2,w1,b\nt2,w2,b\nt2,w3,b\nt2,w4,a\nt2,w5,a\n"
                  "t3,w1,a\nt3,w2,a\nt3,w3,a\nt3,w4,b\nt3,w5,b\n"
                  "t4,w1,b\nt4,w2,b\nt4,w3,b\nt4,w4,a\nt4,w5,a\n"
                  "t5,w1,a\nt5,w4,b\nt5,w5,b\n");
    struct method_ctx fc = {&F, TL_Q_AUTO};
    inject("auto-rescue", op_method, &fc);
    tl_q_labels_release(&F);
    /* Enough tasks (more than one block) for em.c's chunked counts and
     * linear E-step, auto's chunked accuracies and GLAD's chunked sums. */
    double acc[30];
    tq_synthetic(&F, 3000, 4, 30, 3, 3, acc, NULL);
    fc.m = TL_Q_DS;
    inject("ds-chunked", op_method, &fc);
    fc.m = TL_Q_AUTO;
    inject("auto-chunked", op_method, &fc);
    fc.m = TL_Q_GLAD;
    inject("glad-chunked", op_method, &fc);
    tl_q_labels_release(&F);
    inject("leaderboard", op_rate, NULL);
    tl_q_labels_release(&L);
}
#else
static void test_inject(void **state) {
    print_message("skipping: allocation injection is off under AddressSanitizer\n");
    skip();
}
#endif

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inject),
    };
    return cmocka_run_group_tests_name("quality/alloc", tests, NULL, NULL);
}
