"""The schema language over HTTP: 400 naming the bad field at project
creation, 422 naming the field on submit, spans checked against the task's
own text (code points), every project of examples/ accepted, and the
demo's generated media served as files of their projects."""
import binascii
import io
import json
import pathlib
import re
import struct
import wave
import zlib

import pytest

from conftest import Api, assert_error

ROOT = pathlib.Path(__file__).resolve().parents[2]

NER = {
    "views": [{"source": "text", "kind": "text"}],
    "fields": [
        {"name": "ents", "type": "spans", "source": "text", "labels": ["PER", "ORG"]},
        {"name": "rels", "type": "relations", "field": "ents", "labels": ["works_for"],
         "required": False},
    ],
}

DRIVING = {
    "views": [{"source": "image", "kind": "image"}],
    "fields": [
        {"name": "boxes", "type": "boxes", "source": "image", "labels": ["car"]},
        {"name": "occluded", "type": "choice", "options": ["yes", "no"], "required": False},
        {"name": "how", "type": "text", "show_if": {"field": "occluded", "equals": "yes"}},
    ],
}


def make_project(api, schema, tasks):
    """A tenant, a manager, a project with this schema and tasks, an annotator."""
    t = api.tenant()
    mgr = t.user("manager")
    r = api.srv.request("POST", "/api/v1/projects", mgr.token,
                        json_body={"name": "p", "schema": schema})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    api.import_tasks(mgr.token, pid, tasks)
    ann = t.user("annotator")
    api.add_member(mgr.token, pid, ann.email)
    return pid, ann


# (id, schema, a piece the 400's message must hold)
BAD_SCHEMAS = [
    ("unknown-type", {"fields": [{"name": "f", "type": "bbox"}]}, "'f': unknown type"),
    ("unknown-key", {"fields": [{"name": "f", "type": "spans", "source": "t",
                                 "lables": ["X"]}]}, "unknown key 'lables'"),
    ("spans-without-labels", {"fields": [{"name": "f", "type": "spans", "source": "t"}]},
     "'f': labels"),
    ("boxes-without-source", {"fields": [{"name": "f", "type": "boxes", "labels": ["X"]}]},
     "'f': source"),
    ("source-not-a-view", {"views": [{"source": "img", "kind": "image"}],
                           "fields": [{"name": "f", "type": "boxes", "source": "image",
                                       "labels": ["X"]}]}, "not a view"),
    ("source-wrong-kind", {"views": [{"source": "t", "kind": "audio"}],
                           "fields": [{"name": "f", "type": "spans", "source": "t",
                                       "labels": ["X"]}]}, "cannot label a audio view"),
    ("bad-view-kind", {"views": [{"source": "t", "kind": "pdf"}],
                       "fields": [{"name": "f", "type": "text"}]}, "kind"),
    ("rubric-min-above-max", {"fields": [{"name": "f", "type": "rubric", "criteria": [
        {"name": "c", "min": 5, "max": 1}]}]}, "min above max"),
    ("show-if-unknown", {"fields": [{"name": "f", "type": "text",
                                     "show_if": {"field": "g", "equals": "x"}}]},
     "not an earlier field"),
    ("show-if-itself", {"fields": [{"name": "f", "type": "text",
                                    "show_if": {"field": "f", "equals": "x"}}]}, "itself"),
    ("relations-not-spans", {"fields": [{"name": "t", "type": "text"},
                                        {"name": "r", "type": "relations", "field": "t",
                                         "labels": ["x"]}]}, "not a spans field"),
    ("pairwise-one-source", {"fields": [{"name": "f", "type": "pairwise", "sources": ["a"]}]},
     "[A,B]"),
    ("too-many-fields", {"fields": [{"name": f"f{i}", "type": "text"} for i in range(65)]},
     "more than 64 fields"),
    ("too-deep", {"fields": [{"name": "f", "type": "text"}], "views": [[[[[[[[[[]]]]]]]]]]},
     "nests deeper"),
]


@pytest.mark.parametrize("schema,want", [c[1:] for c in BAD_SCHEMAS],
                         ids=[c[0] for c in BAD_SCHEMAS])
def test_project_create_names_the_bad_schema_field(api, schema, want):
    mgr = api.tenant().user("manager")
    r = api.srv.request("POST", "/api/v1/projects", mgr.token,
                        json_body={"name": "p", "schema": schema})
    assert_error(r, 400, "invalid")
    assert want in r.json()["error"]["message"], r.json()


def test_spans_are_checked_against_the_task_text_in_code_points(api):
    # "a😀 Bob": 6 code points, 7 UTF-16 units, 9 bytes.
    pid, ann = make_project(api, NER, [{"text": "a\U0001F600 Bob"}])
    n = api.next(ann.token, pid)
    tid, lid = n["task"]["id"], n["lease"]["id"]
    r = api.submit(ann.token, tid, lid, {"ents": [{"start": 3, "end": 7, "label": "PER"}]})
    assert_error(r, 422)
    assert "'ents'[0]" in r.json()["error"]["message"]
    r = api.submit(ann.token, tid, lid, {"ents": [{"start": 3, "end": 6, "label": "PER"}],
                                         "rels": [{"from": 0, "to": 1, "label": "works_for"}]})
    assert_error(r, 422)
    assert "'rels'" in r.json()["error"]["message"]
    r = api.submit(ann.token, tid, lid, {"ents": [{"start": 3, "end": 6, "label": "PER"}]})
    assert r.status_code == 201, r.text


def test_spans_need_the_text_at_their_source(api):
    pid, ann = make_project(api, NER, [{"body": "no text key"}])
    n = api.next(ann.token, pid)
    r = api.submit(ann.token, n["task"]["id"], n["lease"]["id"],
                   {"ents": [{"start": 0, "end": 1, "label": "PER"}]})
    assert_error(r, 422)
    assert "no text at 'text'" in r.json()["error"]["message"]


@pytest.mark.parametrize("result,status", [
    ({"boxes": [{"x": 10, "y": 10, "width": 20, "height": 20, "label": "car"}]}, 201),
    ({"boxes": [{"x": 90, "y": 10, "width": 20, "height": 20, "label": "car"}]}, 422),
    ({"boxes": [{"x": 1e308, "y": 10, "width": 20, "height": 20, "label": "car"}]}, 422),
    ({"boxes": [{"x": "10", "y": 10, "width": 20, "height": 20, "label": "car"}]}, 422),
    ({"boxes": [{"x": 1, "y": 1, "width": 1, "height": 1, "label": "car"}] * 10001}, 422),
    ({"boxes": [], "occluded": "no", "how": "behind a van"}, 422),
    ({"boxes": [], "occluded": "yes"}, 422),
    ({"boxes": [], "occluded": "yes", "how": "behind a van"}, 201),
], ids=["fits", "leaves-image", "huge", "string", "too-many", "hidden-answered",
        "shown-missing", "shown-answered"])
def test_boxes_and_show_if_on_submit(api, result, status):
    pid, ann = make_project(api, DRIVING, [{"image": "https://example.test/a.png"}])
    n = api.next(ann.token, pid)
    r = api.submit(ann.token, n["task"]["id"], n["lease"]["id"], result)
    if status == 201:
        assert r.status_code == 201, r.text
    else:
        assert_error(r, status)


EXAMPLES = sorted((ROOT / "examples").glob("*/project.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_every_example_project_is_accepted(api, path):
    project = json.loads(path.read_text())
    mgr = api.tenant().user("manager")
    r = api.srv.request("POST", "/api/v1/projects", mgr.token, json_body=project)
    assert r.status_code == 201, r.text
    tasks = [json.loads(l) for l in (path.parent / "tasks.jsonl").read_text().splitlines()
             if l.strip()]
    api.import_tasks(mgr.token, r.json()["id"], tasks)


def test_demo_loads_every_example_once(own_server, tmp_path):
    from conftest import run_cli
    data = tmp_path / "demo"
    out = run_cli("demo", "--data", str(data), "--examples", str(ROOT / "examples"),
                  check=True).stdout
    assert f"Loaded {len(EXAMPLES)} example projects" in out, out
    again = run_cli("demo", "--data", str(data), "--examples", str(ROOT / "examples"),
                    check=True).stdout
    assert "Loaded" not in again and "existing" in again, again
    token = next(l.split()[1] for l in again.splitlines() if l.strip().startswith("token"))
    srv = own_server(data_dir=data)
    names = sorted(p["name"] for p in
                   srv.request("GET", "/api/v1/projects", token).json()["projects"])
    want = sorted(json.loads(p.read_text())["name"] for p in EXAMPLES)
    assert names == sorted(want + ["Demo: review sentiment"])


def demo_tokens(data):
    """Run `tally demo` on data: (output, manager token, annotator token)."""
    from conftest import run_cli
    out = run_cli("demo", "--data", str(data), "--examples", str(ROOT / "examples"),
                  check=True).stdout
    tokens = [l.split()[1] for l in out.splitlines() if l.strip().startswith("token")]
    return out, tokens[0], tokens[1]


def check_png(body):
    """A well-formed PNG: chunk CRCs right and its zlib stream decodes to the
    rows its header promises."""
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, []
    while at < len(body):
        n, kind = struct.unpack(">I4s", body[at:at + 8])
        data = body[at + 8:at + 8 + n]
        (crc,) = struct.unpack(">I", body[at + 8 + n:at + 12 + n])
        assert binascii.crc32(kind + data) == crc, kind
        chunks.append((kind, data))
        at += 12 + n
    assert [k for k, _ in chunks][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    w, h, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    raw = zlib.decompress(b"".join(d for k, d in chunks if k == b"IDAT"))
    assert (depth, colour) == (8, 2) and len(raw) == h * (1 + 3 * w)


def check_wav(body):
    with wave.open(io.BytesIO(body)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        assert w.getnframes() / w.getframerate() == 2.0


MEDIA_EXAMPLES = {"Example: driving scene boxes and polygons": ("frame", "image/png", check_png),
                  "Example: audio transcription with segments": ("audio", "audio/wav",
                                                                  check_wav)}


def test_demo_media_are_served_as_project_files(own_server, tmp_path):
    data = tmp_path / "demo"
    _, mgr, ann = demo_tokens(data)
    srv = own_server(data_dir=data)
    projects = {p["name"]: p["id"] for p in
                srv.request("GET", "/api/v1/projects", mgr).json()["projects"]}
    for name, (key, ctype, check) in MEDIA_EXAMPLES.items():
        pid = projects[name]
        r = srv.request("GET", f"/api/v1/projects/{pid}/export?format=jsonl", mgr)
        assert r.status_code == 200, r.text
        urls = [json.loads(l)["data"][key] for l in r.text.splitlines() if l.strip()]
        assert len(urls) == 2 and len(set(urls)) == 2, urls
        for url in urls:
            assert re.fullmatch(rf"/api/v1/projects/{pid}/files/[0-9a-f-]{{36}}", url), url
            for token in (mgr, ann):
                got = srv.request("GET", url, token)
                assert got.status_code == 200, got.text
                assert got.headers["Content-Type"] == ctype
                assert got.headers["X-Content-Type-Options"] == "nosniff"
            check(got.content)
            # the server's own magic-byte check, as an upload of the same bytes
            up = srv.request("POST", f"/api/v1/projects/{pid}/files", mgr, data=got.content,
                             headers={"Content-Type": ctype})
            assert up.status_code == 201, up.text
    # a second demo stores nothing more
    files = sorted((data / "files").iterdir())
    assert len(files) == 4 + 4  # the demo's four media and the four uploads above
    srv.stop()
    out, _, _ = demo_tokens(data)
    assert "Loaded" not in out and sorted((data / "files").iterdir()) == files


def docs_section(example):
    """The JSON blocks of docs/schema.md's section on examples/EXAMPLE."""
    text = (ROOT / "docs" / "schema.md").read_text()
    heads = list(re.finditer(r"^### .*$", text, re.M))
    for i, h in enumerate(heads):
        if f"(`examples/{example}`)" in h.group(0):
            end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
            return [json.loads(b) for b in
                    re.findall(r"```json\n(.*?)```", text[h.end():end], re.S)]
    raise AssertionError(f"docs/schema.md has no section on examples/{example}")


@pytest.mark.parametrize("example", ["driving-scene", "audio-transcription"])
def test_docs_media_examples_match_their_schema_and_results_validate(api, example):
    schema, result = docs_section(example)[:2]
    project = json.loads((ROOT / "examples" / example / "project.json").read_text())
    assert schema == project["schema"], "docs/schema.md and examples/ disagree"
    tasks = [json.loads(l) for l in
             (ROOT / "examples" / example / "tasks.jsonl").read_text().splitlines()]
    pid, ann = make_project(api, schema, tasks)
    n = api.next(ann.token, pid)
    r = api.submit(ann.token, n["task"]["id"], n["lease"]["id"], result)
    assert r.status_code == 201, r.text
