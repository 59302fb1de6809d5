"""The CLI contract: --version, --help everywhere, exit 2 on unknown flags,
options and operands in any order, and what the admin commands print."""
import re
from pathlib import Path

import pytest

from conftest import ID_RE, make_user, run_cli, unique

# argv, expected exit code, regex stdout must match (None: anything).
# Tests as data (STYLE.md habit 12).
CLI_CASES = [
    (["--version"], 0, r"^tally \S+\n$"),
    (["--help"], 0, r"serve"),
    (["serve", "--help"], 0, r"--listen"),
    (["demo", "--help"], 0, r"\S"),
    (["tenant", "--help"], 0, r"tenant create"),
    (["tenant", "create", "--help"], 0, r"tenant create"),
    (["user", "--help"], 0, r"--role"),
    (["user", "create", "--help"], 0, r"--role"),
    (["token", "--help"], 0, r"--email"),
    (["token", "create", "--help"], 0, r"--email"),
    (["import", "--help"], 0, r"tally import .*--project"),
    (["export", "--help"], 0, r"tally export .*--format"),
    (["--no-such-flag"], 2, None),
    (["no-such-command"], 2, None),
    (["serve", "--no-such-flag"], 2, None),
    (["serve", "--listen"], 2, None),  # option missing its argument
    (["demo", "--no-such-flag"], 2, None),
    (["tenant", "create", "--no-such-flag", "x"], 2, None),
    (["user", "create", "--no-such-flag"], 2, None),
    (["import", "--project", "x", "--no-such-flag", "f.jsonl"], 2, None),
    (["export", "--project", "x", "--format"], 2, None),  # option missing its argument
    (["token", "create", "--email", "a@b.test", "--no-such-flag"], 2, None),
]


@pytest.mark.parametrize("argv,status,stdout_re", CLI_CASES,
                         ids=[" ".join(c[0]) for c in CLI_CASES])
def test_cli_exit_codes(argv, status, stdout_re):
    p = run_cli(*argv)
    assert p.returncode == status, f"tally {' '.join(argv)}: {p.returncode}\n{p.stderr}"
    if stdout_re:
        assert re.search(stdout_re, p.stdout), p.stdout


def test_tenant_create_prints_one_id(tmp_path):
    p = run_cli("tenant", "create", "--data", str(tmp_path), "acme", check=True)
    assert ID_RE.match(p.stdout.rstrip("\n")), repr(p.stdout)
    assert p.stdout.count("\n") == 1, repr(p.stdout)


def test_options_after_operands(tmp_path):
    data = str(tmp_path)
    # operand before the option
    p = run_cli("tenant", "create", "acme", "--data", data, check=True)
    assert ID_RE.match(p.stdout.strip())
    # options around and after the "create" operand
    p = run_cli("user", "--email", "m@acme.test", "create", "--tenant", "acme",
                "--data", data, "--role", "manager", check=True)
    assert ID_RE.match(p.stdout.strip())
    p = run_cli("token", "--data", data, "create", "--email", "m@acme.test", check=True)
    assert p.stdout.strip()


def test_token_create_prints_only_the_token(server):
    u = make_user(server, "annotator")
    p = server.cli("token", "create", "--email", u.email)
    lines = p.stdout.split("\n")
    assert len(lines) == 2 and lines[1] == "", repr(p.stdout)
    token = lines[0]
    assert re.fullmatch(r"\S{16,}", token), repr(token)
    r = server.request("GET", "/api/v1/projects", token)
    assert r.status_code == 200, r.text


def test_tokens_are_stored_only_as_hashes(server):
    tenant = unique("tenant")
    server.cli("tenant", "create", tenant)
    u = make_user(server, "manager", tenant)
    needle = u.token.encode()
    for f in Path(server.data).rglob("*"):
        if f.is_file():
            assert needle not in f.read_bytes(), f"the raw token is stored in {f}"


def test_user_create_prints_an_id_and_annotator_may_lack_tenant(tmp_path):
    data = str(tmp_path)
    p = run_cli("user", "create", "--data", data, "--email", "w@crowd.test",
                "--role", "annotator", check=True)
    assert ID_RE.match(p.stdout.strip()), repr(p.stdout)


# argv after `user create --data DIR` (a tenant "acme" exists): must fail.
USER_CREATE_FAILURES = [
    ["--email", "x@acme.test", "--role", "manager"],            # no --tenant
    ["--email", "x@acme.test", "--role", "owner"],              # no --tenant
    ["--email", "x@acme.test", "--role", "king", "--tenant", "acme"],
    ["--email", "x@acme.test", "--role", "manager", "--tenant", "nope"],
    ["--role", "manager", "--tenant", "acme"],                  # no --email
]


@pytest.mark.parametrize("argv", USER_CREATE_FAILURES, ids=lambda a: " ".join(a))
def test_user_create_rejects(tmp_path, argv):
    data = str(tmp_path)
    run_cli("tenant", "create", "--data", data, "acme", check=True)
    p = run_cli("user", "create", "--data", data, *argv)
    assert p.returncode != 0
    assert p.stdout == "", repr(p.stdout)


def test_token_create_for_unknown_email_fails(tmp_path):
    p = run_cli("token", "create", "--data", str(tmp_path), "--email", "ghost@x.test")
    assert p.returncode != 0
    assert p.stdout == ""


def test_duplicate_tenant_name_fails(tmp_path):
    data = str(tmp_path)
    run_cli("tenant", "create", "--data", data, "acme", check=True)
    p = run_cli("tenant", "create", "--data", data, "acme")
    assert p.returncode != 0
