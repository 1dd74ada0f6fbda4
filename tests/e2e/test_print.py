"""The report prints whole (issue #26): every PDF page is at least half used, carries the footer (scenario, digest,
ISO date, page numbers) and never a file path; every chart label at its printed size lies inside its chart and
clear of the others, and every category is labelled; each chart is drawn as wide as the box it prints in, and on
screen fits its box at common window widths and on a phone; the printed map's names never overlap. Pictures of every
page are kept in tests/artifacts/."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from forceplan.cli import app
from tests.e2e.browser import ARTIFACTS, MAP_LABELS_JS, map_label_clashes, open_page, require_chromium
from tests.leaks import find_leaks

pytestmark = pytest.mark.e2e
runner = CliRunner()

#: The printable box of A4 landscape under the report's @page rule (mm): top 9, bottom 12.
PAGE_H_MM, TOP_MM, BOTTOM_MM = 210.0, 9.0, 12.0
DPI = 50

#: Chart text plotly draws: title, axis titles, tick labels, legend entries.
TEXT_SELECTOR = ".gtitle, .g-xtitle text, .g-ytitle text, .xtick text, .ytick text, .legendtext"


def read_pgm(path: Path) -> np.ndarray:
    """A binary PGM (pdftoppm -gray) as a 2-D uint8 array."""
    data = path.read_bytes()
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        m = re.compile(rb"\s*(#[^\n]*\n\s*)*(\S+)").match(data, pos)
        assert m is not None, path
        fields.append(m.group(2))
        pos = m.end()
    assert fields[0] == b"P5", path
    w, h = int(fields[1]), int(fields[2])
    return np.frombuffer(data[pos + 1 : pos + 1 + w * h], dtype=np.uint8).reshape(h, w)


def blank_bottom_fraction(img: np.ndarray) -> float:
    """Share of the printable box, from its foot upwards, with no ink (a page ending half way: about 0.5)."""
    px_per_mm = img.shape[0] / PAGE_H_MM
    top, bottom = int(TOP_MM * px_per_mm), int((PAGE_H_MM - BOTTOM_MM) * px_per_mm) - 1
    band = img[top:bottom]
    ink = np.flatnonzero((band < 200).any(axis=1))
    if ink.size == 0:
        return 1.0
    return float((band.shape[0] - 1 - ink[-1]) / band.shape[0])


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_chromium()
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftoppm, pdftotext) not installed: PDF checks skipped")
    out = tmp_path_factory.mktemp("print") / "out"
    args = ["plan", "ukraine-2025", "--response-trials", "200", "--trials", "500", "--seed", "7", "--out", str(out)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert (out / "report.pdf").exists(), r.output
    return out


def test_every_page_is_used_and_carries_the_footer(printed: Path, tmp_path: Path) -> None:
    pdf = printed / "report.pdf"
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) >= 8
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("print-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / "print-page")], check=True)
    meta = json.loads((printed / "plan.json").read_text())["meta"]
    today = datetime.date.today().isoformat()
    empty = []
    for i, page in enumerate(pages, start=1):
        text = subprocess.run(
            ["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True, text=True
        ).stdout
        assert "file:" not in text and "/tmp" not in text, f"page {i} prints a file path"
        assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", text), f"page {i} prints a US-style date"
        assert f"page {i} of {len(pages)}" in text, f"page {i} has no page number"
        assert meta["scenario"] in text and meta["scenario_digest"][:12] in text and today in text, i
        if i < len(pages):
            frac = blank_bottom_fraction(read_pgm(page))
            if frac > 0.5:
                empty.append((i, round(frac, 2)))
    assert not empty, f"pages more than half empty (page, blank share): {empty}"


def test_no_heading_is_left_at_the_foot_of_a_page(printed: Path) -> None:
    """The last line of each page's text (above the footer) is never a section or card heading."""
    pdf = printed / "report.pdf"
    html = (printed / "report.html").read_text(encoding="utf-8")
    headings = {re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h[234][^>]*>(.*?)</h[234]>", html)}
    headings = {h for h in headings if h}
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    for i, page in enumerate(text.split("\f")[:-1], start=1):
        lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
        body = [ln for ln in lines if not ln.startswith("page ") and "sha256" not in ln]
        assert body, f"page {i} is empty"
        assert body[-1] not in headings, f"heading {body[-1]!r} alone at the foot of page {i}"


def test_chart_labels_are_whole_apart_and_all_shown(printed: Path) -> None:
    with open_page(printed, "report.html", width=1054, height=1400) as (page, report):
        page.wait_for_function("document.body.dataset.charts !== undefined", timeout=60_000)
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        page.wait_for_timeout(300)
        charts = page.evaluate(
            """(sel) => [...document.querySelectorAll('.chart')].map(c => {
                 const box = c.getBoundingClientRect();
                 const texts = [...c.querySelectorAll(sel)].filter(t => t.textContent.trim()).map(t => {
                   const r = t.getBoundingClientRect();
                   const kind = t.closest('.xtick, .ytick, .legend, .g-xtitle, .g-ytitle') ? t.closest(
                     '.xtick, .ytick, .legend, .g-xtitle, .g-ytitle').getAttribute('class') : 'title';
                   return {text: t.textContent, kind, l: r.left, t: r.top, r: r.right, b: r.bottom}; });
                 const ycats = (c.data && c.data[0] && typeof c.data[0].y?.[0] === 'string')
                   ? new Set(c.data.flatMap(d => d.y || [])).size : null;
                 const yticks = c.querySelectorAll('.ytick text').length;
                 return {id: c.id, l: box.left, t: box.top, r: box.right, b: box.bottom, texts, ycats, yticks}; })""",
            TEXT_SELECTOR,
        )
    assert report.page_errors == []
    assert len(charts) >= 12
    problems: list[str] = []
    for ch in charts:
        for x in ch["texts"]:
            if x["l"] < ch["l"] - 1 or x["r"] > ch["r"] + 1 or x["t"] < ch["t"] - 1 or x["b"] > ch["b"] + 1:
                problems.append(f"{ch['id']}: {x['text']!r} is cut by the chart's edge")
        ts = ch["texts"]
        for i, a in enumerate(ts):
            for b in ts[i + 1 :]:
                w = min(a["r"], b["r"]) - max(a["l"], b["l"])
                h = min(a["b"], b["b"]) - max(a["t"], b["t"])
                if w > 1 and h > 1:
                    problems.append(f"{ch['id']}: {a['text']!r} overlaps {b['text']!r}")
        if ch["ycats"] is not None:
            assert ch["yticks"] == ch["ycats"], f"{ch['id']}: {ch['yticks']} labels for {ch['ycats']} categories"
    assert not problems, "\n".join(problems[:20])


def test_report_and_pdf_show_names_never_ids(printed: Path, bundled) -> None:  # type: ignore[no-untyped-def]
    """Every page, the map's popups and tooltips, the charts and the PDF's text read names; ids only in the
    Assumptions appendix (beside the label) and the Sources list (the scenario's citation keys)."""
    with open_page(printed, "report.html", width=1440, height=900) as (page, report):
        page.wait_for_selector("#map[data-ready='1']", timeout=30_000)
        page.wait_for_function("document.body.dataset.charts !== undefined", timeout=60_000)
        shown = page.evaluate(
            """() => {
              const skip = new Set(['assumptions', 'sources']);
              const parts = [...document.querySelectorAll('header, .illustrative, main > section')]
                .filter(s => !skip.has(s.id)).map(s => s.innerText);
              parts.push(...[...document.querySelectorAll('.main-svg text')].map(t => t.textContent));
              for (const name of ['Garrisons', 'Sites', 'Entry nodes', 'Air combat radii', 'Strike range rings']) {
                for (const l of layers[name].getLayers()) {
                  if (l.getPopup()) parts.push(l.getPopup().getContent());
                  if (l.getTooltip()) parts.push(l.getTooltip().getContent());
                }
              }
              parts.push(document.querySelector('.legend').innerText);
              return parts.join('\\n'); }"""
        )
    assert report.page_errors == []
    assert "Mechanised infantry battalion" in shown
    leaks = find_leaks(shown, bundled)
    assert not leaks, leaks
    text = subprocess.run(["pdftotext", str(printed / "report.pdf"), "-"], capture_output=True, text=True).stdout
    body = text[: text.index("Every fact the scenario cites")]
    leaks = find_leaks(body, bundled)
    assert not leaks, leaks
    assert "coalition_decision_delay_h" in text, "the Assumptions appendix keeps the key a scenario file sets"


def test_the_report_says_when_it_is_drawn_and_prints_static_charts(printed: Path) -> None:
    """The report sets data-print-ready to "1" once the map and every chart are drawn (what the PDF printer waits
    for); loaded by the printer (window.forceplanPrinting set first) its charts are static pictures: no mode bar."""
    from playwright.sync_api import sync_playwright

    from forceplan.cli.pdf import ARGS, PRINTING_JS, READY_JS
    from tests.e2e.browser import CHROMIUM

    url = (printed / "report.html").resolve().as_uri()
    seen = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for printing in (False, True):
                page = browser.new_page(viewport={"width": 1054, "height": 1400})
                if printing:
                    page.add_init_script(PRINTING_JS)
                page.goto(url, wait_until="load")
                page.wait_for_function(READY_JS, timeout=60_000)
                seen[printing] = page.evaluate(
                    """() => ({ready: document.body.dataset.printReady,
                               charts: document.querySelectorAll('.chart').length,
                               drawn: document.querySelectorAll('.chart.js-plotly-plot .main-svg').length > 0,
                               map: document.getElementById('map').dataset.ready,
                               buttons: document.querySelectorAll('.modebar-btn').length,
                               static: [...document.querySelectorAll('.js-plotly-plot')]
                                 .filter(el => el._context && el._context.staticPlot).length})"""
                )
                page.close()
        finally:
            browser.close()
    for printing, s in seen.items():
        assert s["ready"] == "1" and s["map"] == "1" and s["drawn"] and s["charts"] >= 12, (printing, s)
    assert seen[False]["buttons"] > 0 and seen[False]["static"] == 0, "on screen the charts stay interactive"
    assert seen[True]["buttons"] == 0 and seen[True]["static"] == seen[True]["charts"], "printed: static pictures"


#: Each chart's id, the width of its box inside the border, and the width its picture (plotly's SVG) is drawn at (px).
CHART_WIDTHS_JS = """() => [...document.querySelectorAll('.chart')].map((c) => {
  const svg = c.querySelector('.main-svg');
  return [c.id, c.clientWidth, svg ? svg.getBoundingClientRect().width : null]; })"""


def test_charts_fill_the_boxes_they_print_in_and_the_printed_map_names_never_overlap(printed: Path) -> None:
    """The page the PDF printer prepares, with the report written into it as the printer does: in print media (what
    ``page.pdf`` lays out) each chart's picture is as wide as its box (drawn on screen it was 64 px narrower, a blank
    strip on the right of every printed chart), and the map's shown names overlap neither each other nor a garrison
    symbol."""
    from playwright.sync_api import sync_playwright

    from forceplan.cli.pdf import ARGS, READY_JS, PdfPrinter
    from forceplan.cli.pdf_pages import PrintPage
    from tests.e2e.browser import CHROMIUM

    html = (printed / "report.html").resolve()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            ready = PrintPage(PdfPrinter._new_page(browser), 60_000)
            ready.warm()
            assert ready.write(html), "the report is written into the prepared page"
            ready.page.wait_for_function(READY_JS, timeout=60_000)
            ready.page.emulate_media(media="print")
            widths = ready.page.evaluate(CHART_WIDTHS_JS)
            labels = ready.page.evaluate(MAP_LABELS_JS)
        finally:
            browser.close()
    assert len(widths) >= 16
    wrong = [(cid, box, drawn) for cid, box, drawn in widths if drawn is None or abs(drawn - box) > 2]
    assert not wrong, f"charts drawn at another width than their printed box (id, box px, drawn px): {wrong}"
    assert {box for _, box, _ in widths} == {1052, 522}, "full-width and paired boxes of the printed page"
    clashes = map_label_clashes(labels)
    assert not clashes, "\n".join(clashes)
    assert sum(x["shown"] for x in labels["labels"]) > 20


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768), (1054, 800), (390, 844)])
def test_charts_fit_their_boxes_on_screen(printed: Path, width: int, height: int) -> None:
    """On a desktop, a laptop, a window as wide as the printed page and a phone: each chart fills its box without
    running past it, and nothing widens the page beyond the window (a wide table scrolls in its own box)."""
    with open_page(printed, "report.html", width=width, height=height) as (page, report):
        page.wait_for_function("document.body.dataset.printReady === '1'", timeout=60_000)
        widths = page.evaluate(CHART_WIDTHS_JS)
        page_width = page.evaluate("document.documentElement.scrollWidth")
        if width < 700:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-phone.png"), full_page=True)
    assert report.page_errors == []
    assert len(widths) >= 16
    wrong = [(cid, box, drawn) for cid, box, drawn in widths if drawn is None or not box - 2 <= drawn <= box + 0.5]
    assert not wrong, f"charts not filling their boxes (id, box px, drawn px): {wrong}"
    assert page_width <= width, f"the page is {page_width} px wide in a {width} px window"


#: Each chart with a category axis: its box, its plot area, its category names' boxes (px), and the names it draws
#: against the categories it has.
CATEGORY_NAMES_JS = """() => [...document.querySelectorAll('.chart')].filter((c) => c.layout && c.layout.yaxis
    && Array.isArray(c.layout.yaxis.tickvals) && typeof c.layout.yaxis.tickvals[0] === 'string').map((c) => {
  const box = (el) => { const r = el.getBoundingClientRect(); return {l: r.left, r: r.right, w: r.width}; };
  return {id: c.id, chart: box(c), plot: box(c.querySelector('.nsewdrag')),
          names: [...c.querySelectorAll('.ytick text')].map((t) => ({text: t.textContent, ...box(t)})),
          cats: c.layout.yaxis.tickvals, drawn: c.layout.yaxis.ticktext}; })"""


@pytest.mark.parametrize("width", [390, 1366])
def test_category_names_are_whole_on_a_phone_and_unchanged_elsewhere(printed: Path, width: int) -> None:
    """On a phone (390 px) no category name runs past its chart's left edge (the response timeline's names ran 177 px
    past it) and the plot keeps at least 40 % of the chart's width (it was 64 px of 326): long names are wrapped onto
    lines; no title or legend entry runs past the chart's edges either. On a laptop every name is drawn whole on one
    line, as in print."""
    with open_page(printed, "report.html", width=width, height=844) as (page, report):
        page.wait_for_function("document.body.dataset.printReady === '1'", timeout=60_000)
        charts = page.evaluate(CATEGORY_NAMES_JS)
        titles = page.evaluate(
            """() => [...document.querySelectorAll('.chart')].flatMap((c) => {
              const box = c.getBoundingClientRect();
              return [...c.querySelectorAll('.gtitle, .g-xtitle text, .legendtext')].map((t) => {
                const r = t.getBoundingClientRect();
                return [c.id, t.textContent, r.left - box.left, box.right - r.right, r.top - box.top]; }); })"""
        )
    assert report.page_errors == []
    cut_titles = [t for t in titles if min(t[2:]) < -0.5]
    assert not cut_titles, (
        f"titles or legend entries past their chart's edge (chart, text, px inside l, r, t): {cut_titles}"
    )
    assert {"chart-fill", "chart-phases", "chart-gantt", "chart-probability", "chart-tornado-0"} <= {
        c["id"] for c in charts
    }
    cut = [
        (c["id"], n["text"], round(c["chart"]["l"] - n["l"]))
        for c in charts
        for n in c["names"]
        if n["l"] < c["chart"]["l"] - 0.5 or n["r"] > c["chart"]["r"] + 0.5
    ]
    assert not cut, f"category names past their chart's edge (chart, name, px past): {cut}"
    squeezed = [(c["id"], round(c["plot"]["w"])) for c in charts if c["plot"]["w"] < 0.4 * c["chart"]["w"]]
    assert not squeezed, f"plots squeezed by their names (chart, plot px): {squeezed}"
    for c in charts:
        assert len(c["names"]) == len(c["cats"]), c["id"]
        if width >= 700:
            assert c["drawn"] == c["cats"], f"{c['id']}: names changed on a wide screen"
        else:
            # what is drawn is the name, wrapped (a long first part of "threat · option" shortened with "…")
            for cat, drawn in zip(c["cats"], c["drawn"], strict=True):
                words = drawn.replace("<br>", " ").replace("…", "").split()
                assert words and all(w in cat for w in words), (c["id"], cat, drawn)
    wrapped = sum("<br>" in d for c in charts for d in c["drawn"])
    assert (wrapped > 10) == (width < 700)


def test_the_printed_map_legend_lies_under_the_map_and_lists_what_is_drawn(printed: Path) -> None:
    """Printed, the legend is under the map (it covered western Moldova and Romania), on the map's page, and lists
    every symbol the map draws and none it does not (the air and strike rings are not drawn by default)."""
    from playwright.sync_api import sync_playwright

    from forceplan.cli.pdf import ARGS, PRINTING_JS, READY_JS
    from tests.e2e.browser import CHROMIUM

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1054, "height": 1400})
            page.add_init_script(PRINTING_JS)
            page.goto((printed / "report.html").resolve().as_uri(), wait_until="load")
            page.wait_for_function(READY_JS, timeout=60_000)
            page.emulate_media(media="print")
            seen = page.evaluate(
                """() => { const box = (el) => el.getBoundingClientRect();
                  const m = box(document.getElementById('map'));
                  const legends = [...document.querySelectorAll('#laydown .legend')];
                  const kinds = new Set(layers['Sites'].toGeoJSON().features.map(f => f.properties.kind));
                  return {n: legends.length, inMap: legends.some(l => document.getElementById('map').contains(l)),
                          mapBottom: m.bottom, top: box(legends[0]).top, text: legends[0].innerText,
                          kinds: [...kinds].map(k => nameOf('site_kind', k)),
                          drawn: Object.keys(layers).filter(k => map.hasLayer(layers[k]))}; }"""
            )
        finally:
            browser.close()
    assert seen["n"] == 1 and not seen["inMap"] and seen["top"] >= seen["mapBottom"], seen
    text = seen["text"]
    for entry in ("occupied territory", "line of contact", "standoff band", "threat axis", "entry node", "garrisons"):
        assert entry in text, entry
    assert "air combat radius" not in text and "strike range" not in text, "rings the printed map does not draw"
    assert "Air combat radii" not in seen["drawn"]
    assert seen["kinds"] and all(k in text for k in seen["kinds"]), seen["kinds"]
    pages = subprocess.run(["pdftotext", str(printed / "report.pdf"), "-"], capture_output=True, text=True).stdout
    laydown = next(p for p in pages.split("\f") if "The laydown" in p)
    assert "occupied territory" in laydown and "APP-6 symbol" in laydown, "the legend prints on the map's page"


def test_the_map_on_a_phone_shows_its_names_whole_and_its_buttons_uncovered(printed: Path) -> None:
    """At 390 px: every shown map name lies inside the map (the Dnipro axis's name ran past its right edge); the
    legend's button is not under the attribution, which wraps across the map's foot; the layer list's button says
    "Layers" and the page asks for nothing but itself (Leaflet's icon was a missing image file)."""
    with open_page(printed, "report.html", width=390, height=844) as (page, report):
        page.wait_for_function("document.body.dataset.printReady === '1'", timeout=60_000)
        page.locator("#map").scroll_into_view_if_needed()
        labels = page.evaluate(MAP_LABELS_JS)
        seen = page.evaluate(
            """() => { const m = document.getElementById('map').getBoundingClientRect();
              const on = (sel) => { const el = document.querySelector(sel), r = el.getBoundingClientRect();
                const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
                return el === hit || el.contains(hit); };
              return {map: {l: m.left, t: m.top, r: m.right, b: m.bottom},
                      legend: on('#laydown details.legend summary'),
                      layers: on('.leaflet-control-layers-toggle'),
                      layersText: getComputedStyle(document.querySelector('.leaflet-control-layers-toggle'), '::after')
                        .content}; }"""
        )
    m = seen["map"]
    shown = [x for x in labels["labels"] if x["shown"]]
    assert len(shown) > 5
    out = [x["text"] for x in shown if x["l"] < m["l"] or x["r"] > m["r"] or x["t"] < m["t"] or x["b"] > m["b"]]
    assert not out, f"map names past the map's edge: {out}"
    assert seen["legend"] and seen["layers"], seen
    assert seen["layersText"] == '"Layers"'
    assert [u for u in report.requests if not u.endswith("/report.html")] == []
    assert report.console_errors == []
