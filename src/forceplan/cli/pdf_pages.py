"""The PDF printer's page: the report's libraries parsed, and compiled, before the report exists.

Of the work between "report.html written" and "report.pdf written", about a third was the page parsing the inlined
plotly.js (1.2 MB) and Leaflet (150 kB) and V8 compiling what the first chart and the map call (measured in
docs/benchmarks.md). None of it depends on the report, so while the plan computes the printer's page loads the same
two scripts (the exact text a report inlines, from the same package files) and draws a throw-away chart and map with
them. When the report arrives it is written into that page (``document.open``/``write``/``close``: the window, and
with it ``L`` and ``Plotly``, stays) with the two scripts left out, and the stylesheet plotly.js added to the head
when it loaded put back at the end of the head, where plotly.js put it. Everything else, the page's own scripts
included, runs as it does after a load; the printed pages are the same, pixel for pixel (a test compares them).

A page that does not inline both libraries exactly as a report does (another page, a report of another version) is
loaded with ``goto``, as is every page where the libraries failed to load.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

#: The libraries, in the order a report inlines them.
LIBRARIES = ("leaflet.js", "plotly-basic.min.js")

#: Set before the page's scripts run: the page is being printed (static charts, no mode bar).
PRINTING_JS = "window.forceplanPrinting = true;"

#: Writes a page into the page in a task of its own: the caller's wait for the ready flag has a timeout, which also
#: covers a page's script that never ends.
WRITE_JS = "(h) => { setTimeout(() => { document.open(); document.write(h); document.close(); }, 0); }"

#: The shell's last script says whether the libraries loaded.
SHELL_END = (
    "<script>document.body.dataset.libraries = String(typeof L !== 'undefined' && typeof Plotly !== 'undefined');"
    "</script>"
)
SHELL_LOADED_JS = "() => document.body !== null && document.body.dataset.libraries !== undefined"

#: The stylesheets in the head once the libraries have loaded (plotly.js adds its own), as CSS text.
LIBRARY_STYLES_JS = """() => [...document.head.querySelectorAll('style')].map((el) => ({
  id: el.id, css: [...el.sheet.cssRules].map((r) => r.cssText).join('\\n') }))"""

#: A chart and a map drawn and thrown away, so V8 has compiled what the report's first chart and map call (the chart
#: drawn to the end before it is removed: plotly.js finishes some of its drawing after newPlot returns).
WARM_JS = """async () => {
  const box = (w, h) => { const d = document.createElement('div'); d.style.width = w; d.style.height = h;
    document.body.appendChild(d); return d; };
  const chart = box('600px', '300px');
  await Plotly.newPlot(chart, [
    { type: 'bar', orientation: 'h', y: ['a', 'b'], x: [1, 2], error_x: { type: 'data', array: [1, 1] } },
    { type: 'scatter', mode: 'lines+markers', x: [0, 1], y: [0, 1], fill: 'tonexty' }],
    { title: { text: 'warm' }, yaxis: { automargin: true, tickmode: 'array', tickvals: ['a', 'b'] } },
    { staticPlot: true });
  Plotly.purge(chart); chart.remove();
  const el = box('400px', '300px');
  const map = L.map(el, { zoomSnap: 0.25 });
  const area = L.geoJSON({ type: 'Feature', properties: {}, geometry: { type: 'Polygon',
    coordinates: [[[30, 45], [35, 45], [35, 50], [30, 45]]] } }).addTo(map);
  L.marker([47, 32], { icon: L.divIcon({ html: '<svg width="8" height="8"></svg>' }) }).addTo(map);
  L.tooltip({ permanent: true }).setLatLng([48, 33]).setContent('warm').addTo(map);
  map.fitBounds(area.getBounds().pad(0.25));
  map.remove(); el.remove();
}"""


class PrintPage:
    """A Playwright page that has parsed the report's libraries (after :meth:`warm`) and writes reports into it.

    Parameters
    ----------
    page
        A fresh Playwright page.
    timeout_ms
        How long the libraries may take to load (milliseconds).
    """

    def __init__(self, page: Any, timeout_ms: float) -> None:
        self.page = page
        self.timeout_ms = timeout_ms
        self.scripts: tuple[str, ...] = ()
        self.styles = ""
        self.ok = False

    def warm(self, waited_for: Callable[[], bool] = lambda: False) -> None:
        """Load the libraries and draw with them once (not when ``waited_for()`` says a report is already waiting:
        the throw-away drawing would then only delay it); where anything fails, reports load with ``goto``."""
        try:
            from forceplan.report.assets import inline_script, read_asset

            self.scripts = tuple(inline_script(read_asset(name)) for name in LIBRARIES)
            # written into the first document, which add_init_script does not reach: the flag is set here
            shell = f'<!doctype html><html><head><meta charset="utf-8"><script>{PRINTING_JS}</script></head>'
            # data-print-ready="0": not ready until a page's body replaces the shell's
            self.page.evaluate(WRITE_JS, shell + '<body data-print-ready="0">' + "".join(self.scripts) + SHELL_END)
            self.page.wait_for_function(SHELL_LOADED_JS, timeout=self.timeout_ms)
            if self.page.evaluate("() => document.body.dataset.libraries") != "true":
                return
            styles = self.page.evaluate(LIBRARY_STYLES_JS)
            if not waited_for():
                self.page.evaluate(WARM_JS)
        except Exception:  # no assets, or the libraries fail in this Chromium: reports load as they come
            return
        self.styles = "".join(f'<style id="{s["id"]}">{s["css"]}</style>' for s in styles)
        self.ok = all(s["id"].replace("-", "").replace(".", "").isalnum() and "<" not in s["css"] for s in styles)

    def write(self, html: Path) -> bool:
        """Write the page at ``html`` into this page (its ready flag then says when it is drawn); False where it
        must be loaded with ``goto`` instead."""
        if not self.ok:
            return False
        try:
            text = without_scripts(html.read_text(encoding="utf-8"), self.scripts, self.styles)
        except (OSError, UnicodeDecodeError):
            return False
        if text is None:
            return False
        self.page.evaluate(WRITE_JS, text)
        return True


def without_scripts(text: str, scripts: tuple[str, ...], styles: str) -> str | None:
    """``text`` with ``scripts`` left out and ``styles`` at the end of its head; None where the page does not
    inline each script exactly once, in this order, after its head."""
    at = [text.find(script) for script in scripts]
    if not at or min(at) < 0 or at != sorted(at) or any(text.count(s) != 1 for s in scripts):
        return None
    head_end = text.find("</head>")
    if head_end < 0 or head_end > at[0]:
        return None
    for script in scripts:
        text = text.replace(script, "", 1)
    return text[:head_end] + styles + text[head_end:]
