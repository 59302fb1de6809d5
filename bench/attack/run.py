#!/usr/bin/python3
"""bench/attack/run.py: replay issue 6's outside attack against a real server.

Each check reproduces one weakness the way the attacker did (at full size
unless --quick), prints what it measured and whether the property the issue
asks for held. It is a measurement, not a test: the regression tests in
tests/api pin each property at a size that suits `make test`; this replays
the attacks at the sizes of the report, so the note can say "re-run: held".

    TALLY_BIN=build/tally /usr/bin/python3 bench/attack/run.py [--quick] [--only NAME,...]

Run it against an older binary (TALLY_BIN=/tmp/tally-base/build/tally) to see
the weaknesses it found. Traffic goes to 127.0.0.1/127.0.0.2 only; every loop
is bounded in count and time.
"""
import argparse
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TALLY = os.environ.get("TALLY_BIN") or os.path.join(REPO, "build", "tally")
PASSWORD = "correct horse battery"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Server:
    def __init__(self, extra=()):
        self.dir = tempfile.mkdtemp(prefix="tally-attack-")
        self.data = os.path.join(self.dir, "data")
        os.mkdir(self.data, 0o755)  # a pre-made, world-readable data dir (weakness 9)
        os.chmod(self.data, 0o755)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log_path = os.path.join(self.dir, "server.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [TALLY, "serve", "--data", self.data, "--listen", f"127.0.0.1:{self.port}", *extra],
            stderr=self.log, stdout=subprocess.DEVNULL)
        for _ in range(200):
            try:
                self.request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.05)
        self.peak_kib = 0

    def cli(self, *args, stdin=None):
        out = subprocess.run([TALLY, *args, "--data", self.data], input=stdin, text=True,
                             capture_output=True, check=True)
        return out.stdout.strip()

    def request(self, method, path, body=None, token=None, ctype="application/json",
                source="127.0.0.1", timeout=30):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout,
                                       source_address=(source, 0))
        headers = {"Content-Type": ctype}
        if token:
            headers["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def rss(self):
        kib = rss_kib(self.proc.pid)
        self.peak_kib = max(self.peak_kib, kib)
        return kib

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        with open(self.log_path, "rb") as f:
            self.log_text = f.read().decode("utf-8", "replace")

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def setup(srv, overlap=1, lease_seconds=600, tasks=0):
    srv.cli("tenant", "create", "acme")
    srv.cli("user", "create", "--email", "owner@acme.test", "--role", "owner", "--tenant", "acme",
            "--password-stdin", stdin=PASSWORD + "\n")
    srv.cli("user", "create", "--email", "ana@acme.test", "--role", "manager", "--tenant", "acme")
    m = srv.cli("token", "create", "--email", "ana@acme.test")
    workers = []
    for i in range(3):
        email = f"w{i}@crowd.test"
        srv.cli("user", "create", "--email", email, "--role", "annotator")
        workers.append(srv.cli("token", "create", "--email", email))
    st, body = srv.request("POST", "/api/v1/projects", {
        "name": "attack", "overlap": overlap, "lease_seconds": lease_seconds,
        "schema": {"fields": [{"name": "label", "type": "choice", "options": ["a", "b"]}]}},
        token=m)
    project = json.loads(body)["id"]
    for i in range(3):
        srv.request("POST", f"/api/v1/projects/{project}/members",
                    {"email": f"w{i}@crowd.test", "role": "annotator"}, token=m)
    if tasks:
        lines = "".join(json.dumps({"text": f"item {i}"}) + "\n" for i in range(tasks))
        srv.request("POST", f"/api/v1/projects/{project}/tasks", lines, token=m,
                    ctype="application/x-ndjson")
    return m, workers, project


def login_body(password):
    return json.dumps({"email": "owner@acme.test", "password": password}).encode()


# ---- the attacks, one function each: (measured text, held?) ----

def attack_login_race(srv, quick):
    """1: 100 logins whose last bytes arrive together; right password as guess 101."""
    n = 100
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", srv.port))
        body = login_body(f"wrong-{i}")
        s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                  b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:-1])
        socks.append((s, body[-1:]))
    for s, last in socks:  # the final byte of each, back to back
        s.sendall(last)
    codes = {}
    for s, _ in socks:
        s.settimeout(60)
        head = s.recv(4096).split(b" ", 2)
        codes[head[1].decode() if len(head) > 1 else "?"] = codes.get(head[1].decode(), 0) + 1
        s.close()
    st, _ = srv.request("POST", "/api/v1/auth/login", login_body(PASSWORD))
    checked = codes.get("401", 0)
    return (f"{n} racing wrong logins -> {codes}; right password next -> {st}",
            checked <= 10 and st != 200)


def attack_slowloris(srv, quick):
    """2: 1,100 connections from one address dribbling headers; can another address connect?"""
    n = 300 if quick else 1100
    socks = []
    for _ in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=2)
            s.sendall(b"GET /healthz HTTP/1.1\r\n")
            socks.append(s)
        except OSError:
            break
    time.sleep(1)
    t0 = time.monotonic()
    try:
        st, _ = srv.request("GET", "/healthz", source="127.0.0.2", timeout=5)
    except OSError as e:
        st = f"error {e.__class__.__name__}"
    other_ms = (time.monotonic() - t0) * 1000
    # Dribble one more header line after 12 s: a 10 s header deadline has cut them by then.
    deadline = 0 if quick else 12
    time.sleep(deadline)
    alive = 0
    for s in socks:
        try:
            s.sendall(b"X-Slow: 1\r\n")
            s.settimeout(0.2)
            alive += 0 if s.recv(1) == b"" else 1
        except socket.timeout:
            alive += 1
        except OSError:
            pass
        s.close()
    text = (f"{len(socks)} slow connections from 127.0.0.1; a client at 127.0.0.2 got {st} "
            f"in {other_ms:.0f} ms" + ("" if quick else f"; still open after 12 s: {alive}"))
    return text, st == 200 and other_ms < 1000 and (quick or alive == 0)


def attack_memory_before_identity(srv, quick):
    """3: 24 unauthenticated 64 MiB uploads to the import route."""
    before = srv.rss()
    n, size = 24, 64 << 20
    chunk = b"x" * (1 << 20)
    codes = []

    def upload():
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.settimeout(30)
        try:
            s.sendall(b"POST /api/v1/projects/00000000-0000-7000-8000-000000000000/tasks HTTP/1.1"
                      b"\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                      b"Content-Length: %d\r\n\r\n" % size)
            for _ in range(size // len(chunk)):
                s.sendall(chunk)
        except OSError:
            pass  # refused early: the server closed on us
        try:
            codes.append(s.recv(64).split(b" ")[1].decode())
        except (OSError, IndexError):
            codes.append("closed")
        s.close()

    threads = [threading.Thread(target=upload) for _ in range(n)]
    for t in threads:
        t.start()
    peak = before
    while any(t.is_alive() for t in threads):
        peak = max(peak, srv.rss())
        time.sleep(0.05)
    grown = (peak - before) / 1024
    return (f"{n} x 64 MiB unauthenticated uploads: answers {sorted(set(codes))}, "
            f"RSS {before // 1024} -> peak {peak // 1024} MiB", grown < 64)


def attack_big_export(srv, quick):
    """4: 256 tasks of 270 KiB exported."""
    m, _, project = setup(srv)
    pad = "y" * (270 * 1024)
    statuses = set()
    for part in range(4):  # 69 MiB in all: four imports, each under the 64 MiB default cap
        body = "".join(json.dumps({"text": pad, "n": i}) + "\n" for i in range(64))
        statuses.add(srv.request("POST", f"/api/v1/projects/{project}/tasks", body, token=m,
                                 ctype="application/x-ndjson")[0])
    st = "/".join(map(str, sorted(statuses)))
    req = urllib.request.Request(f"http://127.0.0.1:{srv.port}/api/v1/projects/{project}/export",
                                 headers={"Authorization": "Bearer " + m})
    lines = 0
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            for line in r:
                json.loads(line)
                lines += 1
    except Exception as e:  # a cut stream is the finding
        return f"import {st}; export stopped after {lines} lines ({e.__class__.__name__})", False
    return f"import {st}; export streamed {lines} of 256 lines, peak RSS {srv.rss() // 1024} MiB", \
        lines == 256


def attack_owner_lockout(srv, quick):
    """5: 10 wrong passwords from 127.0.0.2, then the owner from 127.0.0.1."""
    codes = [srv.request("POST", "/api/v1/auth/login", login_body("nope"), source="127.0.0.2")[0]
             for _ in range(10)]
    st, _ = srv.request("POST", "/api/v1/auth/login", login_body(PASSWORD))
    return f"10 wrong from 127.0.0.2 -> {codes[-1]}; owner from 127.0.0.1 -> {st}", st == 200


def attack_hoarding(srv, quick):
    """6: one annotator calls next 100 times on 100 tasks."""
    _, workers, project = setup(srv, tasks=100)
    tasks = set()
    for _ in range(100):
        st, body = srv.request("POST", f"/api/v1/projects/{project}/next", token=workers[0])
        if st == 200:
            tasks.add(json.loads(body)["task"]["id"])
    st, _ = srv.request("POST", f"/api/v1/projects/{project}/next", token=workers[1])
    return f"one annotator holds {len(tasks)} distinct tasks; the next annotator gets {st}", \
        len(tasks) == 1 and st == 200


def attack_import_memory(srv, quick):
    """7: a 60 MiB import, as JSON Lines and as one JSON array: peak and held RSS."""
    m, _, project = setup(srv)
    mib = 15 if quick else 60
    # Small tasks are the expensive shape: the per-item overhead dominates.
    parts, size, n = [], 0, 0
    while size < (mib << 20) - 64:
        item = '{"id":%d,"text":"t"}' % n
        parts.append(item)
        size += len(item) + 1
        n += 1
    forms = [("application/x-ndjson", ("\n".join(parts) + "\n").encode()),
             ("application/json", ("[" + ",".join(parts) + "]").encode())]
    del parts
    results, ok = [], True
    for ctype, body in forms:
        before = srv.rss()
        peak = [before]
        done = threading.Event()

        def watch():
            while not done.is_set():
                peak[0] = max(peak[0], srv.rss())
                time.sleep(0.02)

        w = threading.Thread(target=watch)
        w.start()
        st, _ = srv.request("POST", f"/api/v1/projects/{project}/tasks", body, token=m,
                            ctype=ctype, timeout=600)
        done.set()
        w.join()
        time.sleep(0.5)
        after = srv.rss()
        results.append(f"{ctype.split('/')[1]} -> {st}, RSS {before // 1024} -> peak "
                       f"{peak[0] // 1024} -> after {after // 1024} MiB")
        # What may stay: the writer's SQLite page cache (64 MiB, cache_size),
        # which any write load fills; import state itself must be gone.
        ok = ok and st == 201 and peak[0] - before < (mib << 10) * 4 and \
            after - before < 96 << 10
    return f"{mib} MiB of {n} small tasks: " + "; ".join(results), ok


def attack_float_size(srv, quick):
    """8: a 20 KB import of 1e300 values."""
    m, _, project = setup(srv)
    line = json.dumps({"v": [1e300] * 8}).replace("1e+300", "1e300") + "\n"
    body = line * (20000 // len(line))
    st, resp = srv.request("POST", f"/api/v1/projects/{project}/tasks", body, token=m,
                           ctype="application/x-ndjson")
    return f"{len(body)} bytes of 1e300 values -> {st}", st == 201


def attack_file_modes(srv, quick):
    """9: modes in a pre-made 0755 data dir; is the pseudonym key in the database?"""
    setup(srv)
    modes = {name: oct(stat.S_IMODE(os.stat(os.path.join(srv.data, name)).st_mode))
             for name in sorted(os.listdir(srv.data))}
    dir_mode = oct(stat.S_IMODE(os.stat(srv.data).st_mode))
    import sqlite3
    db = sqlite3.connect(f"file:{os.path.join(srv.data, 'tally.db')}?mode=ro", uri=True)
    has_secret = db.execute("SELECT count(*) FROM meta WHERE key = 'secret'").fetchone()[0]
    db.close()
    open_files = [n for n, m in modes.items() if int(m, 8) & 0o077]
    return (f"dir {dir_mode}, files {modes}, secret row in tally.db: {bool(has_secret)}",
            not open_files and not int(dir_mode, 8) & 0o077 and not has_secret)


def raw(srv, payload, timeout=5):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    s.sendall(payload)
    try:
        data = s.recv(4096)
    except socket.timeout:
        data = b""
    s.close()
    parts = data.split(b" ", 2)
    return parts[1].decode() if len(parts) > 1 else "none"


def attack_framing(srv, quick):
    """10: two Content-Lengths; 'Transfer-Encoding : chunked'; TE with CL."""
    body = b'{"email":"a@b","password":"x"}'
    two_cl = raw(srv, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
                      b"Content-Length: 5\r\n\r\n" % len(body) + body)
    space = raw(srv, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked"
                     b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    both = raw(srv, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                    b"\r\nContent-Length: 4\r\n\r\n0\r\n\r\n")
    return f"two CL -> {two_cl}; 'TE :' -> {space}; TE+CL -> {both}", \
        two_cl == space == both == "400"


def attack_log_injection(srv, quick):
    """11: GET /nothing%20200%2042%0aFAKE."""
    raw(srv, b"GET /nothing%20200%2042%0aFAKE HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    srv.stop()
    forged = [ln for ln in srv.log_text.splitlines() if ln.startswith("FAKE") or " 200 42" in ln]
    line = next((ln for ln in srv.log_text.splitlines() if "nothing" in ln), "(no line)")
    return f"logged as: {line.split(' ', 1)[-1]!r}", not forged


def attack_small(srv, quick):
    """Also: member probing, %00 in a path, application/jsonfoo."""
    m, _, project = setup(srv)
    codes = [srv.request("POST", f"/api/v1/projects/{project}/members",
                         {"email": f"nobody{i}@crowd.test"}, token=m)[0] for i in range(101)]
    nul = raw(srv, f"GET /api/v1/projects/{project}%00/export HTTP/1.1\r\nHost: x\r\n"
                   f"Authorization: Bearer {m}\r\nConnection: close\r\n\r\n".encode())
    st, _ = srv.request("POST", f"/api/v1/projects/{project}/tasks", "[]", token=m,
                        ctype="application/jsonfoo")
    return (f"101 member misses -> last {codes[-1]}; %00 path -> {nul}; jsonfoo import -> {st}",
            codes[-1] == 429 and nul == "400" and st == 415)


# The per-address connection cap (64 by default) would refuse part of the
# 100-connection login race before it raced: lift it there, so the replay
# measures the login limit itself.
EXTRA_ARGS = {"login-race": ["--max-connections-per-address", "1000"]}

ATTACKS = [
    ("login-race", attack_login_race), ("slowloris", attack_slowloris),
    ("memory-before-identity", attack_memory_before_identity), ("big-export", attack_big_export),
    ("owner-lockout", attack_owner_lockout), ("hoarding", attack_hoarding),
    ("import-memory", attack_import_memory), ("float-size", attack_float_size),
    ("file-modes", attack_file_modes), ("framing", attack_framing),
    ("log-injection", attack_log_injection), ("small", attack_small),
]
NEEDS_SETUP = {"login-race", "owner-lockout"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, no 12 s wait")
    ap.add_argument("--only", default="", help="comma-separated attack names")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    print(f"attack replay against {TALLY} ({os.cpu_count()} cores)")
    # Older builds have no per-address cap (nor its flag).
    has_flag = "--max-connections-per-address" in subprocess.run(
        [TALLY, "serve", "--help"], capture_output=True, text=True).stdout
    held = 0
    ran = 0
    for name, fn in ATTACKS:
        if only and name not in only:
            continue
        srv = Server(EXTRA_ARGS.get(name, ()) if has_flag else ())
        try:
            if name in NEEDS_SETUP:
                setup(srv)
            text, ok = fn(srv, args.quick)
        except Exception as e:  # report, go on: one failed replay is a finding too
            text, ok = f"replay failed: {e.__class__.__name__}: {e}", False
        finally:
            if srv.proc.poll() is None:
                srv.stop()
            if srv.proc.returncode not in (0, None):
                text += f" [server exit {srv.proc.returncode}]"
                ok = False
            srv.cleanup()
        ran += 1
        held += ok
        print(f"{'held' if ok else 'FAILS':5}  {name:24} {text}", flush=True)
    print(f"{held} of {ran} properties held")
    return 0 if held == ran else 1


if __name__ == "__main__":
    sys.exit(main())
