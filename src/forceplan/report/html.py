"""The plan report: one self-contained HTML page (Leaflet, milsymbol and plotly.js inlined; works offline)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from forceplan.engagement.stats import SKILL_SENTENCE
from forceplan.plan import PlanResult
from forceplan.report.assets import inline_script, read_asset, script_json
from forceplan.report.map import SIDC_BY_CAPABILITY, _base_countries, garrison_sidc
from forceplan.scenario import Scenario
from forceplan.scenario.parameters import PARAMETERS
from forceplan.stationing.geojson import laydown_geojson
from forceplan.timeline.result import Quantiles

__all__ = ["SIDC_BY_CAPABILITY", "render_report"]


def _q(q: Quantiles) -> str:
    if q.p50 is None:
        return "never"
    return f"{q.p50:.0f} ({q.p10:.0f}–{q.p90:.0f})" if q.p90 is not None else f"{q.p50:.0f} ({q.p10:.0f}–never)"


def chart_data(p: PlanResult) -> dict[str, Any]:
    fg, resp, ass = p.forcegen, p.response, p.assessment
    caps: dict[str, list[int]] = {}
    for s in fg.slots:
        r = caps.setdefault(s.capability, [0, 0])
        r[0] += s.required_units
        r[1] += s.filled_units
    gantt: dict[str, list[Any]] = {"label": [], "start": [], "span": [], "first50": [], "full50": []}
    for th in resp.threats:
        for c in th.options:
            if c.first_effect_h.p10 is None:
                continue
            end = c.full_power_h.p90 if c.full_power_h.p90 is not None else c.first_effect_h.p10
            gantt["label"].append(f"{th.threat} · {c.option}")
            gantt["start"].append(max(c.first_effect_h.p10, 0.5))
            gantt["span"].append(max(end - c.first_effect_h.p10, 0.5))
            gantt["first50"].append(c.first_effect_h.p50)
            gantt["full50"].append(c.full_power_h.p50)
    tornado = [
        {"threat": th.threat, "case": [s.case for s in th.sensitivity], "delta": [s.delta for s in th.sensitivity]}
        for th in ass.threats
    ]
    return {
        "fill": {
            "capability": list(caps),
            "required": [v[0] for v in caps.values()],
            "filled": [v[1] for v in caps.values()],
        },
        "burden": {
            "nation": [b.nation for b in fg.burden],
            "matched": [b.personnel_matched for b in fg.burden],
            "offered": [b.personnel_offered for b in fg.burden],
        },
        "readiness": {"day": [r.day for r in fg.readiness], "personnel": [r.personnel for r in fg.readiness]},
        "phases": {
            "name": [ph.name for ph in p.phases],
            "start": [ph.start_day for ph in p.phases],
            "length": [(ph.planned_end_day or ph.start_day + 90) - ph.start_day for ph in p.phases],
            "complete": [ph.earliest_complete_day for ph in p.phases],
        },
        "gantt": gantt,
        "prob": {
            "threat": [t.threat for t in ass.threats],
            "p": [t.p_reached.p for t in ass.threats],
            "plus": [t.p_reached.ci_high - t.p_reached.p for t in ass.threats],
            "minus": [t.p_reached.p - t.p_reached.ci_low for t in ass.threats],
        },
        "tornado": tornado,
        "power": [{"title": t.name, **t.paths.model_dump()} for t in ass.threats],
    }


def render_report(sc: Scenario, p: PlanResult) -> str:
    env = Environment(loader=PackageLoader("forceplan.report", "templates"), autoescape=select_autoescape(["j2"]))
    tpl = env.get_template("report.html.j2")
    here = Path(str(resources.files("forceplan.report")))
    st, fg = p.stationing, p.forcegen
    threat_rows = []
    cards = {th.threat: {c.option: c for c in th.options} for th in p.response.threats}
    for a in p.assessment.threats:
        c = cards.get(a.threat, {})
        threat_rows.append(
            {
                "name": a.name,
                "p": a.p_reached.p,
                "low": a.p_reached.ci_low,
                "high": a.p_reached.ci_high,
                "verdict": a.verdict,
                "in_theatre": _q(c["in_theatre"].first_effect_h) if "in_theatre" in c else "-",
                "stockpile": _q(c["stockpile_release"].first_effect_h) if "stockpile_release" in c else "-",
            }
        )
    used = {**{k: v for k, v in p.response.parameters.items()}, **p.assessment.parameters}
    assumptions = [(name, d, PARAMETERS[name].source if name in PARAMETERS else "") for name, d in sorted(used.items())]
    sidc = {g.site: garrison_sidc(sc, [x.model_dump() for x in g.placements]) for g in st.garrisons}
    return tpl.render(
        title=f"A reassurance force for Ukraine: the plan ({sc.name})",
        meta=p.meta,
        t=fg.totals,
        fg=fg,
        st=st,
        resp=p.response,
        ass=p.assessment,
        phases=p.phases,
        loc_km=p.line_of_contact_km,
        pct=lambda x: f"{100 * x:.0f} %",
        q=_q,
        shortfalls=sorted((s for s in fg.slots if s.shortfall_units), key=lambda s: -s.shortfall_units),
        covered=[c.name for c in st.coverage if c.covered],
        uncovered=[c for c in st.coverage if not c.covered],
        top_garrisons=sorted(st.garrisons, key=lambda g: -g.personnel)[:5],
        threat_rows=threat_rows,
        assumptions=assumptions,
        skill_sentence=SKILL_SENTENCE,
        leaflet_css=read_asset("leaflet.css"),
        leaflet_js=inline_script(read_asset("leaflet.js")),
        milsymbol_js=inline_script(read_asset("milsymbol.js")),
        plotly_js=inline_script(read_asset("plotly.min.js")),
        laydown_json=script_json(laydown_geojson(sc, st)),
        base_json=script_json(_base_countries()),
        sidc_json=script_json(sidc),
        report_json=script_json(chart_data(p)),
        map_js=inline_script((here / "map.js").read_text(encoding="utf-8")),
        report_js=inline_script((here / "report.js").read_text(encoding="utf-8")),
    )
