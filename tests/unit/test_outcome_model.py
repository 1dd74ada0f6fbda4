"""The battle-outcome model: hand-solvable fits, the clipped force ratio, factor handling, the coefficient table and
the held-out skill reproduced on a fixed seed, and a verdict that must say when the model loses to a constant."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forceplan.engagement.calibrate import fill_years, load_cdb90
from forceplan.engagement.holdout import (
    Comparison,
    OutcomeValidation,
    Score,
    brier,
    choose_default,
    compare_models,
    leave_one_war_out,
    load_livermore,
    log_loss,
    validate_outcome,
)
from forceplan.engagement.outcome import (
    DEFAULT_MODEL,
    FACTORS,
    FORECAST_CONTEXT,
    LEVER_FACTORS,
    NAMES,
    default_outcome_model,
    fit_irls,
    force_ratio_model,
    forecast_factors,
    load_battles,
    prebattle_model,
)

pytestmark = pytest.mark.unit


def test_saturated_fit_is_the_group_log_odds() -> None:
    """One 0/1 factor, no ratio: the MLE is the log-odds of each group (3 of 4 and 1 of 4 won)."""
    x = np.array([0, 0, 0, 0, 1, 1, 1, 1], dtype=float)
    y = np.array([1, 1, 1, 0, 1, 0, 0, 0], dtype=float)
    b, cov = fit_irls(np.column_stack([np.ones(8), x]), y, ridge_sd=None)
    assert b == pytest.approx([math.log(3), math.log(1 / 3) - math.log(3)], abs=1e-9)
    # Analytic covariance of a log-odds from n = 4 with p = 3/4: 1 / (n p (1 - p)) = 4/3 per group.
    assert cov[0, 0] == pytest.approx(4 / 3, rel=1e-9) and cov[1, 1] == pytest.approx(8 / 3, rel=1e-9)


def test_ridge_pulls_a_separated_factor_to_a_finite_value() -> None:
    x = np.array([0, 0, 0, 0, 1, 1], dtype=float)
    y = np.array([1, 0, 1, 0, 0, 0], dtype=float)  # the factor never wins: no finite MLE
    xm = np.column_stack([np.ones(6), x])
    b, _ = fit_irls(xm, y, ridge_sd=2.5)
    assert -10 < b[1] < -1


def test_coefficient_table_reproduced() -> None:
    m = prebattle_model()
    assert m.names == ("intercept", "log_force_ratio", *FACTORS) and m.n_battles == 515 and m.successes == 314
    expected = {
        "intercept": 0.044,
        "log_force_ratio": 0.188,
        "posture_prepared": 0.017,
        "posture_fortified": -0.521,
        "air_attacker": 0.415,
        "air_defender": -1.589,
        "surprise_attacker": 1.179,
        "surprise_defender": -2.336,
        "terrain_rugged": 0.426,
        "era_1900_1938": 0.152,
        "era_since_1939": 0.272,
    }
    for name, value in expected.items():
        assert m.coef[m.names.index(name)] == pytest.approx(value, abs=1e-3), name
    ci = m.ci()
    # The levers that history supports: the defender's air superiority and the attacker's surprise exclude zero.
    for name in ("air_defender", "surprise_attacker"):
        lo, hi = ci[m.names.index(name)]
        assert lo * hi > 0, name
    assert ci[1] == pytest.approx([-0.097, 0.473], abs=1e-3)
    assert m.log_ratio_bounds == pytest.approx((math.log(0.25353), math.log(17.5)), abs=1e-4)
    r = force_ratio_model()
    assert r.coef == pytest.approx([0.319, 0.269], abs=1e-3) and r.n_battles == 515


def test_force_ratio_is_flat_outside_the_data() -> None:
    m = prebattle_model()
    lo, hi = np.exp(m.log_ratio_bounds)
    assert m.probability(0.01) == pytest.approx(m.probability(lo), abs=1e-15)
    assert m.probability(1000.0) == pytest.approx(m.probability(hi), abs=1e-15)
    assert m.probability(1 / 100) > 0.25  # no longer extrapolated to near-certain defeat
    assert m.outside_data([0.01, 1.0, 1000.0]).tolist() == [True, False, True]
    with pytest.raises(ValueError, match="positive"):
        m.probability(0.0)


def test_factor_handling() -> None:
    m = prebattle_model()
    c = m.coef
    base = float(m.effective_intercept(None, {}))
    assert base == pytest.approx(c[0])
    assert float(m.effective_intercept(None, {"air_defender": 1.0})) == pytest.approx(
        c[0] + c[m.names.index("air_defender")]
    )
    assert float(m.effective_intercept(None, {"not_a_factor": 1.0})) == pytest.approx(base)  # ignored
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        m.effective_intercept(None, {"air_defender": 1.5})
    r = force_ratio_model()
    p = r.probability(2.0, {"air_defender": 1.0, "surprise_attacker": 1.0})
    assert p == pytest.approx(r.probability(2.0))  # a ratio-only model gives factors no effect
    assert not r.has("air_defender") and m.has("air_defender")
    assert set(LEVER_FACTORS) <= set(FACTORS) and set(FORECAST_CONTEXT) <= set(FACTORS)
    assert set(NAMES) == {"intercept", "log_force_ratio", *FACTORS}
    with pytest.raises(ValueError, match="unknown factor"):
        forecast_factors(air_power=1.0)
    # Vectorised: draws (n, k) with per-draw factor values.
    rng = np.random.default_rng(3)
    draws = m.draw(5, rng)
    out = m.probability(np.full(5, 2.0), forecast_factors(air_defender=np.linspace(0, 1, 5)), draws)
    assert out.shape == (5,)
    assert m.slope(draws) == pytest.approx(draws[:, 1])


@settings(max_examples=60, deadline=None)
@given(
    r1=st.floats(0.01, 100.0),
    r2=st.floats(0.01, 100.0),
    air=st.floats(0.0, 1.0),
    surprise=st.floats(0.0, 1.0),
)
def test_probability_is_monotone_in_ratio_and_levers(r1: float, r2: float, air: float, surprise: float) -> None:
    m = prebattle_model()
    f = forecast_factors(air_defender=air, surprise_attacker=surprise)
    p1, p2 = float(m.probability(r1, f)), float(m.probability(r2, f))
    assert 0 < p1 < 1
    if r1 <= r2:
        assert p1 <= p2 + 1e-15  # the fitted slope is positive
    # More defender air superiority lowers P; more attacker surprise raises it (their fitted signs).
    assert float(m.probability(r1, forecast_factors(air_defender=min(1.0, air + 0.1), surprise_attacker=surprise))) <= (
        p1 + 1e-15
    )
    assert float(m.probability(r1, forecast_factors(air_defender=air, surprise_attacker=min(1.0, surprise + 0.1)))) >= (
        p1 - 1e-15
    )


def test_draws_are_seeded_and_centred() -> None:
    m = prebattle_model()
    a = m.draw(20_000, np.random.default_rng(7))
    assert np.array_equal(a, m.draw(20_000, np.random.default_rng(7)))
    assert a.mean(axis=0) == pytest.approx(m.coef, abs=4 * float(np.sqrt(np.diag(m.cov)).max()) / np.sqrt(20_000))


def test_undated_battles_take_their_war_year() -> None:
    assert fill_years(["1944-01-01", "", "1943-06-01", "x"], ["w", "w", "w", "other"]) == [1944, 1943, 1943, 0]
    years = fill_years(["1943-01-01", "", "1944-06-01", ""], ["w"] * 4, ["a", "b", "b", "c"])
    assert years == [1943, 1944, 1944, 1943]  # the campaign's year first, then the war's
    c = load_cdb90()
    assert int((c.year >= 1939).sum()) == 209 and int((c.year == 0).sum()) == 0
    b = load_battles()
    names = dict(zip(b.name, b.year, strict=True))
    assert names["Aprilia Ii"] == 1944 and names["San Martino"] == 1944
    assert b.excluded == {"initial strength or outcome not recorded": 139, "terrain not recorded": 6}


def test_held_out_skill_reproduced_on_a_fixed_seed() -> None:
    a = compare_models(seed=0, reps=300)
    assert (a.battles, a.wars) == (515, 55)
    assert a.rich.brier == pytest.approx(0.2312, abs=1e-4) and a.rich.brier_base == pytest.approx(0.2410, abs=1e-4)
    assert a.rich.brier_skill == pytest.approx(0.0409, abs=1e-3) and a.rich.auc == pytest.approx(0.609, abs=1e-3)
    assert a.ratio_only.brier_skill == pytest.approx(0.0012, abs=1e-3)
    assert a.ratio_only.auc == pytest.approx(0.4955, abs=1e-3)
    assert a.rich.log_loss == pytest.approx(0.6566, abs=1e-3)
    m = compare_models(seed=0, reps=300, since_year=1939)
    assert (m.battles, m.wars) == (209, 12)
    assert m.rich.brier_skill == pytest.approx(0.1485, abs=2e-3)
    assert m.ratio_only.brier_skill == pytest.approx(0.026, abs=2e-3)
    assert m.brier_gain_ci[0] > 0  # since 1939 the richer model is surely better
    assert a.brier_gain_ci[0] < 0 < a.brier_gain  # on all battles better, but not surely
    assert sum(r.battles for r in a.reliability) == 515 and sum(r.battles for r in m.reliability) == 209
    low = a.reliability[0]  # docs/model.md §7.7: the low forecasts are too low over all battles
    assert (low.battles, round(100 * low.forecast), round(100 * low.observed)) == (61, 23, 38)
    # The modern skill is not the era's level: era alone barely beats the constant; air and surprise carry it.
    b = load_battles()
    modern = b.year >= 1939
    p_era, _ = leave_one_war_out(b, ("era_1900_1938", "era_since_1939"))
    y = b.success[modern].astype(float)
    assert brier(p_era[modern], y) == pytest.approx(0.2307, abs=2e-4) and m.rich.brier < 0.2


def test_default_choice_follows_the_held_out_skill() -> None:
    """If the pre-battle model ever stops beating force ratio alone out of sample, this fails and
    ``outcome.DEFAULT_MODEL`` must change to the simpler model."""
    a, m = compare_models(seed=0, reps=200), compare_models(seed=0, reps=200, since_year=1939)
    assert choose_default(a, m) == DEFAULT_MODEL == default_outcome_model().label


def _score(model: str, b: float, b0: float) -> Score:
    return Score(model, 100, 10, b, b0, 1 - b / b0, (-0.1, 0.1), 0.7, 0.69, (0.6, 0.8), 0.55, (0.45, 0.65))


def test_the_verdict_says_so_when_the_model_loses_to_a_constant() -> None:
    worse = _score("pre-battle factors", 0.250, 0.240)
    assert not worse.beats_constant and "does NOT beat a constant" in worse.sentence("Here")
    unsure = _score("pre-battle factors", 0.230, 0.240)  # its skill's interval (-0.1, 0.1) reaches zero
    assert unsure.beats_constant and not unsure.surely_beats_constant
    assert "NOT surely better than a constant" in unsure.sentence("Here")
    sure = dataclasses.replace(unsure, brier_skill_ci=(0.01, 0.08))
    assert sure.surely_beats_constant and "it beats a constant" in sure.sentence("Here")
    v = validate_outcome(seed=0, reps=100)
    assert v.passed and v.sentences()[-1].startswith("PASS")
    ratio = _score("force ratio alone", 0.245, 0.240)
    for field in ("all_battles", "modern"):
        c: Comparison = getattr(v, field)
        bad = Comparison(c.battles, c.wars, c.subset, worse, ratio, 0.01, (0.0, 0.02), 0, 100)
        failing = OutcomeValidation(**{**v.__dict__, field: bad})
        assert not failing.passed
        assert failing.sentences()[-1].startswith("FAIL") and "does not beat a constant" in failing.sentences()[-1]
    ext = type(v.external)(**{**v.external.__dict__, "score": worse})
    failing = OutcomeValidation(**{**v.__dict__, "external": ext})
    assert not failing.passed and "outside CDB90" in failing.sentences()[-1]
    # The numbers printed are the numbers computed.
    assert f"{v.all_battles.rich.brier:.3f}" in v.sentences()[0]


def test_livermore_is_outside_cdb90_and_scored() -> None:
    ext = load_livermore()
    assert len(ext.ratio) == 23 and ext.excluded == {"in CDB90": 39, "a whole campaign": 1}
    assert not {"Gettysburg, July 1-3, 1863", "Antietam, September 16, 17, 1862"} & set(ext.name)
    assert int(ext.success.sum()) == 7
    v = validate_outcome(seed=0, reps=200)
    s = v.external.score
    assert s.brier == pytest.approx(0.237, abs=1e-3) and s.brier_base == pytest.approx(0.305, abs=1e-3)
    assert v.external.brier_own_rate == pytest.approx(brier(np.full(23, 7 / 23), ext.success.astype(float)))
    assert sum(r.battles for r in v.external.reliability) == 23


def test_scores_by_hand() -> None:
    p = np.array([0.8, 0.2])
    y = np.array([1.0, 0.0])
    assert brier(p, y) == pytest.approx(0.04)
    assert log_loss(p, y) == pytest.approx(-math.log(0.8))


def test_the_report_sentence_states_the_computed_figures() -> None:
    from forceplan.engagement.stats import OUTCOME_SKILL_SENTENCE as s

    v = validate_outcome(seed=0, reps=1000)
    m, a = v.modern, v.all_battles
    assert f"{prebattle_model().n_battles} CDB90 battles" in s and f"{m.battles} battles since 1939" in s
    assert f"+{round(100 * m.rich.brier_skill)} %" in s and f"+{round(100 * a.rich.brier_skill)} %" in s
    lo, hi = m.rich.brier_skill_ci
    assert f"+{round(100 * lo)} to +{round(100 * hi)} %" in s and lo > 0  # "beats a constant" must be sure
    assert f"force ratio alone: +{round(100 * m.ratio_only.brier_skill)} %, not sure" in s
    assert m.ratio_only.brier_skill_ci[0] < 0 and a.rich.brier_skill_ci[0] < 0  # the two "not sure"s
    lo_r, hi_r = np.exp(prebattle_model().log_ratio_bounds)
    assert f"1:{round(1 / lo_r)} to {hi_r:.1f}:1" in s
    low = v.all_battles.reliability[0]
    assert low.high == 0.4 and f"under 40 %, attackers won {round(100 * low.observed)} %" in s
    ext = v.external
    assert f"on {ext.score.battles} American Civil War battles" in s
    assert f"({round(100 * v.external_mean_forecast)} % forecast, {round(100 * ext.observed_rate)} % won)" in s


@settings(max_examples=60, deadline=None)
@given(p=st.floats(0.0, 1.0), ratio=st.floats(0.1, 20.0), factor=st.sampled_from(LEVER_FACTORS))
def test_a_probability_as_factor_value_stays_near_the_mixture(p: float, ratio: float, factor: str) -> None:
    """docs/model.md §7.6: passing P(condition) interpolates the log-odds; it lies between the two pure cases and
    within 0.05 of the exact mixture p·P1 + (1 − p)·P0 for every lever factor."""
    m = prebattle_model()
    p0 = float(m.probability(ratio, forecast_factors()))
    p1 = float(m.probability(ratio, forecast_factors(**{factor: 1.0})))
    pl = float(m.probability(ratio, forecast_factors(**{factor: p})))
    assert min(p0, p1) - 1e-12 <= pl <= max(p0, p1) + 1e-12
    assert abs(pl - (p * p1 + (1 - p) * p0)) <= 0.05


@settings(max_examples=30, deadline=None)
@given(factor=st.floats(0.5, 1.5))
def test_a_scaled_slope_moves_a_ratio_only_model_as_its_fit_does(factor: float) -> None:
    """On a force-ratio-only model, ``with_slope`` is the fit's own conditional intercept (``b0_given_b1``): the
    two-coefficient case of the same normal conditional mean."""
    from forceplan.engagement.assess import ratio_only_model
    from forceplan.engagement.calibrate import default_success_fit

    fit = default_success_fit()
    m = ratio_only_model(fit, default_outcome_model()).with_slope(factor)
    assert m.coef[1] == pytest.approx(fit.b1 * factor, rel=1e-12)
    assert m.coef[0] == pytest.approx(fit.b0_given_b1(fit.b1 * factor), rel=1e-12, abs=1e-12)
    assert np.array_equal(m.cov, fit.cov)


def test_a_scaled_slope_moves_the_other_coefficients_to_their_conditional_means() -> None:
    """Brute force on the pre-battle model: among 400,000 coefficient draws, those whose slope lies within 0.5 % of
    1.2 × the fitted slope have mean coefficients equal to ``with_slope(1.2)``'s (within the Monte Carlo error);
    ``with_slope(1)`` is the model itself."""
    m = default_outcome_model()
    assert np.allclose(m.with_slope(1.0).coef, m.coef, rtol=0, atol=1e-15)
    target = m.with_slope(1.2)
    draws = m.draw(400_000, np.random.default_rng(7))
    b1 = 1.2 * m.coef[1]
    near = draws[np.abs(draws[:, 1] - b1) < 0.005 * abs(b1)]
    assert len(near) > 1_000
    se = draws.std(axis=0) / np.sqrt(len(near))
    assert np.all(np.abs(near.mean(axis=0) - target.coef) < 4 * se + 1e-3), (near.mean(axis=0), target.coef)
    assert "slope × 1.2" in target.label
