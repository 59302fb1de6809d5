"""The Python client (clients/python/tally_client.py) against a real server:
every call it makes for projects, imports (an iterable streamed with chunked
encoding, and .jsonl/.json/.csv files), labeling, members, media, and the
streamed export, plus its errors."""
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "clients" / "python"))

from tally_client import Client, TallyError  # noqa: E402

SCHEMA = {"fields": [{"name": "label", "type": "choice", "options": ["a", "b"]}]}


@pytest.fixture
def staff(api):
    t = api.tenant()
    mgr = t.user("manager")
    ann = t.user("annotator")
    with Client(api.srv.url, mgr.token) as m, Client(api.srv.url, ann.token) as a:
        yield t, mgr, m, ann, a


def test_project_import_label_export(staff, tmp_path):
    _, _, m, ann, a = staff
    pid = m.create_project("client", SCHEMA, overlap=1)["id"]
    assert any(p["id"] == pid for p in m.projects())
    # a generator, streamed: never a list in memory on either side
    n = m.import_tasks(pid, ({"text": f"item {i}"} for i in range(2500)))
    assert n == 2500
    assert m.project(pid)["counts"]["tasks"] == 2500
    m.add_member(pid, ann.email)

    for _ in range(3):
        got = a.next(pid)
        assert got["task"]["data"]["text"].startswith("item ")
        assert "id" in a.submit(got["task"]["id"], got["lease"]["id"], {"label": "b"})

    rows = list(m.export_rows(pid))
    assert len(rows) == 2500
    labelled = [r for r in rows if r["annotations"]]
    assert len(labelled) == 3 and all(r["annotations"][0]["result"] == {"label": "b"}
                                      for r in labelled)
    out = tmp_path / "export.jsonl"
    size = m.export_to_file(pid, out)
    assert size == out.stat().st_size and not Path(f"{out}.part").exists()
    assert [json.loads(line) for line in out.read_text().splitlines()] == rows
    csv_text = b"".join(m.export(pid, "csv")).decode()
    assert csv_text.startswith("task_id,annotation_id,annotator,created_at,label\r\n")


def test_import_files_of_each_format(staff, tmp_path):
    _, _, m, _, _ = staff
    pid = m.create_project("files", SCHEMA)["id"]
    (tmp_path / "a.jsonl").write_text('{"text":"x"}\n{"text":"y"}\n')
    (tmp_path / "b.json").write_text(json.dumps([
        {"data": {"text": "z"}, "predictions": [{"model": "m", "result": {"label": "a"}}]}]))
    (tmp_path / "c.csv").write_text("text,n\n\"q, r\",1\n")
    assert m.import_tasks(pid, tmp_path / "a.jsonl") == 2
    assert m.import_tasks(pid, str(tmp_path / "b.json")) == 1
    assert m.import_tasks(pid, tmp_path / "c.csv") == 1
    rows = list(m.export_rows(pid))
    assert [r["data"] for r in rows] == [{"text": "x"}, {"text": "y"}, {"text": "z"},
                                         {"text": "q, r", "n": "1"}]
    assert rows[2]["predictions"] == [{"model": "m", "result": {"label": "a"}}]
    with pytest.raises(ValueError):
        m.import_tasks(pid, tmp_path / "a.txt")


def test_errors_carry_status_and_code(staff):
    _, _, m, _, a = staff
    pid = m.create_project("errors", SCHEMA)["id"]
    with pytest.raises(TallyError) as e:
        m.import_tasks(pid, ({"text": "ok"} if i == 0 else "not an object" for i in range(2)))
    assert e.value.status == 400 and "line 2" in e.value.message
    assert m.project(pid)["counts"]["tasks"] == 0  # all or nothing
    with pytest.raises(TallyError) as e:
        a.project(pid)  # not a member: not even its existence
    assert e.value.status == 404
    with pytest.raises(TallyError) as e:
        m.create_project("bad", {"fields": [{"name": "x", "type": "nope"}]})
    assert e.value.status == 400 and e.value.code
    with pytest.raises(TallyError) as e:
        Client(m.base_url, "not-a-token").projects()
    assert e.value.status == 401


def test_next_is_none_when_nothing_is_left(staff):
    _, _, m, ann, a = staff
    pid = m.create_project("drained", SCHEMA)["id"]
    m.import_tasks(pid, [{"text": "only"}])
    m.add_member(pid, ann.email)
    got = a.next(pid)
    a.submit(got["task"]["id"], got["lease"]["id"], {"label": "a"})
    assert a.next(pid) is None


def test_login_convert_and_upload(api, staff, tmp_path):
    t, mgr, m, _, _ = staff
    email = f"{t.name}-pw@example.test"
    api.srv.cli("user", "create", "--tenant", t.name, "--role", "manager", "--email", email,
                "--password-stdin", stdin="correct horse battery\n")
    with Client.login(api.srv.url, email, "correct horse battery") as c:
        assert [p["id"] for p in c.projects()] == [p["id"] for p in m.projects()]
    with pytest.raises(TallyError) as e:
        Client.login(api.srv.url, email, "wrong horse battery")
    assert e.value.status == 401
    schema = m.convert_label_studio_config(
        '<View><Text name="t" value="$text"/><Choices name="s" toName="t">'
        '<Choice value="x"/></Choices></View>')
    assert schema["fields"][0]["type"] == "choice"
    pid = m.create_project("media", {"views": [{"source": "image", "kind": "image"}],
                                     "fields": [{"name": "ok", "type": "choice",
                                                 "options": ["y", "n"]}]})["id"]
    png = tmp_path / "px.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    f = m.upload_file(pid, png, "image/png")
    assert f["url"].endswith(f["id"])


def test_quickstart_example_runs(api, staff):
    """The example script runs start to finish against a server."""
    import subprocess
    _, mgr, _, _, _ = staff
    script = REPO / "clients" / "python" / "examples" / "quickstart.py"
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, env={"TALLY_URL": api.srv.url, "TALLY_TOKEN": mgr.token,
                                           "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert last["tasks"] == 3
    assert "refused: 400" in proc.stdout


def test_lifecycle_tokens_and_webhooks(api, staff):
    t, mgr, m, ann, a = staff
    pid = m.create_project("life", SCHEMA, overlap=1)["id"]
    m.import_tasks(pid, ({"text": f"t{i}"} for i in range(250)))
    tasks = list(m.tasks(pid, page_size=100))  # three pages, followed by cursor
    assert len(tasks) == 250 and len({x["id"] for x in tasks}) == 250
    m.add_member(pid, ann.email)
    got = a.next(pid)
    a.release(got["lease"]["id"], "unreadable")
    got = a.next(pid)
    a.submit(got["task"]["id"], got["lease"]["id"], {"label": "a"})
    assert len(list(m.tasks(pid, state="complete"))) == 1
    one = m.task(got["task"]["id"])
    assert one["annotations"][0]["result"] == {"label": "a"}
    member, = [x for x in m.members(pid) if x["user_id"] == ann.id]
    assert member["progress"]["done"] == 1 and member["progress"]["skipped"] == 1
    m.update_project(pid, name="renamed", overlap=2)
    assert m.project(pid)["name"] == "renamed"

    assert m.me()["email"] == mgr.email
    made = m.create_token("ci")
    assert made["token"] and any(x["id"] == made["id"] for x in m.tokens())
    with Client(api.srv.url, made["token"]) as c:
        assert c.me()["email"] == mgr.email
        m.revoke_token(made["id"])
        with pytest.raises(TallyError) as e:
            c.me()
        assert e.value.status == 401

    hook = m.create_webhook(pid, "https://example.com/hook", ["task.completed"])
    assert len(hook["secret"]) == 64
    assert [h["id"] for h in m.webhooks(pid)] == [hook["id"]]
    m.delete_webhook(pid, hook["id"])
    assert m.webhooks(pid) == []

    m.remove_member(pid, ann.id)
    with pytest.raises(TallyError) as e:
        a.next(pid)
    assert e.value.status == 404
    with pytest.raises(TallyError) as e:
        m.delete_project(pid)  # owners and admins only
    assert e.value.status == 403
    with Client(api.srv.url, t.user("owner").token) as owner:
        owner.delete_project(pid)
        with pytest.raises(TallyError) as e:
            owner.project(pid)
        assert e.value.status == 404
