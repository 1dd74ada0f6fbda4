"""Each class of bad input is reported with file, line, column, field path and a hint; all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from forceplan.scenario import load_scenario
from tests.conftest import edit

pytestmark = pytest.mark.unit


def only(problems: list, needle: str):
    hits = [p for p in problems if needle in p.message]
    assert hits, f"no problem mentions {needle!r}: {[str(p) for p in problems]}"
    return hits[0]


def test_exported_copy_is_valid(scenario_copy: Path) -> None:
    sc = load_scenario(scenario_copy / "scenario.yaml")
    assert sc.name == "ukraine-2025"


def test_yaml_syntax_error_has_line_and_column(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "scenario.yaml", "schema_version: 1", "schema_version: [1")
    (p,) = problems_of(scenario_copy)
    assert p.file.endswith("scenario.yaml") and p.line is not None and p.column is not None


def test_duplicate_key(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "scenario.yaml", "schema_version: 1", "schema_version: 1\nschema_version: 1")
    (p,) = problems_of(scenario_copy)
    assert "duplicate key" in p.message and p.line == 5


def test_unknown_field_suggests_nearest(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "scenario.yaml", "  standoff_km: 50", "  standof_km: 50")
    p = only(problems_of(scenario_copy), "unknown field 'standof_km'")
    assert p.hint == "did you mean 'standoff_km'?"
    assert p.path == ("geography", "standof_km") and p.line is not None


def test_unknown_section(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "scenario.yaml", "threats:\n", "threat:\n")
    p = only(problems_of(scenario_copy), "unknown section 'threat'")
    assert "threats" in (p.hint or "")


def test_unknown_caveat_in_csv(scenario_copy: Path, problems_of) -> None:
    edit(
        scenario_copy / "pledges.csv",
        "GBR-09,GBR,gbad_bty,2,150,20,hb-tidworth,no_frontline",
        "GBR-09,GBR,gbad_bty,2,150,20,hb-tidworth,no_frontlin",
    )
    p = only(problems_of(scenario_copy), "unknown field 'no_frontlin'")
    assert p.file.endswith("pledges.csv") and p.line == 10 and p.column == 8
    assert "no_frontline" in (p.hint or "")


def test_wrong_type(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "pledges.csv", "GBR-02,GBR,mech_inf_bn,3,750", "GBR-02,GBR,mech_inf_bn,three,750")
    p = only(problems_of(scenario_copy), "valid integer")
    assert p.path == ("pledges", 1, "quantity") and (p.line, p.column) == (3, 4)


def test_unknown_iso_code(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "pledges.csv", "FRA-01,FRA,", "FRA-01,FRX,")
    problems = problems_of(scenario_copy)
    p = only(problems, "not an ISO 3166-1 alpha-3")
    assert p.path == ("pledges", 11, "nation")
    assert only(problems, "unknown nation 'FRX'").hint == "did you mean 'FRA'?"


def test_unknown_reference_ids(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "pledges.csv", "GBR-03,GBR,armd_bn", "GBR-03,GBR,armd_btn")
    edit(scenario_copy / "scenario.yaml", "objective: city-dnipro", "objective: city-dnipr")
    edit(scenario_copy / "scenario.yaml", "phase: foc, duration_days", "phase: fco, duration_days")
    problems = problems_of(scenario_copy)
    assert only(problems, "unknown capability 'armd_btn'").hint == "did you mean 'armd_bn'?"
    assert only(problems, "unknown site or place 'city-dnipr'").hint == "did you mean 'city-dnipro'?"
    assert only(problems, "unknown phase 'fco'").path[:2] == ("requirement", "slots")


def test_coordinates_out_of_range(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "sites.csv", '"[30.5234, 50.4501]"', '"[50.4501, 130.5234]"')
    p = only(problems_of(scenario_copy), "latitude 130.5234")
    assert p.file.endswith("sites.csv") and p.path[:2] == ("sites", 5)


def test_station_inside_occupied_territory(scenario_copy: Path, problems_of) -> None:
    # Melitopol (35.37 E, 46.84 N) has been occupied since 2022.
    edit(scenario_copy / "sites.csv", '"[32.0598, 49.4444]"', '"[35.37, 46.84]"')
    p = only(problems_of(scenario_copy), "inside the occupied territory")
    assert p.path == ("sites", 18, "location") and p.file.endswith("sites.csv")


def test_zero_and_negative_quantities(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "pledges.csv", "GBR-04,GBR,recce_sqn,1,", "GBR-04,GBR,recce_sqn,0,")
    edit(scenario_copy / "scenario.yaml", "capability: bde_hq, quantity: 3", "capability: bde_hq, quantity: -3")
    problems = problems_of(scenario_copy)
    paths = {p.path for p in problems if "greater than 0" in p.message}
    assert ("pledges", 3, "quantity") in paths and ("requirement", "slots", 0, "quantity") in paths


def test_duplicate_ids(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "pledges.csv", "GBR-04,GBR", "GBR-03,GBR")
    p = only(problems_of(scenario_copy), "duplicate id 'GBR-03'")
    assert p.path == ("pledges", 3, "id") and p.line == 5


def test_missing_side_file(scenario_copy: Path, problems_of) -> None:
    (scenario_copy / "places.csv").unlink()
    problems = problems_of(scenario_copy)
    p = only(problems, "side file 'places.csv' not found")
    assert p.path == ("places",) and p.line is not None


def test_missing_geometry_file(scenario_copy: Path, problems_of) -> None:
    (scenario_copy / "deepstatemap_data_20251231.geojson").unlink()
    p = only(problems_of(scenario_copy), "GeoJSON file")
    assert p.path == ("geography", "occupied_territory")


def test_all_problems_reported_at_once(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "scenario.yaml", "max_personnel: 30000", "max_personnel: 0")
    edit(scenario_copy / "pledges.csv", "GBR-02,GBR,mech_inf_bn,3", "GBR-02,GBX,mech_inf_bnn,0")
    edit(scenario_copy / "sites.csv", "city-kyiv,Kyiv,city", "city-kyiv,Kyiv,town")
    problems = problems_of(scenario_copy)
    text = "\n".join(map(str, problems))
    for needle in ("max_personnel", "GBX", "mech_inf_bnn", "quantity", "'town'"):
        assert needle in text
    assert len(problems) >= 5


def test_csv_row_with_wrong_cell_count(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "places.csv", '"[-1.66, 51.24]"', "-1.66, 51.24")
    p = only(problems_of(scenario_copy), "cells but the header has")
    assert p.file.endswith("places.csv") and p.line == 2


def test_invalid_geojson(scenario_copy: Path, problems_of) -> None:
    (scenario_copy / "deepstatemap_data_20251231.geojson").write_text("{not json", encoding="utf-8")
    p = only(problems_of(scenario_copy), "not valid JSON")
    assert p.path == ("geography", "occupied_territory")


def test_unknown_parameter(scenario_copy: Path, problems_of) -> None:
    edit(scenario_copy / "scenario.yaml", "  road_circuity_factor:", "  road_circuitry_factor:")
    p = only(problems_of(scenario_copy), "unknown parameter")
    assert p.hint == "did you mean 'road_circuity_factor'?"
