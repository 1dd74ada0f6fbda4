"""Stationing: eligibility rules, no unit near the line on any snapshot, brute force, coverage reasons."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forceplan.forcegen import Options, match_force
from forceplan.scenario import Scenario, line_of_contact
from forceplan.scenario.io import data_dir
from forceplan.scenario.model import Domain, Site
from forceplan.stationing import station_force
from forceplan.stationing.laydown import HIGHS_OPTIONS, Group, LaydownProblem, site_reasons, solve_laydown
from tests.factories import capability, pledge, scenario, slot

pytestmark = pytest.mark.unit
SNAPSHOTS = sorted((data_dir() / "geo" / "occupied_territory").glob("deepstatemap_data_*.geojson"))
MEZHOVA = (36.73, 48.25)  # 54.6 km from the line in July 2024, 16.2 km at the end of 2025


def with_snapshot(sc: Scenario, snapshot: Path) -> Scenario:
    return sc.model_copy(update={"geography": sc.geography.model_copy(update={"occupied_territory": str(snapshot)})})


@pytest.fixture(scope="module")
def bundled_force(bundled: Scenario):
    return match_force(bundled)


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: p.stem[-8:])
def test_no_garrison_inside_occupied_or_within_standoff(bundled: Scenario, bundled_force, snapshot: Path) -> None:
    sc = with_snapshot(bundled, snapshot)
    r = station_force(sc, bundled_force)
    loc = line_of_contact(sc)
    assert r.garrisons, "something is stationed"
    xy = np.array([g.location for g in r.garrisons])
    assert not loc.is_occupied(xy[:, 0], xy[:, 1]).any()
    pledges = {p.id: p for p in sc.pledges}
    for g, d in zip(r.garrisons, loc.distance_km(xy[:, 0], xy[:, 1]), strict=True):
        for p in g.placements:
            cav = pledges[p.pledge].caveats
            need = max(
                sc.geography.standoff_km,
                cav.standoff_km or 0,
                sc.geography.no_frontline_standoff_km if cav.no_frontline else 0,
            )
            assert d >= need, f"{p.pledge} at {g.site} is {d:.1f} km from the line, needs {need}"


def test_bundled_laydown_is_complete_and_consistent(bundled: Scenario, bundled_force) -> None:
    r = station_force(bundled, bundled_force)
    # Every matched unit is placed but the warships Montreux keeps out of the Black Sea (no station outside the
    # Straits in the bundled scenario).
    held = {h.pledge: h.units - h.stationed_outside for h in r.montreux.held}
    assert r.units_total == bundled_force.totals.units_matched
    assert r.units_placed == r.units_total - sum(held.values()) and {u.pledge: u.units for u in r.unplaced} == held
    matched = {(a.pledge, a.slot): a.units for a in bundled_force.assignments if a.pledge not in held}
    placed: dict[tuple[str, str], int] = {}
    for g in r.garrisons:
        assert g.personnel <= g.capacity_personnel
        for p in g.placements:
            placed[(p.pledge, p.slot)] = placed.get((p.pledge, p.slot), 0) + p.units
    assert placed == matched, "every garrisoned unit is a matched unit, each placed once"
    cov = {c.site: c for c in r.coverage}
    assert cov["npp-rivne"].covered and cov["city-kyiv"].covered
    assert cov["city-zaporizhzhia"].reason == "no_site"  # every station near it lies within the standoff
    assert [s.stage for s in r.solve] == ["placed", "coverage", "reach"]
    assert r.solve[0].optimal and r.solve[1].optimal


def _site(sid: str, lonlat, kind: str = "city", country: str = "UKR", capacity: int = 3000, **kw) -> Site:
    return Site(
        id=sid, name=sid, kind=kind, location=lonlat, country=country, capacity_personnel=capacity, station=True, **kw
    )


def test_newer_line_makes_a_site_ineligible(bundled: Scenario) -> None:
    site = _site("mezhova", MEZHOVA)
    g = Group(pledge=pledge("a"), capability=capability(), slot="s", units=1)
    for snapshot, eligible in ((SNAPSHOTS[0], True), (SNAPSHOTS[3], False)):
        loc = line_of_contact(with_snapshot(bundled, snapshot))
        d = float(loc.distance_km(*MEZHOVA))
        reasons = site_reasons(bundled, g, site, False, d, bundled.geography.standoff_km)
        assert (not reasons) is eligible, (snapshot.stem, d, reasons)
        if not eligible:
            assert reasons[0][0] == "standoff"


@pytest.mark.parametrize(
    ("group_kwargs", "site_kwargs", "code"),
    [
        ({}, {"kind": "airbase", "country": "POL"}, "country"),  # land units default to the host country
        ({"domain": "air"}, {"kind": "city"}, "kind"),
        ({"domain": "maritime"}, {"kind": "airbase"}, "kind"),
        ({"station_countries": ("POL",)}, {}, "country"),
        ({"standoff_km": 500.0}, {}, "standoff"),
        ({"no_frontline": True}, {}, "standoff"),  # 100 km for no_frontline; the site is 80 km away
        ({"personnel": 900}, {"capacity": 800}, "capacity"),
    ],
)
def test_site_rules(bundled: Scenario, group_kwargs, site_kwargs, code) -> None:
    domain = group_kwargs.pop("domain", "land")
    personnel = group_kwargs.pop("personnel", 500)
    cap = capability(personnel=personnel).model_copy(update={"domain": Domain(domain)})
    g = Group(pledge=pledge("a", personnel=personnel, **group_kwargs), capability=cap, slot="s", units=1)
    site = _site("x", (30.0, 50.0), **site_kwargs)
    codes = [c for c, _ in site_reasons(bundled, g, site, False, 80.0, 50.0)]
    assert code in codes
    if code not in ("kind", "country"):  # the same group fits a roomy Ukrainian city 600 km from the line
        assert site_reasons(bundled, g, _site("y", (30.0, 50.0), capacity=5000), False, 600.0, 50.0) == []


def test_coverage_needs_power_within_radius() -> None:
    sc = scenario([pledge("a", qty=2, personnel=500)], [slot("s", qty=2)])
    kyiv = _site(
        "kyiv", (30.52, 50.45), protection={"priority_weight": 5, "radius_km": 30, "required_combat_power": 2.0}
    )
    lviv = _site(
        "lviv", (24.03, 49.84), protection={"priority_weight": 1, "radius_km": 30, "required_combat_power": 2.0}
    )
    sc = sc.model_copy(update={"sites": (kyiv, lviv)})
    r = station_force(sc)
    cov = {c.site: c for c in r.coverage}
    assert cov["kyiv"].covered and not cov["lviv"].covered  # two battalions: enough for one site only
    assert cov["lviv"].reason == "used_elsewhere"
    assert [g.site for g in r.garrisons] == ["kyiv"]


# ---------------------------------------------------------------------------------------------- brute force


@st.composite
def laydowns(draw) -> LaydownProblem:
    n_g, n_j, n_k = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(0, 2))
    pairs = draw(
        st.lists(st.tuples(st.integers(0, n_g - 1), st.integers(0, n_j - 1)), min_size=1, max_size=5, unique=True)
    )
    return LaydownProblem(
        group_units=np.array(draw(st.lists(st.integers(1, 2), min_size=n_g, max_size=n_g))),
        group_personnel=np.array(draw(st.lists(st.sampled_from([300, 600]), min_size=n_g, max_size=n_g))),
        group_power=np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.4]), min_size=n_g, max_size=n_g))),
        site_capacity=np.array(draw(st.lists(st.sampled_from([300, 700, 1300]), min_size=n_j, max_size=n_j))),
        pair_group=np.array([g for g, _ in pairs]),
        pair_site=np.array([j for _, j in pairs]),
        pair_reach_cost=np.array(
            draw(st.lists(st.sampled_from([0.0, 1.0, 2.5, 4.0]), min_size=len(pairs), max_size=len(pairs)))
        ),
        protect_priority=np.array(draw(st.lists(st.sampled_from([1.0, 3.0]), min_size=n_k, max_size=n_k))),
        protect_required=np.array(draw(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=n_k, max_size=n_k))),
        protect_within=np.array(
            draw(st.lists(st.lists(st.booleans(), min_size=n_j, max_size=n_j), min_size=n_k, max_size=n_k)), dtype=bool
        ).reshape(n_k, n_j),
        protect_possible=np.ones(n_k, dtype=bool),
    )


def brute_force(lp: LaydownProblem) -> tuple[int, float, float]:
    """Best (placed, coverage, -reach) over every integer laydown."""
    ub = lp.group_units[lp.pair_group]
    power = lp.group_power[lp.pair_group]
    best = (0, 0.0, 0.0)
    for y in itertools.product(*(range(u + 1) for u in ub)):
        y = np.array(y)
        if any(y[lp.pair_group == g].sum() > n for g, n in enumerate(lp.group_units)):
            continue
        pers = lp.group_personnel[lp.pair_group] * y
        if any(pers[lp.pair_site == j].sum() > c for j, c in enumerate(lp.site_capacity)):
            continue
        cover = sum(
            p
            for k, p in enumerate(lp.protect_priority)
            if (power * y)[lp.protect_within[k, lp.pair_site]].sum() >= lp.protect_required[k] - 1e-9
        )
        best = max(best, (int(y.sum()), round(float(cover), 9), -round(float(lp.pair_reach_cost @ y), 9)))
    return best


@settings(max_examples=150, deadline=None)
@given(laydowns())
def test_laydown_matches_brute_force(lp: LaydownProblem) -> None:
    stages, y = solve_laydown(lp, rel_gap=0.0)
    assert [s.stage for s in stages] == ["placed", "coverage", "reach"] and all(s.optimal for s in stages)
    placed, cover, neg_reach = brute_force(lp)
    assert int(y.sum()) == placed
    assert stages[1].objective == pytest.approx(cover)
    assert float(lp.pair_reach_cost @ y) == pytest.approx(-neg_reach)


@settings(max_examples=60, deadline=None)
@given(laydowns())
def test_laydown_options_change_no_optimum(lp: LaydownProblem) -> None:
    """The laydown's HiGHS options (:data:`HIGHS_OPTIONS`) only steer the search: with them and with HiGHS's
    defaults every stage reaches the same proven optimum."""
    assert HIGHS_OPTIONS, "the options this test guards"
    ours, _ = solve_laydown(lp, rel_gap=0.0)
    defaults, _ = solve_laydown(lp, rel_gap=0.0, highs_options={})
    assert [s.objective for s in ours] == pytest.approx([s.objective for s in defaults])
    assert all(s.optimal for s in ours + defaults)


def test_without_fra_laydown_within_the_stated_gap_of_the_proven_optimum(bundled: Scenario) -> None:
    """Issue #27's what-if (the force without France): the laydown as planned (reach stopped within 0.5 %) places
    as many units and covers as much as the proven optimum of every stage, its reach lies within 0.5 % of the
    proven reach optimum, and the bound it reports is a true bound (never above that optimum)."""
    fg = match_force(bundled, Options(without=frozenset({"FRA"})))
    planned = station_force(bundled, fg)
    proven = station_force(bundled, fg, rel_gap=0.0)
    assert all(s.optimal for s in proven.solve)
    assert [s.objective for s in planned.solve[:2]] == [s.objective for s in proven.solve[:2]]
    assert planned.solve[0].optimal and planned.solve[1].optimal
    best = proven.solve[2].objective
    reach = planned.solve[2]
    assert best is not None and reach.objective is not None and reach.bound is not None and reach.gap is not None
    assert best - 1e-6 <= reach.objective <= best / (1 - 0.005) + 1e-6
    assert reach.bound <= best + 1e-6 and reach.gap <= 0.005 + 1e-9


def test_laydown_is_repeatable(bundled: Scenario, bundled_force) -> None:
    """Same inputs, same laydown, figure for figure (one HiGHS thread, fixed seed, deterministic options)."""
    a = station_force(bundled, bundled_force)
    b = station_force(bundled, bundled_force)
    assert a.model_dump_json() == b.model_dump_json()


def test_the_drawn_standoff_band_stays_within_the_drawing_tolerance(bundled: Scenario) -> None:
    """The map's standoff band is drawn from the line simplified before the buffer: it lies within 1 km of the band
    buffered from the full line, and within 0.7 km of that band simplified to the drawing's tolerance (0.5 km)."""
    import shapely

    from forceplan.geo import to_metric
    from forceplan.scenario import line_of_contact
    from forceplan.stationing.geojson import laydown_geojson
    from forceplan.stationing.result import StationingResult

    loc = line_of_contact(bundled)
    lay = StationingResult.model_construct(
        standoff_km=bundled.geography.standoff_km, line_of_contact_km=loc.length_km, garrisons=[], coverage=[]
    )
    band = next(f for f in laydown_geojson(bundled, lay)["features"] if f["properties"]["layer"] == "standoff")
    drawn = to_metric(shapely.geometry.shape(band["geometry"]))
    exact = loc.line_m.buffer(bundled.geography.standoff_km * 1000).difference(loc.occupied_m)
    assert drawn.hausdorff_distance(exact) < 1000.0
    assert drawn.hausdorff_distance(exact.simplify(500.0)) < 700.0  # the band as drawn from the full line
    assert abs(drawn.area - exact.area) / exact.area < 0.005
