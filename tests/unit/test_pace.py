"""Exploitation pace of 2022-2025 offensives: the lognormal fit by hand, the bundled table, hostile files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from forceplan.engagement.calibrate import DataError
from forceplan.engagement.pace import COLUMNS, Z90, exploitation_pace, fit_pace, read_offensives

pytestmark = pytest.mark.unit

HEADER = "offensive,attacker,phase,start_date,end_date,from_place,to_place,distance_km,days,kind,source,why\n"


def _write(tmp_path: Path, rows: list[str]) -> Path:
    p = tmp_path / "pace.csv"
    p.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return p


def test_lognormal_fit_by_hand(tmp_path: Path) -> None:
    """Rates 1 and e² km/day: μ = 1, σ = 1 (maximum likelihood divides by n); attrition rows are not fitted."""
    p = _write(
        tmp_path,
        [
            "A,Russia,2022,2022-01-01,2022-01-02,x,y,1,1,exploitation,src,why",
            f"B,Ukraine,2024,2024-01-01,2024-01-02,x,y,{math.e**2 * 4},4,exploitation,src,why",
            "C,Russia,2023,2023-01-01,2023-06-01,x,y,10,150,attrition,src,why",
        ],
    )
    pace = fit_pace(read_offensives(p))
    assert pace.mu == pytest.approx(1.0) and pace.sigma == pytest.approx(1.0) and pace.n_offensives == 2
    assert pace.median_kmday == pytest.approx(math.e)
    assert pace.low_kmday == pytest.approx(math.exp(1 - Z90)) and pace.high_kmday == pytest.approx(math.exp(1 + Z90))
    assert pace.quantile(0.1) == pytest.approx(pace.low_kmday)
    assert pace.duration_days == (1.0, 2.5, 4.0)
    x = pace.draw(200_000, np.random.default_rng(1))
    assert np.median(x) == pytest.approx(math.e, rel=0.02)
    assert np.array_equal(x[:10], pace.draw(10, np.random.default_rng(1)))
    with pytest.raises(DataError, match="at least two"):
        fit_pace(read_offensives(p), "2022")


def test_bundled_table() -> None:
    rows = read_offensives()
    assert all(r.source.strip() for r in rows) and len(rows) >= 12
    names = " ".join(r.offensive for r in rows)
    for place in ("Crimea", "Kyiv", "Kharkiv", "Kherson", "Bakhmut", "Avdiivka", "Pokrovsk", "Kursk"):
        assert place in names, place
    pace = exploitation_pace()
    assert pace.n_offensives == sum(r.kind == "exploitation" for r in rows)
    # The old default (13.9 km/day from Kharkiv 2022 alone) sits inside the range but well above the median.
    assert pace.low_kmday < 1.5 < pace.median_kmday < 13.9 < pace.high_kmday
    assert exploitation_pace("2024-2025").median_kmday < exploitation_pace("2022").low_kmday
    lr = np.log([r.kmday for r in rows if r.kind == "exploitation"])
    assert pace.mu == pytest.approx(lr.mean()) and pace.sigma == pytest.approx(lr.std())


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("A,Russia,2022,d,d,x,y,abc,1,exploitation,src,w", "pace.csv:2: distance_km and days must be numbers"),
        ("A,Russia,2022,d,d,x,y,10,0,exploitation,src,w", "pace.csv:2: distance_km and days must be positive"),
        ("A,Russia,2022,d,d,x,y,10,2,rout,src,w", "pace.csv:2: kind must be"),
        ("A,Russia,2022,d,d,x,y,10,2,exploitation,,w", "pace.csv:2: every row needs its source"),
    ],
)
def test_hostile_rows_are_named(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_offensives(_write(tmp_path, [row]))


def test_missing_columns_are_named(tmp_path: Path) -> None:
    p = tmp_path / "pace.csv"
    p.write_text("offensive,days\nA,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        read_offensives(p)
    assert "distance_km" in COLUMNS
