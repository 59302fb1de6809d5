"""Browser sessions (POST/GET/DELETE /api/v1/auth/session): the token in an
HttpOnly, SameSite=Strict cookie, CSRF protection of every cookie-
authenticated request that changes something (X-CSRF-Token, Origin), API
tokens unaffected, sign-out revoking at once, expiry."""
import hashlib
import sqlite3
from pathlib import Path

import requests

from conftest import HTTP_TIMEOUT, RFC3339_UTC_RE, Api, assert_error, unique

PASSWORD = "correct horse battery"
SESSION = "/api/v1/auth/session"


def password_user(srv, role="manager"):
    tenant = Api(srv).tenant()
    email = f"{unique('sess')}@example.test"
    srv.cli("user", "create", "--email", email, "--role", role, "--tenant", tenant.name,
            "--password-stdin", stdin=PASSWORD + "\n")
    return email, tenant


def sign_in(srv, email, password=PASSWORD, headers=None):
    """(response, requests.Session holding the cookie)."""
    s = requests.Session()
    r = srv.request("POST", SESSION, json_body={"email": email, "password": password},
                    headers=headers, session=s)
    return r, s


def set_cookie(r):
    raw = r.headers["Set-Cookie"]
    parts = [p.strip() for p in raw.split(";")]
    name, _, value = parts[0].partition("=")
    return name, value, parts[1:]


def test_sign_in_sets_a_strict_httponly_cookie_and_returns_me_and_csrf(server):
    email, _ = password_user(server)
    r, s = sign_in(server, email)
    assert r.status_code == 201, r.text
    name, value, attrs = set_cookie(r)
    assert name == "tally_session" and value.startswith("tly_")
    assert sorted(attrs) == sorted(["Path=/", "HttpOnly", "SameSite=Strict", "Max-Age=43200"])
    body = r.json()
    assert body["user"]["email"] == email and body["user"]["role"] == "manager"
    assert len(body["csrf"]) == 64 and RFC3339_UTC_RE.match(body["expires_at"])
    assert "token" not in body and value not in r.text  # the page never sees the token
    me = server.request("GET", "/api/v1/me", session=s)
    assert me.status_code == 200 and me.json() == body["user"]
    again = server.request("GET", SESSION, session=s)
    assert again.status_code == 200 and again.json()["csrf"] == body["csrf"]
    assert again.json()["user"] == body["user"]


def test_secure_flag_only_with_secure_cookies(own_server):
    srv = own_server(["--secure-cookies"])
    email, _ = password_user(srv)
    r, _ = sign_in(srv, email)
    assert r.status_code == 201, r.text
    assert "Secure" in set_cookie(r)[2]
    out = srv.request("DELETE", SESSION, headers={"Cookie": f"tally_session={set_cookie(r)[1]}",
                                                   "X-CSRF-Token": r.json()["csrf"]})
    assert out.status_code == 204
    assert "Secure" in set_cookie(out)[2]


def test_wrong_credentials_answer_like_login(server):
    email, _ = password_user(server)
    r, _ = sign_in(server, email, "wrong")
    assert_error(r, 401)
    assert "Set-Cookie" not in r.headers
    login = server.request("POST", "/api/v1/auth/login",
                           json_body={"email": email, "password": "wrong"})
    assert login.json() == r.json()
    r, _ = sign_in(server, f"{unique('nobody')}@example.test", "wrong")
    assert_error(r, 401)


def test_sign_in_counts_with_login_and_is_throttled(server):
    email, _ = password_user(server)
    for _ in range(5):  # the free failures, shared with /auth/login
        server.request("POST", "/api/v1/auth/login",
                       json_body={"email": email, "password": "wrong"})
    r, _ = sign_in(server, email, "wrong")
    r2, _ = sign_in(server, email, "wrong")
    assert 429 in (r.status_code, r2.status_code), (r.text, r2.text)
    limited = r if r.status_code == 429 else r2
    assert int(limited.headers["Retry-After"]) >= 1


def test_no_session_is_401(server):
    assert_error(server.request("GET", SESSION), 401)
    assert_error(server.request("GET", SESSION, headers={"Cookie": "tally_session=tly_nope"}), 401)
    assert_error(server.request("GET", "/api/v1/me", headers={"Cookie": "other=1"}), 401)


def test_csrf_missing_wrong_right(server):
    email, _ = password_user(server)
    r, s = sign_in(server, email)
    csrf = r.json()["csrf"]
    body = {"name": unique("p"), "schema": {"fields": [{"name": "l", "type": "choice",
                                                        "options": ["a", "b"]}]}}
    missing = server.request("POST", "/api/v1/projects", json_body=body, session=s)
    assert_error(missing, 403, "csrf")
    wrong = server.request("POST", "/api/v1/projects", json_body=body, session=s,
                           headers={"X-CSRF-Token": "0" * 64})
    assert_error(wrong, 403, "csrf")
    short = server.request("POST", "/api/v1/projects", json_body=body, session=s,
                           headers={"X-CSRF-Token": csrf[:10]})
    assert_error(short, 403, "csrf")
    right = server.request("POST", "/api/v1/projects", json_body=body, session=s,
                           headers={"X-CSRF-Token": csrf})
    assert right.status_code == 201, right.text
    # reads need none
    assert server.request("GET", "/api/v1/projects", session=s).status_code == 200


def test_foreign_origin_is_refused_own_origin_accepted(server):
    email, _ = password_user(server)
    r, s = sign_in(server, email)
    h = {"X-CSRF-Token": r.json()["csrf"]}
    for origin in ("https://evil.example", "null", f"http://127.0.0.1:{server.port}.evil"):
        got = server.request("POST", "/api/v1/tokens", json_body={}, session=s,
                             headers={**h, "Origin": origin})
        assert_error(got, 403, "csrf")
    ok = server.request("POST", "/api/v1/tokens", json_body={}, session=s,
                        headers={**h, "Origin": server.url})
    assert ok.status_code == 201, ok.text
    # a sign-in posted from another site (login CSRF)
    r, _ = sign_in(server, email, headers={"Origin": "https://evil.example"})
    assert_error(r, 403, "csrf")


def test_bearer_needs_no_csrf_and_wins_over_a_cookie(server):
    api = Api(server)
    owner = api.tenant().user("owner")
    r = server.request("POST", "/api/v1/tokens", owner.token, json_body={},
                       headers={"Origin": "https://evil.example"})
    assert r.status_code == 201, r.text
    # a bad cookie beside a good bearer token is not looked at
    r = server.request("POST", "/api/v1/tokens", owner.token, json_body={},
                       headers={"Cookie": "tally_session=tly_bogus"})
    assert r.status_code == 201, r.text
    # and a good cookie beside a bad bearer token does not rescue it
    email, _ = password_user(server)
    _, s = sign_in(server, email)
    r = server.request("GET", "/api/v1/me", "tly_bogus", session=s)
    assert_error(r, 401)


def test_sign_out_revokes_at_once_and_clears_the_cookie(server):
    email, _ = password_user(server)
    r, s = sign_in(server, email)
    token = set_cookie(r)[1]
    csrf = r.json()["csrf"]
    assert server.request("GET", "/api/v1/me", session=s).status_code == 200  # cached now
    no_csrf = server.request("DELETE", SESSION, session=s)
    assert_error(no_csrf, 403, "csrf")
    out = server.request("DELETE", SESSION, session=s, headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204, out.text
    name, value, attrs = set_cookie(out)
    assert name == "tally_session" and value == "" and "Max-Age=0" in attrs
    stale = {"Cookie": f"tally_session={token}"}
    assert_error(server.request("GET", "/api/v1/me", headers=stale), 401)
    assert_error(server.request("GET", SESSION, headers=stale), 401)


def test_sign_out_with_an_api_token_revokes_nothing(server):
    owner = Api(server).tenant().user("owner")
    r = server.request("DELETE", SESSION, owner.token)
    assert r.status_code == 204
    assert server.request("GET", "/api/v1/me", owner.token).status_code == 200


def test_expired_session_is_401(server):
    """No clock hook: the token's expiry is moved into the past in the store
    (before the server has cached it)."""
    email, _ = password_user(server)
    r, _ = sign_in(server, email)
    token = set_cookie(r)[1]
    digest = hashlib.blake2b(token.encode(), digest_size=32).hexdigest()
    with sqlite3.connect(Path(server.data) / "tally.db", timeout=HTTP_TIMEOUT) as db:
        n = db.execute("UPDATE tokens SET expires_at = 1 WHERE hash = ?", (digest,)).rowcount
    assert n == 1
    assert_error(server.request("GET", SESSION, headers={"Cookie": f"tally_session={token}"}),
                 401)


def test_cookie_header_is_parsed_strictly(server):
    email, _ = password_user(server)
    r, _ = sign_in(server, email)
    token = set_cookie(r)[1]
    ok = [f"a=1; tally_session={token}; b=2", f"tally_session=\"{token}\"",
          f"x=\"unbalanced; tally_session={token}"]
    for cookie in ok:
        got = server.request("GET", SESSION, headers={"Cookie": cookie})
        assert got.status_code == 200, (cookie, got.text)
    bad = [f"tally_session={token}; tally_session={token}",  # tossing: which one is ours?
           f"tally_session={token} x", "tally_session=", f"tally_session={token}\\",
           f"tally_session={token}{'a' * 300}", f"Tally_Session={token}"]
    for cookie in bad:
        assert_error(server.request("GET", SESSION, headers={"Cookie": cookie}), 401)


def test_sessions_are_listed_as_sessions_and_api_tokens_as_api(server):
    """GET /api/v1/tokens says what each token is; the browser session is
    the one whose expiry GET /auth/session reports (the console warns
    before revoking it)."""
    email, _ = password_user(server)
    r, s = sign_in(server, email)
    assert r.status_code == 201, r.text
    csrf = {"X-CSRF-Token": r.json()["csrf"]}
    made = server.request("POST", "/api/v1/tokens", json_body={"name": "script"},
                          headers=csrf, session=s)
    assert made.status_code == 201, made.text
    login = server.request("POST", "/api/v1/auth/login",
                           json_body={"email": email, "password": PASSWORD}).json()
    tokens = server.request("GET", "/api/v1/tokens", session=s).json()["tokens"]
    kinds = sorted((k["kind"], k["name"] or "") for k in tokens)
    assert kinds == [("api", "script"), ("session", ""), ("session", "")]
    current = server.request("GET", SESSION, session=s).json()["expires_at"]
    mine = [k for k in tokens if k["kind"] == "session" and k["expires_at"] == current]
    assert len(mine) == 1 and login["expires_at"] != current
