"""People and access: GET /api/v1/me, a tenant's users (owner, admin) and API
tokens, per role and across tenants. A revoked token and a disabled user are
refused at once on this node, even right after a request has put their
scope in the authz cache (authz/cache.h)."""
import json

import pytest

from conftest import ERROR_CODES, ID_RE, assert_error, unique

STAFF = ("owner", "admin", "manager", "reviewer", "viewer")


def get(srv, path, token):
    return srv.request("GET", path, token)


def new_email():
    return f"{unique('p')}@example.test"


@pytest.fixture
def acme(api):
    """A fresh tenant with one user of each role."""
    t = api.tenant()
    t.people = {r: t.user(r) for r in (*STAFF, "annotator")}
    return t


# ------------------------------------------------------------------- me

@pytest.mark.parametrize("role", (*STAFF, "annotator"))
def test_me_per_role(api, acme, role):
    u = acme.people[role]
    r = get(api.srv, "/api/v1/me", u.token)
    assert r.status_code == 200, r.text
    me = r.json()
    assert me == {"id": u.id, "email": u.email, "role": role,
                  "tenant": {"id": acme.id, "name": acme.name}, "projects": []}


def test_me_of_workforce_lists_its_projects(api):
    s = api.setup_project()
    w = api.workforce_annotator()
    api.add_member(s.manager.token, s.pid, w.email)
    other = api.setup_project()
    api.add_member(other.manager.token, other.pid, w.email, role="reviewer")
    me = get(api.srv, "/api/v1/me", w.token).json()
    assert me["tenant"] is None and me["role"] == "annotator" and me["email"] == w.email
    names = {p["id"]: p for p in me["projects"]}
    assert set(names) == {s.pid, other.pid}
    assert names[s.pid]["role"] == "annotator" and names[other.pid]["role"] == "reviewer"
    assert names[s.pid]["name"] == api.project(s.manager.token, s.pid)["name"]


def test_me_needs_a_token(api):
    assert_error(get(api.srv, "/api/v1/me", None), 401, "unauthorized")


# ---------------------------------------------------------------- users

@pytest.mark.parametrize("role", ("owner", "admin"))
def test_users_list_is_the_own_tenant(api, acme, role):
    other = api.tenant()
    stranger = other.user("manager")
    r = get(api.srv, "/api/v1/users", acme.people[role].token)
    assert r.status_code == 200, r.text
    users = r.json()["users"]
    emails = {u["email"] for u in users}
    assert emails == {u.email for u in acme.people.values()}
    assert stranger.email not in emails
    for u in users:
        assert set(u) == {"id", "email", "role", "disabled", "created_at"}
        assert ID_RE.match(u["id"]) and u["disabled"] is False
        assert "password" not in json.dumps(u)


@pytest.mark.parametrize("role", ("manager", "reviewer", "viewer", "annotator"))
def test_users_routes_refuse_other_roles(api, acme, role):
    tok = acme.people[role].token
    target = acme.people["viewer"].id
    assert_error(get(api.srv, "/api/v1/users", tok), 403, "forbidden")
    assert_error(api.srv.request("POST", "/api/v1/users", tok,
                                 json_body={"email": new_email(), "role": "viewer"}), 403)
    assert_error(api.srv.request("PATCH", f"/api/v1/users/{target}", tok,
                                 json_body={"disabled": True}), 403)


def test_users_refuse_the_workforce(api):
    w = api.workforce_annotator()
    assert_error(get(api.srv, "/api/v1/users", w.token), 403)


def test_owner_creates_admin_and_admin_cannot_create_owner(api, acme):
    owner, admin = acme.people["owner"].token, acme.people["admin"].token
    r = api.srv.request("POST", "/api/v1/users", owner,
                        json_body={"email": new_email(), "role": "admin"})
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "admin" and ID_RE.match(r.json()["id"])
    r = api.srv.request("POST", "/api/v1/users", admin,
                        json_body={"email": new_email(), "role": "owner"})
    assert_error(r, 403, "forbidden")
    r = api.srv.request("POST", "/api/v1/users", admin,
                        json_body={"email": new_email(), "role": "admin"})
    assert r.status_code == 201, r.text


def test_created_user_logs_in_and_is_listed(api, acme):
    email = new_email()
    r = api.srv.request("POST", "/api/v1/users", acme.people["owner"].token,
                        json_body={"email": email, "role": "manager", "password": "s3cret-pw"})
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["email"] == email and user["disabled"] is False
    listed = get(api.srv, "/api/v1/users", acme.people["admin"].token).json()["users"]
    assert user in listed
    r = api.srv.request("POST", "/api/v1/auth/login",
                        json_body={"email": email, "password": "s3cret-pw"})
    assert r.status_code == 200, r.text
    me = get(api.srv, "/api/v1/me", r.json()["token"]).json()
    assert me["id"] == user["id"] and me["tenant"]["id"] == acme.id


BAD_CREATE = [
    ({"email": "x@example.test", "role": "viewer", "colour": 1}, "colour"),
    ({"role": "viewer"}, "email"),
    ({"email": "not-an-email", "role": "viewer"}, "email"),
    ({"email": "x@example.test", "role": "king"}, "role"),
    ({"email": "x@example.test"}, "role"),
    ({"email": "x@example.test", "role": "viewer", "password": "short"}, "password"),
    ({"email": "x@example.test", "role": "viewer", "password": 12345678}, "password"),
]


@pytest.mark.parametrize("body,word", BAD_CREATE, ids=[w for _, w in BAD_CREATE])
def test_user_create_rejects(api, acme, body, word):
    r = api.srv.request("POST", "/api/v1/users", acme.people["owner"].token, json_body=body)
    assert_error(r, 400, "invalid")
    assert word in r.json()["error"]["message"]


def test_user_create_taken_email_is_409(api, acme):
    r = api.srv.request("POST", "/api/v1/users", acme.people["owner"].token,
                        json_body={"email": acme.people["viewer"].email, "role": "viewer"})
    assert_error(r, 409)


def test_disabled_user_is_refused_at_once(api, acme):
    victim = acme.people["manager"]
    assert get(api.srv, "/api/v1/projects", victim.token).status_code == 200  # now cached
    r = api.srv.request("PATCH", f"/api/v1/users/{victim.id}", acme.people["admin"].token,
                        json_body={"disabled": True})
    assert r.status_code == 200, r.text
    assert r.json()["disabled"] is True
    assert_error(get(api.srv, "/api/v1/projects", victim.token), 401, "unauthorized")
    assert_error(get(api.srv, "/api/v1/me", victim.token), 401)
    r = api.srv.request("PATCH", f"/api/v1/users/{victim.id}", acme.people["owner"].token,
                        json_body={"disabled": False})
    assert r.status_code == 200 and r.json()["disabled"] is False
    assert get(api.srv, "/api/v1/projects", victim.token).status_code == 200


def test_disabled_user_cannot_log_in(api, acme):
    email = new_email()
    r = api.srv.request("POST", "/api/v1/users", acme.people["owner"].token,
                        json_body={"email": email, "role": "viewer", "password": "long-enough"})
    uid = r.json()["id"]
    login = {"email": email, "password": "long-enough"}
    session = api.srv.request("POST", "/api/v1/auth/login", json_body=login).json()["token"]
    assert get(api.srv, "/api/v1/me", session).status_code == 200
    api.srv.request("PATCH", f"/api/v1/users/{uid}", acme.people["owner"].token,
                    json_body={"disabled": True})
    assert_error(get(api.srv, "/api/v1/me", session), 401)
    assert_error(api.srv.request("POST", "/api/v1/auth/login", json_body=login), 401)


def test_role_change_applies_at_once(api, acme):
    mgr = acme.people["manager"]
    acme.project(mgr.token)  # allowed, and the scope is cached
    r = api.srv.request("PATCH", f"/api/v1/users/{mgr.id}", acme.people["owner"].token,
                        json_body={"role": "viewer"})
    assert r.status_code == 200 and r.json()["role"] == "viewer"
    r = api.srv.request("POST", "/api/v1/projects", mgr.token,
                        json_body={"name": "x", "schema": {"fields": []}})
    assert_error(r, 403)
    assert get(api.srv, "/api/v1/me", mgr.token).json()["role"] == "viewer"


def test_admin_cannot_touch_an_owner_or_anyone_themselves(api, acme):
    admin, owner = acme.people["admin"], acme.people["owner"]
    for body in ({"disabled": True}, {"role": "viewer"}):
        r = api.srv.request("PATCH", f"/api/v1/users/{owner.id}", admin.token, json_body=body)
        assert_error(r, 403)
    r = api.srv.request("PATCH", f"/api/v1/users/{acme.people['viewer'].id}", admin.token,
                        json_body={"role": "owner"})
    assert_error(r, 403)
    for u in (admin, owner):
        r = api.srv.request("PATCH", f"/api/v1/users/{u.id}", u.token,
                            json_body={"disabled": True})
        assert_error(r, 403)
    assert get(api.srv, "/api/v1/me", owner.token).status_code == 200


def test_patch_user_of_another_tenant_is_404(api, acme):
    other = api.tenant()
    stranger = other.user("viewer")
    r = api.srv.request("PATCH", f"/api/v1/users/{stranger.id}", acme.people["owner"].token,
                        json_body={"disabled": True})
    assert_error(r, 404, "not_found")
    w = api.workforce_annotator()  # the workforce is nobody's to disable
    r = api.srv.request("PATCH", f"/api/v1/users/{w.id}", acme.people["owner"].token,
                        json_body={"disabled": True})
    assert_error(r, 404)
    assert get(api.srv, "/api/v1/me", stranger.token).status_code == 200
    assert get(api.srv, "/api/v1/me", w.token).status_code == 200


BAD_PATCH = [({}, "disabled"), ({"disabled": "yes"}, "disabled"), ({"role": "king"}, "role"),
             ({"disabled": True, "email": "x@y.z"}, "email")]


@pytest.mark.parametrize("body,word", BAD_PATCH, ids=[json.dumps(b) for b, _ in BAD_PATCH])
def test_patch_user_rejects(api, acme, body, word):
    r = api.srv.request("PATCH", f"/api/v1/users/{acme.people['viewer'].id}",
                        acme.people["owner"].token, json_body=body)
    assert_error(r, 400)
    assert word in r.json()["error"]["message"]


# --------------------------------------------------------------- tokens

def make_token(srv, token, **body):
    r = srv.request("POST", "/api/v1/tokens", token, json_body=body)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.parametrize("role", (*STAFF, "annotator", "workforce"))
def test_token_lifecycle_per_role(api, acme, role):
    u = api.workforce_annotator() if role == "workforce" else acme.people[role]
    made = make_token(api.srv, u.token, name="ci", expires_in_days=7)
    assert ID_RE.match(made["id"]) and made["token"].startswith("tly_")
    assert made["name"] == "ci" and made["expires_at"]
    new = made["token"]
    assert get(api.srv, "/api/v1/me", new).json()["id"] == u.id  # works, and is cached
    r = get(api.srv, "/api/v1/tokens", u.token)
    assert r.status_code == 200, r.text
    assert new not in r.text, "the secret is shown again"
    listed = {k["id"]: k for k in r.json()["tokens"]}
    assert made["id"] in listed and len(listed) == 2  # the CLI's and the new one
    k = listed[made["id"]]
    assert k == {"id": made["id"], "user_id": u.id, "name": "ci", "kind": "api",
                 "created_at": k["created_at"], "expires_at": made["expires_at"]}
    r = api.srv.request("DELETE", f"/api/v1/tokens/{made['id']}", u.token)
    assert r.status_code == 204 and r.content == b""
    assert_error(get(api.srv, "/api/v1/me", new), 401)  # at once
    assert_error(api.srv.request("DELETE", f"/api/v1/tokens/{made['id']}", u.token), 404)
    assert made["id"] not in {k["id"] for k in get(api.srv, "/api/v1/tokens", u.token)
                              .json()["tokens"]}


def test_token_defaults_never_expire_and_have_no_name(api, acme):
    made = make_token(api.srv, acme.people["viewer"].token)
    assert made["expires_at"] is None and made["name"] is None


def test_a_token_can_revoke_itself(api, acme):
    made = make_token(api.srv, acme.people["viewer"].token)
    r = api.srv.request("DELETE", f"/api/v1/tokens/{made['id']}", made["token"])
    assert r.status_code == 204
    assert_error(get(api.srv, "/api/v1/me", made["token"]), 401)


BAD_TOKEN = [({"expires_in_days": 0}, "expires_in_days"),
             ({"expires_in_days": 3651}, "expires_in_days"),
             ({"expires_in_days": "7"}, "expires_in_days"),
             ({"name": ""}, "name"), ({"name": "x" * 101}, "name"), ({"name": 5}, "name"),
             ({"scope": "all"}, "scope")]


@pytest.mark.parametrize("body,word", BAD_TOKEN, ids=[json.dumps(b)[:40] for b, _ in BAD_TOKEN])
def test_token_create_rejects(api, acme, body, word):
    r = api.srv.request("POST", "/api/v1/tokens", acme.people["viewer"].token, json_body=body)
    assert_error(r, 400, ERROR_CODES[400])
    assert word in r.json()["error"]["message"]


def test_others_tokens_are_not_yours(api, acme):
    """A non-admin can neither list nor revoke anyone else's tokens; another
    tenant's owner cannot either (404: not revealed)."""
    victim = acme.people["manager"]
    made = make_token(api.srv, victim.token)
    for u in (acme.people["viewer"], api.tenant().user("owner"), api.workforce_annotator()):
        assert_error(api.srv.request("DELETE", f"/api/v1/tokens/{made['id']}", u.token), 404)
        listed = get(api.srv, "/api/v1/tokens", u.token).json()["tokens"]
        assert made["id"] not in {k["id"] for k in listed}
    assert_error(get(api.srv, f"/api/v1/tokens?user_id={victim.id}",
                     acme.people["viewer"].token), 403)
    # another tenant's owner asking by user id sees nothing of ours
    r = get(api.srv, f"/api/v1/tokens?user_id={victim.id}", api.tenant().user("owner").token)
    assert r.status_code == 200 and r.json()["tokens"] == []
    assert get(api.srv, "/api/v1/me", made["token"]).status_code == 200


@pytest.mark.parametrize("role", ("owner", "admin"))
def test_owners_and_admins_manage_their_users_tokens(api, acme, role):
    victim = acme.people["annotator"]
    made = make_token(api.srv, victim.token, name="laptop")
    boss = acme.people[role].token
    r = get(api.srv, f"/api/v1/tokens?user_id={victim.id}", boss)
    assert r.status_code == 200, r.text
    assert made["id"] in {k["id"] for k in r.json()["tokens"]}
    assert all(k["user_id"] == victim.id for k in r.json()["tokens"])
    # without ?user_id=, only the caller's own
    assert made["id"] not in {k["id"] for k in get(api.srv, "/api/v1/tokens", boss)
                              .json()["tokens"]}
    assert get(api.srv, "/api/v1/me", made["token"]).status_code == 200
    assert api.srv.request("DELETE", f"/api/v1/tokens/{made['id']}", boss).status_code == 204
    assert_error(get(api.srv, "/api/v1/me", made["token"]), 401)
    assert get(api.srv, "/api/v1/me", victim.token).status_code == 200  # only that token


def test_admin_cannot_revoke_workforce_tokens(api, acme):
    s = api.setup_project()
    w = api.workforce_annotator()
    api.add_member(s.manager.token, s.pid, w.email)
    made = make_token(api.srv, w.token)
    boss = acme.people["owner"].token
    assert_error(api.srv.request("DELETE", f"/api/v1/tokens/{made['id']}", boss), 404)


def test_unknown_token_id_is_404(api, acme):
    tok = acme.people["owner"].token
    for tid in ("0190b5a0-0000-7000-8000-000000000000", "nope"):
        assert_error(api.srv.request("DELETE", f"/api/v1/tokens/{tid}", tok), 404)


def test_revoking_a_login_session(api, acme):
    email = new_email()
    api.srv.request("POST", "/api/v1/users", acme.people["owner"].token,
                    json_body={"email": email, "role": "viewer", "password": "long-enough"})
    session = api.srv.request("POST", "/api/v1/auth/login",
                              json_body={"email": email, "password": "long-enough"}
                              ).json()["token"]
    listed = get(api.srv, "/api/v1/tokens", session).json()["tokens"]
    assert len(listed) == 1 and listed[0]["name"] is None and listed[0]["expires_at"]
    assert listed[0]["kind"] == "session"
    r = api.srv.request("DELETE", f"/api/v1/tokens/{listed[0]['id']}", session)
    assert r.status_code == 204
    assert_error(get(api.srv, "/api/v1/me", session), 401)


# ---------------------------------------------------------------- names

def test_export_names_own_staff_by_email_and_annotators_by_pseudonym(api):
    """A tenant's own staff who label (here a manager and a viewer added as
    annotator members) appear to it under their email; annotators, the
    workforce's and the tenant's own, stay pseudonyms."""
    s = api.setup_project(n_tasks=4, overlap=4)
    viewer, own_ann = s.tenant.user("viewer"), s.tenant.user("annotator")
    worker = api.workforce_annotator()
    people = [s.manager, viewer, own_ann, worker]
    for u in people:
        api.add_member(s.manager.token, s.pid, u.email)
        n = api.next(u.token, s.pid)
        assert api.submit(u.token, n["task"]["id"], n["lease"]["id"],
                          {"label": "a"}).status_code == 201
    lines, r = api.export(s.manager.token, s.pid)
    names = {a["annotator"] for line in lines for a in line["annotations"]}
    assert {s.manager.email, viewer.email} <= names
    others = names - {s.manager.email, viewer.email}
    assert len(others) == 2 and all(n.startswith("anon-") for n in others), names
    for u in (own_ann, worker):
        assert u.email not in r.text and u.id not in r.text
    csv = api.srv.request("GET", f"/api/v1/projects/{s.pid}/export?format=csv",
                          s.manager.token).text
    assert s.manager.email in csv and worker.email not in csv
    # the CLI export names them the same way
    p = api.srv.cli("export", "--project", s.pid, "--format", "jsonl")
    assert p.stdout == r.text
