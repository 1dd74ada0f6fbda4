"""The plan report: one self-contained HTML page (Leaflet, plotly.js and APP-6 symbols pre-rendered by milsymbol
inlined; works offline)."""

from __future__ import annotations

import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from forceplan.engagement.stats import OUTCOME_SKILL_SENTENCE
from forceplan.names import (
    OPTIONS,
    REASONS,
    case_words,
    field_label,
    label,
    reason_text,
    short_threat,
    what_if_words,
    when_text,
)
from forceplan.plan import PlanResult
from forceplan.report.assets import inline_script, read_asset, script_json
from forceplan.report.deterrence import deterrence_context
from forceplan.report.map import SIDC_BY_CAPABILITY, _base_countries, garrison_sidc, map_names, used_symbols
from forceplan.report.sustain_html import sustain_chart, sustain_context
from forceplan.scenario import Scenario, line_of_contact
from forceplan.scenario.model import Triangular
from forceplan.scenario.parameters import PARAMETERS, parameter
from forceplan.stationing.geojson import laydown_geojson
from forceplan.timeline.result import Quantiles

__all__ = ["SIDC_BY_CAPABILITY", "render_report"]


def _q(q: Quantiles) -> str:
    if q.p50 is None:
        return "never"
    return f"{q.p50:,.0f} ({q.p10:,.0f}–{q.p90:,.0f})" if q.p90 is not None else f"{q.p50:,.0f} ({q.p10:,.0f}–never)"


def chart_data(p: PlanResult, sc: Scenario | None = None) -> dict[str, Any]:
    """The charts' data, every category in words (capability and nation names, threats' short names)."""
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
            gantt["label"].append(f"{short_threat(th.name)} · {label('option', c.option).lower()}")
            gantt["start"].append(max(c.first_effect_h.p10, 0.5))
            gantt["span"].append(max(end - c.first_effect_h.p10, 0.5))
            gantt["first50"].append(c.first_effect_h.p50)
            gantt["full50"].append(c.full_power_h.p50)
    tornado = [
        {
            "threat": short_threat(th.name),
            "case": [s.case for s in th.sensitivity],
            "delta": [s.delta for s in th.sensitivity],
        }
        for th in ass.threats
    ]
    return {
        "fill": {
            "capability": [label("capability", c, sc) for c in caps],
            "required": [v[0] for v in caps.values()],
            "filled": [v[1] for v in caps.values()],
        },
        "burden": {
            "nation": [b.name or label("nation", b.nation, sc) for b in fg.burden],
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
            "threat": [short_threat(t.name) for t in ass.threats],
            "p": [t.p_reached.p for t in ass.threats],
            "plus": [t.p_reached.ci_high - t.p_reached.p for t in ass.threats],
            "minus": [t.p_reached.p - t.p_reached.ci_low for t in ass.threats],
        },
        "tornado": tornado,
        "power": [{"title": f"{short_threat(t.name)}: combat power", **t.paths.model_dump()} for t in ass.threats],
    }


OPTION_NAMES = tuple((k, v.lower()) for k, v in OPTIONS.items())
SHORTFALL_WORDS = {k: REASONS[k] for k in (
    "no_pledge", "without", "status", "notice", "window", "caveat", "used_elsewhere", "not_enough_units",
    "personnel_cap", "nation_share_cap",
)}  # fmt: skip
REASON_WORDS = {
    **{k: REASONS[k] for k in ("no_site", "capacity", "force_too_small", "occupied")},
    "used_elsewhere": "the units in reach guard more important sites",
}


def _shortfall_rows(sc: Scenario, p: PlanResult) -> list[dict[str, Any]]:
    """The shortfalls, largest first, each reason in words (slot, capability and caveat ids replaced by names)."""
    rows = []
    for s in sorted((s for s in p.forcegen.slots if s.shortfall_units), key=lambda s: -s.shortfall_units):
        reasons = [reason_text(x.code, x.detail, sc) for x in s.shortfall_reasons]
        rows.append({"slot": label("slot", s.slot, sc), "units": s.shortfall_units, "reasons": reasons})
    return rows


def _with_baseline(p: PlanResult, sc: Scenario) -> list[Any]:
    """The cases of a plan, the baseline first (empty when the plan has no cases), as people read them."""
    if not p.cases:
        return []
    from forceplan.plan import case_summary

    base = case_summary("baseline", p.forcegen, p.stationing, p.assessment)
    return [base, *(c.model_copy(update={"label": case_words(c.label, sc)}) for c in p.cases)]


def _short(name: str) -> str:
    """A threat's short name: its name up to the colon ('Zaporizhzhia axis')."""
    return name.split(":")[0]


def _when(card: Any) -> str:
    """When an option takes effect: first effect P50 (P10-P90), in hours or days."""
    return when_text(None if card is None else card.first_effect_h)


def css_string(text: str) -> str:
    """``text`` as the inside of a CSS string in a <style> element: quotes, backslashes, line ends and '<' escaped
    (so a scenario name can neither end the string nor the element)."""
    out = []
    for ch in text:
        if ch in '\\"<>&' or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return "".join(out)


def render_report(sc: Scenario, p: PlanResult) -> str:
    assumed = what_if_words(p.meta.without, p.meta.us_backstop, sc)
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
                "options": [_when(c.get(o)) for o, _ in OPTION_NAMES],
            }
        )
    cap_names = {c.id: c.name for c in sc.capabilities}
    countries = {
        f["properties"]["iso_a3"]: f["properties"]["name"]
        for f in _base_countries()["features"]
        if f["properties"].get("iso_a3") and f["properties"].get("name")
    }
    nation_names = countries | {n.iso3: n.name for n in sc.nations}
    shortfall_text = [
        f"{s.shortfall_units} × {cap_names.get(s.capability, s.capability)}"
        for s in sorted((s for s in fg.slots if s.shortfall_units), key=lambda s: -s.shortfall_units)
    ]
    by_country: dict[str, int] = {}
    for g in st.garrisons:
        by_country[g.country] = by_country.get(g.country, 0) + g.personnel
    host = sc.geography.country
    in_host = by_country.get(host, 0)
    outside = sorted(((k, v) for k, v in by_country.items() if k != host), key=lambda kv: -kv[1])
    host = nation_names.get(host, host)
    outside = [(nation_names.get(k, k), v) for k, v in outside]
    by_reason: dict[str, list[str]] = {}  # one reason, said once, after the sites it applies to
    for cov in st.coverage:
        if not cov.covered:
            by_reason.setdefault(REASON_WORDS.get(cov.reason or "", cov.reason or "not covered"), []).append(cov.name)
    not_covered = [f"{', '.join(names)} ({why})" for why, names in by_reason.items()]
    loc = line_of_contact(sc)
    occupied_sites = [
        s.name
        for s in sc.sites
        if s.kind.value in ("npp", "port", "city") and bool(loc.is_occupied(s.location[0], s.location[1]))
    ]
    delay = PARAMETERS["coalition_decision_delay_h"]
    d = parameter(sc, "coalition_decision_delay_h")
    delay_text = f"{d.mode:g} h (from {d.min:g} to {d.max:g} h)" if isinstance(d, Triangular) else f"{d.value:g} h"
    sources = [(src.id, src.citation) for src in sc.sources]
    used = {**{k: v for k, v in p.response.parameters.items()}, **p.assessment.parameters}
    # The Assumptions appendix keeps each parameter's key beside its name: it is what a scenario file sets.
    assumptions = [
        (field_label(name), name, d, PARAMETERS[name].source if name in PARAMETERS else "")
        for name, d in sorted(used.items(), key=lambda kv: field_label(kv[0]))
    ]
    sidc = {g.site: garrison_sidc(sc, [x.model_dump() for x in g.placements]) for g in st.garrisons}
    footer = f"{sc.name} · scenario sha256 {p.meta.scenario_digest[:12]} · {datetime.date.today().isoformat()}"
    return tpl.render(
        title=f"{sc.name}: the plan for a reassurance force" + (f" ({assumed})" if assumed else ""),
        footer_css=css_string(footer),
        shortfall_rows=_shortfall_rows(sc, p),
        nation_names=nation_names,
        names_json=script_json(map_names(sc)),
        report_date=datetime.date.today().isoformat(),
        meta=p.meta,
        without_names=[label("nation", n, sc) for n in p.meta.without],
        t=fg.totals,
        fg=fg,
        st=st,
        resp=p.response,
        ass=p.assessment,
        det=deterrence_context(p.assessment),
        phases=p.phases,
        loc_km=p.line_of_contact_km,
        pct=lambda x: f"{100 * x:.0f} %",
        q=_q,
        shortfalls=sorted((s for s in fg.slots if s.shortfall_units), key=lambda s: -s.shortfall_units),
        shortfall_text=shortfall_text,
        cap_names=cap_names,
        option_label=dict(OPTION_NAMES),
        cases=_with_baseline(p, sc),
        shortfall_words=SHORTFALL_WORDS,
        in_host=in_host,
        host=host,
        outside=outside,
        not_placed=max(0, fg.totals.personnel_matched - sum(by_country.values())),
        not_covered=not_covered,
        occupied_sites=occupied_sites,
        snapshot_date=sc.geography.snapshot_date,
        option_names=[name for _, name in OPTION_NAMES],
        delay_text=delay_text,
        delay_source=delay.source,
        sources=sources,
        covered=[c.name for c in st.coverage if c.covered],
        uncovered=[c for c in st.coverage if not c.covered],
        top_garrisons=sorted(st.garrisons, key=lambda g: -g.personnel)[:5],
        threat_rows=threat_rows,
        assumptions=assumptions,
        skill_sentence=OUTCOME_SKILL_SENTENCE,
        leaflet_css=read_asset("leaflet.css"),
        leaflet_js=inline_script(read_asset("leaflet.js")),
        symbols_json=script_json(used_symbols(sidc)),
        plotly_js=inline_script(read_asset("plotly-basic.min.js")),
        laydown_json=script_json(laydown_geojson(sc, st)),
        base_json=script_json(_base_countries()),
        sidc_json=script_json(sidc),
        report_json=script_json(chart_data(p, sc)),
        map_js=inline_script((here / "map.js").read_text(encoding="utf-8")),
        report_js=inline_script((here / "report.js").read_text(encoding="utf-8")),
        sustain_json=script_json(sustain_chart(p.sustain)) if p.sustain else "",
        sustain_js=inline_script((here / "sustain.js").read_text(encoding="utf-8")) if p.sustain else "",
        **(sustain_context(p.sustain) if p.sustain else {"sustain": None}),
    )
