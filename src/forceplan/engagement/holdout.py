r"""Validation that can fail: the outcome model scored on battles it was not fitted on (docs/model.md, §7.7).

**Leave one war out** (CDB90): for each of the wars in turn, both models — pre-battle factors and force ratio
alone — are fitted on the battles of every other war and predict the battles of that war; the base rate (the
constant forecast) is the attacker's win rate in the same training battles. Holding out whole wars, not random
battles, keeps a war's shared conditions (doctrine, armies, the analyst who coded it) out of its own forecast.

Scores, each over the held-out predictions of all battles:

    Brier  = mean (p − y)²,            Brier skill score BSS = 1 − Brier ÷ Brier(base rate)
    log loss = −mean [y ln p + (1 − y) ln(1 − p)],   AUC = P(a won battle scores above a lost one)

A model **beats a constant** when its BSS is above 0 (its Brier score below the base rate's). 95 % intervals come
from a bootstrap over wars (whole wars resampled with replacement, ``reps`` times, from ``seed``), which respects
the grouping the cross-validation uses. The richer model is the default when its held-out Brier score and log loss
are both lower than the ratio-only model's, on all battles and on those fought since 1939 (``choose_default``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from forceplan.engagement.calibrate import auc
from forceplan.engagement.outcome import FACTORS, RIDGE_SD, Battles, OutcomeModel, fit_outcome, load_battles
from forceplan.scenario.io import data_dir

EPS = 1e-9


def brier(p: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    return float(np.mean((p - y) ** 2))


def log_loss(p: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    q = np.clip(p, EPS, 1 - EPS)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


@dataclass(frozen=True)
class Score:
    """Out-of-sample scores of one model with 95 % bootstrap intervals (over wars for CDB90, over battles for an
    external set)."""

    model: str
    battles: int
    groups: int
    brier: float
    brier_base: float
    brier_skill: float
    brier_skill_ci: tuple[float, float]
    log_loss: float
    log_loss_base: float
    log_loss_ci: tuple[float, float]
    auc: float
    auc_ci: tuple[float, float]

    @property
    def beats_constant(self) -> bool:
        return self.brier < self.brier_base

    @property
    def surely_beats_constant(self) -> bool:
        """Better than a constant with the whole 95 % interval of the skill above zero."""
        return self.beats_constant and self.brier_skill_ci[0] > 0

    def sentence(self, where: str) -> str:
        """The plain verdict: does the model beat a constant forecast, by the held-out Brier score?"""
        lo, hi = self.brier_skill_ci
        head = (
            f"{where}, the {self.model} model's Brier score is {self.brier:.3f} against {self.brier_base:.3f} for "
            f"the base rate (always forecasting the training battles' win rate)"
        )
        if self.beats_constant and self.surely_beats_constant:
            return (
                f"{head}: it beats a constant, with a Brier skill of {self.brier_skill:+.1%} "
                f"(95 % interval {lo:+.1%} to {hi:+.1%}); AUC {self.auc:.2f}."
            )
        if self.beats_constant:
            return (
                f"{head}: its score is better than a constant's (Brier skill {self.brier_skill:+.1%}), but the 95 % "
                f"interval ({lo:+.1%} to {hi:+.1%}) reaches zero, so it is NOT surely better than a constant; "
                f"AUC {self.auc:.2f}."
            )
        return (
            f"{head}: it does NOT beat a constant (Brier skill {self.brier_skill:+.1%}, 95 % interval {lo:+.1%} to "
            f"{hi:+.1%}); AUC {self.auc:.2f}. On these battles, the model's odds are no better than the base rate."
        )


def _ci(vals: NDArray[np.float64]) -> tuple[float, float]:
    v = vals[np.isfinite(vals)]
    lo, hi = np.percentile(v, [2.5, 97.5])
    return float(lo), float(hi)


def score(
    model: str,
    p: NDArray[np.float64],
    base: NDArray[np.float64],
    y: NDArray[np.bool_],
    groups: NDArray[np.int64],
    rng: np.random.Generator,
    reps: int = 1000,
) -> Score:
    """Scores of predictions ``p`` against the base-rate predictions ``base``; bootstrap over ``groups``."""
    yf = y.astype(float)
    g = np.unique(groups)
    members = [np.flatnonzero(groups == k) for k in g]
    bss, ll, au = np.empty(reps), np.empty(reps), np.empty(reps)
    for i in range(reps):
        idx = np.concatenate([members[j] for j in rng.integers(0, len(g), len(g))])
        b0 = brier(base[idx], yf[idx])
        bss[i] = 1 - brier(p[idx], yf[idx]) / b0 if b0 > 0 else np.nan
        ll[i] = log_loss(p[idx], yf[idx])
        au[i] = auc(p[idx], y[idx])
    return Score(
        model=model,
        battles=len(y),
        groups=len(g),
        brier=brier(p, yf),
        brier_base=brier(base, yf),
        brier_skill=1 - brier(p, yf) / brier(base, yf),
        brier_skill_ci=_ci(bss),
        log_loss=log_loss(p, yf),
        log_loss_base=log_loss(base, yf),
        log_loss_ci=_ci(ll),
        auc=auc(p, y),
        auc_ci=_ci(au),
    )


def war_index(battles: Battles) -> NDArray[np.int64]:
    _, idx = np.unique(np.asarray(battles.war, dtype=object).astype(str), return_inverse=True)
    return np.asarray(idx, dtype=np.int64)


def leave_one_war_out(
    battles: Battles, factors: tuple[str, ...], ridge_sd: float | None = RIDGE_SD
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Held-out predictions (model, base rate) for every battle, each from a fit on the other wars' battles.
    The clip range of ln(force ratio) is the training battles' range, as it would be for a forecast."""
    wars = war_index(battles)
    p = np.empty(len(wars))
    base = np.empty(len(wars))
    for k in np.unique(wars):
        test = wars == k
        train = battles.subset(~test)
        used = tuple(f for f in factors if train.column(f).any())  # a factor absent from training has no effect
        m = fit_outcome(train, used, ridge_sd=ridge_sd)
        x = battles.subset(test)
        p[test] = m.probability(x.ratio, {f: x.column(f) for f in used})
        base[test] = train.success.mean()
    return p, base


RELIABILITY_BANDS: tuple[tuple[float, float], ...] = ((0.0, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 1.0001))
"""Bands of forecast P(attacker wins) for the reliability table."""


@dataclass(frozen=True)
class Reliability:
    low: float
    high: float
    battles: int
    forecast: float
    """Mean forecast P in the band."""
    observed: float
    observed_ci: tuple[float, float]
    """Wilson 95 % interval of the observed win rate."""


def reliability(p: NDArray[np.float64], y: NDArray[np.bool_]) -> list[Reliability]:
    """Per band of forecast P: battles, mean forecast, observed win rate with its Wilson 95 % interval."""
    from forceplan.engagement.stats import wilson_interval

    out = []
    for lo, hi in RELIABILITY_BANDS:
        sel = (p >= lo) & (p < hi)
        k, m = int(y[sel].sum()), int(sel.sum())
        if m:
            out.append(Reliability(lo, min(hi, 1.0), m, float(p[sel].mean()), k / m, wilson_interval(k, m)))
    return out


@dataclass(frozen=True)
class Comparison:
    """The held-out comparison of the pre-battle model with force ratio alone (leave one war out, CDB90)."""

    battles: int
    wars: int
    subset: str
    rich: Score
    ratio_only: Score
    brier_gain: float
    """Brier(force ratio alone) − Brier(pre-battle factors); positive: the richer model is better."""
    brier_gain_ci: tuple[float, float]
    seed: int
    reps: int
    reliability: tuple[Reliability, ...] = ()
    """Reliability of the pre-battle model's held-out forecasts."""

    def sentences(self) -> list[str]:
        where = f"Held out one war at a time ({self.wars} wars, {self.battles} CDB90 battles{self.subset})"
        lo, hi = self.brier_gain_ci
        better = "better" if self.brier_gain > 0 else "worse"
        sure = "a real difference" if lo > 0 or hi < 0 else "the interval includes zero: no sure difference"
        gain = (
            f"The pre-battle model's Brier score is {abs(self.brier_gain):.4f} {better} than force ratio alone's "
            f"(95 % interval of the gain {lo:+.4f} to {hi:+.4f}; {sure})."
        )
        return [self.rich.sentence(where), self.ratio_only.sentence(where), gain]


def compare_models(
    battles: Battles | None = None, seed: int = 0, reps: int = 1000, since_year: int | None = None
) -> Comparison:
    """Leave-one-war-out skill of both models with bootstrap intervals over wars (see the module docstring).
    ``since_year``: every fit still uses all the other wars' battles, but only the held-out battles from that
    year on are scored (how the model, fitted on all of history, forecasts modern battles)."""
    b = battles or load_battles()
    p_rich, base = leave_one_war_out(b, FACTORS)
    p_ratio, _ = leave_one_war_out(b, ())
    keep = np.ones(len(b.ratio), dtype=bool) if since_year is None else b.year >= since_year
    y = b.success[keep]
    wars = war_index(b)[keep]
    p_rich, p_ratio, base = p_rich[keep], p_ratio[keep], base[keep]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(23,)))
    rich = score("pre-battle factors", p_rich, base, y, wars, rng, reps)
    ratio = score("force ratio alone", p_ratio, base, y, wars, rng, reps)
    yf = y.astype(float)
    members = [np.flatnonzero(wars == k) for k in np.unique(wars)]
    gain = np.empty(reps)
    for i in range(reps):
        idx = np.concatenate([members[j] for j in rng.integers(0, len(members), len(members))])
        gain[i] = brier(p_ratio[idx], yf[idx]) - brier(p_rich[idx], yf[idx])
    return Comparison(
        battles=len(y),
        wars=len(members),
        subset="" if since_year is None else f" fought {since_year} or later",
        rich=rich,
        ratio_only=ratio,
        brier_gain=brier(p_ratio, yf) - brier(p_rich, yf),
        brier_gain_ci=_ci(gain),
        seed=seed,
        reps=reps,
        reliability=tuple(reliability(p_rich, y)),
    )


MODERN_YEAR = 1939
"""The battles most like a forecast for the 2020s: those fought from 1939 on."""


def choose_default(all_battles: Comparison, modern: Comparison) -> str:
    """The rule behind ``outcome.DEFAULT_MODEL``: the pre-battle model when its held-out Brier score and log loss
    are both lower than force ratio alone's, on all battles and on the battles since 1939; otherwise the simpler
    model."""
    ok = all(c.brier_gain > 0 and c.rich.log_loss < c.ratio_only.log_loss for c in (all_battles, modern))
    return all_battles.rich.model if ok else all_battles.ratio_only.model


def coefficient_rows(m: OutcomeModel) -> list[tuple[str, float, float, float, float]]:
    """(name people read, coefficient, 95 % low, 95 % high, odds ratio) per coefficient."""
    from forceplan.engagement.outcome import NAMES

    ci = m.ci()
    return [
        (NAMES.get(n, n), float(c), float(lo), float(hi), float(np.exp(c)))
        for n, c, (lo, hi) in zip(m.names, m.coef, ci, strict=True)
    ]


# ---------------------------------------------------------------------------------------------- external battles

LIVERMORE_FILE = "livermore1900_battles.csv"


@dataclass(frozen=True)
class External:
    """Battles from outside CDB90: Livermore (1900), *Numbers and Losses in the Civil War in America*, the battles
    not in CDB90 (by their National Park Service CWSAC identifiers) and not whole campaigns."""

    name: tuple[str, ...]
    ratio: NDArray[np.float64]
    success: NDArray[np.bool_]
    factors: dict[str, NDArray[np.float64]]
    excluded: dict[str, int]


def load_livermore(path: Path | None = None, cdb90: Battles | None = None) -> External:
    """Livermore's 63 battles less those in CDB90 and the campaign aggregates. Factor coding: an assault on
    fortifications (Livermore's list of assaults) is a fortified defence; no air power; no surprise recorded (0);
    terrain unknown, so ``terrain_rugged`` is the share of rugged terrain among CDB90's Civil War battles; era
    before 1900."""
    p = path or data_dir() / "combat" / LIVERMORE_FILE
    with open(p, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    b = cdb90 or load_battles()
    acw = np.array(["CIVIL WAR" in w.upper() and "AMERICAN" in w.upper() for w in b.war])
    rugged = float(b.column("terrain_rugged")[acw].mean()) if acw.any() else 0.0
    keep = []
    excluded: dict[str, int] = {}
    for r in rows:
        reason = (
            "in CDB90"
            if r["in_cdb90"] == "1"
            else "a whole campaign"
            if r["campaign_aggregate"] == "1"
            else "a strength not recorded"
            if not (r["attacker_strength"].strip() and r["defender_strength"].strip())
            else ""
        )
        if reason:
            excluded[reason] = excluded.get(reason, 0) + 1
        else:
            keep.append(r)
    n = len(keep)
    fort = np.array([float(r["assaulted_fortifications"] == "1") for r in keep])
    return External(
        name=tuple(r["battle_name"] for r in keep),
        ratio=np.array([float(r["attacker_strength"]) / float(r["defender_strength"]) for r in keep]),
        success=np.array([r["winner"] == r["attacker"] for r in keep]),
        factors={"posture_fortified": fort, "terrain_rugged": np.full(n, rugged)},
        excluded=excluded,
    )


@dataclass(frozen=True)
class ExternalCheck:
    data: str
    score: Score
    reliability: list[Reliability]
    base_rate: float
    """The constant forecast: the attacker's win rate in the CDB90 battles the model was fitted on."""
    observed_rate: float
    brier_own_rate: float
    """Brier score of a constant at the external battles' own win rate: known only in hindsight, the bar a model
    that had learnt nothing from CDB90 but the level would need to clear."""


def check_external(model: OutcomeModel, ext: External, seed: int = 0, reps: int = 1000) -> ExternalCheck:
    """Calibration of ``model`` (fitted on CDB90) on battles it never saw: Brier score against the CDB90 base rate,
    AUC, log loss (bootstrap over battles), and reliability by band of forecast P."""
    p = model.probability(ext.ratio, ext.factors)
    base_rate = model.successes / model.n_battles
    base = np.full(len(p), base_rate)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(24,)))
    s = score(model.label, p, base, ext.success, np.arange(len(p)), rng, reps)
    bands = reliability(p, ext.success)
    own = float(ext.success.mean())
    own_brier = brier(np.full(len(p), own), ext.success.astype(float))
    return ExternalCheck("Livermore (1900), American Civil War", s, bands, base_rate, own, own_brier)


# ---------------------------------------------------------------------------------------------- the whole check


@dataclass(frozen=True)
class OutcomeValidation:
    """Everything ``forceplan calibrate --cdb90 --validate`` says about the outcome model."""

    default: str
    """The model the engine uses (``outcome.DEFAULT_MODEL``)."""
    rule_choice: str
    """The model ``choose_default`` picks from these numbers (they must agree)."""
    all_battles: Comparison
    modern: Comparison
    external: ExternalCheck
    external_ratio_only: ExternalCheck

    def default_score(self, c: Comparison) -> Score:
        return c.rich if self.default == c.rich.model else c.ratio_only

    @property
    def passed(self) -> bool:
        """The default model beats the base rate out of sample on all CDB90 battles, on those since 1939 and on
        the external battles, and it is the model the rule picks."""
        return (
            self.default == self.rule_choice
            and self.default_score(self.all_battles).beats_constant
            and self.default_score(self.modern).beats_constant
            and self.external.score.beats_constant
        )

    def sentences(self) -> list[str]:
        ext = self.external
        n = ext.score.battles
        level = abs(self.external_mean_forecast - ext.observed_rate) < abs(ext.base_rate - ext.observed_rate)
        lines = [
            *self.all_battles.sentences(),
            *self.modern.sentences(),
            ext.score.sentence(f"On {n} battles outside CDB90 ({ext.data})")
            + f" The attacker won {ext.observed_rate:.0%} of them; the model forecast "
            f"{self.external_mean_forecast:.0%} on average, against CDB90's base rate of {ext.base_rate:.0%}"
            + (": part of the skill is a level closer to theirs" if level else "")
            + f"; a constant at their own rate, known only in hindsight, would score {ext.brier_own_rate:.3f}.",
        ]
        if self.default != self.rule_choice:
            lines.append(
                f"FAIL: the engine uses the {self.default} model but the held-out numbers pick {self.rule_choice}."
            )
        beats = [
            ("all CDB90 battles", self.default_score(self.all_battles).beats_constant),
            ("CDB90 battles since 1939", self.default_score(self.modern).beats_constant),
            ("the battles outside CDB90", ext.score.beats_constant),
        ]
        worse = [w for w, ok in beats if not ok]
        unsure = [
            w
            for w, sc in (
                ("all CDB90 battles", self.default_score(self.all_battles)),
                ("CDB90 battles since 1939", self.default_score(self.modern)),
                ("the battles outside CDB90", ext.score),
            )
            if not sc.surely_beats_constant
        ]
        qualifier = (
            f" (not surely on {', '.join(unsure)}: the skill's 95 % interval reaches zero there)" if unsure else ""
        )
        lines.append(
            f"PASS: the {self.default} model scores better than a constant forecast out of sample on all three sets "
            f"of battles{qualifier}."
            if not worse and self.default == self.rule_choice
            else f"FAIL: the {self.default} model does not beat a constant forecast on {', '.join(worse)}."
            if worse
            else "FAIL: the default model is not the one the held-out skill picks."
        )
        return lines

    @property
    def external_mean_forecast(self) -> float:
        return sum(r.forecast * r.battles for r in self.external.reliability) / max(1, self.external.score.battles)


def validate_outcome(seed: int = 0, reps: int = 1000) -> OutcomeValidation:
    """Leave-one-war-out skill of both models (all battles and since 1939) and the external check."""
    from forceplan.engagement.outcome import default_outcome_model, force_ratio_model

    b = load_battles()
    all_b = compare_models(b, seed, reps)
    modern = compare_models(b, seed, reps, since_year=MODERN_YEAR)
    ext = load_livermore(cdb90=b)
    default = default_outcome_model()
    return OutcomeValidation(
        default=default.label,
        rule_choice=choose_default(all_b, modern),
        all_battles=all_b,
        modern=modern,
        external=check_external(default, ext, seed, reps),
        external_ratio_only=check_external(force_ratio_model(), ext, seed, reps),
    )
