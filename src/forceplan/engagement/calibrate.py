r"""Calibration of the attrition model on daily battle data, and the CDB90 model of attacker success.

Daily data (CSV columns ``day, force_a, force_b, loss_a, loss_b``): strengths at the start of each day and
that day's losses. With the engine's equations (side a attacks):

    loss_a = k_b · B^p · A^q,     loss_b = k_a · A^p · B^q

**log-linear** (Bracken 1995; Fricker 1998): over days with both losses positive, ordinary least squares of
ln(loss_a / loss_b) on ln(B / A): intercept = ln(k_b / k_a), slope = p − q.

**nls**: non-linear least squares on the daily losses (scipy ``least_squares``) for k_a, k_b (and p, q with
``fit_exponents``; otherwise the law's exponents), with bootstrap confidence intervals (days resampled).

**CDB90**: logistic regression of attacker success (``wina`` = 1) on ln(attacker ÷ defender initial strength),
by maximum likelihood (Newton–Raphson), with a 95 % confidence band from the parameter covariance.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from forceplan.scenario.io import data_dir

REQUIRED = ("day", "force_a", "force_b", "loss_a", "loss_b")


class DataError(ValueError):
    """A calibration file that cannot be used (the message names the file, line and column)."""


@dataclass(frozen=True)
class Daily:
    day: NDArray[np.float64]
    force_a: NDArray[np.float64]
    force_b: NDArray[np.float64]
    loss_a: NDArray[np.float64]
    loss_b: NDArray[np.float64]


def read_daily(path: Path) -> Daily:
    """Read a daily battle CSV; every bad cell is reported at once (DataError)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise DataError(f"{path}:1: empty file; header needed: {', '.join(REQUIRED)}")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DataError(f"{path}:1: missing column(s) {', '.join(missing)}; header needed: {', '.join(REQUIRED)}")
    cols: dict[str, list[float]] = {c: [] for c in REQUIRED}
    errors = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        for c in REQUIRED:
            j = header.index(c)
            try:
                v = float(row[j])
                if not np.isfinite(v) or v < 0:
                    raise ValueError
                cols[c].append(v)
            except (ValueError, IndexError):
                cell = row[j] if j < len(row) else ""
                errors.append(f"{path}:{line}:{j + 1}: column {c}: {cell!r} is not a number ≥ 0")
    if errors:
        raise DataError("\n".join(errors))
    if len(cols["day"]) < 3:
        raise DataError(f"{path}: at least 3 days of data are needed, found {len(cols['day'])}")
    return Daily(*(np.array(cols[c]) for c in REQUIRED))


@dataclass(frozen=True)
class LogLinearFit:
    intercept: float
    """ln(k_b / k_a)."""
    slope: float
    """p − q."""
    r2: float
    days_used: int
    k_ratio: float
    """k_b / k_a."""


def fit_loglinear(d: Daily) -> LogLinearFit:
    ok = (d.loss_a > 0) & (d.loss_b > 0) & (d.force_a > 0) & (d.force_b > 0)
    if ok.sum() < 3:
        raise DataError("the log-linear fit needs at least 3 days with both losses and both forces positive")
    y = np.log(d.loss_a[ok] / d.loss_b[ok])
    x = np.log(d.force_b[ok] / d.force_a[ok])
    xm = np.column_stack([np.ones_like(x), x])
    (b0, b1), *_ = np.linalg.lstsq(xm, y, rcond=None)
    resid = y - xm @ np.array([b0, b1])
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float((resid**2).sum()) / ss_tot if ss_tot > 0 else 1.0
    return LogLinearFit(float(b0), float(b1), r2, int(ok.sum()), float(np.exp(b0)))


@dataclass(frozen=True)
class NlsFit:
    k_a: float
    k_b: float
    p: float
    q: float
    ci: dict[str, tuple[float, float]]
    """95 % bootstrap intervals."""
    rmse: float
    days_used: int
    bootstrap: int
    seed: int


def _nls(d: Daily, p0: float, q0: float, fit_exponents: bool) -> NDArray[np.float64]:
    a, b = d.force_a, d.force_b
    scale = max(float(np.mean(d.loss_a + d.loss_b)), 1e-12)

    def resid(theta: NDArray[np.float64]) -> NDArray[np.float64]:
        ka, kb = np.exp(theta[0]), np.exp(theta[1])
        p, q = (theta[2], theta[3]) if fit_exponents else (p0, q0)
        return np.concatenate([d.loss_a - kb * b**p * a**q, d.loss_b - ka * a**p * b**q]) / scale

    # Start from the square-law rates implied by the totals.
    ka0 = max(float(d.loss_b.sum() / max((d.force_a**p0 * d.force_b**q0).sum(), 1e-12)), 1e-12)
    kb0 = max(float(d.loss_a.sum() / max((d.force_b**p0 * d.force_a**q0).sum(), 1e-12)), 1e-12)
    x0 = [np.log(ka0), np.log(kb0)] + ([p0, q0] if fit_exponents else [])
    from scipy.optimize import least_squares  # here, not at import: scipy.optimize costs 0.3-0.9 s

    sol = least_squares(resid, x0, method="lm" if len(d.day) * 2 > len(x0) else "trf", max_nfev=20_000)
    out = np.array([np.exp(sol.x[0]), np.exp(sol.x[1]), *(sol.x[2:4] if fit_exponents else (p0, q0))])
    return out


def fit_nls(
    d: Daily, law: tuple[float, float] = (1.0, 0.0), fit_exponents: bool = False, bootstrap: int = 500, seed: int = 0
) -> NlsFit:
    est = _nls(d, law[0], law[1], fit_exponents)
    ka, kb, p, q = est
    pred_a = kb * d.force_b**p * d.force_a**q
    pred_b = ka * d.force_a**p * d.force_b**q
    rmse = float(np.sqrt(np.mean(np.concatenate([d.loss_a - pred_a, d.loss_b - pred_b]) ** 2)))
    rng = np.random.default_rng(seed)
    draws = []
    n = len(d.day)
    for _ in range(bootstrap):
        idx = rng.integers(0, n, n)
        sub = Daily(d.day[idx], d.force_a[idx], d.force_b[idx], d.loss_a[idx], d.loss_b[idx])
        try:
            draws.append(_nls(sub, law[0], law[1], fit_exponents))
        except (ValueError, np.linalg.LinAlgError):  # a degenerate resample
            continue
    arr = np.array(draws) if draws else np.empty((0, 4))
    names = ("k_a", "k_b", "p", "q")
    ci = {}
    for j, name in enumerate(names):
        if not fit_exponents and name in ("p", "q"):
            continue
        lo, hi = np.percentile(arr[:, j], [2.5, 97.5]) if len(arr) else (np.nan, np.nan)
        ci[name] = (float(lo), float(hi))
    return NlsFit(float(ka), float(kb), float(p), float(q), ci, rmse, n, bootstrap, seed)


# ---------------------------------------------------------------------------------------------- CDB90


RATIO_BANDS: dict[str, tuple[float, float]] = {
    "<1": (0.0, 1.0),
    "1-2": (1.0, 2.0),
    "2-3": (2.0, 3.0),
    ">=3": (3.0, np.inf),
}
"""Force-ratio bands (attacker ÷ defender) of the validation tables."""


@dataclass(frozen=True)
class SuccessFit:
    """P(attacker success) = 1 / (1 + exp(−(b0 + b1 · ln r))), r = attacker ÷ defender initial strength."""

    b0: float
    b1: float
    cov: tuple[tuple[float, float], tuple[float, float]]
    battles: int
    success_rate_by_ratio: dict[str, tuple[int, float]]

    def probability(self, ratio: NDArray[np.float64] | float) -> NDArray[np.float64]:
        x = np.log(np.asarray(ratio, dtype=float))
        return 1.0 / (1.0 + np.exp(-(self.b0 + self.b1 * x)))

    def band(self, ratio: NDArray[np.float64] | float, z: float = 1.96) -> tuple[NDArray[np.float64], ...]:
        """(lower, upper) 95 % confidence band of the probability (delta method on the linear predictor)."""
        x = np.log(np.asarray(ratio, dtype=float))
        eta = self.b0 + self.b1 * x
        c = np.array(self.cov)
        se = np.sqrt(c[0, 0] + x**2 * c[1, 1] + 2 * x * c[0, 1])
        return 1 / (1 + np.exp(-(eta - z * se))), 1 / (1 + np.exp(-(eta + z * se)))

    def draw(self, n: int, rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``n`` draws of (b0, b1) from the fit's sampling distribution (bivariate normal, the MLE covariance)."""
        z = rng.multivariate_normal([self.b0, self.b1], np.array(self.cov), size=n, method="cholesky")
        return z[:, 0], z[:, 1]

    def b0_given_b1(self, b1: float) -> float:
        """The conditional mean of b0 for a given slope (used by the sensitivity cases that fix the slope)."""
        c = np.array(self.cov)
        return float(self.b0 + c[0, 1] / c[1, 1] * (b1 - self.b1))

    def slope_ci(self, z: float = 1.96) -> tuple[float, float]:
        se = float(np.sqrt(self.cov[1][1]))
        return self.b1 - z * se, self.b1 + z * se

    def ratio_at(self, probability: float) -> float:
        return float(np.exp((np.log(probability / (1 - probability)) - self.b0) / self.b1))


@dataclass(frozen=True)
class Cdb90:
    ratio: NDArray[np.float64]
    success: NDArray[np.bool_]
    failed_attacker_loss_fraction: NDArray[np.float64]
    broken_defender_loss_fraction: NDArray[np.float64]
    k_att_per_day: NDArray[np.float64]
    k_def_per_day: NDArray[np.float64]
    """Square-law lethalities of battles from 1939 on: losses per day ÷ the other side's initial strength."""
    attacker: NDArray[np.float64]
    """Initial strengths (persons), aligned with ``ratio`` and ``success``."""
    defender: NDArray[np.float64]
    year: NDArray[np.int64]
    duration_days: NDArray[np.float64]
    """NaN where not recorded."""


def fill_years(dates: list[str], wars: list[str], campaigns: list[str] | None = None) -> list[int]:
    """The year of each battle from its ISO date. An empty or malformed date takes the median year of the dated
    battles of the same campaign (CDB90 leaves two 1944 battles in Italy undated: Aprilia II at Anzio and San
    Martino on the road to Rome), else of the same war, else 0."""
    years = [int(d[:4]) if d[:4].isdigit() else None for d in dates]
    groups = campaigns or [""] * len(dates)
    by: dict[tuple[str, str], list[int]] = {}
    for y, w, c in zip(years, wars, groups, strict=True):
        if y is not None:
            by.setdefault((w, c), []).append(y)
            by.setdefault((w, "\0war"), []).append(y)
    fill = {k: int(np.median(v)) for k, v in by.items()}
    return [
        y if y is not None else fill.get((w, c), fill.get((w, "\0war"), 0))
        for y, w, c in zip(years, wars, groups, strict=True)
    ]


def load_cdb90(path: Path | None = None) -> Cdb90:
    path = path or data_dir() / "combat" / "cdb90_flat_attacker_defender.csv"
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))

    def num(r: dict[str, str], k: str) -> float:
        try:
            return float(r[k])
        except (KeyError, ValueError):
            return np.nan

    a = np.array([num(r, "att_intst") for r in rows])
    d = np.array([num(r, "def_intst") for r in rows])
    ac = np.array([num(r, "att_cas") for r in rows])
    dc = np.array([num(r, "def_cas") for r in rows])
    dur = np.array([num(r, "duration1_days") for r in rows])
    w = np.array([num(r, "wina") for r in rows])
    year = np.array(
        fill_years([r["datetime_mid"] for r in rows], [r["war"] for r in rows], [r["campgn"] for r in rows])
    )
    ok = (a > 0) & (d > 0) & np.isfinite(w)
    lost = ok & (w == -1) & np.isfinite(ac)
    won = ok & (w == 1) & np.isfinite(dc)
    rates = ok & np.isfinite(ac) & np.isfinite(dc) & (dur > 0) & (ac > 0) & (dc > 0) & (year >= 1939)
    return Cdb90(
        ratio=a[ok] / d[ok],
        success=w[ok] == 1,
        failed_attacker_loss_fraction=ac[lost] / a[lost],
        broken_defender_loss_fraction=dc[won] / d[won],
        k_att_per_day=(dc[rates] / dur[rates]) / a[rates],
        k_def_per_day=(ac[rates] / dur[rates]) / d[rates],
        attacker=a[ok],
        defender=d[ok],
        year=year[ok],
        duration_days=dur[ok],
    )


@functools.lru_cache(maxsize=1)
def default_success_fit() -> SuccessFit:
    """The engine's calibration: the logistic fitted on every usable CDB90 battle (cached)."""
    return fit_success(load_cdb90())


def fit_success(c: Cdb90, mask: NDArray[np.bool_] | None = None) -> SuccessFit:
    """Maximum-likelihood logistic fit of attacker success on ln(force ratio), on all battles or those in ``mask``."""
    ratio = c.ratio if mask is None else c.ratio[mask]
    success = c.success if mask is None else c.success[mask]
    return fit_logistic(ratio, success)


def fit_logistic(ratio: NDArray[np.float64], success: NDArray[np.bool_]) -> SuccessFit:
    x = np.log(ratio)
    y = success.astype(float)
    xm = np.column_stack([np.ones_like(x), x])
    b = np.zeros(2)
    for _ in range(50):
        p = 1 / (1 + np.exp(-xm @ b))
        h = xm.T @ (xm * (p * (1 - p))[:, None])
        step = np.linalg.solve(h, xm.T @ (y - p))
        b += step
        if np.abs(step).max() < 1e-12:
            break
    p = 1 / (1 + np.exp(-xm @ b))
    cov = np.linalg.inv(xm.T @ (xm * (p * (1 - p))[:, None]))
    by = {}
    for k, (lo, hi) in RATIO_BANDS.items():
        sel = (ratio >= lo) & (ratio < hi)
        by[k] = (int(sel.sum()), float(success[sel].mean()) if sel.any() else float("nan"))
    return SuccessFit(float(b[0]), float(b[1]), ((cov[0, 0], cov[0, 1]), (cov[1, 0], cov[1, 1])), len(y), by)


@dataclass(frozen=True)
class Defaults:
    """Engagement defaults derived from CDB90; provenance in docs/model.md, section 7."""

    r_min: float
    r_full: float
    attacker_breakpoint: float
    defender_breakpoint: float
    k_att_p10_p50_p90: tuple[float, float, float]
    k_def_p10_p50_p90: tuple[float, float, float]
    fit: SuccessFit


def derive_defaults(c: Cdb90 | None = None) -> Defaults:
    """r_min: the force ratio where the fitted P(attacker success) passes 0.5 with 95 % confidence (its lower band
    crosses 0.5); r_full: where the fitted P reaches the success rate of the battles fought at 3:1 or more;
    breakpoints: 1 − the median loss fraction of failed attackers and of defeated defenders; lethalities: the
    10th, 50th and 90th percentiles of square-law daily rates in battles since 1939."""
    c = c or load_cdb90()
    fit = fit_success(c)
    grid = np.exp(np.linspace(np.log(0.1), np.log(20), 4000))
    lower, _ = fit.band(grid)
    r_min = float(grid[np.argmax(lower >= 0.5)])
    r_full = fit.ratio_at(fit.success_rate_by_ratio[">=3"][1])
    return Defaults(
        r_min=round(r_min, 3),
        r_full=round(r_full, 3),
        attacker_breakpoint=round(1 - float(np.median(c.failed_attacker_loss_fraction)), 3),
        defender_breakpoint=round(1 - float(np.median(c.broken_defender_loss_fraction)), 3),
        k_att_p10_p50_p90=tuple(round(float(v), 5) for v in np.percentile(c.k_att_per_day, [10, 50, 90])),  # type: ignore[arg-type]
        k_def_p10_p50_p90=tuple(round(float(v), 5) for v in np.percentile(c.k_def_per_day, [10, 50, 90])),  # type: ignore[arg-type]
        fit=fit,
    )


def battle_hazard_per_day(c: Cdb90, max_days: float = 30.0) -> float:
    """The rate at which a battle is decided: 1 ÷ the mean duration of the CDB90 battles that lasted at most
    ``max_days`` (the maximum-likelihood rate of an exponential duration)."""
    d = c.duration_days[np.isfinite(c.duration_days) & (c.duration_days > 0) & (c.duration_days <= max_days)]
    return float(1.0 / d.mean())


# ---------------------------------------------------------------------------------------------- skill


def auc(score: NDArray[np.float64], outcome: NDArray[np.bool_]) -> float:
    """Area under the ROC curve (the Mann–Whitney probability that a success scores above a failure; ties ½)."""
    y = np.asarray(outcome, dtype=bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    from scipy.stats import rankdata

    ranks = rankdata(score)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def bootstrap_ci(
    stat: Callable[[NDArray[np.int64]], float], n: int, rng: np.random.Generator, reps: int = 1000
) -> tuple[float, float]:
    """Percentile 95 % interval of ``stat(indices)`` over ``reps`` resamples of n cases with replacement."""
    vals = np.array([stat(rng.integers(0, n, n)) for _ in range(reps)])
    vals = vals[np.isfinite(vals)]
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return float(lo), float(hi)


@dataclass(frozen=True)
class Skill:
    """Out-of-sample skill of the force-ratio logistic (repeated k-fold cross-validation)."""

    subset: str
    battles: int
    folds: int
    repeats: int
    auc: float
    auc_ci: tuple[float, float]
    brier: float
    brier_base: float
    brier_skill: float
    """1 − Brier ÷ Brier of the base rate (the training folds' success rate)."""
    brier_skill_ci: tuple[float, float]
    in_sample_auc: float
    in_sample_auc_ci: tuple[float, float]
    slope_ci: tuple[float, float]


def cross_validate(
    c: Cdb90,
    mask: NDArray[np.bool_] | None = None,
    subset: str = "all",
    folds: int = 5,
    repeats: int = 20,
    seed: int = 0,
    bootstrap: int = 1000,
) -> Skill:
    """Repeated k-fold cross-validation of the logistic on ln(force ratio): out-of-fold predictions averaged over
    the repeats give the AUC and the Brier skill against the base rate; 95 % intervals by bootstrap over battles.
    The in-sample AUC (of ln r itself) and its bootstrap interval are the historical reference for validation."""
    ratio = c.ratio if mask is None else c.ratio[mask]
    y = c.success if mask is None else c.success[mask]
    n = len(y)
    rng = np.random.default_rng(seed)
    pred = np.zeros(n)
    base = np.zeros(n)
    for _ in range(repeats):
        fold = rng.permutation(n) % folds
        for k in range(folds):
            test, train = fold == k, fold != k
            f = fit_logistic(ratio[train], y[train])
            pred[test] += f.probability(ratio[test])
            base[test] += y[train].mean()
    pred /= repeats
    base /= repeats
    yf = y.astype(float)

    def bss(idx: NDArray[np.int64]) -> float:
        b = float(np.mean((pred[idx] - yf[idx]) ** 2))
        b0 = float(np.mean((base[idx] - yf[idx]) ** 2))
        return 1.0 - b / b0 if b0 > 0 else float("nan")

    brier = float(np.mean((pred - yf) ** 2))
    brier_base = float(np.mean((base - yf) ** 2))
    x = np.log(ratio)
    fit = fit_logistic(ratio, y)
    return Skill(
        subset=subset,
        battles=n,
        folds=folds,
        repeats=repeats,
        auc=auc(pred, y),
        auc_ci=bootstrap_ci(lambda i: auc(pred[i], y[i]), n, rng, bootstrap),
        brier=brier,
        brier_base=brier_base,
        brier_skill=1.0 - brier / brier_base,
        brier_skill_ci=bootstrap_ci(bss, n, rng, bootstrap),
        in_sample_auc=auc(x, y),
        in_sample_auc_ci=bootstrap_ci(lambda i: auc(x[i], y[i]), n, rng, bootstrap),
        slope_ci=fit.slope_ci(),
    )
