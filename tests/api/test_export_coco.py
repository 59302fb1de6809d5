"""Export ?format=coco: one COCO document with boxes, polygons and keypoints,
pixels where the task data gives the image size, percent otherwise, image ids
that match across the two passes over many pages."""
import json

from conftest import assert_error

SCHEMA = {
    "views": [{"source": "image", "kind": "image"}],
    "fields": [
        {"name": "objects", "type": "boxes", "source": "image", "labels": ["car", "person"]},
        {"name": "areas", "type": "polygons", "source": "image", "labels": ["road"]},
        {"name": "pose", "type": "keypoints", "source": "image", "labels": ["head", "foot"]},
    ],
}

RESULT = {
    "objects": [{"x": 10, "y": 20, "width": 30, "height": 40, "label": "person"}],
    "areas": [{"points": [[0, 50], [100, 50], [100, 100], [0, 100]], "label": "road"}],
    "pose": [{"x": 25, "y": 25, "label": "head"}],
}


def make_project(api, tasks):
    t = api.tenant()
    mgr = t.user("manager")
    r = api.srv.request("POST", "/api/v1/projects", mgr.token,
                        json_body={"name": "coco", "schema": SCHEMA})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    api.import_tasks(mgr.token, pid, tasks)
    ann = t.user("annotator")
    api.add_member(mgr.token, pid, ann.email)
    return pid, mgr, ann


def export_coco(api, token, pid):
    r = api.srv.request("GET", f"/api/v1/projects/{pid}/export?format=coco", token)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    return json.loads(r.text)


def annotate_all(api, ann, pid, n):
    for _ in range(n):
        nxt = api.next(ann.token, pid)
        r = api.submit(ann.token, nxt["task"]["id"], nxt["lease"]["id"], RESULT)
        assert r.status_code == 201, r.text


def test_export_coco_boxes_polygons_keypoints(api):
    tasks = [{"image": "https://example.test/px.png", "width": 200, "height": 100},
             {"image": "https://example.test/pct.png"},
             {"image": "https://example.test/empty.png", "width": 10, "height": 10}]
    pid, mgr, ann = make_project(api, tasks)
    annotate_all(api, ann, pid, 2)  # whichever two come first; one stays bare
    doc = export_coco(api, mgr.token, pid)
    assert set(doc) == {"info", "categories", "images", "annotations"}
    cats = doc["categories"]
    assert [(c["id"], c["name"]) for c in cats] == \
        [(1, "car"), (2, "person"), (3, "road"), (4, "pose")]
    assert cats[3]["keypoints"] == ["head", "foot"]

    images = {img["file_name"].rsplit("/", 1)[1]: img for img in doc["images"]}
    assert sorted(images) == ["empty.png", "pct.png", "px.png"]
    assert sorted(img["id"] for img in doc["images"]) == [1, 2, 3]
    assert images["px.png"]["tally_units"] == "pixels"
    assert (images["px.png"]["width"], images["px.png"]["height"]) == (200, 100)
    assert images["pct.png"]["tally_units"] == "percent"

    by_image = {}
    for a in doc["annotations"]:
        by_image.setdefault(a["image_id"], {})[a["category_id"]] = a
    annotated = [img for img in doc["images"] if img["id"] in by_image]
    assert len(annotated) == 2 and len(doc["annotations"]) == 6
    assert sorted(a["id"] for a in doc["annotations"]) == list(range(1, 7))
    for img in annotated:
        sx, sy = img["width"] / 100, img["height"] / 100
        got = by_image[img["id"]]
        assert got[2]["bbox"] == [10 * sx, 20 * sy, 30 * sx, 40 * sy]
        assert got[3]["segmentation"] == [[0, 50 * sy, 100 * sx, 50 * sy, 100 * sx,
                                           100 * sy, 0, 100 * sy]]
        assert got[3]["bbox"] == [0, 50 * sy, 100 * sx, 50 * sy]
        assert got[4]["keypoints"] == [25 * sx, 25 * sy, 2, 0, 0, 0]
        assert got[4]["num_keypoints"] == 1
        assert all(a["iscrowd"] == 0 and a["tally_annotation_id"] for a in got.values())


def test_export_coco_needs_a_region_field(api):
    s = api.setup_project(n_tasks=1)
    r = api.srv.request("GET", f"/api/v1/projects/{s.pid}/export?format=coco", s.manager.token)
    assert_error(r, 400, "invalid")


def test_export_coco_image_ids_match_across_pages(api):
    """More tasks than one export page holds: both passes count alike."""
    tasks = [{"image": f"img{i}.png", "width": 100, "height": 100} for i in range(700)]
    pid, mgr, ann = make_project(api, tasks)
    annotate_all(api, ann, pid, 3)
    doc = export_coco(api, mgr.token, pid)
    assert [img["id"] for img in doc["images"]] == list(range(1, 701))
    names = {img["id"]: img["file_name"] for img in doc["images"]}
    assert len(set(names.values())) == 700
    assert len(doc["annotations"]) == 9
    # the annotated tasks' images, found by their task ids, are the ones pointed at
    r = api.srv.request("GET", f"/api/v1/projects/{pid}/export?format=jsonl", mgr.token)
    done = {json.loads(x)["id"] for x in r.text.splitlines() if json.loads(x)["annotations"]}
    pointed = {img["tally_task_id"] for img in doc["images"]
               if img["id"] in {a["image_id"] for a in doc["annotations"]}}
    assert pointed == done
