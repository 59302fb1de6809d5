/* num.h: the numeric helpers the quality methods share: special functions,
 * the logistic function, and the max-shifted exponentiation behind every
 * log-space posterior.
 *
 * Internal to src/quality. Static inline and pure (no state, no allocation).
 * Each helper is the exact sequence of operations its callers used when they
 * held private copies: results are bit-for-bit those of before, which the
 * determinism promise of infer.h relies on. */
#ifndef TL_QUALITY_NUM_H
#define TL_QUALITY_NUM_H

#include <math.h>
#include <stddef.h>

/* psi(x) for x > 0: recurrence up to 6, then the asymptotic series. */
static inline double tl_q_digamma(double x) {
    double r = 0;
    while (x < 6) {
        r -= 1 / x;
        x += 1;
    }
    double f = 1 / (x * x);
    return r + log(x) - 0.5 / x -
           f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

/* psi'(x) for x > 0, the same way. */
static inline double tl_q_trigamma(double x) {
    double r = 0;
    while (x < 6) {
        r += 1 / (x * x);
        x += 1;
    }
    double f = 1 / (x * x);
    return r + 1 / x + f / 2 + f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f / 30)));
}

/* 1 / (1 + exp(-x)) without overflow. */
static inline double tl_q_sigmoid(double x) {
    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

/* log sigmoid(x) and log(1 - sigmoid(x)) without overflow. */
static inline void tl_q_log_sigmoid(double x, double *lp, double *lq) {
    double e = log1p(exp(-fabs(x)));
    if (x >= 0) {
        *lp = -e;
        *lq = -x - e;
    } else {
        *lp = x - e;
        *lq = -e;
    }
}

/* log(exp(a) + exp(b)) without overflow. */
static inline double tl_q_log_add_exp(double a, double b) {
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

/* The first half of a log-sum-exp over p[0..n), n >= 1: p[k] becomes
 * exp(p[k] - m) for the maximum m, which is returned, and *sum receives the
 * sum of the new p. log-sum-exp is then m + log(*sum) and p / *sum the
 * normalised weights. The division is left to the caller because the E-steps
 * differ there (em.c multiplies by 1 / sum, glad.c and mace.c divide, and
 * mace.c adds its base term first): each keeps its own established bits. */
static inline double tl_q_exp_shift(double *p, size_t n, double *sum) {
    double m = p[0], s = 0;
    for (size_t k = 1; k < n; k++)
        if (p[k] > m)
            m = p[k];
    for (size_t k = 0; k < n; k++) {
        p[k] = exp(p[k] - m);
        s += p[k];
    }
    *sum = s;
    return m;
}

/* The log of a product of many positive factors with one log at the end:
 * each factor's mantissa (in [0.5, 1)) is multiplied in and its exponent
 * added, the running product renormalised before it can underflow. Where a
 * log a factor was most of a loop's time (the E-step, auto's held-out
 * likelihood). Factors must be positive and finite. */
struct tl_q_logprod {
    double m;
    long e;
};

static inline void tl_q_logprod_init(struct tl_q_logprod *p) {
    p->m = 1;
    p->e = 0;
}

static inline void tl_q_logprod_mul(struct tl_q_logprod *p, double x) {
    int e;
    p->m *= frexp(x, &e);
    p->e += e;
    if (p->m < 0x1p-512) {
        p->m = frexp(p->m, &e);
        p->e += e;
    }
}

static inline double tl_q_logprod_log(const struct tl_q_logprod *p) {
    return log(p->m) + (double)p->e * M_LN2;
}

#endif
