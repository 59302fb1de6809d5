"""Export: the JSON Lines format, other formats refused, and annotators shown
only as pseudonyms that are stable within a tenant."""
import json

import pytest

from conftest import ID_RE, RFC3339_UTC_RE, assert_error


def test_export_format(api):
    tasks = [{"text": f"t{i}", "n": i} for i in range(5)]
    s = api.setup_project(tasks=tasks, overlap=2, n_annotators=2)
    results = {}
    for a in s.annotators:
        n = api.next(a.token, s.pid)
        res = {"label": "a" if a is s.annotators[0] else "b"}
        r = api.submit(a.token, n["task"]["id"], n["lease"]["id"], res)
        assert r.status_code == 201, r.text
        results[r.json()["id"]] = (n["task"]["id"], res)

    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/export?format=jsonl", s.manager.token)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/x-ndjson"), r.headers
    assert r.text.endswith("\n")
    raw_lines = r.text.split("\n")[:-1]
    assert len(raw_lines) == len(tasks), "one line per task"
    lines = [json.loads(x) for x in raw_lines]
    assert sorted(line["data"]["n"] for line in lines) == list(range(5))
    seen = {}
    for line in lines:
        assert set(line) == {"id", "data", "annotations"}, line
        assert ID_RE.match(line["id"])
        for ann in line["annotations"]:
            assert set(ann) == {"id", "annotator", "result", "created_at"}, ann
            assert isinstance(ann["annotator"], str) and ann["annotator"]
            assert RFC3339_UTC_RE.match(ann["created_at"]), ann
            seen[ann["id"]] = (line["id"], ann["result"])
    assert seen == results
    assert sum(len(x["annotations"]) for x in lines) == 2


FORMATS = ["csv", "json", "coco", "yolo", "jsonl,csv", "label-studio"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_other_formats_are_400(api, fmt):
    s = api.setup_project(n_tasks=1)
    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/export?format={fmt}", s.manager.token)
    assert_error(r, 400, "invalid")


def test_export_of_large_project_streams_every_task(api):
    tasks = [{"text": "z" * 200, "n": i} for i in range(3000)]
    s = api.setup_project(tasks=tasks)
    lines, _ = api.export(s.manager.token, s.pid)
    assert len(lines) == 3000
    assert sorted(x["data"]["n"] for x in lines) == list(range(3000))
    assert len({x["id"] for x in lines}) == 3000


def _label_one(api, annotator, pid):
    n = api.next(annotator.token, pid)
    r = api.submit(annotator.token, n["task"]["id"], n["lease"]["id"], {"label": "a"})
    assert r.status_code == 201, r.text
    return n["task"]["id"]


def test_pseudonyms(api):
    """Emails and user ids never appear in exports; one annotator has one
    pseudonym in every project and export of a tenant; two annotators have
    two pseudonyms."""
    t = api.tenant()
    mgr = t.user("manager")
    staff_ann = t.user("annotator")
    wf_ann = api.workforce_annotator()
    people = {"staff": staff_ann, "workforce": wf_ann}
    seen = {k: set() for k in people}
    exports = []
    for _ in range(2):  # two projects
        pid = t.project(mgr.token, overlap=1)
        api.import_tasks(mgr.token, pid, [{"text": "one"}, {"text": "two"}])
        task_of = {}
        for key, u in people.items():
            api.add_member(mgr.token, pid, u.email)
            task_of[_label_one(api, u, pid)] = key
        for _export in range(2):  # exported twice
            lines, r = api.export(mgr.token, pid)
            exports.append(r.text)
            for line in lines:
                for ann in line["annotations"]:
                    seen[task_of[line["id"]]].add(ann["annotator"])
    for key, names in seen.items():
        assert len(names) == 1, f"{key} annotator has several pseudonyms: {names}"
    assert seen["staff"] != seen["workforce"], "two annotators share a pseudonym"
    for text in exports:
        for u in people.values():
            assert u.email not in text, "an annotator's email is in the export"
            assert u.email.split("@")[0] not in text, "an email's local part is in the export"
            assert u.id not in text, "an annotator's user id is in the export"
    # nor in what the project endpoints show
    for path in ("/api/v1/projects",):
        body = api.srv.request("GET", path, mgr.token).text
        for u in people.values():
            assert u.email not in body


def test_viewer_and_reviewer_see_pseudonyms_too(api):
    s = api.setup_project(n_tasks=1, n_annotators=1)
    _label_one(api, s.annotators[0], s.pid)
    for role in ("viewer", "reviewer", "owner"):
        u = s.tenant.user(role)
        r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/export?format=jsonl", u.token)
        assert r.status_code == 200, r.text
        assert s.annotators[0].email not in r.text
        assert len(r.text.splitlines()) == 1
