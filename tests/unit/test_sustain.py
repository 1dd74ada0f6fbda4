"""Rotation pools, lapses, overlaps, cost and the month-by-month run: hand cases and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forceplan.forcegen import Options
from forceplan.scenario.model import Pledge
from forceplan.scenario.sustain import MONTH_DAYS, CostRate, ForceKind, RotationPolicy, Sustain
from forceplan.sustain import sustain_force
from forceplan.sustain.requests import month_ranges
from forceplan.sustain.rotation import Policy, pool_units, rotation_end_day, units_in_theatre
from tests import factories as f

pytestmark = pytest.mark.unit


def policy(tour: float = 6, dwell: float = 2, overlap: float = 0, rotations: int | None = None) -> Policy:
    return Policy(ForceKind.regular, tour, dwell, overlap, rotations)


def one_pledge_scenario(pledge: Pledge, sustain: Sustain | None = None, slot_qty: int = 1):
    sc = f.scenario([pledge], [f.slot("S1", qty=slot_qty, phase="p1", duration=30)])
    return sc.model_copy(update={"sustain": sustain or Sustain()})


def with_rotation(p: Pledge, **kw: object) -> Pledge:
    return p.model_copy(update={"rotation": RotationPolicy(**kw)})  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------- hand cases


def test_six_month_tour_at_one_to_two_dwell_needs_three_units() -> None:
    assert pool_units(1, policy(6, 2, 0)) == 3
    assert pool_units(2, policy(6, 2, 0)) == 6
    # Reserves at 1:5 need six units per unit deployed.
    assert pool_units(1, policy(6, 5, 0)) == 6


def test_an_overlap_shortens_the_step_between_tours_and_can_need_one_more_unit() -> None:
    # 6-month tours (182.6 days), 14-day overlap: a tour starts every 168.6 days, a unit is away 547.9 days
    # (tour + 1:2 dwell): 547.9 / 168.6 = 3.25 positions → 4 units.
    assert pool_units(1, policy(6, 2, 14)) == 4


def test_an_overlap_of_14_days_doubles_the_units_for_14_days() -> None:
    pol = policy(6, 2, 14, rotations=3)
    step = 6 * MONTH_DAYS - 14
    start = 0.0
    days = range(0, 600)
    doubled = [d for d in days if units_in_theatre(pol, 2, start, math.inf, d + 0.5) == 4]
    # Two handovers (three tours), each 14 days with both units in theatre.
    assert len(doubled) == 28
    assert doubled[0] == math.ceil(step - 0.5)
    assert all(units_in_theatre(pol, 2, start, math.inf, d + 0.5) in (2, 4) for d in range(0, 500))
    # After the third tour ends nothing is left.
    assert units_in_theatre(pol, 2, start, math.inf, rotation_end_day(pol, start) + 0.1) == 0


def test_a_window_ending_in_month_7_leaves_a_gap_from_month_8() -> None:
    p = f.pledge("A").model_copy(update={"available_until_day": 7 * MONTH_DAYS})
    sc = one_pledge_scenario(with_rotation(p, tour_months=12, overlap_days=0))
    r = sustain_force(sc, 1)
    short = [m.month for m in r.months if m.shortfall_units]
    assert short == list(range(8, 13))
    assert r.first_gap_month == 8
    assert r.pledges[0].last_month == 7 and r.pledges[0].ends_because == "window ends"
    # The request to extend the window covers the gap from month 8.
    assert r.requests[0].kind == "extend the window" and r.requests[0].months[0] == 8


def test_rotations_running_out_end_the_pledge_and_name_the_nation() -> None:
    p = with_rotation(f.pledge("A", "EST"), tour_months=4, overlap_days=0, rotations=2)
    sc = one_pledge_scenario(p)
    r = sustain_force(sc, 1)
    # Two 4-month tours from day 0: in theatre until day 243.5, months 1-8; a gap from month 9.
    assert [m.month for m in r.months if m.shortfall_units] == [9, 10, 11, 12]
    assert r.first_run_out is not None and r.first_run_out.name == "EST" and r.first_run_out.runs_out_month == 9
    assert r.first_run_out.reason == "rotations run out"
    # The handover month is flagged: the second tour starts on day 121.75, in month 5.
    assert [m.month for m in r.months if m.handover] == [5]
    assert r.requests[0].kind == "one more rotation" and r.requests[0].months == [9, 10, 11, 12]


def test_cost_of_a_hand_sized_force() -> None:
    # One unit of 500 for 12 months on 6-month tours without overlap: personnel 500 × $60k = $30M, operations
    # 12 × $1M = $12M, transport: in at month 1 (1 move) and a handover in month 7 (out + in: 2 moves) at $2M = $6M.
    # Stationed instead: the same $42M, one move in ($2M), 500 × $10k housing ($5M) and $50M of facilities.
    rate = CostRate(
        personnel_usd_per_person_year=60_000,
        operations_usd_per_unit_month=1_000_000,
        transport_usd_per_unit_move=2_000_000,
        stationing_usd_per_person_year=10_000,
        stationing_setup_usd_per_unit=50_000_000,
    )
    p = with_rotation(f.pledge("A"), tour_months=6, overlap_days=0)
    r = sustain_force(one_pledge_scenario(p, Sustain(costs=(rate,))), 1)
    (c,) = r.costs
    assert c.personnel_usd == pytest.approx(30e6)
    assert c.operations_usd == pytest.approx(12e6)
    assert c.transport_usd == pytest.approx(6e6)
    assert c.rotation_usd == pytest.approx(48e6)
    assert c.stationing_usd == pytest.approx(42e6 + 2e6 + 5e6 + 50e6)
    # Per capita and per GDP beside burden sharing: the factory's nation has 10 M people and $100bn GDP.
    assert c.usd_per_capita == pytest.approx(4.8)
    assert c.share_of_gdp == pytest.approx(48e6 / 100e9)
    assert c.person_years == pytest.approx(500)


def test_no_cost_rates_means_no_cost_figures_and_a_message() -> None:
    r = sustain_force(one_pledge_scenario(f.pledge("A")), 1)
    assert all(c.rotation_usd == 0 for c in r.costs)
    assert any("no cost rates" in m for m in r.messages)


def test_equal_months_are_solved_once_and_match_the_cold_run(bundled) -> None:
    warm = sustain_force(bundled, 2)
    cold = sustain_force(bundled, 2, cache=False)
    assert warm.distinct_solves < 24 and cold.distinct_solves == 24
    assert [m.model_dump(exclude={"solved"}) for m in warm.months] == [
        m.model_dump(exclude={"solved"}) for m in cold.months
    ]


def test_same_inputs_give_identical_json(bundled) -> None:
    assert sustain_force(bundled, 1).to_json() == sustain_force(bundled, 1).to_json()


def test_month_ranges() -> None:
    assert month_ranges([3, 4, 5, 9, 11, 12]) == "3-5, 9, 11-12"
    assert month_ranges([]) == ""


def test_a_policy_overlap_of_half_the_tour_is_refused() -> None:
    with pytest.raises(ValueError, match="overlap_days"):
        Pledge.model_validate({**f.pledge("A").model_dump(), "rotation": {"tour_months": 1, "overlap_days": 20}})


# ------------------------------------------------------------------------------------------- properties


@given(
    units=st.integers(1, 20),
    tour=st.floats(1, 24),
    dwell=st.floats(0, 6),
    overlap_frac=st.floats(0, 0.49),
)
def test_a_pool_is_never_smaller_than_deployed_times_one_plus_dwell(
    units: int, tour: float, dwell: float, overlap_frac: float
) -> None:
    # Definition: the pool is the number of units that keeps `units` positions filled in the steady state,
    # each unit away from home for a tour and then at home for dwell × tour.
    pol = policy(tour, dwell, overlap_frac * tour * MONTH_DAYS)
    assert pool_units(units, pol) >= units * (1 + dwell) - 1e-9


@settings(max_examples=12, deadline=None)
@given(
    until_month=st.integers(2, 20),
    rotations=st.integers(1, 4),
    tour=st.sampled_from([3, 4, 6, 9]),
    years=st.integers(1, 2),
)
def test_lengthening_the_horizon_never_reduces_a_gap_already_found(
    until_month: int, rotations: int, tour: int, years: int
) -> None:
    a = with_rotation(f.pledge("A", qty=1), tour_months=tour, overlap_days=0, rotations=rotations)
    b = f.pledge("B", "DEU", qty=1).model_copy(update={"available_until_day": until_month * MONTH_DAYS})
    sc = f.scenario([a, b], [f.slot("S1", qty=2, phase="p1", duration=30)]).model_copy(update={"sustain": Sustain()})
    short = sustain_force(sc, years)
    long = sustain_force(sc, years + 1)
    for m_short, m_long in zip(short.months, long.months, strict=False):
        assert m_long.shortfall_units >= m_short.shortfall_units
        assert m_long.model_dump() == m_short.model_dump()


def test_years_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="years"):
        sustain_force(one_pledge_scenario(f.pledge("A")), 0, Options())


# ------------------------------------------------------------------------------------------- bad input


def test_a_bad_kind_of_force_in_the_csv_names_file_line_and_field(scenario_copy, problems_of) -> None:
    path = scenario_copy / "pledges.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    (lineno,) = [i + 1 for i, line in enumerate(lines) if line.startswith("EST-01,")]
    assert ",reserve," in lines[lineno - 1] or lines[lineno - 1].endswith(",reserve")
    lines[lineno - 1] = lines[lineno - 1].replace("reserve", "reservist")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = problems_of(scenario_copy)
    (p,) = [p for p in problems if "force" in p.path]
    assert p.file.endswith("pledges.csv") and p.line == lineno
    assert "regular" in p.message and "reserve" in p.message


def test_a_zero_tour_in_the_sustain_section_names_its_line(scenario_copy, problems_of) -> None:
    from tests.conftest import edit

    edit(
        scenario_copy / "scenario.yaml",
        "tour_months: 9",
        "tour_months: 0",
    )
    problems = problems_of(scenario_copy)
    (p,) = [p for p in problems if "tour_months" in p.path]
    assert p.path[:2] == ("sustain", "rotation_defaults") and p.line is not None
    assert "greater than or equal to 1" in p.message


def test_two_cost_rates_for_one_capability_are_refused() -> None:
    rate = dict(personnel_usd_per_person_year=1, operations_usd_per_unit_month=1, transport_usd_per_unit_move=1)
    with pytest.raises(ValueError, match="two cost rates for inf"):
        Sustain(costs=(CostRate(capabilities=("inf",), **rate), CostRate(capabilities=("inf",), **rate)))


def test_an_unknown_capability_in_the_cost_model_is_named(scenario_copy, problems_of) -> None:
    from tests.conftest import edit

    edit(scenario_copy / "scenario.yaml", "capabilities: [frigate, mcm_vessel]", "capabilities: [frigate, mcm_vesel]")
    (p,) = [p for p in problems_of(scenario_copy) if "mcm_vesel" in p.message]
    assert p.path[:2] == ("sustain", "costs") and p.line is not None
    assert "mcm_vessel" in (p.hint or "")


def test_the_handover_assessment_waits_for_before_assessing(bundled, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline holds the sustainment's two handover assessments until its own assessment is done (memory):
    the gate is called once, after the month's laydown and before either assessment."""
    import forceplan.engagement.assess as assess_module

    calls: list[str] = []
    real = assess_module.assess

    def assess(*args: object, **kwargs: object) -> object:
        calls.append("assess")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(assess_module, "assess", assess)
    out = sustain_force(bundled, 3, assess_trials=300, seed=1, before_assessing=lambda: calls.append("gate"))
    assert out.handover_assessment is not None
    assert calls == ["gate", "assess", "assess"]
