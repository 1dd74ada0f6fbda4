r"""The laydown MILP: where each matched unit is stationed.

Groups G: the units of one pledge matched to one slot (n_g units, m_g personnel and π_g combat power per unit).
Candidate sites J: sites with ``station: true``. Protected sites K. Threat axes A.

Variables: y_gj ∈ ℤ, 0 ≤ y_gj ≤ n_g, for eligible (g, j) (:func:`site_reasons`); c_k ∈ {0, 1}.

    Σ_j y_gj ≤ n_g                                  (each unit at most one site; the rest reported unplaced)
    Σ_g m_g y_gj ≤ C_j                               (site capacity, personnel)
    Σ_{g, j: d(j,k) ≤ r_k} π_g y_gj ≥ R_k c_k        (site k covered only with enough power within r_k)

Lexicographic objectives, each stage holding the earlier ones at their optimum:

1. placed:   max Σ y_gj
2. coverage: max Σ_k ρ_k c_k
3. reach:    min Σ_a w_a Σ_{g,j} π_g t_gja y_gj,   t_gja = d_geo(j, start_a) · κ / v_g

with κ the road circuity factor (mode of ``road_circuity_factor``) and v_g the unit's road march speed (units
without one — aircraft, ships — do not enter the reach term).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forceplan.geo import geodesic_km
from forceplan.geo.contact import LineOfContact
from forceplan.geo.straits import straits_closed_to
from forceplan.milp import HighsModel, StageInfo
from forceplan.scenario.model import Capability, Domain, Pledge, Scenario, Site, SiteKind

HIGHS_OPTIONS: dict[str, bool | int | float | str] = {
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_allow_restart": False,
}
"""HiGHS options for the laydown's stages (defaults otherwise). They steer the search only (same model, same
proven optima: tests/unit/test_stationing.py). HiGHS's root reduced-cost heuristic solved sub-MIPs that rarely
improved the reach incumbent, and its restarts repeated the root's cut loop; without both the reach stage took
1.2× less CPU on issue #27's five force sets (one, without GBR, 0.35 → 0.41 s) and 1.5× less on ten held-out
instances, every one faster (docs/benchmarks.md)."""

#: Site kinds each domain may be stationed at.
DOMAIN_KINDS: dict[Domain, frozenset[SiteKind]] = {
    Domain.land: frozenset(
        {SiteKind.city, SiteKind.npp, SiteKind.port, SiteKind.airport, SiteKind.airbase, SiteKind.logistics_hub}
    ),
    Domain.enabler: frozenset(
        {SiteKind.city, SiteKind.npp, SiteKind.port, SiteKind.airport, SiteKind.airbase, SiteKind.logistics_hub}
    ),
    Domain.air: frozenset({SiteKind.airbase}),
    Domain.maritime: frozenset({SiteKind.port, SiteKind.sea_station}),
}


@dataclass(frozen=True)
class Group:
    """Units of one pledge matched to one slot: stationed together or split, as the optimiser decides."""

    pledge: Pledge
    capability: Capability
    slot: str
    units: int

    @property
    def personnel(self) -> int:
        return self.pledge.personnel_per_unit

    @property
    def power(self) -> float:
        return self.capability.combat_power_per_unit


def min_distance_km(sc: Scenario, g: Group, standoff_km: float) -> float:
    """The distance from the line of contact a group must keep: the scenario's standoff, raised by the unit's
    own ``standoff_km`` caveat and, for ``no_frontline``, by ``geography.no_frontline_standoff_km``."""
    d = standoff_km
    c = g.pledge.caveats
    if c.standoff_km is not None:
        d = max(d, c.standoff_km)
    if c.no_frontline:
        d = max(d, sc.geography.no_frontline_standoff_km)
    return d


def allowed_countries(sc: Scenario, g: Group) -> frozenset[str] | None:
    """Countries a group may be stationed in; None: any. Land and enabler units default to the host country."""
    if g.pledge.caveats.station_countries is not None:
        return frozenset(g.pledge.caveats.station_countries)
    if g.capability.domain in (Domain.land, Domain.enabler):
        return frozenset({sc.geography.country})
    return None


def site_reasons(
    sc: Scenario,
    g: Group,
    site: Site,
    occupied: bool,
    line_km: float,
    standoff_km: float,
    nearest: str = "the line",
    beyond_straits: bool = False,
) -> list[tuple[str, str]]:
    """Every rule by which ``g`` may not be stationed at ``site`` (empty: eligible), as (code, detail).
    ``beyond_straits``: the site lies in the Black Sea basin (:func:`forceplan.geo.straits.beyond_the_straits`),
    closed by the Montreux Convention to the warships of states outside the Black Sea and not in
    ``geography.straits_open_to``."""
    out = []
    if (
        beyond_straits
        and g.capability.domain is Domain.maritime
        and site.kind in DOMAIN_KINDS[Domain.maritime]
        and straits_closed_to(g.pledge.nation, sc.geography.straits_open_to)
    ):
        out.append(
            (
                "montreux",
                f"Montreux Convention: the Straits are closed to {g.pledge.nation} warships (not a Black Sea state, "
                "not in straits_open_to), so no port or sea station beyond them",
            )
        )
    if occupied:
        out.append(("occupied", f"{site.id} lies in occupied territory"))
    if site.kind not in DOMAIN_KINDS[g.capability.domain]:
        kinds = ", ".join(sorted(k.value for k in DOMAIN_KINDS[g.capability.domain]))
        out.append(("kind", f"{g.capability.domain.value} units go to {kinds}; {site.id} is a {site.kind.value}"))
    need = min_distance_km(sc, g, standoff_km)
    if line_km < need:
        out.append(("standoff", f"{site.id} is {line_km:.0f} km from {nearest}, {g.pledge.id} needs {need:g} km"))
    countries = allowed_countries(sc, g)
    if countries is not None and site.country not in countries:
        out.append(("country", f"{g.pledge.id} may be stationed in {', '.join(sorted(countries))}, not {site.country}"))
    if site.capacity_personnel < g.personnel:
        out.append(("capacity", f"{site.id} holds {site.capacity_personnel:,}, one unit is {g.personnel:,}"))
    return out


@dataclass(frozen=True)
class LaydownProblem:
    """Arrays of one laydown instance (eligible pairs only)."""

    group_units: NDArray[np.int64]
    group_personnel: NDArray[np.int64]
    group_power: NDArray[np.float64]
    site_capacity: NDArray[np.int64]
    pair_group: NDArray[np.int64]
    pair_site: NDArray[np.int64]
    pair_reach_cost: NDArray[np.float64]
    protect_priority: NDArray[np.float64]
    protect_required: NDArray[np.float64]
    protect_within: NDArray[np.bool_]
    """protect_within[k, j]: candidate site j lies within protected site k's radius."""
    protect_possible: NDArray[np.bool_]
    """False for a protected site that cannot be covered at all (occupied)."""


def solve_laydown(
    lp: LaydownProblem,
    time_limit_s: float = 60.0,
    rel_gap: float = 0.0,
    last_stage: str = "reach",
    highs_options: Mapping[str, bool | int | float | str] | None = None,
) -> tuple[list[StageInfo], NDArray[np.int64]]:
    """Solve the three stages (or up to ``last_stage``); returns a report per stage and the integer units per
    eligible pair.

    ``rel_gap`` applies to the reach stage only (placement and coverage are always solved to optimality).
    ``highs_options``: HiGHS options for every stage; None: :data:`HIGHS_OPTIONS` (``{}``: HiGHS's defaults)."""
    npair = len(lp.pair_group)
    nk = len(lp.protect_priority)
    if npair == 0:
        return [], np.zeros(0, dtype=np.int64)
    inf = np.inf
    m = HighsModel(time_limit_s=time_limit_s, options=HIGHS_OPTIONS if highs_options is None else highs_options)
    y = m.add_vars(np.zeros(npair), lp.group_units[lp.pair_group])
    c = m.add_vars(np.zeros(nk), lp.protect_possible.astype(float))

    def rows_by(keys: NDArray[np.int64], coef: NDArray[np.float64], upper: NDArray[np.float64]) -> None:
        order = np.argsort(keys, kind="stable")
        groups, starts = np.unique(keys[order], return_index=True)
        m.add_rows(starts, y[order], coef[order], np.full(len(groups), -inf), upper[groups])

    rows_by(lp.pair_group, np.ones(npair), lp.group_units.astype(float))
    rows_by(lp.pair_site, lp.group_personnel[lp.pair_group].astype(float), lp.site_capacity.astype(float))
    power = lp.group_power[lp.pair_group]
    for k in range(nk):
        inside = lp.protect_within[k, lp.pair_site] & (power > 0)
        cols = np.concatenate([y[inside], [c[k]]])
        vals = np.concatenate([power[inside], [-lp.protect_required[k]]])
        m.add_row(cols, vals, 0.0, inf)

    reports: list[StageInfo] = []
    ones = np.zeros(m.n)
    ones[y] = 1.0
    info, sol = m.solve("placed", ones, "max")
    reports.append(info)
    if info.objective is None:
        return reports, np.zeros(npair, dtype=np.int64)
    placed = float(np.rint(sol[y]).sum())
    m.add_row(y, np.ones(npair), placed - 0.5, inf)
    cost = np.zeros(m.n)
    cost[c] = lp.protect_priority
    info, sol = m.solve("coverage", cost, "max", start=np.rint(sol))
    reports.append(info)
    if info.objective is None:
        return reports, np.rint(sol[y]).astype(np.int64)
    if last_stage == "coverage":
        return reports, np.rint(sol[y]).astype(np.int64)
    covered = np.rint(sol[c])
    z2 = float(lp.protect_priority @ covered)
    m.add_row(c, lp.protect_priority, z2 - 1e-7 * max(1.0, z2), inf)
    cost = np.zeros(m.n)
    cost[y] = lp.pair_reach_cost
    info, sol2 = m.solve("reach", cost, "min", start=np.rint(sol), rel_gap=rel_gap)
    reports.append(info)
    if info.objective is not None:
        sol = sol2
    return reports, np.rint(sol[y]).astype(np.int64)


def travel_hours(
    site_lonlat: NDArray[np.float64], axis_lonlat: NDArray[np.float64], circuity: float, speed_kmh: float
) -> NDArray[np.float64]:
    """Road hours from each site to each axis start: geodesic × circuity ÷ speed, shape (sites, axes)."""
    d = geodesic_km(site_lonlat[:, None, 0], site_lonlat[:, None, 1], axis_lonlat[None, :, 0], axis_lonlat[None, :, 1])
    return d * circuity / speed_kmh


def line_distances(loc: LineOfContact, sites: list[Site]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Distance of each site from the line, km, and whether it lies in occupied territory."""
    if not sites:
        return np.zeros(0), np.zeros(0, dtype=bool)
    xy = np.array([s.location for s in sites], dtype=float)
    return loc.distance_km(xy[:, 0], xy[:, 1]), loc.is_occupied(xy[:, 0], xy[:, 1])


@dataclass(frozen=True)
class HostileDistances:
    """Distances of sites from everything hostile, km: the line of contact, the occupied territory (0 inside),
    and the aggressor's and each hostile state's territory (finer outline)."""

    line_km: NDArray[np.float64]
    occupied_km: NDArray[np.float64]
    border_km: dict[str, NDArray[np.float64]]

    def nearest(self) -> tuple[NDArray[np.float64], list[str]]:
        """The smallest distance of each site and what it is to."""
        names = ["the line of contact", "occupied territory", *[f"the {k} border" for k in self.border_km]]
        stack = np.vstack([self.line_km, self.occupied_km, *self.border_km.values()])
        k = np.argmin(stack, axis=0)
        return stack.min(axis=0), [names[i] for i in k]


def hostile_distances(sc: Scenario, loc: LineOfContact, sites: list[Site]) -> HostileDistances:
    """See :class:`HostileDistances`. A state missing from the border outline is skipped."""
    import shapely

    from forceplan.geo.crs import to_metric

    line_km, _ = line_distances(loc, sites)
    xy = np.array([s.location for s in sites], dtype=float).reshape(-1, 2)
    pts = to_metric(shapely.points(xy)) if len(xy) else np.zeros(0, dtype=object)
    occ = np.asarray(shapely.distance(loc.occupied_m, pts), dtype=float) / 1000.0 if len(xy) else np.zeros(0)
    borders: dict[str, NDArray[np.float64]] = {}
    for iso in dict.fromkeys((sc.geography.aggressor, *sc.geography.hostile_states)):
        shape_m = _border_shape(sc.geography.border_outline, iso)
        if shape_m is not None:
            borders[iso] = np.asarray(shapely.distance(shape_m, pts), dtype=float) / 1000.0 if len(xy) else np.zeros(0)
    return HostileDistances(line_km, occ, borders)


@functools.lru_cache(maxsize=16)
def _border_shape(path: str, iso3: str) -> Any:
    from pathlib import Path

    from forceplan.geo.contact import GeoDataError, read_country
    from forceplan.geo.crs import to_metric
    from forceplan.scenario.io import DATA_PREFIX, data_dir

    p = data_dir() / path[len(DATA_PREFIX) :] if path.startswith(DATA_PREFIX) else Path(path)
    try:
        return to_metric(read_country(p, iso3))
    except GeoDataError:
        return None
