"""The labeling loop: next, leases, submit; schema validation (422); the
lease rules (409); lease expiry; the slot rules of overlap."""
import time
from datetime import datetime, timezone

import pytest

from conftest import ID_RE, RFC3339_UTC_RE, Api, assert_error

SCHEMA = [
    {"name": "label", "type": "choice", "options": ["a", "b"]},
    {"name": "tags", "type": "multichoice", "options": ["x", "y", "z"], "required": False},
    {"name": "note", "type": "text", "max_length": 10, "required": False},
    {"name": "score", "type": "number", "min": 0, "max": 1, "required": False},
    {"name": "stars", "type": "rating", "min": 1, "max": 5, "required": False},
]

# Results that fit SCHEMA: 201.
GOOD_RESULTS = [
    ("minimal", {"label": "a"}),
    ("all-fields", {"label": "b", "tags": ["x", "z"], "note": "short", "score": 0.5,
                    "stars": 3}),
    ("empty-multichoice", {"label": "a", "tags": []}),
    ("bounds-inclusive", {"label": "a", "score": 1, "stars": 5, "note": "0123456789"}),
    ("number-integer-ok", {"label": "a", "score": 0}),
]

# Results that do not fit SCHEMA: 422.
BAD_RESULTS = [
    ("choice-not-an-option", {"label": "c"}),
    ("choice-wrong-case", {"label": "A"}),
    ("choice-wrong-type", {"label": 1}),
    ("choice-array", {"label": ["a"]}),
    ("required-missing", {}),
    ("required-missing-with-others", {"tags": ["x"]}),
    ("unknown-field", {"label": "a", "extra": 1}),
    ("multichoice-not-array", {"label": "a", "tags": "x"}),
    ("multichoice-unknown-option", {"label": "a", "tags": ["x", "w"]}),
    ("multichoice-duplicates", {"label": "a", "tags": ["x", "x"]}),
    ("multichoice-non-string", {"label": "a", "tags": [1]}),
    ("text-too-long", {"label": "a", "note": "01234567890"}),
    ("text-wrong-type", {"label": "a", "note": 5}),
    ("number-below-min", {"label": "a", "score": -0.1}),
    ("number-above-max", {"label": "a", "score": 1.01}),
    ("number-as-string", {"label": "a", "score": "0.5"}),
    ("number-bool", {"label": "a", "score": True}),
    ("rating-below-min", {"label": "a", "stars": 0}),
    ("rating-above-max", {"label": "a", "stars": 6}),
    ("rating-not-integer", {"label": "a", "stars": 2.5}),
    ("rating-as-string", {"label": "a", "stars": "3"}),
]


@pytest.fixture(scope="module")
def schema_project(server):
    """One project with a task per validation case and one annotator."""
    api = Api(server)
    n = len(GOOD_RESULTS) + len(BAD_RESULTS) + 5
    s = api.setup_project(n_tasks=n, overlap=1, fields=SCHEMA, n_annotators=1)
    return api, s


@pytest.mark.parametrize("result", [c[1] for c in GOOD_RESULTS], ids=[c[0] for c in GOOD_RESULTS])
def test_result_fits_schema(schema_project, result):
    api, s = schema_project
    tok = s.annotators[0].token
    n = api.next(tok, s.pid)
    r = api.submit(tok, n["task"]["id"], n["lease"]["id"], result)
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"id"} and ID_RE.match(r.json()["id"])


@pytest.mark.parametrize("result", [c[1] for c in BAD_RESULTS], ids=[c[0] for c in BAD_RESULTS])
def test_result_does_not_fit_schema(schema_project, result):
    api, s = schema_project
    tok = s.annotators[0].token
    n = api.next(tok, s.pid)
    before = api.counts(s.manager.token, s.pid)["annotations"]
    r = api.submit(tok, n["task"]["id"], n["lease"]["id"], result)
    assert_error(r, 422, "unprocessable")
    assert api.counts(s.manager.token, s.pid)["annotations"] == before


@pytest.mark.parametrize("result", ["a", ["a"], 1, None], ids=["string", "array", "number",
                                                              "null"])
def test_result_not_an_object(schema_project, result):
    """Assumption: a result that is not an object is refused as 400 (a bad
    field) or 422 (does not fit the schema); the contract allows either."""
    api, s = schema_project
    tok = s.annotators[0].token
    n = api.next(tok, s.pid)
    r = api.submit(tok, n["task"]["id"], n["lease"]["id"], result)
    assert r.status_code in (400, 422), r.text
    assert_error(r, r.status_code)


def test_422_does_not_consume_the_lease(api):
    """Assumption: a refused result leaves the lease usable, so the annotator
    can fix the label and submit again while the lease lives."""
    s = api.setup_project(n_tasks=1, n_annotators=1)
    tok = s.annotators[0].token
    n = api.next(tok, s.pid)
    assert_error(api.submit(tok, n["task"]["id"], n["lease"]["id"], {"label": "zzz"}), 422)
    assert api.submit(tok, n["task"]["id"], n["lease"]["id"], {"label": "a"}).status_code == 201


def test_next_shape_and_lease_expiry_time(api):
    s = api.setup_project(tasks=[{"text": "hello"}], n_annotators=1, lease_seconds=900)
    before = datetime.now(timezone.utc)
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/next", s.annotators[0].token)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"task", "lease"}
    assert set(body["task"]) == {"id", "data", "predictions"}
    assert set(body["lease"]) == {"id", "expires_at"}
    assert body["task"]["predictions"] == []
    assert ID_RE.match(body["task"]["id"]) and ID_RE.match(body["lease"]["id"])
    assert body["task"]["data"] == {"text": "hello"}
    exp = body["lease"]["expires_at"]
    assert RFC3339_UTC_RE.match(exp), exp
    delta = (datetime.fromisoformat(exp.replace("Z", "+00:00")) - before).total_seconds()
    assert 900 - 60 <= delta <= 900 + 60, f"lease expires in {delta}s, want ~900"


def test_next_on_empty_project_is_204(api):
    s = api.setup_project(n_tasks=0, n_annotators=1)
    r = api.srv.request("POST", f"/api/v1/projects/{s.pid}/next", s.annotators[0].token)
    assert r.status_code == 204 and r.content == b""


def test_next_never_repeats_a_task_for_one_annotator(api):
    s = api.setup_project(n_tasks=3, overlap=2, n_annotators=1, max_leases_per_annotator=4)
    tok = s.annotators[0].token
    held = [api.next(tok, s.pid) for _ in range(3)]
    assert len({n["task"]["id"] for n in held}) == 3, "a task leased twice to one annotator"
    # every task is leased or done by this annotator: the oldest lease again
    assert api.next(tok, s.pid) == held[0]
    for n in held:
        assert api.submit(tok, n["task"]["id"], n["lease"]["id"], {"label": "a"}).status_code \
            == 201
    assert api.next(tok, s.pid) is None, "a task the annotator annotated came back"


def test_live_leases_never_exceed_missing_annotations(api):
    s = api.setup_project(n_tasks=1, overlap=2, n_annotators=4)
    a1, a2, a3, a4 = (a.token for a in s.annotators)
    n1, n2 = api.next(a1, s.pid), api.next(a2, s.pid)
    assert n1 and n2 and n1["task"]["id"] == n2["task"]["id"]
    assert api.next(a3, s.pid) is None, "3 live leases on a task that misses 2 annotations"
    assert api.submit(a1, n1["task"]["id"], n1["lease"]["id"], {"label": "a"}).status_code == 201
    assert api.next(a3, s.pid) is None, "a slot opened although a2 still holds one"
    assert api.submit(a2, n2["task"]["id"], n2["lease"]["id"], {"label": "b"}).status_code == 201
    assert api.next(a3, s.pid) is None, "a completed task was handed out"
    assert api.next(a4, s.pid) is None
    assert api.counts(s.manager.token, s.pid) == {"tasks": 1, "annotations": 2,
                                                  "completed_tasks": 1}


# ---- lease rules: 409 "conflict"

def test_someone_elses_lease_is_409(api):
    s = api.setup_project(n_tasks=1, overlap=2, n_annotators=2)
    a1, a2 = (a.token for a in s.annotators)
    n1 = api.next(a1, s.pid)
    assert_error(api.submit(a2, n1["task"]["id"], n1["lease"]["id"], {"label": "a"}), 409,
                 "conflict")
    # a2 holding its own lease on the same task does not make a1's usable to a2
    n2 = api.next(a2, s.pid)
    assert n2["task"]["id"] == n1["task"]["id"]
    assert_error(api.submit(a2, n1["task"]["id"], n1["lease"]["id"], {"label": "a"}), 409)
    # the rightful owners still can
    assert api.submit(a1, n1["task"]["id"], n1["lease"]["id"], {"label": "a"}).status_code == 201
    assert api.submit(a2, n2["task"]["id"], n2["lease"]["id"], {"label": "a"}).status_code == 201


def test_used_lease_is_409(api):
    s = api.setup_project(n_tasks=2, overlap=2, n_annotators=1)
    tok = s.annotators[0].token
    n = api.next(tok, s.pid)
    assert api.submit(tok, n["task"]["id"], n["lease"]["id"], {"label": "a"}).status_code == 201
    assert_error(api.submit(tok, n["task"]["id"], n["lease"]["id"], {"label": "b"}), 409,
                 "conflict")
    assert api.counts(s.manager.token, s.pid)["annotations"] == 1


def test_retry_of_a_stored_submit_answers_the_same_annotation(api):
    """A client that lost the answer to its submit (network error, 5xx)
    retries with the same lease and result: 201 with the annotation it
    stored, and still one annotation; anything else under the used lease
    stays a 409."""
    s = api.setup_project(n_tasks=2, overlap=2, n_annotators=1)
    tok = s.annotators[0].token
    n = api.next(tok, s.pid)
    first = api.submit(tok, n["task"]["id"], n["lease"]["id"], {"label": "a"})
    assert first.status_code == 201, first.text
    again = api.submit(tok, n["task"]["id"], n["lease"]["id"], {"label": "a"})
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert api.counts(s.manager.token, s.pid)["annotations"] == 1
    assert_error(api.submit(tok, n["task"]["id"], n["lease"]["id"], {"label": "b"}), 409,
                 "conflict")
    # the used lease on another task is no retry: refused
    other = api.next(tok, s.pid)
    assert_error(api.submit(tok, other["task"]["id"], n["lease"]["id"], {"label": "a"}), 409)
    assert api.counts(s.manager.token, s.pid)["annotations"] == 1


def test_lease_for_another_task_is_409(api):
    s = api.setup_project(n_tasks=2, overlap=1, n_annotators=1, max_leases_per_annotator=2)
    tok = s.annotators[0].token
    n1, n2 = api.next(tok, s.pid), api.next(tok, s.pid)
    assert n1["task"]["id"] != n2["task"]["id"]
    assert_error(api.submit(tok, n2["task"]["id"], n1["lease"]["id"], {"label": "a"}), 409,
                 "conflict")
    assert api.counts(s.manager.token, s.pid)["annotations"] == 0


def test_unknown_lease_is_409(api):
    s = api.setup_project(n_tasks=1, overlap=1, n_annotators=1)
    tok = s.annotators[0].token
    n = api.next(tok, s.pid)
    r = api.submit(tok, n["task"]["id"], "0190b5a0-0000-7000-8000-000000000000", {"label": "a"})
    assert_error(r, 409, "conflict")
    # not even an id: 409 like any unknown lease, or 400 as a bad field
    r = api.submit(tok, n["task"]["id"], "garbage", {"label": "a"})
    assert r.status_code in (400, 409), r.text
    assert api.submit(tok, n["task"]["id"], n["lease"]["id"], {"label": "a"}).status_code == 201


def test_expired_lease_is_409_and_frees_the_slot(api):
    # 2 s, not 1: the "slot is taken" check must land before expiry even on a
    # loaded machine running the sanitizer build
    s = api.setup_project(n_tasks=1, overlap=1, lease_seconds=2, n_annotators=2)
    a1, a2 = (a.token for a in s.annotators)
    n1 = api.next(a1, s.pid)
    assert n1 is not None
    assert api.next(a2, s.pid) is None, "the only slot is leased to a1"
    time.sleep(3.2)
    # the slot is free again: a2 gets the task
    n2 = api.next(a2, s.pid)
    assert n2 is not None and n2["task"]["id"] == n1["task"]["id"]
    # a1's lease is dead
    assert_error(api.submit(a1, n1["task"]["id"], n1["lease"]["id"], {"label": "a"}), 409,
                 "conflict")
    assert api.submit(a2, n2["task"]["id"], n2["lease"]["id"], {"label": "b"}).status_code == 201
    assert api.counts(s.manager.token, s.pid) == {"tasks": 1, "annotations": 1,
                                                  "completed_tasks": 1}
    assert api.next(a1, s.pid) is None


def test_expired_lease_can_be_taken_again_by_its_holder(api):
    s = api.setup_project(n_tasks=1, overlap=1, lease_seconds=1, n_annotators=1)
    tok = s.annotators[0].token
    n1 = api.next(tok, s.pid)
    time.sleep(2.2)
    n2 = api.next(tok, s.pid)
    assert n2 is not None and n2["task"]["id"] == n1["task"]["id"]
    assert n2["lease"]["id"] != n1["lease"]["id"]
    assert_error(api.submit(tok, n1["task"]["id"], n1["lease"]["id"], {"label": "a"}), 409)
    assert api.submit(tok, n2["task"]["id"], n2["lease"]["id"], {"label": "a"}).status_code == 201


def test_text_max_length_counts_characters_not_bytes(schema_project):
    """Assumption (the contract says only "optional max_length"): the limit is
    in characters (Unicode code points), as a labeler sees it; a byte limit
    would give Japanese labelers a third of the room of English ones."""
    api, s = schema_project
    tok = s.annotators[0].token
    n = api.next(tok, s.pid)
    ten_chars = "日本語のテキストです"  # 10 code points, 30 UTF-8 bytes; max_length is 10
    r = api.submit(tok, n["task"]["id"], n["lease"]["id"], {"label": "a", "note": ten_chars})
    assert r.status_code == 201, r.text


def test_next_returns_predictions_oldest_first(api):
    """Pre-labels come with the task as an editable start, in import order,
    both on a new lease and when the same lease is handed back."""
    preds = [{"model": "m-1", "result": {"label": "b"}, "score": 0.25},
             {"model": "m-2", "result": {"label": "a", "note": "x"}}]
    s = api.setup_project(fields=SCHEMA, n_annotators=1,
                          tasks=[{"text": "t", "predictions": preds}])
    first = api.next(s.annotators[0].token, s.pid)
    assert first["task"]["data"] == {"text": "t"}
    assert first["task"]["predictions"] == preds
    again = api.next(s.annotators[0].token, s.pid)
    assert again["lease"]["id"] == first["lease"]["id"]
    assert again["task"]["predictions"] == preds
    # a prediction is not an annotation: the task is still open
    assert api.counts(s.manager.token, s.pid)["annotations"] == 0
    r = api.submit(s.annotators[0].token, first["task"]["id"], first["lease"]["id"],
                   preds[0]["result"])
    assert r.status_code == 201, r.text
