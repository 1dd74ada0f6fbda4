"""load -> export/save -> load gives an equal scenario, for the bundled one and for generated ones."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forceplan.scenario import (
    Scenario,
    canonical_dict,
    check_scenario,
    export_scenario,
    load_scenario,
    save_scenario,
    scenario_digest,
)
from forceplan.scenario.model import (
    Capability,
    Caveats,
    Nation,
    Phase,
    Pledge,
    PledgeStatus,
    Requirement,
    Role,
    Site,
    SiteKind,
    Slot,
)

pytestmark = pytest.mark.unit


def test_bundled_export_roundtrip(bundled: Scenario, tmp_path: Path) -> None:
    path = export_scenario("ukraine-2025", tmp_path / "copy")
    again = load_scenario(path)
    assert canonical_dict(again) == canonical_dict(bundled)
    assert scenario_digest(again) == scenario_digest(bundled)


def test_bundled_save_roundtrip(bundled: Scenario, tmp_path: Path) -> None:
    again = load_scenario(save_scenario(bundled, tmp_path / "saved"))
    assert canonical_dict(again) == canonical_dict(bundled)


def test_digest_changes_with_content(bundled: Scenario) -> None:
    changed = bundled.model_copy(update={"requirement": bundled.requirement.model_copy(update={"max_personnel": 1})})
    assert scenario_digest(changed) != scenario_digest(bundled)


def test_bundled_passes_semantic_checks(bundled: Scenario) -> None:
    assert check_scenario(bundled) == []


# ---------------------------------------------------------------------------------------------- generated

ISO3 = ["FRA", "GBR", "DEU", "POL", "ITA", "CAN", "NOR", "EST"]
ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=10)
finite = st.floats(min_value=0.1, max_value=1000, allow_nan=False, allow_infinity=False)
# Western Ukraine, far from the line: any point here is a legal station.
west_ukraine = st.tuples(st.floats(24.0, 29.0), st.floats(48.5, 50.8))


@st.composite
def scenarios(draw, base: Scenario) -> Scenario:
    nations = [
        Nation(iso3=c, name=c, population_millions=draw(finite), gdp_usd_bn=draw(finite), gdp_year=2024)
        for c in draw(st.lists(st.sampled_from(ISO3), min_size=1, max_size=5, unique=True))
    ]
    cap_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    caps = [
        Capability(
            id=c,
            name=c,
            domain="land",
            personnel_per_unit=draw(st.integers(50, 900)),
            combat_power_per_unit=draw(st.floats(0, 3)),
            road_march_kmh=draw(st.floats(5, 60)),
            strategic_move=draw(st.sampled_from(["road", "rail", "air", "sea"])),
            roles=tuple(draw(st.lists(st.sampled_from(list(Role)), max_size=3, unique=True))),
        )
        for c in cap_ids
    ]
    phases = [
        Phase(id=p, name=p, duration_days=draw(st.none() | finite))
        for p in draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    ]
    sites = [
        Site(
            id=f"site-{i}",
            name=f"s{i}",
            kind=draw(st.sampled_from(list(SiteKind))),
            location=draw(west_ukraine),
            country="UKR",
            capacity_personnel=draw(st.integers(1, 5000)),
            station=draw(st.booleans()),
        )
        for i in range(draw(st.integers(0, 4)))
    ]
    pledges = []
    for i in range(draw(st.integers(0, 6))):
        pledges.append(
            Pledge(
                id=f"p{i}",
                nation=draw(st.sampled_from([n.iso3 for n in nations])),
                capability=draw(st.sampled_from(cap_ids)),
                quantity=draw(st.integers(1, 9)),
                personnel_per_unit=draw(st.integers(10, 900)),
                notice_to_move_days=draw(st.floats(0, 90)),
                home_base=draw(west_ukraine),
                caveats=Caveats(
                    no_frontline=draw(st.booleans()),
                    standoff_km=draw(st.none() | finite),
                    from_phase=draw(st.none() | st.sampled_from([p.id for p in phases])),
                ),
                status=draw(st.sampled_from(list(PledgeStatus))),
            )
        )
    slots = [
        Slot(
            id=f"s{i}",
            capability=draw(st.sampled_from(cap_ids)),
            quantity=draw(st.integers(1, 9)),
            max_notice_to_move_days=draw(st.floats(0, 90)),
            phase=draw(st.sampled_from([p.id for p in phases])),
            duration_days=draw(finite),
            roles=tuple(draw(st.lists(st.sampled_from(list(Role)), max_size=2))),
        )
        for i in range(draw(st.integers(0, 5)))
    ]
    return Scenario(
        schema_version=1,
        name=draw(ids),
        nations=tuple(nations),
        capabilities=tuple(caps),
        phases=tuple(phases),
        sites=tuple(sites),
        pledges=tuple(pledges),
        requirement=Requirement(max_personnel=draw(st.integers(1, 100_000)), slots=tuple(slots)),
        geography=base.geography,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_scenarios_roundtrip(bundled: Scenario, data: st.DataObject) -> None:
    sc = data.draw(scenarios(bundled))
    assert check_scenario(sc) == []
    with tempfile.TemporaryDirectory() as tmp:
        again = load_scenario(save_scenario(sc, Path(tmp)))
        assert canonical_dict(again) == canonical_dict(sc)
