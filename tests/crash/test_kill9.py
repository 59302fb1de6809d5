"""Crash test: every acknowledged write survives a SIGKILL of the server.

Annotators submit concurrently; the server is killed with SIGKILL in the
middle of the load, restarted on the same data directory, and the export must
hold every annotation whose 201 reached a client, with counts that agree and
no task over its overlap. (A SIGKILL keeps the OS page cache, so this checks
that the answer is only sent after the commit; fsync itself is SQLite's
synchronous=FULL.)
"""
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

BIN = os.environ.get("TALLY_BIN", os.path.join(os.path.dirname(__file__), "..", "..",
                                                  "build", "tally"))
SCHEMA = {"fields": [{"name": "label", "type": "choice", "options": ["a", "b"]}]}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(data, *args):
    out = subprocess.run([BIN, *args, "--data", data], check=True, capture_output=True,
                         text=True, timeout=60)
    return out.stdout.strip()


def call(base, method, path, token, body=None, ctype="application/json", timeout=30):
    data = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, raw
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Server:
    def __init__(self, data):
        self.data = data
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log = open(os.path.join(data, "server.log"), "ab")
        self.proc = subprocess.Popen([BIN, "serve", "--data", data, "--listen",
                                      "127.0.0.1:%d" % self.port],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=30) == 0
        self.log.close()
        with open(os.path.join(self.data, "server.log"), "rb") as f:
            log = f.read().decode(errors="replace")
        for mark in ("Sanitizer", "runtime error:"):
            assert mark not in log, log[-4000:]


def test_acknowledged_annotations_survive_sigkill():
    with tempfile.TemporaryDirectory() as data:
        cli(data, "tenant", "create", "crash")
        cli(data, "user", "create", "--email", "m@crash.test", "--role", "manager",
            "--tenant", "crash")
        manager = cli(data, "token", "create", "--email", "m@crash.test")
        annotators = []
        for i in range(6):
            email = "w%d@crash.test" % i
            cli(data, "user", "create", "--email", email, "--role", "annotator")
            annotators.append((email, cli(data, "token", "create", "--email", email)))

        srv = Server(data)
        st, raw = call(srv.base, "POST", "/api/v1/projects", manager,
                       {"name": "crash", "schema": SCHEMA, "overlap": 2, "lease_seconds": 600})
        assert st == 201, raw
        pid = json.loads(raw)["id"]
        for email, _ in annotators:
            st, raw = call(srv.base, "POST", "/api/v1/projects/%s/members" % pid, manager,
                           {"email": email, "role": "annotator"})
            assert st == 201, raw
        lines = "\n".join(json.dumps({"n": i}) for i in range(2000))
        st, raw = call(srv.base, "POST", "/api/v1/projects/%s/tasks" % pid, manager, lines,
                       "application/x-ndjson")
        assert st == 201, raw

        acked = set()
        lock = threading.Lock()
        stop = threading.Event()

        def work(token):
            while not stop.is_set():
                try:
                    st, raw = call(srv.base, "POST", "/api/v1/projects/%s/next" % pid, token,
                                   timeout=10)
                    if st != 200:
                        return
                    got = json.loads(raw)
                    st, raw = call(srv.base, "POST",
                                   "/api/v1/tasks/%s/annotations" % got["task"]["id"], token,
                                   {"lease_id": got["lease"]["id"], "result": {"label": "a"}},
                                   timeout=10)
                    if st == 201:
                        with lock:
                            acked.add(json.loads(raw)["id"])
                except (OSError, ValueError):
                    return  # the server died under us: that request was not acknowledged

        threads = [threading.Thread(target=work, args=(tok,)) for _, tok in annotators]
        for t in threads:
            t.start()
        deadline = time.time() + 20
        while len(acked) < 300 and time.time() < deadline:
            time.sleep(0.02)
        srv.kill()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert len(acked) >= 300, "load did not get going: %d acknowledged" % len(acked)

        srv = Server(data)
        try:
            st, raw = call(srv.base, "GET", "/api/v1/projects/%s/export?format=jsonl" % pid,
                           manager)
            assert st == 200
            stored, per_task_over = set(), 0
            for line in raw.decode().splitlines():
                task = json.loads(line)
                names = [a["annotator"] for a in task["annotations"]]
                assert len(names) == len(set(names)), "an annotator labeled a task twice"
                per_task_over += len(names) > 2
                stored.update(a["id"] for a in task["annotations"])
            missing = acked - stored
            assert not missing, "%d acknowledged annotations lost" % len(missing)
            assert per_task_over == 0
            st, raw = call(srv.base, "GET", "/api/v1/projects/%s" % pid, manager)
            counts = json.loads(raw)["counts"]
            assert counts["annotations"] == len(stored)
            assert counts["tasks"] == 2000
        finally:
            srv.stop()
