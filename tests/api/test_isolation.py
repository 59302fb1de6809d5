"""Tenant isolation: tenant B's tokens on tenant A's ids get 404, exactly as
for ids that do not exist, for every object type; A's data never leaks."""
import pytest

from conftest import NDJSON, Api, assert_error

MISSING_ID = "0190b5a0-0000-7000-8000-000000000000"


@pytest.fixture(scope="module")
def two_tenants(server):
    api = Api(server)
    # Tenant A: a project with tasks, a member annotator holding a lease.
    a = api.setup_project(n_tasks=3, overlap=2, n_annotators=1)
    lease = api.next(a.annotators[0].token, a.pid)
    assert lease is not None
    # Tenant B: every role, plus its own project with its own annotator.
    b = api.setup_project(n_tasks=3, overlap=1, n_annotators=1)
    b_users = {role: b.tenant.user(role) for role in ("owner", "admin", "reviewer", "viewer")}
    b_users["manager"] = b.manager
    b_users["annotator"] = b.annotators[0]
    # A workforce annotator who works for B only.
    wf = api.workforce_annotator()
    api.add_member(b.manager.token, b.pid, wf.email)
    b_users["workforce"] = wf
    return api, a, lease, b, b_users


def _request(api, action, token, project_id, task_id, lease_id, email):
    srv = api.srv
    if action == "project get":
        return srv.request("GET", f"/api/v1/projects/{project_id}", token)
    if action == "members add":
        return srv.request("POST", f"/api/v1/projects/{project_id}/members", token,
                           json_body={"email": email, "role": "annotator"})
    if action == "tasks import":
        return srv.request("POST", f"/api/v1/projects/{project_id}/tasks", token,
                           data=b'{"stolen":true}\n', headers={"Content-Type": NDJSON})
    if action == "next":
        return srv.request("POST", f"/api/v1/projects/{project_id}/next", token)
    if action == "annotation submit":
        return srv.request("POST", f"/api/v1/tasks/{task_id}/annotations", token,
                           json_body={"lease_id": lease_id, "result": {"label": "a"}})
    if action == "export":
        return srv.request("GET", f"/api/v1/projects/{project_id}/export?format=jsonl", token)
    raise AssertionError(action)


ACTIONS = ["project get", "members add", "tasks import", "next", "annotation submit", "export"]
B_ROLES = ["owner", "admin", "manager", "reviewer", "viewer", "annotator", "workforce"]


@pytest.mark.parametrize("role", B_ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_cross_tenant_is_404(two_tenants, action, role):
    api, a, lease, b, b_users = two_tenants
    u = b_users[role]
    r = _request(api, action, u.token, a.pid, lease["task"]["id"], lease["lease"]["id"],
                 b_users["annotator"].email)
    assert_error(r, 404, "not_found")
    # and the same answer as for an id that does not exist at all
    r2 = _request(api, action, u.token, MISSING_ID, MISSING_ID, lease["lease"]["id"],
                  b_users["annotator"].email)
    assert_error(r2, 404, "not_found")
    assert r.json() == r2.json()


def test_cross_tenant_attempts_changed_nothing(two_tenants):
    api, a, _lease, _b, _b_users = two_tenants
    # runs after the table above in file order; also meaningful alone
    counts = api.counts(a.manager.token, a.pid)
    assert counts == {"tasks": 3, "annotations": 0, "completed_tasks": 0}
    lines, _ = api.export(a.manager.token, a.pid)
    assert all("stolen" not in line["data"] for line in lines)


def test_b_lists_none_of_a(two_tenants):
    api, a, _lease, _b, b_users = two_tenants
    for role, u in b_users.items():
        r = api.srv.request("GET", "/api/v1/projects", u.token)
        assert r.status_code == 200, r.text
        assert a.pid not in r.text, f"{role} of B sees A's project in the list"


def test_manager_cannot_add_user_of_another_tenant(two_tenants):
    api, a, _lease, _b, b_users = two_tenants
    for role in ("annotator", "manager", "viewer"):
        r = api.srv.request("POST", f"/api/v1/projects/{a.pid}/members", a.manager.token,
                            json_body={"email": b_users[role].email, "role": "annotator"})
        assert_error(r, 404, "not_found")


def test_add_unknown_email_is_404(two_tenants):
    api, a, _lease, _b, _b_users = two_tenants
    r = api.srv.request("POST", f"/api/v1/projects/{a.pid}/members", a.manager.token,
                        json_body={"email": "ghost@nowhere.test", "role": "annotator"})
    assert_error(r, 404, "not_found")


def test_workforce_annotator_serves_two_tenants_separately(api):
    wf = api.workforce_annotator()
    s1 = api.setup_project(n_tasks=1)
    s2 = api.setup_project(n_tasks=1)
    api.add_member(s1.manager.token, s1.pid, wf.email)
    listed = api.srv.request("GET", "/api/v1/projects", wf.token).json()["projects"]
    assert [p["id"] for p in listed] == [s1.pid]
    assert_error(api.srv.request("POST", f"/api/v1/projects/{s2.pid}/next", wf.token), 404)
    api.add_member(s2.manager.token, s2.pid, wf.email)
    listed = api.srv.request("GET", "/api/v1/projects", wf.token).json()["projects"]
    assert sorted(p["id"] for p in listed) == sorted([s1.pid, s2.pid])
    n1 = api.next(wf.token, s1.pid)
    n2 = api.next(wf.token, s2.pid)
    assert n1 and n2
    # a lease of tenant 1's task does not open tenant 2's task
    r = api.submit(wf.token, n2["task"]["id"], n1["lease"]["id"], {"label": "a"})
    assert_error(r, 409, "conflict")
