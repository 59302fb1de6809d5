"""Black-box harness for the Tally API: the real binary, a real port, real HTTP.

Every test talks to `$TALLY_BIN serve` over loopback and sets up tenants,
users and tokens with the admin CLI on the same data directory (which the
contract says works while the server runs). One server serves the whole
session; each test makes its own tenants and projects with unique names, so
tests do not see each other's data. Tests that need a server of their own
(other limits, signals, restarts) start one with `start_server()`.

The same suite runs against the ASan+UBSan build, so every server's stderr
and every CLI run's stderr is scanned for sanitizer reports: a report fails
the run even when every assertion passed.
"""
import atexit
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from openapi_check import Checker

OPENAPI = Checker()  # every response Server.request sees is checked against the document

REPO = Path(__file__).resolve().parents[2]
TALLY_BIN = os.environ.get("TALLY_BIN") or str(REPO / "build" / "tally")
# Sanitizer builds are several times slower: stretch every wait for them.
IS_SAN = "/san/" in TALLY_BIN or os.environ.get("TALLY_SAN") == "1"
SLOW = 3.0 if IS_SAN else 1.0
START_TIMEOUT = 20.0 * SLOW
STOP_TIMEOUT = 15.0 * (2.0 if IS_SAN else 1.0)
HTTP_TIMEOUT = 30.0 * SLOW

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")

# "Ids are opaque strings (UUIDv7 text)."
ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
RFC3339_UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

NDJSON = "application/x-ndjson"

# Every server log and every CLI stderr we produced, checked at session end.
_SANITIZER_HITS = []
_SANITIZER_LOCK = threading.Lock()


def sanitizer_report(text):
    """The first line of a sanitizer report in text, or None."""
    for line in text.splitlines():
        if any(m in line for m in SANITIZER_MARKERS):
            return line
    return None


def _note_sanitizer(where, text):
    hit = sanitizer_report(text)
    if hit:
        with _SANITIZER_LOCK:
            _SANITIZER_HITS.append(f"{where}: {hit}")
    return hit


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args, stdin=None, check=None):
    """Run `tally ARGS...`; returns CompletedProcess (text). Scans stderr for
    sanitizer reports. check=True asserts exit 0."""
    proc = subprocess.run(
        [TALLY_BIN, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60 * SLOW,
    )
    hit = _note_sanitizer("tally " + " ".join(args), proc.stderr)
    assert hit is None, f"sanitizer report from `tally {' '.join(args)}`:\n{proc.stderr}"
    if check:
        assert proc.returncode == 0, (
            f"`tally {' '.join(args)}` exited {proc.returncode}\n"
            f"stdout: {proc.stdout}\nstderr: {proc.stderr}"
        )
    return proc


_LIVE_SERVERS = set()


@atexit.register
def _kill_leftover_servers():
    """Safety net (an interrupted run, a failing teardown): no server outlives
    the test process."""
    for proc in list(_LIVE_SERVERS):
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class Server:
    """One `tally serve` process on a free loopback port."""

    def __init__(self, data_dir, extra_args=()):
        self.data = str(data_dir)
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.log_path = None
        self._log = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        """Start and wait for /healthz. A port taken between our probe and the
        server's bind is retried with another port."""
        last_err = ""
        for _attempt in range(3):
            self.port = free_port()
            # next to the data dir, so pytest's tmp cleanup takes it too
            self.log_path = f"{self.data.rstrip('/')}.serve-{self.port}.log"
            self._log = open(self.log_path, "wb")
            self.proc = subprocess.Popen(
                [TALLY_BIN, "serve", "--data", self.data,
                 "--listen", f"127.0.0.1:{self.port}", *self.extra_args],
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
            _LIVE_SERVERS.add(self.proc)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    r = requests.get(self.url + "/healthz", timeout=2)
                    if r.status_code == 200:
                        return self
                except requests.RequestException:
                    pass
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
                self._log.close()
                raise AssertionError(
                    f"server did not answer /healthz within {START_TIMEOUT:.0f}s:\n"
                    + self.log())
            self._log.close()
            last_err = self.log()
            if "address in use" not in last_err.lower():
                break
        raise AssertionError(f"server exited at start ({self.proc.returncode}):\n{last_err}")

    def log(self):
        try:
            return Path(self.log_path).read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM):
        """Send sig, wait for exit; returns the exit code (None if it had to be
        killed). Records sanitizer reports."""
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(sig)
            try:
                rc = self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                rc = None
        if self._log and not self._log.closed:
            self._log.close()
        _note_sanitizer(f"server on port {self.port} (log {self.log_path})", self.log())
        _LIVE_SERVERS.discard(self.proc)
        self.proc = None
        return rc

    def cli(self, *args, stdin=None, check=True):
        """`tally ARGS... --data DATA`: the admin CLI against this server's data."""
        return run_cli(*args, "--data", self.data, stdin=stdin, check=check)

    # ---- HTTP ----
    def request(self, method, path, token=None, json_body=None, data=None, headers=None,
                session=None, **kw):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            data = json.dumps(json_body)
            h.setdefault("Content-Type", "application/json")
        s = session or requests
        r = s.request(method, self.url + path, data=data, headers=h, timeout=HTTP_TIMEOUT, **kw)
        if not kw.get("stream"):
            OPENAPI.check(method, path, r)
        return r


class User:
    def __init__(self, email, user_id, token, role, tenant):
        self.email, self.id, self.token, self.role, self.tenant = (
            email, user_id, token, role, tenant)

    def __repr__(self):
        return f"<User {self.role} {self.email}>"


class Tenant:
    """A tenant made through the CLI, with helpers to staff and fill it."""

    def __init__(self, srv, name):
        self.srv = srv
        self.name = name
        self.id = srv.cli("tenant", "create", name).stdout.strip()

    def user(self, role, in_tenant=True):
        return make_user(self.srv, role, self.name if in_tenant else None)

    def project(self, token, fields=None, overlap=1, lease_seconds=1800, name=None, **settings):
        body = {
            "name": name or unique("proj"),
            "schema": {"fields": fields or [CHOICE_AB]},
            "overlap": overlap,
            "lease_seconds": lease_seconds,
            **settings,
        }
        r = self.srv.request("POST", "/api/v1/projects", token, json_body=body)
        assert r.status_code == 201, f"project create: {r.status_code} {r.text}"
        return r.json()["id"]


def make_user(srv, role, tenant_name=None):
    email = f"{unique(role)}@example.test"
    args = ["user", "create", "--email", email, "--role", role]
    if tenant_name:
        args += ["--tenant", tenant_name]
    user_id = srv.cli(*args).stdout.strip()
    token = srv.cli("token", "create", "--email", email).stdout.strip()
    return User(email, user_id, token, role, tenant_name)


CHOICE_AB = {"name": "label", "type": "choice", "options": ["a", "b"]}


class Api:
    """Thin helpers for the calls most tests make; each asserts the happy path."""

    def __init__(self, srv):
        self.srv = srv

    def tenant(self):
        return Tenant(self.srv, unique("tenant"))

    def workforce_annotator(self):
        return make_user(self.srv, "annotator", None)

    def add_member(self, token, project_id, email, role="annotator"):
        r = self.srv.request("POST", f"/api/v1/projects/{project_id}/members", token,
                             json_body={"email": email, "role": role})
        assert r.status_code == 201, f"add member: {r.status_code} {r.text}"

    def patch_project(self, token, project_id, body):
        """PATCH the project's settings: the 200 body."""
        r = self.srv.request("PATCH", f"/api/v1/projects/{project_id}", token, json_body=body)
        assert r.status_code == 200, f"patch project: {r.status_code} {r.text}"
        return r.json()

    def import_tasks(self, token, project_id, tasks):
        body = "".join(json.dumps(t) + "\n" for t in tasks)
        r = self.srv.request("POST", f"/api/v1/projects/{project_id}/tasks", token,
                             data=body.encode(), headers={"Content-Type": NDJSON})
        assert r.status_code == 201, f"import: {r.status_code} {r.text}"
        assert r.json() == {"imported": len(tasks)}
        return r

    def project(self, token, project_id):
        r = self.srv.request("GET", f"/api/v1/projects/{project_id}", token)
        assert r.status_code == 200, f"project get: {r.status_code} {r.text}"
        return r.json()

    def counts(self, token, project_id):
        return self.project(token, project_id)["counts"]

    def next(self, token, project_id, session=None):
        """The 200 body, or None on 204."""
        r = self.srv.request("POST", f"/api/v1/projects/{project_id}/next", token,
                             session=session)
        assert r.status_code in (200, 204), f"next: {r.status_code} {r.text}"
        if r.status_code == 204:
            assert r.content == b"", f"204 with a body: {r.content!r}"
            return None
        return r.json()

    def submit(self, token, task_id, lease_id, result, session=None):
        return self.srv.request("POST", f"/api/v1/tasks/{task_id}/annotations", token,
                                json_body={"lease_id": lease_id, "result": result},
                                session=session)

    def export(self, token, project_id):
        """The export as a list of parsed lines."""
        r = self.srv.request("GET", f"/api/v1/projects/{project_id}/export?format=jsonl",
                             token)
        assert r.status_code == 200, f"export: {r.status_code} {r.text}"
        return [json.loads(line) for line in r.text.splitlines() if line.strip()], r

    def setup_project(self, n_tasks=0, overlap=1, lease_seconds=1800, fields=None,
                      n_annotators=0, tasks=None, **settings):
        """A fresh tenant with a manager, a project, tasks and annotator members;
        settings are further project fields (max_leases_per_annotator=3)."""
        t = self.tenant()
        mgr = t.user("manager")
        pid = t.project(mgr.token, fields=fields, overlap=overlap, lease_seconds=lease_seconds,
                        **settings)
        if tasks is None:
            tasks = [{"text": f"item {i}", "n": i} for i in range(n_tasks)]
        if tasks:
            self.import_tasks(mgr.token, pid, tasks)
        anns = []
        for _ in range(n_annotators):
            a = t.user("annotator")
            self.add_member(mgr.token, pid, a.email)
            anns.append(a)
        return Setup(t, mgr, pid, anns)


class Setup:
    def __init__(self, tenant, manager, project_id, annotators):
        self.tenant, self.manager, self.pid, self.annotators = (
            tenant, manager, project_id, annotators)


def assert_error(r, status, code=None):
    """r is an error response in the contract's shape."""
    assert r.status_code == status, (
        f"{r.request.method} {r.request.url}: expected {status}, got {r.status_code} {r.text}")
    body = r.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"].get("code"), str), body
    assert isinstance(body["error"].get("message"), str), body
    if code is not None:
        assert body["error"]["code"] == code, body


ERROR_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               409: "conflict", 413: "too_large", 422: "unprocessable"}


# ---------------------------------------------------------------- fixtures

def start_server(tmp_dir, extra_args=()):
    return Server(tmp_dir, extra_args).start()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The shared server. Teardown: SIGTERM must end it with exit 0."""
    if not os.access(TALLY_BIN, os.X_OK):
        pytest.exit(f"TALLY_BIN {TALLY_BIN} is not an executable; build it first", 1)
    srv = start_server(tmp_path_factory.mktemp("data"))
    yield srv
    rc = srv.stop()
    log = srv.log()
    assert sanitizer_report(log) is None, f"sanitizer report in server log:\n{log[-20000:]}"
    assert rc == 0, f"server exit code after SIGTERM: {rc}\n{log[-5000:]}"


@pytest.fixture
def own_server(tmp_path):
    """A factory for servers private to one test; all are stopped afterwards
    and must exit 0 without sanitizer reports."""
    started = []

    def factory(extra_args=(), data_dir=None):
        srv = start_server(data_dir or tmp_path / f"data{len(started)}", extra_args)
        started.append(srv)
        return srv

    yield factory
    problems = []  # stop every server before failing on any of them
    for srv in started:
        if srv.proc is not None:
            rc = srv.stop()
            if rc != 0:
                problems.append(f"private server exit code after SIGTERM: {rc}\n"
                                f"{srv.log()[-5000:]}")
        if sanitizer_report(srv.log()):
            problems.append(f"sanitizer report in private server log:\n{srv.log()[-20000:]}")
    assert not problems, "\n".join(problems)


@pytest.fixture
def api(server):
    return Api(server)


def pytest_sessionfinish(session, exitstatus):
    """A sanitizer report anywhere (a server log, a CLI run) fails the run,
    even if the assertion that would have caught it never ran; so does a
    response that does not fit the OpenAPI document (openapi_check.py)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for what, hits in (("sanitizer reports", _SANITIZER_HITS),
                       ("responses that do not fit src/api/openapi.json",
                        sorted(set(OPENAPI.violations)))):
        if hits:
            if reporter:
                reporter.write_line(f"{what}:\n  " + "\n  ".join(hits[:50]), red=True)
            session.exitstatus = 1
