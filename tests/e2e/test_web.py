"""The coalition's web app in real headless Chromium (Debian's), against a ``forceplan serve`` on loopback with a
temporary database: a nation enters a pledge, a planner verifies it, another nation sees none of it, two editors
clash on one pledge, a planner runs a plan and opens its report. No console error, no request off loopback, a
screenshot of every page kept in tests/artifacts/."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.browser import ARGS, ARTIFACTS, CHROMIUM, PageReport, require_chromium
from tests.registry.logserver import free_port
from tests.registry_seed import PASSWORD

pytestmark = pytest.mark.e2e
SAVE = "main form.stack button[type=submit]"
EXPECTED_STATUS = re.compile(r"^Failed to load resource: the server responded with a status of (401|403|404|409|422) ")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    require_chromium()
    root = tmp_path_factory.mktemp("web")
    shutil.copyfile(sqlite_template, root / "registry.sqlite")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "forceplan", "serve", "--db", f"sqlite:///{root / 'registry.sqlite'}",
         "--port", str(port)],
        cwd=root, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


class User:
    """One person in their own browser context (own cookies), watched for console errors and requests."""

    def __init__(self, browser: Any, base: str, username: str, width: int = 1280, height: int = 800):
        self.base = base
        self.report = PageReport()
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.context.on("request", lambda r: self.report.requests.append(r.url))
        self.page = self.context.new_page()
        self._watch(self.page)
        self.context.on("page", self._watch)
        self.page.goto(f"{base}/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("load")

    def _watch(self, page: Any) -> None:
        page.on("console", lambda m: self.report.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.report.page_errors.append(str(e)))

    def go(self, path: str) -> Any:
        self.page.goto(f"{self.base}{path}")
        return self.page

    def shot(self, name: str, page: Any | None = None) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        (page or self.page).screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)

    def clean(self) -> None:
        # Chromium logs every 4xx page as "Failed to load resource": those are the refusals and form errors this
        # test provokes and checks (403, 404, 409, 422). Every other console error, and every script error, fails.
        errors = [m for m in self.report.console_errors if not EXPECTED_STATUS.match(m)]
        assert errors == [] and self.report.page_errors == [], errors + self.report.page_errors
        assert self.report.outside_localhost() == []
        self.context.close()


def _verified(page: Any, capability: str) -> int:
    return int(page.locator(f'tr[data-capability="{capability}"] td[data-col="verified"]').inner_text())


def test_a_nation_offers_a_pledge_a_planner_verifies_it_another_nation_sees_nothing(browser: Any, server: str) -> None:
    login = browser.new_page(viewport={"width": 1280, "height": 800})
    login.goto(f"{server}/login")
    login.fill("#username", "editor-gbr")
    login.fill("#password", "a wrong password!")
    login.click("button[type=submit]")
    assert "Wrong username or password." in login.locator(".error").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    login.screenshot(path=str(ARTIFACTS / "web-sign-in-error.png"))
    login.close()

    gbr = User(browser, server, "editor-gbr")
    assert gbr.page.url.endswith("/nation")
    before = _verified(gbr.page, "armd_bn")
    gbr.shot("my-nation")
    page = gbr.go("/nation/pledges/new")
    page.select_option("#capability", "armd_bn")
    page.fill("#quantity", "0")
    page.fill("#personnel_per_unit", "550")
    page.fill("#notice_to_move_days", "12")
    page.check("input[name=caveat_no_frontline]")
    page.fill("#caveat_standoff_km", "35")
    page.select_option("#force", "reserve")
    page.fill("#rotation_tour_months", "40")
    page.fill("#rotation_rotations", "3")
    page.click(SAVE)
    # The field's error sits next to the field, in the loader's words; nothing was saved.
    assert page.locator("#quantity-err").inner_text() == "must be more than 0"
    assert page.locator("#quantity").get_attribute("aria-invalid") == "true"
    assert page.locator("#rotation_tour_months-err").inner_text() == "must be at most 36"
    assert page.locator("#rotation_tour_months").input_value() == "40"  # what was typed stays, beside its error
    assert page.locator("#force").input_value() == "reserve"
    assert "Tour length (months): must be at most 36" in page.locator(".error").inner_text()
    gbr.shot("pledge-form-errors")
    page.fill("#quantity", "2")
    page.fill("#rotation_tour_months", "4")
    page.click(SAVE)
    page.wait_for_url(re.compile(r"/nation\?saved="))
    new_id = page.url.split("saved=")[1]
    row = page.locator(f'tr[data-pledge="{new_id}"]')
    assert (
        "Armoured" in row.inner_text() and "never at the front line; stand-off from the line 35 km" in row.inner_text()
    )
    assert "reserve; 4-month tours, at most 3 rotations" in row.inner_text()
    # The edit form shows the policy as saved; emptying a field returns it to the coalition's default.
    page = gbr.go(f"/nation/pledges/{new_id}/edit")
    assert page.locator("#rotation_tour_months").input_value() == "4"
    assert page.locator("#rotation_rotations").input_value() == "3"
    page.fill("#rotation_rotations", "")
    page.click(SAVE)
    page.wait_for_url(re.compile(r"/nation\?saved="))
    assert "reserve; 4-month tours" in page.locator(f'tr[data-pledge="{new_id}"]').inner_text()
    policy = page.locator(f'tr[data-pledge="{new_id}"] td[data-label="force and rotation"]').inner_text()
    assert "rotations" not in policy
    assert "offered" in row.inner_text()
    gbr.shot("my-nation-after-offer")

    planner = User(browser, server, "planner")
    page = planner.go("/dashboard")
    page.locator(f'#awaiting ~ .scroll tr[data-pledge="{new_id}"] button:has-text("Verify")').click()
    page.wait_for_url(re.compile(r"/dashboard\?saved="))
    planner.shot("dashboard")
    page = gbr.go("/nation")
    assert _verified(page, "armd_bn") == before + 2
    assert "verified" in page.locator(f'tr[data-pledge="{new_id}"]').inner_text()
    page = gbr.go(f"/pledges/{new_id}/history")
    assert "verified" in page.inner_text("main") and "planner" in page.inner_text("main")
    gbr.shot("history")

    # Another nation: no edit form, no history, not in its table, and the API refuses it too.
    fra = User(browser, server, "editor-fra")
    assert new_id not in fra.page.inner_text("#pledges")
    page = fra.go(f"/nation/pledges/{new_id}/edit")
    assert "Not found" in page.inner_text("h1") and "form" not in page.inner_html("main").split("</h1>")[1][:200]
    fra.shot("other-nation-refused")
    assert fra.go(f"/pledges/{new_id}/history").locator("h1").inner_text() == "Not found"
    assert fra.page.request.get(f"{server}/api/pledges/{new_id}").status == 404
    assert fra.go("/dashboard").locator("h1").inner_text() == "Forbidden"
    for u in (gbr, planner, fra):
        u.clean()


def test_two_editors_saving_one_pledge_the_second_sees_the_conflict(browser: Any, server: str) -> None:
    a, b = User(browser, server, "editor-gbr"), User(browser, server, "editor-gbr-2")
    pa, pb = a.go("/nation/pledges/GBR-02/edit"), b.go("/nation/pledges/GBR-02/edit")
    pa.fill("#note", "first editor's note")
    pb.fill("#note", "second editor's note")
    pb.fill("#quantity", "4")
    pa.click(SAVE)
    pa.wait_for_url(re.compile(r"/nation\?saved=GBR-02"))
    pb.click(SAVE)
    alert = pb.locator("[role=alert]").first.inner_text()
    assert (
        "Changed by someone else — here is the current version" in alert and "Nothing of your change was saved" in alert
    )
    assert pb.input_value("#note") == "first editor's note"  # the form now holds the current version
    b.shot("conflict")
    p = a.page.request.get(f"{server}/api/pledges/GBR-02").json()
    assert p["note"] == "first editor's note" and p["quantity"] == 3  # nothing of the second save was kept
    a.clean()
    b.clean()


def test_a_planner_runs_a_plan_watches_it_and_opens_the_report(browser: Any, server: str) -> None:
    planner = User(browser, server, "planner")
    page = planner.go("/plans")
    page.fill("#trials", "1000")
    page.fill("#response_trials", "100")
    planner.shot("plans")
    page.click("form[action='/plans'] button[type=submit]")
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    run_path = page.url.replace(server, "")
    seen = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = page.locator("#progress").get_attribute("data-status")
        seen.add(status)
        if status == "running" and "running" not in {s for s in seen if s != status}:
            planner.shot("run-progress")
        if status in ("done", "failed"):
            break
        page.wait_for_timeout(300)
    assert status == "done", page.inner_text("main")
    assert seen & {"queued", "running"}, "the page showed the run's progress before it finished"
    planner.shot("run-done")
    with page.expect_popup() as popup:
        page.click("#open-report")
    report = popup.value
    report.wait_for_load_state("load")
    report.wait_for_function("document.querySelector('#map') && document.querySelector('#map').dataset.ready === '1'")
    assert "the plan for a reassurance force" in report.title()
    planner.shot("report", report)
    page = planner.go("/map")
    frame = page.frame_locator("iframe.map")
    frame.locator("#map[data-ready='1']").wait_for()
    assert frame.locator(".leaflet-control-layers").count() == 1
    page.wait_for_timeout(500)
    planner.shot("map")
    # Published, the run tells each nation which gaps it could close and why its unused pledges stayed unused.
    page = planner.go(run_path)
    page.click("button:has-text('Publish')")
    assert "Published" in page.inner_text("#progress")
    gbr = User(browser, server, "editor-gbr")
    text = gbr.go("/nation").inner_text("main")
    assert "From the coalition's match at" in text and "Coalition shortfalls" in text
    gbr.page.locator("h2:has-text('Gaps')").scroll_into_view_if_needed()
    gbr.shot("my-nation-gaps")
    gbr.clean()
    page = planner.go("/audit?nation=GBR")
    assert "verified" in page.inner_text("table") or "changed" in page.inner_text("table")
    planner.shot("audit")
    planner.clean()


def test_pages_fit_a_tablet_and_every_input_has_a_label(browser: Any, server: str) -> None:
    gbr = User(browser, server, "editor-gbr", width=820, height=1180)
    for path, name in (("/nation", "tablet-my-nation"), ("/nation/pledges/new", "tablet-pledge-form")):
        page = gbr.go(path)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(e => !(e.labels && e.labels.length) && !e.closest('label') && !e.getAttribute('aria-label'))
                 .map(e => e.name)"""
        )
        assert unlabelled == [], unlabelled
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 820 + 1, f"{path} scrolls sideways at tablet width ({width} px)"
        gbr.shot(name)
    # Keyboard: the first Tab reaches the skip link, the next ones the navigation.
    page = gbr.go("/nation")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "skip"
    gbr.clean()
