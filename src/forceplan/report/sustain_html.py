"""The report's section "Can it be sustained?": chart data and the words of its tables."""

from __future__ import annotations

from typing import Any

from forceplan.sustain import SustainResult
from forceplan.sustain.requests import month_ranges

TOP_NATIONS = 8


def money(usd: float) -> str:
    """US dollars as $1.23bn, $45.6M, $789k or $0 (under $500: never "$0k")."""
    if abs(usd) < 500:
        return "$0"
    if abs(usd) >= 1e9:
        return f"${usd / 1e9:.2f}bn"
    if abs(usd) >= 1e6:
        return f"${usd / 1e6:.1f}M"
    return f"${usd / 1e3:.0f}k"


def sustain_chart(r: SustainResult) -> dict[str, Any]:
    """Month-by-month personnel required and deployed, the gap between them, and the handover months."""
    return {
        "month": [m.month for m in r.months],
        "required": [m.personnel_required for m in r.months],
        "deployed": [m.personnel_deployed for m in r.months],
        "handover": [m.month for m in r.months if m.handover],
        "handover_deployed": [m.personnel_deployed for m in r.months if m.handover],
    }


def sustain_context(r: SustainResult) -> dict[str, Any]:
    """What the template shows: pools running out first, cost per nation and year, the top requests."""
    years = sorted({c.year for c in r.costs})
    by_nation: dict[str, dict[int, float]] = {}
    names: dict[str, str] = {}
    for c in r.costs:
        by_nation.setdefault(c.nation, {})[c.year] = c.rotation_usd
        names[c.nation] = c.name
    first_year = {c.nation: c for c in r.costs if c.year == 1}
    cost_rows = [
        {
            "name": names[n],
            "years": [money(v.get(y, 0.0)) for y in years],
            "per_capita": f"${first_year[n].usd_per_capita:.2f}" if n in first_year else "-",
            "gdp": f"{100 * first_year[n].share_of_gdp:.3f} %" if n in first_year else "-",
            "per_million": f"{first_year[n].personnel_per_million_population:.0f}" if n in first_year else "-",
        }
        for n, v in sorted(by_nation.items(), key=lambda kv: -sum(kv[1].values()))
        if sum(v.values()) > 0
    ]
    uncosted = sorted({x for c in r.costs for x in c.uncosted_capabilities})
    return {
        "sustain": r,
        "sustain_years": years,
        "sustain_money": money,
        "sustain_running_out": [n for n in r.nations if n.runs_out_month is not None][:TOP_NATIONS],
        "sustain_cost_rows": cost_rows,
        "sustain_uncosted": uncosted,
        "sustain_requests": [(q, month_ranges(q.months)) for q in r.requests[:5]],
        "sustain_handover": r.handover_assessment,
    }
