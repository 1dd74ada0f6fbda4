"""The PDF printer (issue #27): Chromium started in the background through Playwright prints what the page draws after
it loads (it waits for the page's ready flag, not a sleep), on A4 landscape from the page's @page rule, with no
Chromium header or footer; a page that fails to draw, never finishes or cannot be written gives a note and no file;
without Playwright the Chromium command line prints; without Chromium the note says so. Whatever ends the run (done,
an error before the report, Ctrl-C in the process or at the terminal), no browser or driver process is left."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forceplan.cli import app, pdf
from forceplan.cli.pdf import MISSING, PdfPrinter
from tests.e2e.browser import require_chromium

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

#: A page drawn after it loads: the text appears 400 ms after the load event, then the flag says it is drawn.
LATE = """<!doctype html><html><head><meta charset="utf-8"><title>late</title>
<style>@page { size: A4 landscape; margin: 9mm; }</style></head><body data-print-ready="0">
<p id="p">not drawn yet</p><script>
window.addEventListener('load', () => setTimeout(() => {
  document.getElementById('p').textContent = 'drawn after load; printing=' + Boolean(window.forceplanPrinting);
  document.body.dataset.printReady = '1'; }, 400));
</script></body></html>"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def pdf_text(pdf_file: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed: PDF checks skipped")
    return subprocess.run(["pdftotext", str(pdf_file), "-"], capture_output=True, text=True, check=True).stdout


def page_size_pt(pdf_file: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf_file)], capture_output=True, text=True, check=True).stdout
    m = re.search(r"Page size:\s+([0-9.]+) x ([0-9.]+) pts", info)
    assert m is not None, info
    return float(m[1]), float(m[2])


def marked(marker: str) -> list[int]:
    """Pids of live processes (other than this one) whose environment holds ``marker``: what this test started."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            env = (d / "environ").read_bytes()
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in env and state != "Z":
            found.append(int(d.name))
    return found


def wait_until(cond: Callable[[], bool], timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


@pytest.fixture
def marker(monkeypatch: pytest.MonkeyPatch) -> str:
    """An environment variable every process started from here inherits (Playwright's driver, Chromium)."""
    if not Path("/proc/self/environ").exists():
        pytest.skip("needs /proc to find leftover processes")
    value = f"forceplan-test-{uuid.uuid4().hex}"
    monkeypatch.setenv("FORCEPLAN_TEST_MARKER", value)
    return value


def test_prints_what_the_page_draws_after_it_loads(tmp_path: Path, marker: str) -> None:
    require_chromium()
    html = write(tmp_path, "late.html", LATE)
    with PdfPrinter() as printer:
        assert wait_until(lambda: len(marked(marker)) >= 2, 60), "the browser did not start in the background"
        note = printer.print_pdf(html, tmp_path / "late.pdf")
    assert note is None
    text = pdf_text(tmp_path / "late.pdf")
    assert "drawn after load; printing=true" in text and "not drawn yet" not in text
    assert "file:" not in text and str(tmp_path) not in text, "Chromium's header or footer printed"
    w, h = page_size_pt(tmp_path / "late.pdf")
    assert abs(w - 841.9) < 2 and abs(h - 595.3) < 2, (w, h)  # A4 landscape, from @page
    assert wait_until(lambda: not marked(marker), 15), "browser or driver left running"


def test_one_printer_prints_several_pages_and_a_page_without_the_flag(tmp_path: Path) -> None:
    require_chromium()
    plain = write(tmp_path, "plain.html", "<!doctype html><p>no scripts at all</p>")
    late = write(tmp_path, "late.html", LATE)
    with PdfPrinter() as printer:
        assert printer.print_pdf(plain, tmp_path / "plain.pdf") is None
        assert printer.print_pdf(late, tmp_path / "late.pdf") is None
    assert "no scripts at all" in pdf_text(tmp_path / "plain.pdf")
    assert "drawn after load" in pdf_text(tmp_path / "late.pdf")


def test_a_page_that_fails_to_draw_gives_a_note_and_no_file(tmp_path: Path) -> None:
    require_chromium()
    html = write(
        tmp_path,
        "broken.html",
        '<!doctype html><body data-print-ready="0"><script>document.body.dataset.printReady = "failed";'
        "throw new Error('chart exploded');</script></body>",
    )
    with PdfPrinter() as printer:
        note = printer.print_pdf(html, tmp_path / "broken.pdf")
    assert note is not None and "failed to draw" in note and "chart exploded" in note, note
    assert not (tmp_path / "broken.pdf").exists()


def test_a_page_that_never_finishes_times_out_with_a_note(tmp_path: Path) -> None:
    require_chromium()
    html = write(tmp_path, "never.html", '<!doctype html><body data-print-ready="0"><p>waiting</p></body>')
    t0 = time.perf_counter()
    with PdfPrinter(ready_timeout_s=1.5) as printer:
        note = printer.print_pdf(html, tmp_path / "never.pdf")
    assert note is not None and "did not finish drawing in 1.5 s" in note, note
    assert not (tmp_path / "never.pdf").exists()
    assert time.perf_counter() - t0 < 60


def test_an_unwritable_pdf_gives_a_note(tmp_path: Path) -> None:
    require_chromium()
    html = write(tmp_path, "plain.html", "<!doctype html><p>x</p>")
    with PdfPrinter() as printer:
        note = printer.print_pdf(html, html / "x.pdf")  # "inside" a file: no folder can be made there
    assert note is not None and note.startswith("Chromium failed to print") and note.endswith("x.pdf skipped"), note


def test_without_chromium_the_note_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    with PdfPrinter() as printer:
        assert printer.print_pdf(tmp_path / "r.html", tmp_path / "r.pdf") == MISSING
    r = CliRunner().invoke(app, ["plan", "ukraine-2025", "--response-trials", "50", "--trials", "100",
                                 "--out", str(tmp_path / "out")])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Chromium is not installed" in r.output
    assert "pdf: " + MISSING in (tmp_path / "out" / "run.log").read_text()
    assert not (tmp_path / "out" / "report.pdf").exists()


def test_without_playwright_the_command_line_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_chromium()
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails: ImportError
    html = write(tmp_path, "plain.html", "<!doctype html><p>printed by the command line</p>")
    with PdfPrinter() as printer:
        assert printer.print_pdf(html, tmp_path / "plain.pdf") is None
    assert "printed by the command line" in pdf_text(tmp_path / "plain.pdf")


def test_an_exception_while_the_browser_starts_leaves_no_process(marker: str) -> None:
    require_chromium()
    with pytest.raises(KeyboardInterrupt), PdfPrinter():
        raise KeyboardInterrupt  # at once: the worker is still launching Chromium
    assert wait_until(lambda: not marked(marker), 15), "browser or driver left running"
    with pytest.raises(KeyboardInterrupt), PdfPrinter():
        assert wait_until(lambda: len(marked(marker)) >= 2, 60)
        raise KeyboardInterrupt  # once it runs
    assert wait_until(lambda: not marked(marker), 15), "browser or driver left running"


def test_a_plan_that_fails_before_the_report_leaves_no_process_and_no_output(
    tmp_path: Path, marker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_chromium()
    import forceplan.plan

    def broken(*args: object, **kwargs: object) -> None:
        assert wait_until(lambda: len(marked(marker)) >= 2, 60), "the browser did not start in the background"
        raise RuntimeError("the plan broke")

    monkeypatch.setattr(forceplan.plan, "run_plan", broken)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["plan", "ukraine-2025", "--out", str(out)])
    assert r.exit_code != 0 and isinstance(r.exception, RuntimeError)
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert wait_until(lambda: not marked(marker), 15), "browser or driver left running"


def test_ctrl_c_at_the_terminal_leaves_no_process_and_no_output(tmp_path: Path, marker: str) -> None:
    """SIGINT to the whole process group, as a terminal sends it, while the plan computes: exit 130, nothing left."""
    require_chromium()
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "FORCEPLAN_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "forceplan", "plan", "ukraine-2025", "--no-cache", "--out", str(out)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        started = wait_until(lambda: len(marked(marker)) >= 3, 60)  # the plan, the driver and Chromium
        assert started and proc.poll() is None, "the browser did not start while the plan computed"
        os.killpg(proc.pid, signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, output.decode()
    assert "Traceback" not in output.decode()
    assert not out.exists() and not list(tmp_path.glob(".out*")), "partial output left behind"
    assert wait_until(lambda: not marked(marker), 15), f"left running: {marked(marker)}"


def test_a_page_without_at_page_prints_as_the_command_line_printed_it(tmp_path: Path) -> None:
    """Paper and margins where the page sets none (the exploration's report): Chromium's command line's, pixel for
    pixel (Letter, 1 cm margins; Playwright alone would print with none)."""
    require_chromium()
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) not installed: PDF checks skipped")
    page = "<!doctype html><body style='margin:0'><div style='background:#000;height:9in'>x</div></body>"
    html = write(tmp_path, "edge.html", page)
    with PdfPrinter() as printer:
        assert printer.print_pdf(html, tmp_path / "pw.pdf") is None
    exe = pdf.find_chromium()
    assert exe is not None
    assert pdf.print_with_cli(exe, html, tmp_path / "cli.pdf") is None
    pictures = []
    for name in ("pw", "cli"):
        subprocess.run(["pdftoppm", "-r", "20", "-gray", "-f", "1", "-l", "1", str(tmp_path / f"{name}.pdf"),
                        str(tmp_path / name)], check=True)  # fmt: skip
        pictures.append(next(tmp_path.glob(f"{name}-*.pgm")).read_bytes())
    assert page_size_pt(tmp_path / "pw.pdf") == page_size_pt(tmp_path / "cli.pdf")
    assert pictures[0] == pictures[1]
