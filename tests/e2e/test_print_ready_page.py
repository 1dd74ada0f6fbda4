"""The PDF printer's ready page (issue #27): the report written into a page that parsed plotly.js and Leaflet while
the plan computed prints the same pages, pixel for pixel, as the report loaded with ``goto``; in it the report says it
is ready only once the map and every chart are drawn, every chart a static picture; where the libraries do not load,
or a page does not inline them as a report does, the page loads as before."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from forceplan.cli import app, pdf_pages
from forceplan.cli.pdf import PdfPrinter
from tests.e2e.browser import require_chromium

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_chromium()
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) not installed: PDF checks skipped")
    out = tmp_path_factory.mktemp("ready") / "out"
    args = ["plan", "ukraine-2025", "--response-trials", "200", "--trials", "500", "--seed", "7", "--no-pdf"]
    r = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out / "report.html"


def pages_gray(pdf: Path, tmp: Path) -> list[np.ndarray]:
    """Every page of ``pdf`` at 50 dpi, grey, as arrays."""
    prefix = tmp / pdf.stem
    subprocess.run(["pdftoppm", "-r", "50", "-gray", str(pdf), str(prefix)], check=True)
    out = []
    for p in sorted(tmp.glob(f"{pdf.stem}-*.pgm")):
        data = p.read_bytes()
        m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
        assert m is not None, p
        w, h = int(m[1]), int(m[2])
        out.append(np.frombuffer(data[m.end() : m.end() + w * h], dtype=np.uint8).reshape(h, w))
    return out


def print_report(html: Path, pdf: Path, monkeypatch: pytest.MonkeyPatch, *, ready: bool) -> list[bool]:
    """Print ``html``; ``ready`` False: the ready page refuses it (``goto`` as before). Returns what write answered."""
    answers: list[bool] = []
    real = pdf_pages.PrintPage.write

    def write(self: pdf_pages.PrintPage, page: Path) -> bool:
        answers.append(real(self, page) if ready else False)
        return answers[-1]

    with monkeypatch.context() as m:
        m.setattr(pdf_pages.PrintPage, "write", write)
        with PdfPrinter() as printer:
            note = printer.print_pdf(html, pdf)
    assert note is None, note
    return answers


def test_the_ready_page_prints_the_same_pages_as_loading_the_report(
    report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert print_report(report, tmp_path / "ready.pdf", monkeypatch, ready=True) == [True], "ready page not used"
    assert print_report(report, tmp_path / "goto.pdf", monkeypatch, ready=False) == [False]
    ready, goto = pages_gray(tmp_path / "ready.pdf", tmp_path), pages_gray(tmp_path / "goto.pdf", tmp_path)
    assert len(ready) == len(goto) >= 10
    differ = [i + 1 for i, (a, b) in enumerate(zip(ready, goto, strict=True)) if not np.array_equal(a, b)]
    assert not differ, f"pages {differ} differ between the ready page and goto"


#: Put first in the report's body: records, when the ready flag leaves "0", how many charts are drawn (a trace and a
#: title in each) and whether the map is.
WATCH = """<script>
new MutationObserver(() => {
  if (window.flagSeen || document.body.dataset.printReady === '0') return;
  window.flagSeen = { flag: document.body.dataset.printReady,
    charts: document.querySelectorAll('.chart').length,
    drawn: [...document.querySelectorAll('.chart')]
      .filter((el) => el.querySelector('.cartesianlayer .trace') && el.querySelector('.gtitle')).length,
    map: document.getElementById('map').dataset.ready };
}).observe(document.body, { attributes: true, attributeFilter: ['data-print-ready'] });
</script>"""

SEEN_JS = """() => ({ seen: window.flagSeen, libraries: typeof L + ' ' + typeof Plotly,
  static: [...document.querySelectorAll('.js-plotly-plot')].filter((el) => el._context.staticPlot).length,
  buttons: document.querySelectorAll('.modebar-btn, .leaflet-control-zoom, .leaflet-control-layers').length,
  plotlyStyle: document.querySelectorAll('head > style#plotly\\\\.js-style-global').length })"""


def test_in_the_ready_page_the_report_is_ready_only_when_every_chart_is_drawn(report: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from forceplan.cli.pdf import ARGS, READY_JS
    from tests.e2e.browser import CHROMIUM

    text = report.read_text(encoding="utf-8").replace(
        '<body data-print-ready="0">', '<body data-print-ready="0">' + WATCH
    )
    watched = tmp_path / "watched.html"
    watched.write_text(text, encoding="utf-8")
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            ready = pdf_pages.PrintPage(PdfPrinter._new_page(browser), 60_000)
            ready.page.on("pageerror", lambda e: errors.append(str(e)))
            ready.warm()
            assert ready.ok, "the libraries did not load in the ready page"
            assert ready.write(watched)
            ready.page.wait_for_function(READY_JS, timeout=60_000)
            got: dict[str, Any] = ready.page.evaluate(SEEN_JS)
        finally:
            browser.close()
    assert not errors, errors
    seen = got["seen"]
    assert seen["flag"] == "1" and seen["map"] == "1", got
    assert seen["charts"] >= 12 and seen["drawn"] == seen["charts"], f"ready before every chart was drawn: {got}"
    assert got["libraries"] == "object object" and got["static"] == seen["charts"] and got["buttons"] == 0, got
    assert got["plotlyStyle"] == 1, "plotly.js's stylesheet is not back in the head"


def test_where_the_libraries_fail_to_load_the_report_loads_as_before(
    report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the shell's last script finds no Plotly (as where plotly.js throws while it loads)
    monkeypatch.setattr(pdf_pages, "SHELL_END", "<script>document.body.dataset.libraries = 'false';</script>")
    assert print_report(report, tmp_path / "r.pdf", monkeypatch, ready=True) == [False]
    assert len(pages_gray(tmp_path / "r.pdf", tmp_path)) >= 10


def test_a_report_with_other_libraries_loads_as_before(
    report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report of another forceplan version (here: plotly.js one byte different) is loaded, not written."""
    text = report.read_text(encoding="utf-8")
    i = text.index("plotly.js (basic")
    other = tmp_path / "other.html"
    other.write_text(text[:i] + "Plotly.js (basic" + text[i + len("plotly.js (basic") :], encoding="utf-8")
    assert print_report(other, tmp_path / "other.pdf", monkeypatch, ready=True) == [False]
    assert len(pages_gray(tmp_path / "other.pdf", tmp_path)) >= 10
