"""Where `tally serve` listens: TALLY_LISTEN and TALLY_DATA as defaults
(flags win), names and IPv6 literals, and the URL it logs is the one that
answers. Port 0 lets the server pick; the log line tells which."""
import os
import re
import signal
import socket
import subprocess
import time

import pytest
import requests

from conftest import START_TIMEOUT, STOP_TIMEOUT, TALLY_BIN, sanitizer_report

URL_RE = re.compile(r"serving (http://\S+) data=(\S+)")


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class Serve:
    """`tally serve ARGS` with env additions; .url and .data from its log."""

    def __init__(self, tmp_path, args=(), env=None):
        self.log_path = tmp_path / f"serve-{time.monotonic_ns()}.log"
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("TALLY_LISTEN", "TALLY_DATA")}
        full_env.update(env or {})
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([TALLY_BIN, "serve", *args], cwd=tmp_path,
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, env=full_env)
        deadline = time.monotonic() + START_TIMEOUT
        self.url = self.data = None
        while time.monotonic() < deadline and self.proc.poll() is None:
            m = URL_RE.search(self.log())
            if m:
                self.url, self.data = m.group(1), m.group(2)
                return
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"no 'serving' line:\n{self.log()}")

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        assert sanitizer_report(self.log()) is None, self.log()
        return self.proc.returncode


@pytest.fixture
def serve(tmp_path):
    started = []

    def factory(args=(), env=None):
        srv = Serve(tmp_path, args, env)
        started.append(srv)
        return srv

    yield factory
    codes = [srv.stop() for srv in started]
    assert codes == [0] * len(codes), codes


def healthy(url):
    r = requests.get(url + "/healthz", timeout=10)
    return r.status_code == 200 and r.json() == {"status": "ok"}


def test_environment_sets_listen_and_data(serve, tmp_path):
    data = str(tmp_path / "envdata")
    srv = serve(env={"TALLY_LISTEN": "127.0.0.1:0", "TALLY_DATA": data})
    assert srv.url.startswith("http://127.0.0.1:") and srv.data == data
    assert healthy(srv.url)
    assert (tmp_path / "envdata" / "tally.db").exists()


def test_flags_win_over_the_environment(serve, tmp_path):
    data = str(tmp_path / "flagdata")
    srv = serve(args=["--listen", "127.0.0.1:0", "--data", data],
                env={"TALLY_LISTEN": "not an address", "TALLY_DATA": str(tmp_path / "no")})
    assert srv.data == data and healthy(srv.url)
    assert not (tmp_path / "no").exists()


def test_bad_environment_listen_is_a_usage_error(tmp_path):
    env = dict(os.environ, TALLY_LISTEN="nonsense", TALLY_DATA=str(tmp_path / "d"))
    p = subprocess.run([TALLY_BIN, "serve"], env=env, capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 2 and "nonsense" in p.stderr


def test_localhost_logs_the_address_it_serves(serve, tmp_path):
    srv = serve(args=["--listen", "localhost:0", "--data", str(tmp_path / "d")])
    assert re.match(r"http://(127\.0\.0\.1|\[::1\]):\d+$", srv.url), srv.url
    assert healthy(srv.url)


def test_ipv6_loopback(serve, tmp_path):
    if not has_ipv6_loopback():
        pytest.skip("this machine has no IPv6 loopback (::1)")
    srv = serve(args=["--listen", "[::1]:0", "--data", str(tmp_path / "d")])
    assert re.match(r"http://\[::1\]:\d+$", srv.url), srv.url
    assert healthy(srv.url)
