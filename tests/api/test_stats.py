"""The web UI's data routes: GET /api/v1/projects/{id}/stats (export
permission), GET /api/v1/me/stats, POST /api/v1/schemas/validate, and the
caller's member role in GET /api/v1/projects."""
import pytest

from conftest import CHOICE_AB, RFC3339_UTC_RE, Api, assert_error

BOUNDS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, None]


@pytest.fixture(scope="module")
def world(server):
    """A project of 4 tasks, overlap 2: a tenant annotator and a workforce
    annotator each label 3 (the queue serves the same 3 tasks), so 3 are complete."""
    api = Api(server)
    s = api.setup_project(n_tasks=4, overlap=2, n_annotators=1)
    wf = api.workforce_annotator()
    api.add_member(s.manager.token, s.pid, wf.email)
    for who in (s.annotators[0], wf):
        for _ in range(3):
            got = api.next(who.token, s.pid)
            r = api.submit(who.token, got["task"]["id"], got["lease"]["id"], {"label": "a"})
            assert r.status_code == 201, r.text
    return api, s, wf


def test_project_stats_shape_and_values(world):
    api, s, wf = world
    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/stats", s.manager.token)
    assert r.status_code == 200, r.text
    st = r.json()
    assert (st["tasks"], st["complete"], st["annotations"], st["bucket"]) == (4, 3, 6, "hour")
    assert len(st["completion"]) == len(st["throughput"]) >= 1
    assert all(RFC3339_UTC_RE.match(p["t"]) for p in st["completion"])
    assert [p["t"] for p in st["completion"]] == [p["t"] for p in st["throughput"]]
    assert st["completion"][-1]["complete"] == 3
    assert sum(p["annotations"] for p in st["throughput"]) == 6
    assert [b["le"] for b in st["seconds"]] == BOUNDS
    assert sum(b["count"] for b in st["seconds"]) == 6
    names = {a["annotator"]: a for a in st["annotators"]}
    # as exports name them (tl_policy_shows_email): annotators, the tenant's
    # own included, by pseudonym; only staff who label by email
    assert len(names) == 2 and all(n.startswith("anon-") for n in names)
    assert all(a["annotations"] == 3 and a["median_seconds"] >= 0 for a in names.values())
    assert wf.email not in r.text and s.annotators[0].email not in r.text


def test_project_stats_buckets(world):
    api, s, _ = world
    for bucket in ("minute", "day"):
        r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/stats?bucket={bucket}",
                            s.manager.token)
        assert r.status_code == 200 and r.json()["bucket"] == bucket
        assert r.json()["completion"][-1]["complete"] == 3
    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/stats?bucket=week", s.manager.token)
    assert_error(r, 400)
    assert "minute, hour, day" in r.json()["error"]["message"]


def test_project_stats_of_an_empty_project(server):
    api = Api(server)
    s = api.setup_project(n_tasks=2)
    st = api.srv.request("GET", f"/api/v1/projects/{s.pid}/stats", s.manager.token).json()
    assert (st["tasks"], st["complete"], st["annotations"]) == (2, 0, 0)
    assert st["completion"] == st["throughput"] == st["annotators"] == []
    assert sum(b["count"] for b in st["seconds"]) == 0


def test_project_stats_refused_to_annotators_and_other_tenants(world):
    api, s, wf = world
    path = f"/api/v1/projects/{s.pid}/stats"
    assert_error(api.srv.request("GET", path, s.annotators[0].token), 403)
    assert_error(api.srv.request("GET", path, wf.token), 403)
    other = api.tenant().user("owner")
    assert_error(api.srv.request("GET", path, other.token), 404)
    assert_error(api.srv.request("GET", path), 401)


def test_me_stats(world):
    api, s, wf = world
    for who in (s.annotators[0], wf):
        r = api.srv.request("GET", "/api/v1/me/stats", who.token)
        assert r.status_code == 200, r.text
        me = r.json()
        assert me["annotations"] == 3 and me["seconds"] >= 0
        [p] = [p for p in me["projects"] if p["project_id"] == s.pid]
        assert p["annotations"] == 3 and RFC3339_UTC_RE.match(p["last_at"])
    # a member with nothing done yet: the project with zeros
    idle = s.tenant.user("annotator")
    api.add_member(s.manager.token, s.pid, idle.email)
    me = api.srv.request("GET", "/api/v1/me/stats", idle.token).json()
    assert me == {"annotations": 0, "seconds": 0, "projects": [
        {"project_id": s.pid, "name": me["projects"][0]["name"], "annotations": 0,
         "seconds": 0, "last_at": None}]}


def test_schema_validate(server):
    api = Api(server)
    owner = api.tenant().user("owner")
    ok = api.srv.request("POST", "/api/v1/schemas/validate", owner.token,
                         json_body={"schema": {"fields": [CHOICE_AB]}})
    assert ok.status_code == 200 and ok.json() == {"valid": True}
    bad_schema = {"fields": [{"name": "label", "type": "choice", "options": []}]}
    r = api.srv.request("POST", "/api/v1/schemas/validate", owner.token,
                        json_body={"schema": bad_schema})
    assert r.status_code == 200
    body = r.json()
    assert body["valid"] is False and body["error"]["code"] == "invalid_schema"
    create = api.srv.request("POST", "/api/v1/projects", owner.token,
                             json_body={"name": "x", "schema": bad_schema})
    assert create.status_code == 400
    assert create.json()["error"]["message"] == body["error"]["message"]
    for wrong in ({}, {"schema": {"fields": [CHOICE_AB]}, "x": 1}):
        assert_error(api.srv.request("POST", "/api/v1/schemas/validate", owner.token,
                                     json_body=wrong), 400)
    annotator = api.tenant().user("annotator")
    assert_error(api.srv.request("POST", "/api/v1/schemas/validate", annotator.token,
                                 json_body={"schema": {"fields": [CHOICE_AB]}}), 403)


def test_projects_list_has_counts_and_member_role(world):
    api, s, wf = world
    mine = api.srv.request("GET", "/api/v1/projects", s.annotators[0].token).json()["projects"]
    [p] = [p for p in mine if p["id"] == s.pid]
    assert p["member_role"] == "annotator"
    assert p["counts"]["tasks"] == 4 and p["counts"]["completed_tasks"] == 3
    staff = api.srv.request("GET", "/api/v1/projects", s.manager.token).json()["projects"]
    assert [p["member_role"] for p in staff if p["id"] == s.pid] == [None]


# ---- the counters of migration 10 (store/sqlite/stats.c) ----

def _stats(api, s, bucket):
    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/stats?bucket={bucket}",
                        s.manager.token)
    assert r.status_code == 200, r.text
    return r.json()


def _assert_consistent(api, s, annotations, complete, per_annotator):
    """Every bucket kind agrees with the project counters and with itself."""
    for bucket in ("minute", "hour", "day"):
        st = _stats(api, s, bucket)
        assert (st["annotations"], st["complete"]) == (annotations, complete)
        assert sum(p["annotations"] for p in st["throughput"]) == annotations
        assert (st["completion"][-1]["complete"] if st["completion"] else 0) == complete
        assert sum(b["count"] for b in st["seconds"]) == annotations
        assert sorted(a["annotations"] for a in st["annotators"]) == sorted(per_annotator)
        assert all(0 <= a["median_seconds"] <= 1800 for a in st["annotators"])


def _label(api, s, who, n):
    done = {}
    for _ in range(n):
        got = api.next(who.token, s.pid)
        r = api.submit(who.token, got["task"]["id"], got["lease"]["id"], {"label": "a"})
        assert r.status_code == 201, r.text
        done[got["task"]["id"]] = r.json()["id"]
    return done


def test_stats_follow_deletions_overlap_and_task_deletion(api):
    s = api.setup_project(n_tasks=4, overlap=2, n_annotators=2)
    a, b = s.annotators
    by_a, by_b = _label(api, s, a, 3), _label(api, s, b, 3)
    assert by_a.keys() == by_b.keys()
    t1, t2, t3 = list(by_a)
    _assert_consistent(api, s, 6, 3, [3, 3])
    # an annotation of a complete task: the task reopens
    r = api.srv.request("DELETE", f"/api/v1/annotations/{by_a[t1]}", s.manager.token)
    assert r.status_code == 204, r.text
    _assert_consistent(api, s, 5, 2, [2, 3])
    me = api.srv.request("GET", "/api/v1/me/stats", a.token).json()
    assert me["annotations"] == 2 and me["projects"][0]["annotations"] == 2
    # a lower overlap completes t1 again (its newest annotation: b's)
    r = api.srv.request("PATCH", f"/api/v1/projects/{s.pid}", s.manager.token, {"overlap": 1})
    assert r.status_code == 200, r.text
    _assert_consistent(api, s, 5, 3, [2, 3])
    # deleting a complete task takes its annotations and its completion
    r = api.srv.request("DELETE", f"/api/v1/projects/{s.pid}/tasks", s.manager.token,
                        json_body={"ids": [t2]})
    assert r.status_code == 200, r.text
    _assert_consistent(api, s, 3, 2, [1, 2])
    # the newest of a task that stays complete: its completion moves, stays counted
    r = api.srv.request("DELETE", f"/api/v1/annotations/{by_b[t3]}", s.manager.token)
    assert r.status_code == 204, r.text
    _assert_consistent(api, s, 2, 2, [1, 1])
    # every annotation gone: no series, the annotators leave the chart
    for ann in (by_a[t3], by_b[t1]):
        assert api.srv.request("DELETE", f"/api/v1/annotations/{ann}",
                               s.manager.token).status_code == 204
    st = _stats(api, s, "hour")
    assert (st["annotations"], st["complete"], st["annotators"]) == (0, 0, [])
    assert st["throughput"] == st["completion"] == []
    me = api.srv.request("GET", "/api/v1/me/stats", b.token).json()
    assert me["annotations"] == 0 and me["projects"][0]["last_at"] is None


def test_stats_migration_10_backfills_an_existing_store(own_server):
    """A store from before migration 10 (its tables and row removed) gets
    the counters from its existing rows when the new binary opens it."""
    import sqlite3
    srv = own_server()
    api = Api(srv)
    s = api.setup_project(n_tasks=5, overlap=2, n_annotators=2)
    a, b = s.annotators
    _label(api, s, a, 4)
    _label(api, s, b, 2)
    want = {k: _stats(api, s, k) for k in ("minute", "hour", "day")}
    want_me = api.srv.request("GET", "/api/v1/me/stats", a.token).json()
    data = srv.data
    assert srv.stop() == 0
    db = sqlite3.connect(f"{data}/tally.db")
    db.executescript("DROP TABLE stats_buckets; DROP TABLE stats_annotators;"
                     " ALTER TABLE tokens DROP COLUMN kind;"
                     " DELETE FROM schema_migrations WHERE version = 10;")
    db.close()
    srv2 = own_server(data_dir=data)
    api.srv = srv2
    for k, st in want.items():
        assert _stats(api, s, k) == st
    assert api.srv.request("GET", "/api/v1/me/stats", a.token).json() == want_me
    db = sqlite3.connect(f"{data}/tally.db")
    assert db.execute("SELECT count(*) FROM schema_migrations WHERE version = 10").fetchone() == (1,)
    db.close()
