"""Authentication (401) and the role table (403) inside one tenant."""
import json

import pytest

from conftest import CHOICE_AB, ERROR_CODES, NDJSON, Api, assert_error, unique

PROJECT_BODY = {"name": "p", "schema": {"fields": [CHOICE_AB]}, "overlap": 1,
                "lease_seconds": 60}

# Who may create a project: role ("workforce" = annotator without a tenant).
CREATE_PROJECT = [
    ("owner", 201),
    ("admin", 201),
    ("manager", 201),
    ("reviewer", 403),
    ("viewer", 403),
    ("annotator", 403),
    ("workforce", 403),
]


@pytest.mark.parametrize("role,status", CREATE_PROJECT, ids=[c[0] for c in CREATE_PROJECT])
def test_create_project_by_role(api, role, status):
    t = api.tenant()
    u = api.workforce_annotator() if role == "workforce" else t.user(role)
    body = dict(PROJECT_BODY, name=unique("p"))
    r = api.srv.request("POST", "/api/v1/projects", u.token, json_body=body)
    if status == 201:
        assert r.status_code == 201, r.text
    else:
        assert_error(r, 403, "forbidden")


@pytest.fixture(scope="module")
def staffed(server):
    """One project with every role present; the annotator is a member."""
    api = Api(server)
    s = api.setup_project(n_tasks=5, overlap=1, n_annotators=1)
    users = {role: s.tenant.user(role) for role in ("owner", "admin", "reviewer", "viewer")}
    users["manager"] = s.manager
    users["annotator"] = s.annotators[0]
    outsider = s.tenant.user("annotator")  # same tenant, not a member
    users["outsider"] = outsider
    return api, s, users


def _call(api, s, users, role, action):
    tok = users[role].token
    srv = api.srv
    if action == "get":
        return srv.request("GET", f"/api/v1/projects/{s.pid}", tok)
    if action == "members":
        target = s.tenant.user("annotator")
        return srv.request("POST", f"/api/v1/projects/{s.pid}/members", tok,
                           json_body={"email": target.email, "role": "annotator"})
    if action == "import":
        return srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", tok,
                           data=b'{"x":1}\n', headers={"Content-Type": NDJSON})
    if action == "export":
        return srv.request("GET", f"/api/v1/projects/{s.pid}/export?format=jsonl", tok)
    if action == "next":
        return srv.request("POST", f"/api/v1/projects/{s.pid}/next", tok)
    raise AssertionError(action)


# role, action, allowed statuses. The contract: managers+ staff projects and
# import; staff (owner..viewer) read and export; only member annotators take
# tasks; annotators never export (403 or 404); a non-member annotator does
# not see the project at all (404).
ROLE_TABLE = [
    ("owner", "get", {200}), ("admin", "get", {200}), ("manager", "get", {200}),
    ("reviewer", "get", {200}), ("viewer", "get", {200}), ("annotator", "get", {200}),
    ("outsider", "get", {404}),

    ("owner", "members", {201}), ("admin", "members", {201}), ("manager", "members", {201}),
    ("reviewer", "members", {403}), ("viewer", "members", {403}),
    ("annotator", "members", {403}), ("outsider", "members", {404}),

    ("owner", "import", {201}), ("manager", "import", {201}),
    ("reviewer", "import", {403}), ("viewer", "import", {403}),
    ("annotator", "import", {403}), ("outsider", "import", {404}),

    ("manager", "export", {200}), ("reviewer", "export", {200}), ("viewer", "export", {200}),
    ("owner", "export", {200}),
    ("annotator", "export", {403, 404}), ("outsider", "export", {404}),

    ("annotator", "next", {200}),
    ("manager", "next", {403}), ("viewer", "next", {403}), ("outsider", "next", {404}),
]


@pytest.mark.parametrize("role,action,statuses", ROLE_TABLE,
                         ids=[f"{c[0]}-{c[1]}" for c in ROLE_TABLE])
def test_role_table(staffed, role, action, statuses):
    api, s, users = staffed
    r = _call(api, s, users, role, action)
    assert r.status_code in statuses, (
        f"{role} {action}: expected {sorted(statuses)}, got {r.status_code} {r.text}")
    if r.status_code >= 400:
        assert_error(r, r.status_code, ERROR_CODES[r.status_code])


def test_annotator_sees_only_member_projects(api):
    t = api.tenant()
    mgr = t.user("manager")
    p_in = t.project(mgr.token)
    p_out = t.project(mgr.token)
    ann = t.user("annotator")
    wf = api.workforce_annotator()
    for a in (ann, wf):
        api.add_member(mgr.token, p_in, a.email)
        listed = api.srv.request("GET", "/api/v1/projects", a.token).json()["projects"]
        assert [p["id"] for p in listed] == [p_in], listed
        assert api.srv.request("GET", f"/api/v1/projects/{p_in}", a.token).status_code == 200
        r = api.srv.request("GET", f"/api/v1/projects/{p_out}", a.token)
        assert_error(r, 404, "not_found")


def test_reviewer_member_cannot_take_tasks(api):
    s = api.setup_project(n_tasks=2)
    rev = s.tenant.user("reviewer")
    api.add_member(s.manager.token, s.pid, rev.email, role="reviewer")
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/next", rev.token)
    assert_error(r, 403, "forbidden")


def test_role_change_applies_at_once(api):
    """The server memoizes authorization on the labeling path (authz/cache.h);
    a role change made through the API must still apply to the very next
    request, for both next and a submission under a lease taken before."""
    s = api.setup_project(n_tasks=3, n_annotators=1)
    ann = s.annotators[0]
    n = api.next(ann.token, s.pid)                   # fills the cache
    assert n is not None
    api.add_member(s.manager.token, s.pid, ann.email, role="reviewer")
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/next", ann.token)
    assert_error(r, 403, "forbidden")
    r = api.submit(ann.token, n["task"]["id"], n["lease"]["id"], {"label": "a"})
    assert_error(r, 403, "forbidden")
    api.add_member(s.manager.token, s.pid, ann.email, role="annotator")
    r = api.submit(ann.token, n["task"]["id"], n["lease"]["id"], {"label": "a"})
    assert r.status_code == 201, r.text


# Authorization headers that must all give 401 "unauthorized".
BAD_AUTH = [
    ("missing", None),
    ("empty-bearer", "Bearer "),
    ("unknown-token", "Bearer tl_notarealtoken0000000000000000000000"),
    ("basic-scheme", "Basic dXNlcjpwYXNz"),
    ("no-scheme", "RAWTOKEN"),
    ("huge-token", "Bearer " + "A" * 5000),
]

# Every authenticated endpoint (ids need not exist: 401 comes first).
ENDPOINTS = [
    ("GET", "/api/v1/projects", None),
    ("POST", "/api/v1/projects", json.dumps(PROJECT_BODY)),
    ("GET", "/api/v1/projects/{pid}", None),
    ("POST", "/api/v1/projects/{pid}/members", '{"email":"x@y.test","role":"annotator"}'),
    ("POST", "/api/v1/projects/{pid}/tasks", '{"x":1}\n'),
    ("POST", "/api/v1/projects/{pid}/next", None),
    ("POST", "/api/v1/tasks/{tid}/annotations", '{"lease_id":"x","result":{"label":"a"}}'),
    ("GET", "/api/v1/projects/{pid}/export?format=jsonl", None),
]


@pytest.mark.parametrize("method,path,body", ENDPOINTS, ids=[f"{e[0]} {e[1]}" for e in ENDPOINTS])
@pytest.mark.parametrize("auth", [b[1] for b in BAD_AUTH], ids=[b[0] for b in BAD_AUTH])
def test_unauthenticated_is_401(staffed, method, path, body, auth):
    api, s, _users = staffed
    headers = {"Content-Type": NDJSON if path.endswith("/tasks") else "application/json"}
    if auth is not None:
        headers["Authorization"] = auth
    tid = "0190b5a0-0000-7000-8000-000000000000"
    r = api.srv.request(method, path.format(pid=s.pid, tid=tid), data=body, headers=headers)
    assert_error(r, 401, "unauthorized")


MEMBER_MISSES_PER_TENANT = 100  # api.h TL_MEMBER_MISSES_PER_TENANT


def test_member_email_probing_is_capped_per_tenant(api):
    """Adding a member answers 201 for a workforce email and 404 otherwise, so
    a manager could probe which emails are in the workforce: after 100 misses
    in an hour the tenant gets 429 with Retry-After, for hits too, and other
    tenants are not affected."""
    s = api.setup_project()
    wf = api.workforce_annotator()
    path = f"/api/v1/projects/{s.pid}/members"
    for i in range(MEMBER_MISSES_PER_TENANT):
        r = api.srv.request("POST", path, s.manager.token,
                            json_body={"email": f"probe{i}-{unique('x')}@nowhere.test",
                                       "role": "annotator"})
        assert_error(r, 404, "not_found")
        if i == 50:  # a hit in between does not reset the count
            api.add_member(s.manager.token, s.pid, wf.email)
    for email in (f"{unique('probe')}@nowhere.test", wf.email):
        r = api.srv.request("POST", path, s.manager.token,
                            json_body={"email": email, "role": "annotator"})
        assert_error(r, 429)
        assert int(r.headers["Retry-After"]) > 0
    other = api.setup_project()
    api.add_member(other.manager.token, other.pid, wf.email)


def test_member_addition_is_logged_with_actor(api):
    s = api.setup_project()
    wf = api.workforce_annotator()
    api.add_member(s.manager.token, s.pid, wf.email, role="reviewer")
    line = next((ln for ln in api.srv.log().splitlines()
                 if "member added:" in ln and f"project={s.pid}" in ln), None)
    assert line is not None, "no log line for the addition"
    assert f"tenant={s.tenant.id}" in line and f"user={wf.id}" in line, line
    assert "role=reviewer" in line and f"by={s.manager.id}" in line, line
    assert wf.email not in line and "@" not in line, line
