"""The HTTP layer against raw sockets: framing that two parsers could read
differently is refused (weakness 10), log fields cannot be forged (weakness
11), NUL in a path is refused, slow or idle connections are cut on time and
one address cannot lock everyone out (weakness 2), and --listen takes IPv6
and host names."""
import re
import socket
import subprocess
import time

import pytest
import requests

from conftest import HTTP_TIMEOUT, SLOW, START_TIMEOUT, STOP_TIMEOUT, TALLY_BIN, \
    _note_sanitizer


def raw(port, data, host="127.0.0.1", timeout=HTTP_TIMEOUT):
    """Send data on a new connection; read until the server closes it.
    Returns (all bytes read, whether the server closed the connection)."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        got = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return got, True
                got += chunk
        except socket.timeout:
            return got, False
        except ConnectionResetError:
            return got, True


def statuses(data):
    return [int(m) for m in re.findall(rb"^HTTP/1\.[01] (\d{3})", data, re.M)]


def healthy(srv):
    assert srv.request("GET", "/healthz").status_code == 200


# ---- weakness 10: lenient framing ----------------------------------------

SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

FRAMING = {
    "two-content-lengths": b"Content-Length: 5\r\nContent-Length: %d\r\n" % (5 + len(SMUGGLED)),
    "same-content-length-twice": b"Content-Length: %d\r\nContent-Length: %d\r\n"
                                 % (5 + len(SMUGGLED), 5 + len(SMUGGLED)),
    "space-before-colon": b"Transfer-Encoding : chunked\r\n",
    "tab-before-colon": b"Content-Length\t: 5\r\n",
    "te-and-cl": b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
    "two-transfer-encodings": b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
    "unknown-coding": b"Transfer-Encoding: gzip, chunked\r\n",
}


@pytest.mark.parametrize("headers", list(FRAMING.values()), ids=list(FRAMING))
def test_lenient_framing_is_refused_and_closed(server, headers):
    """Each is 400 with Connection: close, and nothing after the headers is
    served as a request of its own (one response, then the server closes).
    No token: the old server answered 401 on the headers it did believe."""
    req = (b"POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           + headers + b"\r\nhello" + SMUGGLED)
    got, closed = raw(server.port, req)
    assert statuses(got) == [400], got[:600]
    assert closed, "the connection stayed open after a framing error"
    assert re.search(rb"^Connection: close\r$", got, re.M | re.I), got[:600]
    assert b'"code":"invalid"' in got, got[:600]
    healthy(server)


def test_ordinary_framing_still_works(server):
    body = b'{"email":"nobody@example.test","password":"x"}'
    got, _ = raw(server.port, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/json\r\nConnection: close\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(body) + body)
    assert statuses(got) == [401], got[:600]
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    got, _ = raw(server.port, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/json\r\nConnection: close\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n" + chunked)
    assert statuses(got) == [401], got[:600]


# ---- weakness 11: log field injection -------------------------------------

def test_log_field_injection(own_server):
    """GET /nothing%20200%2042%0aFAKE was logged as
    `GET /nothing 200 42?FAKE 404 28`: a fake status in the status field."""
    srv = own_server()
    r = requests.get(srv.url + "/nothing%20200%2042%0aFAKE", timeout=HTTP_TIMEOUT)
    assert r.status_code == 404
    r = requests.get(srv.url + "/caf%C3%A9%09x", timeout=HTTP_TIMEOUT)
    assert r.status_code == 404
    time.sleep(0.3)
    lines = srv.log().splitlines()
    hits = [ln for ln in lines if "/nothing" in ln]
    assert len(hits) == 1, lines[-20:]
    fields = hits[0].split(" ")
    # timestamp method path status microseconds
    assert len(fields) == 5, hits[0]
    assert [f.lower() for f in fields[1:4]] == ["get", "/nothing%20200%2042%0afake", "404"], \
        hits[0]
    assert not any(ln.startswith("FAKE") for ln in lines)
    cafe = [ln for ln in lines if "/caf" in ln]
    assert len(cafe) == 1 and cafe[0].split(" ")[3] == "404", cafe


# ---- %00 in a path ----------------------------------------------------------

def test_nul_in_path_is_refused(api):
    """/projects/{id}%00/export was served as GET /projects/{id} (200)."""
    t = api.tenant()
    mgr = t.user("manager")
    pid = t.project(mgr.token)
    srv = api.srv
    assert srv.request("GET", f"/api/v1/projects/{pid}", mgr.token).status_code == 200
    for path in (f"/api/v1/projects/{pid}%00/export", f"/api/v1/projects/{pid}%00",
                 f"/api/v1/projects/{pid}?x=%00"):
        r = srv.request("GET", path, mgr.token)
        assert r.status_code == 400, (path, r.status_code, r.text)
        assert r.json()["error"]["code"] == "invalid"
    healthy(srv)


# ---- weakness 2: slow clients -----------------------------------------------

def _dribble(port, every_s, for_s, host="127.0.0.1"):
    """Send a request line, then one header line every every_s seconds for up
    to for_s seconds. Returns the seconds until the server closed the
    connection, or None if it never did."""
    s = socket.create_connection((host, port), timeout=HTTP_TIMEOUT)
    t0 = time.monotonic()
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        i = 0
        while time.monotonic() - t0 < for_s:
            s.settimeout(every_s)
            try:
                if s.recv(4096) == b"":
                    return time.monotonic() - t0
            except socket.timeout:
                pass
            except ConnectionResetError:
                return time.monotonic() - t0
            try:
                s.sendall(b"X-Slow-%d: y\r\n" % i)
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - t0
            i += 1
        return None
    finally:
        s.close()


def test_slow_headers_are_cut_at_the_deadline(own_server):
    """A header line every 0.5 s kept a connection (and a thread) for ever:
    libmicrohttpd's timeout counts inactivity. The deadline is absolute."""
    srv = own_server(["--header-timeout", "2"])
    took = _dribble(srv.port, 0.5, 8 * SLOW)
    assert took is not None, "a connection dribbling headers was never cut"
    assert 1.5 < took < 4.5 * SLOW, took
    time.sleep(0.3)
    # the method is not known before the headers are complete
    assert re.search(r"^\S+ - /healthz 0 \d+ cut$", srv.log(), re.M), srv.log()[-2000:]
    healthy(srv)


def test_idle_keepalive_connections_are_closed(own_server):
    srv = own_server(["--idle-timeout", "1"])
    with socket.create_connection(("127.0.0.1", srv.port), timeout=HTTP_TIMEOUT) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        got = s.recv(65536)
        assert statuses(got) == [200]
        t0 = time.monotonic()
        s.settimeout(10 * SLOW)
        try:
            rest = s.recv(65536)
        except ConnectionResetError:
            rest = b""
        assert rest == b"", rest
        assert time.monotonic() - t0 < 5 * SLOW


def _open_slow(n, port, host):
    """n connections from source address host, each with half a request."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind((host, 0))
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /healthz HTTP/1.1\r\n")
        except OSError:
            s.close()
            continue
        socks.append(s)
    return socks


def test_one_address_cannot_lock_everyone_out(own_server):
    """1,100 slow connections from one address used to fill the global cap
    of 1,024 (a thread each), and every other client got a reset."""
    srv = own_server(["--header-timeout", "30"])
    socks = _open_slow(1100, srv.port, "127.0.0.1")
    try:
        time.sleep(0.5)
        # another address is served at once
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.settimeout(2 * SLOW)
        t0 = time.monotonic()
        s.connect(("127.0.0.1", srv.port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        s.close()
        assert statuses(got) == [200], got[:300]
        assert time.monotonic() - t0 < 1.0 * SLOW
        # the flooding address itself is held to its cap: a new connection
        # from it is closed without an answer
        got, closed = raw(srv.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                          timeout=5 * SLOW)
        assert closed and got == b"", got[:300]
    finally:
        for s in socks:
            s.close()
    time.sleep(0.5)
    healthy(srv)


# ---- --listen ------------------------------------------------------------

def _has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _serve_on(tmp_path, listen):
    """Start `tally serve --listen LISTEN` (port 0); returns (proc, port, log
    path) once the start line names the port."""
    log_path = tmp_path / f"serve-{abs(hash(listen))}.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([TALLY_BIN, "serve", "--data", str(tmp_path / "data"),
                             "--listen", listen], stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        m = re.search(r"serving http://\S+:(\d+) ", log_path.read_text(errors="replace"))
        if m:
            return proc, int(m.group(1)), log_path
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise AssertionError(log_path.read_text(errors="replace"))


def _stop(proc, log_path):
    proc.terminate()
    rc = proc.wait(timeout=STOP_TIMEOUT)
    text = log_path.read_text(errors="replace")
    assert _note_sanitizer(f"server {log_path}", text) is None, text
    assert rc == 0, text


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="this machine has no ::1")
def test_listen_ipv6(tmp_path):
    proc, port, log_path = _serve_on(tmp_path, "[::1]:0")
    try:
        r = requests.get(f"http://[::1]:{port}/healthz", timeout=HTTP_TIMEOUT)
        assert r.status_code == 200
        assert f"serving http://[::1]:{port} " in log_path.read_text()
    finally:
        _stop(proc, log_path)


def test_listen_host_name(tmp_path):
    proc, port, log_path = _serve_on(tmp_path, "localhost:0")
    try:
        # the first address of localhost that bound: one of these answers
        ok = False
        for host in ("127.0.0.1", "[::1]"):
            try:
                ok |= requests.get(f"http://{host}:{port}/healthz",
                                   timeout=HTTP_TIMEOUT).status_code == 200
            except requests.RequestException:
                pass
        assert ok
    finally:
        _stop(proc, log_path)


@pytest.mark.parametrize("listen", ["::1:8080", "[::1]8080", "[::1]:", "no-such-host.invalid:0"])
def test_listen_bad_values(tmp_path, listen):
    proc = subprocess.run([TALLY_BIN, "serve", "--data", str(tmp_path / "d"), "--listen", listen],
                          capture_output=True, text=True, timeout=60 * SLOW)
    assert proc.returncode in (1, 2), proc.stderr
    assert "listen" in proc.stderr, proc.stderr
