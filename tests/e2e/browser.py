"""Helpers to open a page in real headless Chromium (Debian's), served from 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from forceplan.cli.pdf import ARGS as PRINTER_ARGS

CHROMIUM = "/usr/bin/chromium"
ARGS = [*PRINTER_ARGS, "--disable-quic"]
"""The report printer's Chromium flags, and no QUIC (the tests watch every request the page makes)."""
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def require_chromium() -> None:
    """Skip, with a visible reason, where Debian's chromium or Playwright is missing."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (apt-get install chromium): real-browser test skipped")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed: real-browser test skipped")


@dataclass
class PageReport:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def outside_localhost(self) -> list[str]:
        out = []
        for url in self.requests:
            u = urlparse(url)
            if u.scheme in ("data", "blob", "about"):
                continue
            if u.hostname not in ("127.0.0.1", "localhost"):
                out.append(url)
        return out


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def open_page(folder: Path, name: str, width: int = 1400, height: int = 900) -> Iterator[tuple[object, PageReport]]:
    """Open ``folder/name`` in headless Chromium; yields (page, report of console errors and requests)."""
    from playwright.sync_api import sync_playwright

    report = PageReport()
    with serve(folder) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("console", lambda m: report.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: report.page_errors.append(str(e)))
            page.on("request", lambda r: report.requests.append(r.url))
            page.goto(f"{base}/{name}", wait_until="load")
            yield page, report
        finally:
            browser.close()


#: The map's name labels (threat axes, cities, countries and seas: the placed labels, and the permanent tooltips that
#: carried them before) and its garrison symbols, as boxes in the window (px).
MAP_LABELS_JS = """() => {
  const sel = '.map-label, .leaflet-tooltip.axis-label, .leaflet-tooltip.city-label, .leaflet-tooltip.country-label';
  const box = (el) => { const r = el.getBoundingClientRect(); return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const labels = [...document.querySelectorAll(sel)].map((el) => ({text: el.textContent,
    kind: ['axis-label', 'city-label', 'country-label'].find((c) => el.classList.contains(c)),
    shown: getComputedStyle(el).display !== 'none' && el.getBoundingClientRect().width > 0, ...box(el)}));
  return {labels, symbols: [...document.querySelectorAll('.ms-icon svg')].map(box)};
}"""


def map_label_clashes(seen: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The shown labels (from :data:`MAP_LABELS_JS`) that overlap another shown label or a garrison symbol (by more
    than half a pixel each way)."""

    def clash(a: dict[str, Any], b: dict[str, Any]) -> bool:
        return min(a["r"], b["r"]) - max(a["l"], b["l"]) > 0.5 and min(a["b"], b["b"]) - max(a["t"], b["t"]) > 0.5

    shown = [x for x in seen["labels"] if x["shown"]]
    out = [f"{a['text']!r} overlaps {b['text']!r}" for i, a in enumerate(shown) for b in shown[i + 1 :] if clash(a, b)]
    out += [f"{a['text']!r} covers a garrison symbol" for a in shown for s in seen["symbols"] if clash(a, s)]
    return out
