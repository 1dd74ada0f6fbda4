"""The exploration report: one self-contained HTML page (Plotly inlined from the npm build; no network) that a
planner can act on: each posture and each uncertainty described in words, the robustness comparison with its
uncertainty (Wilson intervals on the share of futures), the PRIM box only where it narrows the space, Sobol indices
when run, and the ranked requests to nations in plain language. Uncertainties are named, never shown by key."""

from __future__ import annotations

import datetime
import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from forceplan.names import label
from forceplan.report.assets import inline_script, read_asset, script_json
from forceplan.report.html import css_string
from forceplan.scenario import Scenario

DESIGN_WORDS = {
    "lhs": "a Latin hypercube: each range cut into as many equal slices as there are futures, each slice used once",
    "sobol": "Saltelli's scheme on a Sobol sequence, for variance-based (Sobol) indices",
    "full": "every corner of the space and its centre",
}


def first_upper(text: str) -> str:
    """``text`` with its first letter upper case and the rest as written (Jinja's ``capitalize`` lowers the rest:
    "US backstop" became "us backstop")."""
    return text[:1].upper() + text[1:]


def _overlap(rows: list[dict[str, Any]]) -> bool:
    """Whether every pair of policies' intervals on the share of futures overlaps (the design cannot rank them)."""
    lows = [r.get("share_ci_low", 0.0) for r in rows]
    highs = [r.get("share_ci_high", 1.0) for r in rows]
    return bool(rows) and max(lows) <= min(highs)


def ask_sentences(summary: dict[str, Any]) -> list[str]:
    """The ranked requests to nations in plain language (the page and the console say the same)."""
    out = []
    for a in summary.get("asks", []):
        pts = 100 * a["p_worst_reduction"]
        ci = 200 * (a.get("standard_error") or 0)
        verb = "lowers" if pts >= 0 else "raises"
        text = (
            f"{a['ask']}: {verb} the worst threat's chance by {abs(pts):.1f} points (± {ci:.1f}), "
            f"{abs(100 * a['reduction_per_1000_personnel']):.1f} points per 1,000 personnel"
        )
        if not a["distinguishable"]:
            text += "; with these futures this cannot be told from no change"
        out.append(text)
    return out


def _prim_charts(
    cols: dict[str, list], summary: dict[str, Any], ok: list[int], names: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Per policy whose PRIM box narrows the space: its futures on the two uncertainties the box narrows most (or
    on the one it narrows and the worst threat's chance), failing or not, and the box's limits on those axes."""
    out: dict[str, dict[str, Any]] = {}
    threshold = summary["threshold"]
    for pol, box in summary.get("prim", {}).items():
        if not box or not box.get("narrows"):
            continue
        dims = sorted(box["narrowed"], key=lambda n: box["narrowed"][n]["share_of_range"])[:2]
        idx = [i for i in ok if cols["policy"][i] == pol]
        if not idx or any(d not in cols for d in dims):
            continue
        x = [float(cols[dims[0]][i]) for i in idx]
        if len(dims) > 1:
            y, y_name, y_lim = (
                [float(cols[dims[1]][i]) for i in idx],
                names.get(dims[1], dims[1]),
                box["narrowed"][dims[1]],
            )
        else:
            y, y_name, y_lim = [float(cols["p_worst"][i]) for i in idx], "worst threat's chance", None
        out[pol] = {
            "x": x, "y": y, "fails": [bool(cols["p_worst"][i] > threshold) for i in idx],
            "x_name": names.get(dims[0], dims[0]), "y_name": y_name,
            "x_lim": box["narrowed"][dims[0]], "y_lim": y_lim,
        }  # fmt: skip
    return out


def render_explore(
    title: str,
    meta: dict[str, Any],
    cols: dict[str, list],
    summary: dict[str, Any],
    sc: Scenario | None = None,
    policies: list[dict[str, str]] | None = None,
    uncertainties: list[Any] | None = None,
) -> str:
    """``policies``: each explored policy's label and description; ``uncertainties``: the design's ranges
    (forceplan.explore.space.Uncertainty), described in words on the page."""
    ok = [i for i, s in enumerate(cols["status"]) if s == "ok" and cols["kind"][i] == "experiment"]
    by_policy: dict[str, dict[str, list]] = {}
    for i in ok:
        d = by_policy.setdefault(cols["policy"][i], {"x": [], "y": [], "future": []})
        d["x"].append(cols["personnel_matched"][i])
        d["y"].append(round(cols["p_worst"][i], 4))
        d["future"].append(cols["future"][i])
    names = {u.name: label("uncertainty", u.name, sc) for u in uncertainties or []}
    for box in summary.get("prim", {}).values():
        for n in (box or {}).get("limits", {}):
            names.setdefault(n, label("uncertainty", n, sc))
    for rows in summary.get("sobol", {}).values():
        for r in rows:
            names.setdefault(r["uncertainty"], label("uncertainty", r["uncertainty"], sc))
    data = {
        "prim": _prim_charts(cols, summary, ok, names),
        "tradeoff": by_policy,
        "sobol": summary.get("sobol", {}),
        "threshold": summary["threshold"],
        "names": names,
    }
    meta = {**meta, "design_words": DESIGN_WORDS.get(str(meta.get("design")), str(meta.get("design")))}
    footer = f"{meta.get('scenario', '')} · scenario sha256 {str(meta.get('scenario_digest', ''))[:12]} · "
    footer += datetime.date.today().isoformat()
    env = Environment(loader=PackageLoader("forceplan.report", "templates"), autoescape=select_autoescape(["j2"]))
    env.filters["first_upper"] = first_upper
    return env.get_template("explore.html.j2").render(
        title=title,
        footer_css=css_string(footer),
        meta=meta,
        summary=summary,
        policies=policies or [],
        uncertainties=[
            {"name": names.get(u.name, u.name), "low": u.low, "high": u.high, "unit": u.unit, "text": u.description}
            for u in uncertainties or []
        ],
        names=names,
        overlap=_overlap(summary.get("robustness", [])),
        asks=ask_sentences(summary),
        plotly=inline_script(read_asset("plotly-basic.min.js")),
        data=script_json(data),
        json=json,
    )
