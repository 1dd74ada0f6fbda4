"""Issue 23, part B: air power as flown, the levers' mappings onto the outcome model's factors, the engine's use of
them (no extrapolation of force ratio, later battles at a re-formed defence, no air attacks after culmination),
intervals that never collapse — each checked by hand or analytically."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from forceplan.engagement.air import (
    CREW_RATIO,
    FORTIFIED_AFTER_H,
    PREPARED_AFTER_H,
    p_air_superiority,
    posture_shares,
    sortie_rates,
    surprise,
)
from forceplan.engagement.engagements import Response, _air, draw_engagement, engage_threat
from forceplan.engagement.engine import run_battles
from forceplan.engagement.outcome import default_outcome_model, force_ratio_model
from forceplan.engagement.verdict import two_stage_interval
from forceplan.timeline import Element

pytestmark = pytest.mark.unit


# ---------------------------------------------------------------------------------------------- mappings


def test_sortie_rates_by_hand() -> None:
    """Two squadrons of 12 (turn rates 4.8 and 1.2 a day), 70 % available, 1.5 sorties a crew a day (cap 1.875
    a day per aircraft), 40 % escort and SEAD, 0.5 % lost per sortie."""
    flown, attack, loss = sortie_rates(
        np.array([4.8, 1.2]),
        np.array([12.0, 12.0]),
        np.array([0.7]),
        np.array([1.5]),
        np.array([0.4]),
        np.array([0.005]),
    )
    cap = CREW_RATIO * 1.5
    assert flown[0] == pytest.approx([12 * 0.7 * cap, 12 * 0.7 * 1.2])
    assert attack[0] == pytest.approx(flown[0] * 0.6)
    assert loss[0] == pytest.approx(0.005 * (cap + 1.2) / 2)  # per aircraft a day, both squadrons alike in size


def test_p_air_superiority_saturates_from_zero() -> None:
    req, front = np.array([3.0]), np.array([25.0])
    assert p_air_superiority(np.array([0.0]), front, req)[0] == 0.0
    assert p_air_superiority(np.array([75.0]), front, req)[0] == pytest.approx(1 - np.exp(-1))  # at the requirement
    many = p_air_superiority(np.linspace(0, 2000, 50), np.full(50, 25.0), np.full(50, 3.0))
    assert np.all(np.diff(many) > 0) and many[-1] < 1.0 and many[-1] > 0.999


def test_surprise_when_the_attack_comes_before_full_alert() -> None:
    alert = np.array([12.0, 36.0, 96.0])
    assert surprise(24.0, alert).tolist() == [0.0, 1.0, 1.0]
    assert surprise(100.0, alert).tolist() == [0.0, 0.0, 0.0]


def test_posture_shares_by_hand() -> None:
    """The Ukrainian line (10, fortified) and three coalition units: 4 in position for 200 h (fortified), 2 for
    30 h (prepared), 6 for 5 h (hasty); a fourth arrives after H and is not in the first battle."""
    held = np.array([[200.0, 30.0, 5.0, -10.0]])
    prep, fort = posture_shares(np.array([10.0]), held, np.array([4.0, 2.0, 6.0, 8.0]))
    assert prep[0] == pytest.approx(2 / 22) and fort[0] == pytest.approx(14 / 22)
    assert PREPARED_AFTER_H < 30 < FORTIFIED_AFTER_H < 200


def _air_el(eid: str, sorties: float, cycle_h: float) -> Element:
    return Element(
        id=eid,
        option="air_power",
        label=eid,
        nation="X",
        power=0.0,
        extra={"sorties_per_day": sorties, "cycle_h": cycle_h, "aircraft": sorties * cycle_h / 24},
    )


def test_a_strike_squadron_flies_its_missiles_first_then_attack_sorties() -> None:
    """Never both: a squadron with a reachable strike element starts its attack sorties when its missiles are
    spent (stock ÷ munitions a day); one without strikes (or with them out of reach) attacks from arrival."""
    strike = Element(
        id="a/fires",
        option="long_range_fires",
        label="a",
        nation="X",
        power=0.0,
        extra={"munitions_per_day": 8.0, "stock_munitions": 20.0},
    )
    els = [_air_el("a", 48.0, 6.0), strike, _air_el("b", 48.0, 6.0)]
    times = np.array([[10.0, 12.0, 10.0]])
    o = {
        "sorties_per_crew_day": np.array([10.0]),
        "air_defence_suppression_share": np.array([0.0]),
        "air_defence_loss_per_sortie": np.array([0.0]),
    }
    dr = dataclasses.replace(_dummy_draws(1), aircraft_factor=1.0)
    idx, start, flown, _, _ = _air(els, times, np.ones(1), o, dr)
    assert idx == [0, 2]
    assert start[0].tolist() == [10.0 + 24 * 20 / 8, 10.0]
    assert flown[0] == pytest.approx([48.0, 48.0])  # 12 aircraft at 4 sorties a day each, uncapped
    out_of_reach = [els[0], dataclasses.replace(strike, reachable=False), els[2]]
    assert _air(out_of_reach, times, np.ones(1), o, dr)[1][0].tolist() == [10.0, 10.0]


def _dummy_draws(n: int):  # type: ignore[no-untyped-def]
    from forceplan.engagement.engagements import EngagementDraws

    return EngagementDraws(np.zeros((n, 2)), np.ones(n), np.ones(n), {}, np.zeros(n), np.random.SeedSequence(0))


# ---------------------------------------------------------------------------------------------- engine


def _run(n: int, a0: float, d0: float, **kw):  # type: ignore[no-untyped-def]
    base = dict(
        a0=np.full(n, a0),
        d0=np.full(n, d0),
        k_att=np.full(n, 0.02),
        k_def=np.full(n, 0.03),
        b0=np.full(n, 0.3),
        b1=np.full(n, 0.3),
        hazard_per_day=0.6,
        rng=np.random.default_rng(7),
        days=30,
    )
    return run_battles(**(base | kw))


def test_force_ratio_is_not_extrapolated_beyond_the_data() -> None:
    """At 1:10 and 1:100 (both below CDB90's lowest ratio, 1:4) the first battle is won in exactly the same trials
    when ln(force ratio) is clipped to the data's range; unclipped, 1:100 would lose more often."""
    bounds = default_outcome_model().log_ratio_bounds
    assert np.exp(bounds[0]) == pytest.approx(0.25, abs=0.01)
    one = dict(single_battle=True, k_att=np.zeros(4000), k_def=np.zeros(4000))
    r10 = _run(4000, 10.0, 100.0, log_ratio_bounds=bounds, **one)
    r100 = _run(4000, 1.0, 100.0, log_ratio_bounds=bounds, **one)
    assert np.array_equal(r10.battles_won, r100.battles_won)
    raw10, raw100 = _run(4000, 10.0, 100.0, **one), _run(4000, 1.0, 100.0, **one)
    assert raw100.battles_won.sum() < raw10.battles_won.sum()
    # The clipped probability is the model's at the bound: 1 / (1 + exp(-(0.3 + 0.3 ln 0.25))).
    p = 1 / (1 + np.exp(-(0.3 + 0.3 * bounds[0])))
    assert r10.battles_won.mean() == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / 4000))


def test_battles_after_a_breakthrough_use_the_later_intercept() -> None:
    """First battle always won (b0 = +40), every later one always lost (b0_later = −40): exactly one win in every
    trial whose second battle is decided within the 30 days."""
    n = 500
    out = _run(n, 20.0, 10.0, b0=np.full(n, 40.0), b0_later=np.full(n, -40.0), pursuit_days=np.full(n, 1.0))
    assert out.battles_won.max() == 1 and out.battles_won.min() == 1
    assert np.isfinite(out.culminated_h).mean() > 0.9


def test_air_stops_attacking_once_the_attacker_has_culminated() -> None:
    """The defender deals no ground losses (k_def 0) and the attack culminates at the first battle (b0 −40):
    the attacker loses exactly the air attrition up to the step it culminates, nothing after."""
    n = 200
    out = _run(
        n,
        30.0,
        10.0,
        k_def=np.zeros(n),
        k_att=np.zeros(n),
        b0=np.full(n, -40.0),
        air_times_h=np.zeros((n, 1)),
        air_rate_per_day=np.array([2.4]),
        air_scale=np.ones(n),
    )
    expected = 2.4 / 24 * out.culminated_h  # one step of 1 h at 2.4 a day for every hour until culmination
    assert np.all(np.isfinite(out.culminated_h))
    assert out.attacker_losses == pytest.approx(expected, rel=1e-9)
    assert out.attacker_end == pytest.approx(30.0 - expected, rel=1e-9)


def test_losses_to_air_defence_decay_the_air_effect_geometrically() -> None:
    """No battle is ever decided (hazard 0): with a loss rate λ a day the air effect after s hours is
    R (1 − λ/24)^s, so the attacker's losses over 720 h are R/24 · Σ (1 − λ/24)^s."""
    n, rate, lam = 4, 2.4, 0.12
    out = _run(
        n,
        500.0,
        10.0,
        k_def=np.zeros(n),
        k_att=np.zeros(n),
        hazard_per_day=0.0,
        air_times_h=np.zeros((n, 1)),
        air_rate_per_day=np.array([rate]),
        air_scale=np.ones(n),
        air_loss_per_day=np.full(n, lam),
    )
    expected = rate / 24 * np.sum((1 - lam / 24) ** np.arange(720))
    assert out.attacker_losses == pytest.approx(np.full(n, expected), rel=1e-9)
    assert expected < rate * 30 * 0.5  # about a fifth of the fleet lost in the first fortnight


# ---------------------------------------------------------------------------------------------- levers


def test_a_factor_the_model_lacks_does_not_move_p(bundled) -> None:  # type: ignore[no-untyped-def]
    """No coalition response, only longer warning: with the pre-battle model the attacker loses surprise in some
    trials and P falls; with force ratio alone nothing else changes, so every trial ends exactly as before."""
    threat = next(t for t in bundled.threats if t.id == "T5-north")
    n_outer = 40
    for model, moves in ((default_outcome_model(), True), (force_ratio_model(), False)):
        dr = draw_engagement(bundled, threat, 4, 3, n_outer, model)
        n = len(dr.u_air)
        resp = Response([], np.zeros((n, 0)), np.ones(n))
        base = engage_threat(bundled, threat, resp, dr, model).outcome
        late = engage_threat(bundled, threat, resp, dr.with_(extra_warning_h=72.0), model).outcome
        if moves:
            assert late.reached.mean() < base.reached.mean() - 0.02
        else:
            assert np.array_equal(late.reached, base.reached)


def test_levers_on_the_bundled_scenario_say_how_much_and_why(bundled) -> None:  # type: ignore[no-untyped-def]
    from forceplan.engagement.assess import assess
    from forceplan.forcegen import match_force
    from forceplan.stationing import station_force

    fg = match_force(bundled)
    r = assess(bundled, threats=["T2-donetsk-dnipro"], trials=1500, seed=1, fg=fg, laydown=station_force(bundled, fg))
    (t,) = r.threats
    rows = {s.case: s for s in t.sensitivity}
    air, force, warn = (rows[k] for k in rows if k.startswith("lever:"))
    for s in (air, force, warn):
        assert s.lever and s.delta_low <= s.delta <= s.delta_high and s.delta < 0
    assert "air superiority" in air.why and "odds by 0.20" in air.why
    assert "surprise" in warn.why and "force ratio" in force.why
    pace = [s for k, s in rows.items() if k.startswith("advance after a breakthrough")]
    assert len(pace) == 2 and pace[0].delta < 0 < pace[1].delta
    assert 0 < t.factors["p_air_superiority"] < 1 and t.attack_sorties_per_day > 0


# ---------------------------------------------------------------------------------------------- interval


@settings(max_examples=40, deadline=None)
@given(
    outer=st.integers(20, 200),
    inner=st.integers(2, 40),
    spread=st.floats(0.0, 0.4),
    centre=st.floats(0.05, 0.95),
    seed=st.integers(0, 2**16),
)
def test_the_interval_never_collapses(outer: int, inner: int, spread: float, centre: float, seed: int) -> None:
    """Whatever the share of the spread that is noise, the interval contains the mean and each end lies at least
    two Monte Carlo errors from it (inside [0, 1])."""
    rng = np.random.default_rng(seed)
    pj = np.clip(centre + spread * rng.standard_normal(outer), 0, 1)
    reached = (rng.random((outer, inner)) < pj[:, None]).ravel().astype(float)
    iv = two_stage_interval(reached, inner)
    assert iv.low <= iv.mean <= iv.high
    assert iv.low <= max(iv.mean - 2 * iv.mc_error, 0.0) + 1e-12
    assert iv.high >= min(iv.mean + 2 * iv.mc_error, 1.0) - 1e-12


@settings(max_examples=40, deadline=None)
@given(
    held=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(0, 5)),
        elements=st.one_of(st.floats(-300, 300), st.just(np.inf), st.just(-np.inf), st.just(np.nan)),
    ),
    data=st.data(),
)
def test_posture_shares_match_the_mask_formulation(held: np.ndarray, data: st.DataObject) -> None:
    """The compiled one-pass kernel equals the shares written as power-weighted masks (any hours, arrivals that
    never come, a zero defence)."""
    n, k = held.shape
    w = np.array(data.draw(st.lists(st.floats(0, 50), min_size=k, max_size=k)), dtype=float)
    base = np.array(data.draw(st.lists(st.floats(0, 50), min_size=n, max_size=n)), dtype=float)
    ok = np.isfinite(held)
    fort_m = ok & (held >= FORTIFIED_AFTER_H)
    prep_m = ok & (held >= PREPARED_AFTER_H) & ~fort_m
    total = base + (ok & (held >= 0)) @ w
    safe = np.where(total > 0, total, 1.0)
    prep, fort = posture_shares(base, held, w)
    np.testing.assert_allclose(prep, np.where(total > 0, prep_m @ w / safe, 0.0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fort, np.where(total > 0, (base + fort_m @ w) / safe, 0.0), rtol=1e-12, atol=1e-12)
    # On the calling thread (the assessment's threads) the kernel gives the same bits.
    prep_1, fort_1 = posture_shares(base, held, w, parallel=False)
    assert prep_1.tobytes() == prep.tobytes() and fort_1.tobytes() == fort.tobytes()
