"""Export ?format=yolo (a tar of data.yaml, YOLO label files and a manifest,
read back with Python's tarfile) and ?format=conll (BIO tags per token);
both answer 400 for a schema they cannot export."""
import io
import json
import tarfile

import yaml  # Debian's python3-yaml (scripts/deps.txt, group test)

from conftest import ID_RE, assert_error

# a label a careless YAML writer would break: quotes, a tab, a C1 control,
# a line separator, a character beyond the BMP
ODD_LABEL = 'odd "label"\t\x85\u2028\U0001F600'

IMAGE_SCHEMA = {
    "fields": [
        {"name": "objects", "type": "boxes", "source": "image",
         "labels": ["car", "person", ODD_LABEL]},
        {"name": "pose", "type": "keypoints", "source": "image", "labels": ["head"],
         "required": False},
        {"name": "areas", "type": "polygons", "source": "image", "labels": ["road", "car"],
         "required": False},
    ],
}

OLD = {"objects": [{"x": 0, "y": 0, "width": 10, "height": 10, "label": "car"}]}
NEW = {
    "objects": [{"x": 10, "y": 20, "width": 30, "height": 40, "label": "person"},
                {"x": 50, "y": 50, "width": 20, "height": 10, "rotation": 90, "label": "car"}],
    "pose": [{"x": 25, "y": 25, "label": "head"}],
    "areas": [{"points": [[0, 50], [100, 50], [50, 100]], "label": "road"}],
}

NER_SCHEMA = {
    "fields": [
        {"name": "entities", "type": "spans", "source": "text", "labels": ["PER", "LOC"]},
        {"name": "mood", "type": "spans", "source": "text", "labels": ["happy"],
         "required": False},
    ],
}


def make_project(api, schema, tasks, n_annotators):
    """The project (fields only: exports read no views), its manager and
    n_annotators annotators, each task to be labeled by all of them."""
    s = api.setup_project(fields=schema["fields"], overlap=n_annotators,
                          n_annotators=n_annotators, tasks=tasks)
    return s.pid, s.manager, s.annotators


def annotate(api, ann, pid, n, result):
    """Submit result on the next n tasks; their ids and data."""
    done = []
    for _ in range(n):
        nxt = api.next(ann.token, pid)
        r = api.submit(ann.token, nxt["task"]["id"], nxt["lease"]["id"], result)
        assert r.status_code == 201, r.text
        done.append((nxt["task"]["id"], nxt["task"]["data"]))
    return done


def export(api, token, pid, fmt, content_type):
    r = api.srv.request("GET", f"/api/v1/projects/{pid}/export?format={fmt}", token)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(content_type), r.headers
    return r


def test_export_yolo_tar(api):
    # more tasks than one export page, so the archive spans pages of nothing
    tasks = [{"image": "https://example.test/px.png", "width": 200, "height": 100},
             {"image": "https://example.test/pct.png"}]
    tasks += [{"image": f"https://example.test/bare{i}.png"} for i in range(300)]
    pid, mgr, (first, second) = make_project(api, IMAGE_SCHEMA, tasks, 2)
    old = annotate(api, first, pid, 2, OLD)
    new = annotate(api, second, pid, 1, NEW)
    newest = {tid: (data, OLD) for tid, data in old}
    newest.update({tid: (data, NEW) for tid, data in new})

    r = export(api, mgr.token, pid, "yolo", "application/x-tar")
    assert len(r.content) % 512 == 0
    assert r.content[-1024:] == bytes(1024)
    with tarfile.open(fileobj=io.BytesIO(r.content), mode="r:") as tar:
        members = tar.getmembers()
        assert members[0].name == "data.yaml"
        for m in members:
            assert m.isfile() and m.mode == 0o644 and m.mtime == 0 and m.uid == 0, m
        files = {m.name: tar.extractfile(m).read().decode() for m in members}

    assert "\ntrain: images\nval: images\nnc: 4\n" in files["data.yaml"]
    assert files["data.yaml"].endswith('names:\n  0: "car"\n  1: "person"\n  2: "odd \\"label\\"'
                                       '\\x09\\x85\\u2028\U0001F600"\n  3: "road"\n')
    doc = yaml.safe_load(files["data.yaml"])
    assert doc == {"train": "images", "val": "images", "nc": 4,
                   "names": {0: "car", 1: "person", 2: ODD_LABEL, 3: "road"}}

    assert len(files) == 1 + 2 * len(newest)
    for tid, (data, result) in newest.items():
        assert ID_RE.match(tid)
        manifest = json.loads(files[f"manifest/{tid}.json"])
        assert manifest == {"task_id": tid, "annotation_id": manifest["annotation_id"],
                            "labels": f"labels/{tid}.txt", "image": data["image"]}
        assert ID_RE.match(manifest["annotation_id"])
        lines = [line.split() for line in files[f"labels/{tid}.txt"].splitlines()]
        assert all(len(f) in (5, 7) for f in lines), lines
        assert all(f[1:] and all(len(v.split(".")[1]) == 6 for v in f[1:]) for f in lines)
        nums = [[int(f[0])] + [float(v) for v in f[1:]] for f in lines]
        if result is OLD:
            assert nums == [[0, 0.05, 0.05, 0.1, 0.1]]
            continue
        # the rotated box is turned in pixels when the task gives its size
        turned = [0, 0.475, 0.7, 0.05, 0.4] if "width" in data else [0, 0.45, 0.6, 0.1, 0.2]
        assert nums == [[1, 0.25, 0.4, 0.3, 0.4], turned, [3, 0.0, 0.5, 1.0, 0.5, 0.5, 1.0]]


def test_export_conll_tags(api):
    text = "Ada Lovelace 😀 visited London.\nHappy days!"
    pid, mgr, (ann,) = make_project(api, NER_SCHEMA, [{"text": text}, {"text": "unlabeled"}], 1)
    result = {"entities": [{"start": 0, "end": 12, "label": "PER"},
                           {"start": 23, "end": 29, "label": "LOC"}],
              "mood": [{"start": 31, "end": 41, "label": "happy"}]}
    # offsets count code points: the emoji is one
    assert text[23:29] == "London" and text[31:41] == "Happy days"
    (tid, _), = annotate(api, ann, pid, 1, result)
    r = export(api, mgr.token, pid, "conll", "text/plain; charset=utf-8")
    head, *rows = r.text.split("\n")
    assert head.startswith(f"# task={tid} annotation=")
    assert ID_RE.match(head.rsplit("=", 1)[1])
    assert rows == ["Ada\tB-PER\tO", "Lovelace\tI-PER\tO", "😀\tO\tO", "visited\tO\tO",
                    "London\tB-LOC\tO", ".\tO\tO", "",
                    "Happy\tO\tB-happy", "days\tO\tI-happy", "!\tO\tO", "", ""]


def test_export_yolo_conll_need_a_fitting_schema(api):
    s = api.setup_project(n_tasks=1)
    for fmt in ("yolo", "conll"):
        r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/export?format={fmt}",
                            s.manager.token)
        assert_error(r, 400, "invalid")
    # each format refuses the other's schema
    pid, mgr, _ = make_project(api, NER_SCHEMA, [{"text": "x"}], 1)
    assert_error(api.srv.request("GET", f"/api/v1/projects/{pid}/export?format=yolo",
                                 mgr.token), 400, "invalid")
    pid, mgr, _ = make_project(api, IMAGE_SCHEMA, [{"image": "x"}], 1)
    assert_error(api.srv.request("GET", f"/api/v1/projects/{pid}/export?format=conll",
                                 mgr.token), 400, "invalid")


def test_unknown_format_lists_yolo_and_conll(api):
    s = api.setup_project(n_tasks=1)
    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/export?format=voc", s.manager.token)
    assert_error(r, 400, "invalid")
    assert "yolo" in r.json()["error"]["message"] and "conll" in r.json()["error"]["message"]
