"""Test-only access to a running server's database, for the quality tests
(test_workers_access.py, test_cheaters.py, test_route_matrix.py).

The server keeps its SQLite database in WAL mode, so a second connection may
write while it runs. Tests use this only for what the API cannot do on
purpose: back-date lease claims (honest annotators' working time, which a
test cannot spend for real), plant a flag without a detector run, and set a
project's quality settings or gold when the API for them (issue 10's `core`
helper: PATCH "quality", PUT .../gold) is not present in this build."""
import json
import os
import sqlite3
import uuid


def connect(srv):
    db = sqlite3.connect(os.path.join(srv.data, "tally.db"), timeout=30)
    db.execute("PRAGMA busy_timeout = 30000")
    return db


def _pk(db, table, public_id):
    row = db.execute(f"SELECT pk FROM {table} WHERE id = ?", (public_id,)).fetchone()
    assert row, f"no {table} row {public_id}"
    return row[0]


def insert_review(srv, task_id):
    """A pending, unclaimed review of task_id (as `reviews/next` writes one
    before its claim), for the routes whose {} is a review; its public id."""
    review_id = str(uuid.uuid4())
    with connect(srv) as db:
        db.execute("INSERT INTO reviews(id, project_pk, task_pk, reason, created_at)"
                   " SELECT ?, k.project_pk, k.pk, 0, 0 FROM tasks k WHERE k.id = ?",
                   (review_id, task_id))
    return review_id


def insert_flag(srv, project_id, user_id, rule="speed", evidence=None, score=1.0):
    """A new open flag of user_id in project_id; its public id."""
    flag_id = str(uuid.uuid4())
    ev = evidence or {"median_seconds": 0.2, "project_median_seconds": 20.0}
    with connect(srv) as db:
        db.execute("INSERT INTO flags(id, project_pk, annotator_pk, rule, score, evidence,"
                   " created_at) VALUES(?, ?, ?, ?, ?, ?, strftime('%s','now') * 1000)",
                   (flag_id, _pk(db, "projects", project_id), _pk(db, "users", user_id), rule,
                    score, json.dumps(ev).encode()))
    return flag_id


def set_claimed(srv, durations):
    """durations: {annotation id: seconds}; claimed_at = created_at - seconds."""
    with connect(srv) as db:
        db.executemany("UPDATE annotations SET claimed_at = created_at - ? WHERE id = ?",
                       [(int(s * 1000), aid) for aid, s in durations.items()])


def set_quality(srv, project_id, gold_threshold=None, suspend=None):
    with connect(srv) as db:
        if gold_threshold is not None:
            db.execute("UPDATE projects SET gold_threshold = ? WHERE id = ?",
                       (gold_threshold, project_id))
        if suspend is not None:
            db.execute("UPDATE projects SET quality_policy = ? WHERE id = ?",
                       (1 if suspend else 0, project_id))


def set_gold(srv, golds):
    """golds: {task id: gold object}."""
    with connect(srv) as db:
        db.executemany("UPDATE tasks SET gold = ? WHERE id = ?",
                       [(json.dumps(g, separators=(",", ":")).encode(), tid)
                        for tid, g in golds.items()])
