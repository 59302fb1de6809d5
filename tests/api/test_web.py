"""The web UI served from the binary: GET / and GET /assets/{name}, with the
UI's own Content-Security-Policy and security headers, gzip when accepted,
strong ETags answered with 304, and unknown names 404. The API keeps its
default-src 'none'."""
import gzip

import requests

from conftest import HTTP_TIMEOUT, assert_error

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data: blob: https: http:; media-src 'self' blob: data: https: http:; "
       "connect-src 'self' https: http:; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


def get(server, path, **headers):
    return requests.get(server.url + path, headers=headers, timeout=HTTP_TIMEOUT)


def assert_ui_headers(r):
    h = r.headers
    assert h["Content-Security-Policy"] == CSP
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert h["Referrer-Policy"] == "no-referrer"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Cross-Origin-Opener-Policy"] == "same-origin"
    assert h["Cache-Control"] == "no-cache"
    assert h["Vary"] == "Accept-Encoding"
    assert h["ETag"].startswith('"') and h["ETag"].endswith('"')


def test_index_page(server):
    r = get(server, "/", **{"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Encoding" not in r.headers
    assert_ui_headers(r)
    assert b'<script type="module" src="/assets/app.js">' in r.content


def test_app_js_gzip_and_identity_are_the_same_bytes(server):
    plain = get(server, "/assets/app.js", **{"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert plain.headers["Content-Type"] == "text/javascript"
    assert "Content-Encoding" not in plain.headers
    assert_ui_headers(plain)
    # the raw wire bytes of the gzip answer, decompressed here
    zipped = requests.get(server.url + "/assets/app.js", headers={"Accept-Encoding": "gzip"},
                          timeout=HTTP_TIMEOUT, stream=True)
    raw = zipped.raw.read(decode_content=False)
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert_ui_headers(zipped)
    assert raw[:2] == b"\x1f\x8b" and gzip.decompress(raw) == plain.content
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # two representations
    css = get(server, "/assets/app.css")
    assert css.status_code == 200 and css.headers["Content-Type"] == "text/css"


def test_gzip_refused_by_q_zero(server):
    for ae in ("gzip;q=0", "*;q=0", "br", "gzip;q=0, *"):
        r = requests.get(server.url + "/assets/app.js", headers={"Accept-Encoding": ae},
                         timeout=HTTP_TIMEOUT, stream=True)
        assert "Content-Encoding" not in r.headers, ae
    for ae in ("GZIP", "br, gzip;q=0.5", "*", "x-gzip"):
        r = requests.get(server.url + "/assets/app.js", headers={"Accept-Encoding": ae},
                         timeout=HTTP_TIMEOUT, stream=True)
        assert r.headers.get("Content-Encoding") == "gzip", ae


def test_etag_answers_304(server):
    for ae in ("identity", "gzip"):
        first = get(server, "/assets/app.js", **{"Accept-Encoding": ae})
        etag = first.headers["ETag"]
        for inm in (etag, f'"x", {etag}', f"W/{etag}", "*"):
            r = get(server, "/assets/app.js", **{"Accept-Encoding": ae, "If-None-Match": inm})
            assert r.status_code == 304, (ae, inm)
            assert r.content == b""
            assert r.headers["ETag"] == etag
            assert_ui_headers(r)
        r = get(server, "/assets/app.js", **{"Accept-Encoding": ae, "If-None-Match": '"other"'})
        assert r.status_code == 200
    # the identity validator does not validate the gzip copy
    plain = get(server, "/", **{"Accept-Encoding": "identity"}).headers["ETag"]
    r = get(server, "/", **{"Accept-Encoding": "gzip", "If-None-Match": plain})
    assert r.status_code == 200


def test_unknown_assets_are_404_json(server):
    for path in ("/assets/nope.js", "/assets/..%2Findex.html", "/assets/app.js.gz",
                 "/assets/.stamp", "/index.html", "/assets/"):
        r = get(server, path)
        assert r.status_code == 404, path
        assert_error(r, 404)


def test_api_keeps_its_own_csp(server):
    for path in ("/healthz", "/api/v1/openapi.json", "/api/v1/me", "/assets/nope.js"):
        r = get(server, path)
        assert r.headers["Content-Security-Policy"] == "default-src 'none'", path
        assert r.headers["Cache-Control"] == "no-store", path
        assert "Cross-Origin-Opener-Policy" not in r.headers
