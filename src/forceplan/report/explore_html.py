"""The exploration report: one self-contained HTML page (Plotly inlined from the npm build; no network) with the
trade-off of every experiment, robustness per policy, PRIM boxes, the tornado of Sobol indices and the top
capability requests."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from forceplan.report.assets import inline_script, read_asset, script_json


def render_explore(title: str, meta: dict[str, Any], cols: dict[str, list], summary: dict[str, Any]) -> str:
    ok = [i for i, s in enumerate(cols["status"]) if s == "ok" and cols["kind"][i] == "experiment"]
    by_policy: dict[str, dict[str, list]] = {}
    for i in ok:
        d = by_policy.setdefault(cols["policy"][i], {"x": [], "y": [], "future": []})
        d["x"].append(cols["personnel_matched"][i])
        d["y"].append(round(cols["p_worst"][i], 4))
        d["future"].append(cols["future"][i])
    data = {"tradeoff": by_policy, "sobol": summary.get("sobol", {}), "threshold": summary["threshold"]}
    env = Environment(loader=PackageLoader("forceplan.report", "templates"), autoescape=select_autoescape(["j2"]))
    return env.get_template("explore.html.j2").render(
        title=title,
        meta=meta,
        summary=summary,
        plotly=inline_script(read_asset("plotly-basic.min.js")),
        data=script_json(data),
        json=json,
    )
