"""Media files of a project (issue 7): upload by managers with an allowlisted
Content-Type whose magic bytes the body must start with, a configurable
ceiling, storage by opaque id under DATA/files (0600 in a 0700 directory),
and serving to the project's staff and members only (404 for anyone else,
another tenant included) with nosniff, a safe disposition and single-range
Range support. A refused or cut-off upload leaves no file and no row."""
import os
import socket
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from conftest import SLOW, Api, assert_error

PAD = bytes(range(256)) * 4  # 1 KiB of filler after each magic

SAMPLES = {
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "image/gif": b"GIF89a\x01\x00\x01\x00",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "audio/wav": b"RIFF\x24\x00\x00\x00WAVEfmt ",
    "audio/mpeg": b"ID3\x03\x00\x00\x00\x00\x00\x00",
    "audio/ogg": b"OggS\x00\x02\x00\x00",
    "audio/flac": b"fLaC\x00\x00\x00\x22",
    "audio/webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04"
                  b"\x42\xf3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02",
    "video/mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00",
}
SAMPLES["video/webm"] = SAMPLES["audio/webm"]


def body_of(ctype):
    return SAMPLES[ctype] + PAD


def upload(srv, token, pid, data, ctype):
    headers = {"Content-Type": ctype} if ctype is not None else {}
    return srv.request("POST", f"/api/v1/projects/{pid}/files", token, data=data,
                       headers=headers)


def files_dir(srv):
    return Path(srv.data) / "files"


def wait_for_listing(srv, names, timeout=15 * SLOW):
    """Wait (generously: a loaded machine notices a dropped connection late)
    until the files dir lists exactly names."""
    deadline = time.time() + timeout
    while time.time() < deadline and sorted(os.listdir(files_dir(srv))) != sorted(names):
        time.sleep(0.02)
    assert sorted(os.listdir(files_dir(srv))) == sorted(names)


def file_rows(srv):
    with sqlite3.connect(Path(srv.data) / "tally.db") as db:
        return [fid for (fid,) in db.execute("SELECT id FROM files")]


@pytest.fixture(scope="module")
def media(server):
    api = Api(server)
    s = api.setup_project(n_tasks=1, n_annotators=1)
    r = upload(server, s.manager.token, s.pid, body_of("image/png"), "image/png")
    assert r.status_code == 201, r.text
    return api, s, r.json()


@pytest.mark.parametrize("ctype", sorted(SAMPLES))
def test_each_allowed_type_uploads_and_serves(server, media, ctype):
    _, s, _ = media
    data = body_of(ctype)
    r = upload(server, s.manager.token, s.pid, data, ctype)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["url"] == f"/api/v1/projects/{s.pid}/files/{out['id']}"
    got = server.request("GET", out["url"], s.manager.token)
    assert got.status_code == 200, got.text
    assert got.content == data
    assert got.headers["Content-Type"] == ctype
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"] == "inline"
    assert got.headers["Accept-Ranges"] == "bytes"


def test_content_type_parameters_are_dropped(server, media):
    _, s, _ = media
    r = upload(server, s.manager.token, s.pid, body_of("audio/webm"), "Audio/WebM; codecs=opus")
    assert r.status_code == 201, r.text
    got = server.request("GET", r.json()["url"], s.manager.token)
    assert got.headers["Content-Type"] == "audio/webm"


@pytest.mark.parametrize("ctype,data", [
    ("image/jpeg", body_of("image/png")),
    ("image/png", b"<html><script>alert(1)</script></html>" + PAD),
    ("image/png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ("video/webm", b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska" + PAD),
    ("image/webp", SAMPLES["audio/wav"] + PAD),
    ("image/png", b"\x89PN"),
])
def test_magic_bytes_mismatch_is_415(server, media, ctype, data):
    _, s, _ = media
    before = set(os.listdir(files_dir(server)))
    r = upload(server, s.manager.token, s.pid, data, ctype)
    assert_error(r, 415, "unsupported_media_type")
    assert set(os.listdir(files_dir(server))) <= before


@pytest.mark.parametrize("ctype", ["image/svg+xml", "text/html", "application/octet-stream",
                                   "image/png2", "image", "", None, "application/json"])
def test_unknown_type_is_415(server, media, ctype):
    _, s, _ = media
    r = upload(server, s.manager.token, s.pid, body_of("image/png"), ctype)
    assert_error(r, 415, "unsupported_media_type")


def test_empty_body_is_400(server, media):
    _, s, _ = media
    assert_error(upload(server, s.manager.token, s.pid, b"", "image/png"), 400)


def test_stored_private_by_opaque_id(server, media):
    _, s, out = media
    d = files_dir(server)
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    f = d / out["id"]
    assert stat.S_IMODE(os.stat(f).st_mode) == 0o600
    assert f.read_bytes() == body_of("image/png")
    assert not [n for n in os.listdir(d) if n.startswith(".tmp-")]


def test_only_managers_upload(server, media):
    _, s, _ = media
    r = upload(server, s.annotators[0].token, s.pid, body_of("image/png"), "image/png")
    assert_error(r, 403)
    viewer = s.tenant.user("viewer")
    assert_error(upload(server, viewer.token, s.pid, body_of("image/png"), "image/png"), 403)


def test_another_tenant_gets_404(server, media):
    api, s, out = media
    other = api.tenant().user("owner")
    assert_error(server.request("GET", out["url"], other.token), 404)
    assert_error(upload(server, other.token, s.pid, body_of("image/png"), "image/png"), 404)


def test_file_of_another_project_is_404(server, media):
    api, s, out = media
    pid2 = s.tenant.project(s.manager.token)
    assert_error(server.request("GET", f"/api/v1/projects/{pid2}/files/{out['id']}",
                                s.manager.token), 404)


def test_own_project_path_with_foreign_file_is_404(server, media):
    api, s, out = media
    t = api.tenant()
    owner = t.user("owner")
    pid = t.project(owner.token)
    assert_error(server.request("GET", f"/api/v1/projects/{pid}/files/{out['id']}",
                                owner.token), 404)


def test_unknown_or_malformed_file_id_is_404(server, media):
    _, s, _ = media
    for fid in ("0190b5a0-0000-7000-8000-000000000000", "..", "x" * 36, "%2e%2e%2ftally.db"):
        assert_error(server.request("GET", f"/api/v1/projects/{s.pid}/files/{fid}",
                                    s.manager.token), 404)


def test_annotators_need_membership(server, media):
    api, s, out = media
    outsider = s.tenant.user("annotator")
    assert_error(server.request("GET", out["url"], outsider.token), 404)
    assert_error(server.request("GET", out["url"], api.workforce_annotator().token), 404)
    member = server.request("GET", out["url"], s.annotators[0].token)
    assert member.status_code == 200 and member.content == body_of("image/png")
    viewer = s.tenant.user("viewer")
    assert server.request("GET", out["url"], viewer.token).status_code == 200
    assert_error(server.request("GET", out["url"]), 401)


def test_range_requests(server, media):
    _, s, out = media
    data = body_of("image/png")
    n = len(data)

    def get(rng, **extra):
        return server.request("GET", out["url"], s.manager.token,
                              headers={"Range": rng, **extra})

    r = get("bytes=0-9")
    assert r.status_code == 206 and r.content == data[:10]
    assert r.headers["Content-Range"] == f"bytes 0-9/{n}"
    r = get("bytes=-5")
    assert r.status_code == 206 and r.content == data[-5:]
    assert r.headers["Content-Range"] == f"bytes {n - 5}-{n - 1}/{n}"
    r = get("bytes=100-")
    assert r.status_code == 206 and r.content == data[100:]
    r = get(f"bytes=10-{n * 10}")
    assert r.status_code == 206 and r.content == data[10:]
    for unsatisfiable in (f"bytes={n}-", f"bytes={n}-{n + 5}", "bytes=-0",
                          "bytes=99999999999999999999999-"):
        r = get(unsatisfiable)
        assert_error(r, 416)
        assert r.headers["Content-Range"] == f"bytes */{n}"
    for ignored in ("bytes=abc", "bytes=5-1", "items=0-5", "bytes=0-1,4-5", "bytes=-", "0-5"):
        r = get(ignored)
        assert r.status_code == 200 and r.content == data, ignored
    r = get("bytes=0-9", **{"If-Range": '"x"'})
    assert r.status_code == 200 and r.content == data


def test_over_the_cap_is_413(own_server):
    srv = own_server(["--max-file-body", "2048"])
    api = Api(srv)
    s = api.setup_project()
    ok = upload(srv, s.manager.token, s.pid, SAMPLES["image/gif"] + b"\0" * 1000, "image/gif")
    assert ok.status_code == 201, ok.text
    big = SAMPLES["image/gif"] + b"\0" * 4096
    assert_error(upload(srv, s.manager.token, s.pid, big, "image/gif"), 413)

    def chunks():  # no Content-Length: the ceiling is counted as it arrives
        yield SAMPLES["image/gif"]
        for _ in range(8):
            yield b"\0" * 1024

    assert_error(upload(srv, s.manager.token, s.pid, chunks(), "image/gif"), 413)
    # the temporary file goes when the request completes, just after the answer
    wait_for_listing(srv, [ok.json()["id"]])
    assert file_rows(srv) == [ok.json()["id"]]


def test_aborted_upload_leaves_nothing(own_server):
    srv = own_server()
    api = Api(srv)
    s = api.setup_project()
    head = (f"POST /api/v1/projects/{s.pid}/files HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {s.manager.token}\r\nContent-Type: image/png\r\n"
            f"Content-Length: 1000000\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", srv.port)) as c:
        c.sendall(head + body_of("image/png") * 100)
        deadline = time.time() + 15 * SLOW
        while time.time() < deadline and not os.listdir(files_dir(srv)):
            time.sleep(0.02)
        assert [n for n in os.listdir(files_dir(srv)) if n.startswith(".tmp-")], \
            "the upload was not being streamed to a temporary file"
    wait_for_listing(srv, [])
    assert file_rows(srv) == []


def test_stale_temp_files_removed_at_start(own_server, tmp_path):
    data = tmp_path / "stale"
    (data / "files").mkdir(parents=True)
    (data / "files" / ".tmp-left-by-a-crash").write_bytes(b"partial")
    srv = own_server(data_dir=data)
    assert os.listdir(files_dir(srv)) == []
