"""The naming layer: every id of the bundled scenario and every field has a readable label (issue #26)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forceplan.names import KINDS, case_words, field_label, humanise, in_words, label, unit_of
from forceplan.scenario import Scenario
from forceplan.scenario.model import Caveats, Pledge
from forceplan.scenario.parameters import PARAMETERS as SPECS
from tests.leaks import find_leaks

pytestmark = pytest.mark.unit


def test_every_id_of_the_bundled_scenario_has_a_label_without_internal_names(bundled: Scenario) -> None:
    sc = bundled
    pairs = (
        [("capability", c.id) for c in sc.capabilities]
        + [("site", s.id) for s in sc.sites]
        + [("place", p.id) for p in sc.places]
        + [("slot", s.id) for s in sc.requirement.slots]
        + [("threat", t.id) for t in sc.threats]
        + [("offensive", o.id) for o in sc.offensives]
        + [("nation", n.iso3) for n in sc.nations]
        + [("phase", p.id) for p in sc.phases]
        + [("caveat", c) for c in Caveats.model_fields]
        + [("parameter", p) for p in SPECS]
        + [("field", f) for f in Pledge.model_fields]
        + [("uncertainty", f"attacker_strength.{t.id}") for t in sc.threats]
    )
    for kind, ident in pairs:
        text = label(kind, ident, sc)
        assert text and not find_leaks(text, sc), f"{kind} {ident!r} → {text!r}"
        assert text != ident or kind == "nation", f"{kind} {ident!r} shows its id"


def test_names_come_from_the_scenario(bundled: Scenario) -> None:
    assert label("capability", "mech_inf_bn", bundled) == "Mechanised infantry battalion"
    assert label("nation", "GBR", bundled) == "United Kingdom"
    assert label("threat", "T1-zaporizhzhia", bundled).startswith("Zaporizhzhia axis")
    assert label("uncertainty", "attacker_strength.T1-zaporizhzhia", bundled) == (
        "Attacker's strength, Zaporizhzhia axis (× stated)"
    )


def test_slot_labels_are_distinct(bundled: Scenario) -> None:
    texts = [label("slot", s.id, bundled) for s in bundled.requirement.slots]
    assert len(set(texts)) == len(texts)
    assert label("slot", "S07-line-patrol", bundled) == "Reconnaissance squadron for ISR and frontline"


def test_fields_carry_their_units() -> None:
    assert field_label("personnel_per_unit") == "Personnel per unit"
    assert field_label("notice_to_move_days") == "Notice to move (days)"
    assert field_label("air.combat_radius_km") == "Combat radius (km)"
    assert field_label("coalition_decision_delay_h") == "Coalition decision delay (h)"
    assert field_label("contested_advance_km_per_day") == "Advance while contested (km/day)"
    assert field_label("road_circuity_factor").endswith("distance)")  # a ratio: no unit
    assert unit_of("rail_kmh") == "km/h"
    assert unit_of("fill_fraction") is None


def test_without_a_scenario_ids_are_put_in_words() -> None:
    assert label("capability", "mech_inf_bn") == "Mechanised infantry battalion"
    assert label("capability", "lr_fires_bty") == "Long-range fires battery"
    assert label("slot", "S07-line-patrol") == "Line patrol"
    assert label("option", "in_theatre") == "Forces in place"
    assert humanise("log_bn") == "Logistics battalion"


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        label("colour", "red")


@given(st.sampled_from(KINDS), st.from_regex(r"[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,6}){0,3}", fullmatch=True))
def test_any_snake_case_id_becomes_words(kind: str, ident: str) -> None:
    text = label(kind, ident)
    assert text.strip()
    assert "_" not in text


def test_free_text_gets_names_for_ids(bundled: Scenario) -> None:
    text = in_words("eligible units are used in S07-line-patrol; from_phase: foc; bde_hq at hb-tidworth", bundled)
    assert text == (
        "eligible units are used in Reconnaissance squadron for ISR and frontline; available from phase: "
        "Full operating capability; Brigade headquarters and signals at " + label("place", "hb-tidworth", bundled)
    )
    assert not find_leaks(text, bundled)
    # forcegen's from-phase detail names both phases as "phase <id>", so both read as names (not "in initial")
    text = in_words("GBR-12 available from phase foc, slot is in phase initial", bundled)
    assert text.endswith("slot is in phase Initial deployment of the reassurance force")


def test_a_case_reads_with_the_nations_by_name(bundled: Scenario) -> None:
    assert case_words("without FRA", bundled) == "without France"
    assert case_words("without fra,deu and committed only", bundled) == "without France, Germany and committed only"
    assert case_words("us backstop; without GBR POL", bundled) == "us backstop; without United Kingdom, Poland"
    # Not a nation list: as typed (the case parser has said what it means; these words only name the nations).
    assert case_words("without us backstop", bundled) == "without us backstop"
    assert case_words("cap 25000", bundled) == "cap 25000"


@given(st.lists(st.sampled_from(["FRA", "DEU", "GBR", "POL", "NOR", "CAN"]), min_size=1, max_size=4, unique=True))
def test_every_code_of_a_without_case_is_named(bundled: Scenario, codes: list[str]) -> None:
    sc = bundled
    text = case_words("without " + ",".join(codes) + " and committed only", sc)
    assert not any(c in text.split() or f"{c}," in text for c in codes)
    assert all(label("nation", c, sc) in text for c in codes) and text.endswith(" and committed only")
