"""Project quality settings and adaptive overlap over HTTP
(docs/quality-projects.md): strict validation with clear 400s; a task whose
aggregate is sure completes at `overlap`, a disputed one gets more labels one
at a time up to `max_overlap`; a PATCH of the overlap settings recomputes
completion."""
import pytest

from conftest import Api, assert_error

DEFAULT_QUALITY = {"method": "auto", "policy": "flag", "gold_threshold": None,
                   "review_rate": 0, "review_below": 0}


def test_settings_defaults_and_round_trip(api):
    s = api.setup_project(overlap=3)
    p = api.project(s.manager.token, s.pid)
    assert p["gold_rate"] == 0 and p["qualification"] is None
    assert p["max_overlap"] == 3  # the effective value: overlap
    assert p["confidence_target"] is None
    assert p["quality"] == DEFAULT_QUALITY
    body = {"gold_rate": 0.25, "qualification": {"tasks": 5, "pass": 0.8}, "max_overlap": 5,
            "confidence_target": 0.9,
            "quality": {"method": "ds", "policy": "suspend", "review_rate": 0.1}}
    r = api.srv.request("PATCH", f"/api/v1/projects/{s.pid}", s.manager.token, json_body=body)
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["gold_rate"] == 0.25 and p["qualification"] == {"tasks": 5, "pass": 0.8}
    assert p["max_overlap"] == 5 and p["confidence_target"] == 0.9
    assert p["quality"] == dict(DEFAULT_QUALITY, method="ds", policy="suspend",
                                review_rate=0.1)
    assert api.project(s.manager.token, s.pid) == p
    # null clears; keys not named stay
    r = api.srv.request("PATCH", f"/api/v1/projects/{s.pid}", s.manager.token,
                        json_body={"qualification": None, "confidence_target": None})
    p = r.json()
    assert p["qualification"] is None and p["confidence_target"] is None
    assert p["gold_rate"] == 0.25 and p["quality"]["method"] == "ds"
    # the gold rule's threshold: a number, or null for the chance level again
    for value in (0.4, 0, None):
        r = api.srv.request("PATCH", f"/api/v1/projects/{s.pid}", s.manager.token,
                            json_body={"quality": {"gold_threshold": value}})
        assert r.status_code == 200, r.text
        assert r.json()["quality"]["gold_threshold"] == value
        assert api.project(s.manager.token, s.pid)["quality"]["gold_threshold"] == value
    # creation takes them too
    t = api.tenant()
    mgr = t.user("manager")
    pid = t.project(mgr.token, overlap=2, max_overlap=4, confidence_target=0.7, gold_rate=1,
                    quality={"method": "mace"})
    p = api.project(mgr.token, pid)
    assert (p["max_overlap"], p["confidence_target"], p["gold_rate"]) == (4, 0.7, 1)
    assert p["quality"]["method"] == "mace"


@pytest.mark.parametrize("body,word", [
    ({"gold_rate": 1.5}, "gold_rate"),
    ({"gold_rate": "0.5"}, "gold_rate"),
    ({"gold_rate": None}, "gold_rate"),
    ({"qualification": {"tasks": 0, "pass": 0.5}}, "qualification"),
    ({"qualification": {"tasks": 3}}, "qualification"),
    ({"qualification": {"tasks": 3, "pass": 2}}, "qualification"),
    ({"qualification": {"tasks": 3, "pass": 0.5, "x": 1}}, "qualification"),
    ({"qualification": 3}, "qualification"),
    ({"max_overlap": 1}, "max_overlap"),       # below overlap (2)
    ({"max_overlap": 101}, "max_overlap"),
    ({"max_overlap": 2.5}, "max_overlap"),
    ({"confidence_target": -0.1}, "confidence_target"),
    ({"confidence_target": True}, "confidence_target"),
    ({"quality": {"method": "vote"}}, "quality.method"),
    ({"quality": {"policy": "ban"}}, "quality.policy"),
    ({"quality": {"gold_threshold": 1.1}}, "quality.gold_threshold"),
    ({"quality": {"review_below": "x"}}, "quality.review_below"),
    ({"quality": {"other": 1}}, "other"),
    ({"quality": []}, "quality"),
])
def test_settings_refused(api, body, word):
    s = api.setup_project(overlap=2)
    before = api.project(s.manager.token, s.pid)
    r = api.srv.request("PATCH", f"/api/v1/projects/{s.pid}", s.manager.token, json_body=body)
    assert_error(r, 400)
    assert word in r.json()["error"]["message"], r.text
    assert api.project(s.manager.token, s.pid) == before
    r = api.srv.request("POST", "/api/v1/projects", s.manager.token,
                        json_body={"name": "x", "overlap": 2,
                                   "schema": {"fields": [{"name": "label", "type": "choice",
                                                          "options": ["a", "b"]}]}, **body})
    assert_error(r, 400)


def test_overlap_above_a_kept_max_overlap_is_refused(api):
    s = api.setup_project(overlap=2, max_overlap=3)
    r = api.srv.request("PATCH", f"/api/v1/projects/{s.pid}", s.manager.token,
                        json_body={"overlap": 4})
    assert_error(r, 400)
    assert "max_overlap" in r.json()["error"]["message"]
    r = api.srv.request("PATCH", f"/api/v1/projects/{s.pid}", s.manager.token,
                        json_body={"overlap": 4, "max_overlap": 4})
    assert r.status_code == 200 and r.json()["max_overlap"] == 4


def label(api, ann, pid, value):
    """ann takes the next task and answers value: its task id, or None."""
    got = api.next(ann.token, pid)
    if got is None:
        return None
    r = api.submit(ann.token, got["task"]["id"], got["lease"]["id"], {"label": value})
    assert r.status_code == 201, r.text
    return got["task"]["id"]


def test_adaptive_overlap(api):
    # target 0.8: two agreeing labels are sure enough (under a majority vote
    # or a one-coin posterior at the prior skill), 1:1 and 2:1 are not
    s = api.setup_project(n_tasks=2, overlap=2, max_overlap=4, confidence_target=0.8,
                          n_annotators=5)
    a1, a2, a3, a4, a5 = s.annotators
    sure = label(api, a1, s.pid, "a")
    disputed = label(api, a1, s.pid, "a")
    assert label(api, a2, s.pid, "a") == sure
    assert label(api, a2, s.pid, "b") == disputed
    counts = api.counts(s.manager.token, s.pid)
    assert counts["completed_tasks"] == 1  # the sure one, at overlap
    # the disputed one: one more label at a time
    got = api.next(a3.token, s.pid)
    assert got["task"]["id"] == disputed
    assert api.next(a4.token, s.pid) is None  # its one extra slot is taken
    assert api.submit(a3.token, disputed, got["lease"]["id"], {"label": "a"}).status_code == 201
    assert api.counts(s.manager.token, s.pid)["completed_tasks"] == 1  # 2:1 is not sure
    assert label(api, a4, s.pid, "b") == disputed
    counts = api.counts(s.manager.token, s.pid)
    assert counts["completed_tasks"] == 2 and counts["annotations"] == 6  # max_overlap
    assert api.next(a5.token, s.pid) is None
    rows, _ = api.export(s.manager.token, s.pid)
    assert sorted(len(r["annotations"]) for r in rows) == [2, 4]


def test_patch_recomputes_completion(api):
    s = api.setup_project(n_tasks=2, overlap=2, max_overlap=3, confidence_target=0.8,
                          n_annotators=2)
    a1, a2 = s.annotators
    label(api, a1, s.pid, "a")
    label(api, a1, s.pid, "a")
    label(api, a2, s.pid, "a")
    label(api, a2, s.pid, "b")
    url = f"/api/v1/projects/{s.pid}"
    assert api.counts(s.manager.token, s.pid)["completed_tasks"] == 1

    def patch(body):
        r = api.srv.request("PATCH", url, s.manager.token, json_body=body)
        assert r.status_code == 200, r.text
        return r.json()["counts"]["completed_tasks"]

    assert patch({"confidence_target": None}) == 2   # fixed overlap: both have 2
    assert patch({"confidence_target": 0.8}) == 1    # the disputed one reopens
    assert patch({"max_overlap": 2}) == 2            # no room for more: complete
    assert patch({"max_overlap": 3, "overlap": 3}) == 0



def test_an_edit_or_a_delete_decides_completion_again(api):
    """Completion under adaptive overlap follows the votes as they are now:
    an edit that turns a sure task into a dispute reopens it for another
    label; a delete that removes the dissent completes it again. The
    project's counts and the task's state follow each time."""
    s = api.setup_project(n_tasks=1, overlap=2, max_overlap=4, confidence_target=0.8,
                          n_annotators=3)
    api.patch_project(s.manager.token, s.pid, {"allow_edits": True})
    a1, a2, a3 = s.annotators

    def submit(user, value):
        got = api.next(user.token, s.pid)
        assert got is not None
        r = api.submit(user.token, got["task"]["id"], got["lease"]["id"], {"label": value})
        assert r.status_code == 201, r.text
        return got["task"]["id"], r.json()["id"]

    def state():
        completed = api.counts(s.manager.token, s.pid)["completed_tasks"]
        r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/tasks?state=complete",
                            s.manager.token)
        assert r.status_code == 200, r.text
        assert len(r.json()["tasks"]) == completed
        for bucket in ("minute", "day"):  # the completion chart follows too
            r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/stats?bucket={bucket}",
                                s.manager.token)
            assert r.status_code == 200, r.text
            st = r.json()
            assert st["complete"] == completed
            assert (st["completion"][-1]["complete"] if st["completion"] else 0) == completed
        return completed

    task, _ = submit(a1, "a")
    _, second = submit(a2, "a")
    assert state() == 1
    assert api.next(a3.token, s.pid) is None  # 2:0 is sure: nothing to serve
    r = api.srv.request("PUT", f"/api/v1/annotations/{second}", a2.token,
                        json_body={"result": {"label": "b"}})
    assert r.status_code == 200, r.text
    assert state() == 0  # 1:1 is not sure: open again
    assert submit(a3, "a")[0] == task
    assert state() == 0  # 2:1 is not sure either
    r = api.srv.request("DELETE", f"/api/v1/annotations/{second}", s.manager.token)
    assert r.status_code == 204, r.text
    assert state() == 1  # 2:0 again
    assert api.counts(s.manager.token, s.pid)["annotations"] == 2
    assert api.next(a2.token, s.pid) is None


def test_a_lease_on_a_task_an_edit_completed_is_refused_with_the_reason(api):
    """The extra slot of a disputed task is leased; the dispute is then
    settled by an edit: the lease no longer buys a label (the task is
    complete), and the 409 says so."""
    s = api.setup_project(n_tasks=1, overlap=2, max_overlap=3, confidence_target=0.8,
                          n_annotators=3)
    api.patch_project(s.manager.token, s.pid, {"allow_edits": True})
    a1, a2, a3 = s.annotators
    label(api, a1, s.pid, "a")
    got = api.next(a2.token, s.pid)
    r = api.submit(a2.token, got["task"]["id"], got["lease"]["id"], {"label": "b"})
    assert r.status_code == 201, r.text
    extra = api.next(a3.token, s.pid)  # 1:1: one more label wanted
    assert extra is not None
    r = api.srv.request("PUT", f"/api/v1/annotations/{r.json()['id']}", a2.token,
                        json_body={"result": {"label": "a"}})
    assert r.status_code == 200, r.text
    assert api.counts(s.manager.token, s.pid)["completed_tasks"] == 1
    r = api.submit(a3.token, extra["task"]["id"], extra["lease"]["id"], {"label": "a"})
    assert_error(r, 409, "conflict")
    assert "completed meanwhile" in r.json()["error"]["message"]
