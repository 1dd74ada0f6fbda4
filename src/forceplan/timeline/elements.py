"""Response elements: everything that can take effect on a threat axis, with the deterministic parts of its
timeline. The random parts are drawn in :mod:`forceplan.timeline.simulate`.

Options (as in the scenario's escalation levels): ``in_theatre``, ``reinforcements``, ``air_power``,
``long_range_fires``, ``stockpile_release``, ``naval``. Every formula is in docs/model.md, section 6.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forceplan.forcegen import ForcegenResult, Options, pledge_pool
from forceplan.geo import geodesic_km
from forceplan.geo.straits import straits_closed_to
from forceplan.scenario import Scenario
from forceplan.scenario.model import Capability, Domain, MoveMode, Pledge, Site, SiteKind, Threat
from forceplan.stationing import StationingResult

OPTIONS = ("in_theatre", "reinforcements", "air_power", "long_range_fires", "stockpile_release", "naval")

#: Entry-node kinds by strategic move mode.
NODE_KINDS = {
    MoveMode.road: (SiteKind.border_crossing,),
    MoveMode.rail: (SiteKind.border_crossing,),
    MoveMode.air: (SiteKind.airport, SiteKind.airbase),
    MoveMode.sea: (SiteKind.port,),
}
#: Sea routes are longer than the great circle (Atlantic, Mediterranean, Bosphorus): a crude stated factor.
SEA_ROUTE_FACTOR = 1.6


@dataclass
class Element:
    """One response element on one axis. Times in hours, distances in km, power in battalion-equivalents."""

    id: str
    option: str
    label: str
    nation: str | None
    power: float
    personnel: int = 0
    approval_h: float = 0.0
    fixed_h: float = 0.0
    """Deterministic time besides the decision, e.g. notice-to-move or a flight."""
    draws: tuple[str, ...] = ()
    """Parameters sampled per element and added, e.g. ('readiness_prep_h',)."""
    road_km: float = 0.0
    """Great-circle km driven after the entry node (or from the station); × circuity ÷ speed."""
    speed_kmh: float = 1.0
    strategic_km: float = 0.0
    strategic_mode: MoveMode | None = None
    node: int | None = None
    """Index of the entry node it passes (queue), or None."""
    priority: float = 0.0
    surge: bool = False
    reachable: bool = True
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)
    tracked: bool = False
    """Tracked vehicles: eligible for a lift on heavy-equipment transporters."""
    units: int = 0


@functools.lru_cache(maxsize=65_536)
def _d(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic km between two (lon, lat) points; remembered, as the same pairs recur in every case and threat."""
    return float(geodesic_km(a[0], a[1], b[0], b[1]))


def entry_nodes(sc: Scenario) -> list[Site]:
    """Sites with an entry throughput (border crossings, airports, air bases, ports)."""
    return [s for s in sc.sites if s.throughput_personnel_per_day]


def build_elements(
    sc: Scenario,
    threat: Threat,
    fg: ForcegenResult,
    laydown: StationingResult,
    params: dict[str, float],
    opts: Options | None = None,
) -> tuple[list[Element], list[Site]]:
    """Every response element for ``threat``; ``params`` holds the modes used to choose routes."""
    opts = opts or Options(us_backstop=fg.options.us_backstop)
    pool = {p.id: p for p in pledge_pool(sc, opts).pledges}
    caps = {c.id: c for c in sc.capabilities}
    slots = {s.id: s for s in sc.requirement.slots}
    sites = {s.id: s for s in sc.sites}
    nodes = entry_nodes(sc)
    axis = threat.axis.start
    circ = params["road_circuity_factor"]
    out: list[Element] = []

    def approval(p: Pledge) -> float:
        return p.caveats.national_approval_h or 0.0

    phase_now = opts.current_phase(sc)
    host = sc.geography.country

    def held_back(p: Pledge) -> str:
        """Why this unit's caveats keep it from acting on the axis ('' if none)."""
        c = p.caveats
        if c.from_phase is not None and sc.phase_index(c.from_phase) > phase_now:
            return f"from_phase {c.from_phase}: not yet available in phase {sc.phases[phase_now].id}"
        if c.requires_us_backstop and not opts.backstop(sc):
            return "requires_us_backstop: the backstop is not assumed"
        return ""

    forward = sc.phases[phase_now].forward_air_basing
    air_bases = [
        s.location
        for s in sc.sites
        if s.country == host and s.kind in (SiteKind.airbase, SiteKind.airport) and s.station
    ]
    tankers = _tanker_capacity(sc, fg, pool, caps, opts, held_back)

    placed_units: dict[str, int] = {}
    for g in laydown.garrisons:
        site = sites[g.site]
        for pl in g.placements:
            p = pool[pl.pledge]
            cap = caps[pl.capability]
            placed_units[pl.pledge] = placed_units.get(pl.pledge, 0) + pl.units
            prio = slots[pl.slot].priority_weight if pl.slot in slots else 0.0
            base: dict[str, Any] = dict(nation=p.nation, approval_h=approval(p), priority=prio)
            held = held_back(p)
            if cap.domain is Domain.air and cap.air is not None:
                out += _air_elements(
                    f"{pl.pledge}@{site.id}",
                    p,
                    cap,
                    pl.units,
                    site.location,
                    axis,
                    threat,
                    base,
                    forward_bases=air_bases if forward and _may_station(p, host) else [],
                    tankers=tankers,
                    sc=sc,
                    opts=opts,
                    held=held,
                )
            elif cap.domain is Domain.maritime and cap.naval is not None:
                target = threat.sea_area or axis
                why_not = _naval_refusal(sc, p, threat) or held
                out.append(
                    Element(
                        reachable=not why_not,
                        id=f"{pl.pledge}@{site.id}",
                        option="naval",
                        label=f"{p.nation} {pl.units} × {cap.name}",
                        power=pl.units * cap.combat_power_per_unit,
                        personnel=pl.personnel,
                        draws=("readiness_prep_h",),
                        fixed_h=_d(site.location, target) * SEA_ROUTE_FACTOR / cap.naval.transit_kmh,
                        note=why_not or f"from {site.name} to the sea area",
                        **base,
                    )
                )
            else:
                if cap.fires is not None:
                    out.append(
                        _fires_element(
                            f"{pl.pledge}@{site.id}",
                            p,
                            cap,
                            pl.units,
                            site.location,
                            threat,
                            base,
                            sc=sc,
                            opts=opts,
                            held=held,
                        )
                    )
                if cap.combat_power_per_unit > 0 and cap.road_march_kmh:
                    stay = held or _stays_at_station(p, host)
                    out.append(
                        Element(
                            reachable=not stay,
                            id=f"{pl.pledge}@{site.id}",
                            option="in_theatre",
                            label=f"{p.nation} {pl.units} × {cap.name}",
                            power=pl.units * cap.combat_power_per_unit,
                            personnel=pl.personnel,
                            draws=("readiness_prep_h",),
                            road_km=_d(site.location, axis),
                            speed_kmh=cap.road_march_kmh,
                            note=stay or f"from {site.name}",
                            tracked=cap.tracked,
                            units=pl.units,
                            **base,
                        )
                    )

    # Reinforcements: matched units that are not in theatre, and unmatched pledges (surge), from home.
    matched: dict[str, int] = {}
    for a in fg.assignments:
        matched[a.pledge] = matched.get(a.pledge, 0) + a.units
    counted = set(opts.counted())
    for p in pool.values():
        cap = caps[p.capability]
        if cap.domain not in (Domain.land, Domain.enabler) or not cap.road_march_kmh:
            continue
        if cap.combat_power_per_unit <= 0 and cap.fires is None:
            continue  # only combat units are modelled as reinforcements
        allowed = p.caveats.station_countries
        if allowed is not None and sc.geography.country not in allowed:
            continue  # its nation keeps it out of the host country
        if p.nation in opts.without or p.status not in counted or held_back(p) or p.caveats.no_frontline:
            continue  # left out, not counted, held back by a caveat, or never sent towards the front
        home_units = p.quantity - placed_units.get(p.id, 0)
        if home_units <= 0:
            continue
        surge = matched.get(p.id, 0) - placed_units.get(p.id, 0) <= 0
        home = sc.resolve_point(p.home_base)
        best: tuple[float, int, float, float] | None = None
        for n, node in enumerate(nodes):
            if node.kind not in NODE_KINDS[cap.strategic_move]:
                continue
            strat = _strategic_km(home, node.location, cap.strategic_move)
            after = _d(node.location, axis)
            speed = _mode_speed(cap.strategic_move, params, cap.road_march_kmh)
            modal = strat / speed + after * circ / cap.road_march_kmh
            if best is None or modal < best[0]:
                best = (modal, n, strat, after)
        if best is None:  # no node of the right kind: drive all the way (through any border)
            strat, n_idx, after = 0.0, None, _d(home, axis)
            mode = None
        else:
            _, n_idx, strat, after = best
            mode = cap.strategic_move
        gauge: tuple[str, ...] = ()
        if mode is MoveMode.rail and gauge_break(p.nation, sc.geography.country):
            gauge = ("gauge_transload_h",)
        out.append(
            Element(
                id=f"{p.id}@home",
                option="reinforcements",
                label=f"{p.nation} {home_units} × {cap.name}" + (" (surge)" if surge else ""),
                power=home_units * cap.combat_power_per_unit,
                personnel=home_units * p.personnel_per_unit,
                approval_h=approval(p),
                fixed_h=p.notice_to_move_days * 24.0,
                draws=("loading_h", "rsom_h", *gauge) if n_idx is not None else ("loading_h",),
                road_km=after,
                speed_kmh=cap.road_march_kmh,
                strategic_km=strat,
                strategic_mode=mode,
                node=n_idx,
                priority=max(
                    (s.priority_weight for s in sc.requirement.slots if s.capability == p.capability), default=0
                )
                - (100.0 if surge else 0.0),
                surge=surge,
                nation=p.nation,
                tracked=cap.tracked,
                units=home_units,
                note=f"from {sc.resolve_point(p.home_base)} via {nodes[n_idx].name if n_idx is not None else 'road'}"
                + (" (gauge break: transload)" if gauge else ""),
            )
        )
        if cap.fires is not None:
            out.append(
                _fires_element(
                    f"{p.id}@home",
                    p,
                    cap,
                    home_units,
                    home,
                    threat,
                    dict(nation=p.nation, approval_h=approval(p), priority=0.0),
                    fixed_h=p.notice_to_move_days * 24.0,
                    sc=sc,
                    opts=opts,
                )
            )

    # Air units matched but not stationed: from their home base.
    for p in pool.values():
        cap = caps[p.capability]
        left = matched.get(p.id, 0) - placed_units.get(p.id, 0)
        if cap.domain is Domain.air and cap.air is not None and left > 0:
            out += _air_elements(
                f"{p.id}@home",
                p,
                cap,
                left,
                sc.resolve_point(p.home_base),
                axis,
                threat,
                dict(nation=p.nation, approval_h=approval(p), priority=0.0),
                fixed_h=p.notice_to_move_days * 24.0,
                forward_bases=air_bases if forward and _may_station(p, host) else [],
                tankers=tankers,
                sc=sc,
                opts=opts,
                held=held_back(p),
            )

    _lift_on_transporters(sc, fg, pool, caps, out, held_back)

    for m in sc.materiel:
        depot = sc.resolve_point(m.depot)
        out.append(
            Element(
                id=m.id,
                option="stockpile_release",
                label=f"{m.quantity} × {m.item}",
                nation=m.nation,
                power=m.quantity * m.combat_power_per_item,
                fixed_h=m.release_prep_h,
                draws=("stockpile_crew_h",),
                road_km=_d(depot, axis),
                speed_kmh=m.transport_kmh,
                note=f"from {m.depot}",
            )
        )
    return out, nodes


RAIL_GAUGE_MM: dict[str, int] = {
    "UKR": 1520,
    "RUS": 1520,
    "BLR": 1520,
    "MDA": 1520,
    "EST": 1520,
    "LVA": 1520,
    "LTU": 1520,
    "FIN": 1524,
    "ESP": 1668,
    "PRT": 1668,
    "IRL": 1600,
}
"""Main-line track gauge by country, mm; 1,435 (standard gauge) elsewhere (public rail references)."""


def gauge_break(nation: str, host: str) -> bool:
    """Whether trains from ``nation`` must transload to run in ``host`` (1,520 and 1,524 mm are compatible)."""
    a, b = RAIL_GAUGE_MM.get(nation, 1435), RAIL_GAUGE_MM.get(host, 1435)
    return abs(a - b) > 4


def _lift_on_transporters(
    sc: Scenario,
    fg: ForcegenResult,
    pool: dict[str, Pledge],
    caps: dict[str, Capability],
    out: list[Element],
    held: Any,
) -> None:
    """Put tracked units on the matched heavy-equipment transporters, highest priority first: their road legs
    then run at the transporters' speed (still within the daily march limit)."""
    lift, speed = 0, 0.0
    for a in fg.assignments:
        p = pool.get(a.pledge)
        cap = caps[p.capability] if p is not None else None
        if p is None or cap is None or cap.transport is None or held(p):
            continue
        lift += a.units * cap.transport.lifts_units
        speed = max(speed, cap.transport.road_kmh)
    if lift <= 0:
        return
    movers = sorted(
        (
            e
            for e in out
            if e.tracked and e.reachable and e.road_km > 0 and e.option in ("in_theatre", "reinforcements")
        ),
        key=lambda e: (-e.priority, -e.road_km),
    )
    for e in movers:
        if lift < e.units:
            continue
        lift -= e.units
        e.speed_kmh = max(e.speed_kmh, speed)
        e.note += f"; on transporters at {speed:g} km/h"


def _strategic_km(a: tuple[float, float], b: tuple[float, float], mode: MoveMode) -> float:
    d = _d(a, b)
    return d * SEA_ROUTE_FACTOR if mode is MoveMode.sea else d


def _mode_speed(mode: MoveMode, params: dict[str, float], road_kmh: float) -> float:
    """Speed of a strategic move, km/h: rail, airlift and sealift from the parameters; road at the unit's speed."""
    return {
        MoveMode.rail: params["rail_kmh"],
        MoveMode.air: params["airlift_kmh"],
        MoveMode.sea: params["sea_kmh"],
        MoveMode.road: road_kmh,
    }[mode]


def _may_station(p: Pledge, host: str) -> bool:
    allowed = p.caveats.station_countries
    return allowed is None or host in allowed


def _stays_at_station(p: Pledge, host: str) -> str:
    """Why a stationed land unit does not move to a threat axis ('' if it does): its caveats."""
    if p.caveats.no_frontline:
        return "no_frontline: stays at its station"
    if not _may_station(p, host):
        return f"station_countries {'|'.join(p.caveats.station_countries or ())}: may not enter {host}"
    return ""


def _naval_refusal(sc: Scenario, p: Pledge, threat: Threat) -> str:
    """Why a warship cannot act on this threat ('' if it can): Montreux, or a land axis."""
    if threat.domain == "land" or threat.sea_area is None:
        return "a land axis: naval forces add nothing"
    if straits_closed_to(p.nation, sc.geography.straits_open_to):
        return "Montreux Convention: the Straits are closed to its warships (not a Black Sea state)"
    return ""


@dataclass
class Tankers:
    """Air-to-air refuelling on hand: how many fighter units it can support and by how much it extends them."""

    units: int = 0
    extension_km: float = 0.0
    used: int = 0


def _tanker_capacity(
    sc: Scenario, fg: ForcegenResult, pool: dict[str, Pledge], caps: dict[str, Capability], opts: Options, held: Any
) -> Tankers:
    t = Tankers()
    for a in fg.assignments:
        p = pool.get(a.pledge)
        if p is None or held(p):
            continue
        cap = caps[p.capability]
        if cap.air is not None and cap.air.radius_extension_km:
            t.units += a.units * cap.air.supports_units
            t.extension_km = max(t.extension_km, cap.air.radius_extension_km)
    return t


def _air_elements(
    eid: str,
    p: Pledge,
    cap: Capability,
    units: int,
    base_xy: tuple[float, float],
    axis: tuple[float, float],
    threat: Threat,
    base: dict[str, Any],
    fixed_h: float = 0.0,
    forward_bases: list[tuple[float, float]] | None = None,
    tankers: Tankers | None = None,
    sc: Scenario | None = None,
    opts: Options | None = None,
    held: str = "",
) -> list[Element]:
    """A squadron attacks the forces on an axis within its combat radius (from its base, or the nearest host air
    base where the phase allows forward basing; a tanker extends the radius of the units it supports); its effect
    is attrition of the attacker per sortie (docs/model.md, section 6). A strike squadron also delivers
    long-range fires. Tankers and ISR aircraft fly no attack sorties."""
    assert cap.air is not None
    home_d = _d(base_xy, axis)
    d, where = home_d, "its base"
    for fb in forward_bases or []:
        if _d(fb, axis) < d:
            d, where = _d(fb, axis), "a forward base in the host country"
    radius = cap.air.combat_radius_km
    note = f"{d:.0f} km from {where}, combat radius {radius:g} km"
    if d > radius and tankers is not None and tankers.used < tankers.units and d <= radius + tankers.extension_km:
        tankers.used += units
        radius += tankers.extension_km
        note += f" + {tankers.extension_km:g} km with a tanker"
    reachable = d <= radius and cap.air.attack_sorties and not held
    if held:
        note = held
    elif not cap.air.attack_sorties:
        note = "flies no attack sorties (support aircraft)"
    flight_h = d / cap.air.cruise_kmh
    cycle_h = 2 * flight_h + cap.air.sortie_turnaround_h + cap.air.mission_h
    sorties_per_day = units * cap.air.aircraft_per_unit * 24.0 / cycle_h
    out = [
        Element(
            id=eid,
            option="air_power",
            label=f"{p.nation} {units} × {cap.name}",
            power=0.0,
            draws=("air_alert_h",),
            fixed_h=fixed_h + flight_h,
            reachable=reachable,
            note=note,
            extra={
                "distance_km": d,
                "aircraft": float(units * cap.air.aircraft_per_unit),
                "cycle_h": cycle_h,
                "sorties_per_day": sorties_per_day,
            },
            **base,
        )
    ]
    if cap.fires is not None:
        out.append(
            _fires_element(eid, p, cap, units, base_xy, threat, base, fixed_h, air=True, sc=sc, opts=opts, held=held)
        )
    return out


def _fires_element(
    eid: str,
    p: Pledge,
    cap: Capability,
    units: int,
    launch_xy: tuple[float, float],
    threat: Threat,
    base: dict[str, Any],
    fixed_h: float = 0.0,
    air: bool = False,
    sc: Scenario | None = None,
    opts: Options | None = None,
    held: str = "",
) -> Element:
    """Long-range strikes on the threat's staging area (``strike_target``) and its arriving echelons: salvos of
    ``salvo_munitions`` per unit, ``salvos_per_day``, until the unit's stock is spent (docs/model.md, section 6).
    Never for ``no_offensive_strikes``; into the aggressor's own territory only where the policy allows."""
    assert cap.fires is not None
    target = threat.strike_target
    f = cap.fires
    extra = {
        "munitions_per_day": float(units * f.salvo_munitions * f.salvos_per_day),
        "stock_munitions": float(units * f.stock_munitions),
        "range_km": f.range_km,
    }
    if target is None:
        return Element(
            id=f"{eid}/fires",
            option="long_range_fires",
            label=f"{p.nation} {cap.name}",
            power=0.0,
            reachable=False,
            note="the threat names no strike target",
            extra=extra,
            **base,
        )
    d = _d(launch_xy, target)
    if air and cap.air is not None:
        ingress = max(0.0, d - f.range_km)
        reachable = ingress <= cap.air.combat_radius_km
        t = fixed_h + ingress / cap.air.cruise_kmh + min(d, f.range_km) / f.missile_kmh
        draws: tuple[str, ...] = ("air_alert_h",)
    else:
        reachable = d <= f.range_km
        t = fixed_h + d / f.missile_kmh
        draws = ()
    note = f"target {d:.0f} km away, range {f.range_km:g} km"
    if p.caveats.no_offensive_strikes:
        reachable, note = False, note + "; no_offensive_strikes"
    if reachable and sc is not None and _in_aggressor_territory(sc, target):
        allowed = opts.deep_strikes(sc) if opts is not None else sc.geography.strikes_into_aggressor
        if not allowed:
            reachable, note = False, note + f"; the target is in {sc.geography.aggressor}: strikes there not allowed"
    if held:
        reachable, note = False, held
    return Element(
        id=f"{eid}/fires",
        option="long_range_fires",
        label=f"{p.nation} {units} × {cap.name} (fires)",
        power=0.0,
        fixed_h=t + f.launch_prep_h,
        draws=draws,
        reachable=reachable,
        note=note,
        extra={**extra, "distance_km": d},
        **base,
    )


def _in_aggressor_territory(sc: Scenario, point: tuple[float, float]) -> bool:
    """Whether a point lies in the aggressor's own territory (its outline in the scenario's outline file)."""
    import shapely

    outline = _country(sc.geography.outline, sc.geography.aggressor)
    return outline is not None and bool(outline.contains(shapely.Point(point)))


@functools.lru_cache(maxsize=8)
def _country(outline_path: str, iso3: str) -> Any:
    from pathlib import Path

    from forceplan.geo.contact import GeoDataError, read_country

    try:
        return read_country(Path(outline_path), iso3)
    except GeoDataError:
        return None


def node_capacity_per_h(nodes: list[Site]) -> np.ndarray:
    return np.array([(n.throughput_personnel_per_day or 0.0) / 24.0 for n in nodes])
