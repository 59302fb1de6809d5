"""Tally from Python, cell by cell: run it whole, or paste the cells into a
notebook. Needs a server and a manager's token:

    TALLY_URL=http://127.0.0.1:8080 TALLY_TOKEN=... python3 quickstart.py

(`make run` prints a demo manager's credentials; `tally token create`
makes a token.) Only the standard library and tally_client.py are used."""
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tally_client import Client, TallyError  # noqa: E402

# %% Connect
tally = Client(os.environ.get("TALLY_URL", "http://127.0.0.1:8080"), os.environ["TALLY_TOKEN"])

# %% A project: one question per review, three opinions per task
schema = {
    "views": [{"source": "review", "kind": "text"}],
    "fields": [{"name": "sentiment", "type": "choice",
                "options": ["positive", "negative", "mixed"],
                "description": "How does the reviewer feel overall?"}],
}
project = tally.create_project("Quickstart reviews", schema, overlap=3)
print("project", project["id"])

# %% Import: any iterable of dicts is streamed, here with a model's pre-label
reviews = ["Loved it", "Broke after a week", "Fine for the price, ugly colour"]
n = tally.import_tasks(project["id"], (
    {"review": text,
     "predictions": [{"model": "baseline-v1", "result": {"sentiment": "positive"}, "score": 0.5}]}
    for text in reviews))
print("imported", n)

# %% A bad task fails the whole import, with its line: nothing is stored
try:
    tally.import_tasks(project["id"], [{"review": "ok"}, ["not", "a", "task"]])
except TallyError as e:
    print("refused:", e.status, e.message)

# %% Progress, then the export (streamed; here parsed line by line)
print("counts", tally.project(project["id"])["counts"])
for row in tally.export_rows(project["id"]):
    print(row["data"]["review"], "->", [p["result"] for p in row["predictions"]])

# %% Other formats go to a file as they arrive
with tempfile.TemporaryDirectory() as d:
    size = tally.export_to_file(project["id"], os.path.join(d, "reviews.csv"), format="csv")
    print("csv export:", size, "bytes")

print(json.dumps({"project": project["id"], "tasks": n}))
