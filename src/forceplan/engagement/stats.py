"""Small statistics shared by the engagement room: binomial intervals, verdict bands."""

from __future__ import annotations

import math


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95 % by default); (0, 1) when n = 0."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    den = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


BANDS: tuple[tuple[str, float, float], ...] = (
    ("deterred", 0.0, 0.1),
    ("probably denied", 0.1, 0.5),
    ("at risk", 0.5, 0.9),
    ("not deterred", 0.9, 1.0000001),
)
"""Verdict bands of the attacker's probability of reaching its objective: [low, high)."""


def band_of(p: float) -> str:
    for name, lo, hi in BANDS:
        if lo <= p < hi:
            return name
    return BANDS[-1][0]


def verdict_for(low: float, high: float) -> str:
    """A band only when the whole interval [low, high] lies in it; otherwise 'uncertain: between A and B'."""
    a, b = band_of(low), band_of(high)
    return a if a == b else f"uncertain: between {a} and {b}"


SKILL_SENTENCE = (
    "Historical force ratios explain little of who wins: on the 521 CDB90 battles, force ratio predicts the outcome "
    "with a cross-validated AUC of 0.54 (0.60 since 1939; 0.5 is a coin toss) and improves the Brier score over the "
    "base rate by under 1 % (3 % since 1939). Treat these probabilities as the odds history gives an attacker of "
    "this size against this defence, with the stated uncertainty, not as a forecast."
)
"""The plain sentence the report and ``assess`` print; its figures are checked by the cross-validation test."""


OUTCOME_SKILL_SENTENCE = (
    "Who wins a battle is decided by a model fitted on 515 CDB90 battles with what was known before each battle — "
    "force ratio (flat beyond the data's 1:4 to 17.5:1), the defender's posture, air superiority, surprise, terrain "
    "and era. Held out one war at a time it beats a constant forecast on the 209 battles since 1939 (Brier skill "
    "+15 %, 95 % interval +8 to +24 %; force ratio alone: +3 %, not sure), but over all 515 battles its skill (+4 %) "
    "is not sure and its low forecasts are too low (where it gave under 40 %, attackers won 38 %); on 23 American "
    "Civil War battles outside CDB90 it over-forecasts the attacker (47 % forecast, 30 % won). Read the "
    "probabilities as the odds history gives, not as a forecast."
)
"""The plain sentence on the outcome model's held-out skill for the report and ``assess``; its figures are checked
against ``holdout.validate_outcome`` by ``tests/unit/test_outcome_model.py``."""
