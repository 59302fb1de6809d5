"""Gold tasks, qualification and the lease policy over HTTP
(docs/quality-projects.md): import with gold, PUT gold, bad gold refused
with nothing stored, gold served at about gold_rate, the answer never shown
to an annotator, scores visible to staff, qualification pass and fail."""
import json

import pytest

from conftest import NDJSON, Api, assert_error

SECRET = "GOLD-SECRET-7f3a"
FIELDS = [{"name": "label", "type": "choice", "options": ["a", "b"]},
          {"name": "note", "type": "text", "max_length": 100, "required": False}]


def import_raw(api, token, pid, lines):
    body = "".join(json.dumps(x) + "\n" for x in lines)
    return api.srv.request("POST", f"/api/v1/projects/{pid}/tasks", token, data=body.encode(),
                           headers={"Content-Type": NDJSON})


def gold_tasks(n, gold=None):
    return [{"data": {"text": f"gold {i}"}, "gold": gold or {"label": "b"}} for i in range(n)]


def ordinary(n):
    return [{"text": f"item {i}"} for i in range(n)]


def task_of(api, token, task_id):
    r = api.srv.request("GET", f"/api/v1/tasks/{task_id}", token)
    assert r.status_code == 200, r.text
    return r.json()


def gold_ids(api, s):
    """The ids of the project's gold tasks, from the staff export."""
    rows, _ = api.export(s.manager.token, s.pid)
    return {row["id"] for row in rows if row.get("gold") is not None}


def test_import_with_gold_and_progress(api):
    s = api.setup_project(fields=FIELDS, n_annotators=1)
    api.import_tasks(s.manager.token, s.pid, gold_tasks(3) + ordinary(4))
    counts = api.counts(s.manager.token, s.pid)
    assert counts["tasks"] == 4, counts  # gold tasks are outside progress
    rows, _ = api.export(s.manager.token, s.pid)
    assert len(rows) == 7
    golds = [row for row in rows if "gold" in row]
    assert [g["gold"] for g in golds] == [{"label": "b"}] * 3
    assert all(g["data"]["text"].startswith("gold") for g in golds)
    # staff see it in the task view; an ordinary task shows null
    ordinary_id = next(row["id"] for row in rows if "gold" not in row)
    assert task_of(api, s.manager.token, golds[0]["id"])["gold"] == {"label": "b"}
    assert task_of(api, s.manager.token, ordinary_id)["gold"] is None
    # gold_rate 0 and no qualification: only ordinary work is served
    ann = s.annotators[0]
    served = set()
    while (got := api.next(ann.token, s.pid)) is not None:
        served.add(got["task"]["id"])
        r = api.submit(ann.token, got["task"]["id"], got["lease"]["id"], {"label": "a"})
        assert r.status_code == 201
    assert served == {row["id"] for row in rows if "gold" not in row}
    counts = api.counts(s.manager.token, s.pid)
    assert counts["completed_tasks"] == counts["tasks"] == 4
    # the task list: a gold task is neither open nor complete, it is gold
    def listed(state=None):
        q = f"?state={state}" if state else ""
        r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/tasks{q}", s.manager.token)
        assert r.status_code == 200, r.text
        return {t["id"]: t["state"] for t in r.json()["tasks"]}
    gold_ids_ = {g["id"] for g in golds}
    assert listed("gold") == {i: "gold" for i in gold_ids_}
    assert listed("complete") == {i: "complete" for i in served}
    assert listed("open") == {}
    assert listed() == dict(listed("gold"), **listed("complete"))
    assert task_of(api, s.manager.token, golds[0]["id"])["state"] == "gold"


@pytest.mark.parametrize("bad", [
    {"nope": "a"},          # not a field of the schema
    {},                     # names no field
    "b",                    # not an object
])
def test_bad_gold_fails_the_import_and_stores_nothing(api, bad):
    s = api.setup_project(fields=FIELDS)
    r = import_raw(api, s.manager.token, s.pid,
                   ordinary(2) + [{"data": {"text": "x"}, "gold": bad}])
    assert_error(r, 400)
    assert "line 3" in r.json()["error"]["message"], r.text
    assert api.counts(s.manager.token, s.pid)["tasks"] == 0
    rows, _ = api.export(s.manager.token, s.pid)
    assert rows == []


def test_put_gold(api):
    s = api.setup_project(fields=FIELDS, n_tasks=3, n_annotators=1)
    rows, _ = api.export(s.manager.token, s.pid)
    tid = rows[0]["id"]
    url = f"/api/v1/tasks/{tid}/gold"
    r = api.srv.request("PUT", url, s.manager.token, json_body={"gold": {"label": "a"}})
    assert r.status_code == 200, r.text
    assert r.json() == {"task_id": tid, "gold": {"label": "a"}}
    assert task_of(api, s.manager.token, tid)["gold"] == {"label": "a"}
    assert api.counts(s.manager.token, s.pid)["tasks"] == 2
    # a bad answer: refused, and the stored one is unchanged
    r = api.srv.request("PUT", url, s.manager.token, json_body={"gold": {"nope": "a"}})
    assert_error(r, 422)
    r = api.srv.request("PUT", url, s.manager.token, json_body={"gold": ["a"]})
    assert_error(r, 400)
    r = api.srv.request("PUT", url, s.manager.token, json_body={})
    assert_error(r, 400)
    r = api.srv.request("PUT", url, s.manager.token, json_body={"gold": None, "x": 1})
    assert_error(r, 400)
    assert task_of(api, s.manager.token, tid)["gold"] == {"label": "a"}
    # annotators may not set gold
    r = api.srv.request("PUT", url, s.annotators[0].token, json_body={"gold": {"label": "b"}})
    assert_error(r, 403)
    # clearing brings the task back
    r = api.srv.request("PUT", url, s.manager.token, json_body={"gold": None})
    assert r.status_code == 200 and r.json() == {"task_id": tid, "gold": None}
    assert task_of(api, s.manager.token, tid)["gold"] is None
    assert api.counts(s.manager.token, s.pid)["tasks"] == 3
    r = api.srv.request("PUT", "/api/v1/tasks/0190e1a0-0000-7000-8000-000000000000/gold",
                        s.manager.token, json_body={"gold": None})
    assert_error(r, 404)


def test_gold_rate_share_and_scores(api):
    s = api.setup_project(fields=FIELDS, n_annotators=2, gold_rate=0.3, overlap=2)
    api.import_tasks(s.manager.token, s.pid, gold_tasks(45) + ordinary(60))
    golds = gold_ids(api, s)
    n_next = n_gold = 0
    for ann in s.annotators:
        for i in range(50):
            got = api.next(ann.token, s.pid)
            assert got is not None
            is_gold = got["task"]["id"] in golds
            n_gold += is_gold
            n_next += 1
            # right on even gold tasks, wrong on odd ones
            label = "b" if (not is_gold or i % 2 == 0) else "a"
            r = api.submit(ann.token, got["task"]["id"], got["lease"]["id"], {"label": label})
            assert r.status_code == 201, r.text
    share = n_gold / n_next
    assert 0.15 <= share <= 0.45, (n_gold, n_next)
    # each gold submission is scored, visible to staff
    rows, _ = api.export(s.manager.token, s.pid)
    scored = [a for row in rows if "gold" in row for a in row["annotations"]]
    assert len(scored) == n_gold
    assert all(a["gold_score"] in (0.0, 1.0) for a in scored)
    assert {a["gold_score"] for a in scored} == {0.0, 1.0}
    unscored = [a for row in rows if "gold" not in row for a in row["annotations"]]
    assert unscored and all("gold_score" not in a for a in unscored)
    one = next(row for row in rows if "gold" in row and row["annotations"])
    view = task_of(api, s.manager.token, one["id"])
    assert view["annotations"][0]["gold_score"] == one["annotations"][0]["gold_score"]
    counts = api.counts(s.manager.token, s.pid)
    assert counts["annotations"] == n_next  # gold answers count as annotations
    assert counts["tasks"] == 60


def test_gold_never_reaches_an_annotator(api):
    s = api.setup_project(fields=FIELDS, n_annotators=1, gold_rate=1,
                          max_leases_per_annotator=1)
    api.import_tasks(s.manager.token, s.pid,
                     gold_tasks(2, {"label": "b", "note": SECRET}) + ordinary(1))
    r = api.srv.request("PATCH", f"/api/v1/projects/{s.pid}", s.manager.token,
                        json_body={"allow_edits": True})
    assert r.status_code == 200
    ann = s.annotators[0]
    seen = []

    def call(method, path, body=None):
        r = api.srv.request(method, path, ann.token, json_body=body)
        seen.append(r.text)
        return r

    golds = gold_ids(api, s)
    r = call("POST", f"/api/v1/projects/{s.pid}/next")
    assert r.status_code == 200
    lease = r.json()
    assert lease["task"]["id"] in golds
    assert set(lease["task"]) == {"id", "data", "predictions"}  # the shape of any task
    # asking again resumes the same lease
    r = call("POST", f"/api/v1/projects/{s.pid}/next")
    assert r.json()["lease"]["id"] == lease["lease"]["id"]
    r = call("POST", f"/api/v1/tasks/{lease['task']['id']}/annotations",
             {"lease_id": lease["lease"]["id"], "result": {"label": "a", "note": "guess"}})
    assert r.status_code == 201
    aid = r.json()["id"]
    r = call("PUT", f"/api/v1/annotations/{aid}", {"result": {"label": "b"}})
    assert r.status_code == 200, r.text
    for path in ("/api/v1/me", "/api/v1/me/stats", f"/api/v1/projects/{s.pid}",
                 "/api/v1/projects"):
        assert call("GET", path).status_code == 200
    # the staff views are refused to annotators
    assert_error(call("GET", f"/api/v1/projects/{s.pid}/export?format=jsonl"), 403)
    assert_error(call("GET", f"/api/v1/tasks/{lease['task']['id']}"), 403)
    assert_error(call("GET", f"/api/v1/projects/{s.pid}/tasks"), 403)
    assert len(seen) == 11
    for text in seen:
        assert SECRET not in text
        assert '"gold"' not in text
    # while staff see it
    assert SECRET in json.dumps(task_of(api, s.manager.token, lease["task"]["id"]))


def test_qualification_pass_and_fail(api):
    s = api.setup_project(fields=FIELDS, n_annotators=3,
                          qualification={"tasks": 2, "pass": 0.6})
    p = api.project(s.manager.token, s.pid)
    assert p["qualification"] == {"tasks": 2, "pass": 0.6}
    api.import_tasks(s.manager.token, s.pid, gold_tasks(3) + ordinary(5))
    golds = gold_ids(api, s)
    good, bad, _ = s.annotators

    def answer(ann, label):
        got = api.next(ann.token, s.pid)
        assert got is not None
        r = api.submit(ann.token, got["task"]["id"], got["lease"]["id"], {"label": label})
        assert r.status_code == 201
        return got["task"]["id"]

    # the first two tasks served are gold
    assert answer(good, "b") in golds and answer(good, "b") in golds
    assert answer(bad, "a") in golds and answer(bad, "a") in golds
    # passed: ordinary work follows
    assert answer(good, "a") not in golds
    # failed: refused, with the score and the pass mark, and stays refused
    for _ in range(2):
        r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/next", bad.token)
        assert_error(r, 403, "not_qualified")
        msg = r.json()["error"]["message"]
        assert "0.00" in msg and "0.60" in msg, msg


def test_qualification_without_gold_left(api):
    s = api.setup_project(fields=FIELDS, n_annotators=1,
                          qualification={"tasks": 3, "pass": 0.5})
    api.import_tasks(s.manager.token, s.pid, gold_tasks(1) + ordinary(2))
    ann = s.annotators[0]
    got = api.next(ann.token, s.pid)
    assert got["task"]["id"] in gold_ids(api, s)
    assert api.submit(ann.token, got["task"]["id"], got["lease"]["id"],
                      {"label": "b"}).status_code == 201
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/next", ann.token)
    assert_error(r, 403, "not_qualified")
    assert "no qualification tasks left" in r.json()["error"]["message"]
    assert "1 of the 3" in r.json()["error"]["message"]


def test_suspension_leaves_gold_tasks_out_of_the_queue(api):
    """Regression: setting a suspended annotator's work aside reopened the
    gold tasks they had answered by the ordinary overlap rule, so gold
    entered the ordinary queue (served to anyone, its answer then learnable)
    and the progress counts went wrong. Set-aside is one mechanism now
    (store/sqlite/gold.c: sq_gold_set_aside), used by suspension and by a
    review's reject."""
    s = api.setup_project(fields=FIELDS, n_annotators=2, gold_rate=1)
    api.import_tasks(s.manager.token, s.pid, gold_tasks(3) + ordinary(2))
    golds = gold_ids(api, s)
    bad, other = s.annotators
    for _ in range(3):  # gold_rate 1: the three gold tasks first
        got = api.next(bad.token, s.pid)
        assert got["task"]["id"] in golds
        r = api.submit(bad.token, got["task"]["id"], got["lease"]["id"], {"label": "a"})
        assert r.status_code == 201, r.text
    before = api.counts(s.manager.token, s.pid)
    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/workers", s.manager.token)
    name = next(w["annotator"] for w in r.json()["workers"] if w["annotations"] == 3)
    r = api.srv.request("PATCH", f"/api/v1/projects/{s.pid}/workers/{name}", s.manager.token,
                        json_body={"status": "suspended"})
    assert r.status_code == 200, r.text
    after = api.counts(s.manager.token, s.pid)
    assert after == dict(before, annotations=before["annotations"] - 3), (before, after)
    # the other annotator, with gold off, gets only the two ordinary tasks
    r = api.srv.request("PATCH", f"/api/v1/projects/{s.pid}", s.manager.token,
                        json_body={"gold_rate": 0})
    assert r.status_code == 200, r.text
    served = []
    while (got := api.next(other.token, s.pid)) is not None:
        served.append(got["task"]["id"])
        r = api.submit(other.token, got["task"]["id"], got["lease"]["id"], {"label": "b"})
        assert r.status_code == 201, r.text
    assert len(served) == 2 and not set(served) & golds, served


def test_an_edit_rescores_gold_and_reaggregates_and_a_delete_follows(api):
    """An annotation's gold score and its task's live aggregate are its
    result's: an edit scores it again (the annotator's gold record follows)
    and recomputes the aggregate; a manager's delete takes the score out of
    the record and the vote out of the aggregate."""
    s = api.setup_project(fields=FIELDS, n_annotators=2, gold_rate=1, overlap=2)
    api.patch_project(s.manager.token, s.pid, {"allow_edits": True})
    api.import_tasks(s.manager.token, s.pid, gold_tasks(1) + ordinary(1))
    golds = gold_ids(api, s)
    ann, other = s.annotators
    made = {}
    for label in ("a", "a"):  # gold first (gold_rate 1): wrong, then the ordinary task
        got = api.next(ann.token, s.pid)
        r = api.submit(ann.token, got["task"]["id"], got["lease"]["id"], {"label": label})
        assert r.status_code == 201, r.text
        made["gold" if got["task"]["id"] in golds else "plain"] = (got["task"]["id"],
                                                                  r.json()["id"])
    got = api.next(other.token, s.pid)
    while got["task"]["id"] in golds:  # the other annotator: gold right, then the plain task
        r = api.submit(other.token, got["task"]["id"], got["lease"]["id"], {"label": "b"})
        assert r.status_code == 201, r.text
        got = api.next(other.token, s.pid)
    r = api.submit(other.token, got["task"]["id"], got["lease"]["id"], {"label": "a"})
    assert r.status_code == 201, r.text
    other_vote = r.json()["id"]

    def gold_record():
        r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/me/quality", ann.token)
        assert r.status_code == 200, r.text
        g = r.json()["gold"]
        return g["answered"], g["accuracy"]

    def aggregate(task_id):
        r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/aggregates", s.manager.token)
        assert r.status_code == 200, r.text
        rows = [x for x in r.json()["aggregates"] if x["task_id"] == task_id]
        return (rows[0]["result"], rows[0]["n_annotations"]) if rows else None

    gold_task, gold_ann = made["gold"]
    plain_task, plain_ann = made["plain"]
    assert gold_record() == (1, 0.0)
    assert aggregate(plain_task) == ({"label": "a"}, 2)
    r = api.srv.request("PUT", f"/api/v1/annotations/{gold_ann}", ann.token,
                        json_body={"result": {"label": "b"}})
    assert r.status_code == 200, r.text
    assert gold_record() == (1, 1.0)
    r = api.srv.request("PUT", f"/api/v1/annotations/{plain_ann}", ann.token,
                        json_body={"result": {"label": "b"}})
    assert r.status_code == 200, r.text
    result, n = aggregate(plain_task)
    assert n == 2 and result["label"] in ("a", "b")  # a tie now: one of each
    r = api.srv.request("DELETE", f"/api/v1/annotations/{other_vote}", s.manager.token)
    assert r.status_code == 204, r.text
    assert aggregate(plain_task) == ({"label": "b"}, 1)
    r = api.srv.request("DELETE", f"/api/v1/annotations/{gold_ann}", s.manager.token)
    assert r.status_code == 204, r.text
    assert gold_record()[0] == 0
    r = api.srv.request("DELETE", f"/api/v1/annotations/{plain_ann}", s.manager.token)
    assert r.status_code == 204, r.text
    assert aggregate(plain_task) is None


def test_completion_recount_leaves_gold_out(api):
    """Regression: the completion chart's recount (after a PATCH of the
    overlap settings moves tasks across the line) counted answered gold
    tasks, which are never complete, as completions."""
    s = api.setup_project(fields=FIELDS, n_annotators=2, gold_rate=1, overlap=2)
    api.import_tasks(s.manager.token, s.pid, gold_tasks(2) + ordinary(1))
    for ann in s.annotators[:1]:
        while (got := api.next(ann.token, s.pid)) is not None:
            r = api.submit(ann.token, got["task"]["id"], got["lease"]["id"], {"label": "b"})
            assert r.status_code == 201, r.text
    st = api.srv.request("GET", f"/api/v1/projects/{s.pid}/stats", s.manager.token).json()
    assert (st["tasks"], st["complete"], st["annotations"]) == (1, 0, 3)
    # overlap 1: the ordinary task, with one label, crosses the line
    r = api.srv.request("PATCH", f"/api/v1/projects/{s.pid}", s.manager.token,
                        json_body={"overlap": 1})
    assert r.status_code == 200, r.text
    for bucket in ("minute", "hour", "day"):
        r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/stats?bucket={bucket}",
                            s.manager.token)
        st = r.json()
        assert st["complete"] == 1, st
        assert st["completion"][-1]["complete"] == 1, (bucket, st["completion"])
