"""Health, project create/list/get with counts, and project validation."""
import json
import re
from datetime import datetime, timezone

import pytest

from conftest import (CHOICE_AB, ID_RE, RFC3339_UTC_RE, assert_error, unique)


def test_healthz(server):
    r = server.request("GET", "/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert r.headers["Content-Type"].startswith("application/json")


FULL_SCHEMA = {"fields": [
    {"name": "label", "type": "choice", "options": ["pos", "neg", "neutral"]},
    {"name": "tags", "type": "multichoice", "options": ["x", "y"], "required": False},
    {"name": "note", "type": "text", "max_length": 50, "required": False},
    {"name": "score", "type": "number", "min": 0, "max": 1, "required": False},
    {"name": "stars", "type": "rating", "min": 1, "max": 5},
]}


def test_project_create_get_list(api):
    t = api.tenant()
    mgr = t.user("manager")
    name = unique("sentiment")
    body = {"name": name, "schema": FULL_SCHEMA, "overlap": 2, "lease_seconds": 600}
    before = datetime.now(timezone.utc).replace(microsecond=0)
    r = api.srv.request("POST", "/api/v1/projects", mgr.token, json_body=body)
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"id"}
    pid = r.json()["id"]
    assert ID_RE.match(pid), pid

    p = api.project(mgr.token, pid)
    assert set(p) == {"id", "name", "schema", "overlap", "lease_seconds",
                      "max_leases_per_annotator", "created_at", "counts", "instructions",
                      "allow_edits", "archived",
                      # quality (core): docs/quality-projects.md
                      "gold_rate", "qualification", "max_overlap", "confidence_target",
                      "quality"}, p
    assert p["id"] == pid and p["name"] == name
    assert p["schema"] == FULL_SCHEMA
    assert p["overlap"] == 2 and p["lease_seconds"] == 600
    assert RFC3339_UTC_RE.match(p["created_at"]), p["created_at"]
    created = datetime.fromisoformat(p["created_at"].replace("Z", "+00:00"))
    assert abs((created - before).total_seconds()) < 120
    assert p["counts"] == {"tasks": 0, "annotations": 0, "completed_tasks": 0}

    r = api.srv.request("GET", "/api/v1/projects", mgr.token)
    assert r.status_code == 200, r.text
    listed = r.json()["projects"]
    # the list adds the caller's member role (none: a manager is staff)
    assert [q for q in listed if q["id"] == pid] == [{**p, "member_role": None}]


def test_project_create_with_instructions(api):
    """Instructions come with the create call (as PATCH takes them, same
    limit), so the project is never listed without them."""
    mgr = api.tenant().user("manager")
    body = {"name": unique("instr"), "schema": {"fields": [CHOICE_AB]},
            "instructions": "Pick **a** unless unsure. ✓"}
    r = api.srv.request("POST", "/api/v1/projects", mgr.token, json_body=body)
    assert r.status_code == 201, r.text
    assert api.project(mgr.token, r.json()["id"])["instructions"] == body["instructions"]
    r = api.srv.request("POST", "/api/v1/projects", mgr.token,
                        json_body={**body, "instructions": "x" * (64 * 1024)})
    assert r.status_code == 201, r.text
    for wrong in ("x" * (64 * 1024 + 1), 5, None, ["a"]):
        r = api.srv.request("POST", "/api/v1/projects", mgr.token,
                            json_body={**body, "instructions": wrong})
        assert_error(r, 400)
        assert "instructions must be a string of 0..65536 bytes" in r.json()["error"]["message"]
    # without them: empty, as before
    r = api.srv.request("POST", "/api/v1/projects", mgr.token,
                        json_body={"name": unique("plain"), "schema": {"fields": [CHOICE_AB]}})
    assert api.project(mgr.token, r.json()["id"])["instructions"] == ""


def test_project_list_only_own_tenant(api):
    a, b = api.tenant(), api.tenant()
    ma, mb = a.user("manager"), b.user("manager")
    pa = a.project(ma.token)
    pb = b.project(mb.token)
    ids_a = {p["id"] for p in api.srv.request("GET", "/api/v1/projects", ma.token)
             .json()["projects"]}
    ids_b = {p["id"] for p in api.srv.request("GET", "/api/v1/projects", mb.token)
             .json()["projects"]}
    assert ids_a == {pa}
    assert ids_b == {pb}


def test_counts_follow_the_work(api):
    s = api.setup_project(n_tasks=3, overlap=2, n_annotators=2)
    tok = s.manager.token
    assert api.counts(tok, s.pid) == {"tasks": 3, "annotations": 0, "completed_tasks": 0}
    a1, a2 = s.annotators
    n1 = api.next(a1.token, s.pid)
    assert api.submit(a1.token, n1["task"]["id"], n1["lease"]["id"],
                      {"label": "a"}).status_code == 201
    assert api.counts(tok, s.pid) == {"tasks": 3, "annotations": 1, "completed_tasks": 0}
    # a2 must be offered work; finish the task a1 started if that is what comes
    n2 = api.next(a2.token, s.pid)
    assert n2 is not None
    assert api.submit(a2.token, n2["task"]["id"], n2["lease"]["id"],
                      {"label": "b"}).status_code == 201
    want_completed = 1 if n2["task"]["id"] == n1["task"]["id"] else 0
    assert api.counts(tok, s.pid) == {"tasks": 3, "annotations": 2,
                                      "completed_tasks": want_completed}
    # the list carries the same counts as the get
    listed = api.srv.request("GET", "/api/v1/projects", tok).json()["projects"]
    assert listed[0]["counts"] == api.counts(tok, s.pid)


def _project_body(**over):
    body = {"name": "p", "schema": {"fields": [CHOICE_AB]}, "overlap": 1, "lease_seconds": 60}
    for k, v in over.items():
        if v is _DROP:
            body.pop(k)
        else:
            body[k] = v
    return body


_DROP = object()

# Bodies POST /api/v1/projects must refuse with 400 "invalid" (bad fields).
BAD_PROJECTS = [
    ("name-missing", _project_body(name=_DROP)),
    ("name-empty", _project_body(name="")),
    ("name-number", _project_body(name=5)),
    ("overlap-zero", _project_body(overlap=0)),
    ("overlap-negative", _project_body(overlap=-1)),
    ("overlap-string", _project_body(overlap="2")),
    ("overlap-float", _project_body(overlap=1.5)),
    ("lease-zero", _project_body(lease_seconds=0)),
    ("lease-string", _project_body(lease_seconds="60")),
    ("schema-missing", _project_body(schema=_DROP)),
    ("schema-not-object", _project_body(schema=[])),
    ("fields-not-array", _project_body(schema={"fields": {}})),
    ("field-unknown-type", _project_body(schema={"fields": [
        {"name": "x", "type": "bogus"}]})),
    ("choice-without-options", _project_body(schema={"fields": [
        {"name": "x", "type": "choice"}]})),
    ("choice-empty-options", _project_body(schema={"fields": [
        {"name": "x", "type": "choice", "options": []}]})),
    ("rating-without-bounds", _project_body(schema={"fields": [
        {"name": "x", "type": "rating"}]})),
    ("field-without-name", _project_body(schema={"fields": [
        {"type": "text"}]})),
    ("duplicate-field-names", _project_body(schema={"fields": [
        CHOICE_AB, CHOICE_AB]})),
    # A misspelt key used to be ignored, leaving a field without its option.
    ("field-unknown-key", _project_body(schema={"fields": [
        {"name": "x", "type": "text", "max_lenght": 5}]})),
    ("schema-unknown-key", _project_body(schema={"fields": [CHOICE_AB], "field": []})),
    ("spans-without-source", _project_body(schema={"fields": [
        {"name": "x", "type": "spans", "labels": ["A"]}]})),
]


@pytest.mark.parametrize("body", [c[1] for c in BAD_PROJECTS], ids=[c[0] for c in BAD_PROJECTS])
def test_project_create_rejects_bad_fields(api, body):
    t = api.tenant()
    mgr = t.user("manager")
    r = api.srv.request("POST", "/api/v1/projects", mgr.token, json_body=body)
    assert_error(r, 400, "invalid")
    listed = api.srv.request("GET", "/api/v1/projects", mgr.token).json()["projects"]
    assert listed == []


def test_unknown_project_is_404(api):
    t = api.tenant()
    mgr = t.user("manager")
    for pid in ("0190b5a0-0000-7000-8000-000000000000", "nope", "1"):
        r = api.srv.request("GET", f"/api/v1/projects/{pid}", mgr.token)
        assert_error(r, 404, "not_found")


def test_project_response_is_json_with_error_shape(api):
    r = api.srv.request("GET", "/api/v1/projects")
    assert r.headers["Content-Type"].startswith("application/json")
    assert_error(r, 401, "unauthorized")
    assert json.loads(r.text)["error"]["message"]
    assert re.search(r"\S", r.json()["error"]["message"])
