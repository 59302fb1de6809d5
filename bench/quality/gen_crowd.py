#!/usr/bin/python3
"""bench/quality/gen_crowd.py: seeded synthetic crowds of the kinds where the
symmetric models (one-coin, GLAD) are hard to get right, written as
DIR/answer.csv (question,worker,answer) and DIR/truth.csv (question,truth),
the format of the real sets in ../shared/data/crowd.

Kinds:
  adversarial  3 classes, uniform prior, 5 labels a task from 40 workers; a
               quarter of the workers prefer a wrong class: given truth k they
               say (k + 1) mod 3 with probability 0.55-0.8, else uniformly
               another answer; the others are honest (accuracy 0.55-0.9,
               errors uniform)
  skewed       3 classes with prior (0.75, 0.2, 0.05), 5 labels a task, honest
               workers of accuracy 0.45-0.85
  sparse       4 classes, uniform prior, 3 labels a task from 60 workers of
               accuracy 0.4-0.9
  mix          all three: 3 classes, prior (0.7, 0.2, 0.1), 3 labels a task,
               one worker in five adversarial

Usage: gen_crowd.py KIND SEED DIR [--tasks N]
Same kind, seed and size give the same files (numpy's PCG64).
"""
import os
import sys

import numpy as np

KINDS = {
    # classes, prior, labels per task, workers, adversarial share, honest accuracy range
    "adversarial": (3, None, 5, 40, 0.25, (0.55, 0.90)),
    "skewed": (3, (0.75, 0.20, 0.05), 5, 40, 0.0, (0.45, 0.85)),
    "sparse": (4, None, 3, 60, 0.0, (0.40, 0.90)),
    "mix": (3, (0.70, 0.20, 0.10), 3, 50, 0.20, (0.50, 0.90)),
}


def generate(kind, seed, n_tasks):
    K, prior, per_task, n_workers, adv_share, (lo, hi) = KINDS[kind]
    rng = np.random.default_rng([seed, sorted(KINDS).index(kind)])
    prior = np.full(K, 1.0 / K) if prior is None else np.array(prior)
    truth = rng.choice(K, size=n_tasks, p=prior)
    n_adv = int(round(adv_share * n_workers))
    adversary = np.zeros(n_workers, dtype=bool)
    adversary[rng.choice(n_workers, size=n_adv, replace=False)] = True
    acc = rng.uniform(lo, hi, size=n_workers)
    pull = rng.uniform(0.55, 0.80, size=n_workers)  # adversaries: P(preferred wrong class)
    rows = []
    for t in range(n_tasks):
        k = truth[t]
        for wk in rng.choice(n_workers, size=per_task, replace=False):
            if adversary[wk]:
                if rng.random() < pull[wk]:
                    lab = (k + 1) % K
                else:
                    lab = rng.integers(K)
            elif rng.random() < acc[wk]:
                lab = k
            else:
                lab = (k + 1 + rng.integers(K - 1)) % K
            rows.append((t, wk, lab))
    order = rng.permutation(len(rows))
    return truth, [rows[i] for i in order]


def main(argv):
    if len(argv) < 4 or argv[1] not in KINDS:
        sys.stderr.write(__doc__)
        return 2
    kind, seed, out = argv[1], int(argv[2]), argv[3]
    n_tasks = int(argv[5]) if len(argv) > 5 and argv[4] == "--tasks" else 600
    truth, rows = generate(kind, seed, n_tasks)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "answer.csv"), "w") as f:
        f.write("question,worker,answer\n")
        for t, wk, lab in rows:
            f.write(f"t{t:05d},w{wk:03d},{lab}\n")
    with open(os.path.join(out, "truth.csv"), "w") as f:
        f.write("question,truth\n")
        for t, k in enumerate(truth):
            f.write(f"t{t:05d},{k}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
