"""Bad bodies: malformed JSON (400) and bodies over the configured caps
(413, with Content-Length and with chunked encoding). The server must answer
and keep serving."""
import json
import socket

import pytest

from conftest import HTTP_TIMEOUT, NDJSON, Api, assert_error, unique

MIB = 1024 * 1024

# Bodies that are not a JSON object: 400 "invalid" on every JSON endpoint.
MALFORMED = [
    ("empty", b""),
    ("open-brace", b"{"),
    ("truncated", b'{"name":'),
    ("bare-word", b"nul"),
    ("trailing-garbage", b'{"a":1}}'),
    ("single-quotes", b"{'a':1}"),
    ("invalid-utf8", b'{"name":"\xff\xfe"}'),
    ("array", b"[]"),
    ("string", b'"x"'),
    ("deeply-nested", b"[" * 100000 + b"]" * 100000),
]


@pytest.fixture(scope="module")
def loop(server):
    """A project, a member annotator and a live lease on one of its tasks."""
    api = Api(server)
    s = api.setup_project(n_tasks=2, n_annotators=1)
    n = api.next(s.annotators[0].token, s.pid)
    return api, s, n


def _targets(s, n):
    return [
        ("projects", "POST", "/api/v1/projects", s.manager.token),
        ("members", "POST", f"/api/v1/projects/{s.pid}/members", s.manager.token),
        ("annotations", "POST", f"/api/v1/tasks/{n['task']['id']}/annotations",
         s.annotators[0].token),
    ]


@pytest.mark.parametrize("target", ["projects", "members", "annotations"])
@pytest.mark.parametrize("body", [m[1] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_json_is_400(loop, target, body):
    api, s, n = loop
    for name, method, path, tok in _targets(s, n):
        if name != target:
            continue
        r = api.srv.request(method, path, tok, data=body,
                            headers={"Content-Type": "application/json"})
        assert_error(r, 400, "invalid")
    assert api.srv.request("GET", "/healthz").status_code == 200


def test_malformed_did_not_consume_the_lease(loop):
    """Runs after the malformed table: refused bodies left the lease live."""
    api, s, n = loop
    r = api.submit(s.annotators[0].token, n["task"]["id"], n["lease"]["id"], {"label": "a"})
    assert r.status_code == 201, r.text


# ---- 413: a raw client, so an early answer (before the whole body is sent)
# and a server that stops reading are both handled and reported precisely.

def raw_post(port, path, token, body_len, content_type="application/json", chunked=False,
             fill=b" "):
    """POST body_len bytes (a JSON-ish prefix padded with fill); returns
    (status or None, response text, what happened while sending)."""
    prefix = b'{"name":"big","pad":"'
    body_iter_total = body_len
    hdr = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}",
           f"Authorization: Bearer {token}", f"Content-Type: {content_type}",
           "Connection: close"]
    hdr.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_len}")
    sock = socket.create_connection(("127.0.0.1", port), timeout=HTTP_TIMEOUT)
    send_note = "sent all"
    try:
        sock.sendall(("\r\n".join(hdr) + "\r\n\r\n").encode())
        sent = 0
        chunk = fill * 65536
        first = True
        try:
            while sent < body_iter_total:
                piece = prefix if first else chunk[:min(len(chunk), body_iter_total - sent)]
                first = False
                if chunked:
                    sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                else:
                    sock.sendall(piece)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError) as e:
            send_note = f"server stopped reading after {sent} bytes ({e.__class__.__name__})"
        data = b""
        try:
            while True:
                got = sock.recv(65536)
                if not got:
                    break
                data += got
        except ConnectionResetError:
            if not data:
                return None, "", send_note + "; connection reset before any response"
        except socket.timeout:
            if not data:
                return None, "", send_note + "; no response before timeout"
    finally:
        sock.close()
    text = data.decode(errors="replace")
    try:
        status = int(text.split(" ", 2)[1])
    except (IndexError, ValueError):
        return None, text, send_note + "; unparseable response"
    return status, text, send_note


def _error_code(text):
    body = text.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in text else ""
    if "\r\n" in body and not body.lstrip().startswith("{"):  # chunked response
        body = "".join(body.split("\r\n")[1::2])
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("target", ["projects", "members", "annotations"])
def test_small_body_cap_default_1mib(loop, target, chunked):
    api, s, n = loop
    _name, _m, path, tok = [t for t in _targets(s, n) if t[0] == target][0]
    status, text, note = raw_post(api.srv.port, path, tok, MIB + 4096, chunked=chunked)
    assert status == 413, f"POST {path} with {MIB + 4096} bytes: got {status} ({note})\n" \
                          f"{text[:500]}"
    assert _error_code(text) == "too_large", text[:500]
    assert api.srv.request("GET", "/healthz").status_code == 200


def test_configured_caps(own_server, tmp_path):
    srv = own_server(["--max-body", "4096", "--max-import-body", "65536"])
    api = Api(srv)
    t = api.tenant()
    mgr = t.user("manager")
    # the cap is inclusive: exactly 4096 bytes is read (and refused as JSON),
    # one byte more is 413
    status, text, note = raw_post(srv.port, "/api/v1/projects", mgr.token, 4096)
    assert status == 400, f"got {status} ({note}) {text[:300]}"
    status, text, note = raw_post(srv.port, "/api/v1/projects", mgr.token, 4097)
    assert status == 413, f"got {status} ({note}) {text[:300]}"
    # a 5000-byte project body is over --max-body
    status, text, note = raw_post(srv.port, "/api/v1/projects", mgr.token, 5000)
    assert status == 413, f"got {status} ({note}) {text[:300]}"
    # a ~3000-byte valid project body is under it
    opts = [f"option-{i:04d}" for i in range(200)]
    body = {"name": unique("p"), "overlap": 1, "lease_seconds": 60,
            "schema": {"fields": [{"name": "label", "type": "choice", "options": opts}]}}
    raw = json.dumps(body).encode()
    assert 2500 < len(raw) < 4096
    r = srv.request("POST", "/api/v1/projects", mgr.token, data=raw,
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    # imports have their own cap: 60 KB passes although it is over --max-body
    line = json.dumps({"text": "y" * 90}) + "\n"
    ok = line * (60000 // len(line))
    r = srv.request("POST", f"/api/v1/projects/{pid}/tasks", mgr.token, data=ok.encode(),
                    headers={"Content-Type": NDJSON})
    assert r.status_code == 201, r.text[:300]
    n_ok = r.json()["imported"]
    # 70 KB is over --max-import-body
    status, text, note = raw_post(srv.port, f"/api/v1/projects/{pid}/tasks", mgr.token,
                                  70000, content_type=NDJSON)
    assert status == 413, f"got {status} ({note}) {text[:300]}"
    assert _error_code(text) == "too_large", text[:500]
    assert api.counts(mgr.token, pid)["tasks"] == n_ok
