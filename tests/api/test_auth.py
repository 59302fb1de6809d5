"""POST /api/v1/auth/login: session tokens for users with a password, one
answer for every wrong email or password, and a ceiling on guessing (10
failures per account, 100 per address, per 15 minutes)."""
from conftest import Api, assert_error, unique

PASSWORD = "correct horse battery"


def password_user(srv, role="manager"):
    tenant = Api(srv).tenant()
    email = f"{unique('login')}@example.test"
    srv.cli("user", "create", "--email", email, "--role", role, "--tenant", tenant.name,
            "--password-stdin", stdin=PASSWORD + "\n")
    return email


def login(srv, email, password):
    return srv.request("POST", "/api/v1/auth/login",
                       json_body={"email": email, "password": password})


def test_login_gives_a_working_token(server):
    email = password_user(server)
    r = login(server, email, PASSWORD)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["role"] == "manager" and body["expires_at"].endswith("Z")
    assert server.request("GET", "/api/v1/projects", body["token"]).status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(server):
    email = password_user(server)
    wrong = login(server, email, "not the password")
    unknown = login(server, f"{unique('nobody')}@example.test", PASSWORD)
    assert_error(wrong, 401, "unauthorized")
    assert_error(unknown, 401, "unauthorized")
    assert wrong.json() == unknown.json()
    # A user created without a password cannot log in either, same answer.
    tenant = Api(server).tenant()
    no_pw = tenant.user("viewer")
    assert login(server, no_pw.email, "").json() == wrong.json()


def test_guessing_is_refused_after_ten_failures(own_server):
    srv = own_server()
    email = password_user(srv)
    for _ in range(10):
        assert_error(login(srv, email, "guess"), 401, "unauthorized")
    r = login(srv, email, PASSWORD)            # even the right password, now
    assert_error(r, 429, "rate_limited")
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60
    # The count is per account: the same address may still log in elsewhere,
    # and the email's case does not open a second count.
    other = password_user(srv)
    assert login(srv, other, PASSWORD).status_code == 200
    assert_error(login(srv, email.upper(), PASSWORD), 429, "rate_limited")


def test_a_success_clears_the_account_count(own_server):
    srv = own_server()
    email = password_user(srv)
    for _ in range(9):
        assert_error(login(srv, email, "guess"), 401, "unauthorized")
    assert login(srv, email, PASSWORD).status_code == 200
    for _ in range(9):
        assert_error(login(srv, email, "guess"), 401, "unauthorized")
    assert login(srv, email, PASSWORD).status_code == 200


def test_one_address_is_refused_after_a_hundred_failures(own_server):
    srv = own_server()
    email = password_user(srv)
    for i in range(100):   # spread over accounts so no account limit is reached
        assert_error(login(srv, f"spray{i}@example.test", "guess"), 401, "unauthorized")
    assert_error(login(srv, email, PASSWORD), 429, "rate_limited")
