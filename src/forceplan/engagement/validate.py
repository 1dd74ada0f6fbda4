"""The engine judged against the history it is calibrated on (docs/model.md, section 7.3).

Every CDB90 battle with both initial strengths and an outcome is fought by the engine itself: its own strengths,
the engine's default uncertainty (calibration drawn from its sampling distribution, lethalities from their
defaults), no reinforcements, one battle. Success is the definition ``assess`` uses: the defence breaks before the
attacker culminates, within 30 days. Per force-ratio band the engine's success rate must lie inside the Wilson
95 % interval of the historical rate (bands with at least ``MIN_BAND`` battles), and the AUC of ln(force ratio)
for the engine's outcomes inside the bootstrap 95 % interval of the historical AUC.

The previous engine (breakpoints and an advance ramp, no outcome layer) is run on the same battles for
comparison: it is what this model replaced, and why.

These bands are **in sample**: the engine draws its outcomes from a logistic fitted to these very battles, so they
show that it reproduces its calibration, not that it predicts (a constant 61 % would pass them). The check that
can fail — the outcome model scored on wars and battles it was not fitted on — is ``engagement.holdout``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from forceplan.engagement.calibrate import (
    RATIO_BANDS,
    Cdb90,
    Skill,
    auc,
    battle_hazard_per_day,
    cross_validate,
    derive_defaults,
    fit_success,
    load_cdb90,
)
from forceplan.engagement.engine import run_battles, run_engine
from forceplan.engagement.stats import wilson_interval
from forceplan.timeline.simulate import draw

DAYS = 30
MIN_BAND = 30


@dataclass(frozen=True)
class Band:
    band: str
    battles: int
    historical: float
    ci: tuple[float, float]
    engine: float
    previous_engine: float | None
    checked: bool
    """Whether the band has at least MIN_BAND battles (and so must pass)."""

    @property
    def inside(self) -> bool:
        return self.ci[0] <= self.engine <= self.ci[1]


@dataclass(frozen=True)
class SubsetValidation:
    subset: str
    battles: int
    bands: list[Band]
    historical_auc: float
    historical_auc_ci: tuple[float, float]
    engine_auc: float
    previous_engine_auc: float | None
    skill: Skill

    @property
    def passed(self) -> bool:
        bands_ok = all(b.inside for b in self.bands if b.checked)
        return bands_ok and self.historical_auc_ci[0] <= self.engine_auc <= self.historical_auc_ci[1]


@dataclass(frozen=True)
class Validation:
    trials_per_battle: int
    seed: int
    subsets: list[SubsetValidation] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.subsets)


def simulate_battles(
    c: Cdb90, idx: NDArray[np.int64], trials: int, seed: int, previous: bool = False
) -> NDArray[np.bool_]:
    """Engine outcomes (battles × trials, True = attacker success) of the battles ``idx``."""
    from forceplan.scenario.parameters import PARAMETERS  # the engine's defaults

    n = len(idx) * trials
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7, int(previous))))
    a0 = np.repeat(c.attacker[idx] / c.defender[idx], trials)
    d0 = np.ones(n)

    def tri(name: str) -> NDArray[np.float64]:
        return draw(PARAMETERS[name].default, (n,), rng)

    k_att, k_def = tri("attacker_lethality_per_day"), tri("defender_lethality_per_day")
    if previous:
        d = derive_defaults(c)
        bp_a = rng.triangular(0.735, d.attacker_breakpoint, 0.949, size=n)
        bp_d = rng.triangular(0.622, d.defender_breakpoint, 0.912, size=n)
        out = run_engine(a0, d0, k_att, k_def, 1.0, 0.0, DAYS, bp_att=bp_a, bp_def=bp_d, r_min=d.r_min, r_full=d.r_full)
    else:
        b0, b1 = fit_success(c).draw(n, rng)
        out = run_battles(a0, d0, k_att, k_def, b0, b1, battle_hazard_per_day(c), rng, DAYS, single_battle=True)
    success = np.isfinite(out.broken_h) & (out.broken_h < out.culminated_h)
    return success.reshape(len(idx), trials)


def validate_engine(
    trials_per_battle: int = 200,
    seed: int = 0,
    subsets: tuple[str, ...] = ("all", "since 1939"),
    previous: bool = True,
    sample: int | None = None,
    c: Cdb90 | None = None,
) -> Validation:
    """The validation tables (see the module docstring). ``sample`` fights a seeded random subset of that many
    battles (the fast test); the historical columns always use every battle of the subset."""
    c = c or load_cdb90()
    out = Validation(trials_per_battle, seed)
    for name in subsets:
        mask = c.year >= 1939 if name == "since 1939" else np.ones(len(c.ratio), dtype=bool)
        idx = np.flatnonzero(mask)
        if sample is not None and sample < len(idx):
            idx = np.sort(np.random.default_rng(seed).choice(idx, sample, replace=False))
        eng = simulate_battles(c, idx, trials_per_battle, seed)
        prev = simulate_battles(c, idx, trials_per_battle, seed, previous=True) if previous else None
        skill = cross_validate(c, mask, name, seed=seed)
        bands = []
        for band, (lo, hi) in RATIO_BANDS.items():
            hist_sel = mask & (c.ratio >= lo) & (c.ratio < hi)
            k, m = int(c.success[hist_sel].sum()), int(hist_sel.sum())
            sim_sel = (c.ratio[idx] >= lo) & (c.ratio[idx] < hi)
            bands.append(
                Band(
                    band=band,
                    battles=m,
                    historical=k / m if m else float("nan"),
                    ci=wilson_interval(k, m),
                    engine=float(eng[sim_sel].mean()) if sim_sel.any() else float("nan"),
                    previous_engine=float(prev[sim_sel].mean()) if prev is not None and sim_sel.any() else None,
                    checked=m >= MIN_BAND and bool(sim_sel.any()),
                )
            )
        x = np.repeat(np.log(c.ratio[idx]), trials_per_battle)
        out.subsets.append(
            SubsetValidation(
                subset=name,
                battles=int(mask.sum()),
                bands=bands,
                historical_auc=skill.in_sample_auc,
                historical_auc_ci=skill.in_sample_auc_ci,
                engine_auc=auc(x, eng.ravel()),
                previous_engine_auc=auc(x, prev.ravel()) if prev is not None else None,
                skill=skill,
            )
        )
    return out
