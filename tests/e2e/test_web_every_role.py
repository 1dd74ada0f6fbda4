"""Every page as each role sees it (nation editor, coalition planner, observer, admin), on a desktop (1366×900) and
a phone (390×844), in real Chromium: none wider than its window, no field key or id in snake_case in the visible
text, the error pages (403, 404, a mistyped address) keep the reader's menu and say why in a sentence, and the
password page is reachable from every page. A full-page screenshot of each is kept in tests/artifacts/
(web-role-{size}-{role}-{page}.png)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.test_web import SAVE, User, browser, server  # noqa: F401  (fixtures)
from tests.e2e.test_web_pages import published  # noqa: F401  (fixture: one published plan run, run 1)

pytestmark = pytest.mark.e2e
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
"""A field key or an id as code writes it (``notice_to_move_days``, ``armd_bn``): never shown where a name belongs."""

UNLABELLED = """[...document.querySelectorAll('input, select, textarea')]
  .filter(e => !['hidden', 'submit', 'button'].includes(e.type))
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
  .map(e => e.id || e.name)"""
"""The form fields with no label (a ``<label for>``, a wrapping label, ``aria-label`` or ``aria-labelledby``)."""

# Each role's pages: (path, name, the page's heading or None where the page is refused).
PAGES: dict[str, list[tuple[str, str, str | None]]] = {
    "editor-gbr": [
        ("/nation", "my-nation", "United Kingdom: pledges"),
        ("/nation/pledges/new", "pledge-new", "Offer a pledge"),
        ("/nation/pledges/GBR-02/edit", "pledge-edit", "Change pledge GBR-02"),
        ("/pledges/GBR-03/history", "history", "History of pledge GBR-03"),
        ("/map", "map", None),
        ("/plans", "plans", "Plan runs"),
        ("/plans/1", "plan-run", "Plan run 1"),
        ("/password", "password", "Change password"),
        ("/dashboard", "403-dashboard", "Forbidden"),
        ("/pledges/FRA-01/history", "404-other-nation", "Not found"),
        ("/no/such/page", "404-address", "Not found"),
    ],
    "planner": [
        ("/dashboard", "dashboard", "Coalition dashboard"),
        ("/map", "map", None),
        ("/plans", "plans", "Plan runs"),
        ("/plans/1", "plan-run", "Plan run 1"),
        ("/audit", "audit", "Audit trail"),
        ("/pledges/GBR-03/history", "history", "History of pledge GBR-03"),
        ("/password", "password", "Change password"),
        ("/plans/99", "404-run", "Not found"),
        ("/plans/abc", "404-malformed", "Not found"),
    ],
    "observer": [
        ("/map", "map", None),
        ("/plans", "plans", "Plan runs"),
        ("/plans/1", "plan-run", "Plan run 1"),
        ("/password", "password", "Change password"),
        ("/dashboard", "403-dashboard", "Forbidden"),
        ("/audit", "403-audit", "Forbidden"),
        ("/pledges/GBR-03/history", "403-history", "Forbidden"),
    ],
    "admin": [
        ("/dashboard", "dashboard", "Coalition dashboard"),
        ("/plans", "plans", "Plan runs"),
        ("/audit", "audit", "Audit trail"),
    ],
}


def _look(page: Any, width: int, where: str) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width + 1, f"{where} scrolls sideways at {width} px ({wide} px wide)"
    shown = SNAKE.findall(page.inner_text("body"))
    assert shown == [], f"{where} shows code words where names belong: {sorted(set(shown))}"
    unlabelled = page.evaluate(UNLABELLED)
    assert unlabelled == [], f"{where}: form fields a screen reader cannot name: {unlabelled}"


@pytest.mark.usefixtures("published")
def test_every_page_for_every_role_fits_and_speaks_in_words(browser: Any, server: str) -> None:  # noqa: F811
    for size, (w, h) in SIZES.items():
        for role, pages in PAGES.items():
            person = User(browser, server, role, width=w, height=h)
            for path, name, heading in pages:
                page = person.go(path)
                where = f"{path} as {role} on a {size}"
                if path == "/map":
                    page.frame_locator("iframe.map").locator("#map[data-ready='1']").wait_for()
                if path == "/dashboard" and heading != "Forbidden":
                    page.wait_for_selector("#chart-fill .main-svg", timeout=30_000)
                if heading is not None:
                    assert page.locator("h1").inner_text() == heading, where
                if heading in ("Forbidden", "Not found"):
                    said = page.locator("main .error").inner_text()
                    assert said[:1].isupper() and said.endswith("."), f"{where}: {said!r} is not a sentence"
                    assert page.locator("header.top nav").is_visible(), f"{where} loses the reader's menu"
                    assert page.locator("button:has-text('Sign out')").is_visible(), where
                assert page.locator("header.top a[href='/password']").is_visible(), f"{where}: no way to the password"
                _look(page, w, where)
                person.shot(f"role-{size}-{role}-{name}")
            person.clean()


@pytest.mark.usefixtures("published")
def test_the_plan_list_and_run_page_say_what_each_reader_has(browser: Any, server: str) -> None:  # noqa: F811
    observer = User(browser, server, "observer", width=390, height=844)
    page = observer.go("/plans")
    note = page.locator("main p.muted").inner_text()
    assert "your nation" not in note, "an observer has no nation"
    assert page.locator('tr[data-run="1"] a[href="/api/runs/1/plan.json"]').is_visible(), "plan.json off the screen"
    assert page.locator("header.top .who").inner_text().startswith("observer · observer")
    observer.clean()
    gbr = User(browser, server, "editor-gbr")
    assert "your nation's detail" in gbr.go("/plans").locator("main p.muted").inner_text()
    assert "editor-gbr · nation editor · United Kingdom" in gbr.page.locator("header.top .who").inner_text()
    gbr.clean()


def test_the_sign_in_page_fits_and_says_a_wrong_password(browser: Any, server: str) -> None:  # noqa: F811
    from tests.e2e.browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    for size, (w, h) in SIZES.items():
        page = browser.new_page(viewport={"width": w, "height": h})
        page.goto(f"{server}/login")
        # The field is as wide as the box it sits in, not squeezed beside its label.
        field, box = page.locator("#username").bounding_box(), page.locator("form.stack").bounding_box()
        assert field["width"] > 0.7 * box["width"], f"the username field is {field['width']:.0f} px in {size}"
        page.fill("#username", "nobody")
        page.fill("#password", "not the password")
        page.click("button[type=submit]")
        assert "Wrong username or password." in page.locator(".error").inner_text()
        _look(page, w, f"/login on a {size}")
        page.screenshot(path=str(ARTIFACTS / f"web-role-{size}-signed-out-login-error.png"), full_page=True)
        page.goto(f"{server}/no/such/page")
        assert page.locator("h1").inner_text() == "Not found"
        assert "There is no page at /no/such/page." in page.locator(".error").inner_text()
        page.close()


def test_a_pledge_form_with_an_error_fits_and_names_its_fields(browser: Any, server: str) -> None:  # noqa: F811
    for size, (w, h) in SIZES.items():
        gbr = User(browser, server, "editor-gbr", width=w, height=h)
        page = gbr.go("/nation/pledges/new")
        page.wait_for_selector("#picker[data-ready='1']")
        page.fill("#quantity", "0")
        page.fill("#personnel_per_unit", "550")
        page.click(SAVE)
        assert page.locator("#quantity-err").inner_text() == "must be more than 0"
        _look(page, w, f"the pledge form with an error on a {size}")
        gbr.shot(f"role-{size}-editor-gbr-pledge-error")
        # The keyboard's place is always visible: the focused field has an outline.
        page.focus("#quantity")
        page.keyboard.press("Tab")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("", "none"), f"the focused field shows no outline on a {size}"
        gbr.clean()


def test_the_fill_table_keeps_the_capability_in_view_on_a_phone(browser: Any, server: str) -> None:  # noqa: F811
    planner = User(browser, server, "planner", width=390, height=844)
    page = planner.go("/dashboard")
    page.locator("#fill").scroll_into_view_if_needed()
    box = page.locator("#fill").locator("xpath=..")
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")  # swiped all the way to "deployed"
    name = page.locator("#fill tbody tr").first.locator("td").first.bounding_box()
    assert name["x"] >= 0 and name["x"] + name["width"] <= 390, "the capability scrolled off the screen"
    assert page.locator("#fill tbody tr").first.locator("td").last.bounding_box()["x"] < 390, "the last column unseen"
    assert "Swipe the table sideways" in page.inner_text("main")
    from tests.e2e.browser import ARTIFACTS

    box.screenshot(path=str(ARTIFACTS / "web-role-phone-planner-fill-swiped.png"))
    planner.clean()


def test_the_audit_is_filtered_by_a_nations_name(browser: Any, server: str) -> None:  # noqa: F811
    planner = User(browser, server, "planner", width=390, height=844)
    page = planner.go("/audit")
    page.select_option("#nation", label="United Kingdom")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"nation=GBR"))
    nations = page.locator('#audit td[data-label="nation"]').all_inner_texts()
    assert nations and set(nations) == {"United Kingdom"}
    assert page.locator("#nation option:checked").inner_text() == "United Kingdom"
    page.fill("#record", "NO-SUCH-RECORD")
    page.click("form.stack button[type=submit]")
    assert "No audit entries match this filter" in page.locator("#audit").inner_text()
    _look(page, 390, "the audit with a filter that matches nothing")
    planner.clean()
