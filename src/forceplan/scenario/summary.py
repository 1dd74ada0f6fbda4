"""A plain summary of a scenario: counts, personnel by status, requirement, sites, threats, line length."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from forceplan.scenario.checks import line_of_contact
from forceplan.scenario.model import STATUS_ORDER, PledgeStatus, Scenario


@dataclass(frozen=True)
class ScenarioSummary:
    name: str
    nations: int
    contributing_nations: int
    pledges: int
    personnel_by_status: dict[str, int]
    personnel_offered: int
    slots: int
    units_required: int
    personnel_required: int
    max_personnel: int
    sites_by_kind: dict[str, int]
    stations: int
    protected_sites: int
    occupied_sites: list[str]
    threats: list[tuple[str, str]]
    phases: list[tuple[str, float | None]]
    line_of_contact_km: float
    standoff_km: float
    backstop_assumed: bool
    illustrative: str | None
    materiel_items: int = 0
    notes: list[str] = field(default_factory=list)


def summarise_scenario(sc: Scenario) -> ScenarioSummary:
    """Counts and totals that describe a scenario at a glance (personnel in persons, lengths in km)."""
    by_status: Counter[str] = Counter({s.value: 0 for s in (*STATUS_ORDER, PledgeStatus.withdrawn)})
    for p in sc.pledges:
        by_status[p.status.value] += p.quantity * p.personnel_per_unit
    offered = sum(v for k, v in by_status.items() if k != PledgeStatus.withdrawn.value)
    caps = {c.id: c for c in sc.capabilities}
    units = sum(s.quantity for s in sc.requirement.slots)
    personnel = sum(s.quantity * caps[s.capability].personnel_per_unit for s in sc.requirement.slots)
    loc = line_of_contact(sc)
    occupied: Any = (
        loc.is_occupied([s.location[0] for s in sc.sites], [s.location[1] for s in sc.sites]) if sc.sites else []
    )
    return ScenarioSummary(
        name=sc.name,
        nations=len(sc.nations),
        contributing_nations=len({p.nation for p in sc.pledges if p.status is not PledgeStatus.withdrawn}),
        pledges=len(sc.pledges),
        personnel_by_status=dict(by_status),
        personnel_offered=offered,
        slots=len(sc.requirement.slots),
        units_required=units,
        personnel_required=personnel,
        max_personnel=sc.requirement.max_personnel,
        sites_by_kind=dict(Counter(s.kind.value for s in sc.sites)),
        stations=sum(s.station for s in sc.sites),
        protected_sites=sum(s.protection is not None for s in sc.sites),
        occupied_sites=[s.id for s, occ in zip(sc.sites, occupied, strict=True) if occ],
        threats=[(t.id, t.name) for t in sc.threats],
        phases=[(p.name, p.duration_days) for p in sc.phases],
        line_of_contact_km=loc.length_km,
        standoff_km=sc.geography.standoff_km,
        backstop_assumed=sc.backstop.assumed,
        illustrative=sc.illustrative,
        materiel_items=sum(m.quantity for m in sc.materiel),
    )
