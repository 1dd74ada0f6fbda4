"""Response timelines: hand-computed deterministic cases, Monte Carlo convergence, repeatability."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from forceplan.forcegen import match_force
from forceplan.scenario import Scenario
from forceplan.scenario.model import AirSpec, FiresSpec, Fixed, Threat, Triangular
from forceplan.scenario.parameters import PARAMETERS
from forceplan.stationing import station_force
from forceplan.timeline import Element, buildup_curve, respond, simulate_axis, time_to_fraction
from forceplan.timeline.elements import _air_elements, _fires_element
from forceplan.timeline.simulate import AxisSim, curve_quantiles, serve_by_priority
from tests.factories import capability, pledge

pytestmark = pytest.mark.unit
GEOD = pyproj.Geod(ellps="WGS84")
MODES = {name: spec.default for name, spec in PARAMETERS.items()}


def fixed_params(**over: float) -> dict:
    """Every parameter fixed at its default's mode (deterministic hand calculations), some overridden."""
    out = {name: Fixed(value=float(d.mode)) for name, d in MODES.items()}
    out.update({k: Fixed(value=v) for k, v in over.items()})
    return out


def test_single_unit_on_a_straight_road() -> None:
    el = Element(
        id="u",
        option="in_theatre",
        label="u",
        nation="FRA",
        power=1.0,
        approval_h=12.0,
        draws=("readiness_prep_h",),
        road_km=200.0,
        speed_kmh=25.0,
    )
    params = fixed_params(coalition_decision_delay_h=24.0, readiness_prep_h=6.0, road_circuity_factor=1.3)
    sim = simulate_axis([el], params, np.zeros(0), trials=1, rng=None)
    # 24 h decision + 12 h national approval + 6 h preparation + 200 km × 1.3 ÷ 25 km/h = 10.4 h of driving,
    # which at 10 h a day takes one day's march (10 h, then 14 h halted) and 0.4 h more.
    assert sim.times_h[0, 0] == pytest.approx(24 + 12 + 6 + 10.4 + 14)
    no_limit = simulate_axis([el], {**params, "march_hours_per_day": Fixed(value=24.0)}, np.zeros(0), 1, None)
    assert no_limit.times_h[0, 0] == pytest.approx(24 + 12 + 6 + 10.4)


def test_node_queue_of_three_units_by_hand() -> None:
    # Throughput 100 personnel/h. A (priority 1) arrives at 0 with 200; B (3) at 1 with 100; C (2) at 1.5 with 300.
    # A is served 0-2; at 2 both B and C wait: B (higher priority) 2-3, then C 3-6.
    start, wait = serve_by_priority(np.array([[0.0, 1.0, 1.5]]), np.array([2.0, 1.0, 3.0]), np.array([1.0, 3.0, 2.0]))
    assert start.tolist() == [[0.0, 2.0, 3.0]]
    assert wait.tolist() == [[0.0, 1.0, 1.5]]
    # An idle node serves the next arrival even if a higher priority unit comes later.
    start, _ = serve_by_priority(np.array([[5.0, 0.0]]), np.array([1.0, 1.0]), np.array([9.0, 1.0]))
    assert start.tolist() == [[5.0, 0.0]]


@settings(max_examples=40, deadline=None)
@given(
    arrive=hnp.arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 7)), elements=st.floats(0, 100)),
    data=st.data(),
)
def test_queue_on_the_calling_thread_equals_the_parallel_queue(arrive: np.ndarray, data: st.DataObject) -> None:
    """The queue run on one thread (the assessment's threads) gives the same service starts, bit for bit, as the
    queue split over the cores; and every unit starts no earlier than it arrives, one at a time."""
    k = arrive.shape[1]
    service = np.array(data.draw(st.lists(st.floats(0.01, 20), min_size=k, max_size=k)))
    priority = np.array(data.draw(st.lists(st.integers(0, 3), min_size=k, max_size=k)), dtype=float)
    start, wait = serve_by_priority(arrive, service, priority)
    start_1, wait_1 = serve_by_priority(arrive, service, priority, parallel=False)
    assert start_1.tobytes() == start.tobytes() and wait_1.tobytes() == wait.tobytes()
    assert (wait >= 0).all()
    for i in range(arrive.shape[0]):
        order = np.argsort(start[i], kind="stable")
        ends = start[i][order] + service[order]
        assert (start[i][order][1:] >= ends[:-1] - 1e-9).all()


def test_queue_inside_the_simulation() -> None:
    els = [
        Element(
            id=c,
            option="reinforcements",
            label=c,
            nation="FRA",
            power=1.0,
            personnel=m,
            node=0,
            priority=p,
            road_km=0.0,
            speed_kmh=25.0,
            fixed_h=a,
        )
        for c, m, p, a in (("A", 200, 1.0, 0.0), ("B", 100, 3.0, 1.0), ("C", 300, 2.0, 1.5))
    ]
    params = fixed_params(coalition_decision_delay_h=0.0)
    sim = simulate_axis(els, params, np.array([100.0]), trials=1, rng=None)
    assert sim.times_h[0].tolist() == pytest.approx([2.0, 3.0, 6.0])  # service ends (no RSOM drawn here)
    assert sim.waits_h[0].tolist() == [[0.0, 1.0, 1.5]]


def _point_at(start: tuple[float, float], km: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(start[0], start[1], 270.0, km * 1000.0)
    return (lon, lat)


def test_air_base_exactly_at_the_combat_radius() -> None:
    axis = (35.0, 48.0)
    cap = capability("f16", domain="land").model_copy(
        update={
            "domain": "air",
            "air": AirSpec(
                combat_radius_km=550,
                sortie_turnaround_h=3,
                aircraft_per_unit=12,
                cruise_kmh=850,
                mission_h=1,
                combat_power_per_sortie=0.05,
            ),
        }
    )
    threat = Threat(
        id="t",
        name="t",
        axis={"start": axis, "objective": axis},
        attacker={"initial_combat_power": 1},
        defender_combat_power=1,
        warning_time_h=0,
    )
    for km, reachable in ((550.0 - 0.01, True), (550.0 + 1.0, False)):
        (el,) = _air_elements(
            "sq",
            pledge("a"),
            cap,
            1,
            _point_at(axis, km),
            axis,
            threat,
            {"nation": "FRA", "approval_h": 0.0, "priority": 0.0},
        )
        assert el.reachable is reachable
    # RAND sortie rate: 12 aircraft × 24 h ÷ (2 × 551/850 + 3 + 1) h; air attacks the attacker (no power added).
    assert el.extra["cycle_h"] == pytest.approx(2 * 551 / 850 + 4, rel=1e-4)
    assert el.extra["sorties_per_day"] == pytest.approx(12 * 24 / el.extra["cycle_h"])
    assert el.power == 0.0
    assert el.fixed_h == pytest.approx(551 / 850, rel=1e-4)


def test_fires_target_just_in_and_just_out_of_range() -> None:
    cap = capability("rkt").model_copy(update={"fires": FiresSpec(range_km=300, launch_prep_h=2, missile_kmh=3000)})
    target = (37.0, 48.0)
    threat = Threat(
        id="t",
        name="t",
        axis={"start": target, "objective": target},
        strike_target=target,
        attacker={"initial_combat_power": 1},
        defender_combat_power=1,
        warning_time_h=0,
    )
    base = {"nation": "FRA", "approval_h": 0.0, "priority": 0.0}
    inside = _fires_element("b", pledge("a"), cap, 1, _point_at(target, 299.0), threat, base)
    outside = _fires_element("b", pledge("a"), cap, 1, _point_at(target, 301.0), threat, base)
    assert inside.reachable and not outside.reachable
    assert inside.fixed_h == pytest.approx(2 + 299 / 3000, rel=1e-4)
    barred = _fires_element("b", pledge("a", no_offensive_strikes=True), cap, 1, _point_at(target, 100.0), threat, base)
    assert not barred.reachable


def test_monte_carlo_median_converges_to_the_analytic_median() -> None:
    a, c, b = 6.0, 24.0, 72.0
    # Triangular median with c < (a + b)/2: b − sqrt((b − a)(b − c)/2) = 32.20 h
    median = b - np.sqrt((b - a) * (b - c) / 2)
    el = Element(id="u", option="in_theatre", label="u", nation=None, power=1.0, road_km=0.0, speed_kmh=1.0)
    params = fixed_params(coalition_decision_delay_h=0.0)
    params["coalition_decision_delay_h"] = Triangular(min=a, mode=c, max=b)
    sim = simulate_axis([el], params, np.zeros(0), trials=10_000, rng=np.random.default_rng(7))
    # Standard error of the sample median: 1 / (2 f(m) √N) ≈ 0.2 h; tolerance 3 standard errors.
    assert float(np.median(sim.times_h[:, 0])) == pytest.approx(median, abs=0.6)


def test_buildup_curve_and_time_to_fraction() -> None:
    times = np.array([[1.0, 2.5, np.inf], [0.0, 3.0, 10.0]])
    sim = AxisSim(times, np.array([1.0, 2.0, 5.0]), {}, {})
    power = sim.power()
    curve = buildup_curve(sim, base_power=10.0, hours=4)
    assert curve.tolist() == [[10, 11, 11, 13, 13], [11, 11, 11, 13, 13]]
    assert time_to_fraction(times, power, 0.5).tolist() == [2.5, 10.0]
    assert time_to_fraction(times, power, 1.0).tolist() == [2.5, 10.0]


@pytest.fixture(scope="module")
def plan(bundled: Scenario) -> dict:
    fg = match_force(bundled)
    return {"fg": fg, "laydown": station_force(bundled, fg)}


def test_same_seed_identical_output(bundled: Scenario, plan: dict) -> None:
    a = respond(bundled, threats=["T4-kherson-crossing"], trials=500, seed=3, **plan)
    b = respond(bundled, threats=["T4-kherson-crossing"], trials=500, seed=3, **plan)
    c = respond(bundled, threats=["T4-kherson-crossing"], trials=500, seed=4, **plan)
    assert a.to_json() == b.to_json() and a.to_json() != c.to_json()
    assert a.seed == 3 and a.trials == 500


def test_one_threat_alone_equals_the_same_threat_in_a_full_run(bundled: Scenario, plan: dict) -> None:
    alone = respond(bundled, threats=["T3-kharkiv"], trials=300, seed=9, **plan)
    full = respond(bundled, trials=300, seed=9, **plan)
    assert next(t for t in full.threats if t.threat == "T3-kharkiv") == alone.threats[0]


def test_decision_delay_what_if(bundled: Scenario, plan: dict) -> None:
    fast = respond(bundled, threats=["T1-zaporizhzhia"], deterministic=True, decision_delay_h=6, **plan)
    slow = respond(bundled, threats=["T1-zaporizhzhia"], deterministic=True, decision_delay_h=72, **plan)
    f = {c.option: c for c in fast.threats[0].options}["in_theatre"].first_effect_h.p50
    s = {c.option: c for c in slow.threats[0].options}["in_theatre"].first_effect_h.p50
    assert s - f == pytest.approx(66.0)


def test_curve_quantiles_match_numpy_inverted_cdf() -> None:
    rng = np.random.default_rng(0)
    times = rng.uniform(0, 30, size=(1001, 40))
    sim = AxisSim(
        times, rng.uniform(0, 2, size=40), {}, {}, scale=rng.uniform(0.5, 1, 1001), scaled=np.arange(40) % 3 == 0
    )
    curve = buildup_curve(sim, 5.0, hours=30)
    # The curve equals a direct sum of every element's power at its time.
    p = sim.power()
    direct = 5.0 + np.array([(p * (np.ceil(times) <= h)).sum(axis=1) for h in range(31)]).T
    assert np.allclose(curve, direct)
    expect = np.quantile(curve, [0.1, 0.5, 0.9], axis=0, method="inverted_cdf")
    assert np.array_equal(curve_quantiles(curve), expect)
