"""The main job end to end: ``forceplan plan`` on the bundled scenario, its consistency, repeatability, and the
report in real headless Chromium (map and every chart render, no console errors, nothing fetched)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from forceplan.cli import app
from forceplan.plan import json_schema
from tests.e2e.browser import ARTIFACTS, open_page, require_chromium

pytestmark = pytest.mark.e2e
runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
ARGS = ["plan", "ukraine-2025", "--response-trials", "200", "--trials", "100", "--seed", "7", "--no-pdf"]


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan")
    r = runner.invoke(app, [*ARGS, "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_plan_json_is_complete_and_consistent(planned: Path) -> None:
    p = json.loads((planned / "plan.json").read_text())
    jsonschema.validate(p, json_schema())
    assert p["meta"]["schema"] == "forceplan.plan/1" and p["meta"]["seed"] == 7
    assert set(p) == {
        "meta",
        "solvers",
        "forcegen",
        "stationing",
        "response",
        "assessment",
        "phases",
        "line_of_contact_km",
        "cases",
        "sustain",
    }
    assert p["cases"] == []
    s = p["sustain"]
    assert len(s["months"]) == 36 and s["handover_assessment"]["month"] in [m["month"] for m in s["months"]]
    # Month 5 (days 122-152) has every phase's slots: the same requirement as the plan's force generation.
    assert s["months"][4]["personnel_required"] == p["forcegen"]["totals"]["personnel_required"]
    t = p["forcegen"]["totals"]
    assert t["personnel_matched"] <= t["personnel_cap"]
    matched = {(a["pledge"], a["slot"]): a["units"] for a in p["forcegen"]["assignments"]}
    for g in p["stationing"]["garrisons"]:
        for pl in g["placements"]:
            assert matched.get((pl["pledge"], pl["slot"]), 0) >= pl["units"], "every garrisoned unit is matched"
    threats = {t["threat"] for t in p["response"]["threats"]}
    assert threats == {t["threat"] for t in p["assessment"]["threats"]} and len(threats) == 5
    assert all(th["options"] for th in p["response"]["threats"]), "each threat has a response card"
    assert [ph["phase"] for ph in p["phases"]] == ["freeze", "initial", "foc", "broad"]
    assert "time" not in json.dumps(p["meta"]), "no timestamps in plan.json"


def test_same_seed_gives_byte_identical_plan(planned: Path, tmp_path: Path) -> None:
    # Computed afresh (no stage cache) and read back from the stage cache: the same bytes as the first run.
    for flag in ("--no-cache", "--cache"):
        r = runner.invoke(app, [*ARGS, flag, "--out", str(tmp_path / flag)])
        assert r.exit_code == 0, r.output
        assert (tmp_path / flag / "plan.json").read_bytes() == (planned / "plan.json").read_bytes()
    assert "(from the stage cache)" in (tmp_path / "--cache" / "run.log").read_text()
    assert "(from the stage cache)" not in (tmp_path / "--no-cache" / "run.log").read_text()


def test_plan_schema_file_is_current() -> None:
    assert json.loads((ROOT / "docs" / "schemas" / "plan.schema.json").read_text()) == json_schema()


def test_report_renders_offline_in_chromium(planned: Path) -> None:
    require_chromium()
    with open_page(planned, "report.html", width=1400, height=1000) as (page, report):
        page.wait_for_selector("#map[data-ready='1']", timeout=30_000)
        page.wait_for_function("document.body.dataset.charts !== undefined", timeout=60_000)
        n_charts = int(page.evaluate("document.body.dataset.charts"))
        rendered = page.locator(".js-plotly-plot .main-svg").count()
        symbols = page.locator(".ms-icon svg").count()
        text = page.locator("#answers").inner_text()
        gantt_rows = page.evaluate(
            "new Set(JSON.parse(document.getElementById('report-data').textContent).gantt.label).size"
        )
        gantt_labels = page.locator("#chart-gantt .ytick").count()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-page-one.png"))
    assert report.console_errors == [] and report.page_errors == []
    assert report.outside_localhost() == []
    assert n_charts == 16 and rendered >= 16, "fill, burden, readiness, phases, Gantt, P, 5 power, 5 sensitivity charts"
    assert symbols > 0
    assert gantt_rows > 10 and gantt_labels == gantt_rows, "every response row keeps its label"
    assert text.count("no station it may use lies within its protection radius") == 1, "each reason said once"
    for needle in ("Troop size", "Location", "If the peace is broken", "personnel matched", "garrisons"):
        assert needle in text


def test_phases_gate_against_an_incident_log(tmp_path: Path) -> None:
    log = tmp_path / "log"
    assert (
        runner.invoke(
            app, ["monitor", "ingest", str(ROOT / "examples" / "incidents-sample.csv"), "--log", str(log)]
        ).exit_code
        == 0
    )
    out = tmp_path / "phases.json"
    r = runner.invoke(app, ["phases", "ukraine-2025", "--log", str(log), "--json", str(out)])
    assert r.exit_code == 0, r.output
    freeze = json.loads(out.read_text())[0]
    assert freeze["gate"]["evaluated"] and freeze["gate"]["met"] is False  # a day of incidents, 14 quiet days needed


def test_plan_and_report_without_threats_or_pledges(bundled) -> None:
    """An empty force and no threats still give a valid plan and a report (never a crash)."""
    from forceplan.plan import run_plan
    from forceplan.report.html import render_report

    sc = bundled.model_copy(update={"threats": (), "offensives": (), "pledges": (), "materiel": (), "agreement": None})
    p = run_plan(sc, trials=50, assess_trials=20)
    assert p.forcegen.totals.units_matched == 0 and p.stationing.garrisons == []
    assert p.response.threats == [] and p.assessment.threats == []
    html = render_report(sc, p)
    assert "Troop size" in html and len(html) > 100_000


PAYLOAD = "<img src=x onerror='window.__pwned=1'><script>window.__pwned=2</script>"


def test_scenario_text_cannot_run_in_the_report(scenario_copy: Path, tmp_path: Path) -> None:
    """Markup in every free-text field (scenario, nations, capabilities, sites, places, threats, phases, sectors,
    rules) reaches the report and its map's tooltips and popups as text: nothing executes, nothing is fetched."""
    import csv
    import io
    import re

    require_chromium()
    yaml = scenario_copy / "scenario.yaml"
    text = yaml.read_text()
    text = re.sub(r'(\n\s*-?\s*name): "', lambda m: f'{m.group(1)}: "{PAYLOAD} ', text)
    text = re.sub(r"(description: )\"", lambda m: f'{m.group(1)}"{PAYLOAD} ', text)
    yaml.write_text(text)
    for name in ("sites.csv", "places.csv", "nations.csv", "capabilities.csv"):
        p = scenario_copy / name
        rows = list(csv.reader(io.StringIO(p.read_text())))
        col = rows[0].index("name")
        for r in rows[1:]:
            r[col] = PAYLOAD + " " + r[col]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        p.write_text(buf.getvalue())
    out = tmp_path / "out"
    r = runner.invoke(
        app, ["plan", str(yaml), "--response-trials", "100", "--trials", "100", "--no-pdf", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    html = (out / "report.html").read_text()
    assert PAYLOAD not in html and "&lt;img src=x" in html
    with open_page(out, "report.html", width=1400, height=1000) as (page, report):
        page.wait_for_selector("#map[data-ready='1']", timeout=30_000)
        page.wait_for_function("document.body.dataset.charts !== undefined", timeout=60_000)
        page.evaluate(
            "map.eachLayer(l => { if (l.getTooltip && l.getTooltip()) l.openTooltip();"
            " if (l.getPopup && l.getPopup()) { l.openPopup(); } })"
        )
        page.wait_for_timeout(300)
        pwned = page.evaluate("window.__pwned === undefined ? 0 : window.__pwned")
        shown = page.locator("#answers").inner_text()
    assert pwned == 0
    assert report.page_errors == [] and report.outside_localhost() == []
    assert not any(u.endswith("/x") for u in report.requests), "no <img src=x> was ever created"
    assert "<img src=x" in shown, "the markup shows as text"


def test_report_prints_cleanly(tmp_path: Path) -> None:
    """Print media in real Chromium: the map and every chart fill their boxes (±5 %), no controls print; the PDF's
    page one names every option and every threat's probability; a picture of every page is kept."""
    import contextlib
    import re
    import shutil
    import subprocess

    require_chromium()
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    out = tmp_path / "out"
    r = runner.invoke(app, ["plan", "ukraine-2025", "--response-trials", "200", "--trials", "1000", "--out", str(out)])
    assert r.exit_code == 0, r.output
    with open_page(out, "report.html", width=1054, height=1400) as (page, report):
        page.wait_for_selector("#map[data-ready='1']", timeout=30_000)
        page.wait_for_function("document.body.dataset.charts !== undefined", timeout=60_000)
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        measure = """() => [...document.querySelectorAll('.chart')].map(c => {
                 const svg = c.querySelector('.main-svg'); const a = c.getBoundingClientRect();
                 const b = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
                 return [c.id, a.width, a.height, b.width, b.height]; })"""
        # Plotly resizes asynchronously after 'beforeprint': wait (up to 10 s) for every chart to fill its box, then
        # measure; a chart that never does fails the assertion below with its sizes.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(
                f"() => ({measure})().every(([, cw, ch, sw, sh]) => sw >= 0.95 * cw - 2 && sh >= 0.95 * ch - 2)",
                timeout=10_000,
            )
        boxes = page.evaluate(measure)
        map_box = page.evaluate(
            """() => { const m = document.getElementById('map').getBoundingClientRect();
                 const p = document.querySelector('#map .leaflet-map-pane').parentElement.getBoundingClientRect();
                 return [m.width, m.height, p.width, p.height]; }"""
        )
        controls = page.evaluate(
            "() => [...document.querySelectorAll('.leaflet-control-zoom, .leaflet-control-layers, .modebar-container')]"
            ".filter(e => getComputedStyle(e).display !== 'none').length"
        )
        text = page.locator("body").inner_text()
    assert report.page_errors == [] and report.outside_localhost() == []
    for cid, cw, ch, sw, sh in boxes:
        assert sw >= 0.95 * cw - 2 and sh >= 0.95 * ch - 2, (cid, cw, ch, sw, sh)
    assert map_box[2] >= 0.95 * map_box[0] and map_box[3] >= 0.95 * map_box[1]
    assert controls == 0
    leaked = set(
        re.findall(r"\b(?:armd_bn|mech_inf_bn|lr_fires_bty|no_site|city-poltava|in_theatre|air_power)\b", text)
    )
    assert not leaked, leaked
    pdf = out / "report.pdf"
    assert pdf.exists()
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed: PDF text checks skipped")
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    flat = " ".join(first.split())
    for option in ("forces in place", "reinforcements", "air power", "strikes", "stockpile release", "naval forces"):
        assert option in flat, option
    plan = json.loads((out / "plan.json").read_text())
    for t in plan["assessment"]["threats"]:
        assert f"{100 * t['p_reached']['p']:.0f} %" in flat, t["threat"]
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("report-pdf-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(ARTIFACTS / "report-pdf-page")], check=True)
    assert len(list(ARTIFACTS.glob("report-pdf-page-*.png"))) >= 5


def test_plan_puts_what_if_cases_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["plan", "ukraine-2025", "--response-trials", "100", "--trials", "1000", "--no-pdf", "--out", str(out)]
    r = runner.invoke(app, [*args, "--case", "without FRA", "--case", "us backstop", "--case", "baseline"])
    assert r.exit_code == 0, r.output
    plan = json.loads((out / "plan.json").read_text())
    assert [c["label"] for c in plan["cases"]] == ["without FRA", "us backstop"]
    # The table shows each case against this plan (the nations by name): its personnel and the change, its highest
    # chance. plan.json keeps the case as typed.
    assert "what if: without France" in r.output and "what if: us backstop" in r.output
    delta = plan["cases"][0]["personnel_matched"] - plan["forcegen"]["totals"]["personnel_matched"]
    assert f"({delta:+,})" in r.output.replace("\n", " ").replace("│", " ")
    without = plan["cases"][0]
    assert without["personnel_matched"] < plan["forcegen"]["totals"]["personnel_matched"]
    html = (out / "report.html").read_text()
    assert "What-if cases, side by side" in html and "<td>without France</td>" in html and "us backstop" in html
    assert "without FRA" not in html


def test_plan_shows_the_answer_before_the_report_and_the_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A what-if in a meeting: the table (troop size, location, every threat's P) is printed as soon as the
    analysis is done, before the report is written and the PDF printed; run.log still times every stage."""
    import forceplan.cli.pdf as pdf_mod
    import forceplan.cli.plan_cmd as plan_cmd
    import forceplan.report.html as report_html

    order: list[str] = []
    summary, render = plan_cmd.print_summary, report_html.render_report
    monkeypatch.setattr(plan_cmd, "print_summary", lambda *a: (order.append("answer"), summary(*a))[1])
    monkeypatch.setattr(report_html, "render_report", lambda *a, **k: (order.append("report"), render(*a, **k))[1])

    class Printer:
        def __enter__(self) -> Printer:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def print_pdf(self, html: Path, pdf: Path) -> None:
            order.append("pdf")
            pdf.write_bytes(b"%PDF-1.4\n")

    monkeypatch.setattr(pdf_mod, "PdfPrinter", Printer)
    out = tmp_path / "out"
    args = ["plan", "ukraine-2025", "--response-trials", "100", "--trials", "300", "--out", str(out), "--pdf"]
    r = runner.invoke(app, [*args, "--without", "FRA"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert order == ["answer", "report", "pdf"]
    assert r.output.index("troop size") < r.output.index("wrote ")
    # What the table answers: the what-if in its title, in words; how swiftly each option first acts, per threat.
    assert "The plan: ukraine-2025 (without France)" in r.output
    assert r.output.count("first help (median): in place ") == 5, r.output
    html = (out / "report.html").read_text()
    assert "<h1>ukraine-2025: the plan for a reassurance force (without France)</h1>" in html
    assert "without FRA" not in html  # the meta line names the nation too
    log = (out / "run.log").read_text()
    for line in ("force generation: ", "deterrence assessment: ", "sustainment: ", "report: ", "report.pdf: "):
        assert line in log, log
