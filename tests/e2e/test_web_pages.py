"""Every page of the web app at a desktop (1440×900) and a phone (390×844) size in real Chromium: no sideways
scroll, no console error, no request off loopback, a screenshot of each kept in tests/artifacts/ (web-desktop-*,
web-phone-*). Also: the API docs render offline, the dashboard's charts draw, the map picker sets a home base, a
change that opens a shortfall is said before it is saved, and the map's panels fold away on a phone."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.e2e.test_web import SAVE, User, browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}


def _fits(page: Any, width: int, path: str) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"{path} scrolls sideways at {width} px ({scroll} px wide)"


def _plan_run(planner: User) -> None:
    """A small published plan run, so the map has a laydown."""
    page = planner.go("/plans")
    page.fill("#trials", "1000")
    page.fill("#response_trials", "100")
    page.click("form[action='/plans'] button[type=submit]")
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if page.locator("#progress").get_attribute("data-status") in ("done", "failed"):
            break
        page.wait_for_timeout(500)
    assert page.locator("#progress").get_attribute("data-status") == "done", page.inner_text("main")
    page.click("button:has-text('Publish')")


@pytest.fixture(scope="module")
def published(browser: Any, server: str) -> None:  # noqa: F811
    planner = User(browser, server, "planner")
    _plan_run(planner)
    planner.clean()


@pytest.mark.usefixtures("published")
def test_every_page_fits_a_desktop_and_a_phone(browser: Any, server: str) -> None:  # noqa: F811
    for size, (w, h) in SIZES.items():
        planner = User(browser, server, "planner", width=w, height=h)
        for path, name in (("/dashboard", "dashboard"), ("/audit", "audit"), ("/plans", "plans"),
                           ("/pledges/GBR-03/history", "history"), ("/docs", "api-docs"), ("/map", "map")):  # fmt: skip
            page = planner.go(path)
            if path == "/docs":
                page.wait_for_selector(".opblock", timeout=30_000)
            if path == "/dashboard":
                page.wait_for_selector("#chart-fill .main-svg", timeout=30_000)
            if path == "/map":
                page.frame_locator("iframe.map").locator("#map[data-ready='1']").wait_for()
                page.wait_for_timeout(300)
            _fits(page, w, path)
            planner.shot(f"{size}-{name}")
        planner.clean()
        gbr = User(browser, server, "editor-gbr", width=w, height=h)
        for path, name in (("/nation", "my-nation"), ("/nation/pledges/new", "pledge-form"),
                           ("/nation/pledges/GBR-02/edit", "pledge-edit")):  # fmt: skip
            page = gbr.go(path)
            if "pledges/" in path:
                page.wait_for_selector("#picker[data-ready='1']")
            _fits(page, w, path)
            gbr.shot(f"{size}-{name}")
        page = gbr.go("/nation/pledges/NOPE-1/edit")
        assert page.locator("h1").inner_text() == "Not found"
        _fits(page, w, "an error page")
        gbr.shot(f"{size}-error")
        gbr.clean()
        login = browser.new_page(viewport={"width": w, "height": h})
        login.goto(f"{server}/login")
        _fits(login, w, "/login")
        login.screenshot(path=str(_artifact(f"web-{size}-sign-in.png")), full_page=True)
        login.close()


def _artifact(name: str) -> Any:
    from tests.e2e.browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def test_the_api_docs_render_offline(browser: Any, server: str) -> None:  # noqa: F811
    reader = User(browser, server, "observer")
    page = reader.go("/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() > 10
    assert "forceplan registry" in page.locator(".swagger-ui .title").first.inner_text()
    assert reader.report.outside_localhost() == []
    reader.clean()  # no console error (a CSP refusal would be one) and nothing fetched off loopback


def test_the_dashboard_draws_fill_and_burden_charts(browser: Any, server: str) -> None:  # noqa: F811
    planner = User(browser, server, "planner")
    page = planner.go("/dashboard")
    page.wait_for_selector("#chart-fill .main-svg")
    page.wait_for_selector("#chart-burden .main-svg")
    rows = page.locator("#fill tbody tr").count()
    assert page.locator("#chart-fill .ytick").count() == rows, "one bar label per capability, none dropped"
    assert page.locator("#chart-burden .ytick").count() == page.locator("#burden tbody tr").count()
    planner.clean()


def test_the_map_picker_sets_the_home_base(browser: Any, server: str) -> None:  # noqa: F811
    gbr = User(browser, server, "editor-gbr")
    page = gbr.go("/nation/pledges/new")
    page.wait_for_selector("#picker[data-ready='1']")
    box = page.locator("#picker").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.12, box["y"] + box["height"] * 0.8)  # open sea, off any place
    assert page.input_value("#home_base") == "__lonlat__"
    lon, lat = float(page.input_value("#home_lon")), float(page.input_value("#home_lat"))
    assert -30 < lon < 60 and 30 < lat < 75
    assert page.locator("#lonlat").is_visible()
    assert "a point at" in page.inner_text("#picker-said")
    page.select_option("#capability", "log_bn")
    page.fill("#quantity", "1")
    page.fill("#personnel_per_unit", "500")
    page.click(SAVE)
    page.wait_for_url(re.compile(r"/nation\?saved="))
    new_id = page.url.split("saved=")[1]
    assert f"{lon:.2f}° E" in page.locator(f'tr[data-pledge="{new_id}"]').inner_text()
    gbr.clean()


def test_a_change_that_opens_a_shortfall_asks_first(browser: Any, server: str) -> None:  # noqa: F811
    for size, (w, h) in SIZES.items():
        gbr = User(browser, server, "editor-gbr-2" if size == "phone" else "editor-gbr", width=w, height=h)
        pid = "GBR-01" if size == "desktop" else "GBR-02"
        page = gbr.go(f"/nation/pledges/{pid}/edit")
        page.fill("#notice_to_move_days", "75")
        page.click(SAVE)
        note = page.locator("#consequences").inner_text()
        assert "Not saved yet." in note and f"This sends {pid} back to offered" in note
        assert "would open a shortfall of" in note
        _fits(page, w, "the confirmation")
        gbr.shot(f"{size}-pledge-confirm")
        page.click(SAVE)
        page.wait_for_url(re.compile(rf"/nation\?saved={pid}"))
        said = page.locator("[role=status]").inner_text()
        assert f"This sent {pid} back to offered" in said and "opened a shortfall of" in said
        gbr.shot(f"{size}-pledge-saved")
        gbr.clean()


@pytest.mark.usefixtures("published")
def test_the_map_panels_fold_away_on_a_phone(browser: Any, server: str) -> None:  # noqa: F811
    reader = User(browser, server, "planner", width=390, height=844)
    page = reader.go("/map")
    frame = page.frame_locator("iframe.map")
    frame.locator("#map[data-ready='1']").wait_for()
    assert frame.locator(".leaflet-control-layers-expanded").count() == 0
    assert frame.locator("details.legend").get_attribute("open") is None
    frame.locator("details.legend summary").click()
    assert frame.locator("details.legend").get_attribute("open") is not None
    reader.shot("phone-map-legend-open")
    reader.clean()
