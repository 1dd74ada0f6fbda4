"""The laydown map in real headless Chromium: every layer renders, no console errors, nothing fetched from
outside localhost. A screenshot is kept in tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from forceplan.report.map import render_map_page
from forceplan.scenario import Scenario
from forceplan.stationing import station_force
from tests.e2e.browser import ARTIFACTS, open_page, require_chromium

pytestmark = pytest.mark.e2e


def test_map_renders_offline(bundled: Scenario, tmp_path: Path) -> None:
    require_chromium()
    r = station_force(bundled)
    (tmp_path / "map.html").write_text(render_map_page(bundled, r), encoding="utf-8")
    with open_page(tmp_path, "map.html") as (page, report):
        page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
        n_symbols = page.locator(".ms-icon svg").count()
        n_paths = page.locator("path.leaflet-interactive").count()
        overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "laydown-map.png"))
    assert report.page_errors == [] and report.console_errors == []
    assert report.outside_localhost() == []
    assert n_symbols == len(r.garrisons) > 0, "one APP-6 symbol per garrison"
    assert n_paths > 50, "countries, occupied area, line, band, radii and sites are drawn"
    for name in (
        "Occupied territory",
        "Line of contact",
        "Standoff band",
        "Protection radii",
        "Garrisons",
        "Threat axes",
        "Sites",
    ):
        assert any(name in o for o in overlays), f"layer {name!r} in the layer control"
