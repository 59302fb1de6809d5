"""Writes the small, synthetic CSV files the README's quality commands run on
(they are committed too; run this again to regenerate them byte for byte):

  labels.csv   task,worker,label: 200 tasks, 3 classes, 7 workers of known
               accuracy (0.95 down to a uniform spammer), 5 labels a task
  gold.csv     task,label: the true label of 20 of the tasks
  truth.csv    task,label: every task's true label (to check a method)
  ratings.csv  task,worker,label: 40 items rated 1..5 by 4 raters (ordinal)
  battles.csv  model_a,model_b,winner: 600 pairwise battles of 4 models of
               known strength (winner model_a, model_b or tie)

Only the standard library; a fixed seed."""
import csv
import math
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
rng = random.Random(20261202)
CLASSES = ["cat", "dog", "bird"]
WORKERS = {"w1": 0.95, "w2": 0.9, "w3": 0.85, "w4": 0.8, "w5": 0.7, "w6": 0.6, "spammer": None}


def write(name, header, rows):
    with open(HERE / name, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


truth = {f"t{i:03d}": rng.choice(CLASSES) for i in range(200)}
labels = []
for task, true in truth.items():
    for worker in rng.sample(sorted(WORKERS), 5):
        acc = WORKERS[worker]
        if acc is None or rng.random() > acc:
            label = rng.choice(CLASSES)  # a spammer, or a mistake
        else:
            label = true
        labels.append((task, worker, label))
write("labels.csv", ["task", "worker", "label"], labels)
write("truth.csv", ["task", "label"], sorted(truth.items()))
write("gold.csv", ["task", "label"], sorted(truth.items())[:20])

ratings = []
for i in range(40):
    quality = rng.randint(1, 5)
    for rater in ("r1", "r2", "r3", "r4"):
        ratings.append((f"item{i:02d}", rater, min(5, max(1, quality + rng.choice([-1, 0, 0, 0, 1])))))
write("ratings.csv", ["task", "worker", "label"], ratings)

STRENGTH = {"model-large": 1.0, "model-medium": 0.4, "model-small": -0.2, "baseline": -0.8}
battles = []
models = sorted(STRENGTH)
for _ in range(600):
    a, b = rng.sample(models, 2)
    p_a = 1 / (1 + math.exp(STRENGTH[b] - STRENGTH[a]))
    x = rng.random()
    winner = "tie" if abs(x - p_a) < 0.05 else ("model_a" if x < p_a else "model_b")
    battles.append((a, b, winner))
write("battles.csv", ["model_a", "model_b", "winner"], battles)
