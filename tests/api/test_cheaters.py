"""Planted cheaters in a real crowd (docs/quality-workers.md): the dog
dataset of ../shared/data/crowd (its first 120 tasks, the 43 workers with >= 10 labels
there, 4 classes) replayed through the API (cheaters_replay.py explains
how), with 5 uniform spammers, 4 constant answerers, 5 speeders, 2
colluding pairs and 2 copiers of free text planted. At least 95% of the
planted cheaters must be flagged and at most 2% of the real workers; the
table of flags per kind and rule, with each detector's precision and
recall, is printed (pytest -s). bench/cheaters/run.sh runs the same on the
whole dataset."""
import os

import pytest

from cheaters_replay import Replay, data_dir


def test_planted_cheaters_are_flagged(server):
    if not os.path.isdir(os.path.join(data_dir(), "dog")):
        pytest.skip("no crowd data (TALLY_TESTDATA)")
    rp = Replay(server, n_tasks=int(os.environ.get("CHEATERS_TASKS", 120)),
                min_labels=int(os.environ.get("CHEATERS_MIN_LABELS", 10)))
    rp.setup()
    workers = rp.run()
    text, caught, n_planted, honest_flagged, n_honest, which = rp.report(workers)
    print("\n" + text)
    for name, rules, flags in which:
        print("honest flagged:", name, rules, [f["evidence"] for f in flags])
    assert n_planted == 20 and n_honest >= 40
    assert caught >= 0.95 * n_planted, text
    assert honest_flagged <= 0.02 * n_honest, text
    # the evidence staff see names the other side of a collusion by pseudonym
    for w in workers:
        for f in w["flags"]:
            if f["rule"] == "collusion":
                assert f["evidence"]["peer"].startswith("anon-")
