r"""Rotation: the pool a nation must hold to keep a pledge in theatre, and when its tours run out.

A pledge of q units keeps q units in theatre with tours of T months (τ = T·d days, d = 365.25/12), a
deployed-to-dwell ratio 1:D and an overlap of O days at each handover, for R tours (R = ∞ if unset).
Tour k (k = 0, 1, ...) of a pledge first deployed on day t₀ starts on

    s_k = t₀ + k (τ − O)

and ends on s_k + τ: the incoming unit arrives O days before the outgoing unit leaves. A unit that leaves
spends D·τ days at home before it may deploy again, so it is back in theatre every τ (1 + D) days while a new
tour starts every τ − O days; the units that keep one position filled, the pool, are

    pool = ⌈ q (1 + D) τ / (τ − O) ⌉  ≥  q (1 + D).

The pledge is in theatre from t₀ until s_{R−1} + τ (its last tour ends), and within its availability window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from forceplan.scenario import Scenario
from forceplan.scenario.model import Pledge
from forceplan.scenario.sustain import DEFAULT_ROTATIONS, MONTH_DAYS, ForceKind, RotationDefault


@dataclass(frozen=True)
class Policy:
    """A pledge's rotation policy with every default resolved."""

    force: ForceKind
    tour_months: float
    dwell_ratio: float
    overlap_days: float
    rotations: int | None
    source: str | None = None

    @property
    def tour_days(self) -> float:
        return self.tour_months * MONTH_DAYS

    @property
    def step_days(self) -> float:
        """Days between the starts of two successive tours."""
        return self.tour_days - self.overlap_days


def _default(sc: Scenario, force: ForceKind, capability: str) -> RotationDefault:
    defaults = sc.sustain.rotation_defaults
    for d in defaults:
        if d.force is force and capability in d.capabilities:
            return d
    for d in defaults:
        if d.force is force and not d.capabilities:
            return d
    return next(d for d in DEFAULT_ROTATIONS if d.force is force)


def resolve_policy(sc: Scenario, p: Pledge) -> Policy:
    """The pledge's own rotation fields, else the scenario's default for its kind of force and capability.

    A ``max_duration_days`` caveat caps the tour (a nation that stays at most 120 days rotates every 120 days)."""
    d = _default(sc, p.force, p.capability)
    r = p.rotation
    tour = r.tour_months if r.tour_months is not None else d.tour_months
    if p.caveats.max_duration_days is not None:
        tour = min(tour, p.caveats.max_duration_days / MONTH_DAYS)
    overlap = r.overlap_days if r.overlap_days is not None else d.overlap_days
    overlap = min(overlap, tour * MONTH_DAYS / 2 - 1.0) if overlap > 0 else 0.0
    return Policy(
        force=p.force,
        tour_months=tour,
        dwell_ratio=r.dwell_ratio if r.dwell_ratio is not None else d.dwell_ratio,
        overlap_days=max(overlap, 0.0),
        rotations=r.rotations if r.rotations is not None else d.rotations,
        source=d.source,
    )


def pool_units(units: int, pol: Policy) -> int:
    """Units a nation must hold to keep ``units`` in theatre for good (see the module docstring)."""
    exact = units * (1.0 + pol.dwell_ratio) * pol.tour_days / pol.step_days
    return math.ceil(exact - 1e-9)


def tour_starts(pol: Policy, start_day: float, until_day: float) -> list[float]:
    """Start days of every tour that begins before ``until_day`` (the first at ``start_day``)."""
    out: list[float] = []
    k = 0
    while True:
        s = start_day + k * pol.step_days
        if s >= until_day or (pol.rotations is not None and k >= pol.rotations):
            return out
        out.append(s)
        k += 1


def rotation_end_day(pol: Policy, start_day: float) -> float:
    """The day the last tour ends (infinity when the rotations are unlimited)."""
    if pol.rotations is None:
        return math.inf
    return start_day + (pol.rotations - 1) * pol.step_days + pol.tour_days


def units_in_theatre(pol: Policy, units: int, start_day: float, end_day: float, day: float) -> int:
    """Units of one pledge in theatre on ``day``: ``units`` from ``start_day`` until ``end_day`` (and its last
    tour's end), twice as many while an incoming and an outgoing tour overlap."""
    last = min(end_day, rotation_end_day(pol, start_day))
    if not start_day <= day < last:
        return 0
    k = math.floor((day - start_day) / pol.step_days)
    if pol.rotations is not None and k >= pol.rotations:
        return units  # the last tour, alone until it ends
    in_overlap = k >= 1 and day < start_day + (k - 1) * pol.step_days + pol.tour_days
    return 2 * units if in_overlap else units


def month_of_day(day: float) -> int:
    """The month (1-based) a day after the ceasefire falls in."""
    return math.floor(day / MONTH_DAYS) + 1


def month_mid_day(month: int) -> float:
    return (month - 0.5) * MONTH_DAYS


def month_start_day(month: int) -> float:
    return (month - 1) * MONTH_DAYS
