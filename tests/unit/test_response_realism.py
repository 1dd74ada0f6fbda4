"""Response options as the coalition would use them (issue: response realism): air power by type with tankers,
strikes that count, caveats kept, Montreux, the rail gauge break, march limits, transporters, standoff from
every hostile border, and one force shared among several axes (brute-forced on a small case)."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pyproj
import pytest

from forceplan.forcegen import Options, match_force
from forceplan.scenario.model import AirSpec, FiresSpec, Fixed, MoveMode, Threat
from forceplan.stationing import station_force
from forceplan.timeline import Element, simulate_axis
from forceplan.timeline.allocate import allocate
from forceplan.timeline.elements import (
    Tankers,
    _air_elements,
    _fires_element,
    _naval_refusal,
    build_elements,
    gauge_break,
)
from forceplan.timeline.run import PARAMETER_NAMES
from forceplan.timeline.simulate import march_days
from tests.factories import capability, pledge

pytestmark = pytest.mark.unit
GEOD = pyproj.Geod(ellps="WGS84")
AXIS = (35.0, 48.0)
BASE = {"nation": "GBR", "approval_h": 0.0, "priority": 0.0}


def at(km: float, start: tuple[float, float] = AXIS) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(start[0], start[1], 270.0, km * 1000.0)
    return (lon, lat)


def threat(**kw: object) -> Threat:
    args: dict[str, object] = {
        "id": "t",
        "name": "t",
        "axis": {"start": AXIS, "objective": AXIS},
        "attacker": {"initial_combat_power": 10},
        "defender_combat_power": 5,
        "warning_time_h": 0,
    }
    args.update(kw)
    return Threat.model_validate(args)


def fighter(radius: float) -> object:
    return capability("ftr").model_copy(
        update={
            "domain": "air",
            "air": AirSpec(combat_radius_km=radius, sortie_turnaround_h=3, aircraft_per_unit=12, cruise_kmh=850),
        }
    )


def test_a_typhoon_reaches_an_axis_1000_km_away_that_an_f16_cannot() -> None:
    base_xy = at(1000.0)
    (typhoon,) = _air_elements("ty", pledge("a"), fighter(1389), 1, base_xy, AXIS, threat(), BASE)
    (f16,) = _air_elements("f16", pledge("b"), fighter(550), 1, base_xy, AXIS, threat(), BASE)
    assert typhoon.reachable and not f16.reachable
    assert typhoon.extra["sorties_per_day"] == pytest.approx(12 * 24 / (2 * 1000 / 850 + 3 + 1), rel=1e-3)


def test_a_tanker_extends_reach_for_the_units_it_supports() -> None:
    base_xy = at(900.0)
    tank = Tankers(units=1, extension_km=500.0)
    (first,) = _air_elements("a", pledge("a"), fighter(550), 1, base_xy, AXIS, threat(), BASE, tankers=tank)
    (second,) = _air_elements("b", pledge("b"), fighter(550), 1, base_xy, AXIS, threat(), BASE, tankers=tank)
    assert first.reachable and "tanker" in first.note
    assert not second.reachable, "the tanker supports one unit only"
    far = Tankers(units=5, extension_km=500.0)
    (beyond,) = _air_elements("c", pledge("c"), fighter(550), 1, at(1100.0), AXIS, threat(), BASE, tankers=far)
    assert not beyond.reachable, "550 + 500 km < 1,100 km"


def test_forward_basing_in_the_host_country() -> None:
    home = at(1200.0)
    (el,) = _air_elements("a", pledge("a"), fighter(550), 1, home, AXIS, threat(), BASE, forward_bases=[at(300.0)])
    assert el.reachable and "forward base" in el.note
    (no,) = _air_elements("a", pledge("a"), fighter(550), 1, home, AXIS, threat(), BASE)
    assert not no.reachable


def test_support_aircraft_fly_no_attack_sorties() -> None:
    cap = fighter(1500)
    cap = cap.model_copy(update={"air": cap.air.model_copy(update={"attack_sorties": False})})
    (el,) = _air_elements("isr", pledge("a"), cap, 1, at(100.0), AXIS, threat(), BASE)
    assert not el.reachable and "no attack sorties" in el.note


def rocket(range_km: float = 300.0) -> object:
    return capability("rkt").model_copy(
        update={
            "fires": FiresSpec(
                range_km=range_km,
                launch_prep_h=2,
                missile_kmh=3000,
                salvo_munitions=6,
                salvos_per_day=2,
                stock_munitions=24,
            )
        }
    )


def test_a_strike_just_inside_and_just_outside_range_with_salvos_and_stock() -> None:
    th = threat(strike_target=AXIS)
    inside = _fires_element("r", pledge("a"), rocket(), 2, at(299.0), th, BASE)
    outside = _fires_element("r", pledge("a"), rocket(), 2, at(301.0), th, BASE)
    assert inside.reachable and not outside.reachable
    assert inside.extra["munitions_per_day"] == 2 * 6 * 2 and inside.extra["stock_munitions"] == 2 * 24
    assert inside.fixed_h == pytest.approx(299.0 / 3000 + 2, rel=1e-3)
    refused = _fires_element("r", pledge("a", no_offensive_strikes=True), rocket(), 1, at(100.0), th, BASE)
    assert not refused.reachable and "no_offensive_strikes" in refused.note


def test_strikes_into_the_aggressors_territory_only_when_allowed(bundled) -> None:
    th = threat(strike_target=(36.6, 50.6))  # Belgorod, in Russia
    el = _fires_element("r", pledge("a"), rocket(), 1, at(150.0, (36.6, 50.6)), th, BASE, sc=bundled, opts=Options())
    assert not el.reachable and "strikes there not allowed" in el.note
    ok = _fires_element(
        "r",
        pledge("a"),
        rocket(),
        1,
        at(150.0, (36.6, 50.6)),
        th,
        BASE,
        sc=bundled,
        opts=Options(strikes_into_aggressor=True),
    )
    assert ok.reachable


def test_montreux_and_land_axes_refuse_warships(bundled) -> None:
    sea = threat(sea_area=(31.0, 46.2), domain="coastal")
    assert "Montreux" in _naval_refusal(bundled, pledge("a", nation_iso="GBR"), sea)
    assert _naval_refusal(bundled, pledge("a", nation_iso="TUR"), sea) == ""
    assert _naval_refusal(bundled, pledge("a", nation_iso="ROU"), sea) == ""
    land = threat(sea_area=(31.0, 46.2), domain="land")
    assert "land axis" in _naval_refusal(bundled, pledge("a", nation_iso="TUR"), land)
    opened = bundled.model_copy(
        update={"geography": bundled.geography.model_copy(update={"straits_open_to": ("GBR",)})}
    )
    assert _naval_refusal(opened, pledge("a", nation_iso="GBR"), sea) == ""


def test_rail_gauge_break_and_march_limits() -> None:
    assert gauge_break("POL", "UKR") and gauge_break("DEU", "UKR") and gauge_break("ESP", "UKR")
    assert not gauge_break("LTU", "UKR") and not gauge_break("FIN", "UKR")
    # 25 h of driving at 10 h a day: two full days (2 × 24 h) and 5 h more.
    assert float(march_days(np.array([25.0]), np.array([10.0]))[0]) == pytest.approx(53.0)
    assert float(march_days(np.array([9.5]), np.array([10.0]))[0]) == pytest.approx(9.5)


def _params(**over: float) -> dict:
    from forceplan.scenario.parameters import PARAMETERS

    out = {n: Fixed(value=float(PARAMETERS[n].default.mode)) for n in PARAMETER_NAMES}
    out.update({k: Fixed(value=v) for k, v in over.items()})
    return out


def test_a_rail_move_with_and_without_the_gauge_break() -> None:
    el = Element(
        id="u",
        option="reinforcements",
        label="u",
        nation="DEU",
        power=1.0,
        draws=("loading_h", "rsom_h"),
        strategic_km=900.0,
        strategic_mode=MoveMode.rail,
        road_km=0.0,
        speed_kmh=25.0,
        node=None,
    )
    with_break = dataclasses.replace(el, draws=(*el.draws, "gauge_transload_h"))
    p = _params(coalition_decision_delay_h=0, loading_h=24, rsom_h=24, rail_kmh=30, road_circuity_factor=1.3)
    a = simulate_axis([el], p, np.zeros(0), 1, None).times_h[0, 0]
    b = simulate_axis([with_break], p, np.zeros(0), 1, None).times_h[0, 0]
    assert a == pytest.approx(24 + 900 * 1.3 / 30 + 24)
    assert b - a == pytest.approx(24.0), "the transload's mode, 24 h"


# ---------------------------------------------------------------------------------------------- on the bundled


@pytest.fixture(scope="module")
def bundled_plan(bundled):
    fg = match_force(bundled)
    return fg, station_force(bundled, fg)


def test_every_response_element_respects_its_caveats(bundled, bundled_plan) -> None:
    """Walk every element of every threat: a caveat that forbids an action is never broken."""
    fg, lay = bundled_plan
    pledges = {p.id: p for p in bundled.pledges}
    from forceplan.scenario.parameters import PARAMETERS

    modes = {n: float(PARAMETERS[n].default.mode) for n in PARAMETER_NAMES}
    seen = set()
    for th in bundled.threats:
        els, _ = build_elements(bundled, th, fg, lay, modes, Options())
        for e in els:
            if not e.reachable:
                continue
            p = pledges.get(e.id.split("@")[0])
            if p is None:
                continue
            c = p.caveats
            if e.option in ("in_theatre", "reinforcements"):
                assert not c.no_frontline, e.id
                assert c.station_countries is None or "UKR" in c.station_countries, e.id
                seen.add("land")
            if e.option == "long_range_fires":
                assert not c.no_offensive_strikes, e.id
            if e.option == "naval":
                pytest.fail(f"{e.id}: a warship reached a land axis")
            assert not (c.requires_us_backstop and not bundled.backstop.assumed), e.id
    assert "land" in seen
    # ...and the caveated units are there, held back with the reason.
    t1, _ = build_elements(bundled, bundled.threats[0], fg, lay, modes, Options())
    notes = {e.id: e.note for e in t1 if not e.reachable}
    assert any("no_frontline: stays at its station" in n for n in notes.values())
    assert any("station_countries" in n for n in notes.values())


def test_from_phase_units_wait_for_their_phase(bundled, bundled_plan) -> None:
    fg, lay = bundled_plan
    from forceplan.scenario.parameters import PARAMETERS

    modes = {n: float(PARAMETERS[n].default.mode) for n in PARAMETER_NAMES}
    late = {p.id for p in bundled.pledges if p.caveats.from_phase}
    assert late
    early, _ = build_elements(bundled, bundled.threats[0], fg, lay, modes, Options(phase=bundled.phases[0].id))
    held = [e for e in early if e.id.split("@")[0] in late]
    assert held and all(not e.reachable for e in held)


def test_without_air_power_and_without_strikes_change_p(bundled, bundled_plan) -> None:
    from forceplan.engagement.assess import assess

    fg, lay = bundled_plan
    r = assess(bundled, trials=1000, seed=2, fg=fg, laydown=lay)
    air = {t.threat: next(s.delta for s in t.sensitivity if s.case == "without air power") for t in r.threats}
    strikes = {t.threat: next(s.delta for s in t.sensitivity if s.case == "without strikes") for t in r.threats}
    assert max(air.values()) > 0.02 and min(air.values()) >= 0
    # A strike squadron flies either missile strikes or attack sorties, never both: without strikes its aircraft
    # fly attack sorties from the start instead, which on the bundled axes wear the attacker down more than the
    # missiles do on its staging areas. So dropping strikes changes P, and may lower it.
    assert max(abs(v) for v in strikes.values()) > 0
    assert r.offensives and len(r.offensives[0].axes) == 3


def test_hostile_borders_keep_stations_away(bundled, bundled_plan) -> None:
    _, lay = bundled_plan
    for g in lay.garrisons:
        if g.country == "UKR":
            assert g.distance_to_occupied_km >= bundled.geography.standoff_km
            assert min(g.distance_to_border_km.values()) >= bundled.geography.standoff_km
    names = {g.site for g in lay.garrisons}
    assert "city-kharkiv" not in names and "city-chernihiv" not in names  # 33 km from Russia, 48 km from Belarus


# ---------------------------------------------------------------------------------------------- allocation


def test_two_axis_allocation_matches_brute_force(bundled) -> None:
    """Five units, two axes, one guarded site: every assignment enumerated, the MILP's worst ratio equals the
    best found."""
    ta = threat(id="A", attacker={"initial_combat_power": 10}, defender_combat_power=2)
    tb = threat(id="B", attacker={"initial_combat_power": 6}, defender_combat_power=1)
    site = next(s for s in bundled.sites if s.protection is not None)
    powers = [1.0, 2.0, 0.5, 1.5, 3.0]
    els = [
        Element(
            id=f"p{k}@{site.id}" if k < 2 else f"p{k}@somewhere",
            option="in_theatre",
            label=f"u{k}",
            nation="X",
            power=pw,
        )
        for k, pw in enumerate(powers)
    ]
    reach_b = {"p0@" + site.id, "p2@somewhere", "p4@somewhere"}
    elements = {
        "A": els,
        "B": [e if e.id in reach_b else dataclasses.replace(e, reachable=False) for e in els],
    }
    arrival = {"A": {e.id: 24.0 for e in els}, "B": {e.id: 48.0 for e in els}}
    guard = min(site.protection.required_combat_power, powers[0] + powers[1])
    alloc = allocate(bundled, [ta, tb], elements, arrival, rel_gap=0.0)
    best = -1.0
    for choice in itertools.product([None, "A", "B"], repeat=len(els)):
        if any(c == "B" and els[k].id not in reach_b for k, c in enumerate(choice)):
            continue
        stay = sum(powers[k] for k in (0, 1) if choice[k] is None)
        if stay < guard - 1e-9:
            continue
        va = sum(powers[k] * (1 - 24 / 720) for k, c in enumerate(choice) if c == "A")
        vb = sum(powers[k] * (1 - 48 / 720) for k, c in enumerate(choice) if c == "B")
        best = max(best, min((2 + va) / 10, (1 + vb) / 6))
    assert alloc.worst_ratio == pytest.approx(best, rel=1e-6)
    kept = [e for e in els[:2] if alloc.assign[e.id] is None]
    assert sum(e.power for e in kept) >= guard - 1e-9
