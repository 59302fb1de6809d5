"""Exact overlap under concurrency: 8 annotators, each its own thread, token
and keep-alive connection, loop next -> submit until 204. Afterwards every
task has exactly `overlap` annotations from distinct annotators, nobody
annotated a task twice, and nobody is left with work they could do."""
import random
import threading
import time
from collections import Counter

import requests

N_TASKS = 200
OVERLAP = 3
N_ANNOTATORS = 8


def _worker(api, pid, user, out, errors, barrier):
    session = requests.Session()
    rng = random.Random(user.email)
    done = []
    try:
        barrier.wait()
        while True:
            r = api.srv.request("POST", f"/api/v1/projects/{pid}/next", user.token,
                                session=session)
            if r.status_code == 204:
                break
            if r.status_code != 200:
                errors.append(f"{user.email} next: {r.status_code} {r.text}")
                return
            body = r.json()
            task_id = body["task"]["id"]
            label = rng.choice(["a", "b"])
            r = api.submit(user.token, task_id, body["lease"]["id"], {"label": label},
                           session=session)
            if r.status_code != 201:
                errors.append(f"{user.email} submit {task_id}: {r.status_code} {r.text}")
                return
            done.append((task_id, r.json()["id"]))
    except Exception as e:  # noqa: BLE001 - report whatever broke the worker
        errors.append(f"{user.email}: {e!r}")
    finally:
        out[user.email] = done
        session.close()


def test_overlap_exact_with_8_concurrent_annotators(api):
    s = api.setup_project(n_tasks=N_TASKS, overlap=OVERLAP, n_annotators=N_ANNOTATORS)
    out, errors = {}, []
    barrier = threading.Barrier(N_ANNOTATORS)
    threads = [threading.Thread(target=_worker, args=(api, s.pid, u, out, errors, barrier))
               for u in s.annotators]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert not errors, "\n".join(errors[:20])

    # nobody annotated a task twice (by our own records)
    for email, done in out.items():
        tasks = [t for t, _ in done]
        dup = [t for t, c in Counter(tasks).items() if c > 1]
        assert not dup, f"{email} annotated {dup} more than once"
    total = sum(len(d) for d in out.values())
    assert total == N_TASKS * OVERLAP, f"{total} annotations acknowledged"

    # the export agrees: each task exactly OVERLAP annotations, distinct people
    lines, _ = api.export(s.manager.token, s.pid)
    assert len(lines) == N_TASKS
    ann_ids = set()
    for line in lines:
        anns = line["annotations"]
        assert len(anns) == OVERLAP, f"task {line['id']} has {len(anns)} annotations"
        names = [a["annotator"] for a in anns]
        assert len(set(names)) == OVERLAP, f"task {line['id']} annotators {names}"
        ann_ids.update(a["id"] for a in anns)
    acked = {aid for d in out.values() for _t, aid in d}
    assert ann_ids == acked, "export and acknowledged annotations differ"

    # pseudonym <-> annotator is one to one across the whole export
    pseud_of = {}
    ann_by_id = {a["id"]: a["annotator"] for line in lines for a in line["annotations"]}
    for email, done in out.items():
        names = {ann_by_id[aid] for _t, aid in done}
        assert len(names) <= 1, f"{email} has pseudonyms {names}"
        if names:
            pseud_of[email] = names.pop()
    assert len(set(pseud_of.values())) == len(pseud_of)

    assert api.counts(s.manager.token, s.pid) == {
        "tasks": N_TASKS, "annotations": N_TASKS * OVERLAP, "completed_tasks": N_TASKS}

    # nobody got 204 while work remained: a fresh next is 204 for everyone
    for u in s.annotators:
        assert api.next(u.token, s.pid) is None, f"{u.email} still gets work"


def test_concurrent_nexts_on_one_slot(api):
    """Eight annotators race for a single slot: exactly one wins."""
    s = api.setup_project(n_tasks=1, overlap=1, n_annotators=8)
    results = [None] * 8
    barrier = threading.Barrier(8)

    def take(i, user):
        barrier.wait()
        results[i] = api.srv.request("POST", f"/api/v1/projects/{s.pid}/next", user.token)

    threads = [threading.Thread(target=take, args=(i, u)) for i, u in enumerate(s.annotators)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [204] * 7, statuses


def test_overlap_exact_with_abandoned_leases(api):
    """Annotators who walk away from leases: the slots come back when the
    leases expire, stale leases are refused, and completion is still exact."""
    n_tasks, overlap, lease_s = 60, 3, 2
    s = api.setup_project(n_tasks=n_tasks, overlap=overlap, n_annotators=N_ANNOTATORS,
                          lease_seconds=lease_s)
    mgr = s.manager.token
    errors, abandoned, acked = [], [], []
    first_seen = {}
    lock = threading.Lock()
    barrier = threading.Barrier(N_ANNOTATORS)
    deadline = time.monotonic() + 120

    def work(user):
        session = requests.Session()
        rng = random.Random(user.email)
        try:
            barrier.wait()
            while time.monotonic() < deadline:
                r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/next", user.token,
                                    session=session)
                if r.status_code == 204:
                    if api.counts(mgr, s.pid)["completed_tasks"] == n_tasks:
                        return
                    time.sleep(0.25)  # slots may be held by leases about to expire
                    continue
                if r.status_code != 200:
                    errors.append(f"next: {r.status_code} {r.text}")
                    return
                n = r.json()
                # `next` hands back a lease not yet submitted: time it from
                # its first appearance
                t_next = first_seen.setdefault(n["lease"]["id"], time.monotonic())
                if rng.random() < 0.15:
                    with lock:
                        abandoned.append((user, n))
                    continue
                r = api.submit(user.token, n["task"]["id"], n["lease"]["id"], {"label": "a"},
                               session=session)
                if r.status_code == 201:
                    with lock:
                        acked.append((user.email, n["task"]["id"], r.json()["id"]))
                elif not (r.status_code == 409 and time.monotonic() - t_next >= lease_s - 0.2):
                    errors.append(f"submit: {r.status_code} {r.text}")
                    return
            errors.append(f"{user.email}: not done after 120 s")
        except Exception as e:  # noqa: BLE001
            errors.append(f"{user.email}: {e!r}")
        finally:
            session.close()

    threads = [threading.Thread(target=work, args=(u,)) for u in s.annotators]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, "\n".join(errors[:20])
    assert abandoned, "the random walk-aways never happened; the test proved nothing"

    time.sleep(lease_s + 0.5)
    for user, n in abandoned:
        r = api.submit(user.token, n["task"]["id"], n["lease"]["id"], {"label": "b"})
        assert r.status_code == 409, f"stale lease accepted: {r.status_code} {r.text}"

    pairs = Counter((email, task) for email, task, _ in acked)
    assert max(pairs.values()) == 1, "an annotator annotated a task twice"
    lines, _ = api.export(mgr, s.pid)
    for line in lines:
        names = [a["annotator"] for a in line["annotations"]]
        assert len(names) == overlap and len(set(names)) == overlap, (line["id"], names)
    assert api.counts(mgr, s.pid) == {"tasks": n_tasks, "annotations": n_tasks * overlap,
                                      "completed_tasks": n_tasks}
    for u in s.annotators:
        assert api.next(u.token, s.pid) is None
