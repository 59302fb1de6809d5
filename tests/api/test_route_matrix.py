"""Every registered route × every kind of caller, checked against the role
table (authz/policy.h) as `tally routes` reports it, so an endpoint cannot
ship unprotected: a route without a policy stops the server at start-up, and
a route whose handler or policy disagrees with the table fails here.

Expected answers: no token -> 401 on every non-public route; another tenant's
owner and a workforce annotator who is not a member -> 404 on every route
that names a project or task (its existence is not revealed); a caller the
table refuses on an object it can see -> 403; an allowed caller -> anything
but 401/403/404 (bodies are valid where that is cheap; 400/409/422 after
authorization still mean "allowed")."""
import json

import pytest

from conftest import CHOICE_AB, NDJSON, Api, run_cli, unique
from quality_db import insert_flag, insert_review

STAFF = ("owner", "admin", "manager", "reviewer", "viewer")
# caller kind -> (tenant role it holds, is a member of the project, same tenant)
CALLERS = {
    **{r: (r, False, True) for r in STAFF},
    "tenant_annotator": ("annotator", True, True),
    "workforce_member": ("annotator", True, False),
    "workforce_outsider": ("annotator", False, False),
    "other_tenant_owner": ("owner", False, False),
    "no_token": (None, False, False),
}
FAKE_LEASE = "0190b5a0-0000-7000-8000-000000000000"


def _routes():
    proc = run_cli("routes")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


ROUTES = _routes()["routes"]


def test_routes_output_is_complete():
    out = _routes()
    assert out["valid"] is True
    assert ROUTES, "no routes registered"
    for rt in ROUTES:
        assert "policy" not in rt or rt["policy"] is not None, rt
        assert isinstance(rt["public"], bool), rt
        if not rt["public"]:
            assert rt["action"], rt
            assert rt["object"] in ("none", "project", "task", "lease", "annotation", "flag",
                                    "review"), rt


def expected(rt, caller):
    """'public', 'allowed', 401, 403 or 404."""
    role, is_member, same_tenant = CALLERS[caller]
    if rt["public"]:
        return "public"  # may still refuse bad credentials (login: 401)
    if role is None:
        return 401
    if rt["object"] == "none":
        return "allowed" if role in rt["tenant_roles"] else 403
    visible = (same_tenant and role in STAFF) or is_member
    if not visible:
        return 404
    if role in rt["tenant_roles"] and role in STAFF:
        return "allowed"
    if is_member and "annotator" in rt["member_roles"]:
        return "allowed"
    return 403


def expected_here(rt, caller):
    """expected(), less what a handler narrows (quality: workers): an
    appeal is the flagged annotator's alone (the world's flag is the
    workforce member's); anyone else the table admits gets 404."""
    want = expected(rt, caller)
    if rt["pattern"] == "/api/v1/flags/{}/appeal" and want == "allowed" \
            and caller != "workforce_member":
        return 404
    return want


@pytest.fixture(scope="module")
def world(server):
    api = Api(server)
    s = api.setup_project(n_tasks=50, overlap=3)
    tokens = {r: s.tenant.user(r).token for r in STAFF if r != "manager"}
    tokens["manager"] = s.manager.token
    tann = s.tenant.user("annotator")
    api.add_member(s.manager.token, s.pid, tann.email)
    tokens["tenant_annotator"] = tann.token
    wm = api.workforce_annotator()
    api.add_member(s.manager.token, s.pid, wm.email)
    tokens["workforce_member"] = wm.token
    tokens["workforce_outsider"] = api.workforce_annotator().token
    other = api.tenant()
    tokens["other_tenant_owner"] = other.user("owner").token
    tokens["no_token"] = None
    # PATCH /users/{}: a user of the caller's own tenant that owners and
    # admins may change (a viewer), so an allowed caller gets no 404
    s.user_targets = {"own": s.tenant.user("viewer").id, "other": other.user("viewer").id}
    # a real task id of the project: the member annotator leases one
    held = api.next(tann.token, s.pid)
    task_id = held["task"]["id"]
    world_state.update(lease_id=held["lease"]["id"], wm=wm,
                       annotation_id=annotation_by(api, wm, s.pid))
    target_user = api.workforce_annotator()  # who members routes add, change, remove
    target = target_user.email
    api.add_member(s.manager.token, s.pid, target)
    # a real file of the project, for the routes that name one in their second {}
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/files", s.manager.token,
                        data=b"GIF89a" + bytes(64), headers={"Content-Type": "image/gif"})
    assert r.status_code == 201, r.text
    world_state.update(api=api, s=s, members=(tann.email, wm.email), target=target_user)
    world_state.update(review_id=insert_review(server, task_id))  # quality: review
    # quality: workers: a flag of the workforce member's, and the name the
    # workers list shows them by (the PATCH .../workers/{annotator} routes)
    flag_id = insert_flag(server, s.pid, wm.id)
    wr = api.srv.request("GET", f"/api/v1/projects/{s.pid}/workers", s.manager.token)
    assert wr.status_code == 200, wr.text
    named = [w["annotator"] for w in wr.json()["workers"]
             if any(f["id"] == flag_id for f in w["flags"])]
    world_state.update(flag_id=flag_id, wm_name=named[0])
    return api, s, tokens, task_id, target, r.json()["id"]


def new_hook(api, s):
    """A webhook of the project, for the routes that name one in their second {}."""
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/webhooks", s.manager.token,
                        json_body={"url": "https://example.com/h", "events": ["task.completed"]})
    assert r.status_code == 201, r.text
    return r.json()["id"]


world_state = {}


def annotation_by(api, user, pid):
    """A fresh annotation of user's on pid (the routes that delete one)."""
    got = api.next(user.token, pid)
    r = api.submit(user.token, got["task"]["id"], got["lease"]["id"], {"label": "a"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def disposable_project():
    """A project staffed like the world's, for routes that destroy it."""
    api, s = world_state["api"], world_state["s"]
    pid = s.tenant.project(s.manager.token)
    for email in world_state["members"]:
        api.add_member(s.manager.token, pid, email)
    return pid


def request_for(rt, pid, task_id, target, file_id, people=None, hook_id=None):
    """people: ids for the routes whose {} is a token or a user (see
    test_route_by_caller)."""
    people = people or {}
    if rt["method"] == "DELETE" and rt["pattern"] == "/api/v1/projects/{}":
        pid = disposable_project()
    first = {"task": task_id, "lease": world_state["lease_id"], "annotation":
             world_state["annotation_id"], "flag": world_state["flag_id"]}.get(rt["object"], pid)
    if rt["object"] == "review":  # quality: review
        first = world_state["review_id"]
    if rt["method"] == "DELETE" and rt["object"] == "annotation":
        first = annotation_by(world_state["api"], world_state["wm"], world_state["s"].pid)
    if rt["pattern"].startswith("/api/v1/tokens/"):
        first = people.get("token", FAKE_LEASE)
    elif rt["pattern"].startswith("/api/v1/users/"):
        first = people.get("user", FAKE_LEASE)
    if rt["pattern"] == "/assets/{}":  # a file the bundle always has
        first = "app.js"
    path = rt["pattern"].replace("{}", first, 1)
    if "/members/{}" in rt["pattern"]:  # the member exists before each call
        api, s, user = world_state["api"], world_state["s"], world_state["target"]
        api.add_member(s.manager.token, s.pid, user.email)
        path = path.replace("{}", user.id, 1)
    if "/workers/{}" in rt["pattern"]:
        path = path.replace("{}", world_state["wm_name"], 1)
    path = path.replace("{}", hook_id if "/webhooks/" in path else file_id, 1)
    headers, data = {}, None
    if rt["method"] in ("POST", "PUT", "PATCH"):
        headers["Content-Type"] = "application/json"
        data = "{}"
        if path.endswith("/members"):
            data = json.dumps({"email": target, "role": "annotator"})
        elif path.endswith("/tasks"):
            headers["Content-Type"], data = NDJSON, '{"x":1}\n'
        elif path.endswith("/annotations"):
            data = json.dumps({"lease_id": FAKE_LEASE, "result": {"label": "a"}})
        elif path == "/api/v1/projects":
            data = json.dumps({"name": unique("m"), "schema": {"fields": [CHOICE_AB]}})
        elif path.endswith("/next"):
            data = None
        elif path == "/api/v1/users":
            data = json.dumps({"email": f"{unique('u')}@example.test", "role": "viewer"})
        elif path.startswith("/api/v1/users/"):
            data = json.dumps({"disabled": False})
        elif "/members/" in path:
            data = json.dumps({"role": "annotator"})
        elif "/workers/" in path:
            data = json.dumps({"status": "active"})
        elif path.endswith("/appeal"):
            data = json.dumps({"text": "I did label these myself."})
        elif path.endswith("/decision"):
            data = json.dumps({"decision": "uphold"})
        elif rt["method"] == "PATCH":
            data = json.dumps({"name": unique("renamed")})
        elif path.endswith("/webhooks"):
            data = json.dumps({"url": "https://example.com/h", "events": ["task.completed"]})
        elif path.endswith("/gold"):  # quality (core): clearing is harmless to the world
            data = json.dumps({"gold": None})
    if rt["pattern"].endswith("/export"):
        path += "?format=jsonl"
    if rt["method"] == "DELETE" and rt["pattern"].endswith("/tasks"):
        headers["Content-Type"], data = "application/json", json.dumps({"ids": []})
    return rt["method"], path, data, headers


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("rt", ROUTES, ids=[f"{r['method']} {r['pattern']}" for r in ROUTES])
def test_route_by_caller(world, rt, caller):
    api, s, tokens, task_id, target, file_id = world
    people = {"user": s.user_targets["other" if caller == "other_tenant_owner" else "own"]}
    if rt["pattern"] == "/api/v1/tokens/{}" and tokens[caller]:
        # a token of the caller's own to revoke
        r = api.srv.request("POST", "/api/v1/tokens", tokens[caller], json_body={})
        assert r.status_code == 201, r.text
        people["token"] = r.json()["id"]
    # a fresh webhook per request: an allowed DELETE would leave the next caller a 404
    hook_id = new_hook(api, s) if "/webhooks/{}" in rt["pattern"] else None
    method, path, data, headers = request_for(rt, s.pid, task_id, target, file_id, people,
                                              hook_id)
    r = api.srv.request(method, path, tokens[caller], data=data, headers=headers)
    want = expected_here(rt, caller)
    what = f"{caller} {method} {path}: table says {want}, got {r.status_code} {r.text[:200]}"
    if want == "public":
        assert r.status_code not in (403, 404) and r.status_code < 500, what
    elif want == "allowed":
        assert r.status_code not in (401, 403, 404) and r.status_code < 500, what
    else:
        assert r.status_code == want, what
        assert set(r.json()) == {"error"}, what
