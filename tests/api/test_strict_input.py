"""Issue 8, strict and helpful input: unknown body keys and query parameters
are refused (400 naming them), wrong types say what was expected, range and
option errors state the range or the options, and a known path with another
method is 405 with an Allow header. Parametrized over `tally routes` where
the rule is route-independent, so a new route is covered without a new test."""
import json
import re

import pytest
import requests

from conftest import CHOICE_AB, HTTP_TIMEOUT, Api, assert_error, run_cli, unique
from quality_db import insert_flag, insert_review

FAKE_ID = "0190b5a0-0000-7000-8000-000000000000"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _routes():
    proc = run_cli("routes")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["routes"]


ROUTES = _routes()
ROUTE_IDS = [f"{r['method']} {r['pattern']}" for r in ROUTES]
# Routes whose body is JSON (imports, uploads and the XML convert are not).
NOT_JSON = {("POST", "/api/v1/projects/{}/tasks"), ("POST", "/api/v1/projects/{}/files"),
            ("POST", "/api/v1/schemas/convert")}
JSON_ROUTES = [r for r in ROUTES
               if (r["method"] in ("POST", "PUT", "PATCH") or
                   (r["method"], r["pattern"]) == ("DELETE", "/api/v1/projects/{}/tasks"))
               and (r["method"], r["pattern"]) not in NOT_JSON]


def message(r):
    return r.json()["error"]["message"]


def refused(r, *words):
    assert_error(r, 400, "invalid")
    for w in words:
        assert w in message(r), (w, r.text)


@pytest.fixture(scope="module")
def world(server):
    """A tenant with an owner and a manager, a project with tasks, an
    annotator holding a lease and one who has submitted an annotation."""
    api = Api(server)
    s = api.setup_project(n_tasks=4, overlap=1, n_annotators=2)
    owner = s.tenant.user("owner")
    holder, author = s.annotators
    lease = api.next(holder.token, s.pid)
    done = api.next(author.token, s.pid)
    r = api.submit(author.token, done["task"]["id"], done["lease"]["id"], {"label": "a"})
    assert r.status_code == 201, r.text
    # quality: a flag of the author's (only they may appeal it) and a review
    # of the labeled task, for the routes whose {} names one
    flag_id = insert_flag(server, s.pid, author.id)
    review_id = insert_review(server, done["task"]["id"])
    return {"api": api, "s": s, "owner": owner, "holder": holder, "author": author,
            "lease": lease, "annotation_id": r.json()["id"], "flag_id": flag_id,
            "review_id": review_id}


def concrete(rt, w):
    """The route's pattern with real ids, and a token allowed to call it."""
    s = w["s"]
    first = {"project": s.pid, "task": w["lease"]["task"]["id"],
             "lease": w["lease"]["lease"]["id"], "annotation": w["annotation_id"],
             "flag": w["flag_id"], "review": w["review_id"]}.get(rt["object"], FAKE_ID)
    if rt["pattern"].startswith("/api/v1/users/"):
        first = w["owner"].id
    path = rt["pattern"].replace("{}", first, 1)
    path = path.replace("{}", w["holder"].id if "/members/" in path else FAKE_ID, 1)
    if rt["public"]:
        token = None
    elif rt["pattern"] == "/api/v1/flags/{}/appeal":
        token = w["author"].token  # the flagged annotator's alone
    elif "owner" in rt["tenant_roles"]:
        token = w["owner"].token
    else:  # the labeling routes: the holder of the lease, the author of the annotation
        token = (w["author"] if rt["object"] == "annotation" else w["holder"]).token
    return path, token


# ------------------------------------------------------------ unknown keys

@pytest.mark.parametrize("rt", JSON_ROUTES, ids=[f"{r['method']} {r['pattern']}"
                                                 for r in JSON_ROUTES])
def test_unknown_body_key_is_refused_by_name(world, rt):
    path, token = concrete(rt, world)
    r = world["api"].srv.request(rt["method"], path, token, json_body={"bogus_key": 1})
    refused(r, "unknown key 'bogus_key'")


def test_misspelt_overlap_is_refused_and_nothing_is_created(world):
    api, owner = world["api"], world["owner"]
    before = api.srv.request("GET", "/api/v1/projects", owner.token).json()["projects"]
    r = api.srv.request("POST", "/api/v1/projects", owner.token,
                        json_body={"name": unique("p"), "schema": {"fields": [CHOICE_AB]},
                                   "overlapp": 3})
    refused(r, "unknown key 'overlapp'")
    after = api.srv.request("GET", "/api/v1/projects", owner.token).json()["projects"]
    assert len(after) == len(before)


def test_next_takes_no_body_or_an_empty_object(world):
    api, s = world["api"], world["s"]
    holder = world["holder"]
    path = f"/api/v1/projects/{s.pid}/next"
    for kw in ({}, {"json_body": {}}):
        r = api.srv.request("POST", path, holder.token, **kw)
        assert r.status_code in (200, 204), r.text
    refused(api.srv.request("POST", path, holder.token, json_body={"limit": 2}),
            "unknown key 'limit'")


# ------------------------------------------------------- query parameters

@pytest.mark.parametrize("rt", ROUTES, ids=ROUTE_IDS)
def test_unknown_query_parameter_is_refused_on_every_route(server, rt):
    """Checked against the route table before authentication: no token needed."""
    path = rt["pattern"].replace("{}", FAKE_ID)
    r = server.request(rt["method"], path + "?bogus=1")
    refused(r, "unknown query parameter 'bogus'")
    takes = ", ".join(rt["query"]) if rt["query"] else "takes none"
    assert takes in message(r)


@pytest.mark.parametrize("rt", [r for r in ROUTES if r["query"]],
                         ids=[i for i, r in zip(ROUTE_IDS, ROUTES) if r["query"]])
def test_repeated_or_valueless_query_parameter_is_refused(server, rt):
    path = rt["pattern"].replace("{}", FAKE_ID)
    name = rt["query"][0]
    refused(server.request(rt["method"], f"{path}?{name}=1&{name}=2"), f"'{name}'",
            "more than once")
    refused(server.request(rt["method"], f"{path}?{name}"), f"'{name}'", "needs a value")


def test_route_query_lists():
    got = {(r["method"], r["pattern"]): r["query"] for r in ROUTES if r["query"]}
    assert got == {
        ("GET", "/api/v1/projects/{}/export"): ["format"],
        ("GET", "/api/v1/tokens"): ["user_id"],
        ("GET", "/api/v1/projects/{}/tasks"): ["limit", "cursor", "state"],
        ("GET", "/api/v1/projects/{}/webhooks/{}/deliveries"): ["limit"],
        ("GET", "/api/v1/projects/{}/stats"): ["bucket"],
        ("GET", "/api/v1/projects/{}/aggregates"): ["limit", "cursor"],
        ("GET", "/api/v1/projects/{}/reviews"): ["status", "limit", "cursor"],
    }


def test_projects_list_refuses_limit(world):
    r = world["api"].srv.request("GET", "/api/v1/projects?limit=5", world["owner"].token)
    refused(r, "'limit'", "takes none")


def test_export_takes_format_only(world):
    api, s, owner = world["api"], world["s"], world["owner"]
    base = f"/api/v1/projects/{s.pid}/export"
    assert api.srv.request("GET", base + "?format=jsonl", owner.token).status_code == 200
    refused(api.srv.request("GET", base + "?format=jsonl&limit=5", owner.token), "'limit'",
            "takes: format")
    refused(api.srv.request("GET", base + "?format=xml", owner.token), "format must be one of")


def test_known_parameters_with_bad_values_say_what_is_expected(world):
    api, s, owner = world["api"], world["s"], world["owner"]
    tasks = f"/api/v1/projects/{s.pid}/tasks"
    refused(api.srv.request("GET", tasks + "?limit=x", owner.token),
            "limit must be an integer in 1..1000")
    refused(api.srv.request("GET", tasks + "?state=done", owner.token),
            "state must be one of open, complete, gold")


# ------------------------------------------------------------ wrong types

def _bodies(w):
    s = w["s"]
    task_id = w["lease"]["task"]["id"]
    schema = {"fields": [CHOICE_AB]}
    email = w["holder"].email
    owner, holder = w["owner"].token, w["holder"].token
    projects, members = "/api/v1/projects", f"/api/v1/projects/{s.pid}/members"
    annotations = f"/api/v1/tasks/{task_id}/annotations"
    lease = w["lease"]["lease"]["id"]
    return [
        ("POST", projects, owner, {"schema": schema}, "name is required"),
        ("POST", projects, owner, {"name": 5, "schema": schema}, "name must be a string"),
        ("POST", projects, owner, {"name": "x"}, "schema is required"),
        ("POST", projects, owner, {"name": "x", "schema": 5}, "schema must be an object"),
        ("POST", projects, owner, {"name": "x", "schema": schema, "overlap": "3"},
         "overlap must be an integer in 1..100"),
        ("POST", projects, owner, {"name": "x", "schema": schema, "overlap": 0},
         "overlap must be an integer in 1..100"),
        ("POST", projects, owner, {"name": "x", "schema": schema, "lease_seconds": None},
         "lease_seconds must be an integer in 1.."),
        ("PATCH", f"{projects}/{s.pid}", owner, {"overlap": 101},
         "overlap must be an integer in 1..100"),
        ("POST", members, owner, {}, "email is required"),
        ("POST", members, owner, {"email": 5}, "email must be a non-empty string"),
        ("POST", members, owner, {"email": email, "role": "owner"},
         "role must be one of annotator, reviewer"),
        ("POST", members, owner, {"email": email, "role": 5},
         "role must be one of annotator, reviewer"),
        ("PATCH", f"{members}/{w['holder'].id}", owner, {"role": "boss"},
         "role must be one of annotator, reviewer"),
        ("POST", annotations, holder, {"lease_id": 5, "result": {"label": "a"}},
         "lease_id must be a string"),
        ("POST", annotations, holder, {"result": {"label": "a"}}, "lease_id is required"),
        ("POST", annotations, holder, {"lease_id": lease}, "result is required"),
        ("POST", "/api/v1/auth/login", None, {"email": 5, "password": "x"},
         "email must be a string"),
        ("POST", "/api/v1/auth/login", None, {"password": "x"}, "email is required"),
        ("POST", "/api/v1/auth/login", None, {"email": "a@example.test", "password": 5},
         "password must be a string"),
        ("POST", f"/api/v1/leases/{lease}/release", holder, {"reason": 5},
         "reason must be a string of 1..500 bytes"),
        ("POST", f"/api/v1/projects/{s.pid}/webhooks", owner,
         {"url": 5, "events": ["task.completed"]}, "url must be a string"),
        ("POST", f"/api/v1/projects/{s.pid}/webhooks", owner,
         {"url": "https://example.com/h", "events": ["nope"]}, "must be one of"),
        ("DELETE", f"{projects}/{s.pid}/tasks", owner, {"ids": "x"}, "ids must be an array"),
        ("POST", "/api/v1/tokens", owner, {"expires_in_days": 0},
         "expires_in_days must be an integer in 1..3650"),
    ]


CASES = 24


@pytest.mark.parametrize("i", range(CASES))
def test_wrong_types_and_ranges_say_what_was_expected(world, i):
    cases = _bodies(world)
    assert len(cases) == CASES
    method, path, token, body, want = cases[i]
    refused(world["api"].srv.request(method, path, token, json_body=body), want)


# --------------------------------------------------------------- 405 Allow

def _pattern_rx(pattern):
    return re.compile("^" + re.escape(pattern).replace(r"\{\}", "[^/]+") + "$")


PATHS = sorted({r["pattern"] for r in ROUTES})


@pytest.mark.parametrize("pattern", PATHS)
def test_other_methods_are_405_with_allow(server, pattern):
    path = pattern.replace("{}", FAKE_ID)
    allowed = [r["method"] for r in ROUTES if _pattern_rx(r["pattern"]).match(path)]
    for method in METHODS:
        if method in allowed:
            continue
        r = requests.request(method, server.url + path, timeout=HTTP_TIMEOUT)
        assert_error(r, 405, "method_not_allowed")
        got = [m.strip() for m in r.headers["Allow"].split(",")]
        assert sorted(got) == sorted(set(allowed)), (method, path, r.headers["Allow"])
        assert r.headers["Allow"] in message(r)


def test_schemas_convert_delete_is_405_allow_post(server):
    r = server.request("DELETE", "/api/v1/schemas/convert")
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "POST"


def test_unknown_path_is_404_without_allow(server):
    r = server.request("DELETE", "/api/v1/nothing/here")
    assert_error(r, 404, "not_found")
    assert "Allow" not in r.headers


def test_allowed_methods_carry_no_allow_header(server):
    r = server.request("GET", "/healthz")
    assert r.status_code == 200 and "Allow" not in r.headers
