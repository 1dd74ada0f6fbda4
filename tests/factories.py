"""Small hand-checkable scenarios built in code, on the bundled geography."""

from __future__ import annotations

from typing import Any

from forceplan.scenario import Scenario, load_scenario
from forceplan.scenario.model import (
    Backstop,
    Capability,
    Caveats,
    Nation,
    Phase,
    Pledge,
    Requirement,
    Slot,
)

_GEO = None


def geography() -> Any:
    global _GEO
    if _GEO is None:
        _GEO = load_scenario("ukraine-2025").geography
    return _GEO


def nation(iso3: str, pop: float = 10.0, gdp: float = 100.0) -> Nation:
    return Nation(iso3=iso3, name=iso3, population_millions=pop, gdp_usd_bn=gdp, gdp_year=2024)


def capability(cid: str = "inf", personnel: int = 500, power: float = 1.0, domain: str = "land") -> Capability:
    return Capability(
        id=cid,
        name=cid,
        domain=domain,
        personnel_per_unit=personnel,
        combat_power_per_unit=power,
        road_march_kmh=30,
        strategic_move="road",
    )


def pledge(
    pid: str,
    nation_iso: str = "FRA",
    cap: str = "inf",
    qty: int = 1,
    personnel: int = 500,
    ntm: float = 10,
    status: str = "committed",
    **caveats: Any,
) -> Pledge:
    return Pledge(
        id=pid,
        nation=nation_iso,
        capability=cap,
        quantity=qty,
        personnel_per_unit=personnel,
        notice_to_move_days=ntm,
        home_base=(2.35, 48.85),
        status=status,
        caveats=Caveats(**caveats),
    )


def slot(
    sid: str,
    cap: str = "inf",
    qty: int = 1,
    ntm: float = 30,
    weight: float = 1.0,
    roles: tuple = (),
    phase: str = "p1",
    duration: float = 90,
) -> Slot:
    return Slot(
        id=sid,
        capability=cap,
        quantity=qty,
        max_notice_to_move_days=ntm,
        priority_weight=weight,
        roles=roles,
        phase=phase,
        duration_days=duration,
    )


def scenario(
    pledges: list[Pledge],
    slots: list[Slot],
    max_personnel: int = 100_000,
    capabilities: list[Capability] | None = None,
    nations: list[str] | None = None,
    backstop_assets: list[Pledge] | None = None,
    backstop: bool = False,
    max_nation_share: float | None = None,
) -> Scenario:
    isos = nations or sorted({p.nation for p in pledges} | {"FRA"})
    return Scenario(
        schema_version=1,
        name="tiny",
        nations=tuple(nation(i) for i in isos),
        capabilities=tuple(capabilities or [capability()]),
        pledges=tuple(pledges),
        requirement=Requirement(max_personnel=max_personnel, slots=tuple(slots), max_nation_share=max_nation_share),
        phases=(
            Phase(id="p1", name="one", duration_days=30),
            Phase(id="p2", name="two", duration_days=60),
            Phase(id="p3", name="three"),
        ),
        geography=geography(),
        backstop=Backstop(assumed=backstop, assets=tuple(backstop_assets or [])),
    )
