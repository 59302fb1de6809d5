"""Webhooks (docs/webhooks.md): registration, signed deliveries from the
outbox, retries with backoff, delivery after a restart, the delivery log,
SSRF refusals and who may manage them.

Deliveries go to a receiver on loopback (http.server in a thread), so the
servers that send to it run with --webhook-allow-private; the shared server
runs without it and shows the refusals."""
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import SLOW, Api, assert_error, free_port

EVENTS = ["annotation.created", "task.completed", "project.completed"]
WAIT = 20.0 * SLOW


class Receiver:
    """A loopback HTTP receiver: records every POST; answers the statuses
    queued in `answers` first, then 200. stop() closes the socket (the
    destination refuses connections) and start() opens it again on the same
    port."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.got = []
        self.answers = []
        self.lock = threading.Lock()
        self.httpd = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        rx = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with rx.lock:
                    rx.got.append({"headers": dict(self.headers), "body": body,
                                   "path": self.path})
                    status = rx.answers.pop(0) if rx.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def events(self):
        with self.lock:
            return [json.loads(g["body"])["event"] for g in self.got]

    def wait_for(self, n, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.got) >= n:
                    return list(self.got)
            time.sleep(0.05)
        with self.lock:
            raise AssertionError(f"expected {n} deliveries, got {len(self.got)}: {self.got}")


@pytest.fixture
def receiver():
    rx = Receiver().start()
    yield rx
    rx.stop()


def create_hook(srv, token, pid, url, events=EVENTS):
    return srv.request("POST", f"/api/v1/projects/{pid}/webhooks", token,
                       json_body={"url": url, "events": events})


def deliveries(srv, token, pid, hook, limit=None):
    q = f"?limit={limit}" if limit is not None else ""
    r = srv.request("GET", f"/api/v1/projects/{pid}/webhooks/{hook}/deliveries{q}", token)
    assert r.status_code == 200, r.text
    return r.json()["deliveries"]


def wait_log(srv, token, pid, hook, pred, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while True:
        log = deliveries(srv, token, pid, hook)
        if pred(log) or time.monotonic() > deadline:
            return log
        time.sleep(0.1)


def label_all(api, s):
    """Each annotator labels every task it is given."""
    for a in s.annotators:
        while (n := api.next(a.token, s.pid)) is not None:
            r = api.submit(a.token, n["task"]["id"], n["lease"]["id"], {"label": "a"})
            assert r.status_code == 201, r.text


def verify(delivery, secret):
    sig = delivery["headers"]["X-Tally-Signature"]
    want = "sha256=" + hmac.new(secret.encode(), delivery["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(sig, want), (sig, want)


@pytest.fixture
def private_srv(own_server):
    return own_server(["--webhook-allow-private"])


def test_deliveries_are_signed_and_report_each_event(private_srv, receiver):
    api = Api(private_srv)
    s = api.setup_project(n_tasks=2, overlap=2, n_annotators=2)
    r = create_hook(private_srv, s.manager.token, s.pid, receiver.url)
    assert r.status_code == 201, r.text
    hook = r.json()
    assert set(hook) == {"id", "secret"} and len(hook["secret"]) == 64
    label_all(api, s)
    # 4 annotations, 2 tasks completed (the second annotation of each), 1 project
    got = receiver.wait_for(7)
    time.sleep(0.5)
    assert len(receiver.got) == 7, receiver.events()
    assert sorted(receiver.events()) == sorted(
        ["annotation.created"] * 4 + ["task.completed"] * 2 + ["project.completed"])
    ids = set()
    for d in got:
        verify(d, hook["secret"])
        body = json.loads(d["body"])
        assert d["headers"]["X-Tally-Event"] == body["event"]
        assert d["headers"]["X-Tally-Delivery"] == body["delivery_id"]
        assert d["headers"]["Content-Type"] == "application/json"
        assert body["project_id"] == s.pid
        assert body["created_at"].endswith("Z")
        if body["event"] != "project.completed":
            assert body["task_id"] and body["annotation_id"]
        ids.add(body["delivery_id"])
    assert len(ids) == 7
    # project.completed comes after the last task.completed
    ev = receiver.events()
    assert ev.index("project.completed") > max(i for i, e in enumerate(ev)
                                               if e == "task.completed")
    log = wait_log(private_srv, s.manager.token, s.pid, hook["id"],
                   lambda lg: all(d["status"] == "delivered" for d in lg))
    assert len(log) == 7
    for d in log:
        assert d["status"] == "delivered" and d["attempts"] == 1, d
        assert d["last_status"] == 200 and d["last_error"] is None, d
        assert d["delivered_at"] and d["created_at"] and d["next_attempt_at"] is None
    assert log[0]["event"] == "project.completed", "the log is newest first"
    assert [d["id"] for d in deliveries(private_srv, s.manager.token, s.pid, hook["id"],
                                        limit=2)] == [d["id"] for d in log[:2]]



def test_a_task_completed_by_an_edit_is_reported(private_srv, receiver):
    """Under adaptive overlap an edit can complete a task (a dispute
    resolved by its author): task.completed goes out as for a submit, naming
    the edited annotation."""
    api = Api(private_srv)
    s = api.setup_project(n_tasks=1, overlap=2, max_overlap=3, confidence_target=0.8,
                          n_annotators=2)
    api.patch_project(s.manager.token, s.pid, {"allow_edits": True})
    assert create_hook(private_srv, s.manager.token, s.pid, receiver.url,
                       ["task.completed"]).status_code == 201
    made = []
    for a, value in zip(s.annotators, ("a", "b")):
        n = api.next(a.token, s.pid)
        r = api.submit(a.token, n["task"]["id"], n["lease"]["id"], {"label": value})
        assert r.status_code == 201, r.text
        made.append((n["task"]["id"], r.json()["id"]))
    time.sleep(0.5)
    assert receiver.events() == []  # 1:1 is not sure
    r = private_srv.request("PUT", f"/api/v1/annotations/{made[1][1]}", s.annotators[1].token,
                            json_body={"result": {"label": "a"}})
    assert r.status_code == 200, r.text
    body = json.loads(receiver.wait_for(1)[0]["body"])
    assert body["event"] == "task.completed"
    assert (body["task_id"], body["annotation_id"]) == made[1]

def test_a_tampered_body_fails_the_signature(private_srv, receiver):
    api = Api(private_srv)
    s = api.setup_project(n_tasks=1, n_annotators=1)
    secret = create_hook(private_srv, s.manager.token, s.pid, receiver.url,
                         ["annotation.created"]).json()["secret"]
    label_all(api, s)
    d = receiver.wait_for(1)[0]
    verify(d, secret)
    d["body"] = d["body"].replace(b"annotation.created", b"annotation.deleted")
    with pytest.raises(AssertionError):
        verify(d, secret)


def test_only_subscribed_events_are_sent(private_srv, receiver):
    api = Api(private_srv)
    s = api.setup_project(n_tasks=2, n_annotators=1)
    assert create_hook(private_srv, s.manager.token, s.pid, receiver.url,
                       ["project.completed"]).status_code == 201
    label_all(api, s)
    receiver.wait_for(1)
    time.sleep(1.0)
    assert receiver.events() == ["project.completed"]


def test_retry_after_500_then_delivered(private_srv, receiver):
    api = Api(private_srv)
    s = api.setup_project(n_tasks=1, n_annotators=1)
    receiver.answers = [500]
    hook = create_hook(private_srv, s.manager.token, s.pid, receiver.url,
                       ["annotation.created"]).json()
    t0 = time.monotonic()
    label_all(api, s)
    got = receiver.wait_for(2)
    assert time.monotonic() - t0 >= 0.9, "the retry came before the 1 s backoff"
    assert got[0]["body"] == got[1]["body"], "a retry sends the same body"
    assert got[0]["headers"]["X-Tally-Signature"] == got[1]["headers"]["X-Tally-Signature"]
    log = wait_log(private_srv, s.manager.token, s.pid, hook["id"],
                   lambda lg: lg and lg[0]["status"] == "delivered")
    assert len(log) == 1
    assert log[0]["status"] == "delivered" and log[0]["attempts"] == 2, log


def test_pending_delivery_survives_a_restart(own_server, tmp_path):
    rx = Receiver()  # not listening yet: connections are refused
    srv = own_server(["--webhook-allow-private"], data_dir=tmp_path / "restart")
    api = Api(srv)
    s = api.setup_project(n_tasks=1, n_annotators=1)
    hook = create_hook(srv, s.manager.token, s.pid, rx.url, ["annotation.created"]).json()
    label_all(api, s)
    log = wait_log(srv, s.manager.token, s.pid, hook["id"],
                   lambda lg: lg and lg[0]["attempts"] >= 1)
    assert log[0]["status"] == "pending" and log[0]["attempts"] >= 1, log
    assert log[0]["last_error"], log
    assert log[0]["next_attempt_at"], log
    assert srv.stop() == 0
    rx.start()
    try:
        srv2 = own_server(["--webhook-allow-private"], data_dir=tmp_path / "restart")
        d = rx.wait_for(1)[0]
        verify(d, hook["secret"])
        assert json.loads(d["body"])["event"] == "annotation.created"
        log = wait_log(srv2, s.manager.token, s.pid, hook["id"],
                       lambda lg: lg[0]["status"] == "delivered")
        assert log[0]["status"] == "delivered", log
    finally:
        rx.stop()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/h", "http://127.1/h", "http://[::1]:9/h", "http://10.1.2.3/h",
    "http://192.168.0.1/h", "http://100.64.0.1/h", "http://169.254.169.254/latest/meta-data",
    "http://[::ffff:127.0.0.1]/h", "http://[::ffff:169.254.169.254]/h", "http://[fd00:ec2::254]/",
    "http://[fe80::1]/h", "http://0.0.0.0/h", "http://224.0.0.1/h", "http://[fc00::1]/h",
])
def test_internal_ip_literals_are_refused_at_creation(api, url):
    s = api.setup_project()
    r = create_hook(api.srv, s.manager.token, s.pid, url)
    assert_error(r, 400, "invalid")
    assert "url" in r.json()["error"]["message"]


@pytest.mark.parametrize("url", ["http://169.254.169.254/", "http://[fd00:ec2::254]/",
                                 "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/"])
def test_allow_private_never_allows_metadata_or_link_local(private_srv, url):
    s = Api(private_srv).setup_project()
    assert_error(create_hook(private_srv, s.manager.token, s.pid, url), 400, "invalid")


def test_a_name_resolving_to_loopback_fails_at_delivery(api, receiver):
    s = api.setup_project(n_tasks=1, n_annotators=1)
    r = create_hook(api.srv, s.manager.token, s.pid, f"http://localhost:{receiver.port}/hook",
                    ["annotation.created"])
    assert r.status_code == 201, r.text
    hook = r.json()["id"]
    label_all(api, s)
    log = wait_log(api.srv, s.manager.token, s.pid, hook,
                   lambda lg: lg and lg[0]["status"] == "failed")
    assert log[0]["status"] == "failed" and log[0]["attempts"] == 1, log
    assert "refused" in log[0]["last_error"] and "loopback" in log[0]["last_error"], log
    assert receiver.got == []


@pytest.mark.parametrize("body,needle", [
    ({"url": "ftp://example.com/x", "events": EVENTS}, "http"),
    ({"url": "file:///etc/passwd", "events": EVENTS}, "url"),
    ({"url": "http://user:pw@example.com/x", "events": EVENTS}, "user"),
    ({"url": "http://example.com/" + "a" * 2100, "events": EVENTS}, "2048"),
    ({"url": "not a url", "events": EVENTS}, "url"),
    ({"url": 5, "events": EVENTS}, "url must be a string"),
    ({"events": EVENTS}, "url"),
    ({"url": "https://example.com/h"}, "events"),
    ({"url": "https://example.com/h", "events": []}, "events"),
    ({"url": "https://example.com/h", "events": ["task.deleted"]}, "project.completed"),
    ({"url": "https://example.com/h", "events": EVENTS, "secret": "x"}, "'secret'"),
])
def test_bad_bodies_are_400(api, body, needle):
    s = api.setup_project()
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/webhooks", s.manager.token,
                        json_body=body)
    assert_error(r, 400, "invalid")
    assert needle in r.json()["error"]["message"], r.json()


def test_list_never_shows_the_secret_and_delete(api):
    s = api.setup_project()
    tok = s.manager.token
    made = create_hook(api.srv, tok, s.pid, "https://hooks.example.com/a", ["task.completed"])
    assert made.status_code == 201
    hook = made.json()
    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/webhooks", tok)
    assert r.status_code == 200
    assert hook["secret"] not in r.text
    [h] = r.json()["webhooks"]
    assert h["id"] == hook["id"] and h["url"] == "https://hooks.example.com/a"
    assert h["events"] == ["task.completed"] and set(h) == {"id", "url", "events", "created_at"}
    assert deliveries(api.srv, tok, s.pid, hook["id"]) == []
    for q in ("0", "201", "abc", "", "+5", "-1", "5x"):
        r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/webhooks/{hook['id']}"
                            f"/deliveries?limit={q}", tok)
        assert_error(r, 400, "invalid")
    r = api.srv.request("DELETE", f"/api/v1/projects/{s.pid}/webhooks/{hook['id']}", tok)
    assert r.status_code == 204 and r.content == b""
    assert api.srv.request("GET", f"/api/v1/projects/{s.pid}/webhooks",
                           tok).json() == {"webhooks": []}
    assert_error(api.srv.request("DELETE", f"/api/v1/projects/{s.pid}/webhooks/{hook['id']}",
                                 tok), 404)
    assert_error(api.srv.request(
        "GET", f"/api/v1/projects/{s.pid}/webhooks/{hook['id']}/deliveries", tok), 404)


def test_at_most_20_webhooks_per_project(api):
    s = api.setup_project()
    for i in range(20):
        assert create_hook(api.srv, s.manager.token, s.pid,
                           f"https://example.com/{i}").status_code == 201
    assert_error(create_hook(api.srv, s.manager.token, s.pid, "https://example.com/x"), 409)


def test_roles_and_foreign_tenants(api):
    s = api.setup_project(n_annotators=1)
    hook = create_hook(api.srv, s.manager.token, s.pid, "https://example.com/h").json()["id"]
    base = f"/api/v1/projects/{s.pid}/webhooks"
    for role in ("owner", "admin"):
        tok = s.tenant.user(role).token
        assert api.srv.request("GET", base, tok).status_code == 200
        assert api.srv.request("GET", f"{base}/{hook}/deliveries", tok).status_code == 200
    for tok in (s.tenant.user("reviewer").token, s.tenant.user("viewer").token,
                s.annotators[0].token):
        assert_error(api.srv.request("GET", base, tok), 403)
        assert_error(create_hook(api.srv, tok, s.pid, "https://example.com/h"), 403)
        assert_error(api.srv.request("DELETE", f"{base}/{hook}", tok), 403)
        assert_error(api.srv.request("GET", f"{base}/{hook}/deliveries", tok), 403)
    other = api.tenant().user("owner").token
    assert_error(api.srv.request("GET", base, other), 404)
    assert_error(create_hook(api.srv, other, s.pid, "https://example.com/h"), 404)
    assert_error(api.srv.request("DELETE", f"{base}/{hook}", other), 404)
    assert_error(api.srv.request("GET", f"{base}/{hook}/deliveries", other), 404)
    # the hook is reached only through its own project
    s2_pid = s.tenant.project(s.manager.token)
    assert_error(api.srv.request("DELETE", f"/api/v1/projects/{s2_pid}/webhooks/{hook}",
                                 s.manager.token), 404)
    assert_error(api.srv.request("GET", f"/api/v1/projects/{s2_pid}/webhooks/{hook}/deliveries",
                                 s.manager.token), 404)
    assert api.srv.request("GET", base, s.manager.token).json()["webhooks"][0]["id"] == hook
