/* bt.c: Bradley-Terry (ties as half wins) and Davidson (1970) maximum
 * likelihood by damped Newton, and online Elo (see bt.h).
 *
 * Both likelihoods are exponential families in (theta, log nu), so one
 * Newton routine serves both: the gradient is observed minus expected
 * statistics and the Hessian is the covariance of the outcome statistics.
 *
 * The likelihood does not change when every theta moves by the same amount;
 * steps are kept orthogonal to that direction (a rank-one term in the
 * Hessian, and the gradient's mean removed), so theta stays at mean zero. A
 * penalty of theta^2 / (2 C ln(10)^2) per model with C = 1e6 (the Chatbot
 * Arena's logistic-regression setting, on the log10 scale) keeps the optimum
 * finite when a model never loses or the comparison graph falls apart, and
 * moves ordinary ratings by far less than 0.01 Elo. */
#include "quality/bt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quality/num.h"

#define PENALTY  (1.0 / (1e6 * M_LN10 * M_LN10))
#define MAX_ITER 100
#define MAX_STEP 10.0  /* natural-log units: ~1700 Elo, a bound for one step */
#define STEP_TOL 1e-10 /* stop when no parameter moves more than this */

int tl_q_bt_work_init(struct tl_q_bt_work *w, size_t m, enum tl_q_ties ties) {
    w->m = m;
    w->p = m + (ties == TL_Q_TIES_DAVIDSON);
    w->grad = malloc(w->p * sizeof *w->grad);
    w->hess = malloc(w->p * w->p * sizeof *w->hess);
    w->step = malloc(w->p * sizeof *w->step);
    w->trial = malloc(w->p * sizeof *w->trial);
    if (!w->grad || !w->hess || !w->step || !w->trial) {
        tl_q_bt_work_release(w);
        return TL_ENOMEM;
    }
    return 0;
}

void tl_q_bt_work_release(struct tl_q_bt_work *w) {
    free(w->grad);
    free(w->hess);
    free(w->step);
    free(w->trial);
    memset(w, 0, sizeof *w);
}

/* Penalised log-likelihood at params; with want_derivs also w->grad and
 * w->hess (of the negative log-likelihood, i.e. positive semi-definite). */
static double evaluate(struct tl_q_bt_work *w, const double *wins, const double *ties,
                       enum tl_q_ties tie_model, const double *params, bool want_derivs) {
    size_t m = w->m, p = w->p, g = m; /* g: index of log nu */
    double *grad = w->grad, *H = w->hess, ll = 0;
    if (want_derivs) {
        memset(grad, 0, p * sizeof *grad);
        memset(H, 0, p * p * sizeof *H);
    }
    bool davidson = tie_model == TL_Q_TIES_DAVIDSON;
    for (size_t i = 0; i < m; i++) {
        for (size_t j = i + 1; j < m; j++) {
            double wi = wins[i * m + j], wj = wins[j * m + i], t = ties[i * m + j];
            double n = wi + wj + t;
            if (n <= 0)
                continue;
            double ti = params[i], tj = params[j];
            if (!davidson) {
                double a = wi + t / 2, b = wj + t / 2;
                ll += a * ti + b * tj - n * tl_q_log_add_exp(ti, tj);
                if (!want_derivs)
                    continue;
                double pij = 1 / (1 + exp(tj - ti)), v = n * pij * (1 - pij);
                grad[i] += a - n * pij;
                grad[j] += b - n * (1 - pij);
                H[i * p + i] += v;
                H[j * p + j] += v;
                H[i * p + j] -= v;
                H[j * p + i] -= v;
                continue;
            }
            double xt = params[g] + (ti + tj) / 2;
            double ls = tl_q_log_add_exp(tl_q_log_add_exp(ti, tj), xt);
            ll += wi * ti + wj * tj + t * xt - n * ls;
            if (!want_derivs)
                continue;
            double pi = exp(ti - ls), pj = exp(tj - ls), pt = exp(xt - ls);
            /* statistics in (i, j, g): i wins (1,0,0), j wins (0,1,0), tie (.5,.5,1) */
            double e[3] = {pi + pt / 2, pj + pt / 2, pt};
            double obs[3] = {wi + t / 2, wj + t / 2, t};
            size_t idx[3] = {i, j, g};
            double second[3][3] = {
                {pi + pt / 4, pt / 4, pt / 2},
                {pt / 4, pj + pt / 4, pt / 2},
                {pt / 2, pt / 2, pt},
            };
            for (int x = 0; x < 3; x++) {
                grad[idx[x]] += obs[x] - n * e[x];
                for (int y = 0; y < 3; y++)
                    H[idx[x] * p + idx[y]] += n * (second[x][y] - e[x] * e[y]);
            }
        }
    }
    for (size_t k = 0; k < p; k++) {
        ll -= PENALTY * params[k] * params[k] / 2;
        if (want_derivs) {
            grad[k] -= PENALTY * params[k];
            H[k * p + k] += PENALTY;
        }
    }
    return ll;
}

/* Solve H x = b in place (x overwrites b) by Cholesky; H is overwritten.
 * Returns false when H is not positive definite. */
static bool cholesky_solve(double *H, size_t p, double *b) {
    for (size_t j = 0; j < p; j++) {
        double d = H[j * p + j];
        for (size_t k = 0; k < j; k++)
            d -= H[j * p + k] * H[j * p + k];
        if (!(d > 0))
            return false;
        d = sqrt(d);
        H[j * p + j] = d;
        for (size_t i = j + 1; i < p; i++) {
            double s = H[i * p + j];
            for (size_t k = 0; k < j; k++)
                s -= H[i * p + k] * H[j * p + k];
            H[i * p + j] = s / d;
        }
    }
    for (size_t i = 0; i < p; i++) {
        double s = b[i];
        for (size_t k = 0; k < i; k++)
            s -= H[i * p + k] * b[k];
        b[i] = s / H[i * p + i];
    }
    for (size_t i = p; i-- > 0;) {
        double s = b[i];
        for (size_t k = i + 1; k < p; k++)
            s -= H[k * p + i] * b[k];
        b[i] = s / H[i * p + i];
    }
    return true;
}

static void center(double *theta, size_t m) {
    double mean = 0;
    for (size_t i = 0; i < m; i++)
        mean += theta[i];
    mean /= (double)m;
    for (size_t i = 0; i < m; i++)
        theta[i] -= mean;
}

int tl_q_bt_fit(struct tl_q_bt_work *w, const double *wins, const double *ties,
                enum tl_q_ties tie_model, double *params) {
    size_t m = w->m, p = w->p;
    center(params, m);
    double f = evaluate(w, wins, ties, tie_model, params, true);
    int it;
    for (it = 0; it < MAX_ITER; it++) {
        /* Keep the step orthogonal to the all-ones direction of theta. */
        double gmean = 0, diag = 0;
        for (size_t i = 0; i < m; i++) {
            gmean += w->grad[i];
            diag += w->hess[i * p + i];
        }
        gmean /= (double)m;
        double c = diag / (double)m + 1.0;
        for (size_t i = 0; i < m; i++) {
            w->grad[i] -= gmean;
            for (size_t j = 0; j < m; j++)
                w->hess[i * p + j] += c / (double)m;
        }
        memcpy(w->step, w->grad, p * sizeof *w->step);
        double jitter = 1e-9;
        while (!cholesky_solve(w->hess, p, w->step) && jitter < 1e3) {
            /* Only reachable through rounding: rebuild and regularise. */
            evaluate(w, wins, ties, tie_model, params, true);
            for (size_t k = 0; k < p; k++)
                w->hess[k * p + k] += jitter + c;
            memcpy(w->step, w->grad, p * sizeof *w->step);
            jitter *= 100;
        }
        double biggest = 0, slope = 0;
        for (size_t k = 0; k < p; k++) {
            biggest = fabs(w->step[k]) > biggest ? fabs(w->step[k]) : biggest;
            slope += w->step[k] * w->grad[k];
        }
        if (!(biggest > STEP_TOL) || !(slope > 0))
            break;
        double scale = biggest > MAX_STEP ? MAX_STEP / biggest : 1.0;
        double next = f;
        bool moved = false;
        for (int half = 0; half < 40; half++, scale /= 2) {
            for (size_t k = 0; k < p; k++)
                w->trial[k] = params[k] + scale * w->step[k];
            center(w->trial, m);
            next = evaluate(w, wins, ties, tie_model, w->trial, false);
            if (next >= f + 1e-4 * scale * slope) {
                moved = true;
                break;
            }
        }
        if (!moved)
            break;
        memcpy(params, w->trial, p * sizeof *params);
        f = evaluate(w, wins, ties, tie_model, params, true);
        if (biggest * scale < STEP_TOL)
            break;
    }
    return it;
}

void tl_q_elo_run(const struct tl_q_battles *B, const uint32_t *order, size_t n, double k,
                  double *ratings) {
    for (size_t x = 0; x < n; x++) {
        size_t i = order ? order[x] : x;
        uint32_t a = B->a[i], b = B->b[i];
        double ea = 1 / (1 + exp((ratings[b] - ratings[a]) * (M_LN10 / 400)));
        double sa = B->outcome[i] == TL_Q_A_WINS ? 1.0 : B->outcome[i] == TL_Q_B_WINS ? 0.0 : 0.5;
        ratings[a] += k * (sa - ea);
        ratings[b] -= k * (sa - ea);
    }
}
