"""Hand-solvable force-generation cases: each eligibility rule, each caveat, the personnel and share caps."""

from __future__ import annotations

import dataclasses

import pytest

from forceplan.forcegen import Options, match_force
from forceplan.scenario.model import PledgeStatus, Role
from tests.factories import capability, pledge, scenario, slot

pytestmark = pytest.mark.unit


def filled(sc, opts=None) -> dict[str, int]:
    r = match_force(sc, opts)
    assert r.optimal
    return {s.slot: s.filled_units for s in r.slots}


def codes(sc, slot_id: str, opts=None) -> set[str]:
    r = match_force(sc, opts)
    return {x.code for s in r.slots if s.slot == slot_id for x in s.shortfall_reasons}


def test_simple_fill_and_totals() -> None:
    sc = scenario([pledge("a", qty=2, personnel=600)], [slot("s", qty=3)])
    r = match_force(sc)
    assert (r.totals.units_matched, r.totals.personnel_matched, r.totals.shortfall_units) == (2, 1200, 1)
    assert r.totals.fill_fraction == pytest.approx(2 / 3)
    assert [x.code for x in r.slots[0].shortfall_reasons] == ["not_enough_units"]


def test_no_pledge_of_capability() -> None:
    sc = scenario([pledge("a")], [slot("s", cap="arty")], capabilities=[capability(), capability("arty")])
    assert codes(sc, "s") == {"no_pledge"}


def test_notice_to_move() -> None:
    sc = scenario([pledge("slow", ntm=31), pledge("fast", ntm=30, nation_iso="GBR")], [slot("s", qty=2, ntm=30)])
    r = match_force(sc)
    assert [a.pledge for a in r.assignments] == ["fast"]
    assert {x.code for x in r.slots[0].shortfall_reasons} == {"notice", "not_enough_units"}


@pytest.mark.parametrize(
    ("caveat", "slot_kwargs", "code"),
    [
        ({"no_frontline": True}, {"roles": (Role.frontline,)}, "caveat:no_frontline"),
        ({"max_duration_days": 89}, {"duration": 90}, "caveat:max_duration_days"),
        ({"from_phase": "p2"}, {"phase": "p1"}, "caveat:from_phase"),
        ({"requires_us_backstop": True}, {}, "caveat:requires_us_backstop"),
        ({"air_only": True}, {"roles": (Role.protection,)}, "caveat:air_only"),
        ({"no_offensive_strikes": True}, {"roles": (Role.strike,)}, "caveat:no_offensive_strikes"),
        ({"excluded_roles": (Role.qrf,)}, {"roles": (Role.qrf, Role.protection)}, "caveat:excluded_roles"),
    ],
)
def test_each_caveat_excludes_and_its_absence_admits(caveat, slot_kwargs, code) -> None:
    sc = scenario([pledge("a", **caveat)], [slot("s", **slot_kwargs)])
    assert filled(sc) == {"s": 0}
    assert code in codes(sc, "s")
    sc_free = scenario([pledge("a")], [slot("s", **slot_kwargs)])
    assert filled(sc_free) == {"s": 1}


def test_caveats_that_admit() -> None:
    # max_duration equal to the slot's, from_phase equal to the slot's phase, air_only on an air slot.
    sc = scenario(
        [pledge("a", max_duration_days=90, from_phase="p2", air_only=True)],
        [slot("s", duration=90, phase="p2", roles=(Role.air,))],
    )
    assert filled(sc) == {"s": 1}


def test_backstop_admits_requires_us_backstop_and_adds_assets() -> None:
    us = pledge("us", nation_iso="USA")
    sc = scenario(
        [pledge("a", requires_us_backstop=True)],
        [slot("s", qty=2)],
        backstop_assets=[us],
        nations=["FRA", "USA"],
    )
    assert filled(sc) == {"s": 0}
    assert filled(sc, Options(us_backstop=True)) == {"s": 2}


def test_backstop_case_changes_only_the_backstop() -> None:
    """The assessment's 'with US backstop' case is the assessed options with the backstop assumed: the phase a
    violation is assessed in and the strikes policy stay (they once reset to the complete force and the scenario's
    policy); no case when the backstop is assumed already or there are no assets."""
    us = pledge("us", nation_iso="USA")
    sc = scenario([pledge("a")], [slot("s")], backstop_assets=[us], nations=["FRA", "USA"])
    opts = Options(
        min_status=PledgeStatus.committed,
        without=frozenset({"GBR"}),
        max_personnel=5_000,
        max_nation_share=0.4,
        phase="freeze",
        strikes_into_aggressor=True,
    )
    case = opts.backstop_case(sc)
    assert case == dataclasses.replace(opts, us_backstop=True)
    assert case.backstop_case(sc) is None
    assert Options().backstop_case(scenario([pledge("a")], [slot("s")])) is None


def test_status_counting() -> None:
    sc = scenario(
        [
            pledge("o", status="offered"),
            pledge("c", status="committed", nation_iso="GBR"),
            pledge("w", status="withdrawn", nation_iso="DEU"),
        ],
        [slot("s", qty=3)],
    )
    assert filled(sc) == {"s": 2}  # withdrawn never counts
    r = match_force(sc, Options(min_status=PledgeStatus.committed))
    assert [a.pledge for a in r.assignments] == ["c"]
    assert "status" in {x.code for x in r.slots[0].shortfall_reasons}


def test_availability_window() -> None:
    late = pledge("late").model_copy(update={"available_from_day": 31})
    short = pledge("short", nation_iso="GBR").model_copy(update={"available_until_day": 100})
    ok = pledge("ok", nation_iso="DEU").model_copy(update={"available_from_day": 30, "available_until_day": 120})
    # p2 runs days 30-90; the slot lasts 90 days from day 30, to day 120.
    sc = scenario([late, short, ok], [slot("s", qty=3, phase="p2", duration=90)])
    r = match_force(sc)
    assert [a.pledge for a in r.assignments] == ["ok"]


def test_without_nation() -> None:
    sc = scenario([pledge("a"), pledge("b", nation_iso="GBR")], [slot("s", qty=2)])
    r = match_force(sc, Options(without=frozenset({"FRA"})))
    assert [a.pledge for a in r.assignments] == ["b"]
    assert "without" in {x.code for x in r.slots[0].shortfall_reasons}


def test_personnel_cap_binds_and_is_named() -> None:
    # Two slots of weight 2 and 1; the cap admits one 600-person unit only: fill the heavier slot.
    sc = scenario(
        [pledge("a", qty=2, personnel=600)],
        [slot("heavy", weight=2), slot("light", weight=1)],
        max_personnel=1000,
    )
    r = match_force(sc)
    assert {s.slot: s.filled_units for s in r.slots} == {"heavy": 1, "light": 0}
    assert {x.code for x in r.slots[1].shortfall_reasons} == {"personnel_cap"}


def test_lexicographic_prefers_smaller_units_then_more_nations() -> None:
    # Same fill either way; stage 2 picks the 400-person units; stage 3 then spreads over nations.
    sc = scenario(
        [
            pledge("big", qty=2, personnel=800),
            pledge("a", qty=2, personnel=400, nation_iso="GBR"),
            pledge("b", qty=2, personnel=400, nation_iso="DEU"),
        ],
        [slot("s", qty=2)],
    )
    r = match_force(sc)
    assert r.totals.personnel_matched == 800
    assert sorted(a.nation for a in r.assignments) == ["DEU", "GBR"]
    assert [s.stage for s in r.solve] == ["fill", "personnel", "nations"]


def test_nation_share_cap() -> None:
    sc = scenario(
        [pledge("a", qty=3, personnel=500), pledge("b", qty=1, personnel=500, nation_iso="GBR")],
        [slot("s", qty=4)],
        max_nation_share=0.5,
    )
    r = match_force(sc)
    by = {b.nation: b.personnel_matched for b in r.burden}
    assert by == {"FRA": 500, "GBR": 500}
    assert "nation_share_cap" in {x.code for x in r.slots[0].shortfall_reasons}


def test_empty_requirement_is_a_valid_empty_result() -> None:
    r = match_force(scenario([pledge("a")], []))
    assert r.slots == [] and r.totals.units_required == 0 and r.totals.fill_fraction == 1.0
    assert any("no slots" in m for m in r.messages)
    assert r.unused[0].reasons[0].code == "no_slot"


def test_no_eligible_pledges_gives_all_shortfalls() -> None:
    r = match_force(scenario([pledge("a", ntm=99)], [slot("s", qty=2)]))
    assert r.totals.units_matched == 0 and r.slots[0].shortfall_units == 2
    assert any("No pledge is eligible" in m for m in r.messages)


def test_cap_below_smallest_unit() -> None:
    r = match_force(scenario([pledge("a", personnel=500)], [slot("s")], max_personnel=100))
    assert r.totals.personnel_matched == 0
    assert any("below the smallest pledged unit" in m for m in r.messages)


def test_readiness_profile_and_lifecycle() -> None:
    sc = scenario(
        [
            pledge("a", ntm=3, personnel=100),
            pledge("b", ntm=12, personnel=300, nation_iso="GBR", status="offered"),
        ],
        [slot("s", qty=2)],
    )
    r = match_force(sc)
    assert [(p.day, p.personnel) for p in r.readiness] == [(0, 0), (5, 100), (10, 100), (30, 400), (60, 400)]
    life = {row.status: (row.personnel_offered, row.personnel_matched) for row in r.lifecycle}
    assert life["committed"] == (100, 100) and life["offered"] == (300, 300)


def test_burden_per_capita_and_gdp() -> None:
    r = match_force(scenario([pledge("a", personnel=500)], [slot("s")]))
    (b,) = r.burden
    assert (b.share, b.per_million_population, b.per_usd_bn_gdp) == (1.0, 50.0, 5.0)
