"""Every JSON body the API tests receive through Server.request is checked
against the OpenAPI document (src/api/openapi.json): the operation is found
by method and path template, the status must be documented (errors under
"default" carry the Error shape), and a JSON body must fit the response's
schema. Violations are collected and fail the session at its end
(conftest.pytest_sessionfinish), each named with its request."""
import json
import re
from pathlib import Path

import jsonschema

REPO = Path(__file__).resolve().parents[2]
DOC_PATH = REPO / "src" / "api" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class Checker:
    def __init__(self, doc_path=DOC_PATH):
        self.doc = json.loads(Path(doc_path).read_text())
        self.ops = []
        for template, item in self.doc["paths"].items():
            pattern = re.escape(template)
            pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", pattern)
            rx = re.compile("^" + pattern + "$")
            for method in METHODS:
                if method in item:
                    self.ops.append((method.upper(), rx, template, item[method]))
        self.resolver = jsonschema.RefResolver("", self.doc)
        self.violations = []
        self.n_checked = 0

    def operation(self, method, path):
        for m, rx, template, op in self.ops:
            if m == method and rx.match(path):
                return template, op
        return None, None

    def _deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            _, obj = self.resolver.resolve(obj["$ref"])
        return obj

    def check(self, method, path, response):
        path = path.split("?", 1)[0]
        template, op = self.operation(method.upper(), path)
        if op is None:
            return  # an undocumented route: test_openapi.py compares the route lists
        status = response.status_code
        where = f"{method} {path} ({template}) -> {status}"
        documented = op.get("responses", {})
        spec = documented.get(str(status))
        if spec is None and status >= 400:
            spec = documented.get("default")
        if spec is None:
            self.violations.append(f"{where}: status not documented")
            return
        spec = self._deref(spec)
        ctype = response.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype != "application/json" or not response.content:
            return
        schema = (spec.get("content") or {}).get("application/json", {}).get("schema")
        if schema is None:
            self.violations.append(f"{where}: a JSON body where none is documented")
            return
        try:
            body = response.json()
        except ValueError:
            self.violations.append(f"{where}: the body is not JSON")
            return
        self.n_checked += 1
        validator = jsonschema.Draft202012Validator(schema, resolver=self.resolver)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            self.violations.append(
                f"{where}: {e.message[:200]} at {'/'.join(map(str, e.path)) or 'the body'}")
