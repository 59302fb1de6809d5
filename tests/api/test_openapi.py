"""GET /api/v1/openapi.json: the document the binary serves is
src/api/openapi.json, it is OpenAPI 3.1, and it lists exactly the routes of
the route table (`tally routes`). That every JSON body the other API tests
see fits its schemas is checked by conftest (openapi_check.py)."""
import json
import re

from conftest import REPO, run_cli
from openapi_check import METHODS, Checker


def routes():
    proc = run_cli("routes")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["routes"]


def test_served_document_is_the_file(server):
    r = server.request("GET", "/api/v1/openapi.json")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == json.loads((REPO / "src" / "api" / "openapi.json").read_text())


def test_every_route_documented_and_nothing_else():
    doc = Checker().doc
    assert doc["openapi"].startswith("3.1")
    documented = set()
    for template, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                documented.add((method.upper(), re.sub(r"\{[^}]*\}", "{}", template)))
    table = {(rt["method"], rt["pattern"]) for rt in routes()}
    assert table - documented == set(), "routes missing from the document"
    assert documented - table == set(), "documented routes the server does not have"


def test_operations_are_complete():
    """Each operation: a summary, a success status, the Error shape for
    refusals, its path parameters declared; public routes say so."""
    checker = Checker()
    public = {(rt["method"], rt["pattern"]) for rt in routes() if rt["public"]}
    for method, _, template, op in checker.ops:
        where = f"{method} {template}"
        assert op.get("summary"), where
        statuses = op["responses"]
        assert any(s.startswith("2") for s in statuses), where
        assert statuses.get("default") == {"$ref": "#/components/responses/Error"}, where
        params = {p["name"] for p in checker.doc["paths"][template].get("parameters", [])}
        params |= {p["name"] for p in op.get("parameters", [])}
        assert set(re.findall(r"\{([^}]*)\}", template)) <= params, where
        is_public = (method, re.sub(r"\{[^}]*\}", "{}", template)) in public
        assert (op.get("security") == []) == is_public, where


def test_schemas_resolve():
    """Every $ref in the document points at something."""
    checker = Checker()

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                checker.resolver.resolve(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(checker.doc)
