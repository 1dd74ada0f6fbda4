"""Report benchmark: the bundled plan's report.html, its size and how fast it is visibly complete in headless
Chromium (map drawn and every chart rendered), from a local server on 127.0.0.1.

Targets: ≤ 2 MB and ≤ 2 s. Peer in the same run: the compare report (plain HTML, no scripts) on the same server,
which is what Chromium itself costs to start a page.

Run: ``.venv/bin/python benchmarks/report.py [--repeats 3]`` (needs Debian's chromium and Playwright).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import machine_line

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.browser import ARGS, CHROMIUM, serve  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    print("report benchmark: size and time to visibly complete in headless Chromium")
    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plan"
        fp = [sys.executable, "-m", "forceplan"]
        subprocess.run([*fp, "plan", "ukraine-2025", "--out", str(out), "--no-pdf"], check=True, capture_output=True)
        subprocess.run(
            [*fp, "compare", str(out), str(out), "--out", str(out / "cmp"), "--no-pdf"], check=True, capture_output=True
        )
        size = (out / "report.html").stat().st_size
        runs, peer = [], []
        with serve(out) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for _ in range(args.repeats + 1):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                t0 = time.perf_counter()
                page.goto(f"{base}/report.html", wait_until="load")
                page.wait_for_selector("#map[data-ready='1']", timeout=60_000)
                page.wait_for_function("document.body.dataset.charts !== undefined", timeout=60_000)
                runs.append(time.perf_counter() - t0)
                page.close()
                page = browser.new_page()
                t0 = time.perf_counter()
                page.goto(f"{base}/cmp/compare.html", wait_until="load")
                peer.append(time.perf_counter() - t0)
                page.close()
            browser.close()
    runs, peer = runs[1:], peer[1:]  # the first load warms the browser
    med = statistics.median(runs)
    print(f"report.html: {size / 1e6:.2f} MB (target ≤ 2 MB: {'met' if size <= 2e6 else 'NOT met'})")
    print("  loads: " + ", ".join(f"{x:.2f} s" for x in runs))
    print(
        f"median time to visibly complete: {med:.2f} s (target ≤ 2 s: {'met' if med <= 2 else 'NOT met'}); "
        f"plain compare page {statistics.median(peer):.3f} s: ratio {med / statistics.median(peer):.0f}×"
    )


if __name__ == "__main__":
    main()
