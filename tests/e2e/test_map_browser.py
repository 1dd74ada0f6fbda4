"""The laydown map in real headless Chromium: every layer renders, no console errors, nothing fetched from
outside localhost; no two names on it overlap, nor a name a garrison symbol, at the first view and zoomed in, on a
desktop and a phone. A screenshot is kept in tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from forceplan.report.map import render_map_page
from forceplan.scenario import Scenario
from forceplan.stationing import station_force
from tests.e2e.browser import ARTIFACTS, MAP_LABELS_JS, map_label_clashes, open_page, require_chromium

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


#: Each label's name, priority (0 threat axes, 1 protected cities, 2 other cities, 3 country and sea names) and whether
#: it is shown.
PLACED_JS = "() => LABELS.map((m) => [m.labelText, m.priority, m.placed])"

#: Take the labels of priority ``p`` off the map, place the rest again, and say which are shown.
WITHOUT_JS = """(p) => { LABELS.filter((m) => m.priority === p).forEach((m) => m.remove()); placeLabels();
  return LABELS.filter((m) => m.placed && m.priority < p).map((m) => m.labelText).sort(); }"""


@pytest.mark.parametrize(("width", "height"), [(1400, 900), (390, 844)], ids=["desktop", "phone"])
def test_map_names_never_overlap(bundled: Scenario, tmp_path: Path, width: int, height: int) -> None:
    """At the first view no two shown names overlap, nor a name a garrison symbol; the threat axes are always named;
    a name is hidden only for names of higher priority (taking the lower ones off never shows a hidden higher one);
    zoomed in two steps, still no overlap, and names hidden at the first view come back (on the phone, where some
    are hidden)."""
    require_chromium()
    r = station_force(bundled)
    (tmp_path / "map.html").write_text(render_map_page(bundled, r), encoding="utf-8")
    with open_page(tmp_path, "map.html", width=width, height=height) as (page, report):
        page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
        first = page.evaluate(MAP_LABELS_JS)
        clashes = map_label_clashes(first)
        if width < 700:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "laydown-map-phone.png"))
        assert not clashes, "\n".join(clashes)
        placed = page.evaluate(PLACED_JS)
        page.evaluate("map.setZoom(map.getZoom() + 2, {animate: false})")
        page.wait_for_timeout(300)
        zoomed = page.evaluate(MAP_LABELS_JS)
        placed_zoomed = page.evaluate(PLACED_JS)
        page.evaluate("map.setZoom(map.getZoom() - 2, {animate: false})")
        page.wait_for_timeout(300)
        assert page.evaluate(PLACED_JS) == placed, "the same view gives the same names"
        higher = {p: page.evaluate(WITHOUT_JS, p) for p in (3, 2, 1)}
    assert report.page_errors == [] and report.console_errors == []
    shown = [x["text"] for x in first["labels"] if x["shown"]]
    assert len(first["labels"]) == len(placed) > 20 and len(shown) == sum(1 for _, _, on in placed if on)
    axes = [name for name, priority, on in placed if priority == 0]
    assert len(axes) == len(bundled.threats) and all(on for _, priority, on in placed if priority == 0), axes
    for p, names in higher.items():
        assert names == sorted(n for n, q, on in placed if on and q < p), f"labels of priority {p} hid a higher one"
    clashes = map_label_clashes(zoomed)
    assert not clashes, "zoomed in: " + "\n".join(clashes)
    hidden = {n for n, _, on in placed if not on}
    if width < 700:
        assert hidden, "a phone's map has no room for every name"
        assert hidden - {n for n, _, on in placed_zoomed if not on}, "zooming in shows names hidden at the first view"
    else:
        assert not hidden, f"names hidden on a desktop map: {sorted(hidden)}"
