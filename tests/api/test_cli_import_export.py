"""`tally import` and `tally export` against the shared server's data
directory while it runs: imports checked through the API, exports compared
byte for byte with the HTTP export, --out replaced atomically."""
import json
import os
import re
import subprocess
import threading

import pytest

from conftest import CHOICE_AB, NDJSON, SLOW, TALLY_BIN, run_cli, sanitizer_report

BOXES = {
    "views": [{"source": "image", "kind": "image"}],
    "fields": [{"name": "objects", "type": "boxes", "source": "image",
                "labels": ["car", "person"]}],
}
BOX_RESULT = {"objects": [{"x": 10, "y": 20, "width": 30, "height": 40, "label": "car"}]}
PAIRWISE = [{"name": "better", "type": "pairwise", "sources": ["r1", "r2"]}]


def http_export(api, token, pid, fmt):
    r = api.srv.request("GET", f"/api/v1/projects/{pid}/export?format={fmt}", token)
    assert r.status_code == 200, r.text
    return r.content


def exported_data(api, token, pid):
    """The task data of the project, in import order."""
    lines = http_export(api, token, pid, "jsonl").decode().splitlines()
    return [json.loads(line)["data"] for line in lines]


def cli_bytes(api, *args):
    """`tally ARGS... --data DATA` with stdout as bytes (run_cli's text mode
    would turn CSV's CRLF into LF); must exit 0."""
    p = subprocess.run([TALLY_BIN, *args, "--data", api.srv.data], capture_output=True,
                       timeout=60 * SLOW)
    stderr = p.stderr.decode(errors="replace")
    assert sanitizer_report(stderr) is None, stderr
    assert p.returncode == 0, stderr
    return p.stdout


def cli_import(api, pid, *args, stdin=None, check=True):
    return api.srv.cli("import", "--project", pid, *args, stdin=stdin, check=check)


def project(api, fields=None, schema=None, overlap=1):
    t = api.tenant()
    mgr = t.user("manager")
    if schema is None:
        pid = t.project(mgr.token, fields=fields, overlap=overlap)
    else:
        r = api.srv.request("POST", "/api/v1/projects", mgr.token,
                            json_body={"name": "cli", "schema": schema, "overlap": overlap})
        assert r.status_code == 201, r.text
        pid = r.json()["id"]
    return t, mgr, pid


TASKS = [{"text": "one", "n": 1}, {"text": "two, \"quoted\"", "n": 2}, {"text": "ünï", "n": 3}]
CSV_BODY = 'text,n\none,1\n"two, ""quoted""",2\nünï,3\n'
CSV_TASKS = [{"text": "one", "n": "1"}, {"text": "two, \"quoted\"", "n": "2"},
             {"text": "ünï", "n": "3"}]

# file name, its bytes, --format args, the task data the API must then show
IMPORT_CASES = [
    ("t.jsonl", "".join(json.dumps(t) + "\n" for t in TASKS), [], TASKS),
    ("t.ndjson", "".join(json.dumps(t) + "\n" for t in TASKS), [], TASKS),
    ("t.json", json.dumps(TASKS), [], TASKS),
    ("t.csv", CSV_BODY, [], CSV_TASKS),
    ("tasks.txt", json.dumps(TASKS), ["--format", "json"], TASKS),
    ("t.JSONL", "".join(json.dumps({"data": t}) + "\n" for t in TASKS), [], TASKS),
]


@pytest.mark.parametrize("name,body,fmt,expect", IMPORT_CASES, ids=[c[0] for c in IMPORT_CASES])
def test_import_file_formats(api, tmp_path, name, body, fmt, expect):
    _, mgr, pid = project(api)
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    p = cli_import(api, pid, *fmt, str(path))
    assert p.stdout == f"imported {len(expect)} tasks\n"
    assert p.stderr == "", "quiet when stderr is not a terminal"
    assert exported_data(api, mgr.token, pid) == expect
    assert api.counts(mgr.token, pid)["tasks"] == len(expect)


def test_import_from_stdin_defaults_to_jsonl(api):
    _, mgr, pid = project(api)
    body = "".join(json.dumps(t) + "\n" for t in TASKS)
    p = cli_import(api, pid, "-", stdin=body)
    assert p.stdout == "imported 3 tasks\n"
    assert exported_data(api, mgr.token, pid) == TASKS
    p = cli_import(api, pid, "--format", "csv", "-", stdin=CSV_BODY)
    assert exported_data(api, mgr.token, pid) == TASKS + CSV_TASKS


def test_import_predictions_are_checked_like_http(api, tmp_path):
    _, mgr, pid = project(api)
    good = {"text": "x", "predictions": [{"model": "m", "result": {"label": "a"}, "score": 0.5}]}
    bad = {"text": "y", "predictions": [{"model": "m", "result": {"label": "zzz"}}]}
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    p = cli_import(api, pid, str(path), check=False)
    assert p.returncode == 1 and p.stdout == ""
    assert "line 2: prediction 1" in p.stderr, p.stderr
    path.write_text(json.dumps(good) + "\n")
    cli_import(api, pid, str(path))
    line = json.loads(http_export(api, mgr.token, pid, "jsonl"))
    assert line["predictions"][0]["model"] == "m"


def test_bad_line_after_staged_batches_stores_nothing(api, tmp_path):
    """9,000 good lines (more than one 8,192-item batch, so one is staged)
    then a bad one: exit 1, the line named, no task stored."""
    _, mgr, pid = project(api)
    path = tmp_path / "big.jsonl"
    with open(path, "w") as f:
        for i in range(9000):
            f.write(json.dumps({"text": f"t{i}"}) + "\n")
        f.write('{"text": oops}\n')
    p = cli_import(api, pid, str(path), check=False)
    assert p.returncode == 1, p.stderr
    assert p.stdout == ""
    assert "line 9001" in p.stderr and "nothing was imported" in p.stderr, p.stderr
    assert api.counts(mgr.token, pid)["tasks"] == 0
    assert exported_data(api, mgr.token, pid) == []


IMPORT_FAILURES = [
    # argv after `import --project PID`, exit code, what stderr says
    (["--format", "xml", "-"], 2, "--format must be"),
    (["t.unknown"], 2, "cannot tell the format"),
    (["/no/such/file.jsonl"], 1, "cannot open"),
    ([], 2, "missing FILE"),
    (["a.jsonl", "b.jsonl"], 2, "too many"),
    (["--out", "x", "a.jsonl"], 2, "unknown option"),
]


@pytest.mark.parametrize("argv,status,message", IMPORT_FAILURES,
                         ids=[" ".join(c[0]) or "none" for c in IMPORT_FAILURES])
def test_import_usage_errors(api, argv, status, message):
    _, _, pid = project(api)
    p = cli_import(api, pid, *argv, stdin="", check=False)
    assert p.returncode == status, p.stderr
    assert message in p.stderr, p.stderr


def test_unknown_project_is_a_clear_error(api, tmp_path):
    ghost = "01a20607-0000-7000-8000-000000000000"
    p = api.srv.cli("import", "--project", ghost, "-", stdin='{"a":1}\n', check=False)
    assert p.returncode == 1 and f"no project with id '{ghost}'" in p.stderr, p.stderr
    p = api.srv.cli("export", "--project", ghost, "--format", "jsonl", check=False)
    assert p.returncode == 1 and f"no project with id '{ghost}'" in p.stderr, p.stderr
    assert p.stdout == ""


def test_help_and_required_options():
    for cmd in ("import", "export"):
        p = run_cli(cmd, "--help", check=True)
        assert f"usage: tally {cmd}" in p.stdout and "--project" in p.stdout
        p = run_cli(cmd, "--no-such-flag")
        assert p.returncode == 2
    assert "--project ID is required" in run_cli("import", "x.jsonl").stderr
    assert "--format F is required" in run_cli("export", "--project", "x").stderr
    assert "coco" in run_cli("export", "--help").stdout


def export_formats():
    """The format table's names, as `tally export --help` lists them."""
    m = re.search(r"--format F +one of: (.+)", run_cli("export", "--help").stdout)
    return [n.strip() for n in m.group(1).split(",")]


NER = [{"name": "entities", "type": "spans", "source": "text", "labels": ["PER", "LOC"]}]
NER_RESULT = {"entities": [{"start": 0, "end": 3, "label": "PER"}]}

# format -> (schema, a task's data by number, the result every annotator gives)
FORMAT_PROJECTS = {
    "jsonl": ({"fields": [CHOICE_AB]}, lambda i: {"text": f"item {i}, \"x\"\nline"},
              {"label": "b"}),
    "csv": ({"fields": [CHOICE_AB]}, lambda i: {"text": f"item {i}, \"x\"\nline"},
            {"label": "b"}),
    "labelstudio": ({"fields": [CHOICE_AB]}, lambda i: {"text": f"item {i}"}, {"label": "a"}),
    "preference": ({"fields": PAIRWISE}, lambda i: {"prompt": f"q{i}", "r1": f"one{i}",
                                                    "r2": f"two{i}"}, {"better": "a"}),
    "coco": (BOXES, lambda i: {"image": f"https://example.test/{i}.png", "width": 200,
                               "height": 100}, BOX_RESULT),
    "yolo": (BOXES, lambda i: {"image": f"https://example.test/{i}.png", "width": 200,
                               "height": 100}, BOX_RESULT),
    "conll": ({"fields": NER}, lambda i: {"text": f"Ada visited London {i}."}, NER_RESULT),
}


def annotated_project(api, fmt):
    """A project with annotations by two annotators (so pseudonyms show) in
    a schema the format exports."""
    schema, task, result = FORMAT_PROJECTS[fmt]
    t, mgr, pid = project(api, schema=schema, overlap=2)
    api.import_tasks(mgr.token, pid, [task(i) for i in range(5)])
    for _ in range(2):
        a = t.user("annotator")
        api.add_member(mgr.token, pid, a.email)
        for _ in range(3):
            n = api.next(a.token, pid)
            r = api.submit(a.token, n["task"]["id"], n["lease"]["id"], result)
            assert r.status_code == 201, r.text
    return mgr, pid


def test_every_format_is_tested():
    assert set(export_formats()) == set(FORMAT_PROJECTS)


@pytest.mark.parametrize("fmt", sorted(FORMAT_PROJECTS))
def test_export_matches_http_byte_for_byte(api, tmp_path, fmt):
    mgr, pid = annotated_project(api, fmt)
    want = http_export(api, mgr.token, pid, fmt)
    assert want, "the export has content"
    assert cli_bytes(api, "export", "--project", pid, "--format", fmt) == want
    out = tmp_path / f"out.{fmt}"
    p = api.srv.cli("export", "--project", pid, "--format", fmt, "--out", str(out))
    assert p.stdout == "" and p.stderr == ""
    assert out.read_bytes() == want
    assert os.listdir(tmp_path) == [out.name], "no temporary file left"


def test_export_unknown_format_lists_the_formats(api):
    _, _, pid = project(api)
    p = api.srv.cli("export", "--project", pid, "--format", "xml", check=False)
    assert p.returncode == 1 and p.stdout == ""
    for name in FORMAT_PROJECTS:
        assert name in p.stderr, p.stderr


def test_export_out_replaces_atomically_and_cleans_up_on_failure(api, tmp_path):
    _, mgr, pid = project(api)
    api.import_tasks(mgr.token, pid, TASKS)
    out = tmp_path / "export.jsonl"
    out.write_bytes(b"old contents")
    api.srv.cli("export", "--project", pid, "--format", "jsonl", "--out", str(out))
    assert out.read_bytes() == http_export(api, mgr.token, pid, "jsonl")
    assert sorted(os.listdir(tmp_path)) == ["export.jsonl"]
    # a refused format leaves the old file alone
    before = out.read_bytes()
    p = api.srv.cli("export", "--project", pid, "--format", "nope", "--out", str(out),
                    check=False)
    assert p.returncode == 1 and out.read_bytes() == before
    # a failure after the temporary file was written (the target is a
    # directory, so the rename fails) removes the temporary file
    (tmp_path / "adir").mkdir()
    p = api.srv.cli("export", "--project", pid, "--format", "jsonl",
                    "--out", str(tmp_path / "adir"), check=False)
    assert p.returncode == 1, p.stderr
    assert sorted(os.listdir(tmp_path)) == ["adir", "export.jsonl"]
    # a directory that does not exist
    p = api.srv.cli("export", "--project", pid, "--format", "jsonl",
                    "--out", str(tmp_path / "nodir" / "x.jsonl"), check=False)
    assert p.returncode == 1 and "cannot create" in p.stderr


def test_import_while_the_server_writes(api, tmp_path):
    """A multi-batch CLI import runs beside HTTP imports and labeling on the
    same data directory: every write of both processes lands."""
    _, mgr, pid = project(api)
    n = 20000
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"i": i}) + "\n" for i in range(n)))
    s = api.setup_project(n_tasks=40, n_annotators=1)
    errors = []

    def http_traffic():
        try:
            a = s.annotators[0]
            for k in range(20):
                body = "".join(json.dumps({"k": k, "j": j}) + "\n" for j in range(50))
                r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/tasks", s.manager.token,
                                    data=body.encode(), headers={"Content-Type": NDJSON})
                if r.status_code != 201:
                    errors.append(f"import {r.status_code} {r.text}")
                nxt = api.next(a.token, s.pid)
                r = api.submit(a.token, nxt["task"]["id"], nxt["lease"]["id"], {"label": "a"})
                if r.status_code != 201:
                    errors.append(f"submit {r.status_code} {r.text}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    th = threading.Thread(target=http_traffic)
    th.start()
    p = cli_import(api, pid, str(path))
    th.join()
    assert not errors, errors
    assert p.stdout == f"imported {n} tasks\n"
    assert api.counts(mgr.token, pid)["tasks"] == n
    data = exported_data(api, mgr.token, pid)
    assert [d["i"] for d in data] == list(range(n))
    counts = api.counts(s.manager.token, s.pid)
    assert counts["tasks"] == 40 + 20 * 50


def test_label_studio_export_imports_and_exports_through_the_cli(api):
    """docs/labelstudio.md: a Label Studio export file imports as it is
    (tasks, annotations, predictions), and `--format labelstudio` gives it
    back as the HTTP export does."""
    from test_labelstudio import LS, convert, ls_fixture
    path = ls_fixture("polygons-min.json")
    schema = convert(api, (LS / "exports" / "polygons-min.config.xml").read_text())
    _, mgr, pid = project(api, schema=schema)
    original = json.loads(path.read_text())
    p = cli_import(api, pid, str(path))
    assert p.stdout == f"imported {len(original)} tasks\n"
    got = json.loads(http_export(api, mgr.token, pid, "labelstudio"))
    assert [t["data"] for t in got] == [t["data"] for t in original]
    assert sum(len(t["annotations"]) for t in got) > 0
    assert cli_bytes(api, "export", "--project", pid, "--format", "labelstudio") == \
        http_export(api, mgr.token, pid, "labelstudio")
