#!/usr/bin/python3
"""bench/quality/crowdkit_ref.py: a reference port, for comparison only, of two
truth-inference methods of Toloka's crowd-kit (https://github.com/Toloka/crowd-kit,
Apache License 2.0, Copyright Toloka; read at commit 35f06615, January 2025):

  * OneCoinDawidSkene  (crowdkit/aggregation/classification/dawid_skene.py)
  * GLAD               (crowdkit/aggregation/classification/glad.py)

crowd-kit cannot be pip-installed here (no PyPI), so this file re-expresses
the same algorithms with numpy/scipy arrays instead of pandas frames, step for
step: the same majority-vote start, priors, clipping constants, M-steps
(GLAD: scipy's CG, tol 1e-2, 25 iterations), loss (ELBO / Q) and stopping
rule, and the same tie rule (the first of the sorted classes). It is a
modified work of crowd-kit under the Apache License 2.0; Tally's C code is an
independent implementation and does not use it.

Usage: crowdkit_ref.py onecoin|glad ANSWER.csv [--max-iter N] [--tol X]
prints task,label (tasks in sorted order). ANSWER.csv: header, then task,
worker, label in the first three columns; of repeated (task, worker) rows the
first is kept (as Tally does, and as the data README ran the reference).
"""
import csv
import sys

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logsumexp

EPS = 1e-10


def load(path):
    rows, seen = [], set()
    with open(path, newline="", encoding="utf-8-sig") as f:
        r = csv.reader(f)
        next(r)
        for rec in r:
            if len(rec) < 3:
                continue
            key = (rec[0], rec[1])
            if key in seen:
                continue
            seen.add(key)
            rows.append((rec[0], rec[1], rec[2]))
    labels = sorted({r[2] for r in rows})
    try:  # pandas sorts numeric labels numerically
        labels = sorted(labels, key=float)
    except ValueError:
        pass
    tasks = sorted({r[0] for r in rows})
    workers = sorted({r[1] for r in rows})
    ti = {t: i for i, t in enumerate(tasks)}
    wi = {w: i for i, w in enumerate(workers)}
    li = {lab: i for i, lab in enumerate(labels)}
    t = np.array([ti[r[0]] for r in rows])
    w = np.array([wi[r[1]] for r in rows])
    y = np.array([li[r[2]] for r in rows])
    return tasks, labels, t, w, y, len(workers)


def majority_probas(t, y, nt, K):
    counts = np.zeros((nt, K))
    np.add.at(counts, (t, y), 1.0)
    return counts / counts.sum(axis=1, keepdims=True)


# ---- OneCoinDawidSkene ----------------------------------------------------

def onecoin(t, w, y, nt, nw, K, n_iter=100, tol=1e-5):
    n = len(t)
    per_worker = np.bincount(w, minlength=nw).astype(float)

    def m_step(probas):  # skill = mean posterior of the worker's own labels
        return np.bincount(w, weights=probas[t, y], minlength=nw) / np.maximum(per_worker, 1)

    def errors_of(skills):  # log of P(label l | true k) for every label row
        right = np.clip(skills, EPS, 1 - EPS)
        wrong = np.clip((1 - skills) / (K - 1), EPS, 1 - EPS)
        e = np.repeat(wrong[w][:, None], K, axis=1)
        e[np.arange(n), y] = right[w]
        return e

    def e_step(priors, e):
        priors = np.clip(priors, EPS, None)
        ll = np.zeros((nt, K))
        np.add.at(ll, t, np.log2(e))
        ll += np.log2(priors)
        s = np.exp2(ll - ll.max(axis=1, keepdims=True))
        return s / s.sum(axis=1, keepdims=True)

    def elbo(probas, priors, e):
        priors = np.clip(priors, EPS, None)
        joint = (probas[t] * (np.log(e) + np.log(priors))).sum()
        p = np.clip(probas, EPS, None)
        return joint - (np.log(p) * p).sum(), p

    probas = majority_probas(t, y, nt, K)
    priors = probas.mean(axis=0)
    e = errors_of(m_step(probas))
    loss = -np.inf
    for _ in range(n_iter):
        probas = e_step(priors, e)
        priors = probas.mean(axis=0)
        e = errors_of(m_step(probas))
        new_loss, probas = elbo(probas, priors, e)
        new_loss /= n
        if new_loss - loss < tol:
            break
        loss = new_loss
    return probas


# ---- GLAD ----------------------------------------------------------------

def softplus(x, limit=30):
    mask = (x > limit) | (x < -limit)
    return np.log1p(np.exp(x * (1 - mask))) * (1 - mask) + x * (x > limit)


def glad(t, w, y, nt, nw, K, n_iter=100, tol=1e-5):
    n = len(t)
    logk1 = np.log(K - 1)
    onehot = np.zeros((n, K))
    onehot[np.arange(n), y] = 1.0
    log_prior = np.log(np.full(K, 1.0 / K))
    log_norm = -0.5 * np.log(2 * np.pi)

    def terms(alpha, beta):
        ab = alpha[w] * np.exp(beta[t])
        return ab, -softplus(-ab), -softplus(ab) - logk1

    def e_step(alpha, beta):
        _, ls, lo = terms(alpha, beta)
        per = onehot * ls[:, None] + (1 - onehot) * lo[:, None]
        ll = np.zeros((nt, K))
        np.add.at(ll, t, per)
        ll += log_prior
        return np.exp(ll - logsumexp(ll, axis=1, keepdims=True))

    def q_of(post, alpha, beta):
        _, ls, lo = terms(alpha, beta)
        pt = post[t]
        q = (pt * (onehot * ls[:, None] + (1 - onehot) * lo[:, None])).sum()
        q += (log_norm - 0.5 * (alpha - 1.0) ** 2).sum()
        q += (log_norm - 0.5 * (beta - 1.0) ** 2).sum()
        return -np.inf if np.isnan(q) else float(q)

    def grad(post, alpha, beta):
        ab = alpha[w] * np.exp(beta[t])
        sigma = expit(ab)
        qy = post[t, y]
        d = qy - sigma  # sum_c post_c (delta_c - sigma)
        dqb = np.bincount(t, weights=d * ab, minlength=nt) - (beta - 1.0)
        dqa = np.bincount(w, weights=d * np.exp(beta[t]), minlength=nw) - (alpha - 1.0)
        return dqa, dqb

    alpha, beta = np.ones(nw), np.ones(nt)
    post = e_step(alpha, beta)
    q = q_of(post, alpha, beta)
    probas = post
    for _ in range(n_iter):
        last_q = q
        post = e_step(alpha, beta)
        probas = post

        def f(x, post=post):
            return -q_of(post, x[:nw], x[nw:])

        def df(x, post=post):
            dqa, dqb = grad(post, x[:nw], x[nw:])
            return -np.concatenate([dqa, dqb])

        res = minimize(f, np.concatenate([alpha, beta]), method="CG", jac=df, tol=1e-2,
                       options={"disp": False, "maxiter": 25})
        alpha, beta = res.x[:nw], res.x[nw:]
        q = q_of(post, alpha, beta) / (n * K)
        if q - last_q < tol:
            break
    return probas  # labels come from the last E-step, as in crowd-kit


def main(argv):
    if len(argv) < 3 or argv[1] not in ("onecoin", "glad"):
        sys.stderr.write(__doc__)
        return 2
    n_iter, tol = 100, 1e-5
    i = 3
    while i + 1 < len(argv):
        if argv[i] == "--max-iter":
            n_iter = int(argv[i + 1])
        elif argv[i] == "--tol":
            tol = float(argv[i + 1])
        i += 2
    tasks, labels, t, w, y, nw = load(argv[2])
    fn = onecoin if argv[1] == "onecoin" else glad
    probas = fn(t, w, y, len(tasks), nw, len(labels), n_iter, tol)
    best = probas.argmax(axis=1)  # first maximum: the lowest sorted class
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["task", "label"])
    for i, task in enumerate(tasks):
        out.writerow([task, labels[best[i]]])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
