/* testutil.h: helpers shared by the quality unit tests: labels from inline
 * CSV, the real datasets under $TALLY_TESTDATA, accuracy against a truth
 * file. Everything here is static inline so that each test program uses what
 * it needs without unused-function warnings. */
#ifndef TL_TESTS_QUALITY_TESTUTIL_H
#define TL_TESTS_QUALITY_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/csv.h"
#include "quality/infer.h"
#include "quality/labels.h"
#include "quality/labels_csv.h"

/* Parse inline CSV (with header) into a fresh L; fails the test on error. */
static inline void tq_labels(struct tl_q_labels *L, const char *csv) {
    struct tl_errbuf eb = {{0}};
    tl_q_labels_init(L);
    int rc = tl_q_labels_parse_csv(L, "inline", csv, strlen(csv), NULL, NULL, 0, &eb);
    if (rc)
        print_error("tq_labels: %s\n", eb.msg);
    assert_int_equal(rc, 0);
}

static inline void tq_labels_gold(struct tl_q_labels *L, const char *csv, const char *gold) {
    struct tl_errbuf eb = {{0}};
    tl_q_labels_init(L);
    int rc = tl_q_labels_parse_csv(L, "inline", csv, strlen(csv), "gold", gold, strlen(gold), &eb);
    if (rc)
        print_error("tq_labels_gold: %s\n", eb.msg);
    assert_int_equal(rc, 0);
}

/* Class index of a class name (fails the test when absent). */
static inline uint32_t tq_class(const struct tl_q_labels *L, const char *name) {
    uint32_t id = 0;
    assert_int_equal(tl_q_strtab_find(&L->classes, name, strlen(name), &id), 0);
    return id;
}

static inline uint32_t tq_task(const struct tl_q_labels *L, const char *name) {
    uint32_t id = 0;
    assert_int_equal(tl_q_strtab_find(&L->tasks, name, strlen(name), &id), 0);
    return id;
}

static inline uint32_t tq_worker(const struct tl_q_labels *L, const char *name) {
    uint32_t id = 0;
    assert_int_equal(tl_q_strtab_find(&L->workers, name, strlen(name), &id), 0);
    return id;
}

/* The test-data folder, or NULL (with a message) when it is absent: real-data
 * tests then skip() rather than fail. */
static inline const char *tq_data_dir(void) {
    const char *dir = getenv("TALLY_TESTDATA");
    if (!dir || !*dir)
        dir = "../shared/data";
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
        print_message("skipping: test data folder '%s' not found (set TALLY_TESTDATA)\n", dir);
        return NULL;
    }
    return dir;
}

/* Read dir/rel into a heap buffer (fails the test on error). */
static inline char *tq_read(const char *dir, const char *rel, size_t *len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *text = NULL;
    struct tl_errbuf eb = {{0}};
    int rc = tl_csv_read_file(path, (size_t)1 << 30, &text, len, &eb);
    if (rc)
        print_error("tq_read: %s\n", eb.msg);
    assert_int_equal(rc, 0);
    return text;
}

/* A crowd dataset with its truth: truth[t] is the class of task t, -1 when the
 * task has no truth, -2 when its true label is a class no worker gave. */
struct tq_crowd {
    struct tl_q_labels L;
    int32_t *truth;
    size_t n_truth; /* tasks with truth (the accuracy denominator) */
};

static inline void tq_crowd_load(struct tq_crowd *d, const char *dir, const char *name) {
    char rel[256];
    size_t len;
    snprintf(rel, sizeof rel, "crowd/%s/answer.csv", name);
    char *text = tq_read(dir, rel, &len);
    struct tl_errbuf eb = {{0}};
    tl_q_labels_init(&d->L);
    int rc = tl_q_labels_parse_csv(&d->L, rel, text, len, NULL, NULL, 0, &eb);
    if (rc)
        print_error("tq_crowd_load: %s\n", eb.msg);
    assert_int_equal(rc, 0);
    free(text);
    snprintf(rel, sizeof rel, "crowd/%s/truth.csv", name);
    text = tq_read(dir, rel, &len);
    d->truth = malloc(d->L.n_tasks * sizeof *d->truth);
    assert_non_null(d->truth);
    for (size_t t = 0; t < d->L.n_tasks; t++)
        d->truth[t] = -1;
    d->n_truth = 0;
    struct tl_csv c;
    tl_csv_init(&c, text, len, 0);
    assert_int_equal(tl_csv_next(&c, NULL), 0); /* header */
    while (!tl_csv_next(&c, NULL)) {
        uint32_t t, k;
        if (c.nfields < 2 || tl_q_strtab_find(&d->L.tasks, c.fields[0].ptr, c.fields[0].len, &t))
            continue; /* only tasks with labels count */
        if (d->truth[t] != -1)
            continue;
        d->n_truth++;
        d->truth[t] =
            tl_q_strtab_find(&d->L.classes, c.fields[1].ptr, c.fields[1].len, &k) ? -2 : (int32_t)k;
    }
    tl_csv_release(&c);
    free(text);
}

static inline void tq_crowd_release(struct tq_crowd *d) {
    tl_q_labels_release(&d->L);
    free(d->truth);
}

static inline double tq_accuracy(const struct tq_crowd *d, const struct tl_q_result *r) {
    size_t ok = 0;
    for (size_t t = 0; t < d->L.n_tasks; t++)
        ok += d->truth[t] >= 0 && (uint32_t)d->truth[t] == r->label[t];
    return d->n_truth ? (double)ok / (double)d->n_truth : 0;
}

/* Every number of a result is finite and every posterior row sums to 1. */
static inline void tq_assert_sane(const struct tl_q_result *r) {
    for (size_t t = 0; t < r->n_tasks; t++) {
        double s = 0;
        for (size_t k = 0; k < r->n_classes; k++) {
            double p = r->posterior[t * r->n_classes + k];
            assert_true(p >= 0 && p <= 1);
            s += p;
        }
        assert_true(s > 1 - 1e-9 && s < 1 + 1e-9);
        assert_true(r->confidence[t] >= 0 && r->confidence[t] <= 1);
        assert_true(r->label[t] < r->n_classes);
    }
    for (size_t w = 0; w < r->n_workers; w++)
        assert_true(r->skill[w] >= 0 && r->skill[w] <= 1);
}

/* Bit-for-bit equality of two results. */
static inline void tq_assert_same(const struct tl_q_result *a, const struct tl_q_result *b) {
    assert_int_equal(a->n_tasks, b->n_tasks);
    assert_int_equal(a->n_classes, b->n_classes);
    assert_memory_equal(a->label, b->label, a->n_tasks * sizeof *a->label);
    assert_memory_equal(a->posterior, b->posterior,
                        a->n_tasks * a->n_classes * sizeof *a->posterior);
    assert_memory_equal(a->skill, b->skill, a->n_workers * sizeof *a->skill);
    assert_int_equal(a->iterations, b->iterations);
}

/* Synthetic one-coin crowd: n_tasks tasks with per_task labels from distinct
 * workers among n_workers, worker w correct with probability acc[w] (filled
 * here, uniform in [0.35, 0.95]) and otherwise uniform over the other
 * classes; true classes uniform. truth (may be NULL) gets the true classes
 * by task name order (tasks are named so that name order is index order). */
#include "quality/rng.h"

static inline void tq_synthetic(struct tl_q_labels *L, size_t n_tasks, size_t per_task,
                                size_t n_workers, size_t K, uint64_t seed, double *acc,
                                uint32_t *truth) {
    struct tl_q_rng rng;
    tl_q_rng_seed(&rng, seed, 99);
    for (size_t w = 0; w < n_workers; w++)
        acc[w] = 0.35 + 0.60 * tl_q_rng_unit(&rng);
    tl_q_labels_init(L);
    uint32_t picked[64];
    assert_true(per_task <= 64 && per_task <= n_workers);
    char task[32], worker[32], label[32];
    for (size_t t = 0; t < n_tasks; t++) {
        uint32_t k = (uint32_t)tl_q_rng_below(&rng, K);
        if (truth)
            truth[t] = k;
        int tn = snprintf(task, sizeof task, "t%09zu", t);
        for (size_t j = 0; j < per_task; j++) {
            uint32_t w;
            bool again;
            do {
                w = (uint32_t)tl_q_rng_below(&rng, n_workers);
                again = false;
                for (size_t x = 0; x < j; x++)
                    again |= picked[x] == w;
            } while (again);
            picked[j] = w;
            uint32_t l = k;
            if (tl_q_rng_unit(&rng) >= acc[w]) {
                l = (uint32_t)tl_q_rng_below(&rng, K - 1);
                l += l >= k;
            }
            int wn = snprintf(worker, sizeof worker, "w%06u", w);
            int ln = snprintf(label, sizeof label, "c%u", l);
            assert_int_equal(
                tl_q_labels_add(L, task, (size_t)tn, worker, (size_t)wn, label, (size_t)ln), 0);
        }
    }
    assert_int_equal(tl_q_labels_finish(L), 0);
    /* Every class occurred, so class c<k> has index k (names sort so for K <= 10). */
    assert_true(K <= 10 && L->n_classes == K);
}

/* Results of method m with 1, 2 and 3 threads are identical bit for bit. */
static inline void tq_assert_thread_independent(enum tl_q_method m, const struct tl_q_labels *L) {
    struct tl_q_result base;
    tl_q_result_init(&base);
    struct tl_q_opts o;
    tl_q_opts_init(&o);
    o.threads = 1;
    assert_int_equal(tl_q_infer(m, L, &o, &base), 0);
    for (int th = 2; th <= 3; th++) {
        struct tl_q_result r;
        tl_q_result_init(&r);
        o.threads = th;
        assert_int_equal(tl_q_infer(m, L, &o, &r), 0);
        tq_assert_same(&base, &r);
        tl_q_result_release(&r);
    }
    tl_q_result_release(&base);
}

/* Inputs that have broken truth-inference code elsewhere: one label per
 * task, a worker with one label, total agreement, a class that only gold
 * has, a single class, very many labels on one task (products underflow
 * outside log space), a gold answer on every task. Every method must give a
 * sane, finite result on each. */
static inline void tq_degenerate_suite(enum tl_q_method m) {
    static const char *const cases[] = {
        "task,worker,label\nt1,w1,a\nt2,w2,b\nt3,w1,b\n",
        "task,worker,label\nt1,w1,a\nt1,w2,a\nt2,w1,b\nt2,w2,b\nt3,w3,a\n",
        "task,worker,label\nt1,w1,a\nt1,w2,a\nt2,w1,a\nt2,w2,a\n",
        "task,worker,label\nt1,w1,x\nt1,w2,x\nt2,w1,x\n",
        "task,worker,label\nt1,w1,a\nt1,w2,b\nt2,w1,b\nt2,w2,a\n",
    };
    struct tl_q_opts o;
    tl_q_opts_init(&o);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct tl_q_labels L;
        struct tl_q_result r;
        tq_labels(&L, cases[i]);
        tl_q_result_init(&r);
        assert_int_equal(tl_q_infer(m, &L, &o, &r), 0);
        tq_assert_sane(&r);
        tl_q_result_release(&r);
        tl_q_labels_release(&L);
    }
    /* Gold on a class no worker gave, and gold everywhere. */
    struct tl_q_labels L;
    struct tl_q_result r;
    tq_labels_gold(&L, "task,worker,label\nt1,w1,a\nt1,w2,a\nt2,w1,a\nt2,w2,b\n",
                   "task,label\nt1,c\nt2,b\n");
    tl_q_result_init(&r);
    assert_int_equal(tl_q_infer(m, &L, &o, &r), 0);
    tq_assert_sane(&r);
    assert_int_equal(r.label[tq_task(&L, "t1")], tq_class(&L, "c"));
    assert_true(r.confidence[tq_task(&L, "t1")] == 1.0);
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
    /* 3000 labels on one task, 2 workers elsewhere. */
    size_t cap = 64 * 3100, pos = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    pos += (size_t)snprintf(csv + pos, cap - pos, "task,worker,label\n");
    for (int w = 0; w < 3000; w++)
        pos += (size_t)snprintf(csv + pos, cap - pos, "big,w%d,%c\n", w, w % 10 ? 'a' : 'b');
    pos += (size_t)snprintf(csv + pos, cap - pos, "small,w1,b\nsmall,w2,a\n");
    tq_labels(&L, csv);
    free(csv);
    tl_q_result_init(&r);
    assert_int_equal(tl_q_infer(m, &L, &o, &r), 0);
    tq_assert_sane(&r);
    assert_int_equal(r.label[tq_task(&L, "big")], tq_class(&L, "a"));
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
    /* Unfinished or empty labels are refused, not crashed on. */
    tl_q_labels_init(&L);
    tl_q_result_init(&r);
    assert_int_equal(tl_q_infer(m, &L, &o, &r), TL_EINVAL);
    tl_q_labels_release(&L);
}

#endif
