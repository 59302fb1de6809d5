"""Who sees worker scores, flags and their evidence (docs/quality-workers.md):
the tenant's owner, admin, manager and reviewer, and reviewer members, for
that tenant's projects; the annotator concerned for their own flags only,
with the evidence stripped of other annotators and task ids; nobody else.
Flags are planted in the database (quality_db.py) so these tests do not
depend on what the detectors find."""
import json

import pytest

from conftest import Api
from quality_db import insert_flag

COLLUSION_EVIDENCE = {"shared_tasks": 40, "same_wrong_answers": 20, "share": 0.5,
                      "expected_share": 0.05, "p_value": 1e-9}


def label_some(api, user, pid, n):
    for _ in range(n):
        got = api.next(user.token, pid)
        if not got:
            return
        r = api.submit(user.token, got["task"]["id"], got["lease"]["id"], {"label": "a"})
        assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def world(server):
    api = Api(server)
    a = api.setup_project(n_tasks=20, overlap=3)
    b = api.setup_project(n_tasks=20, overlap=3)
    both = api.workforce_annotator()  # works for tenants A and B
    peer = api.workforce_annotator()  # another annotator of A
    tann = a.tenant.user("annotator")
    member_reviewer = a.tenant.user("annotator")
    for u in (both, peer, tann):
        api.add_member(a.manager.token, a.pid, u.email)
    api.add_member(a.manager.token, a.pid, member_reviewer.email, role="reviewer")
    api.add_member(b.manager.token, b.pid, both.email)
    for u in (both, peer, tann):
        label_some(api, u, a.pid, 3)
    label_some(api, both, b.pid, 3)
    ev = dict(COLLUSION_EVIDENCE, peer_id=peer.id, tasks=["t-secret-1", "t-secret-2"])
    flags = {
        "both_a": insert_flag(server, a.pid, both.id, "collusion", ev),
        "both_b": insert_flag(server, b.pid, both.id, "speed"),
        "peer_a": insert_flag(server, a.pid, peer.id, "collusion",
                              dict(COLLUSION_EVIDENCE, peer_id=both.id, tasks=["t-secret-1"])),
    }
    return api, a, b, both, peer, tann, member_reviewer, flags


def workers(api, token, pid):
    return api.srv.request("GET", f"/api/v1/projects/{pid}/workers", token)


@pytest.mark.parametrize("role", ["owner", "admin", "manager", "reviewer"])
def test_staff_see_workers_and_flags(world, role):
    api, a, _b, both, peer, _tann, _mr, flags = world
    token = a.manager.token if role == "manager" else a.tenant.user(role).token
    r = workers(api, token, a.pid)
    assert r.status_code == 200, r.text
    ws = r.json()["workers"]
    assert len(ws) == 3
    all_flags = {f["id"]: (w, f) for w in ws for f in w["flags"]}
    assert set(all_flags) == {flags["both_a"], flags["peer_a"]}  # not B's
    w, f = all_flags[flags["both_a"]]
    assert w["annotator"].startswith("anon-") and w["status"] == "active"
    assert w["annotations"] == 3 and w["median_seconds"] is not None
    # staff see who the peer is, by the pseudonym the list uses, and the tasks
    peer_name = all_flags[flags["peer_a"]][0]["annotator"]
    assert f["evidence"]["peer"] == peer_name != w["annotator"]
    assert "peer_id" not in f["evidence"] and peer.id not in r.text and both.email not in r.text
    assert f["evidence"]["tasks"] == ["t-secret-1", "t-secret-2"]


def test_member_reviewer_sees_workers(world):
    api, a, *_rest, mr, _flags = world
    r = workers(api, mr.token, a.pid)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("who", ["viewer", "tenant_annotator", "workforce"])
def test_others_of_the_project_are_refused(world, who):
    api, a, _b, both, _peer, tann, _mr, flags = world
    token = {"viewer": a.tenant.user("viewer").token, "tenant_annotator": tann.token,
             "workforce": both.token}[who]
    assert workers(api, token, a.pid).status_code == 403
    r = api.srv.request("POST", f"/api/v1/flags/{flags['peer_a']}/decision", token,
                        json_body={"decision": "dismiss"})
    assert r.status_code == 403
    r = api.srv.request("POST", f"/api/v1/projects/{a.pid}/quality/run", token)
    assert r.status_code == 403


def test_another_tenants_staff_get_404(world):
    api, a, b, _both, _peer, _tann, _mr, flags = world
    owner_b = b.tenant.user("owner")
    assert workers(api, owner_b.token, a.pid).status_code == 404
    for path, body in ((f"/api/v1/flags/{flags['both_a']}/decision", {"decision": "dismiss"}),
                       (f"/api/v1/flags/{flags['both_a']}/appeal", {"text": "mine"})):
        r = api.srv.request("POST", path, owner_b.token, json_body=body)
        assert r.status_code == 404, r.text
    r = api.srv.request("PATCH", f"/api/v1/projects/{a.pid}/workers/anon-0", owner_b.token,
                        json_body={"status": "suspended"})
    assert r.status_code == 404


def test_workforce_annotator_of_two_tenants_sees_own_flags(world):
    api, a, b, both, peer, _tann, _mr, flags = world
    r = api.srv.request("GET", "/api/v1/me/flags", both.token)
    assert r.status_code == 200, r.text
    mine = {f["id"]: f for f in r.json()["flags"]}
    assert set(mine) == {flags["both_a"], flags["both_b"]}  # both tenants, none of peer's
    assert {mine[flags["both_a"]]["project_id"], mine[flags["both_b"]]["project_id"]} == \
        {a.pid, b.pid}
    ev = mine[flags["both_a"]]["evidence"]
    assert ev == COLLUSION_EVIDENCE  # the numbers, no peer, no task ids
    assert peer.id not in r.text and "anon-" not in r.text and "t-secret" not in r.text
    # the peer's own view names nobody either
    r = api.srv.request("GET", "/api/v1/me/flags", peer.token)
    assert [f["id"] for f in r.json()["flags"]] == [flags["peer_a"]]
    assert both.id not in r.text and "anon-" not in r.text


def test_annotator_sees_own_scores_only(world):
    """GET /projects/{id}/me/quality: the caller's own numbers, per project,
    in each tenant the workforce annotator works for; nobody else's."""
    api, a, b, both, peer, _tann, _mr, _flags = world
    for pid in (a.pid, b.pid):
        r = api.srv.request("GET", f"/api/v1/projects/{pid}/me/quality", both.token)
        assert r.status_code == 200, r.text
        me = r.json()
        assert me["project_id"] == pid and me["annotations"] == 3, me
        assert me["status"] == "active"
        assert set(me["gold"]) == {"answered", "accuracy", "lower_bound"}
        assert "annotator" not in me and "anon-" not in r.text and peer.id not in r.text
    # a member who has labeled nothing gets zeros, not someone else's row
    fresh = api.workforce_annotator()
    api.add_member(a.manager.token, a.pid, fresh.email)
    r = api.srv.request("GET", f"/api/v1/projects/{a.pid}/me/quality", fresh.token)
    assert r.status_code == 200 and r.json()["annotations"] == 0, r.text
    # not a member of B: B's project is not there at all
    r = api.srv.request("GET", f"/api/v1/projects/{b.pid}/me/quality", peer.token)
    assert r.status_code == 404, r.text


def test_appeal_only_ones_own(world):
    api, a, _b, both, peer, tann, _mr, flags = world
    # another annotator's flag: 404, as if it did not exist
    r = api.srv.request("POST", f"/api/v1/flags/{flags['peer_a']}/appeal", both.token,
                        json_body={"text": "not mine"})
    assert r.status_code == 404 and set(r.json()) == {"error"}
    r = api.srv.request("POST", f"/api/v1/flags/{flags['both_a']}/appeal", tann.token,
                        json_body={"text": "x"})
    assert r.status_code == 404
    for bad in ({}, {"text": ""}, {"text": "x" * 2001}, {"text": 3}, {"text": "x", "y": 1}):
        r = api.srv.request("POST", f"/api/v1/flags/{flags['both_b']}/appeal", both.token,
                            json_body=bad)
        assert r.status_code == 400, (bad, r.text)
    r = api.srv.request("POST", f"/api/v1/flags/{flags['both_b']}/appeal", both.token,
                        json_body={"text": "I was fast because the items were easy. " * 3})
    assert r.status_code == 200, r.text
    assert r.json()["appeal"]["text"].startswith("I was fast")
    # the appeal was on B's flag: A's list shows none
    r = workers(api, a.manager.token, a.pid)
    assert all(f["appeal"] is None for w in r.json()["workers"] for f in w["flags"])


def test_decision_kept_with_who_and_why(world):
    api, _a, b, both, _peer, _tann, _mr, flags = world
    fid = flags["both_b"]
    for bad in ({"decision": "maybe"}, {}, {"decision": "dismiss", "note": ""}):
        r = api.srv.request("POST", f"/api/v1/flags/{fid}/decision", b.manager.token,
                            json_body=bad)
        assert r.status_code == 400, (bad, r.text)
    reviewer = b.tenant.user("reviewer")  # sees flags, may not decide
    r = api.srv.request("POST", f"/api/v1/flags/{fid}/decision", reviewer.token,
                        json_body={"decision": "uphold"})
    assert r.status_code == 403
    r = api.srv.request("POST", f"/api/v1/flags/{fid}/decision", b.manager.token,
                        json_body={"decision": "uphold", "note": "confirmed by timings"})
    assert r.status_code == 200, r.text
    d = r.json()["decision"]
    assert d["decision"] == "uphold" and d["by"] == b.manager.email
    assert d["note"] == "confirmed by timings" and d["decided_at"]
    r = api.srv.request("GET", "/api/v1/me/flags", both.token)
    f = {f["id"]: f for f in r.json()["flags"]}[fid]
    assert f["status"] == "upheld" and f["decision"]["note"] == "confirmed by timings"
    assert "by" not in f["decision"] and b.manager.email not in r.text


def test_suspend_sets_aside_and_reinstate_counts_again(server):
    api = Api(server)
    s = api.setup_project(n_tasks=6, overlap=2, n_annotators=2)
    for u in s.annotators:
        label_some(api, u, s.pid, 6)
    assert api.counts(s.manager.token, s.pid) == \
        {"tasks": 6, "annotations": 12, "completed_tasks": 6}
    ws = workers(api, s.manager.token, s.pid).json()["workers"]
    name = ws[0]["annotator"]
    path = f"/api/v1/projects/{s.pid}/workers/{name}"
    r = api.srv.request("PATCH", path, s.manager.token, json_body={"status": "suspended"})
    assert r.status_code == 200 and r.json()["status"] == "suspended", r.text
    assert r.json()["annotations"] == 6  # kept, marked
    assert api.counts(s.manager.token, s.pid) == \
        {"tasks": 6, "annotations": 6, "completed_tasks": 0}
    # the reopened slots are served again, to someone else
    fresh = s.tenant.user("annotator")
    api.add_member(s.manager.token, s.pid, fresh.email)
    assert api.next(fresh.token, s.pid) is not None
    r = api.srv.request("PATCH", path, s.manager.token, json_body={"status": "active"})
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert api.counts(s.manager.token, s.pid) == \
        {"tasks": 6, "annotations": 12, "completed_tasks": 6}
    for bad in ({"status": "gone"}, {}, {"status": "active", "x": 1}):
        r = api.srv.request("PATCH", path, s.manager.token, json_body=bad)
        assert r.status_code == 400, (bad, r.text)
    r = api.srv.request("PATCH", f"/api/v1/projects/{s.pid}/workers/anon-nobody",
                        s.manager.token, json_body={"status": "active"})
    assert r.status_code == 404
    assert json.loads(r.text)["error"]["code"]
