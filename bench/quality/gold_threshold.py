#!/usr/bin/python3
"""bench/quality/gold_threshold.py: what a default gold_threshold flags.

The gold rule (docs/quality-workers.md) flags an annotator with >= 10 gold
answers whose 5% Beta lower bound of gold accuracy, the 5% quantile of
Beta(1 + right, 1 + wrong), is below the project's gold_threshold. This
replays the real crowds of ../shared/data/crowd/ as if a share of their
tasks were gold (their truth.csv answer): every real worker with >= 10 gold
answers is scored like that, and so is a uniform spammer per dataset
(right with probability 1/K on each of as many gold tasks as the median real
worker answers). For each threshold it prints the share of real workers
flagged (real crowds hold weak workers too: an upper bound on honest ones
flagged) and the spammers' recall, over SEEDS draws of the gold tasks.

Usage: /usr/bin/python3 bench/quality/gold_threshold.py [--gold-rate 0.25]
       [--seeds 10] [--thresholds 0.25,0.3,...]
No third-party module: the Beta CDF with integer parameters is a binomial
tail, I_x(a, b) = P(Binomial(a + b - 1, x) >= a)."""
import argparse
import csv
import math
import os
import random
import statistics

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "crowd")
GOLD_MIN = int(os.environ.get("GOLD_MIN", "10"))
QUANTILE = 0.05


def beta_cdf(x, a, b):
    n = a + b - 1
    return sum(math.comb(n, k) * x ** k * (1 - x) ** (n - k) for k in range(a, n + 1))


def lower_bound(right, wrong):
    """The QUANTILE quantile of Beta(1 + right, 1 + wrong), by bisection."""
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = (lo + hi) / 2
        if beta_cdf(mid, 1 + right, 1 + wrong) < QUANTILE:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def load(name):
    d = os.path.join(DATA, name)
    truth = {}
    with open(os.path.join(d, "truth.csv"), newline="") as f:
        for row in csv.reader(f):
            if row and row[0] not in ("question", "q"):
                truth[row[0]] = row[1].strip()
    answers, seen = [], set()
    with open(os.path.join(d, "answer.csv"), newline="") as f:
        for row in csv.reader(f):
            # header: question|id,worker,answer; a repeated (task, worker) keeps the first
            if row and row[1] != "worker" and row[0] in truth and (row[0], row[1]) not in seen:
                seen.add((row[0], row[1]))
                answers.append((row[0], row[1], row[2].strip()))
    return truth, answers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gold-rate", type=float, default=0.25)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--thresholds", default="chance,0.25,0.3,0.4,0.5,0.6",
                    help="'chance' is 1/K, K the dataset's classes")
    args = ap.parse_args()
    thresholds = args.thresholds.split(",")
    # emotion is a numeric scale (gold scores it within a tolerance, not by
    # class): left out
    datasets = sorted(n for n in os.listdir(DATA)
                      if os.path.exists(os.path.join(DATA, n, "truth.csv")) and n != "emotion")
    print(f"gold on {args.gold_rate:.0%} of the tasks, {args.seeds} draws; workers with "
          f">= {GOLD_MIN} gold answers; flagged when the 5% Beta bound < threshold")
    head = "dataset    K workers  " + " ".join(f"{t:>11}" for t in thresholds)
    level = lambda t, k: 1 / k if t == "chance" else float(t)
    print(head)
    total_real = {t: [0, 0] for t in thresholds}
    total_spam = {t: [0, 0] for t in thresholds}
    bound_cache = {}
    for name in datasets:
        truth, answers = load(name)
        k = len(set(truth.values()))
        real = {t: [0, 0] for t in thresholds}
        spam = {t: [0, 0] for t in thresholds}
        for seed in range(args.seeds):
            rng = random.Random(seed)
            gold = {q for q in sorted(truth) if rng.random() < args.gold_rate}
            per = {}
            for q, w, a in answers:
                if q in gold:
                    r = per.setdefault(w, [0, 0])
                    r[0 if a == truth[q] else 1] += 1
            scored = [(r, wr) for r, wr in per.values() if r + wr >= GOLD_MIN]
            if not scored:
                continue
            n_gold = int(statistics.median(r + wr for r, wr in scored))
            for right, wrong in scored:
                key = (right, wrong)
                if key not in bound_cache:
                    bound_cache[key] = lower_bound(right, wrong)
                for t in thresholds:
                    real[t][0] += bound_cache[key] < level(t, k)
                    real[t][1] += 1
            for _ in range(20):  # uniform spammers
                right = sum(rng.random() < 1 / k for _ in range(n_gold))
                key = (right, n_gold - right)
                if key not in bound_cache:
                    bound_cache[key] = lower_bound(*key)
                for t in thresholds:
                    spam[t][0] += bound_cache[key] < level(t, k)
                    spam[t][1] += 1
        n_workers = real[thresholds[0]][1] // max(args.seeds, 1)
        cells = []
        for t in thresholds:
            rf = real[t][0] / real[t][1] if real[t][1] else float("nan")
            sr = spam[t][0] / spam[t][1] if spam[t][1] else float("nan")
            cells.append(f"{rf:5.1%}/{sr:4.0%}")
            for tot, part in ((total_real, real), (total_spam, spam)):
                tot[t][0] += part[t][0]
                tot[t][1] += part[t][1]
        print(f"{name:<10} {k:>1} {n_workers:>7}  " + " ".join(f"{c:>11}" for c in cells))
    cells = []
    for t in thresholds:
        rf = total_real[t][0] / max(total_real[t][1], 1)
        sr = total_spam[t][0] / max(total_spam[t][1], 1)
        cells.append(f"{rf:5.1%}/{sr:4.0%}")
    print(f"{'all':<10}   {'':>7}  " + " ".join(f"{c:>11}" for c in cells))
    print("cells: real workers flagged / uniform spammers flagged")


if __name__ == "__main__":
    main()
