"""The CLI contract: --version, --help everywhere, exit 2 on unknown flags,
options and operands in any order, and what the admin commands print."""
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import ID_RE, REPO, TALLY_BIN, make_user, run_cli, unique

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
    (["init", "--help"], 0, r"tally init"),
    (["tenant", "--help"], 0, r"tenant list"),
    (["user", "--help"], 0, r"user list .*--tenant"),
    (["token", "--help"], 0, r"token revoke .*ID"),
    (["init", "extra"], 2, None),
    (["tenant", "frobnicate"], 2, None),
    (["tenant", "list", "extra"], 2, None),
    (["user", "list", "extra"], 2, None),
    (["token", "revoke"], 2, None),  # no ID
    (["token", "revoke", "a", "b"], 2, None),
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
    run_cli("init", "--data", data, check=True)
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


# Admin commands that read or change a store: on a --data dir that holds none
# they say so and exit 1, and make nothing (a mistyped --data must not start
# an empty store beside the real one).
NEEDS_A_STORE = [
    ["user", "create", "--email", "w@crowd.test", "--role", "annotator"],
    ["user", "list"],
    ["tenant", "list"],
    ["token", "create", "--email", "w@crowd.test"],
    ["token", "revoke", "0190b5a0-0000-7000-8000-000000000000"],
    ["import", "--project", "0190b5a0-0000-7000-8000-000000000000", "--format", "jsonl",
     "/dev/null"],
    ["export", "--project", "0190b5a0-0000-7000-8000-000000000000", "--format", "jsonl"],
]


@pytest.mark.parametrize("argv", NEEDS_A_STORE, ids=lambda a: " ".join(a[:2]))
def test_admin_commands_refuse_a_missing_store(tmp_path, argv):
    data = tmp_path / "typo"
    p = run_cli(*argv, "--data", str(data))
    assert p.returncode == 1, p.stderr
    assert "holds no Tally store" in p.stderr and p.stdout == ""
    assert not data.exists(), "a store was made"
    data.mkdir()  # an empty directory is no store either
    p = run_cli(*argv, "--data", str(data))
    assert p.returncode == 1 and "holds no Tally store" in p.stderr
    assert list(data.iterdir()) == []


@pytest.mark.parametrize("argv", [["init"], ["tenant", "create", "acme"], ["demo"]],
                         ids=lambda a: a[0])
def test_setup_commands_make_the_store(tmp_path, argv):
    data = tmp_path / "new"
    run_cli(*argv, "--data", str(data), check=True)
    p = run_cli("tenant", "list", "--data", str(data), check=True)
    assert p.stdout.startswith("id\tname\tusers\tcreated_at\n")


def test_init_is_idempotent_and_prints_the_dir(tmp_path):
    data = str(tmp_path / "d")
    assert run_cli("init", "--data", data, check=True).stdout == data + "\n"
    run_cli("tenant", "create", "--data", data, "acme", check=True)
    run_cli("init", "--data", data, check=True)
    assert "\tacme\t" in run_cli("tenant", "list", "--data", data, check=True).stdout


def test_tenant_and_user_list(tmp_path):
    data = str(tmp_path)
    acme = run_cli("tenant", "create", "--data", data, "acme", check=True).stdout.strip()
    run_cli("tenant", "create", "--data", data, "zeta", check=True)
    owner = run_cli("user", "create", "--data", data, "--email", "o@acme.test", "--role",
                    "owner", "--tenant", "acme", check=True).stdout.strip()
    worker = run_cli("user", "create", "--data", data, "--email", "w@crowd.test", "--role",
                     "annotator", check=True).stdout.strip()
    rows = [line.split("\t") for line in
            run_cli("tenant", "list", "--data", data, check=True).stdout.splitlines()]
    assert rows[0] == ["id", "name", "users", "created_at"]
    assert [r[:3] for r in rows[1:]][0] == [acme, "acme", "1"]
    assert [r[1:3] for r in rows[1:]] == [["acme", "1"], ["zeta", "0"]]
    rows = [line.split("\t") for line in
            run_cli("user", "list", "--data", data, check=True).stdout.splitlines()]
    assert rows[0] == ["id", "email", "role", "tenant", "disabled", "created_at"]
    assert [r[:5] for r in rows[1:]] == [[owner, "o@acme.test", "owner", "acme", "no"],
                                         [worker, "w@crowd.test", "annotator", "-", "no"]]
    out = run_cli("user", "list", "--data", data, "--tenant", "acme", check=True).stdout
    assert "w@crowd.test" not in out and "o@acme.test" in out
    out = run_cli("user", "list", "--data", data, "--tenant", "zeta", check=True).stdout
    assert out.count("\n") == 1  # the header alone
    p = run_cli("user", "list", "--data", data, "--tenant", "nope")
    assert p.returncode == 1 and "no tenant named 'nope'" in p.stderr


def test_token_revoke_is_refused_by_the_server(server):
    u = make_user(server, "annotator")
    made = server.request("POST", "/api/v1/tokens", u.token, json_body={}).json()
    p = server.cli("token", "revoke", made["id"])
    assert p.stdout == f"revoked {made['id']}\n"
    r = server.request("GET", "/api/v1/me", made["token"])
    assert r.status_code == 401, r.text
    assert server.request("GET", "/api/v1/me", u.token).status_code == 200
    p = server.cli("token", "revoke", made["id"], check=False)
    assert p.returncode == 1 and "no live token" in p.stderr


def test_demo_prints_the_url_make_run_serves(tmp_path):
    """`make run LISTEN=...` passes its address to the demo as TALLY_LISTEN."""
    env = dict(os.environ, TALLY_LISTEN="[::1]:9000")
    p = subprocess.run([TALLY_BIN, "demo", "--data", str(tmp_path / "d")], env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "URL:        http://[::1]:9000 " in p.stdout
    assert "http://[::1]:9000/api/v1/projects" in p.stdout


def test_readme_quality_examples_run():
    """The README's quality commands on the files examples/quality ships:
    the spammer is found, the truth mostly recovered, the strongest model
    ranked first."""
    import csv
    import io
    e = REPO / "examples" / "quality"
    workers = e / "workers.out.csv"
    try:
        out = run_cli("aggregate", "--workers", str(workers), "--gold", str(e / "gold.csv"),
                      str(e / "labels.csv"), check=True).stdout
        skill = {r["worker"]: float(r["skill"]) for r in csv.DictReader(workers.open())}
    finally:
        workers.unlink(missing_ok=True)
    assert min(skill, key=skill.get) == "spammer" and skill["spammer"] < 0.45
    got = {r["task"]: r["label"] for r in csv.DictReader(io.StringIO(out))}
    truth = {r["task"]: r["label"] for r in csv.DictReader((e / "truth.csv").open())}
    assert sum(got[t] == truth[t] for t in truth) / len(truth) >= 0.95
    assert run_cli("agreement", "--metric", "fleiss", str(e / "labels.csv"),
                   check=True).stdout.strip() == "0.455874"
    assert run_cli("agreement", "--metric", "alpha", "--level", "ordinal",
                   str(e / "ratings.csv"), check=True).stdout.strip() == "0.859928"
    board = run_cli("leaderboard", "--bootstrap", "100", "--seed", "1", str(e / "battles.csv"),
                    check=True).stdout
    ranked = [r["model"] for r in csv.DictReader(io.StringIO(board))]
    assert ranked == ["model-large", "model-medium", "model-small", "baseline"]
