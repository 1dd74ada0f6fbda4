"""``forceplan station`` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from forceplan.cli import app
from forceplan.stationing.result import json_schema

pytestmark = pytest.mark.integration


def external_refs(text: str) -> list[str]:
    """src/href attributes of script, link, img and iframe tags that point anywhere but a data: URL."""
    from html.parser import HTMLParser

    refs: list[str] = []

    class P(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "link", "img", "iframe"):
                refs.extend(v for k, v in attrs if k in ("src", "href") and v and not v.startswith("data:"))

    P().feed(text)
    return refs


runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def test_station_writes_json_geojson_and_map(tmp_path: Path) -> None:
    out, gj, page = tmp_path / "st.json", tmp_path / "st.geojson", tmp_path / "map.html"
    r = runner.invoke(app, ["station", "--json", str(out), "--geojson", str(gj), "--map", str(page)])
    assert r.exit_code == 0, r.output
    for needle in ("Garrisons", "Protected sites", "Reach by road", "Montreux Convention"):
        assert needle in r.output
    assert " is a npp" not in r.output  # unplaced units: the deciding clause, not a 600-character site dump
    data = json.loads(out.read_text())
    jsonschema.validate(data, json_schema())
    layers = {f["properties"]["layer"] for f in json.loads(gj.read_text())["features"]}
    assert {
        "occupied",
        "line_of_contact",
        "standoff",
        "garrison",
        "protected",
        "axis",
        "air_radius",
        "fires_range",
        "entry_node",
    } <= layers
    assert external_refs(page.read_text()) == [], "the page loads nothing: scripts and styles are inlined"


def test_station_standoff_option_changes_the_laydown(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert runner.invoke(app, ["station", "--json", str(a)]).exit_code == 0
    assert runner.invoke(app, ["station", "--standoff-km", "120", "--json", str(b)]).exit_code == 0
    near = {g["site"] for g in json.loads(b.read_text())["garrisons"] if g["distance_to_line_km"] < 120}
    assert near == set()
    assert json.loads(a.read_text())["standoff_km"] == 50 and json.loads(b.read_text())["standoff_km"] == 120


def test_stationing_schema_file_is_current() -> None:
    text = (ROOT / "docs" / "schemas" / "stationing.schema.json").read_text()
    assert json.loads(text) == json_schema()
