#!/usr/bin/python3
"""bench/quality/methods_vs_crowdkit.py: accuracy of Tally's one-coin and GLAD
against the crowd-kit reference port (crowdkit_ref.py) on synthetic crowds
(gen_crowd.py: adversarial, skewed, sparse, mix; several seeds each) and on
the real sets in $TALLY_TESTDATA/crowd.

For every synthetic kind it prints the mean accuracy over the seeds (and the
worst seed's difference Tally - reference); for the real sets, one row each.
The reference on the real sets is the port when --real-port is given (slow:
GLAD's CG M-step takes minutes on relevance and adult), otherwise the
published crowd-kit figures of the data README. Measurements, never
assertions; the unit test tests/unit/quality/synth.c pins the regression.

Usage: bench/quality/methods_vs_crowdkit.py [--seeds N] [--tasks N]
           [--kinds a,b] [--real-port] [--no-real]
Environment: TALLY_BIN (build/tally), TALLY_TESTDATA (../shared/data).
Build first: make all.
"""
import csv
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import crowdkit_ref  # noqa: E402
import gen_crowd  # noqa: E402

TALLY = os.environ.get("TALLY_BIN", os.path.join(ROOT, "build", "tally"))
DATA = os.environ.get("TALLY_TESTDATA", os.path.join(ROOT, "..", "shared", "data"))
METHODS = ("mv", "onecoin", "glad")
# crowd-kit's published accuracies (../shared/data/README.md): one-coin, GLAD
README_REF = {
    "duck": (0.5833, 0.7222), "product": (0.9084, 0.9286), "sentiment": (0.9490, 0.9480),
    "dog": (0.8302, 0.8340), "face": (0.6113, 0.6301), "relevance": (0.1935, 0.5641),
    "adult": (0.7177, None),
}
REAL = ("duck", "product", "sentiment", "dog", "face", "relevance", "adult")


def read_truth(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        r = csv.reader(f)
        next(r)
        return {rec[0]: rec[1] for rec in r if len(rec) >= 2}


def accuracy(pred, truth):
    """Share of the tasks with truth that have labels (as the data README counts)."""
    scored = [t for t in truth if t in pred]
    return sum(1 for t in scored if pred[t] == truth[t]) / len(scored)


def tally(method, answer):
    out = subprocess.run([TALLY, "aggregate", "--method", method, answer], check=True,
                         capture_output=True, text=True).stdout
    rows = list(csv.reader(out.splitlines()))[1:]
    return {r[0]: r[1] for r in rows}


def reference(method, answer):
    tasks, labels, t, w, y, nw = crowdkit_ref.load(answer)
    fn = crowdkit_ref.onecoin if method == "onecoin" else crowdkit_ref.glad
    best = fn(t, w, y, len(tasks), nw, len(labels)).argmax(axis=1)
    return {task: labels[best[i]] for i, task in enumerate(tasks)}


def score_set(answer, truth_path, port=True):
    truth = read_truth(truth_path)
    row = {m: accuracy(tally(m, answer), truth) for m in METHODS}
    if port:
        for m in ("onecoin", "glad"):
            row["ref_" + m] = accuracy(reference(m, answer), truth)
    return row


def fmt(x):
    return "  –  " if x is None else f"{x:.4f}"


def main(argv):
    seeds, n_tasks, kinds, real_port, real = 5, 600, list(gen_crowd.KINDS), False, True
    i = 1
    while i < len(argv):
        a = argv[i]
        if a == "--seeds":
            seeds, i = int(argv[i + 1]), i + 1
        elif a == "--tasks":
            n_tasks, i = int(argv[i + 1]), i + 1
        elif a == "--kinds":
            kinds, i = argv[i + 1].split(","), i + 1
        elif a == "--real-port":
            real_port = True
        elif a == "--no-real":
            real = False
        else:
            sys.stderr.write(__doc__)
            return 2
        i += 1
    if not os.access(TALLY, os.X_OK):
        sys.stderr.write(f"{TALLY} is missing: run 'make all' first\n")
        return 1
    print(f"synthetic: {seeds} seeds x {n_tasks} tasks a kind (gen_crowd.py), mean accuracy;"
          " 'worst' is the lowest per-seed Tally - reference")
    print("| kind | mv | onecoin (ref) | worst | glad (ref) | worst |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="tally-vs-ck.") as tmp:
        for kind in kinds:
            rows = []
            for seed in range(1, seeds + 1):
                d = os.path.join(tmp, f"{kind}-{seed}")
                os.makedirs(d)
                gen_crowd.main(["gen_crowd.py", kind, str(seed), d, "--tasks", str(n_tasks)])
                rows.append(score_set(os.path.join(d, "answer.csv"), os.path.join(d, "truth.csv")))
            mean = {k: sum(r[k] for r in rows) / len(rows) for k in rows[0]}
            worst = {m: min(r[m] - r["ref_" + m] for r in rows) for m in ("onecoin", "glad")}
            print(f"| {kind} | {fmt(mean['mv'])} | {fmt(mean['onecoin'])} ({fmt(mean['ref_onecoin'])})"
                  f" | {worst['onecoin']:+.4f} | {fmt(mean['glad'])} ({fmt(mean['ref_glad'])})"
                  f" | {worst['glad']:+.4f} |", flush=True)
    if not real:
        return 0
    src = "reference port" if real_port else "published crowd-kit figures (data README)"
    print(f"\nreal sets ({DATA}/crowd), reference: {src}")
    print("| data | mv | onecoin (ref) | glad (ref) |")
    print("| --- | --- | --- | --- |")
    for name in REAL:
        d = os.path.join(DATA, "crowd", name)
        if not os.path.isdir(d):
            print(f"| {name} | (missing) | | |")
            continue
        r = score_set(os.path.join(d, "answer.csv"), os.path.join(d, "truth.csv"), real_port)
        ref = (r["ref_onecoin"], r["ref_glad"]) if real_port else README_REF[name]
        print(f"| {name} | {fmt(r['mv'])} | {fmt(r['onecoin'])} ({fmt(ref[0])})"
              f" | {fmt(r['glad'])} ({fmt(ref[1])}) |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
