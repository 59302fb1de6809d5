"""Task import: JSON Lines and JSON arrays, the {"data":{...}} wrapper, and
all-or-nothing: one bad line is a 400 naming its line and stores nothing."""
import json
import socket
import sqlite3
import time

import pytest

from conftest import HTTP_TIMEOUT, NDJSON, Api, assert_error

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


# ---- issue 6: the import route under attack -------------------------------

MIB = 1024 * 1024


def _rss_kib(srv):
    with open(f"/proc/{srv.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _open_upload(srv, path, token, content_type, total_len, first=b""):
    """Send a POST's headers (and `first` body bytes) on a raw socket and
    leave it open; the caller sends the rest or closes it."""
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=HTTP_TIMEOUT)
    hdr = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{srv.port}",
           f"Content-Type: {content_type}", f"Content-Length: {total_len}",
           "Connection: close"]
    if token:
        hdr.append(f"Authorization: Bearer {token}")
    sock.sendall(("\r\n".join(hdr) + "\r\n\r\n").encode() + first)
    return sock


def _read_response(sock):
    data = b""
    try:
        while True:
            got = sock.recv(65536)
            if not got:
                break
            data += got
    except (ConnectionResetError, socket.timeout):
        pass
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else None
    return status, head.decode(errors="replace"), body


def _staged_rows(srv):
    db = sqlite3.connect(f"file:{srv.data}/tally.db?mode=ro", uri=True, timeout=10)
    try:
        return db.execute("SELECT count(*) FROM import_staging").fetchone()[0]
    finally:
        db.close()


def test_weakness3_unauthenticated_upload_is_refused_before_its_body(own_server):
    """A 30 MB upload without a token is answered 401 from its headers alone,
    and the server does not grow by the body (it used to buffer 64 MiB)."""
    srv = own_server()
    api = Api(srv)
    s = api.setup_project(tasks=[])
    rss_before = _rss_kib(srv)
    socks = []
    for _ in range(4):
        sock = _open_upload(srv, f"/api/v1/projects/{s.pid}/tasks", None, NDJSON, 30 * MIB)
        sock.settimeout(5)
        head = sock.recv(4096)  # the answer comes before any body byte is sent
        assert head.startswith(b"HTTP/1.1 401"), head[:200]
        socks.append(sock)
    pad = b'{"t":"' + b"x" * (MIB - 10) + b'"}\n'
    for sock in socks:  # send the body anyway, as an attacker would
        try:
            for _ in range(30):
                sock.sendall(pad)
        except OSError:
            pass
        sock.close()
    grown = _rss_kib(srv) - rss_before
    assert grown < 20 * 1024, f"server grew by {grown} KiB after refused uploads"
    assert api.counts(s.manager.token, s.pid)["tasks"] == 0


@pytest.mark.parametrize("ctype,body,status", [
    ("application/jsonfoo", '[{"t":1}]', 415),
    ("application/json-seq", '[{"t":1}]', 415),
    ("application/jsonl2", '{"t":1}\n', 415),
    ("text/plain", '{"t":1}\n', 415),
    ("application/json; charset=utf-8", '[{"t":1}]', 201),
    ("Application/JSON", '[{"t":1}]', 201),
    ("application/x-ndjson; charset=utf-8", '{"t":1}\n{"t":2}\n', 201),
    ("application/jsonl", '{"t":1}\n{"t":2}\n', 201),  # lines, not an array
    ("APPLICATION/JSONL", '{"t":1}\n', 201),
], ids=["jsonfoo", "json-seq", "jsonl2", "text-plain", "json-charset", "json-case",
        "ndjson-charset", "jsonl-is-lines", "jsonl-case"])
def test_media_types_match_exactly(api, ctype, body, status):
    s = api.setup_project(tasks=[])
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", s.manager.token,
                        data=body.encode(), headers={"Content-Type": ctype})
    assert r.status_code == status, r.text
    if status == 415:
        assert_error(r, 415, "unsupported_media_type")
        assert api.counts(s.manager.token, s.pid)["tasks"] == 0
    else:
        assert r.json()["imported"] == body.count("{")


@pytest.mark.parametrize("ctype", [NDJSON, JSON])
def test_weakness8_1e300_values_are_not_too_large(api, ctype):
    """20 KB of 1e300 values (about 4.6 times larger once re-encoded) used to
    be refused as too large: only the bytes received count."""
    s = api.setup_project(tasks=[])
    items = [json.dumps({"v": [1e300] * 30}).replace("1e+300", "1e300") for _ in range(100)]
    body = "\n".join(items) + "\n" if ctype == NDJSON else "[" + ",".join(items) + "]"
    assert len(body) >= 20000 and "1e300" in body
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", s.manager.token,
                        data=body.encode(), headers={"Content-Type": ctype})
    assert r.status_code == 201, r.text
    assert r.json() == {"imported": 100}
    lines, _ = api.export(s.manager.token, s.pid)
    assert lines[0]["data"] == {"v": [1e300] * 30}


def _big_body(n, pad=900, ctype=NDJSON, bad_at=None):
    items = [json.dumps({"n": i, "text": "y" * pad}) for i in range(n)]
    if bad_at is not None:
        items[bad_at] = '{"n": "broken",'
    if ctype == NDJSON:
        return ("\n".join(items) + "\n").encode()
    return ("[" + ",\n".join(items) + "]").encode()


@pytest.mark.parametrize("ctype", [NDJSON, JSON])
def test_weakness7_multi_batch_import_keeps_order_and_counts(api, ctype):
    """An import of several batches (2 MiB each) lands whole, in order."""
    s = api.setup_project(tasks=[{"before": True}])
    body = _big_body(7000, ctype=ctype)
    assert len(body) > 3 * 2 * MIB
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", s.manager.token,
                        data=body, headers={"Content-Type": ctype})
    assert r.status_code == 201, r.text[:300]
    assert r.json() == {"imported": 7000}
    assert api.counts(s.manager.token, s.pid)["tasks"] == 7001
    lines, _ = api.export(s.manager.token, s.pid)
    assert [x["data"].get("n") for x in lines[1:]] == list(range(7000))
    deadline = time.monotonic() + 5
    while _staged_rows(api.srv) and time.monotonic() < deadline:
        time.sleep(0.05)  # the staged copies are cleared after the answer
    assert _staged_rows(api.srv) == 0


@pytest.mark.parametrize("ctype", [NDJSON, JSON])
def test_weakness7_bad_item_after_staged_batches_stores_nothing(api, ctype):
    """All or nothing across batches: a bad item near the end of a 6 MiB body
    leaves no task and no staged row behind."""
    s = api.setup_project(tasks=[{"before": True}])
    body = _big_body(7000, ctype=ctype, bad_at=6500)
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", s.manager.token,
                        data=body, headers={"Content-Type": ctype})
    assert_error(r, 400, "invalid")
    assert ("line 6501" if ctype == NDJSON else "item 6501") in r.json()["error"]["message"]
    assert api.counts(s.manager.token, s.pid)["tasks"] == 1
    deadline = time.monotonic() + 5
    while _staged_rows(api.srv) and time.monotonic() < deadline:
        time.sleep(0.05)  # the delete is queued, not awaited
    assert _staged_rows(api.srv) == 0


def test_weakness7_client_gone_mid_import_stores_nothing(api):
    s = api.setup_project(tasks=[])
    body = _big_body(9000)
    sock = _open_upload(api.srv, f"/api/v1/projects/{s.pid}/tasks", s.manager.token, NDJSON,
                        len(body), first=body[: len(body) * 2 // 3])
    time.sleep(0.5)  # some batches are staged by now
    sock.close()
    deadline = time.monotonic() + 10
    while _staged_rows(api.srv) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _staged_rows(api.srv) == 0
    assert api.counts(s.manager.token, s.pid)["tasks"] == 0


def test_weakness7_concurrent_imports_are_capped(own_server):
    """Two imports run at once; a third is refused with 429 and Retry-After,
    and once one ends another may start."""
    srv = own_server()
    api = Api(srv)
    s = api.setup_project(tasks=[])
    path = f"/api/v1/projects/{s.pid}/tasks"
    first = b'{"t":1}\n'
    rest = b'{"t":2}\n'
    held = [_open_upload(srv, path, s.manager.token, NDJSON, len(first) + len(rest), first)
            for _ in range(2)]
    time.sleep(0.5)  # both have sent body bytes: both hold a slot
    r = srv.request("POST", path, s.manager.token, data=b'{"t":3}\n',
                    headers={"Content-Type": NDJSON})
    assert r.status_code == 429, r.text
    assert_error(r, 429)
    assert int(r.headers["Retry-After"]) >= 1
    held[0].sendall(rest)
    status, head, body = _read_response(held[0])
    assert status == 201, head + body.decode(errors="replace")
    r = srv.request("POST", path, s.manager.token, data=b'{"t":3}\n',
                    headers={"Content-Type": NDJSON})
    assert r.status_code == 201, r.text
    held[1].sendall(rest)
    status, head, body = _read_response(held[1])
    assert status == 201, head
    assert api.counts(s.manager.token, s.pid)["tasks"] == 5


def test_weakness7_stale_staged_rows_are_deleted_at_start(own_server):
    srv = own_server()
    api = Api(srv)
    s = api.setup_project(tasks=[{"t": 1}])
    srv.stop()
    db = sqlite3.connect(f"{srv.data}/tally.db", timeout=10)
    db.execute("INSERT INTO import_staging(import_id, id, project_pk, tenant_pk, data,"
               " created_at) VALUES(7, 'stale', 1, 1, '{}', 0)")
    db.commit()
    db.close()
    assert _staged_rows(srv) == 1
    srv.start()
    assert _staged_rows(srv) == 0
    assert api.counts(s.manager.token, s.pid)["tasks"] == 1


def test_chunked_import_over_the_cap_is_answered_413(own_server):
    """A chunked body that passes --max-import-body mid-stream gets its 413
    once the body is over; libmicrohttpd dropped a 413 queued mid-body, and
    the client waited for ever. Nothing is stored."""
    srv = own_server(["--max-import-body", "4096"])
    api = Api(srv)
    s = api.setup_project(tasks=[])

    def body():
        for i in range(2000):
            yield b'{"n":%d}\n' % i

    r = srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", s.manager.token, data=body(),
                    headers={"Content-Type": NDJSON})
    assert_error(r, 413, "too_large")
    assert api.counts(s.manager.token, s.pid)["tasks"] == 0


CSV = "text/csv"

# id, body, expected status, imported count (201) or a substring of the 400.
CSV_CASES = [
    ("crlf", "text,n\r\nhello,1\r\nworld,2\r\n", 201, 2),
    ("lf-no-final-newline", "text,n\nhello,1\nworld,2", 201, 2),
    ("bom", "\ufefftext,n\nhello,1\n", 201, 1),
    ("quoted", 'text,n\n"a, ""b""\nc",1\n', 201, 1),
    ("blank-lines", "text\n\nx\n\ny\n\n", 201, 2),
    ("short-row", "a,b\n1,2\n3\n", 400, "line 3: 1 fields, the header has 2"),
    ("long-row", "a,b\n1,2,3\n", 400, "line 2: 3 fields"),
    ("duplicate-header", "a,b,a\n1,2,3\n", 400, "line 1: column 3 repeats"),
    ("empty-header", "a,\n1,2\n", 400, "line 1: column 2 has an empty name"),
    ("unclosed-quote", 'a\n1\n"x\n', 400, "line 3: a quoted field is not closed"),
    ("after-quote", 'a\n"x"y\n', 400, "line 2: text after a closing quote"),
    ("header-only", "a,b\n", 400, "no tasks"),
]


@pytest.mark.parametrize("body,status,expect", [c[1:] for c in CSV_CASES],
                         ids=[c[0] for c in CSV_CASES])
def test_import_csv(api, body, status, expect):
    s = api.setup_project(n_tasks=2)
    tok = s.manager.token
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", tok,
                        data=body.encode(), headers={"Content-Type": CSV})
    if status == 201:
        assert r.status_code == 201, r.text
        assert r.json() == {"imported": expect}
        assert api.counts(tok, s.pid)["tasks"] == 2 + expect
    else:
        assert_error(r, 400, "invalid")
        assert expect in r.json()["error"]["message"], r.json()
        assert api.counts(tok, s.pid)["tasks"] == 2, "a failed import stored something"


def test_csv_rows_become_string_tasks(api):
    s = api.setup_project(n_annotators=1, tasks=[])
    tok = s.manager.token
    body = '\ufefftext,n,note\r\n"multi\r\nline, ""quoted""",007,\r\n'
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", tok, data=body.encode(),
                        headers={"Content-Type": "text/csv; charset=utf-8"})
    assert r.status_code == 201, r.text
    n = api.next(s.annotators[0].token, s.pid)
    assert n["task"]["data"] == {"text": 'multi\r\nline, "quoted"', "n": "007", "note": ""}
    assert n["task"]["predictions"] == []


def test_csv_media_type_is_exact(api):
    s = api.setup_project()
    for ctype in ("text/csvx", "text/plain", "application/csv"):
        r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", s.manager.token,
                            data=b"a\n1\n", headers={"Content-Type": ctype})
        assert_error(r, 415)


def test_large_csv_in_batches_all_or_nothing(api):
    """More rows than one staged batch: all stored, or, with a bad row at the
    very end, none."""
    s = api.setup_project()
    tok = s.manager.token
    rows = "".join(f'{i},"row {i}, with ""quotes"""\r\n' for i in range(20000))
    body = "n,text\r\n" + rows
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", tok, data=body.encode(),
                        headers={"Content-Type": CSV})
    assert r.status_code == 201, r.text
    assert r.json() == {"imported": 20000}
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", tok,
                        data=(body + "only-one-field\r\n").encode(),
                        headers={"Content-Type": CSV})
    assert_error(r, 400, "invalid")
    assert "line 20002" in r.json()["error"]["message"]
    assert api.counts(tok, s.pid)["tasks"] == 20000


GOOD_PRED = {"model": "m", "result": {"label": "a"}, "score": 0.5}

# id, the second task's predictions, a substring of the 400 message.
BAD_PREDICTIONS = [
    ("result-not-in-schema", [{"model": "m", "result": {"label": "c"}}], "prediction 1:"),
    ("result-unknown-field", [GOOD_PRED, {"model": "m", "result": {"label": "a", "x": 1}}],
     "prediction 2:"),
    ("result-missing", [{"model": "m"}], "result is required"),
    ("score-above-1", [{"model": "m", "result": {"label": "a"}, "score": 1.5}], "score"),
    ("score-negative", [{"model": "m", "result": {"label": "a"}, "score": -0.1}], "score"),
    ("score-string", [{"model": "m", "result": {"label": "a"}, "score": "0.5"}], "score"),
    ("model-empty", [{"model": "", "result": {"label": "a"}}], "model"),
    ("model-too-long", [{"model": "m" * 201, "result": {"label": "a"}}], "model"),
    ("model-missing", [{"result": {"label": "a"}}], "model"),
    ("unknown-key", [{"model": "m", "result": {"label": "a"}, "id": 1}], "unknown key"),
    ("not-an-array", {"model": "m"}, "must be an array"),
    ("too-many", [GOOD_PRED] * 101, "more than 100"),
]


@pytest.mark.parametrize("preds,expect", [c[1:] for c in BAD_PREDICTIONS],
                         ids=[c[0] for c in BAD_PREDICTIONS])
@pytest.mark.parametrize("form", ["jsonl", "array"])
def test_bad_prediction_fails_the_whole_import(api, form, preds, expect):
    s = api.setup_project(n_tasks=2)
    tok = s.manager.token
    tasks = [{"t": 1, "predictions": [GOOD_PRED]}, {"t": 2, "predictions": preds}]
    if form == "jsonl":
        body, ctype, where = "".join(json.dumps(t) + "\n" for t in tasks), NDJSON, "line 2"
    else:
        body, ctype, where = json.dumps(tasks), JSON, "item 2"
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", tok, data=body.encode(),
                        headers={"Content-Type": ctype})
    assert_error(r, 400, "invalid")
    msg = r.json()["error"]["message"]
    assert where in msg and expect in msg, msg
    assert api.counts(tok, s.pid)["tasks"] == 2, "a failed import stored something"
    lines, _ = api.export(tok, s.pid)
    assert all(line["predictions"] == [] for line in lines)


def test_span_predictions_are_checked_against_their_task_text(api):
    """A pre-label is checked like a submission, against its own task's data:
    a span past the end of the text it marks fails the import."""
    fields = [{"name": "ner", "type": "spans", "source": "text", "labels": ["X"]}]
    s = api.setup_project(fields=fields)
    tok = s.manager.token
    path = f"/api/v1/projects/{s.pid}/tasks"

    def body(end):
        return (json.dumps({"text": "abc", "predictions": [
            {"model": "m", "result": {"ner": [{"start": 0, "end": end, "label": "X"}]}}]})
            + "\n").encode()

    r = api.srv.request("POST", path, tok, data=body(4), headers={"Content-Type": NDJSON})
    assert_error(r, 400, "invalid")
    assert "line 1" in r.json()["error"]["message"], r.text
    r = api.srv.request("POST", path, tok, data=body(3), headers={"Content-Type": NDJSON})
    assert r.status_code == 201, r.text


def test_predictions_staged_with_their_tasks(api):
    """An import larger than one staged batch: every task keeps its own
    predictions through staging and the final move, and the predictions key
    is not part of the stored data."""
    s = api.setup_project()
    tok = s.manager.token
    tasks = []
    for i in range(20000):
        t = {"n": i, "pad": "x" * 200}
        if i % 3 == 0:
            t["predictions"] = [{"model": f"m{i}", "result": {"label": "ab"[i % 2]},
                                 "score": (i % 100) / 100}]
        tasks.append(t)
    tasks.append({"data": {"n": 20000}, "predictions": [GOOD_PRED, GOOD_PRED]})
    body = json.dumps(tasks)
    assert len(body) > 4 << 20, "must span more than one batch"
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", tok, data=body.encode(),
                        headers={"Content-Type": JSON})
    assert r.status_code == 201, r.text
    _wait_no_staged_predictions(api.srv)
    lines, _ = api.export(tok, s.pid)
    assert len(lines) == 20001
    for line in lines:
        n = line["data"]["n"]
        assert "predictions" not in line["data"]
        if n == 20000:
            assert line["data"] == {"n": 20000}
            assert line["predictions"] == [GOOD_PRED, GOOD_PRED]
        elif n % 3 == 0:
            assert line["predictions"] == [{"model": f"m{n}", "result": {"label": "ab"[n % 2]},
                                            "score": (n % 100) / 100}], line
        else:
            assert line["predictions"] == [], line


def _staged_predictions(srv):
    db = sqlite3.connect(f"file:{srv.data}/tally.db?mode=ro", uri=True, timeout=10)
    try:
        return db.execute("SELECT count(*) FROM prediction_staging").fetchone()[0]
    finally:
        db.close()


def _wait_no_staged_predictions(srv):
    deadline = time.monotonic() + 10
    while _staged_predictions(srv) and time.monotonic() < deadline:
        time.sleep(0.05)  # the delete is queued, not awaited
    assert _staged_predictions(srv) == 0


def test_bad_prediction_after_staged_batches_stores_nothing(api):
    """All or nothing across batches: staged tasks and their staged
    predictions go when a prediction near the end is bad."""
    s = api.setup_project(tasks=[{"before": True}])
    tok = s.manager.token
    lines = [json.dumps({"n": i, "pad": "y" * 300,
                         "predictions": [{"model": "m", "result": {"label": "a"}}]})
             for i in range(16000)]
    lines.append(json.dumps({"n": -1, "predictions": [{"model": "m", "result": {"label": "z"}}]}))
    body = ("\n".join(lines) + "\n").encode()
    assert len(body) > 4 << 20
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", tok, data=body,
                        headers={"Content-Type": NDJSON})
    assert_error(r, 400, "invalid")
    assert "line 16001: prediction 1:" in r.json()["error"]["message"]
    assert api.counts(tok, s.pid)["tasks"] == 1
    _wait_no_staged_predictions(api.srv)
    assert _staged_rows(api.srv) == 0
