"""Hostile or ambiguous scenario input refused before anything is built (issue 24, item 7): the YAML scan and the
CSV header and cell checks, each case with its line (and column where there is one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from forceplan.scenario.guards import scan_yaml
from forceplan.scenario.io import read_csv_table, read_yaml
from forceplan.scenario.problems import ScenarioError

pytestmark = pytest.mark.unit


def refused(text: str) -> str:
    with pytest.raises(ScenarioError) as exc:
        scan_yaml(text, "s.yaml")
    return "\n".join(str(p) for p in exc.value.problems)


@pytest.mark.parametrize(
    ("value", "word"),
    [
        ('!!python/object/apply:os.system ["id"]', "!!python/object/apply:os.system"),
        ("!!python/object/new:os.system [id]", "!!python/object/new"),
        ("!!python/name:os.system", "!!python/name"),
        ("!!omap [a: 1]", "!!omap"),
        ("!!set {a, b}", "!!set"),
        ("!!pairs [a: 1]", "!!pairs"),
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!str 3", "!!str"),
        ("!!int '3'", "!!int"),
        ("!!float 3", "!!float"),
        ("!custom 3", "!custom"),
        ("! 3", "YAML tag !"),
        ("!<tag:example.com,2000:x> 3", "tag:example.com"),
        ("9" * 5000, "5,000 digits"),
        ("-" + "9" * 100, "100 digits"),
        ("1" + "0" * 45 + ".5", "digits"),
        ("1_000", "contains '_'"),
        ("1_0.5", "contains '_'"),
        ("+1_000", "contains '_'"),
        ("010", "leading zero"),
        ("-007", "leading zero"),
        ("0x1F", "not written in decimal"),
        ("0o17", "not written in decimal"),
        ("0b101", "not written in decimal"),
        ("1e400", "beyond the range"),
        ("-1.5e999", "beyond the range"),
    ],
)
def test_scalar_forms_refused_with_their_line(value: str, word: str) -> None:
    text = refused(f"schema_version: 1\nx:\n  y: {value}\n")
    assert word in text and "s.yaml:3:" in text


@pytest.mark.parametrize(
    "doc",
    ["a: {<<: {b: 1}, c: 2}\n", "a:\n  <<: {b: 1}\n"],
)
def test_merge_keys_refused(doc: str) -> None:
    assert "merge key" in refused(doc)


@pytest.mark.parametrize(
    "value",
    ["3", "-2.5", "0", "0.5", "1.5e3", "2025-03-15", "'1_000'", '"010"', "S01-hq", "[30.5, 46.3]", ".inf", "true"],
)
def test_ordinary_values_pass_the_scan(value: str) -> None:
    scan_yaml(f"x: {value}\n", "s.yaml")


def test_every_problem_is_reported_not_only_the_first() -> None:
    text = refused("a: 1_000\nb: !!omap []\nc: 0x10\n")
    assert "s.yaml:1:" in text and "s.yaml:2:" in text and "s.yaml:3:" in text


def test_duplicate_keys_and_a_bom_are_handled(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("\ufeffschema_version: 1\nname: a\nname: b\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="duplicate key"):
        read_yaml(f, {})
    f.write_text("\ufeffschema_version: 1\nname: a\n", encoding="utf-8")
    assert read_yaml(f, {}) == {"schema_version": 1, "name": "a"}


def csv_problems(tmp_path: Path, text: str) -> tuple[list, str]:
    f = tmp_path / "pledges.csv"
    f.write_text(text, encoding="utf-8")
    rows, problems = read_csv_table(f, ("pledges",), {})
    return rows, "\n".join(str(p) for p in problems)


HEADER = "id,nation,capability,quantity,personnel_per_unit,notice_to_move_days,home_base"


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("foo,bar,baz\n", "unknown column 'foo'"),
        ("foo,bar,baz\n1,2,3\n", "unknown column 'foo'"),
        ("id,nation\n", "lacks required column(s) capability, quantity"),
        (HEADER + ",id\n", "column 'id' appears twice"),
        (HEADER + ",\n", "has no name"),
        (HEADER.replace("quantity", "quantiy") + "\n", "did you mean 'quantity'"),
        ("\ufeff" + HEADER.replace("id,", "idx,", 1) + "\n", "unknown column 'idx'"),
        (HEADER + ",air.range_km\n", "unknown column 'air.range_km'"),
    ],
)
def test_a_bad_header_is_refused_naming_the_columns(tmp_path: Path, text: str, word: str) -> None:
    rows, problems = csv_problems(tmp_path, text)
    assert rows == [] and word in problems and "pledges.csv:1" in problems


@pytest.mark.parametrize(
    ("cell", "word"),
    [("1_000", "contains '_'"), ("9" * 5000, "5,000 digits"), ("0x3", "not written in decimal"), ("1e400", "beyond")],
)
def test_a_numeric_cell_in_an_ambiguous_or_absurd_form_is_refused(tmp_path: Path, cell: str, word: str) -> None:
    rows, problems = csv_problems(tmp_path, f"{HEADER}\nGBR-01,GBR,bde_hq,{cell},400,30,hb-x\n")
    assert rows == [] and word in problems and "pledges.csv:2:4" in problems
    assert "9" * 100 not in problems  # never echoed whole


def test_text_cells_that_look_like_numbers_stay_text(tmp_path: Path) -> None:
    rows, problems = csv_problems(tmp_path, f"{HEADER},note\n2025_01,GBR,bde_hq,010,400,30,hb-x,1_000\n")
    assert problems == "" and rows[0]["id"] == "2025_01" and rows[0]["note"] == "1_000" and rows[0]["quantity"] == "010"


def test_a_cell_nested_past_the_json_parser_is_text_not_a_crash(tmp_path: Path) -> None:
    deep = "[" * 40_000 + "]" * 40_000
    rows, problems = csv_problems(tmp_path, f'{HEADER}\nGBR-01,GBR,bde_hq,1,400,30,"{deep}"\n')
    assert problems == "" and rows[0]["home_base"] == deep  # refused later by validation, with its cell


def test_long_values_are_not_echoed_whole(tmp_path: Path) -> None:
    from forceplan.scenario.io import load_scenario

    sc_dir = tmp_path / "sc"
    from forceplan.scenario.bundled import export_scenario

    export_scenario("ukraine-2025", sc_dir)
    p = sc_dir / "pledges.csv"
    text = p.read_text(encoding="utf-8")
    assert ",hb-tidworth,,committed" in text
    p.write_text(text.replace(",hb-tidworth,,committed", ",hb-tidworth,standoff_km=" + "9" * 5000 + ",committed", 1))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(sc_dir / "scenario.yaml")
    shown = "\n".join(str(x) for x in exc.value.problems)
    assert "pledges.csv:2:8" in shown and "9" * 100 not in shown
