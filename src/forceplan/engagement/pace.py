r"""How fast an attacker advances after winning a battle: exploitation rates of this war (docs/model.md, §7.8).

``data/combat/ukraine_offensive_pace.csv`` lists Russian and Ukrainian offensives of 2022–2025: the places an
advance ran between (straight-line distance, km, rounded), the days it took, and the source (ISW's daily Russian
Offensive Campaign Assessments; RUSI's reports). Rows of kind ``exploitation`` are advances after a breach — the
situation the engine models after a won battle; rows of kind ``attrition`` (Bakhmut, Avdiivka, Robotyne) are assaults
that never broke through and are kept for comparison, not fitted.

The stated distribution is a **lognormal** fitted by maximum likelihood to the exploitation rates r_i = km_i ÷ days_i:

    ln r ~ N(μ, σ²),   μ = mean ln r_i,   σ² = Σ (ln r_i − μ)² ÷ n

Its median is e^μ; the sensitivity range is its 10th and 90th percentiles, e^(μ ± 1.2816 σ). ``phase`` restricts the
fit to the 2022 war of manoeuvre or to 2024–2025, when drones watch the whole front.
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from forceplan.engagement.calibrate import DataError
from forceplan.scenario.io import data_dir

PACE_FILE = "ukraine_offensive_pace.csv"
COLUMNS = ("offensive", "attacker", "phase", "start_date", "end_date", "distance_km", "days", "kind", "source")
Z90 = 1.2815515655446004
"""The standard normal's 90th percentile."""


@dataclass(frozen=True)
class Offensive:
    offensive: str
    attacker: str
    phase: str
    start_date: str
    end_date: str
    from_place: str
    to_place: str
    distance_km: float
    days: float
    kind: str
    source: str

    @property
    def kmday(self) -> float:
        return self.distance_km / self.days


def read_offensives(path: Path | None = None) -> list[Offensive]:
    """Read the pace table; every bad cell is reported at once (DataError naming file, line and column)."""
    p = path or data_dir() / "combat" / PACE_FILE
    try:
        with open(p, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
            header = rows[0].keys() if rows else ()
    except OSError as exc:
        raise DataError(f"{p}: cannot be read ({exc})") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DataError(f"{p}:1: missing column(s) {', '.join(missing)}")
    out, errors = [], []
    for line, r in enumerate(rows, start=2):
        try:
            km, days = float(r["distance_km"]), float(r["days"])
        except (TypeError, ValueError):
            errors.append(f"{p}:{line}: distance_km and days must be numbers")
            continue
        if not (km > 0 and days > 0 and math.isfinite(km) and math.isfinite(days)):
            errors.append(f"{p}:{line}: distance_km and days must be positive")
            continue
        if r["kind"] not in ("exploitation", "attrition"):
            errors.append(f"{p}:{line}: kind must be exploitation or attrition, not {r['kind']!r}")
            continue
        if not (r["source"] or "").strip():
            errors.append(f"{p}:{line}: every row needs its source")
            continue
        out.append(
            Offensive(
                r["offensive"],
                r["attacker"],
                r["phase"],
                r["start_date"],
                r["end_date"],
                r.get("from_place", ""),
                r.get("to_place", ""),
                km,
                days,
                r["kind"],
                r["source"],
            )
        )
    if errors:
        raise DataError("\n".join(errors))
    return out


@dataclass(frozen=True)
class ExploitationPace:
    """Lognormal distribution of the attacker's advance after a won battle, km/day."""

    mu: float
    sigma: float
    n_offensives: int
    phase: str
    rates_kmday: tuple[float, ...]
    """The fitted rates, in the order of the table."""
    duration_days: tuple[float, float, float]
    """Shortest, median and longest exploitation in the table (days): how long such advances lasted."""
    sources: tuple[str, ...]

    @property
    def median_kmday(self) -> float:
        return math.exp(self.mu)

    @property
    def low_kmday(self) -> float:
        """10th percentile: the low end of the sensitivity range."""
        return math.exp(self.mu - Z90 * self.sigma)

    @property
    def high_kmday(self) -> float:
        """90th percentile: the high end of the sensitivity range."""
        return math.exp(self.mu + Z90 * self.sigma)

    def draw(self, n: int, rng: np.random.Generator) -> NDArray[np.float64]:
        """``n`` paces (km/day) drawn from the fitted lognormal."""
        return rng.lognormal(self.mu, self.sigma, size=n)

    def quantile(self, q: float) -> float:
        from scipy.stats import norm

        return math.exp(self.mu + float(norm.ppf(q)) * self.sigma)


PHASES = ("all", "2022", "2024-2025")


def fit_pace(offensives: list[Offensive], phase: str = "all") -> ExploitationPace:
    """Maximum-likelihood lognormal on the exploitation rows of ``phase`` ("all", "2022" or "2024-2025")."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {', '.join(PHASES)}")
    wanted = {"all": None, "2022": {"2022"}, "2024-2025": {"2024", "2025"}}[phase]
    rows = [o for o in offensives if o.kind == "exploitation" and (wanted is None or o.phase in wanted)]
    if len(rows) < 2:
        raise DataError(f"at least two exploitation rows are needed for phase {phase}, found {len(rows)}")
    lr = np.log([o.kmday for o in rows])
    days = np.array([o.days for o in rows])
    return ExploitationPace(
        mu=float(lr.mean()),
        sigma=float(lr.std()),
        n_offensives=len(rows),
        phase=phase,
        rates_kmday=tuple(float(o.kmday) for o in rows),
        duration_days=(float(days.min()), float(np.median(days)), float(days.max())),
        sources=tuple(dict.fromkeys(o.source for o in rows)),
    )


@functools.lru_cache(maxsize=4)
def exploitation_pace(phase: str = "all") -> ExploitationPace:
    """The bundled table's fit (cached): the default for the engine and the sensitivity row."""
    return fit_pace(read_offensives(), phase)
