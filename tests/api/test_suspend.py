"""next and submissions wait for their group commit suspended, not on a
server thread (api/annotations.c). A client that disconnects while its
request is suspended must cost nothing but that request: the server keeps
serving, and the write it asked for still happens exactly once."""
import json
import socket
import time

from conftest import assert_error


def _send_and_close(port, method, path, token, body=b""):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    req = (f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
           f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    s.sendall(req + body)
    s.close()  # gone before the commit: the request is suspended or about to be


def test_client_gone_while_suspended(api):
    s = api.setup_project(n_tasks=60, overlap=1, n_annotators=8)
    port = api.srv.port
    for _ in range(3):
        for a in s.annotators:
            _send_and_close(port, "POST", f"/api/v1/projects/{s.pid}/next", a.token)
    # every annotator can still label, and every lease taken is accounted for
    done = 0
    next_calls = 0
    for a in s.annotators:
        n = api.next(a.token, s.pid)
        next_calls += 1
        if n is None:
            continue
        r = api.submit(a.token, n["task"]["id"], n["lease"]["id"], {"label": "a"})
        assert r.status_code == 201, r.text
        done += 1
        # a submission whose client vanished is still recorded once
        n2 = api.next(a.token, s.pid)
        next_calls += 1
        if n2 is not None:
            body = json.dumps({"lease_id": n2["lease"]["id"], "result": {"label": "b"}}).encode()
            _send_and_close(port, "POST", f"/api/v1/tasks/{n2['task']['id']}/annotations",
                            a.token, body)
    assert done > 0
    assert api.srv.request("GET", "/healthz").status_code == 200
    # every request whose client vanished still ended (logged, its state
    # freed): the raw sends plus the next calls made above
    want = 3 * len(s.annotators) + next_calls
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        logged = sum(f"/projects/{s.pid}/next " in ln for ln in api.srv.log().splitlines())
        if logged >= want:
            break
        time.sleep(0.1)
    assert logged >= want, f"{logged} of {want} next requests ended"
    # the vanished submissions are durable or refused, never doubled
    counts = api.counts(s.manager.token, s.pid)
    assert counts["annotations"] == counts["completed_tasks"] <= 60, counts


def test_lease_id_longer_than_an_id_is_a_conflict(api):
    s = api.setup_project(n_tasks=1, n_annotators=1)
    a = s.annotators[0]
    n = api.next(a.token, s.pid)
    r = api.submit(a.token, n["task"]["id"], "x" * 5000, {"label": "a"})
    assert_error(r, 409, "conflict")
