"""Printing a report to PDF in headless Chromium, with the browser started while the plan computes.

``forceplan plan`` spends most of a warm run (every stage read from the stage cache) printing the PDF, and a good
part of that printing is the browser starting. ``PdfPrinter`` starts Chromium through Playwright in a worker thread
as soon as the inputs are validated, so its start-up runs on the second core while the plan computes; when
report.html is written, the same thread loads it and prints. Playwright's sync API belongs to the thread that started
it, so launch, load, print and shut-down all happen in the worker; the caller hands it paths through a queue and
waits for the answer.

The printed document is the one the Chromium command line printed before (``--print-to-pdf``): the page laid out at
1,054 px, the printable width of A4 landscape (297 mm − 2 × 9 mm at 96 dpi), and in print media from the start, so
the map and charts are drawn in the boxes they print in (laid out on screen, the report keeps margins around its
body that it drops in print, and a chart drawn on screen was 64 px narrower than its printed box: plotly resizes a
chart only after a delay, too late for a print); the paper size and margins from the page's ``@page`` rule;
backgrounds printed; no Chromium header or footer (the report's own ``@page`` footer carries the scenario, digest,
ISO date and page numbers). The command-line fallback cannot choose the media: its charts keep the screen width.

A page that draws after it loads says so with ``<body data-print-ready="0">`` and sets the flag to ``"1"`` when its
charts and map are drawn, or to ``"failed"``; the printer waits for that (with a timeout), never a fixed sleep. A
page without the flag prints when it has loaded. Before the page's own scripts run the printer sets
``window.forceplanPrinting = true``, so the report draws its charts as static pictures (no mode bar, no event
handlers).

The page the printer keeps ready has parsed the report's libraries (plotly.js, Leaflet) before the report exists, and
the report is written into it rather than loaded (``forceplan.cli.pdf_pages``); a page that does not inline those
libraries as a report does is loaded with ``goto``.

Where Playwright is missing or cannot drive the installed Chromium, the Chromium command line prints as before.
Whatever happens (an error, Ctrl-C, a run that fails before the report), leaving the ``with`` block shuts the browser
and Playwright's driver down; a failed print leaves no file behind.
"""

from __future__ import annotations

import contextlib
import queue
import shutil
import subprocess
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from forceplan.cli import pdf_pages

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
MISSING = "Chromium is not installed (apt-get install chromium): report.pdf skipped"

#: The layout width and window height (px): the printable width of A4 landscape under the report's @page margins.
WIDTH_PX, HEIGHT_PX = 1054, 1400

#: Margins where the page sets none (Chromium's command line uses 1 cm; Playwright's default is none): an @page rule's
#: margins take precedence, as they did with the command line.
MARGINS = {side: "1cm" for side in ("top", "right", "bottom", "left")}

#: The page is ready to print: it has no ``data-print-ready`` flag, or the flag says its drawing is over.
READY_JS = "() => document.body !== null && document.body.dataset.printReady !== '0'"

#: Set before the page's scripts run: the page is being printed.
PRINTING_JS = pdf_pages.PRINTING_JS

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    """The first Chromium on PATH, or None."""
    return next((shutil.which(c) for c in CHROMIUM if shutil.which(c)), None)


def print_with_cli(exe: str, html: Path, pdf: Path, timeout_s: float = 180.0) -> str | None:
    """Print with Chromium's command line (the fallback where Playwright is unavailable); returns why not, or None."""
    cmd = [
        exe,
        "--headless",
        *ARGS,
        "--virtual-time-budget=15000",
        f"--window-size={WIDTH_PX},{HEIGHT_PX}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        html.resolve().as_uri(),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
    except OSError as exc:
        return f"Chromium could not be started ({exc.strerror or exc}): {pdf.name} skipped"
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            pdf.unlink(missing_ok=True)
        return f"Chromium took too long: {pdf.name} skipped"
    if proc.returncode != 0 or not pdf.exists():
        with contextlib.suppress(OSError):
            pdf.unlink(missing_ok=True)
        return f"Chromium failed to print ({proc.returncode}): {pdf.name} skipped"
    return None


class PdfPrinter:
    """Headless Chromium started in the background; ``print_pdf`` loads a page in it and prints it.

    Use as a context manager (``with PdfPrinter() as printer: ... printer.print_pdf(html, pdf)``): leaving the block,
    normally, by an error or by Ctrl-C, shuts the browser and its driver down.

    Parameters
    ----------
    ready_timeout_s
        How long a page may take to load, and then to draw, before its print is given up (seconds each).
    """

    def __init__(self, ready_timeout_s: float = 90.0) -> None:
        self.ready_timeout_s = ready_timeout_s
        self._jobs: queue.Queue[tuple[Path, Path] | None] = queue.Queue()
        self._answers: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._note: str | None = None

    def start(self) -> PdfPrinter:
        """Start the browser in a worker thread (returns at once); without Chromium, remember why not."""
        exe = find_chromium()
        if exe is None:
            self._note = MISSING
            return self
        self._thread = threading.Thread(target=self._work, args=(exe,), name="forceplan-pdf", daemon=True)
        self._thread.start()
        return self

    def __enter__(self) -> PdfPrinter:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def print_pdf(self, html: Path, pdf: Path) -> str | None:
        """Print ``html`` to ``pdf``; returns why not (the PDF is then absent), or None when written."""
        if self._thread is None:
            return self._note or "the PDF printer was not started"
        self._jobs.put((html.resolve(), pdf))
        while True:  # the worker answers every job; should it ever die, say so rather than wait for ever
            try:
                return self._answers.get(timeout=0.5)
            except queue.Empty:
                if not self._thread.is_alive():
                    return f"the PDF printer stopped unexpectedly: {pdf.name} skipped"

    def close(self, timeout_s: float = 30.0) -> None:
        """Shut the browser and its driver down and wait for the worker (at most ``timeout_s``)."""
        if self._thread is None:
            return
        self._jobs.put(None)
        self._thread.join(timeout_s)
        self._thread = None

    # The worker thread: everything Playwright happens here.

    def _work(self, exe: str) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            self._serve_cli(exe)
            return
        stopped = False
        job: tuple[Path, Path] | None = None  # taken from the queue and not yet answered
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=exe, headless=True, args=ARGS)
                try:
                    # ready before the report is: the plan is still computing
                    page: pdf_pages.PrintPage | None = self._ready_page(browser)
                    while (job := self._jobs.get()) is not None:
                        page = page or self._ready_page(browser)
                        answer = self._print_one(page, *job)
                        job = None
                        self._answers.put(answer)
                        page.page.close()
                        page = None
                    stopped = True
                finally:
                    with contextlib.suppress(Exception):
                        browser.close()
        except Exception:  # Playwright cannot drive this Chromium, or its driver died: the command line prints
            if job is not None:
                self._answers.put(print_with_cli(exe, *job))
            if not stopped:
                self._serve_cli(exe)

    def _serve_cli(self, exe: str) -> None:
        while (job := self._jobs.get()) is not None:
            self._answers.put(print_with_cli(exe, *job))

    @staticmethod
    def _new_page(browser: Any) -> Any:
        """A page laid out as it prints: the printable width, print media (the report's print stylesheet: no margins
        around ``main``), the printing flag set before the page's scripts run."""
        page = browser.new_page(viewport={"width": WIDTH_PX, "height": HEIGHT_PX})
        page.emulate_media(media="print")
        page.add_init_script(PRINTING_JS)
        return page

    def _ready_page(self, browser: Any) -> pdf_pages.PrintPage:
        """A new page with the report's libraries loaded (where they load)."""
        page = pdf_pages.PrintPage(self._new_page(browser), self.ready_timeout_s * 1000)
        page.warm(waited_for=lambda: not self._jobs.empty())
        return page

    def _print_one(self, ready: pdf_pages.PrintPage, html: Path, pdf: Path) -> str | None:
        """Load, wait for the drawing, print; an answer whatever happens (the PDF removed unless it is whole)."""
        from playwright.sync_api import TimeoutError

        timeout_ms = self.ready_timeout_s * 1000
        errors: list[str] = []
        page = ready.page
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            if not ready.write(html):
                page.goto(html.as_uri(), wait_until="load", timeout=timeout_ms)
            try:
                page.wait_for_function(READY_JS, timeout=timeout_ms)
            except TimeoutError:
                return f"the page did not finish drawing in {self.ready_timeout_s:g} s: {pdf.name} skipped"
            if page.evaluate("() => document.body.dataset.printReady") == "failed":
                why = f" ({errors[0].splitlines()[0]})" if errors else ""
                return f"the page's charts or map failed to draw{why}: {pdf.name} skipped"
            page.pdf(
                path=str(pdf),
                prefer_css_page_size=True,
                print_background=True,
                display_header_footer=False,
                margin=MARGINS,
            )
        except Exception as exc:  # a Playwright error, an unwritable file: the caller always gets an answer
            with contextlib.suppress(OSError):
                pdf.unlink(missing_ok=True)
            reason = (str(exc).strip().splitlines() or ["no reason given"])[0]
            return f"Chromium failed to print ({reason}): {pdf.name} skipped"
        return None


def print_pdf(html: Path, pdf: Path) -> str | None:
    """Print one page to PDF, starting and stopping a browser for it; returns why not, or None when written."""
    with PdfPrinter() as printer:
        return printer.print_pdf(html, pdf)
