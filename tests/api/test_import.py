"""Task import: JSON Lines and JSON arrays, the {"data":{...}} wrapper, and
all-or-nothing: one bad line is a 400 naming its line and stores nothing."""
import json

import pytest

from conftest import NDJSON, assert_error

JSON = "application/json"

# id, content type, body, expected status, imported count (201) or a
# substring the 400 message must contain.
IMPORT_CASES = [
    ("ndjson", NDJSON, '{"t":1}\n{"t":2}\n{"t":3}\n', 201, 3),
    ("ndjson-no-final-newline", NDJSON, '{"t":1}\n{"t":2}', 201, 2),
    ("ndjson-blank-lines-ignored", NDJSON, '\n{"t":1}\n\n   \n{"t":2}\n\n', 201, 2),
    ("ndjson-unicode", NDJSON, '{"t":"h\\u00e9llo \\u2713"}\n{"t":"日本語"}\n', 201, 2),
    ("ndjson-nested", NDJSON, '{"a":{"b":[1,2,{"c":null}]},"d":true}\n', 201, 1),
    ("ndjson-wrapper", NDJSON, '{"data":{"t":1}}\n{"data":{"t":2}}\n', 201, 2),
    ("array", JSON, '[{"t":1},{"t":2}]', 201, 2),
    ("array-wrapper", JSON, '[{"data":{"t":1}},{"t":2}]', 201, 2),
    ("bad-line-3-of-4", NDJSON, '{"t":1}\n{"t":2}\n{"t":\n{"t":4}\n', 400, "line 3"),
    ("bad-line-1", NDJSON, 'nope\n{"t":2}\n', 400, "line 1"),
    ("bad-last-line", NDJSON, '{"t":1}\n{"t":2}\n{"t":3', 400, "line 3"),
    ("line-is-a-number", NDJSON, '{"t":1}\n42\n', 400, "line 2"),
    ("line-is-an-array", NDJSON, '{"t":1}\n{"t":2}\n[1,2]\n', 400, "line 3"),
    ("line-is-a-string", NDJSON, '{"t":1}\n"x"\n', 400, "line 2"),
    ("two-objects-one-line", NDJSON, '{"t":1}\n{"t":2} {"t":3}\n', 400, "line 2"),
    ("blank-lines-count", NDJSON, '{"t":1}\n\n\n{bad}\n', 400, "line 4"),
    ("array-malformed", JSON, '[{"t":1},', 400, ""),
    ("array-with-number", JSON, '[{"t":1},2]', 400, ""),
    ("json-object-not-array", JSON, '{"t":1}', 400, ""),
]


@pytest.mark.parametrize("ctype,body,status,expect", [c[1:] for c in IMPORT_CASES],
                         ids=[c[0] for c in IMPORT_CASES])
def test_import(api, ctype, body, status, expect):
    s = api.setup_project(n_tasks=2)  # two tasks before: a failed import keeps them
    tok = s.manager.token
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", tok,
                        data=body.encode(), headers={"Content-Type": ctype})
    if status == 201:
        assert r.status_code == 201, r.text
        assert r.json() == {"imported": expect}
        assert api.counts(tok, s.pid)["tasks"] == 2 + expect
    else:
        assert_error(r, 400, "invalid")
        assert expect in r.json()["error"]["message"], r.json()
        assert api.counts(tok, s.pid)["tasks"] == 2, "a failed import stored something"
        lines, _ = api.export(tok, s.pid)
        assert len(lines) == 2


def test_wrapper_is_unwrapped(api):
    s = api.setup_project(n_annotators=1, tasks=[])
    tok = s.manager.token
    api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", tok,
                    data=b'{"data":{"text":"hello","n":1}}\n',
                    headers={"Content-Type": NDJSON}).raise_for_status()
    n = api.next(s.annotators[0].token, s.pid)
    assert n["task"]["data"] == {"text": "hello", "n": 1}
    lines, _ = api.export(tok, s.pid)
    assert lines[0]["data"] == {"text": "hello", "n": 1}


def test_data_round_trips(api):
    tasks = [{"text": "a \"quoted\" \\ line\nwith newline", "meta": {"n": 3, "f": 1.5,
              "l": [None, True, False], "u": "\u00e9\u2713"}}]
    s = api.setup_project(tasks=tasks, n_annotators=1)
    n = api.next(s.annotators[0].token, s.pid)
    assert n["task"]["data"] == tasks[0]
    lines, _ = api.export(s.manager.token, s.pid)
    assert lines[0]["data"] == tasks[0]


def test_bad_line_in_a_large_import_stores_nothing(api):
    s = api.setup_project(tasks=[])
    tok = s.manager.token
    lines = [json.dumps({"text": f"item {i}", "n": i}) for i in range(5000)]
    lines[3999] = '{"text": "broken", '
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", tok,
                        data=("\n".join(lines) + "\n").encode(),
                        headers={"Content-Type": NDJSON})
    assert_error(r, 400, "invalid")
    assert "line 4000" in r.json()["error"]["message"], r.json()
    assert api.counts(tok, s.pid)["tasks"] == 0


def test_import_accepts_more_than_the_small_cap(api):
    """The import cap (64 MiB default) is not the 1 MiB cap of other bodies."""
    s = api.setup_project(tasks=[])
    tok = s.manager.token
    pad = "x" * 1000
    body = "".join(json.dumps({"text": pad, "n": i}) + "\n" for i in range(2100))  # ~2.1 MiB
    assert len(body) > 2 * 1024 * 1024
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", tok,
                        data=body.encode(), headers={"Content-Type": NDJSON})
    assert r.status_code == 201, r.text[:500]
    assert r.json() == {"imported": 2100}
    assert api.counts(tok, s.pid)["tasks"] == 2100
