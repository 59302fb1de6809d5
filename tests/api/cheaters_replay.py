"""A real crowd replayed through the API with planted cheaters, then the
detectors run (POST .../quality/run): the harness of test_cheaters.py and of
bench/cheaters/run.sh (docs/quality-workers.md, "Measured").

Replay. Tasks are imported in the dataset's order; each real worker asks
`next` and submits their real label when the served task is one they
labeled, else releases the lease (a skip: never served to them again), until
their last task has passed. With overlap above any task's real count, every
worker is eventually served each task, so each real (task, worker, label)
is replayed exactly; the cost is one `next` per (worker, task before their
last). Planted workers label what `next` serves them, after the real ones
(so a copier finds notes to copy).

Times. Honest (and non-speeding planted) annotators' claim-to-submit times
are written afterwards into annotations.claimed_at (quality_db.set_claimed:
log-normal, median 15 s, a per-worker pace factor), since a test cannot
spend them for real; speeders keep their true (milliseconds) times.

Gold. A random share of the tasks gets its truth.csv answer as gold after
the replay (PUT /tasks/{id}/gold when the build has it, else in the
database): the detectors score annotations on gold set after submission."""
import csv
import json
import math
import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

import quality_db
from conftest import Api

WORDS = ("alpha bravo coat dark ears fluffy grey hound indoor jump kennel large muzzle nose "
         "outdoor paws quiet retriever short tail upright velvet white yard young zoom snout "
         "brown spotted curly straight tiny huge sleepy running sitting standing grass sofa "
         "ball leash collar puppy adult senior wet dry blurry sharp close far left right").split()
RULES = ("gold_accuracy", "speed", "constant", "random", "collusion", "copied_text")
KINDS = ("spammer", "constant", "speeder", "colluder", "copier")


def data_dir():
    return os.environ.get("TALLY_TESTDATA", "/work/shared/data") + "/crowd"


def load(name, n_tasks, min_labels):
    base = os.path.join(data_dir(), name)
    with open(os.path.join(base, "answer.csv")) as f:
        rows = list(csv.reader(f))[1:]
    with open(os.path.join(base, "truth.csv")) as f:
        truth = dict(list(csv.reader(f))[1:])
    classes = sorted({a for _q, _w, a in rows} | set(truth.values()))
    tasks = sorted({q for q, _w, _a in rows if q in truth}, key=lambda q: (len(q), q))[:n_tasks]
    keep = set(tasks)
    labels = {}
    for q, w, a in rows:
        if q in keep:
            labels.setdefault(w, {}).setdefault(q, a)
    workers = {w: ls for w, ls in labels.items() if len(ls) >= min_labels}
    return tasks, truth, classes, workers


class Replay:
    def __init__(self, srv, dataset="dog", n_tasks=200, min_labels=15, gold_rate=0.25,
                 planted=None, planted_tasks=60, threads=8, seed=7):
        self.srv, self.api = srv, Api(srv)
        self.rng = random.Random(seed)
        self.tasks, self.truth, self.classes, self.real = load(dataset, n_tasks, min_labels)
        self.gold_rate, self.planted_tasks, self.threads = gold_rate, planted_tasks, threads
        self.planted = planted or {"spammer": 5, "constant": 4, "speeder": 5, "colluder": 4,
                                   "copier": 2}
        self.durations = {}  # annotation id -> seconds to write
        self.kind = {}       # user id -> kind ("honest" or a planted kind)
        self.lock = threading.Lock()

    # ---- setup ----
    def setup(self):
        api = self.api
        t = api.tenant()
        self.tenant, self.mgr = t, t.user("manager")
        fields = [{"name": "breed", "type": "choice", "options": self.classes},
                  {"name": "note", "type": "text", "required": False}]
        self.pid = t.project(self.mgr.token, fields=fields, overlap=100)
        api.import_tasks(self.mgr.token, self.pid, [{"q": q} for q in self.tasks])
        ids, cursor = [], None
        while True:
            path = f"/api/v1/projects/{self.pid}/tasks?limit=500"
            r = self.srv.request("GET", path + (f"&cursor={cursor}" if cursor else ""),
                                 self.mgr.token)
            assert r.status_code == 200, r.text
            ids += [(x["id"], x["data"]["q"]) for x in r.json()["tasks"]]
            cursor = r.json()["next_cursor"]
            if not cursor:
                break
        self.task_id = {q: tid for tid, q in ids}
        self.q_of = {tid: q for tid, q in ids}
        self.gold = {q for q in self.tasks if self.rng.random() < self.gold_rate}
        self.users = {}
        for w in self.real:
            self.users[("honest", w)] = self._member()
        for kind in KINDS:
            for i in range(self.planted[kind]):
                self.users[(kind, i)] = self._member()
        for (kind, _), u in self.users.items():
            self.kind[u.id] = kind

    def _member(self):
        u = self.api.workforce_annotator()
        self.api.add_member(self.mgr.token, self.pid, u.email)
        return u

    # ---- labeling ----
    def _note(self, rng):
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14)))

    def _post(self, sess, path, token, body=None):
        """The replay's hot loop talks to the server directly (the OpenAPI
        check of every answer, which Server.request adds, would double the
        test's time; the other tests check these routes' shapes)."""
        return sess.post(self.srv.url + path, json=body,
                         headers={"Authorization": f"Bearer {token}"}, timeout=60)

    def _submit(self, sess, u, got, result, seconds):
        r = self._post(sess, f"/api/v1/tasks/{got['task']['id']}/annotations", u.token,
                       {"lease_id": got["lease"]["id"], "result": result})
        assert r.status_code == 201, r.text
        if seconds is not None:
            with self.lock:
                self.durations[r.json()["id"]] = seconds

    def _next(self, sess, u):
        r = self._post(sess, f"/api/v1/projects/{self.pid}/next", u.token)
        assert r.status_code in (200, 204), r.text
        return r.json() if r.status_code == 200 else None

    def _pace(self, rng):
        return 15 * math.exp(rng.gauss(0, 0.4))

    def _honest(self, w):
        u, labels = self.users[("honest", w)], self.real[w]
        rng = random.Random(f"{w}")
        pace, last = self._pace(rng), max(self.tasks.index(q) for q in labels)
        sess = requests.Session()
        left = set(labels)
        while left:
            got = self._next(sess, u)
            assert got, f"worker {w}: queue ran dry with {len(left)} labels left"
            q = self.q_of[got["task"]["id"]]
            if q in left:
                left.discard(q)
                res = {"breed": labels[q]}
                if rng.random() < 0.5:
                    res["note"] = self._note(rng)
                self._submit(sess, u, got, res, pace * math.exp(rng.gauss(0, 0.6)))
            else:
                r = self._post(sess, f"/api/v1/leases/{got['lease']['id']}/release", u.token,
                               {"reason": "not mine"})
                assert r.status_code in (200, 204), r.text
            assert self.tasks.index(q) <= last

    def _planted(self, kind, i, partner_answers):
        u = self.users[(kind, i)]
        rng = random.Random(f"{kind}{i}")
        pace = self._pace(rng)
        sess = requests.Session()
        const = self.classes[i % len(self.classes)]
        for _ in range(self.planted_tasks):
            got = self._next(sess, u)
            if not got:
                return
            q = self.q_of[got["task"]["id"]]
            truth = self.truth[q]
            honestish = truth if rng.random() < 0.75 else rng.choice(self.classes)
            secs = pace * math.exp(rng.gauss(0, 0.6))
            res = {"breed": honestish}
            if kind == "spammer":
                res["breed"] = rng.choice(self.classes)
            elif kind == "constant":
                res["breed"] = const
            elif kind == "speeder":
                secs = None  # their real, instant time
            elif kind == "colluder":
                # a pair shares one answer per task: wrong on gold, else random
                key = (i // 2, q)
                if key not in partner_answers:
                    wrong = [c for c in self.classes if c != truth]
                    partner_answers[key] = (rng.choice(wrong) if q in self.gold
                                            else rng.choice(self.classes))
                res["breed"] = partner_answers[key]
            elif kind == "copier":
                note = self._note_of_task(got["task"]["id"])
                if note:
                    res["note"] = note
            self._submit(sess, u, got, res, secs)

    def _note_of_task(self, task_id):
        r = self.srv.request("GET", f"/api/v1/tasks/{task_id}", self.mgr.token)
        assert r.status_code == 200, r.text
        for a in r.json().get("annotations", []):
            note = a.get("result", {}).get("note")
            if note:
                return note
        return None

    def run(self):
        with ThreadPoolExecutor(self.threads) as ex:
            list(ex.map(self._honest, list(self.real)))
        shared = {}
        for kind in KINDS:
            for i in range(self.planted[kind]):
                self._planted(kind, i, shared)
        quality_db.set_claimed(self.srv, self.durations)
        self._set_gold()
        self._check_threshold()
        r = self.srv.request("POST", f"/api/v1/projects/{self.pid}/quality/run", self.mgr.token)
        assert r.status_code == 200, r.text
        self.run_summary = r.json()
        r = self.srv.request("GET", f"/api/v1/projects/{self.pid}/workers", self.mgr.token)
        assert r.status_code == 200, r.text
        return r.json()["workers"]

    def _set_gold(self):
        golds = {self.task_id[q]: {"breed": self.truth[q]} for q in self.gold}
        first = next(iter(golds))
        r = self.srv.request("PUT", f"/api/v1/tasks/{first}/gold", self.mgr.token,
                             json_body={"gold": golds[first]})
        if r.status_code == 200:
            for tid, g in golds.items():
                r = self.srv.request("PUT", f"/api/v1/tasks/{tid}/gold", self.mgr.token,
                                     json_body={"gold": g})
                assert r.status_code == 200, r.text
        else:  # this build has no gold API (issue 10's core helper adds it)
            quality_db.set_gold(self.srv, golds)

    def _check_threshold(self):
        """The gold rule runs at the project's default threshold (null: the
        chance level of its choice field, 1/4 for four breeds): the honest
        crowd's worst real workers (0.44 accuracy) stay above it with the
        gold they answer."""
        p = self.srv.request("GET", f"/api/v1/projects/{self.pid}", self.mgr.token).json()
        assert p["quality"]["gold_threshold"] is None, p["quality"]

    # ---- scoring ----
    def table(self, workers):
        """Per worker kind and rule: how many were flagged."""
        name_kind = {}
        for (kind, _), u in self.users.items():
            name_kind[self._name(u)] = kind
        flagged = {k: {r: 0 for r in RULES + ("any",)} for k in ("honest",) + KINDS}
        count = {k: 0 for k in ("honest",) + KINDS}
        honest_flagged = []
        for w in workers:
            kind = name_kind.get(w["annotator"])
            if kind is None:
                continue
            count[kind] += 1
            # a run during the replay may have flagged on half the data: its
            # flags were dismissed by the next run ("no longer found")
            rules = {f["rule"] for f in w["flags"] if f["status"] != "dismissed"}
            for r in rules:
                flagged[kind][r] += 1
            if rules:
                flagged[kind]["any"] += 1
                if kind == "honest":
                    honest_flagged.append((w["annotator"], sorted(rules), w["flags"]))
        return count, flagged, honest_flagged

    def _name(self, u):
        """The name the workers list shows u by: the members list pairs it
        with the user id."""
        if not hasattr(self, "_names"):
            r = self.srv.request("GET", f"/api/v1/projects/{self.pid}/members", self.mgr.token)
            assert r.status_code == 200, r.text
            self._names = {m["user_id"]: m["name"] for m in r.json()["members"]}
        return self._names[u.id]

    def report(self, workers):
        """The table printed by the test and the bench, and the totals."""
        count, flagged, honest_flagged = self.table(workers)
        lines = [f"{'kind':10} {'n':>4} " + " ".join(f"{r[:9]:>9}" for r in RULES) + "      any"]
        for k in ("honest",) + KINDS:
            lines.append(f"{k:10} {count[k]:>4} " +
                         " ".join(f"{flagged[k][r]:>9}" for r in RULES + ("any",)))
        n_planted = sum(count[k] for k in KINDS)
        caught = sum(flagged[k]["any"] for k in KINDS)
        lines.append("per detector: precision = flags on planted cheaters / all its flags;"
                     " recall = its target kind flagged / planted of that kind")
        target = {"gold_accuracy": ("spammer", "colluder", "constant"), "speed": ("speeder",),
                  "constant": ("constant",), "random": ("spammer", "constant"),
                  "collusion": ("colluder",), "copied_text": ("copier",)}
        for r in RULES:
            tp = sum(flagged[k][r] for k in KINDS)
            allf = tp + flagged["honest"][r]
            tgt = sum(count[k] for k in target[r])
            hit = sum(flagged[k][r] for k in target[r])
            prec = f"{tp / allf:.2f}" if allf else "  - "
            rec = f"{hit / tgt:.2f}" if tgt else "  - "
            lines.append(f"  {r:14} precision {prec}  recall {rec} ({hit}/{tgt})")
        lines.append(f"planted flagged {caught}/{n_planted}; honest flagged "
                     f"{flagged['honest']['any']}/{count['honest']}; run {self.run_summary}")
        return "\n".join(lines), caught, n_planted, flagged["honest"]["any"], count["honest"], \
            honest_flagged
