"""The project's policy applied by the detectors (docs/quality-workers.md):
"suspend" suspends on a new flag (annotations set aside, slots reopened),
a lead's dismissal reinstates, and the scheduler of `tally serve
--quality-seconds` runs the detectors without being asked."""
import random
import time

from conftest import Api
from quality_db import set_quality


def constant_crowd(api, n_tasks=20):
    """Three annotators who answer at random and one who always says "a"
    (the constant rule: > 95% of >= 15 labels, the project's top share < 80%)."""
    s = api.setup_project(n_tasks=n_tasks, overlap=4, n_annotators=4)
    for k, u in enumerate(s.annotators):
        rng = random.Random(k)
        for _ in range(n_tasks):
            got = api.next(u.token, s.pid)
            label = "a" if k == 3 else rng.choice("ab")
            r = api.submit(u.token, got["task"]["id"], got["lease"]["id"], {"label": label})
            assert r.status_code == 201, r.text
    return s


def constant_flags(api, s):
    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/workers", s.manager.token)
    assert r.status_code == 200, r.text
    return [(w, f) for w in r.json()["workers"] for f in w["flags"]
            if f["rule"] == "constant" and f["status"] == "open"]


def test_suspend_policy_and_dismissal(server):
    api = Api(server)
    s = constant_crowd(api)
    set_quality(server, s.pid, suspend=True)
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/quality/run", s.manager.token)
    assert r.status_code == 200, r.text
    assert r.json()["per_rule"]["constant"] == 1 and r.json()["flags"] == 1, r.text
    [(w, f)] = constant_flags(api, s)
    assert w["status"] == "suspended" and f["evidence"]["top_class"] == "a"
    assert f["evidence"]["top_share"] == 1.0
    assert api.counts(s.manager.token, s.pid) == \
        {"tasks": 20, "annotations": 60, "completed_tasks": 0}
    # the suspended annotator sees the flag and why; a second run changes nothing
    me = api.srv.request("GET", "/api/v1/me/flags", s.annotators[3].token).json()["flags"]
    assert [x["id"] for x in me] == [f["id"]] and me[0]["evidence"]["labels"] == 20
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/quality/run", s.manager.token)
    assert r.json()["new_flags"] == 0, r.text
    assert [x["status"] for x, _ in constant_flags(api, s)] == ["suspended"]
    # the lead dismisses on appeal: reinstated, the labels count again
    r = api.srv.request("POST", f"/api/v1/flags/{f['id']}/appeal", s.annotators[3].token,
                        json_body={"text": "Every item really was an a."})
    assert r.status_code == 200, r.text
    r = api.srv.request("POST", f"/api/v1/flags/{f['id']}/decision", s.manager.token,
                        json_body={"decision": "dismiss", "note": "checked: all a"})
    assert r.status_code == 200 and r.json()["status"] == "dismissed", r.text
    assert api.counts(s.manager.token, s.pid) == \
        {"tasks": 20, "annotations": 80, "completed_tasks": 20}
    # a lead's dismissal stands: the next run does not flag the same rule again
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/quality/run", s.manager.token)
    assert r.json()["per_rule"]["constant"] == 1 and r.json()["new_flags"] == 0
    ws = api.srv.request("GET", f"/api/v1/projects/{s.pid}/workers", s.manager.token).json()
    assert all(w["status"] == "active" for w in ws["workers"])


def test_flag_policy_only_flags(server):
    api = Api(server)
    s = constant_crowd(api)
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/quality/run", s.manager.token)
    assert r.status_code == 200, r.text
    [(w, _f)] = constant_flags(api, s)
    assert w["status"] == "active"
    assert api.counts(s.manager.token, s.pid)["annotations"] == 80


def test_scheduler_runs_the_detectors(own_server):
    srv = own_server(extra_args=["--quality-seconds", "1"])
    api = Api(srv)
    s = constant_crowd(api)
    deadline = time.time() + 20
    while not constant_flags(api, s) and time.time() < deadline:
        time.sleep(0.5)
    assert len(constant_flags(api, s)) == 1
