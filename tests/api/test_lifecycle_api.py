"""Issue 8, lifecycle endpoints: project PATCH/DELETE/archive, task pages,
one task, task deletion, members with progress, role change and removal.
Each per role and against a foreign tenant (404, never revealing)."""
import pathlib
import time

import pytest

from conftest import NDJSON, assert_error


def req(api, method, path, token, body=None, **kw):
    return api.srv.request(method, path, token, json_body=body, **kw)


@pytest.fixture
def world(api):
    s = api.setup_project(n_tasks=5, overlap=1, n_annotators=1)
    roles = {r: s.tenant.user(r) for r in ("owner", "admin", "reviewer", "viewer")}
    roles["manager"] = s.manager
    roles["annotator"] = s.annotators[0]
    roles["foreign"] = api.tenant().user("owner")
    return s, roles


# ---------------------------------------------------------------- projects

def test_patch_project_settings_and_validation(api, world):
    s, roles = world
    r = req(api, "PATCH", f"/api/v1/projects/{s.pid}", s.manager.token,
            {"name": "renamed", "instructions": "be careful", "overlap": 2,
             "lease_seconds": 60, "max_leases_per_annotator": 3, "allow_edits": False})
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["name"], p["instructions"], p["overlap"], p["lease_seconds"],
            p["max_leases_per_annotator"], p["allow_edits"], p["archived"]) == (
        "renamed", "be careful", 2, 60, 3, False, False)
    for body, word in [({"overlapp": 3}, "overlapp"), ({"overlap": 0}, "1..100"),
                       ({"lease_seconds": "x"}, "lease_seconds"), ({"name": ""}, "name"),
                       ({"archived": 1}, "archived")]:
        r = req(api, "PATCH", f"/api/v1/projects/{s.pid}", s.manager.token, body)
        assert_error(r, 400, "invalid")
        assert word in r.json()["error"]["message"], (body, r.text)
    for who, want in [("reviewer", 403), ("viewer", 403), ("annotator", 403), ("foreign", 404)]:
        r = req(api, "PATCH", f"/api/v1/projects/{s.pid}", roles[who].token, {"name": "x"})
        assert_error(r, want)


def test_overlap_change_recounts_completion(api):
    s = api.setup_project(n_tasks=2, overlap=1, n_annotators=1)
    a = s.annotators[0]
    got = api.next(a.token, s.pid)
    assert api.submit(a.token, got["task"]["id"], got["lease"]["id"],
                      {"label": "a"}).status_code == 201
    assert api.counts(s.manager.token, s.pid)["completed_tasks"] == 1
    r = req(api, "PATCH", f"/api/v1/projects/{s.pid}", s.manager.token, {"overlap": 2})
    assert r.status_code == 200 and r.json()["counts"]["completed_tasks"] == 0
    page = req(api, "GET", f"/api/v1/projects/{s.pid}/tasks?state=complete",
               s.manager.token).json()
    assert page["tasks"] == []


def test_archive_stops_next_and_imports(api, world):
    s, roles = world
    r = req(api, "PATCH", f"/api/v1/projects/{s.pid}", s.manager.token, {"archived": True})
    assert r.status_code == 200 and r.json()["archived"] is True
    assert api.next(roles["annotator"].token, s.pid) is None
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", s.manager.token,
                        data=b'{"x":1}\n', headers={"Content-Type": NDJSON})
    assert_error(r, 409, "conflict")
    assert "archived" in r.json()["error"]["message"]
    req(api, "PATCH", f"/api/v1/projects/{s.pid}", s.manager.token, {"archived": False})
    assert api.next(roles["annotator"].token, s.pid) is not None


def test_delete_project_by_role(api, world):
    s, roles = world
    for who, want in [("manager", 403), ("reviewer", 403), ("annotator", 403),
                      ("foreign", 404)]:
        assert_error(req(api, "DELETE", f"/api/v1/projects/{s.pid}", roles[who].token), want)
    up = api.srv.request("POST", f"/api/v1/projects/{s.pid}/files", s.manager.token,
                         data=b"GIF89a" + bytes(16), headers={"Content-Type": "image/gif"})
    assert up.status_code == 201
    lease = api.next(roles["annotator"].token, s.pid)
    api.submit(roles["annotator"].token, lease["task"]["id"], lease["lease"]["id"],
               {"label": "a"})
    r = req(api, "DELETE", f"/api/v1/projects/{s.pid}", roles["admin"].token)
    assert r.status_code == 204, r.text
    for who in ("owner", "manager", "annotator"):
        assert_error(req(api, "GET", f"/api/v1/projects/{s.pid}", roles[who].token), 404)
    assert_error(req(api, "GET", f"/api/v1/tasks/{lease['task']['id']}",
                     s.manager.token), 404)
    assert_error(req(api, "DELETE", f"/api/v1/projects/{s.pid}", roles["owner"].token), 404)
    assert s.pid not in [p["id"] for p in req(api, "GET", "/api/v1/projects",
                                               s.manager.token).json()["projects"]]
    files = pathlib.Path(api.srv.data) / "files"
    assert not (files / up.json()["id"]).exists()


def test_delete_large_project_purges_in_background(own_server, tmp_path):
    """Rows go in slices after the 204; a restart finishes the purge."""
    import sqlite3
    from conftest import Api
    srv = own_server()
    api = Api(srv)
    s = api.setup_project(n_tasks=3000)
    assert req(api, "DELETE", f"/api/v1/projects/{s.pid}", s.tenant.user("owner").token
               ).status_code == 204
    db = sqlite3.connect(str(pathlib.Path(srv.data) / "tally.db"))
    # the project row goes in the op after the one that takes its last
    # tasks: wait for both, not for the tasks alone
    for _ in range(100):
        left = db.execute("SELECT count(*) FROM tasks").fetchone()[0]
        projects = db.execute("SELECT count(*) FROM projects").fetchone()[0]
        if left == 0 and projects == 0:
            break
        time.sleep(0.05)
    assert left == 0
    assert projects == 0


# ---------------------------------------------------------------- tasks

def test_task_pages_cursor_and_state(api):
    s = api.setup_project(n_tasks=25, n_annotators=1)
    a = s.annotators[0]
    got = api.next(a.token, s.pid)
    api.submit(a.token, got["task"]["id"], got["lease"]["id"], {"label": "b"})
    seen, cursor = [], None
    while True:
        q = "?limit=10" + (f"&cursor={cursor}" if cursor else "")
        r = req(api, "GET", f"/api/v1/projects/{s.pid}/tasks{q}", s.manager.token)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"tasks", "next_cursor"}
        seen += body["tasks"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 25 and len({t["id"] for t in seen}) == 25
    assert [t["data"]["n"] for t in seen] == list(range(25))
    t0 = seen[0]
    assert set(t0) == {"id", "data", "state", "annotations_count", "created_at"}
    done = [t for t in seen if t["state"] == "complete"]
    assert [t["id"] for t in done] == [got["task"]["id"]] and done[0]["annotations_count"] == 1
    r = req(api, "GET", f"/api/v1/projects/{s.pid}/tasks?state=open&limit=1000",
            s.manager.token).json()
    assert len(r["tasks"]) == 24 and r["next_cursor"] is None
    r = req(api, "GET", f"/api/v1/projects/{s.pid}/tasks?state=complete", s.manager.token)
    assert [t["id"] for t in r.json()["tasks"]] == [got["task"]["id"]]


@pytest.mark.parametrize("query,word", [("limit=0", "1..1000"), ("limit=1001", "1..1000"),
                                        ("limit=x", "limit"), ("cursor=zz", "cursor"),
                                        ("state=done", "one of open, complete, gold"),
                                        ("limt=5", "limt")])
def test_task_pages_bad_query(api, world, query, word):
    s, _ = world
    r = req(api, "GET", f"/api/v1/projects/{s.pid}/tasks?{query}", s.manager.token)
    assert_error(r, 400, "invalid")
    assert word in r.json()["error"]["message"]


def test_task_pages_by_role(api, world):
    s, roles = world
    for who, want in [("owner", 200), ("viewer", 200), ("reviewer", 200),
                      ("annotator", 403), ("foreign", 404)]:
        r = req(api, "GET", f"/api/v1/projects/{s.pid}/tasks", roles[who].token)
        assert r.status_code == want, (who, r.text)


def test_task_get_with_annotations_and_predictions(api):
    s = api.setup_project(tasks=[{"data": {"text": "hi"}, "predictions": [
        {"model": "m1", "result": {"label": "a"}, "score": 0.5}]}], n_annotators=1)
    a = s.annotators[0]
    got = api.next(a.token, s.pid)
    api.submit(a.token, got["task"]["id"], got["lease"]["id"], {"label": "b"})
    r = req(api, "GET", f"/api/v1/tasks/{got['task']['id']}", s.manager.token)
    assert r.status_code == 200, r.text
    t = r.json()
    assert t["data"] == {"text": "hi"} and t["state"] == "complete"
    assert t["project_id"] == s.pid and t["annotations_count"] == 1
    (ann,) = t["annotations"]
    assert ann["result"] == {"label": "b"} and ann["annotator"].startswith("anon-")
    assert a.email not in r.text
    assert t["predictions"][0]["model"] == "m1"
    exported, _ = api.export(s.manager.token, s.pid)
    assert exported[0]["annotations"][0]["annotator"] == ann["annotator"]
    assert_error(req(api, "GET", f"/api/v1/tasks/{got['task']['id']}", a.token), 403)
    foreign = api.tenant().user("owner")
    assert_error(req(api, "GET", f"/api/v1/tasks/{got['task']['id']}", foreign.token), 404)
    assert_error(req(api, "GET", f"/api/v1/tasks/{got['task']['id']}?x=1",
                     s.manager.token), 400)


def test_delete_tasks_keeps_counts(api):
    s = api.setup_project(n_tasks=4, n_annotators=1)
    a = s.annotators[0]
    got = api.next(a.token, s.pid)
    api.submit(a.token, got["task"]["id"], got["lease"]["id"], {"label": "a"})
    held = api.next(a.token, s.pid)  # a live lease on another task
    tasks = req(api, "GET", f"/api/v1/projects/{s.pid}/tasks", s.manager.token).json()["tasks"]
    ids = [got["task"]["id"], held["task"]["id"], "not-a-task"]
    r = req(api, "DELETE", f"/api/v1/projects/{s.pid}/tasks", s.manager.token, {"ids": ids})
    assert r.status_code == 200 and r.json() == {"deleted": 2}, r.text
    assert api.counts(s.manager.token, s.pid) == {"tasks": 2, "annotations": 0,
                                                  "completed_tasks": 0}
    left = req(api, "GET", f"/api/v1/projects/{s.pid}/tasks", s.manager.token).json()["tasks"]
    assert len(left) == 2 and len(tasks) == 4
    assert api.submit(a.token, held["task"]["id"], held["lease"]["id"],
                      {"label": "a"}).status_code in (404, 409)
    for body, code in [({"ids": ["x"] * 1001}, 400), ({"ids": "x"}, 400), ({"idz": []}, 400),
                       ({"ids": [1]}, 400)]:
        assert_error(req(api, "DELETE", f"/api/v1/projects/{s.pid}/tasks", s.manager.token,
                         body), code)
    for who, want in [(a, 403), (s.tenant.user("viewer"), 403),
                      (api.tenant().user("owner"), 404)]:
        assert_error(req(api, "DELETE", f"/api/v1/projects/{s.pid}/tasks", who.token,
                         {"ids": []}), want)


# ---------------------------------------------------------------- members

def test_members_progress_names_and_roles(api):
    s = api.setup_project(n_tasks=4, overlap=2, n_annotators=1)
    own = s.annotators[0]
    wf = api.workforce_annotator()
    api.add_member(s.manager.token, s.pid, wf.email)
    got = api.next(wf.token, s.pid)
    time.sleep(0.05)
    api.submit(wf.token, got["task"]["id"], got["lease"]["id"], {"label": "a"})
    api.next(wf.token, s.pid)  # in progress
    # A lease is answered as soon as the claim has run, before its group
    # commit (a lost lease is only served again): a read may come first.
    for _ in range(50):
        r = req(api, "GET", f"/api/v1/projects/{s.pid}/members", s.manager.token)
        assert r.status_code == 200, r.text
        ms = {m["user_id"]: m for m in r.json()["members"]}
        if ms[wf.id]["progress"]["in_progress"] == 1:
            break
        time.sleep(0.02)
    assert wf.email not in r.text
    assert ms[wf.id]["name"].startswith("anon-") and "email" not in ms[wf.id]
    assert ms[wf.id]["progress"]["done"] == 1 and ms[wf.id]["progress"]["in_progress"] == 1
    assert ms[wf.id]["progress"]["median_seconds"] >= 0.04
    assert ms[own.id]["name"] == own.email == ms[own.id]["email"]
    assert ms[own.id]["progress"] == {"done": 0, "in_progress": 0, "skipped": 0,
                                      "median_seconds": None, "recent_skips": []}
    r = req(api, "PATCH", f"/api/v1/projects/{s.pid}/members/{own.id}", s.manager.token,
            {"role": "reviewer"})
    assert r.status_code == 200 and r.json()["role"] == "reviewer"
    assert_error(req(api, "POST", f"/api/v1/projects/{s.pid}/next", own.token), 403)
    assert_error(req(api, "PATCH", f"/api/v1/projects/{s.pid}/members/{own.id}",
                     s.manager.token, {"role": "owner"}), 400)
    assert_error(req(api, "PATCH", f"/api/v1/projects/{s.pid}/members/{own.id}",
                     s.manager.token, {"role": "annotator", "x": 1}), 400)
    for who, want in [(s.tenant.user("viewer"), 403), (wf, 403),
                      (api.tenant().user("owner"), 404)]:
        assert_error(req(api, "GET", f"/api/v1/projects/{s.pid}/members", who.token), want)


def test_member_remove_releases_leases(api):
    s = api.setup_project(n_tasks=1, overlap=1, n_annotators=2)
    a, b = s.annotators
    assert api.next(a.token, s.pid) is not None
    assert api.next(b.token, s.pid) is None  # the one slot is a's
    r = req(api, "DELETE", f"/api/v1/projects/{s.pid}/members/{a.id}", s.manager.token)
    assert r.status_code == 204, r.text
    assert api.next(b.token, s.pid) is not None  # reopened at once
    assert_error(req(api, "POST", f"/api/v1/projects/{s.pid}/next", a.token), 404)
    assert_error(req(api, "DELETE", f"/api/v1/projects/{s.pid}/members/{a.id}",
                     s.manager.token), 404)
    foreign = api.tenant().user("owner")
    assert_error(req(api, "DELETE", f"/api/v1/projects/{s.pid}/members/{b.id}",
                     foreign.token), 404)
    assert_error(req(api, "DELETE", f"/api/v1/projects/{s.pid}/members/{b.id}",
                     s.tenant.user("reviewer").token), 403)


# ---------------------------------------------------------------- leases

def test_release_skips_the_task_for_its_holder(api):
    s = api.setup_project(n_tasks=2, overlap=1, n_annotators=2)
    a, b = s.annotators
    got = api.next(a.token, s.pid)
    lease = got["lease"]["id"]
    for who, want in [(b, 409), (s.manager, 403), (api.tenant().user("owner"), 404),
                      (api.workforce_annotator(), 404)]:
        assert_error(req(api, "POST", f"/api/v1/leases/{lease}/release", who.token,
                         {"reason": "x"}), want)
    assert_error(req(api, "POST", f"/api/v1/leases/{lease}/release", a.token, {}), 400)
    assert_error(req(api, "POST", f"/api/v1/leases/{lease}/release", a.token,
                     {"reason": "x", "why": 1}), 400)
    assert_error(req(api, "POST", f"/api/v1/leases/{lease}/release", a.token,
                     {"reason": "x" * 501}), 400)
    r = req(api, "POST", f"/api/v1/leases/{lease}/release", a.token, {"reason": "unreadable"})
    assert r.status_code == 200, r.text
    # a released lease is gone, like one that was used
    assert_error(req(api, "POST", f"/api/v1/leases/{lease}/release", a.token,
                     {"reason": "again"}), 404)
    # the slot reopened for others; the holder is never served that task again
    nxt = api.next(a.token, s.pid)
    assert nxt["task"]["id"] != got["task"]["id"]
    assert api.next(b.token, s.pid)["task"]["id"] == got["task"]["id"]
    ms = {m["user_id"]: m for m in req(api, "GET", f"/api/v1/projects/{s.pid}/members",
                                       s.manager.token).json()["members"]}
    assert ms[a.id]["progress"]["skipped"] == 1
    assert ms[a.id]["progress"]["recent_skips"] == [{"task_id": got["task"]["id"],
                                                     "reason": "unreadable"}]


# ---------------------------------------------------------------- annotations

def _annotate(api, s, who, label="a"):
    got = api.next(who.token, s.pid)
    r = api.submit(who.token, got["task"]["id"], got["lease"]["id"], {"label": label})
    assert r.status_code == 201, r.text
    return r.json()["id"], got["task"]["id"]


def test_author_edits_own_annotation(api):
    s = api.setup_project(n_tasks=2, overlap=1, n_annotators=2)
    a, b = s.annotators
    ann, task = _annotate(api, s, a)
    r = req(api, "PUT", f"/api/v1/annotations/{ann}", a.token, {"result": {"label": "b"}})
    assert r.status_code == 200, r.text
    assert r.json() == {"id": ann, "task_id": task, "result": {"label": "b"}}
    t = req(api, "GET", f"/api/v1/tasks/{task}", s.manager.token).json()
    assert t["annotations"][0]["result"] == {"label": "b"}
    r = req(api, "PUT", f"/api/v1/annotations/{ann}", a.token, {"result": {"label": "z"}})
    assert_error(r, 422)
    assert "label" in r.json()["error"]["message"]
    assert_error(req(api, "PUT", f"/api/v1/annotations/{ann}", a.token,
                     {"result": {"label": "a"}, "x": 1}), 400)
    assert_error(req(api, "PUT", f"/api/v1/annotations/{ann}", b.token,
                     {"result": {"label": "a"}}), 403)
    assert_error(req(api, "PUT", f"/api/v1/annotations/{ann}", s.manager.token,
                     {"result": {"label": "a"}}), 403)
    assert_error(req(api, "PUT", f"/api/v1/annotations/{ann}", api.tenant().user("owner").token,
                     {"result": {"label": "a"}}), 404)
    req(api, "PATCH", f"/api/v1/projects/{s.pid}", s.manager.token, {"allow_edits": False})
    assert_error(req(api, "PUT", f"/api/v1/annotations/{ann}", a.token,
                     {"result": {"label": "a"}}), 409)


def test_manager_deletes_annotation_and_slot_reopens(own_server):
    import sqlite3
    from conftest import Api
    srv = own_server()
    api = Api(srv)
    s = api.setup_project(n_tasks=1, overlap=1, n_annotators=2)
    a, b = s.annotators
    ann, task = _annotate(api, s, a)
    assert api.next(b.token, s.pid) is None
    assert api.counts(s.manager.token, s.pid) == {"tasks": 1, "annotations": 1,
                                                  "completed_tasks": 1}
    for who, want in [(a, 403), (s.tenant.user("reviewer"), 403),
                      (api.tenant().user("owner"), 404)]:
        assert_error(req(api, "DELETE", f"/api/v1/annotations/{ann}", who.token), want)
    assert req(api, "DELETE", f"/api/v1/annotations/{ann}", s.manager.token).status_code == 204
    assert api.counts(s.manager.token, s.pid) == {"tasks": 1, "annotations": 0,
                                                  "completed_tasks": 0}
    assert api.next(b.token, s.pid)["task"]["id"] == task
    assert_error(req(api, "DELETE", f"/api/v1/annotations/{ann}", s.manager.token), 404)
    db = sqlite3.connect(str(pathlib.Path(srv.data) / "tally.db"))
    rows = db.execute("SELECT action, result FROM annotation_history WHERE annotation_id = ?",
                      (ann,)).fetchall()
    assert rows == [("delete", b'{"label":"a"}')] or rows == [("delete", '{"label":"a"}')]


def test_unfinished_purge_resumes_at_start(own_server, tmp_path):
    """A server that stopped with a deleted project's rows still there (here
    marked by hand while it was down) purges them when it starts."""
    import sqlite3
    from conftest import Api
    data = tmp_path / "resume"
    srv = own_server(data_dir=data)
    api = Api(srv)
    s = api.setup_project(n_tasks=2500, n_annotators=1)
    got = api.next(s.annotators[0].token, s.pid)
    api.submit(s.annotators[0].token, got["task"]["id"], got["lease"]["id"], {"label": "a"})
    assert srv.stop() == 0
    db = sqlite3.connect(str(data / "tally.db"))
    db.execute("UPDATE projects SET deleted = 1")
    db.commit()
    srv.start()
    assert_error(req(api, "GET", f"/api/v1/projects/{s.pid}", s.manager.token), 404)
    for _ in range(100):
        left = db.execute("SELECT (SELECT count(*) FROM tasks) + (SELECT count(*) FROM"
                          " annotations) + (SELECT count(*) FROM projects)").fetchone()[0]
        if left == 0:
            break
        time.sleep(0.05)
    assert left == 0
