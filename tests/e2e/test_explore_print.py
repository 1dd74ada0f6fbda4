"""The exploration's PDF prints on A4 (landscape, like the plan's report) and every table fits the page: printed by
the same printer as ``forceplan explore --pdf`` from a page with the widest content an exploration makes (twelve
policies with long names, every uncertainty, a PRIM box, Sobol charts, requests). Checked three ways: the PDF's
page size; the boxes of every table, row and cell measured in Chromium laid out for print at the printable width
the PDF's paper leaves; and every row's right-most number found in the PDF's text inside the printable area (where a
cut table lost it). Pictures of every page are kept in tests/artifacts/ (explore-print-page-*.png)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from forceplan.explore.analysis import prim_box, robustness, sobol_indices
from forceplan.explore.experiments import policy_label
from forceplan.explore.space import describe_policy, policies, sample, uncertainties
from forceplan.report.explore_html import render_explore
from forceplan.scenario import Scenario
from tests.e2e.browser import ARTIFACTS, open_page, require_chromium

pytestmark = pytest.mark.e2e

#: The margins of the exploration page's @page rule (mm).
SIDE_MM, BOTTOM_MM = 9.0, 12.0
PX_PER_MM = 96 / 25.4


def page_size_mm(pdf: Path) -> tuple[float, float]:
    """The first page's size (mm) as poppler's pdfinfo reads it."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    m = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert m is not None, info
    return float(m.group(1)) * 25.4 / 72, float(m.group(2)) * 25.4 / 72


def widest_exploration(sc: Scenario) -> tuple[dict[str, Any], dict[str, list], dict[str, Any], list[dict[str, str]]]:
    """Meta, table, summary and policies of an exploration with as much to print as one makes: 3 postures × 2
    personnel caps × with and without the US backstop (12 policies, the longest names), every uncertainty, a
    narrowing PRIM box, Sobol indices for each policy, three requests."""
    us = uncertainties(sc)
    pols = policies({"posture": ("reassurance", "tripwire", "forward"), "personnel_cap": (30_000, 100_000),
                     "us_backstop": (False, True), "strikes_into_aggressor": (True,)})  # fmt: skip
    labels = [policy_label(p) for p in pols]
    rng = np.random.default_rng(4)
    x = sample(us, "sobol", 4, seed=4)  # 4 × (D + 2) futures
    n = len(x)
    cols: dict[str, list] = {"status": [], "kind": [], "policy": [], "personnel_matched": [], "p_worst": [],
                             "future": [], **{u.name: [] for u in us}}  # fmt: skip
    for j, row in enumerate(x):
        for k, lab in enumerate(labels):
            cols["status"].append("ok")
            cols["kind"].append("experiment")
            cols["policy"].append(lab)
            cols["future"].append(j)
            cols["personnel_matched"].append(int(20_000 + 1_000 * k + rng.integers(0, 5_000)))
            cols["p_worst"].append(float(np.clip(0.3 + 0.3 * (row[0] > 1.1) + 0.02 * k + rng.normal(0, 0.05), 0, 1)))
            for u, v in zip(us, row, strict=True):
                cols[u.name].append(float(v))
    rows = [{"future": f, "policy": p, "p_worst": v} for f, p, v in zip(cols["future"], cols["policy"],
                                                                      cols["p_worst"], strict=True)]  # fmt: skip
    prim, sobol = {}, {}
    for lab in labels:
        idx = [i for i, p in enumerate(cols["policy"]) if p == lab]
        y = np.array([cols["p_worst"][i] for i in idx])
        xs = {u.name: np.array([cols[u.name][i] for i in idx]) for u in us}
        prim[lab] = prim_box(xs, y > 0.5, bounds={u.name: (u.low, u.high) for u in us})
        sobol[lab] = sobol_indices(us, y, seed=4)
    asks = [{"capability": c.id, "ask": f"+1 {c.name} at ≤ 7 days' notice", "personnel": 550,
             "p_worst_reduction": 0.012, "reduction_per_1000_personnel": 0.0218, "standard_error": 0.01,
             "distinguishable": False, "futures": 8} for c in sc.capabilities[:3]]  # fmt: skip
    summary = {"threshold": 0.5, "robustness": robustness(rows, 0.5), "prim": prim, "sobol": sobol, "asks": asks,
               "asks_method": "one-step marginal analysis: each request alone added to the first policy"}  # fmt: skip
    meta = {"scenario": sc.name, "scenario_digest": "a" * 64, "design": "sobol", "futures": n,
            "policies": len(pols), "experiments": n * len(pols), "asks": 24, "trials": 1000, "response_trials": 200,
            "seed": 4, "workers": 2, "failed": 0, "forceplan_version": "0"}  # fmt: skip
    described = [{"label": lab, "description": describe_policy(p)} for lab, p in zip(labels, pols, strict=True)]
    return meta, cols, summary, described


@pytest.fixture(scope="module")
def printed(bundled: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_chromium()
    if any(shutil.which(tool) is None for tool in ("pdftoppm", "pdfinfo", "pdftotext")):
        pytest.skip("poppler-utils (pdftoppm, pdfinfo, pdftotext) not installed: PDF checks skipped")
    from forceplan.cli.plan_cmd import print_pdf  # what forceplan explore --pdf calls

    out = tmp_path_factory.mktemp("explore-print")
    meta, cols, summary, described = widest_exploration(bundled)
    html = render_explore(f"{bundled.name}: which force deters across what we do not know", meta, cols, summary,
                          sc=bundled, policies=described, uncertainties=uncertainties(bundled))  # fmt: skip
    (out / "explore.html").write_text(html, encoding="utf-8")
    note = print_pdf(out / "explore.html", out / "explore.pdf")
    assert note is None, note
    return out


def test_the_pdf_is_a4_landscape(printed: Path) -> None:
    w, h = page_size_mm(printed / "explore.pdf")
    assert (round(w), round(h)) == (297, 210), f"page {w:.1f} × {h:.1f} mm, not A4 landscape"


def test_no_table_runs_past_the_printable_width(printed: Path) -> None:
    """Laid out for print at the width the PDF's paper leaves inside the page's side margins, every table, row,
    cell and every other element ends inside it, and no table scrolls sideways."""
    w_mm, _ = page_size_mm(printed / "explore.pdf")
    width = int((w_mm - 2 * SIDE_MM) * PX_PER_MM)
    with open_page(printed, "explore.html", width=width, height=1400) as (page, report):
        page.wait_for_function("document.body.dataset.printReady !== '0'", timeout=60_000)
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        page.wait_for_timeout(300)
        boxes = page.evaluate(
            """() => {
              const edge = document.documentElement.clientWidth;
              const name = (el) => el.tagName.toLowerCase()
               + (typeof el.className === 'string' && el.className ? '.' + el.classList.value.replaceAll(' ', '.') : '')
                + ' ' + (el.textContent || '').trim().slice(0, 40);
              // Inside a chart only the chart's own box and its pictures count (plotly's clip paths and hidden
              // layers reach past them by design; they are not drawn).
              const counted = (el) => !el.closest('.chart') || el.matches('.chart, svg.main-svg');
              const over = [...document.body.querySelectorAll('*')].filter(counted).filter((el) => {
                const r = el.getBoundingClientRect();
                return r.width > 0 && r.right > edge + 0.5;
              }).map(name);
              const scrolled = [...document.querySelectorAll('table')].filter((t) => t.scrollWidth > t.clientWidth + 1)
                .map(name);
              const tables = [...document.querySelectorAll('table')].map((t) => t.getBoundingClientRect().right);
              return {edge, over, scrolled, tables, page: document.documentElement.scrollWidth,
                      state: document.body.dataset.printReady};
            }"""
        )
    assert boxes["edge"] == width and len(boxes["tables"]) >= 4
    assert boxes["over"] == [], f"past the printable width ({width} px): {boxes['over'][:10]}"
    assert boxes["scrolled"] == [] and boxes["page"] <= width
    assert max(boxes["tables"]) <= width
    assert report.page_errors == [] and boxes["state"] == "1", (report.page_errors, boxes["state"])


def test_every_tables_last_column_is_printed_inside_the_printable_area(printed: Path) -> None:
    """The right-most number of every table row (a number never wraps) is in the PDF's text inside the printable
    area: a table cut at the page's edge loses it there (the page clips what runs past its content box)."""
    pdf = printed / "explore.pdf"
    w_mm, h_mm = page_size_mm(pdf)
    with open_page(printed, "explore.html", width=int((w_mm - 2 * SIDE_MM) * PX_PER_MM)) as (page, _):
        last = page.evaluate(
            """() => [...document.querySelectorAll('tr')].map((tr) => tr.lastElementChild)
                 .filter((c) => c && c.matches('td.num')).map((c) => c.textContent.trim())"""
        )
    assert len(last) >= 12
    pt_per_mm = 72 / 25.4
    crop = ["-x", "0", "-y", "0", "-W", str(int((w_mm - SIDE_MM) * pt_per_mm)), "-H", str(int(h_mm * pt_per_mm))]
    text = subprocess.run(["pdftotext", *crop, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = " ".join(text.split())
    missing = sorted({t for t in last if " ".join(t.split()) not in words})
    assert missing == [], f"cut at the page's edge: {missing[:10]}"
    assert "Tripwire, cap 30,000, US backstop" in words and "us backstop" not in words  # names as written
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("explore-print-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / "explore-print-page")], check=True)
