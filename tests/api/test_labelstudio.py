"""Label Studio interop: task JSON with annotations and predictions in Label
Studio's result format imported through the schema, and ?format=labelstudio
exported so that import -> export -> import -> export keeps every region.

Real exports written by the Label Studio project are read in place from
$TALLY_TESTDATA/interop/labelstudio (skipped with a message when absent)."""
import json
import os
from pathlib import Path

import pytest

from conftest import assert_error

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("TALLY_TESTDATA") or REPO.parent / "shared" / "data")
LS = DATA / "interop" / "labelstudio"
JSON = {"Content-Type": "application/json"}

# mixed.json ships without its config: boxes named "label" on "image".
MIXED_CONFIG = """<View><Image name="image" value="$image"/>
<RectangleLabels name="label" toName="image">
<Label value="Car"/><Label value="Airplane"/></RectangleLabels></View>"""


def ls_fixture(name):
    path = LS / "exports" / name
    if not path.exists():
        pytest.skip(f"Label Studio fixture {path} is absent")
    return path


def convert(api, xml):
    token = api.tenant().user("manager").token
    r = api.srv.request("POST", "/api/v1/schemas/convert", token, data=xml.encode(),
                        headers={"Content-Type": "application/xml"})
    assert r.status_code == 200, r.text
    return r.json()["schema"]


def new_project(api, schema, name="ls"):
    t = api.tenant()
    mgr = t.user("manager")
    r = api.srv.request("POST", "/api/v1/projects", mgr.token,
                        json_body={"name": name, "schema": schema})
    assert r.status_code == 201, r.text
    return t, mgr, r.json()["id"]


def import_json(api, token, pid, body):
    return api.srv.request("POST", f"/api/v1/projects/{pid}/tasks", token,
                           data=body if isinstance(body, bytes) else body.encode(),
                           headers=JSON)


def export(api, token, pid, fmt):
    r = api.srv.request("GET", f"/api/v1/projects/{pid}/export?format={fmt}", token)
    assert r.status_code == 200, r.text
    return r


def rows_of(api, token, pid):
    """The JSONL export, decoded as UTF-8 (JSON's encoding)."""
    body = export(api, token, pid, "jsonl").content.decode()
    return [json.loads(line) for line in body.splitlines()]


def export_ls(api, token, pid):
    r = export(api, token, pid, "labelstudio")
    assert r.headers["Content-Type"].startswith("application/json")
    return json.loads(r.content.decode())


def regions(result):
    """A result list as comparable regions: what Label Studio reads back."""
    out = []
    for item in result:
        value = dict(item.get("value", {}))
        if item["type"] == "polygonlabels":
            value.setdefault("closed", True)  # Tally polygons are closed
        out.append((item["type"], item.get("from_name"), item.get("to_name"),
                    item.get("id"), json.dumps(value, sort_keys=True),
                    item.get("from_id"), item.get("to_id"), tuple(item.get("labels", ()))))
    return sorted(out, key=repr)


def labels_of(task, key):
    return [regions(a["result"]) for a in task[key]]


def test_label_studio_exports_round_trip(api):
    """Every shipped export imports into a project made from its config and
    comes back with the same regions, coordinates exactly, no user data."""
    cases = [("polygons.json", "polygons.config.xml"),
             ("polygons-min.json", "polygons-min.config.xml"),
             ("mixed.json", None)]
    for export_name, config_name in cases:
        path = ls_fixture(export_name)
        xml = (LS / "exports" / config_name).read_text() if config_name else MIXED_CONFIG
        schema = convert(api, xml)
        _, mgr, pid = new_project(api, schema, export_name)
        original = json.loads(path.read_text())
        r = import_json(api, mgr.token, pid, path.read_bytes())
        assert r.status_code == 201, (export_name, r.text)
        assert r.json() == {"imported": len(original)}

        got = export_ls(api, mgr.token, pid)
        assert [t["data"] for t in got] == [t["data"] for t in original]
        for mine, theirs in zip(got, original):
            kept = [a for a in theirs["annotations"] if not a.get("was_cancelled")]
            assert labels_of(mine, "annotations") == \
                [regions(a["result"]) for a in kept], export_name
            assert [a["annotator"] for a in mine["annotations"]] == [None] * len(kept)
            assert labels_of(mine, "predictions") == labels_of(theirs, "predictions")
            assert [p["model_version"] for p in mine["predictions"]] == \
                [p.get("model_version") or "labelstudio" for p in theirs["predictions"]]

        # Label Studio's users (completed_by with an email) are never kept
        text = path.read_text()
        emails = {w.strip('",') for w in text.split() if "@" in w and "." in w}
        for fmt in ("jsonl", "labelstudio", "csv"):
            body = export(api, mgr.token, pid, fmt).text
            for e in emails:
                assert e not in body, (fmt, e)

        # our export imports again and exports the same labels
        _, mgr2, pid2 = new_project(api, schema, export_name + " again")
        r = import_json(api, mgr2.token, pid2, json.dumps(got))
        assert r.status_code == 201, r.text
        again = export_ls(api, mgr2.token, pid2)
        assert [(t["data"], labels_of(t, "annotations"), labels_of(t, "predictions"))
                for t in again] == \
            [(t["data"], labels_of(t, "annotations"), labels_of(t, "predictions"))
             for t in got]


EVERY = {
    "views": [{"source": "text", "kind": "text", "name": "doc"},
              {"source": "image", "kind": "image"},
              {"source": "audio", "kind": "audio"},
              {"source": "left", "kind": "text"}, {"source": "right", "kind": "text"}],
    "fields": [
        {"name": "topic", "type": "choice", "options": ["news", "sport"]},
        {"name": "tags", "type": "multichoice", "options": ["a", "b", "c"], "required": False},
        {"name": "note", "type": "text", "required": False},
        {"name": "age", "type": "number", "min": 0, "max": 200, "required": False},
        {"name": "stars", "type": "rating", "min": 1, "max": 5, "required": False},
        {"name": "ents", "type": "spans", "source": "text", "labels": ["PER", "ORG"],
         "allow_overlap": True, "required": False},
        {"name": "rels", "type": "relations", "field": "ents", "labels": ["works_for"],
         "required": False},
        {"name": "cars", "type": "boxes", "source": "image", "labels": ["car"],
         "required": False},
        {"name": "roads", "type": "polygons", "source": "image", "labels": ["road"],
         "required": False},
        {"name": "eyes", "type": "keypoints", "source": "image", "labels": ["eye"],
         "required": False},
        {"name": "speech", "type": "segments", "source": "audio", "labels": ["voice"],
         "text_name": "transcript", "required": False},
        {"name": "pref", "type": "pairwise", "sources": ["left", "right"], "required": False},
        {"name": "order", "type": "ranking", "sources": ["left", "right"], "required": False},
        {"name": "rubric", "type": "rubric", "criteria": [{"name": "style", "min": 1, "max": 3}],
         "required": False},
    ],
}

# "😀" is two UTF-16 units: Label Studio's offsets after it are one more.
TEXT = "😀 Ada works for IBM"
EVERY_RESULT = {
    "topic": "news", "tags": ["a", "c"], "note": "two\nlines", "age": 36.5, "stars": 4,
    "ents": [{"start": 2, "end": 5, "label": "PER", "id": "p1"},
             {"start": 16, "end": 19, "label": "ORG", "id": "o1"},
             {"start": 16, "end": 19, "label": "PER", "id": "o1"}],
    "rels": [{"from": 0, "to": 1, "label": "works_for"}],
    "cars": [{"x": 1.25, "y": 2.5, "width": 10.125, "height": 20, "rotation": 15,
              "label": "car"}],
    "roads": [{"points": [[0, 0], [50.5, 0], [25, 33.333333333333336]], "label": "road"}],
    "eyes": [{"x": 12.5, "y": 0.1, "label": "eye"}],
    "speech": [{"start": 0.5, "end": 1.75, "label": "voice", "text": "hello", "id": "s1"}],
    "pref": "b", "order": ["right", "left"], "rubric": {"style": 2},
}
EVERY_TASK = {"text": TEXT, "image": "https://example.test/a.png",
              "audio": "https://example.test/a.wav", "left": "one", "right": "two"}


def test_every_field_type_round_trips(api):
    t, mgr, pid = new_project(api, EVERY)
    api.import_tasks(mgr.token, pid, [EVERY_TASK])
    ann = t.user("annotator")
    api.add_member(mgr.token, pid, ann.email)
    nxt = api.next(ann.token, pid)
    r = api.submit(ann.token, nxt["task"]["id"], nxt["lease"]["id"], EVERY_RESULT)
    assert r.status_code == 201, r.text

    first = export_ls(api, mgr.token, pid)
    assert len(first) == 1 and len(first[0]["annotations"]) == 1
    items = first[0]["annotations"][0]["result"]
    by_type = {}
    for it in items:
        by_type.setdefault(it["type"], []).append(it)
    spans = [it for it in by_type["labels"] if it["from_name"] == "ents"]
    # offsets in UTF-16 units; the ORG/PER pair with one id merged into one region
    assert [(s["value"]["start"], s["value"]["end"], s["value"]["text"], s["value"]["labels"])
            for s in spans] == [(3, 6, "Ada", ["PER"]), (17, 20, "IBM", ["ORG", "PER"])]
    assert all(s["to_name"] == "doc" for s in spans)
    rel, = by_type["relation"]
    assert (rel["from_id"], rel["to_id"], rel["labels"]) == ("p1", "o1", ["works_for"])
    box, = by_type["rectanglelabels"]
    assert box["value"] == {"x": 1.25, "y": 2.5, "width": 10.125, "height": 20,
                            "rotation": 15, "rectanglelabels": ["car"]}
    text, = [it for it in by_type["textarea"] if it["from_name"] == "transcript"]
    assert text["id"] == "s1" and text["value"]["text"] == ["hello"]
    assert by_type["pairwise"][0]["value"] == {"selected": "right"}
    assert by_type["pairwise"][0]["to_name"] == "left,right"
    assert by_type["choices"][0]["value"] in ({"choices": ["news"]}, {"choices": ["a", "c"]})

    # import our own export into a fresh project: the same result, then the same export
    _, mgr2, pid2 = new_project(api, EVERY)
    r = import_json(api, mgr2.token, pid2, json.dumps(first))
    assert r.status_code == 201, r.text
    rows = rows_of(api, mgr2.token, pid2)
    assert rows[0]["annotations"][0]["result"] == EVERY_RESULT
    assert rows[0]["annotations"][0]["annotator"] is None
    assert rows[0]["annotations"][0]["source"] == "labelstudio"
    second = export_ls(api, mgr2.token, pid2)
    assert labels_of(second[0], "annotations") == labels_of(first[0], "annotations")
    # imported labels are not work: the task is still open for annotators
    assert api.counts(mgr2.token, pid2)["completed_tasks"] == 0

    # and Tally's JSONL export imports as well, annotations kept with their source
    _, mgr3, pid3 = new_project(api, EVERY)
    jsonl = export(api, mgr2.token, pid2, "jsonl").content.decode()
    r = api.srv.request("POST", f"/api/v1/projects/{pid3}/tasks", mgr3.token,
                        data=jsonl.encode(), headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code == 201, r.text
    rows3 = rows_of(api, mgr3.token, pid3)
    assert rows3[0]["annotations"][0]["result"] == EVERY_RESULT
    assert rows3[0]["annotations"][0]["source"] == "labelstudio"


def ls_task(result, **extra):
    return {"data": {"text": TEXT}, "annotations": [{"result": result, "completed_by": 7}],
            **extra}


NER = {"views": [{"source": "text", "kind": "text"}],
       "fields": [{"name": "label", "type": "spans", "source": "text",
                   "labels": ["PER", "ORG"], "required": False}]}


def span(start, end, label="PER", **kw):
    return {"id": "x", "type": "labels", "from_name": "label", "to_name": "text",
            "value": {"start": start, "end": end, "labels": [label]}, **kw}


@pytest.mark.parametrize("result, needle", [
    ([span(1, 4)], "not inside a character"),  # 1 splits the emoji's surrogate pair
    ([span(3, 99)], "offsets"),        # past the end of the text
    ([dict(span(3, 6), from_name="nope")], "names no field"),
    ([dict(span(3, 6), type="choices")], "does not fit"),
    ([span(3, 6, "LOC")], "label"),    # not one of the field's labels
    ([{"type": "relation", "from_id": "x", "to_id": "y", "labels": []}], "relation"),
    ("not a list", "result"),
])
def test_bad_label_studio_annotation_fails_whole_import(api, result, needle):
    _, mgr, pid = new_project(api, NER)
    body = json.dumps([{"data": {"text": "fine"}}, ls_task(result)])
    r = import_json(api, mgr.token, pid, body)
    assert_error(r, 400)
    msg = r.json()["error"]["message"]
    assert msg.startswith("item 2: annotation 1:"), msg
    assert needle in msg or needle.lower() in msg.lower(), msg
    assert api.counts(mgr.token, pid)["tasks"] == 0


def test_cancelled_annotations_and_unknown_keys(api):
    _, mgr, pid = new_project(api, NER)
    task = ls_task([span(3, 6)], id=41, meta={"batch": 2}, created_at="2020-01-01",
                   predictions=[{"model_version": "", "score": None, "result": [span(7, 12)],
                                 "cluster": None}])
    task["annotations"].append({"result": [span(3, 6, "ORG")], "was_cancelled": True})
    r = import_json(api, mgr.token, pid, json.dumps([task]))
    assert r.status_code == 201, r.text
    rows = rows_of(api, mgr.token, pid)
    assert rows[0]["data"] == {"text": TEXT}  # id, meta and the rest are Label Studio's
    assert [a["result"] for a in rows[0]["annotations"]] == \
        [{"label": [{"start": 2, "end": 5, "label": "PER", "id": "x"}]}]
    assert rows[0]["predictions"] == \
        [{"model": "labelstudio",
          "result": {"label": [{"start": 6, "end": 11, "label": "PER", "id": "x"}]}}]


def test_segment_text_without_text_name(api):
    """A config's per-region TextArea (asr-segments.xml) names the segments'
    text; without a text_name any TextArea with a segment's id is its text."""
    path = LS / "configs" / "asr-segments.xml"
    if not path.exists():
        pytest.skip(f"Label Studio fixture {path} is absent")
    schema = convert(api, path.read_text())
    seg, = [f for f in schema["fields"] if f["type"] == "segments"]
    assert seg["text_name"] == "transcription"
    _, mgr, pid = new_project(api, schema)
    result = [{"id": "r1", "type": "labels", "from_name": "labels", "to_name": "audio",
               "value": {"start": 0.25, "end": 2, "channel": 0, "labels": ["Speech"]}},
              {"id": "r1", "type": "textarea", "from_name": "transcription",
               "to_name": "audio", "value": {"start": 0.25, "end": 2, "text": ["hi", "there"]}}]
    r = import_json(api, mgr.token, pid,
                    json.dumps([{"data": {"audio": "https://example.test/a.wav"},
                                 "annotations": [{"result": result}]}]))
    assert r.status_code == 201, r.text
    got = export_ls(api, mgr.token, pid)
    assert regions(got[0]["annotations"][0]["result"]) == regions(
        [dict(result[0], value={"start": 0.25, "end": 2, "labels": ["Speech"]}),
         dict(result[1], value={"start": 0.25, "end": 2, "text": ["hi\nthere"]})])


def test_export_of_empty_project_is_an_empty_list(api):
    _, mgr, pid = new_project(api, NER)
    assert export_ls(api, mgr.token, pid) == []


def strip_ids(rows):
    """Export rows without what is the store's own: task and annotation ids, times."""
    return [{"data": r["data"], "predictions": r["predictions"],
             "annotations": [{k: v for k, v in a.items() if k not in ("id", "created_at")}
                             for a in r["annotations"]]} for r in rows]


@pytest.mark.parametrize("fmt, content_type", [("jsonl", "application/x-ndjson"),
                                               ("labelstudio", "application/json")])
def test_export_import_export_is_identical(api, fmt, content_type):
    """export -> import into a fresh project -> export gives the same file,
    but for the ids and times the new store gives."""
    t, mgr, pid = new_project(api, EVERY)
    tasks = [dict(EVERY_TASK, n=i, predictions=[{"model": "m1", "result": {"topic": "sport"},
                                                   "score": 0.25}]) for i in range(3)]
    api.import_tasks(mgr.token, pid, tasks)
    ann = t.user("annotator")
    api.add_member(mgr.token, pid, ann.email)
    nxt = api.next(ann.token, pid)
    assert api.submit(ann.token, nxt["task"]["id"], nxt["lease"]["id"],
                      EVERY_RESULT).status_code == 201

    bodies, pids = [], [pid]
    for round_no in range(3):
        bodies.append(export(api, mgr.token, pids[-1], fmt).content)
        if round_no == 2:
            break
        _, mgr_next, pid_next = new_project(api, EVERY, f"round {round_no}")
        r = api.srv.request("POST", f"/api/v1/projects/{pid_next}/tasks", mgr_next.token,
                            data=bodies[-1], headers={"Content-Type": content_type})
        assert r.status_code == 201, r.text
        mgr, pids = mgr_next, pids + [pid_next]

    def parsed(body):
        text = body.decode()
        rows = json.loads(text) if fmt == "labelstudio" else \
            [json.loads(line) for line in text.splitlines()]
        if fmt == "labelstudio":  # same shape as jsonl rows for strip_ids
            for r in rows:
                for p in r["predictions"]:
                    p["model"] = p.pop("model_version")
        return rows

    first, second, third = (parsed(b) for b in bodies)
    # the first export names its annotator; imported, the label has none
    assert [a["annotator"] for r in second for a in r["annotations"]] == [None]
    for r in first:
        for a in r["annotations"]:
            a["annotator"] = None
            if fmt == "jsonl":
                a["source"] = "jsonl"
    assert strip_ids(second) == strip_ids(first)
    assert strip_ids(third) == strip_ids(second)
