"""POST /api/v1/schemas/convert: a Label Studio XML label config in, a Tally
schema out. Real configs from the Label Studio project are read in place from
$TALLY_TESTDATA/interop/labelstudio/configs (skipped when absent)."""
import os
from pathlib import Path

import pytest

from conftest import REPO, Api, assert_error

PATH = "/api/v1/schemas/convert"
XML = {"Content-Type": "application/xml"}
DATA = Path(os.environ.get("TALLY_TESTDATA") or REPO.parent / "shared" / "data")
CONFIGS = DATA / "interop" / "labelstudio" / "configs"

NER = """<View>
  <Labels name="ner" toName="text">
    <Label value="PER"/><Label value="ORG"/>
  </Labels>
  <Text name="text" value="$body"/>
  <Relations name="rel"><Relation value="works_for"/></Relations>
</View>"""


@pytest.fixture(scope="module")
def manager(server):
    api = Api(server)
    return api, api.tenant().user("manager")


def convert(api, token, body, headers=XML):
    return api.srv.request("POST", PATH, token, data=body.encode(), headers=headers)


def test_convert_happy_path(manager):
    api, m = manager
    r = convert(api, m.token, NER)
    assert r.status_code == 200, r.text
    assert r.json() == {"schema": {
        "views": [{"source": "body", "kind": "text", "name": "text"}],
        "fields": [
            {"name": "ner", "type": "spans", "source": "body", "labels": ["PER", "ORG"],
             "allow_overlap": True, "required": False},
            {"name": "rel", "type": "relations", "field": "ner", "labels": ["works_for"],
             "required": False},
        ]}}


@pytest.mark.parametrize("ctype", ["text/xml", "application/xml; charset=utf-8",
                                   "Application/XML"])
def test_xml_media_types_accepted(manager, ctype):
    api, m = manager
    r = convert(api, m.token, NER, headers={"Content-Type": ctype})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("ctype", [None, "application/json", "text/plain",
                                   "application/xml-dtd", "application/xhtml+xml"])
def test_other_media_types_are_415(manager, ctype):
    api, m = manager
    r = convert(api, m.token, NER, headers={"Content-Type": ctype} if ctype else {})
    assert_error(r, 415)


def test_unsupported_tag_is_400_naming_it(manager):
    api, m = manager
    r = convert(api, m.token, '<View>\n  <Video name="v" value="$video"/>\n</View>')
    assert_error(r, 400)
    assert "<Video>" in r.json()["error"]["message"]
    assert "line 2" in r.json()["error"]["message"]


def test_malformed_xml_is_400_with_its_line(manager):
    api, m = manager
    r = convert(api, m.token, '<View>\n<Text name="t" value="$t"/>\n<Choices name="c">\n</View>')
    assert_error(r, 400)
    assert "line 4" in r.json()["error"]["message"]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<View><Header value="&lol9;"/><Text name="t" value="$t"/><TextArea name="x" toName="t"/></View>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE View [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<View><Text name="t" value="$t"/><Choices name="c" toName="t"><Choice value="&xxe;"/></Choices></View>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_doctype_entity_attacks_refused(manager, body):
    api, m = manager
    r = convert(api, m.token, body)
    assert_error(r, 400)
    assert "DOCTYPE" in r.json()["error"]["message"]
    assert "root:" not in r.text
    assert convert(api, m.token, NER).status_code == 200  # and the server goes on


def test_body_over_1mib_is_413(manager):
    api, m = manager
    r = convert(api, m.token, "<View>" + " " * (1 << 20) + "</View>")
    assert_error(r, 413)


def test_deep_nesting_refused(manager):
    api, m = manager
    r = convert(api, m.token, "<View>" * 100000 + "</View>" * 100000)
    assert r.status_code in (400, 413), r.text
    assert set(r.json()) == {"error"}


def test_annotator_may_not_convert(manager):
    api, m = manager
    r = convert(api, api.workforce_annotator().token, NER)
    assert_error(r, 403)
    assert_error(convert(api, None, NER), 401)


def _configs():
    return sorted(CONFIGS.glob("*.xml")) if CONFIGS.is_dir() else []


@pytest.mark.parametrize("path", _configs() or [None],
                         ids=[p.name for p in _configs()] or ["absent"])
def test_label_studio_configs_convert(manager, path):
    if path is None:
        pytest.skip(f"Label Studio configs not found at {CONFIGS} (set TALLY_TESTDATA)")
    api, m = manager
    r = convert(api, m.token, path.read_text())
    assert r.status_code == 200, f"{path.name}: {r.text}"
    schema = r.json()["schema"]
    assert schema["fields"], path.name
    sources = {v["source"] for v in schema["views"]}
    for f in schema["fields"]:
        for s in f.get("sources", [f["source"]] if "source" in f else []):
            assert s in sources, (path.name, f)
    # What the converter writes is a schema the server accepts as it is.
    r = api.srv.request("POST", "/api/v1/projects", m.token,
                        json={"name": path.stem, "schema": schema})
    assert r.status_code == 201, f"{path.name}: {r.text}"
