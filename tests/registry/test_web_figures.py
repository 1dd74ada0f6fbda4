"""The web app's figures are the core's: the dashboard equals ``forceplan forcegen`` on the registry's export; a
change's consequences are said before it is saved; downloads are scoped to the reader and safe in a spreadsheet;
the API docs are served from the app's own assets."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.registry_seed import PASSWORD


def assert_same_capabilities(figs: Any, fg: dict) -> dict[str, list[int]]:
    """The dashboard's units required, matched and short per capability equal forcegen's slots summed by capability;
    returns those sums."""
    want: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for s in fg["slots"]:
        want[s["capability"]][0] += s["required_units"]
        want[s["capability"]][1] += s["filled_units"]
        want[s["capability"]][2] += s["shortfall_units"]
    got = {c["capability"]: [c["required_units"], c["matched_units"], c["shortfall_units"]] for c in figs.capabilities}
    assert got == dict(want)
    return want


@pytest.fixture
def web(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[Any, str]]:
    from fastapi.testclient import TestClient

    from forceplan.registry.api import create_app

    path = tmp_path / "registry.sqlite"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    with TestClient(create_app(url, run_plans=False)) as c:
        yield c, url


def _signed_in(client: Any, username: str) -> str:
    """Sign ``client`` in through the login form; return the session's CSRF token (read off a page)."""
    client.cookies.clear()
    r = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/plans"})
    assert r.status_code in (200, 303), r.text
    page = client.get("/plans").text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _forcegen_on_export(url: str, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "export"
    run = [sys.executable, "-m", "forceplan"]
    subprocess.run([*run, "registry", "export", str(out), "--db", url], check=True, capture_output=True)
    subprocess.run([*run, "forcegen", str(out / "scenario.yaml"), "--json", str(tmp_path / "fg.json")],
                   check=True, capture_output=True)  # fmt: skip
    return json.loads((tmp_path / "fg.json").read_text())


def test_the_dashboard_shows_the_figures_of_forcegen_on_the_export(web: tuple[Any, str], tmp_path: Path) -> None:
    from forceplan.registry import figures
    from forceplan.registry.db import Actor, make_engine

    client, url = web
    fg = _forcegen_on_export(url, tmp_path)
    engine = make_engine(url)
    figs = figures.figures(engine, Actor("planner", "planner"))
    engine.dispose()
    want = assert_same_capabilities(figs, fg)
    assert figs.totals["personnel_matched"] == fg["totals"]["personnel_matched"]
    assert figs.totals["shortfall_units"] == fg["totals"]["shortfall_units"]
    assert [(b["nation"], b["personnel_matched"]) for b in figs.burden] == [
        (b["nation"], b["personnel_matched"]) for b in fg["burden"]
    ]
    # The page shows those numbers, not the registry's status counts.
    _signed_in(client, "planner")
    page = client.get("/dashboard").text
    assert f"{fg['totals']['personnel_matched']:,}" in page
    for cap, (req, matched, short) in want.items():
        row = re.search(rf'<tr data-capability="{cap}">(.*?)</tr>', page, re.S)
        assert row is not None, cap
        assert f'data-col="matched">{matched}<' in row.group(1)
        assert f'data-col="required">{req}<' in row.group(1)
        assert 'data-col="short">' + (f"<b>{short}</b>" if short else "0") in row.group(1)
    assert "Computed " in page and " UTC from the registry" in page


def test_after_pledge_changes_the_figures_are_forcegen_on_the_new_export(
    web: tuple[Any, str], tmp_path: Path, monkeypatch: Any
) -> None:
    """When only pledges change, the match reuses the loaded sections (no export, no load): its figures are still
    exactly those of ``forceplan forcegen`` on the registry's export."""
    from forceplan.registry import figures, store
    from forceplan.registry.db import Actor, make_engine

    _client, url = web
    engine = make_engine(url)
    planner = Actor("planner", "planner")
    before = figures.figures(engine, planner)
    gbr, fra = Actor("editor-gbr", "editor", "GBR"), Actor("editor-fra", "editor", "FRA")
    p = store.get_pledge(engine, gbr, "GBR-02")
    store.update_pledge(engine, gbr, "GBR-02", {"quantity": 1}, f'"{p["version"]}"')
    fra_id = store.list_pledges(engine, fra)[0]["id"]
    store.transition_pledge(
        engine, fra, fra_id, "withdrawn", "test", f'"{store.get_pledge(engine, fra, fra_id)["version"]}"'
    )

    def no_load(*_a: Any) -> Any:
        raise AssertionError("a pledge change loaded the whole export again")

    monkeypatch.setattr(figures, "load_scenario", no_load)
    figs = figures.figures(engine, planner, fresh=True)
    engine.dispose()
    assert figs.version != before.version and not figs.behind
    fg = _forcegen_on_export(url, tmp_path)
    assert_same_capabilities(figs, fg)
    assert figs.totals["personnel_matched"] == fg["totals"]["personnel_matched"] < before.totals["personnel_matched"]
    assert [(b["nation"], b["personnel_matched"]) for b in figs.burden] == [
        (b["nation"], b["personnel_matched"]) for b in fg["burden"]
    ]
    assert [s["slot"] for s in figs.shortfalls] == [s["slot"] for s in fg["slots"] if s["shortfall_units"] > 0]


def test_substitutes_count_in_the_dashboard_as_in_the_plan(web: tuple[Any, str]) -> None:
    """A capability filled by another's units (the catalogue's ``fills``) is short of nothing on the dashboard when
    the match fills it, although its own units fall short of the requirement."""
    from forceplan.registry import figures, store
    from forceplan.registry.db import Actor, make_engine

    _client, url = web
    engine = make_engine(url)
    planner = Actor("planner", "planner")
    figs = figures.figures(engine, planner)
    own = {c["capability"]: sum(v for k, v in c["units"].items() if k != "withdrawn")
           for c in store.fill(engine, planner)["capabilities"]}  # fmt: skip
    engine.dispose()
    substituted = [c for c in figs.capabilities if c["substitute_units"] > 0]
    assert substituted, "the bundled scenario has substitutions"
    for c in substituted:
        assert c["matched_units"] > 0
        assert c["matched_units"] - c["substitute_units"] <= own.get(c["capability"], 0)


def test_the_figures_are_computed_once_per_change(web: tuple[Any, str]) -> None:
    from forceplan.registry import figures, store
    from forceplan.registry.db import Actor, make_engine

    _client, url = web
    engine = make_engine(url)
    first = figures.current_match(engine)
    assert figures.live_match(engine) is first and figures.current_match(engine) is first
    gbr = Actor("editor-gbr", "editor", "GBR")
    p = store.get_pledge(engine, gbr, "GBR-02")
    store.update_pledge(engine, gbr, "GBR-02", {"quantity": 1}, f'"{p["version"]}"')
    second = figures.current_match(engine)
    assert figures.current_match(engine) is second
    engine.dispose()
    assert second is not first and second.version != first.version
    assert second.result.totals.personnel_matched < first.result.totals.personnel_matched


def test_a_change_that_opens_a_shortfall_is_said_before_and_after_it_is_saved(web: tuple[Any, str]) -> None:
    client, _url = web
    csrf = _signed_in(client, "editor-gbr")
    form = client.get("/nation/pledges/GBR-01/edit").text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": csrf, "version": version, "capability": "bde_hq", "quantity": "1",
            "personnel_per_unit": "400", "notice_to_move_days": "31", "home_base": "hb-tidworth",
            "available_from_day": "0"}  # fmt: skip
    r = client.post("/nation/pledges/GBR-01/edit", data=data)
    assert r.status_code == 200
    assert "Not saved yet." in r.text
    assert "This sends GBR-01 back to offered" in r.text
    assert "it would open a shortfall of 1 unit of Brigade" in r.text
    row = re.search(r'<tr data-pledge="GBR-01">(.*?)</tr>', client.get("/nation").text, re.S).group(1)  # type: ignore[union-attr]
    assert ">committed<" in row and re.search(r'data-label="notice \(days\)"[^>]*>30<', row), "nothing was saved"
    digest = re.search(r'name="confirm" value="([0-9a-f]+)"', r.text).group(1)  # type: ignore[union-attr]
    # A confirmation holds only for the values it was given for: other values are previewed again.
    r = client.post("/nation/pledges/GBR-01/edit", data={**data, "notice_to_move_days": "32", "confirm": digest})
    assert r.status_code == 200 and "Not saved yet." in r.text
    r = client.post("/nation/pledges/GBR-01/edit", data={**data, "confirm": digest}, follow_redirects=True)
    assert r.status_code == 200
    assert "Saved GBR-01. This sent GBR-01 back to offered" in r.text
    assert "it opened a shortfall of 1 unit of Brigade" in r.text


def test_a_change_without_consequences_is_saved_at_once(web: tuple[Any, str]) -> None:
    client, _url = web
    csrf = _signed_in(client, "editor-gbr")
    form = client.get("/nation/pledges/GBR-01/edit").text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": csrf, "version": version, "capability": "bde_hq", "quantity": "1",
            "personnel_per_unit": "400", "notice_to_move_days": "30", "home_base": "hb-tidworth",
            "available_from_day": "0", "note": "a note changes nothing"}  # fmt: skip
    r = client.post("/nation/pledges/GBR-01/edit", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/nation?saved=GBR-01"


def test_the_saved_message_shows_only_known_capabilities_from_its_query(web: tuple[Any, str]) -> None:
    client, _url = web
    _signed_in(client, "editor-gbr")
    page = client.get("/nation?saved=GBR-01&opened=%3Cscript%3E:1&opened=bde_hq:2&closed=bde_hq:x").text
    assert "opened a shortfall of 2 units of Brigade" in page
    assert "<script>" not in page.split("</header>", 1)[1].split('<script type="application/json"')[0]


def _csv(client: Any, name: str) -> list[list[str]]:
    r = client.get(f"/export/{name}.csv")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_downloads_are_scoped_to_the_reader_and_safe_in_a_spreadsheet(web: tuple[Any, str]) -> None:
    from openpyxl import load_workbook

    client, _url = web
    csrf = _signed_in(client, "editor-gbr")
    form = client.get("/nation/pledges/GBR-04/edit").text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    evil = '=HYPERLINK("http://example.invalid","x")'
    data = {"csrf_token": csrf, "version": version, "capability": "recce_sqn", "quantity": "1",
            "personnel_per_unit": "250", "notice_to_move_days": "20", "home_base": "hb-tidworth",
            "available_from_day": "0", "note": evil}  # fmt: skip
    assert client.post("/nation/pledges/GBR-04/edit", data=data).status_code in (200, 303)
    rows = _csv(client, "pledges")
    assert rows[0][:3] == ["Pledge", "Nation", "Capability"]
    assert {r[1] for r in rows[1:]} == {"United Kingdom"}, "an editor downloads only its nation's pledges"
    notes = [r[-1] for r in rows[1:] if r[0] == "GBR-04"]
    assert notes == ["'" + evil]
    audit = _csv(client, "audit")
    assert all(r[5] in ("United Kingdom", "") for r in audit[1:])
    assert not any("{" in cell for r in audit for cell in r), "no Python dicts in the audit download"
    short = _csv(client, "shortfalls")
    assert short[0] == ["Capability", "Units required", "Units short", "Computed at"], "no reasons for an editor"
    xlsx = client.get("/export/pledges.xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0][0] == "Pledge"
    gbr04 = next(r for r in values if r[0] == "GBR-04")
    assert gbr04[-1] == "'" + evil
    assert client.get("/export/pledges.exe").status_code == 404
    assert client.get("/export/users.csv").status_code == 404
    # A planner gets every nation, and slot-by-slot shortfalls with reasons.
    _signed_in(client, "planner")
    assert len({r[1] for r in _csv(client, "pledges")[1:]}) > 5
    assert _csv(client, "shortfalls")[0][:3] == ["Capability", "Task", "Phase"]
    # An observer reads no pledges.
    _signed_in(client, "observer")
    assert client.get("/export/pledges.csv").status_code == 403


def test_history_and_audit_speak_in_words(web: tuple[Any, str]) -> None:
    client, _url = web
    csrf = _signed_in(client, "editor-gbr")
    form = client.get("/nation/pledges/GBR-03/edit").text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": csrf, "version": version, "capability": "armd_bn", "quantity": "1",
            "personnel_per_unit": "600", "notice_to_move_days": "45", "home_base": "hb-tidworth",
            "available_from_day": "0", "caveat_no_frontline": "1", "caveat_from_phase": "foc"}  # fmt: skip
    r = client.post("/nation/pledges/GBR-03/edit", data=data)
    if "confirm" in r.text:
        digest = re.search(r'name="confirm" value="([0-9a-f]+)"', r.text).group(1)  # type: ignore[union-attr]
        r = client.post("/nation/pledges/GBR-03/edit", data={**data, "confirm": digest})
    page = client.get("/pledges/GBR-03/history").text
    body = page.split("<main", 1)[1]
    for leak in ("bde_hq", "armd_bn", "hb-tidworth", "{'", "from_phase", "no_frontline", "notice_to_move_days"):
        assert leak not in body, leak
    assert "never at the front line" in body and "available from phase: Full operating capability" in body
    assert "Caveats" in body
    _signed_in(client, "planner")
    audit = client.get("/audit").text.split("<main", 1)[1]
    for leak in ("bde_hq", "hb-tidworth", "{'", "from_phase"):
        assert leak not in audit, leak


def test_the_api_docs_come_from_the_app_itself(web: tuple[Any, str]) -> None:
    client, _url = web
    r = client.get("/docs")
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["content-security-policy"]
    srcs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert "/static/swagger-ui-bundle.js" in srcs and "/static/swagger-ui.css" in srcs
    assert not [s for s in srcs if s.startswith(("http:", "https:", "//"))]
    js = client.get("/static/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 500_000
    assert client.get("/openapi.json").json()["info"]["title"] == "forceplan registry"


def test_no_page_shows_internal_names(web: tuple[Any, str], bundled: Any) -> None:
    """Every page a nation's officer or a planner reads: no snake_case, no capability, place, site or slot ids, no
    Python dicts (pledge ids and ISO3 codes are what people quote and type)."""
    from tests.leaks import find_leaks

    client, _url = web
    pledge_ids = {p.id for p in bundled.pledges}
    csrf = _signed_in(client, "editor-gbr")
    form = client.get("/nation/pledges/GBR-03/edit").text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    pages = {p: client.get(p).text for p in ("/nation", "/nation/pledges/new", "/pledges/GBR-03/history")}
    pages["form errors"] = client.post("/nation/pledges/GBR-03/edit", data={
        "csrf_token": csrf, "version": version, "capability": "armd_bn", "quantity": "0", "personnel_per_unit": "",
        "notice_to_move_days": "45", "home_base": "hb-tidworth"}).text  # fmt: skip
    assert "<li>Units: must be more than 0</li>" in pages["form errors"]
    assert "every slot it may fill is full: Multirole fighter squadron" in pages["/nation"]
    _signed_in(client, "planner")
    pages |= {p: client.get(p).text for p in ("/dashboard", "/audit", "/plans")}
    for name, html in pages.items():
        main = html.split('<main id="main">', 1)[1].split("</main>", 1)[0]
        text = re.sub(r"<[^>]+>", " ", re.sub(r'<script type="application/json".*?</script>', "", main, flags=re.S))
        leaks = find_leaks(text, bundled, allow=pledge_ids | {"csrf_token"})
        assert leaks == [], f"{name}: {leaks}"
    assert find_leaks("used in S07-line-patrol; {'no_frontline': True}", bundled), "the finder finds"


def test_a_forged_form_is_refused_in_words_not_with_a_crash(web: tuple[Any, str]) -> None:
    client, _url = web
    csrf = _signed_in(client, "editor-gbr")
    form = client.get("/nation/pledges/GBR-01/edit").text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": csrf, "version": version, "capability": "bde_hq", "quantity": "1",
            "personnel_per_unit": "400", "notice_to_move_days": "31", "home_base": "<b>nowhere</b>"}  # fmt: skip
    r = client.post("/nation/pledges/GBR-01/edit", data=data)
    assert r.status_code == 422 and 'id="home_base-err"' in r.text and "<b>nowhere" not in r.text
    r = client.post("/nation/pledges/GBR-01/edit", data={**data, "home_base": "hb-tidworth", "version": "999"})
    assert r.status_code == 409 and "Changed by someone else" in r.text


def test_a_rotation_policy_reads_in_words() -> None:
    from forceplan.registry.wording import value_text

    assert value_text("rotation", {}) == "the coalition's defaults"  # the history page said "a record"
    assert value_text("rotation", {"tour_months": 6, "dwell_ratio": 2, "rotations": 3}) == (
        "6-month tours, dwell 1:2, at most 3 rotations"
    )
