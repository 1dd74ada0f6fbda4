r"""Cost per nation and year of the force month by month, with rotations and, for comparison, stationed forward.

For a pledge p of capability c (rates from ``sustain.costs``) with u_m units matched in month m, m_p personnel
per unit:

    personnel  = Σ_m u_m m_p r_pers / 12
    operations = Σ_m u_m r_ops
    transport  = r_move Σ_m ( |u_m − u_{m−1}|  +  2 h_m )          (rotation)
    stationing = personnel + operations + Σ_m u_m m_p r_stat / 12
                 + r_setup Σ_m max(0, u_m − max_{k<m} u_k) + r_move Σ_m |u_m − u_{m−1}|

where h_m are the units handing over in month m (one unit out, one in). A capability without a rate is left
out and named.
"""

from __future__ import annotations

from collections import defaultdict

from forceplan.scenario import Scenario
from forceplan.scenario.sustain import CostRate
from forceplan.sustain.months import Month
from forceplan.sustain.result import NationCost, YearCost


def cost_rate(sc: Scenario, capability: str) -> CostRate | None:
    """The rate naming the capability, else the one naming none, else None."""
    for r in sc.sustain.costs:
        if capability in r.capabilities:
            return r
    return next((r for r in sc.sustain.costs if not r.capabilities), None)


def cost_force(sc: Scenario, months: list[Month], pledge_of: dict[str, tuple[str, str, int]]) -> list[NationCost]:
    """Cost rows per nation and year; ``pledge_of`` maps a pledge id to (nation, capability, personnel per unit)."""
    keys = ("person_years", "personnel", "operations", "transport", "stationing")
    acc: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: dict.fromkeys(keys, 0.0))
    uncosted: dict[tuple[str, int], set[str]] = defaultdict(set)
    prev: dict[str, int] = defaultdict(int)
    peak: dict[str, int] = defaultdict(int)
    for mo in months:
        year = (mo.month - 1) // 12 + 1
        units: dict[str, int] = defaultdict(int)
        for a in mo.fg.assignments:
            units[a.pledge] += a.units
        for pid in sorted(set(units) | {p for p, u in prev.items() if u}):
            nation, capability, ppu = pledge_of[pid]
            u = units.get(pid, 0)
            row = acc[(nation, year)]
            row["person_years"] += u * ppu / 12
            rate = cost_rate(sc, capability)
            change = abs(u - prev[pid])
            if rate is None:
                if u:
                    uncosted[(nation, year)].add(sc.capability(capability).name)
            else:
                pers = u * ppu * rate.personnel_usd_per_person_year / 12
                ops = u * rate.operations_usd_per_unit_month
                moves = change * rate.transport_usd_per_unit_move
                row["personnel"] += pers
                row["operations"] += ops
                row["transport"] += moves + 2 * mo.handovers.get(pid, 0) * rate.transport_usd_per_unit_move
                row["stationing"] += (
                    pers
                    + ops
                    + moves
                    + u * ppu * rate.stationing_usd_per_person_year / 12
                    + max(0, u - peak[pid]) * rate.stationing_setup_usd_per_unit
                )
            peak[pid] = max(peak[pid], u)
            prev[pid] = u
    nations = {n.iso3: n for n in sc.nations}
    out = []
    for (iso, year), r in sorted(acc.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        nat = nations.get(iso)
        total = r["personnel"] + r["operations"] + r["transport"]
        months_in_year = sum(1 for mo in months if (mo.month - 1) // 12 + 1 == year)
        out.append(
            NationCost(
                nation=iso,
                name=nat.name if nat else iso,
                year=year,
                person_years=round(r["person_years"], 3),
                personnel_usd=round(r["personnel"], 2),
                operations_usd=round(r["operations"], 2),
                transport_usd=round(r["transport"], 2),
                rotation_usd=round(total, 2),
                stationing_usd=round(r["stationing"], 2),
                usd_per_capita=round(total / (nat.population_millions * 1e6), 6) if nat else 0.0,
                share_of_gdp=total / (nat.gdp_usd_bn * 1e9) if nat else 0.0,
                personnel_per_million_population=round(
                    r["person_years"] * 12 / months_in_year / nat.population_millions, 3
                )
                if nat and months_in_year
                else 0.0,
                uncosted_capabilities=sorted(uncosted[(iso, year)]),
            )
        )
    return out


def cost_by_year(rows: list[NationCost]) -> list[YearCost]:
    years: dict[int, list[NationCost]] = defaultdict(list)
    for r in rows:
        years[r.year].append(r)
    return [
        YearCost(
            year=y,
            rotation_usd=round(sum(r.rotation_usd for r in rs), 2),
            stationing_usd=round(sum(r.stationing_usd for r in rs), 2),
        )
        for y, rs in sorted(years.items())
    ]
