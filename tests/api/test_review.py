"""The review queue (docs/quality-review.md) through the real server: which
tasks are offered (the keyed sample at review_rate, every low-confidence
task, every flagged annotator's work, a second opinion on a share of
reviewed tasks), what accept, reject and correct do to the task, its
counters and its aggregate, how reviewers are scored against each other
and against gold, and who may do any of it.

The project quality settings, aggregates (kept by the live aggregator) and
flags (written by the detectors) are other branches' work: this file writes
those rows directly into the server's database with sqlite3, as those
components would, and reads the effects back the same way where no route
of this branch shows them."""
import json
import sqlite3
import time
from pathlib import Path

import pytest

from conftest import CHOICE_AB, assert_error, unique


# ---------------------------------------------------------------- helpers

def db_exec(server, sql, args=()):
    """Run one statement on the server's database (WAL: safe while it runs)."""
    for _ in range(50):
        try:
            with sqlite3.connect(Path(server.data) / "tally.db", timeout=10) as db:
                cur = db.execute(sql, args)
                return cur.fetchall()
        except sqlite3.OperationalError as e:  # the writer holds the lock
            if "locked" not in str(e):
                raise
            time.sleep(0.05)
    raise AssertionError(f"database stayed locked: {sql}")


def set_review(server, pid, rate=0.0, below=0.0):
    db_exec(server, "UPDATE projects SET review_rate = ?, review_below = ? WHERE id = ?",
            (rate, below, pid))


def label_all(api, pid, annotators, answer=lambda task, who: {"label": "a"}):
    """Annotators take turns until none gets work; {task id: [annotation ids]}."""
    done = {}
    active = list(annotators)
    while active:
        for who in list(active):
            got = api.next(who.token, pid)
            if got is None:
                active.remove(who)
                continue
            task = got["task"]
            r = api.submit(who.token, task["id"], got["lease"]["id"], answer(task, who))
            assert r.status_code == 201, r.text
            done.setdefault(task["id"], []).append(r.json()["id"])
    return done


def review_next(api, token, pid):
    r = api.srv.request("POST", f"/api/v1/projects/{pid}/reviews/next", token)
    assert r.status_code in (200, 204), r.text
    return r.json() if r.status_code == 200 else None


def decide(api, token, review_id, body):
    return api.srv.request("POST", f"/api/v1/reviews/{review_id}", token, json_body=body)


def drain(api, token, pid, body=None, limit=1000):
    """Take and decide items until the queue is empty: the items seen."""
    seen = []
    for _ in range(limit):
        item = review_next(api, token, pid)
        if item is None:
            return seen
        assert "gold" not in item and "gold" not in json.dumps(item["data"])
        seen.append(item)
        r = decide(api, token, item["id"], body or {"decision": "accept"})
        assert r.status_code == 200, r.text
    raise AssertionError("the queue did not empty")


def user_pk(server, user_id):
    return db_exec(server, "SELECT pk FROM users WHERE id = ?", (user_id,))[0][0]


def project_pk(server, pid):
    return db_exec(server, "SELECT pk FROM projects WHERE id = ?", (pid,))[0][0]


def add_flag(server, pid, user_id, status=0):
    db_exec(server, "INSERT INTO flags(id, project_pk, annotator_pk, rule, score, evidence,"
            " created_at, status) VALUES(?, ?, ?, 'speed', 0.9, '{}', 0, ?)",
            (unique("flag"), project_pk(server, pid), user_pk(server, user_id), status))


def set_aggregate(server, task_id, label, confidence):
    # the live aggregator (core) wrote the row at submit: replace it
    db_exec(server, "INSERT OR REPLACE INTO aggregates(task_pk, project_pk, method, result,"
            " confidence,"
            " min_confidence, n_annotations, is_reviewed, updated_at)"
            " SELECT pk, project_pk, 'mv', ?, ?, ?, n_annotations, 0, 0 FROM tasks WHERE id = ?",
            (json.dumps({"label": label}), json.dumps({"label": confidence}), confidence,
             task_id))


def aggregate_row(server, task_id):
    rows = db_exec(server, "SELECT a.method, a.result, a.confidence, a.is_reviewed"
                   " FROM aggregates a JOIN tasks k ON k.pk = a.task_pk WHERE k.id = ?",
                   (task_id,))
    if not rows:
        return None
    method, result, conf, reviewed = rows[0]
    return {"method": method, "result": json.loads(result), "confidence": json.loads(conf),
            "reviewed": bool(reviewed)}


def reviewers(api, token, pid):
    r = api.srv.request("GET", f"/api/v1/projects/{pid}/reviewers", token)
    assert r.status_code == 200, r.text
    return {x["reviewer"]: x for x in r.json()["reviewers"]}


# ---------------------------------------------------------------- selection

def test_sampling_rate_is_about_the_setting_and_stable(api, server):
    s = api.setup_project(n_tasks=200, n_annotators=1)
    label_all(api, s.pid, s.annotators)
    set_review(server, s.pid, rate=0.3)
    rev = s.tenant.user("reviewer")
    items = drain(api, rev.token, s.pid)
    tasks = [i["task_id"] for i in items]
    assert len(tasks) == len(set(tasks)), "a task offered twice to one reviewer"
    assert all(i["reason"] == "sampled" for i in items)
    # Binomial(200, 0.3): mean 60, sd 6.5; +-20 is three sd either way.
    assert 40 <= len(tasks) <= 80, len(tasks)
    # The sample is a keyed hash of the task id: a second reviewer is offered
    # only second opinions (10% of these), all of them from the same sample.
    rev2 = s.tenant.user("reviewer")
    second = drain(api, rev2.token, s.pid)
    assert {i["task_id"] for i in second} <= set(tasks)
    assert len(second) <= len(tasks) // 3 + 3


def test_low_confidence_tasks_always_included(api, server):
    s = api.setup_project(n_tasks=20, n_annotators=1)
    done = label_all(api, s.pid, s.annotators)
    ids = sorted(done)
    low = set(ids[3:8])
    for t in ids:
        set_aggregate(server, t, "a", 0.5 if t in low else 0.95)
    set_review(server, s.pid, rate=0.0, below=0.8)
    items = drain(api, s.manager.token, s.pid)
    assert {i["task_id"] for i in items} == low
    assert all(i["reason"] == "low_confidence" for i in items)
    assert all(i["aggregate"]["method"] == "mv" for i in items)


def test_flagged_annotators_work_included(api, server):
    s = api.setup_project(n_tasks=12, n_annotators=2)
    flagged, other = s.annotators
    label_all(api, s.pid, s.annotators)
    add_flag(server, s.pid, flagged.id, status=0)
    add_flag(server, s.pid, other.id, status=2)  # dismissed: not counted
    set_review(server, s.pid)
    items = drain(api, s.manager.token, s.pid)
    assert items, "no flagged work offered"
    assert all(i["reason"] == "flagged_annotator" for i in items)
    # the flagged annotator's tasks exactly: read who labeled what from the db
    want = {row[0] for row in db_exec(
        server, "SELECT k.id FROM annotations a JOIN tasks k ON k.pk = a.task_pk"
        " JOIN users u ON u.pk = a.annotator_pk WHERE u.id = ?", (flagged.id,))}
    assert {i["task_id"] for i in items} == want


def test_claims_are_held_and_not_shared(api, server):
    s = api.setup_project(n_tasks=6, n_annotators=1)
    label_all(api, s.pid, s.annotators)
    set_review(server, s.pid, rate=1.0)
    a, b = s.tenant.user("reviewer"), s.tenant.user("reviewer")
    first = review_next(api, a.token, s.pid)
    assert review_next(api, a.token, s.pid)["id"] == first["id"], "asking again: the same item"
    other = review_next(api, b.token, s.pid)
    assert other["task_id"] != first["task_id"]
    assert_error(decide(api, b.token, first["id"], {"decision": "accept"}), 409)
    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/reviews?status=pending", a.token)
    assert r.status_code == 200
    assert {x["id"] for x in r.json()["reviews"]} == {first["id"], other["id"]}


# ---------------------------------------------------------------- decisions

def test_reject_sets_aside_and_reopens_the_slot(api, server):
    s = api.setup_project(n_tasks=1, overlap=2, n_annotators=2)
    x, y = s.annotators
    done = label_all(api, s.pid, s.annotators,
                     answer=lambda t, who: {"label": "a" if who is x else "b"})
    (task_id, _), = done.items()
    assert api.counts(s.manager.token, s.pid)["completed_tasks"] == 1
    set_review(server, s.pid, rate=1.0)
    item = review_next(api, s.manager.token, s.pid)
    assert item["task_id"] == task_id and len(item["annotations"]) == 2
    # annotators appear by pseudonym, never by email
    names = {a["annotator"] for a in item["annotations"]}
    assert all(n.startswith("anon-") for n in names), names
    assert x.email not in json.dumps(item) and y.email not in json.dumps(item)
    wrong = [a["id"] for a in item["annotations"] if a["result"] == {"label": "b"}]
    assert_error(decide(api, s.manager.token, item["id"],
                        {"decision": "reject", "annotations": ["nope"]}), 400)
    assert_error(decide(api, s.manager.token, item["id"],
                        {"decision": "reject", "result": {"label": "a"}}), 400)
    r = decide(api, s.manager.token, item["id"], {"decision": "reject", "annotations": wrong})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "rejected" and r.json()["rejected"] == wrong
    assert api.counts(s.manager.token, s.pid)["completed_tasks"] == 0
    task = api.srv.request("GET", f"/api/v1/tasks/{task_id}", s.manager.token).json()
    assert task["state"] == "open" and task["annotations_count"] == 1
    assert db_exec(server, "SELECT set_aside FROM annotations WHERE id = ?", (wrong[0],)) == [(1,)]
    # the rejected annotator does not get it back; a new one takes the slot
    assert api.next(y.token, s.pid) is None
    z = s.tenant.user("annotator")
    api.add_member(s.manager.token, s.pid, z.email)
    got = api.next(z.token, s.pid)
    assert got["task"]["id"] == task_id
    assert api.submit(z.token, task_id, got["lease"]["id"], {"label": "a"}).status_code == 201
    assert api.counts(s.manager.token, s.pid)["completed_tasks"] == 1
    assert_error(decide(api, s.manager.token, item["id"], {"decision": "accept"}), 409)


def test_reject_all_and_accept(api, server):
    s = api.setup_project(n_tasks=2, overlap=1, n_annotators=1)
    label_all(api, s.pid, s.annotators)
    set_review(server, s.pid, rate=1.0)
    one = review_next(api, s.manager.token, s.pid)
    assert decide(api, s.manager.token, one["id"], {"decision": "reject"}).status_code == 200
    two = review_next(api, s.manager.token, s.pid)
    assert two["task_id"] != one["task_id"]
    assert two["aggregate"]["result"] == {"label": "a"}
    r = decide(api, s.manager.token, two["id"], {"decision": "accept"})
    assert r.status_code == 200 and r.json()["correction"] == {"label": "a"}
    assert aggregate_row(server, two["task_id"])["reviewed"] is True
    assert aggregate_row(server, one["task_id"]) is None
    counts = api.counts(s.manager.token, s.pid)
    assert counts["completed_tasks"] == 1 and counts["annotations"] == 1, counts
    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/reviews?status=done&limit=1",
                        s.manager.token)
    page = r.json()
    assert len(page["reviews"]) == 1 and page["next_cursor"]
    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/reviews?status=done&limit=1&cursor="
                        + page["next_cursor"], s.manager.token)
    assert len(r.json()["reviews"]) == 1
    assert {x["status"] for x in page["reviews"] + r.json()["reviews"]} == {"accepted",
                                                                           "rejected"}
    for bad in ("status=all", "limit=0", "cursor=t12", "cursor=r"):
        assert_error(api.srv.request("GET", f"/api/v1/projects/{s.pid}/reviews?{bad}",
                                     s.manager.token), 400)


def test_correct_overrides_the_aggregate(api, server):
    s = api.setup_project(n_tasks=1, overlap=1, n_annotators=1)
    (task_id, _), = label_all(api, s.pid, s.annotators).items()
    set_aggregate(server, task_id, "a", 0.6)
    set_review(server, s.pid, rate=1.0)
    item = review_next(api, s.manager.token, s.pid)
    assert_error(decide(api, s.manager.token, item["id"],
                        {"decision": "correct", "result": {"label": "zzz"}}), 422)
    assert_error(decide(api, s.manager.token, item["id"], {"decision": "correct"}), 400)
    assert_error(decide(api, s.manager.token, item["id"], {"decision": "maybe"}), 400)
    assert_error(decide(api, s.manager.token, item["id"], {"decision": "accept", "x": 1}), 400)
    r = decide(api, s.manager.token, item["id"], {"decision": "correct",
                                                   "result": {"label": "b"}})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "corrected" and r.json()["correction"] == {"label": "b"}
    assert aggregate_row(server, task_id) == {"method": "review", "result": {"label": "b"},
                                              "confidence": {"label": 1.0}, "reviewed": True}
    # the task stays complete: a correction reopens nothing
    assert api.counts(s.manager.token, s.pid)["completed_tasks"] == 1


# ---------------------------------------------------------------- scores

def test_reviewers_scored_against_gold_and_each_other(api, server):
    n = 80
    s = api.setup_project(n_tasks=n, n_annotators=1)
    done = label_all(api, s.pid, s.annotators)
    gold_tasks = sorted(done)[:4]
    for t in gold_tasks:
        db_exec(server, "UPDATE tasks SET gold = ? WHERE id = ?", (json.dumps({"label": "a"}), t))
    set_review(server, s.pid, rate=1.0)
    r1, r2 = s.tenant.user("reviewer"), s.tenant.user("reviewer")
    n_gold_seen = 0
    for _ in range(n):
        item = review_next(api, r1.token, s.pid)
        if item is None:
            break
        assert "gold" not in item
        if item["task_id"] == gold_tasks[0]:  # wrong against gold
            body = {"decision": "correct", "result": {"label": "b"}}
        else:
            body = {"decision": "accept"}  # the aggregate "a": right on gold
        n_gold_seen += item["task_id"] in gold_tasks
        assert decide(api, r1.token, item["id"], body).status_code == 200
    assert n_gold_seen == len(gold_tasks)
    second = []
    while (item := review_next(api, r2.token, s.pid)) is not None:
        second.append(item["task_id"])
        # agree (accept) on even positions, disagree (correct to b) on odd
        body = ({"decision": "accept"} if len(second) % 2 else
                {"decision": "correct", "result": {"label": "b"}})
        if item["task_id"] == gold_tasks[0]:
            body = {"decision": "correct", "result": {"label": "b"}}
        assert decide(api, r2.token, item["id"], body).status_code == 200
    # about 10% of n get a second opinion (keyed draw): 8 expected
    assert 1 <= len(second) <= 20, second
    scores = reviewers(api, s.manager.token, s.pid)
    one, two = scores[r1.email], scores[r2.email]
    assert one["reviews"] == n and two["reviews"] == len(second)
    assert one["gold"]["answered"] == len(gold_tasks)
    assert one["gold"]["accuracy"] == pytest.approx(0.75)
    assert one["agreement"] == two["agreement"]
    agreed = 0
    for i, t in enumerate(second, start=1):
        r2_accepts = i % 2 == 1 and t != gold_tasks[0]
        r1_accepts = t != gold_tasks[0]
        agreed += r1_accepts == r2_accepts
    assert two["agreement"] == pytest.approx(agreed / len(second))


# ---------------------------------------------------------------- access

def test_access_by_role_and_tenant(api, server):
    s = api.setup_project(n_tasks=4, n_annotators=1)
    label_all(api, s.pid, s.annotators)
    set_review(server, s.pid, rate=1.0)
    item = review_next(api, s.manager.token, s.pid)
    paths = [("POST", f"/api/v1/projects/{s.pid}/reviews/next", None),
             ("GET", f"/api/v1/projects/{s.pid}/reviews", None),
             ("GET", f"/api/v1/projects/{s.pid}/reviewers", None),
             ("POST", f"/api/v1/reviews/{item['id']}", {"decision": "accept"})]
    annotator = s.annotators[0]
    viewer = s.tenant.user("viewer")
    stranger = api.tenant().user("owner")
    for method, path, body in paths:
        assert_error(api.srv.request(method, path, annotator.token, json_body=body), 403)
        assert_error(api.srv.request(method, path, viewer.token, json_body=body), 403)
        assert_error(api.srv.request(method, path, stranger.token, json_body=body), 404)
    # a workforce user who is a member reviewer of this project may review
    member = api.workforce_annotator()
    api.add_member(s.manager.token, s.pid, member.email, role="reviewer")
    got = review_next(api, member.token, s.pid)
    assert got is not None and got["id"] != item["id"]
    assert decide(api, member.token, got["id"], {"decision": "accept"}).status_code == 200
    assert decide(api, s.manager.token, item["id"], {"decision": "accept"}).status_code == 200
    # the tenant's staff see each other by email, the workforce by pseudonym;
    # a workforce member reviewer sees every one by pseudonym
    names = reviewers(api, s.manager.token, s.pid)
    assert s.manager.email in names and member.email not in names, names
    assert sum(k.startswith("anon-") for k in names) == 1, names
    seen = reviewers(api, member.token, s.pid)
    assert len(seen) == 2 and all(k.startswith("anon-") for k in seen), seen
    # one pseudonym per person in the project's tenant, whoever looks
    assert [k for k in names if k.startswith("anon-")][0] in seen


# ---------------------------------------------------------------- deletion

def test_reviewed_task_and_project_can_be_deleted(api, server):
    """Regression: reviews, aggregates, flags and the sweep's row hang on
    tasks and projects; deleting a reviewed task answered 409 and the
    project purge stopped at its first slice."""
    s = api.setup_project(n_tasks=3, n_annotators=1)
    label_all(api, s.pid, s.annotators)
    set_review(server, s.pid, rate=1.0)
    item = review_next(api, s.manager.token, s.pid)
    add_flag(server, s.pid, s.annotators[0].id)
    r = server.request("DELETE", f"/api/v1/projects/{s.pid}/tasks", s.manager.token,
                       json_body={"ids": [item["task_id"]]})
    assert r.status_code == 200, r.text
    assert r.json()["deleted"] == 1
    assert db_exec(server, "SELECT count(*) FROM reviews v JOIN tasks k ON k.pk = v.task_pk"
                   " WHERE k.id = ?", (item["task_id"],))[0][0] == 0
    ppk = project_pk(server, s.pid)
    owner = s.tenant.user("owner")
    r = server.request("DELETE", f"/api/v1/projects/{s.pid}", owner.token)
    assert r.status_code in (200, 202, 204), r.text
    for _ in range(100):  # the purge runs in the background, in slices
        rows = db_exec(server, "SELECT count(*) FROM projects WHERE id = ?", (s.pid,))
        if rows[0][0] == 0:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the project's purge did not finish")
    for table in ("flags", "reviews", "review_sweeps", "workers", "aggregates"):
        n = db_exec(server, f"SELECT count(*) FROM {table} WHERE project_pk = ?", (ppk,))
        assert n[0][0] == 0, table
