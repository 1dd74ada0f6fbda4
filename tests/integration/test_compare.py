"""``forceplan compare``: two plans that differ by one nation's withdrawal; the differences it names are exactly
those in the two plan.json files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forceplan.cli.app import run

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def two_plans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("cmp")
    common = ["--response-trials", "200", "--trials", "1000", "--seed", "3", "--no-pdf"]
    assert run(["plan", "ukraine-2025", "--out", str(base / "a"), *common]) == 0
    assert run(["plan", "ukraine-2025", "--out", str(base / "b"), "--without", "FRA", *common]) == 0
    return base / "a", base / "b"


def test_compare_names_exactly_the_differences(two_plans: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    a, b = two_plans
    out = tmp_path / "diff.json"
    assert run(["compare", str(a), str(b), "--json", str(out), "--out", str(tmp_path / "report"), "--no-pdf"]) == 0
    d = json.loads(out.read_text())
    pa, pb = (json.loads((p / "plan.json").read_text()) for p in (a, b))

    def by(p: dict, key: str, val: str) -> dict:
        return {x[key]: x[val] for x in p}

    na = {k: v for k, v in by(pa["forcegen"]["burden"], "nation", "personnel_matched").items() if v}
    nb = {k: v for k, v in by(pb["forcegen"]["burden"], "nation", "personnel_matched").items() if v}
    changed = {k for k in set(na) | set(nb) if na.get(k, 0) != nb.get(k, 0)}
    assert {c["what"] for c in d["nations"]} == changed and "FRA" in changed
    ga = by(pa["stationing"]["garrisons"], "name", "personnel")
    gb = by(pb["stationing"]["garrisons"], "name", "personnel")
    assert {c["what"] for c in d["garrisons"]} == {k for k in set(ga) | set(gb) if ga.get(k, 0) != gb.get(k, 0)}
    tot = {c["what"]: c["delta"] for c in d["totals"]}
    assert (
        tot["personnel_matched"]
        == pb["forcegen"]["totals"]["personnel_matched"] - pa["forcegen"]["totals"]["personnel_matched"]
    )
    for p in d["probabilities"]:
        x = next(t for t in pa["assessment"]["threats"] if t["threat"] == p["threat"])["p_reached"]
        y = next(t for t in pb["assessment"]["threats"] if t["threat"] == p["threat"])["p_reached"]
        assert p["delta"] == pytest.approx(y["p"] - x["p"], abs=1e-4)
        assert p["significant"] == (abs(y["p"] - x["p"]) > 2 * (x["mc_error"] ** 2 + y["mc_error"] ** 2) ** 0.5)
    html = (tmp_path / "report" / "compare.html").read_text()
    assert "without France" in html and "without FRA" not in html and "significant" in html


def test_compare_a_plan_with_itself_finds_nothing(two_plans: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    a, _ = two_plans
    out = tmp_path / "same.json"
    assert run(["compare", str(a), str(a / "plan.json"), "--json", str(out)]) == 0
    d = json.loads(out.read_text())
    assert d["totals"] == d["nations"] == d["garrisons"] == d["options"] == []
    assert all(p["delta"] == 0 and not p["significant"] for p in d["probabilities"])


def test_compare_refuses_what_is_not_a_plan(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"meta": 1}')
    assert run(["compare", str(bad), str(bad)]) == 2
    assert "not a forceplan plan.json" in capsys.readouterr().err
