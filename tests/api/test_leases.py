"""Weakness 6, lease hoarding: `next` called in a loop handed one annotator
every task of a project (100 of 100) and left the others with 204 for up to
lease_seconds. Now `next` hands back the live lease the annotator holds
(same task, lease id and expiry) until they submit or it expires; the project
setting max_leases_per_annotator (1..100, default 1) allows prefetching."""
import threading
import time

import pytest
import requests

from conftest import assert_error


def _same_lease(a, b):
    return (a["task"]["id"], a["lease"]["id"], a["lease"]["expires_at"]) == (
        b["task"]["id"], b["lease"]["id"], b["lease"]["expires_at"])


def test_lease_hoarding_next_returns_the_held_lease(api):
    s = api.setup_project(n_tasks=100, overlap=1, n_annotators=2)
    a1, a2 = (a.token for a in s.annotators)
    first = api.next(a1, s.pid)
    with requests.Session() as session:
        for _ in range(99):
            again = api.next(a1, s.pid, session=session)
            assert again == first, "next handed out a second lease (or changed the first)"
    n2 = api.next(a2, s.pid)
    assert n2 is not None, "the other 99 tasks must still be free"
    assert n2["task"]["id"] != first["task"]["id"]


def test_lease_hoarding_default_setting_is_one(api):
    s = api.setup_project(n_tasks=1, n_annotators=1)
    assert api.project(s.manager.token, s.pid)["max_leases_per_annotator"] == 1
    # an annotator member sees the same project JSON
    assert api.project(s.annotators[0].token, s.pid)["max_leases_per_annotator"] == 1


def test_lease_hoarding_prefetch_up_to_the_setting(api):
    s = api.setup_project(n_tasks=10, overlap=1, n_annotators=1, max_leases_per_annotator=3)
    assert api.project(s.manager.token, s.pid)["max_leases_per_annotator"] == 3
    tok = s.annotators[0].token
    held = [api.next(tok, s.pid) for _ in range(3)]
    assert len({n["task"]["id"] for n in held}) == 3
    assert len({n["lease"]["id"] for n in held}) == 3
    for _ in range(10):
        assert _same_lease(api.next(tok, s.pid), held[0]), "not the oldest live lease"
    # submitting the oldest frees one place: a new task, then the next oldest
    assert api.submit(tok, held[0]["task"]["id"], held[0]["lease"]["id"],
                      {"label": "a"}).status_code == 201
    fresh = api.next(tok, s.pid)
    assert fresh["task"]["id"] not in {n["task"]["id"] for n in held}
    assert _same_lease(api.next(tok, s.pid), held[1])


def test_lease_hoarding_after_submit_next_hands_a_new_task(api):
    s = api.setup_project(n_tasks=3, overlap=1, n_annotators=1)
    tok = s.annotators[0].token
    seen = set()
    for _ in range(3):
        n = api.next(tok, s.pid)
        assert _same_lease(api.next(tok, s.pid), n)
        assert n["task"]["id"] not in seen
        seen.add(n["task"]["id"])
        assert api.submit(tok, n["task"]["id"], n["lease"]["id"], {"label": "a"}).status_code \
            == 201
    assert api.next(tok, s.pid) is None


def test_lease_hoarding_after_expiry_a_new_lease(api):
    s = api.setup_project(n_tasks=1, overlap=1, lease_seconds=1, n_annotators=1)
    tok = s.annotators[0].token
    n1 = api.next(tok, s.pid)
    time.sleep(1.6)
    n2 = api.next(tok, s.pid)
    assert n2 is not None and n2["lease"]["id"] != n1["lease"]["id"]
    assert n2["lease"]["expires_at"] != n1["lease"]["expires_at"]
    assert_error(api.submit(tok, n1["task"]["id"], n1["lease"]["id"], {"label": "a"}), 409)
    assert api.submit(tok, n2["task"]["id"], n2["lease"]["id"], {"label": "a"}).status_code == 201


def test_lease_hoarding_concurrent_nexts_of_one_annotator_share_the_cap(api):
    s = api.setup_project(n_tasks=20, overlap=1, n_annotators=1, max_leases_per_annotator=2)
    tok = s.annotators[0].token
    results = [None] * 8
    barrier = threading.Barrier(8)

    def take(i):
        barrier.wait()
        results[i] = api.srv.request("POST", f"/api/v1/projects/{s.pid}/next", tok)

    threads = [threading.Thread(target=take, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(r is not None and r.status_code == 200 for r in results), results
    assert len({r.json()["lease"]["id"] for r in results}) == 2


def test_lease_hoarding_prefetch_keeps_overlap_exact(api):
    """Four annotators prefetch up to 3 leases each and submit them all,
    concurrently: every task ends with exactly `overlap` distinct annotators."""
    n_tasks, overlap = 30, 2
    s = api.setup_project(n_tasks=n_tasks, overlap=overlap, n_annotators=4,
                          max_leases_per_annotator=3)
    errors = []

    def work(user):
        with requests.Session() as session:
            for _ in range(200):
                held = []
                while True:
                    n = api.next(user.token, s.pid, session=session)
                    if n is None or (held and n["lease"]["id"] == held[0]["lease"]["id"]):
                        break
                    held.append(n)
                if len(held) > 3:
                    errors.append(f"{user.email} held {len(held)} leases")
                if not held:
                    return
                for n in held:
                    r = api.submit(user.token, n["task"]["id"], n["lease"]["id"],
                                   {"label": "a"}, session=session)
                    if r.status_code != 201:
                        errors.append(f"submit: {r.status_code} {r.text}")
                        return
            errors.append(f"{user.email}: not done after 200 rounds")

    threads = [threading.Thread(target=work, args=(u,)) for u in s.annotators]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, "\n".join(errors[:20])
    lines, _ = api.export(s.manager.token, s.pid)
    assert len(lines) == n_tasks
    for line in lines:
        names = [a["annotator"] for a in line["annotations"]]
        assert len(names) == overlap and len(set(names)) == overlap, (line["id"], names)
    assert api.counts(s.manager.token, s.pid) == {"tasks": n_tasks,
                                                  "annotations": n_tasks * overlap,
                                                  "completed_tasks": n_tasks}


@pytest.mark.parametrize("value", [0, -1, 101, 1000, "3", 1.5, True, None, [2]],
                         ids=["zero", "negative", "101", "1000", "string", "float", "bool",
                              "null", "array"])
def test_lease_hoarding_setting_is_validated(api, value):
    t = api.tenant()
    mgr = t.user("manager")
    body = {"name": "p", "schema": {"fields": [{"name": "l", "type": "text"}]},
            "max_leases_per_annotator": value}
    r = api.srv.request("POST", "/api/v1/projects", mgr.token, json_body=body)
    assert_error(r, 400, "invalid")
    assert "1..100" in r.json()["error"]["message"], r.json()


def test_lease_hoarding_setting_bounds_are_accepted(api):
    t = api.tenant()
    mgr = t.user("manager")
    for value in (1, 100):
        pid = t.project(mgr.token, max_leases_per_annotator=value)
        assert api.project(mgr.token, pid)["max_leases_per_annotator"] == value
