"""Files on disk (weakness 9 of issue 6): the data directory is 0700 and
every file in it 0600, even in a directory made 0755 beforehand; the
installation secret (the key behind pseudonyms) lives in its own file, never
in the database, so a copy of tally.db alone cannot unmask annotators;
pseudonyms stay the same across restarts and across the upgrade from a store
that kept the secret in its database; --secret-file puts the secret
elsewhere, and a missing or unsafe one is a clear error."""
import os
import sqlite3
import stat
from pathlib import Path

from conftest import Api, run_cli


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_private(data):
    assert mode(data) == 0o700, f"data dir is {oct(mode(data))}"
    names = sorted(os.listdir(data))
    assert "tally.db" in names and "secret" in names, names
    for name in names:
        want = 0o700 if name == "files" else 0o600  # files/: uploaded media (issue 7)
        assert mode(Path(data) / name) == want, f"{name} is {oct(mode(Path(data) / name))}"


def meta_keys(data):
    with sqlite3.connect(Path(data) / "tally.db") as db:
        return {k for (k,) in db.execute("SELECT key FROM meta")}


def secret_in_files(data, secret):
    return [p.name for p in Path(data).iterdir()
            if p.name != "secret" and p.is_file() and secret in p.read_bytes()]


def premade(tmp_path, name="data"):
    """A data directory made beforehand, open to everyone as by `mkdir`
    under umask 022."""
    data = tmp_path / name
    data.mkdir()
    os.chmod(data, 0o755)
    return data


def label_and_export(srv, tenant=None):
    """Label one task as a fresh annotator; the project's export pseudonyms,
    and what it takes to export again."""
    api = Api(srv)
    s = api.setup_project(n_tasks=1, n_annotators=1)
    n = api.next(s.annotators[0].token, s.pid)
    assert api.submit(s.annotators[0].token, n["task"]["id"], n["lease"]["id"],
                      {"label": "a"}).status_code == 201
    return (s.manager.token, s.pid), pseudonyms(srv, s.manager.token, s.pid)


def pseudonyms(srv, token, pid):
    lines, _ = Api(srv).export(token, pid)
    return [a["annotator"] for line in lines for a in line["annotations"]]


def test_weakness9_serve_keeps_a_premade_dir_and_its_files_private(own_server, tmp_path):
    data = premade(tmp_path)
    old_umask = os.umask(0o022)  # what a shell usually has: files would be 0644
    try:
        srv = own_server(data_dir=data)
        label_and_export(srv)
        assert_private(data)     # while running: tally.db, -wal, -shm, secret
        srv.stop()
    finally:
        os.umask(old_umask)
    assert_private(data)


def test_weakness9_demo_keeps_a_premade_dir_and_its_files_private(tmp_path):
    data = premade(tmp_path)
    old_umask = os.umask(0o022)
    try:
        run_cli("demo", "--data", str(data), check=True)
    finally:
        os.umask(old_umask)
    assert_private(data)


def test_weakness9_old_files_are_tightened(own_server, tmp_path):
    data = premade(tmp_path)
    srv = own_server(data_dir=data)
    srv.stop()
    os.chmod(data, 0o755)
    os.chmod(data / "tally.db", 0o644)
    srv = own_server(data_dir=data)
    assert_private(data)


def test_weakness9_the_database_holds_no_secret(own_server, tmp_path):
    srv = own_server()
    label_and_export(srv)
    srv.stop()
    data = Path(srv.data)
    secret = (data / "secret").read_bytes()
    assert len(secret) == 32
    assert "secret" not in meta_keys(data)
    assert secret_in_files(data, secret) == []


def test_weakness9_pseudonyms_survive_restart_and_the_upgrade(own_server, tmp_path):
    data = tmp_path / "data"
    srv = own_server(data_dir=data)
    (token, pid), before = label_and_export(srv)
    assert len(before) == 1 and before[0]
    srv.stop()

    srv = own_server(data_dir=data)
    assert pseudonyms(srv, token, pid) == before, "a restart changed the pseudonyms"
    srv.stop()

    # Make the store what older versions left: the secret in meta, no file.
    secret = (data / "secret").read_bytes()
    with sqlite3.connect(data / "tally.db") as db:
        db.execute("DELETE FROM meta WHERE key = 'secret_check'")
        db.execute("INSERT INTO meta(key, value) VALUES('secret', ?)", (secret,))
    (data / "secret").unlink()
    assert "secret" in meta_keys(data)

    srv = own_server(data_dir=data)
    assert pseudonyms(srv, token, pid) == before, "the upgrade changed the pseudonyms"
    assert (data / "secret").read_bytes() == secret
    assert mode(data / "secret") == 0o600
    assert "secret" not in meta_keys(data)
    srv.stop()
    assert secret_in_files(data, secret) == [], "the secret's bytes stayed in the database"


def test_weakness9_secret_file_elsewhere(own_server, tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    secret_file = keys / "tally.secret"
    data = tmp_path / "data"
    srv = with_secret_file(own_server(["--secret-file", str(secret_file)], data_dir=data),
                           secret_file)
    (token, pid), before = label_and_export(srv)
    assert mode(secret_file) == 0o600
    assert not (data / "secret").exists()
    # The admin CLI names it too ...
    run_cli("tenant", "create", "--data", str(data), "--secret-file", str(secret_file),
            "elsewhere-ok", check=True)
    # ... and without it, the store is refused rather than given a new secret.
    r = run_cli("tenant", "create", "--data", str(data), "no-secret")
    assert r.returncode == 1
    assert "secret" in r.stderr and "missing" in r.stderr, r.stderr
    assert not (data / "secret").exists()
    srv.stop()
    srv = own_server(["--secret-file", str(secret_file)], data_dir=data)
    assert pseudonyms(srv, token, pid) == before


def with_secret_file(srv, secret_file):
    """srv, whose admin CLI (srv.cli) names secret_file too."""
    def cli(*args, stdin=None, check=True):
        return run_cli(*args, "--data", srv.data, "--secret-file", str(secret_file),
                       stdin=stdin, check=check)
    srv.cli = cli
    return srv


def serve_fails(data, *args):
    r = run_cli("serve", "--data", str(data), "--listen", "127.0.0.1:0", *args)
    assert r.returncode == 1, r
    return r.stderr


def test_weakness9_a_missing_or_unsafe_secret_is_a_clear_error(own_server, tmp_path):
    srv = own_server()
    srv.stop()
    data = Path(srv.data)
    missing = tmp_path / "nowhere" / "secret"
    err = serve_fails(data, "--secret-file", str(missing))
    assert str(missing) in err and "missing" in err, err
    r = run_cli("user", "create", "--data", str(data), "--secret-file", str(missing),
                "--email", "x@example.test", "--role", "annotator")
    assert r.returncode == 1 and "missing" in r.stderr, r.stderr

    open_copy = tmp_path / "open-secret"
    open_copy.write_bytes((data / "secret").read_bytes())
    os.chmod(open_copy, 0o644)
    err = serve_fails(data, "--secret-file", str(open_copy))
    assert "group or others" in err, err

    short = tmp_path / "short-secret"
    short.write_bytes(b"x" * 31)
    os.chmod(short, 0o600)
    err = serve_fails(data, "--secret-file", str(short))
    assert "31 bytes" in err, err

    err = serve_fails(data, "--secret-file", str(tmp_path))
    assert "not a regular file" in err, err

    other = tmp_path / "other-secret"
    other.write_bytes(os.urandom(32))
    os.chmod(other, 0o600)
    err = serve_fails(data, "--secret-file", str(other))
    assert "not the one this store was made with" in err, err
