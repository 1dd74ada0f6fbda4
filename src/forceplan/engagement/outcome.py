r"""Who wins a battle: a logistic model of attacker success on CDB90's pre-battle factors (docs/model.md, §7.6).

    P(attacker wins) = 1 / (1 + exp(−η)),
    η = b_0 + b_r · clip(ln r, ln r_lo, ln r_hi) + Σ_k b_k · x_k

``r`` is the attacker's initial strength ÷ the defender's. The ratio effect is **flat outside the data's range**
[r_lo, r_hi] (the smallest and largest force ratio among the fitted battles, 0.25 and 17.5 on CDB90): the model
does not claim that 1:100 odds are worse for the attacker than the worst odds any attacker in the data faced.

The factors ``x_k`` are coded from CDB90 as 0/1 indicators of conditions known *before* the battle; a forecast may
pass a probability in [0, 1] instead (the linear predictor is then the expectation of η, not of P; a Monte Carlo
that draws each condition per battle as Bernoulli(p) and passes 0/1 gets the exact mixture):

=====================  ==================================================================  ====================
factor                 coding from CDB90 (original worksheet)                              reference (all 0)
=====================  ==================================================================  ====================
posture_prepared       defender's primary posture ``POST1`` = PD (prepared defence)         hasty defence, delay
posture_fortified      ``POST1`` = FD (fortified defence)                                   or withdrawal
air_attacker           ``AEROA`` = 1 (attacker had air superiority)                         neither side
air_defender           ``AEROA`` = −1 (defender had air superiority)
surprise_attacker      ``SURPA`` > 0 (attacker achieved minor, substantial or complete      no surprise
                       surprise)
surprise_defender      ``SURPA`` < 0 (the defender surprised the attacker)
terrain_rugged         first letter of ``TERRA1`` = G (rugged; R rolling and F flat are 0)  rolling or flat
era_1900_1938          battle year 1900–1938                                                before 1900
era_since_1939         battle year 1939 or later
=====================  ==================================================================  ====================

Left out on purpose: the factors CDB90's analysts judged after the fact from how the battle went — relative combat
effectiveness (``CEA``), leadership (``LEADA``), training (``TRNGA``), morale (``MORALA``), logistics (``LOGSA``),
momentum (``MOMNTA``), intelligence (``INTELA``), technology (``TECHA``), initiative (``INITA``) and the other
"advantage" codes (``AIRA``, ``FPREPA``, ``WXA``, ``TERRA``, ``SURPAA`` …). They are partly read off the outcome, so a
model that uses them predicts the past well and the future not at all. Two kept codes are not purely pre-battle:
``SURPA`` is 0 also when a surprise "did not affect the outcome", and ``AEROA`` is air superiority in the theatre.
Weather is left out because nothing is known of it for a forecast; front width and depth are not recorded for most
battles.

Fitting is penalised maximum likelihood by Newton–Raphson (iteratively reweighted least squares) with a light
ridge penalty: a normal prior N(0, 2.5²) on every coefficient but the intercept (``RIDGE_SD``; the weakly
informative scale of Gelman et al., Ann. Appl. Stat. 2008). It is needed because separation appears: the defender
surprised the attacker in only 15 battles, of which the attacker won one, and when a war is held out in the
cross-validation the remaining battles can contain no attacker win at all with that factor, so the unpenalised
likelihood has no finite maximum. On the full data the penalty moves every coefficient by at most 0.15 of its
standard error, except the rare ``surprise_defender`` (0.34). The covariance is the inverse of the penalised
observed information.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from forceplan.engagement.calibrate import fill_years
from forceplan.scenario.io import data_dir

FACTORS: tuple[str, ...] = (
    "posture_prepared",
    "posture_fortified",
    "air_attacker",
    "air_defender",
    "surprise_attacker",
    "surprise_defender",
    "terrain_rugged",
    "era_1900_1938",
    "era_since_1939",
)
"""The factors of the pre-battle model, in coefficient order (after the intercept and ln force ratio)."""

LEVER_FACTORS: tuple[str, ...] = (
    "posture_prepared",
    "posture_fortified",
    "air_attacker",
    "air_defender",
    "surprise_attacker",
)
"""The factors a coalition's choices can move (air power, time in prepared positions, warning)."""

FORECAST_CONTEXT: dict[str, float] = {
    "era_1900_1938": 0.0,
    "era_since_1939": 1.0,
    "terrain_rugged": 0.0,
    "surprise_defender": 0.0,
}
"""The fixed covariates of a 2020s offensive in southern and eastern Ukraine: modern era; open steppe and rolling
farmland (not rugged: the front from Kharkiv to Kherson runs over the Pontic steppe and the Donets ridge's low
hills); the defender does not surprise the attacker."""

NAMES: dict[str, str] = {
    "intercept": "Intercept (hasty defence, no air superiority, no surprise, rolling or flat terrain, before 1900)",
    "log_force_ratio": "ln(force ratio), clipped to the data's range",
    "posture_prepared": "Defender in prepared positions",
    "posture_fortified": "Defender in fortified positions",
    "air_attacker": "Attacker has air superiority",
    "air_defender": "Defender has air superiority",
    "surprise_attacker": "Attacker achieves surprise",
    "surprise_defender": "Defender surprises the attacker",
    "terrain_rugged": "Rugged terrain",
    "era_1900_1938": "Battle fought 1900–1938",
    "era_since_1939": "Battle fought 1939 or later",
}
"""What people read for each coefficient name."""

DEFAULT_MODEL = "pre-battle factors"
"""The model ``default_outcome_model`` returns. The choice is the cross-validation's: the test
``test_outcome_model.py::test_default_choice_follows_the_held_out_skill`` fails if the richer model stops beating
force ratio alone out of sample (leave one war out), and then this must become "force ratio alone"."""


RIDGE_SD = 2.5
"""Standard deviation of the normal prior on every coefficient but the intercept (logit scale)."""


def _sigmoid(eta: NDArray[np.float64]) -> NDArray[np.float64]:
    return 0.5 * (1.0 + np.tanh(0.5 * eta))  # exact logistic, no overflow warnings


@dataclass(frozen=True)
class OutcomeModel:
    """P(attacker wins a battle) = logistic(intercept + b_ratio · clip(ln force_ratio, lo, hi) + Σ_k b_k · x_k)."""

    names: tuple[str, ...]
    """Coefficient names: "intercept", "log_force_ratio", then factor names."""
    coef: NDArray[np.float64]
    """Maximum-likelihood estimates, in the order of ``names``."""
    cov: NDArray[np.float64]
    """Covariance of ``coef`` (inverse observed information)."""
    log_ratio_bounds: tuple[float, float]
    """The data's range of ln(force ratio); outside it the ratio effect is flat."""
    n_battles: int
    label: str = ""
    """What the model is, in words ("pre-battle factors", "force ratio alone")."""
    successes: int = 0
    """Attacker wins among the fitted battles."""

    @property
    def factors(self) -> tuple[str, ...]:
        return self.names[2:]

    def has(self, factor: str) -> bool:
        return factor in self.names[2:]

    def se(self) -> NDArray[np.float64]:
        return np.sqrt(np.diag(self.cov))

    def ci(self, z: float = 1.96) -> NDArray[np.float64]:
        """(k, 2) Wald 95 % intervals of the coefficients."""
        s = self.se()
        return np.column_stack([self.coef - z * s, self.coef + z * s])

    def draw(self, n: int, rng: np.random.Generator) -> NDArray[np.float64]:
        """``n`` coefficient draws (n, k) from the fit's sampling distribution (multivariate normal, MLE covariance)."""
        return rng.multivariate_normal(self.coef, self.cov, size=n, method="cholesky")

    def _coef(self, coef: NDArray[np.float64] | None) -> NDArray[np.float64]:
        c = self.coef if coef is None else np.asarray(coef, dtype=float)
        if c.shape[-1] != len(self.names):
            raise ValueError(f"coefficients have {c.shape[-1]} columns; the model has {len(self.names)}")
        return c

    def effective_intercept(
        self, coef: NDArray[np.float64] | None, factors: Mapping[str, float | NDArray[np.float64]] | None = None
    ) -> NDArray[np.float64]:
        """intercept + Σ_k b_k x_k for the factors given. A factor left out is 0 (the reference category); a factor
        the model lacks is ignored (so a ratio-only model gives every factor no effect). Values must lie in [0, 1]."""
        c = self._coef(coef)
        out = np.asarray(c[..., 0], dtype=float)
        for name, value in (factors or {}).items():
            x = np.asarray(value, dtype=float)
            if np.any(~np.isfinite(x)) or np.any(x < 0) or np.any(x > 1):
                raise ValueError(f"factor {name}: values must lie in [0, 1] (a probability or a share)")
            if name in self.names[2:]:
                out = out + c[..., self.names.index(name)] * x
        return out

    def with_slope(self, factor: float) -> OutcomeModel:
        """This model with its ln(force ratio) coefficient × ``factor`` and every other coefficient moved to its
        conditional mean given that slope under the fit's normal approximation (b_k + Σ_k1 / Σ_11 · (b1' − b1));
        the covariance is kept, so the draws spread around the new means as around the fitted ones. Exploration's
        ``calibration_slope`` uncertainty."""
        b1 = float(self.coef[1]) * factor
        coef = self.coef + self.cov[:, 1] / self.cov[1, 1] * (b1 - self.coef[1])
        coef[1] = b1
        return replace(self, coef=coef, label=f"{self.label}, force-ratio slope × {factor:g}")

    def slope(self, coef: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
        """The ln(force ratio) coefficient (column 1)."""
        return np.asarray(self._coef(coef)[..., 1], dtype=float)

    def clipped_log_ratio(self, force_ratio: NDArray[np.float64] | float) -> NDArray[np.float64]:
        r = np.asarray(force_ratio, dtype=float)
        if np.any(~(r > 0)):
            raise ValueError("force ratios must be positive")
        return np.clip(np.log(r), *self.log_ratio_bounds)

    def outside_data(self, force_ratio: NDArray[np.float64] | float) -> NDArray[np.bool_]:
        """Whether each force ratio lies outside the fitted battles' range (where the ratio effect is held flat)."""
        lr = np.log(np.asarray(force_ratio, dtype=float))
        lo, hi = self.log_ratio_bounds
        return np.asarray((lr < lo) | (lr > hi))

    def probability(
        self,
        force_ratio: NDArray[np.float64] | float,
        factors: Mapping[str, float | NDArray[np.float64]] | None = None,
        coef: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """P(attacker wins) at the force ratio(s) given; ``coef`` a single vector or (n, k) draws (broadcast)."""
        eta = self.effective_intercept(coef, factors) + self.slope(coef) * self.clipped_log_ratio(force_ratio)
        return _sigmoid(eta)

    def odds_ratio(self, factor: str) -> tuple[float, float, float]:
        """exp(b_k) with its 95 % interval: how a factor multiplies the attacker's odds of winning."""
        if not self.has(factor):
            return 1.0, 1.0, 1.0
        j = self.names.index(factor)
        lo, hi = self.ci()[j]
        return float(np.exp(self.coef[j])), float(np.exp(lo)), float(np.exp(hi))


# ---------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Battles:
    """The CDB90 battles usable for the outcome model: both initial strengths, a known outcome, every pre-battle
    factor coded. Arrays are aligned; ``x`` has one column per name in ``FACTORS``."""

    isqno: NDArray[np.int64]
    name: tuple[str, ...]
    war: tuple[str, ...]
    year: NDArray[np.int64]
    ratio: NDArray[np.float64]
    success: NDArray[np.bool_]
    x: NDArray[np.float64]
    excluded: dict[str, int]
    """Battles left out, by reason (the counts the documentation states)."""

    def column(self, factor: str) -> NDArray[np.float64]:
        return self.x[:, FACTORS.index(factor)]

    def subset(self, mask: NDArray[np.bool_]) -> Battles:
        m = np.asarray(mask, dtype=bool)
        return Battles(
            self.isqno[m],
            tuple(np.asarray(self.name, dtype=object)[m]),
            tuple(np.asarray(self.war, dtype=object)[m]),
            self.year[m],
            self.ratio[m],
            self.success[m],
            self.x[m],
            dict(self.excluded),
        )


def code_factors(post1: str, aeroa: int, surpa: int, terra1: str, year: int) -> dict[str, float] | str:
    """The factor values of one battle from its CDB90 codes, or the reason it cannot be coded."""
    post1 = post1.strip().upper()
    if post1 not in ("HD", "PD", "FD", "DL", "WD"):
        return "defender posture not recorded"
    if aeroa not in (-1, 0, 1):
        return "air superiority not recorded"
    if not -3 <= surpa <= 3:
        return "surprise not recorded"
    t = terra1.strip().upper()[:1]
    if t not in ("R", "G", "F"):
        return "terrain not recorded"
    return {
        "posture_prepared": float(post1 == "PD"),
        "posture_fortified": float(post1 == "FD"),
        "air_attacker": float(aeroa == 1),
        "air_defender": float(aeroa == -1),
        "surprise_attacker": float(surpa > 0),
        "surprise_defender": float(surpa < 0),
        "terrain_rugged": float(t == "G"),  # CDB90's letters: G rugged, R rolling, F flat
        "era_1900_1938": float(1900 <= year <= 1938),
        "era_since_1939": float(year >= 1939),
    }


def _num(s: str) -> float:
    try:
        return float(s)
    except ValueError:
        return float("nan")


@functools.lru_cache(maxsize=2)
def load_battles(path: Path | None = None, factors_path: Path | None = None) -> Battles:
    """Join the flat CDB90 table (strengths, outcome, date) with the pre-battle codes (``cdb90_prebattle_factors``).
    A battle's empty date takes the median year of its campaign's dated battles (two 1944 battles in Italy)."""
    folder = data_dir() / "combat"
    with open(path or folder / "cdb90_flat_attacker_defender.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(factors_path or folder / "cdb90_prebattle_factors.csv", encoding="utf-8") as f:
        codes = {int(r["isqno"]): r for r in csv.DictReader(f)}
    years = fill_years([r["datetime_mid"] for r in rows], [r["war"] for r in rows], [r["campgn"] for r in rows])
    keep: list[tuple[dict[str, str], int, dict[str, float]]] = []
    excluded: dict[str, int] = {}
    for r, year in zip(rows, years, strict=True):
        a, d, w = _num(r["att_intst"]), _num(r["def_intst"]), _num(r["wina"])
        if not (a > 0 and d > 0) or w not in (-1.0, 0.0, 1.0):
            reason = "initial strength or outcome not recorded"
            excluded[reason] = excluded.get(reason, 0) + 1
            continue
        c = codes.get(int(r["isqno"]))
        coded = (
            code_factors(c["post1"], int(_num(c["aeroa"])), int(_num(c["surpa"])), c["terra1"], year)
            if c
            else "pre-battle codes missing"
        )
        if isinstance(coded, str):
            excluded[coded] = excluded.get(coded, 0) + 1
            continue
        keep.append((r, year, coded))
    return Battles(
        isqno=np.array([int(r["isqno"]) for r, _, _ in keep]),
        name=tuple(r["name"].title() for r, _, _ in keep),
        war=tuple(r["war"] for r, _, _ in keep),
        year=np.array([y for _, y, _ in keep]),
        ratio=np.array([_num(r["att_intst"]) / _num(r["def_intst"]) for r, _, _ in keep]),
        success=np.array([_num(r["wina"]) == 1 for r, _, _ in keep]),
        x=np.array([[c[k] for k in FACTORS] for _, _, c in keep]).reshape(len(keep), len(FACTORS)),
        excluded=excluded,
    )


# ---------------------------------------------------------------------------------------------- fitting


class FitError(ValueError):
    """The likelihood has no finite maximum (separation) or the design is singular."""


def fit_irls(
    xm: NDArray[np.float64], y: NDArray[np.float64], ridge_sd: float | None = None, max_iter: int = 100
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Logistic maximum likelihood (Newton–Raphson) on the design ``xm`` (first column the intercept).
    Returns (coefficients, covariance). ``ridge_sd``: a normal prior N(0, ridge_sd²) on every other coefficient."""
    k = xm.shape[1]
    pen = np.zeros((k, k))
    if ridge_sd is not None:
        pen[1:, 1:] = np.eye(k - 1) / ridge_sd**2
    b = np.zeros(k)
    for _ in range(max_iter):
        p = _sigmoid(xm @ b)
        h = xm.T @ (xm * (p * (1 - p))[:, None]) + pen
        try:
            step = np.linalg.solve(h, xm.T @ (y - p) - pen @ b)
        except np.linalg.LinAlgError:
            raise FitError(
                "the design matrix is singular (a factor never or always occurs, or separates wins from losses)"
            ) from None
        b = b + step
        if np.abs(step).max() < 1e-10:
            break
    else:
        raise FitError("the fit did not converge (a factor separates wins from losses); use a ridge penalty")
    if np.abs(b).max() > 15:
        raise FitError("a coefficient diverges (a factor separates wins from losses); use a ridge penalty")
    p = _sigmoid(xm @ b)
    cov = np.asarray(np.linalg.inv(xm.T @ (xm * (p * (1 - p))[:, None]) + pen), dtype=np.float64)
    return b, cov


def fit_outcome(
    battles: Battles,
    factors: tuple[str, ...] = FACTORS,
    ridge_sd: float | None = RIDGE_SD,
    label: str = "",
    bounds: tuple[float, float] | None = None,
) -> OutcomeModel:
    """Fit the outcome model with the given factors (none: force ratio alone) on ``battles``. ``bounds`` the clip
    range of ln(force ratio); by default the range of the battles fitted."""
    lr = np.log(battles.ratio)
    lo, hi = bounds or (float(lr.min()), float(lr.max()))
    cols = [np.ones_like(lr), np.clip(lr, lo, hi)] + [battles.column(f) for f in factors]
    xm = np.column_stack(cols)
    b, cov = fit_irls(xm, battles.success.astype(float), ridge_sd)
    return OutcomeModel(
        names=("intercept", "log_force_ratio", *factors),
        coef=b,
        cov=cov,
        log_ratio_bounds=(lo, hi),
        n_battles=len(lr),
        label=label or ("force ratio alone" if not factors else "pre-battle factors"),
        successes=int(battles.success.sum()),
    )


@functools.lru_cache(maxsize=1)
def prebattle_model() -> OutcomeModel:
    """Force ratio and every pre-battle factor, fitted on every usable CDB90 battle (cached)."""
    return fit_outcome(load_battles(), FACTORS, label="pre-battle factors")


@functools.lru_cache(maxsize=1)
def force_ratio_model() -> OutcomeModel:
    """The ratio-only peer, fitted on the same battles as the pre-battle model (cached)."""
    return fit_outcome(load_battles(), (), label="force ratio alone")


def default_outcome_model() -> OutcomeModel:
    """The chosen model (``DEFAULT_MODEL``), fitted on CDB90 (cached; fast to load)."""
    return prebattle_model() if DEFAULT_MODEL == "pre-battle factors" else force_ratio_model()


def forecast_factors(**levers: float | NDArray[np.float64]) -> dict[str, float | NDArray[np.float64]]:
    """``FORECAST_CONTEXT`` with the lever factors given (e.g. ``air_defender=0.4``) laid over it."""
    unknown = sorted(set(levers) - set(FACTORS))
    if unknown:
        raise ValueError(f"unknown factor(s) {', '.join(unknown)}; known: {', '.join(FACTORS)}")
    return {**FORECAST_CONTEXT, **levers}
