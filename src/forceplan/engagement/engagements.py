"""One threat's engagements: the random inputs of every trial, and the battle-sequence run given a response.

Two-stage design (docs/model.md, section 7.6): the *uncertain inputs* — the outcome model's coefficients, the
attacker's and defender's strengths, the exploitation pace, air effect and losses, strike effect, the decision
delay and the lever mappings' parameters — are drawn once per outer draw and held over ``INNER_TRIALS`` trials; the
battle-to-battle variation (lethalities, battle clocks and outcomes, the advance while a battle is undecided) is
drawn per trial. The interval of P is the spread over the outer draws (``verdict.two_stage_interval``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from forceplan.defaults import INNER_TRIALS
from forceplan.engagement.air import p_air_superiority, posture_shares, sortie_rates, surprise
from forceplan.engagement.engine import BattleOutcome, draw_battles, per_step_schedule, run_battles
from forceplan.engagement.outcome import FORECAST_CONTEXT, OutcomeModel
from forceplan.engagement.pace import exploitation_pace
from forceplan.geo import geodesic_km
from forceplan.scenario import Scenario
from forceplan.scenario.model import Fixed, Threat, strength_range
from forceplan.scenario.parameters import parameter
from forceplan.timeline.elements import Element
from forceplan.timeline.simulate import draw

DAYS = 30
OUTER_PARAMETERS = (
    "exploitation_advance_km_per_day",
    "pursuit_days",
    "holding_attrition_factor",
    "air_attrition_per_sortie",
    "strike_kill_per_munition",
    "attacker_arrival_factor",
    "coalition_decision_delay_h",
    "sorties_per_crew_day",
    "air_defence_loss_per_sortie",
    "air_defence_suppression_share",
    "air_superiority_sorties_per_km_day",
    "axis_frontage_km",
    "defence_alert_h",
)
"""Assumptions given as ranges: drawn per outer draw, so that each one's range is inside the interval of P."""
INNER_PARAMETERS = (
    "attacker_lethality_per_day",
    "defender_lethality_per_day",
    "battle_hazard_per_day",
    "contested_advance_km_per_day",
)
"""Battle-to-battle variation measured on historical battles: drawn per trial."""
ENGAGEMENT_PARAMETERS = OUTER_PARAMETERS + INNER_PARAMETERS
PACE = "exploitation_advance_km_per_day"
"""Drawn from the 2022-2025 pace table's lognormal (``pace.exploitation_pace``) unless the scenario sets it."""
SUPERIORITY_AFTER_H = 24.0
"""Hours after H at which the sorties over the axis set P(air superiority) (about the first battle's median length)."""


@dataclass(frozen=True)
class EngagementDraws:
    """Every random input of one threat's engagements, per trial, and the levers a case sets."""

    coef: np.ndarray
    """Outcome-model coefficients, trials × k."""
    attacker_factor: np.ndarray
    defender_factor: np.ndarray
    other: dict[str, np.ndarray]
    u_air: np.ndarray
    """A uniform per trial: the defender holds air superiority where it is below P(air superiority)."""
    clock_seed: np.random.SeedSequence
    aircraft_factor: float = 1.0
    """Lever: the coalition's attack aircraft on the axis × this."""
    power_factor: dict[str, float] = field(default_factory=dict)
    """Lever: the combat power of the elements of an option (e.g. ``in_theatre``) × this."""
    extra_warning_h: float = 0.0
    """Lever: the monitoring detects the offensive this many hours earlier."""
    battles: tuple[np.ndarray, np.ndarray] | None = None
    """The battle clocks and outcome numbers from ``clock_seed`` (drawn once, shared by every case)."""

    def with_(self, **kw: object) -> EngagementDraws:
        return dataclasses.replace(self, **kw)  # type: ignore[arg-type]

    def with_other(self, **kw: float) -> EngagementDraws:
        """The same draws with some outer parameters fixed at a value in every trial."""
        return self.with_(other={**self.other, **{k: np.full_like(self.other[k], v) for k, v in kw.items()}})


def draw_engagement(
    sc: Scenario, threat: Threat, i: int, seed: int, n_outer: int, model: OutcomeModel
) -> EngagementDraws:
    """Outer draws repeated over the inner trials, inner draws per trial. Stream ``SeedSequence(seed, spawn_key=
    (i, 1))`` (always the same number of draws, whatever the case); the battle clocks use ``(i, 2)``."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i, 1)))
    trials = n_outer * INNER_TRIALS

    def rep(x: np.ndarray) -> np.ndarray:
        return np.repeat(x, INNER_TRIALS, axis=0)

    coef = model.draw(n_outer, rng)
    a_lo, a_mode, a_hi = strength_range(
        threat.attacker.initial_combat_power, threat.attacker.initial_combat_power_range
    )
    d_lo, d_mode, d_hi = strength_range(threat.defender_combat_power, threat.defender_combat_power_range)
    att = rng.triangular(a_lo / a_mode, 1.0, a_hi / a_mode, size=n_outer)
    dfd = rng.triangular(d_lo / d_mode, 1.0, d_hi / d_mode, size=n_outer) if d_mode > 0 else np.ones(n_outer)
    other = {
        name: rep(
            exploitation_pace().draw(n_outer, rng)
            if name == PACE and name not in sc.parameters
            else draw(parameter(sc, name), (n_outer,), rng)
        )
        for name in OUTER_PARAMETERS
    }
    other |= {name: draw(parameter(sc, name), (trials,), rng) for name in INNER_PARAMETERS}
    u_air = rng.random(trials)
    clock_seed = np.random.SeedSequence(seed, spawn_key=(i, 2))
    battles = draw_battles(np.random.default_rng(clock_seed), trials)
    return EngagementDraws(rep(coef), rep(att), rep(dfd), other, u_air, clock_seed, battles=battles)


@dataclass(frozen=True)
class Response:
    elements: list[Element]
    times_h: np.ndarray
    scale: np.ndarray
    """Per trial: the share of aircraft mission-capable (air availability)."""


@dataclass(frozen=True)
class Engagement:
    """A threat's engagement run and the pre-battle factors its trials were fought with (per trial)."""

    outcome: BattleOutcome
    factors: dict[str, np.ndarray]
    attack_sorties_per_day: np.ndarray
    """Per trial: attack sorties a day once every air element flies (before losses)."""


def pace_range(sc: Scenario) -> tuple[float, float]:
    """The sensitivity range of the advance after a breakthrough (km/day): the scenario's min and max, or the pace
    table's 10th and 90th percentiles."""
    if PACE in sc.parameters:
        d = parameter(sc, PACE)
        return (d.value, d.value) if isinstance(d, Fixed) else (d.min, d.max)
    p = exploitation_pace()
    return p.low_kmday, p.high_kmday


def describe_pace(sc: Scenario) -> str | None:
    """How the pace was drawn, when it came from the pace table (None when the scenario sets it)."""
    if PACE in sc.parameters:
        return None
    p = exploitation_pace()
    return (
        f"lognormal fitted to {p.n_offensives} offensives of 2022-2025 (median {p.median_kmday:.1f}, "
        f"10th-90th percentile {p.low_kmday:.1f}-{p.high_kmday:.1f})"
    )


def threat_distance_km(sc: Scenario, threat: Threat) -> float:
    obj = sc.resolve_point(threat.axis.objective)
    return float(geodesic_km(threat.axis.start[0], threat.axis.start[1], obj[0], obj[1]))


def _air(
    elements: list[Element], times_h: np.ndarray, avail: np.ndarray, o: dict[str, np.ndarray], dr: EngagementDraws
) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(air element indices, their start times trials × air, sorties flown a day and attack sorties a day,
    trials × air, fleet loss per day per trial). A squadron that also carries missiles flies strike sorties
    while its missiles last and attack sorties only after: never both."""
    air = [k for k, el in enumerate(elements) if el.option == "air_power" and el.reachable]
    fires = {el.id: el for el in elements if el.option == "long_range_fires" and el.reachable}
    start = times_h[:, air].astype(float)
    for c, k in enumerate(air):
        strike = fires.get(f"{elements[k].id}/fires")
        if strike is not None and strike.extra["munitions_per_day"] > 0:
            start[:, c] += 24.0 * strike.extra["stock_munitions"] / strike.extra["munitions_per_day"]
    turn = np.array([24.0 / elements[k].extra["cycle_h"] for k in air])
    # The element's sorties a day at its turn rate (after any share given to other axes) ÷ the turn rate: the
    # aircraft it brings to this axis.
    aircraft = np.array([elements[k].extra["sorties_per_day"] for k in air]) / np.where(turn > 0, turn, 1.0)
    flown, attack, loss = sortie_rates(
        turn,
        aircraft * dr.aircraft_factor,
        avail,
        o["sorties_per_crew_day"],
        o["air_defence_suppression_share"],
        o["air_defence_loss_per_sortie"],
    )
    return air, start, flown, attack, loss


def engage_threat(
    sc: Scenario,
    threat: Threat,
    resp: Response,
    dr: EngagementDraws,
    model: OutcomeModel,
    p_only: bool = False,
    parallel: bool = True,
) -> Engagement:
    """One threat's engagements over the trials: the attack at H = the warning time after detection; each trial's
    battle odds from the outcome model with the trial's posture, air superiority and surprise. ``p_only``: each
    trial stops once it is decided (P, times and battles won exact; losses and paths cut short). ``parallel``: the
    trials split over the cores, else run on this thread without the interpreter lock (``run_battles``)."""
    elements, times_h = resp.elements, resp.times_h
    n = times_h.shape[0]
    o = {k: v[:n] for k, v in dr.other.items()}
    warning_h = threat.warning_time_h + dr.extra_warning_h
    keep = [k for k, el in enumerate(elements) if el.power > 0 and el.option not in ("long_range_fires", "air_power")]
    rel = times_h[:, keep] - warning_h  # arrival relative to the start of the attack
    power = np.array([elements[k].power * dr.power_factor.get(elements[k].option, 1.0) for k in keep])
    d0 = threat.defender_combat_power * dr.defender_factor[:n]
    _, air_start, flown, attack, loss = _air(elements, times_h, resp.scale[:n], o, dr)
    air_rel = air_start - warning_h
    over_axis = np.where(air_rel <= SUPERIORITY_AFTER_H, flown, 0.0).sum(axis=1)
    p_air = p_air_superiority(over_axis, o["axis_frontage_km"], o["air_superiority_sorties_per_km_day"])
    prepared, fortified = posture_shares(d0, -rel, power, parallel)
    levers = {
        "air_defender": (dr.u_air[:n] < p_air).astype(float),
        "surprise_attacker": surprise(warning_h, o["defence_alert_h"]),
        "posture_prepared": prepared,
        "posture_fortified": fortified,
    }
    first: dict[str, float | np.ndarray] = {**FORECAST_CONTEXT, **levers}
    # After a breakthrough the defence re-forms where the pursuit stops: hasty, and no longer surprised.
    later: dict[str, float | np.ndarray] = {
        **first,
        "posture_prepared": 0.0,
        "posture_fortified": 0.0,
        "surprise_attacker": 0.0,
    }
    fires = [k for k, el in enumerate(elements) if el.option == "long_range_fires" and el.reachable]
    coef = dr.coef[:n]
    out = run_battles(
        a0=threat.attacker.initial_combat_power * dr.attacker_factor[:n],
        d0=d0,
        k_att=o["attacker_lethality_per_day"],
        k_def=o["defender_lethality_per_day"],
        b0=model.effective_intercept(coef, first),
        b0_later=model.effective_intercept(coef, later),
        b1=model.slope(coef),
        log_ratio_bounds=model.log_ratio_bounds,
        hazard_per_day=float(o["battle_hazard_per_day"][0]),
        rng=np.random.default_rng(dr.clock_seed),
        days=DAYS,
        dt_h=1.0,
        hold=o["holding_attrition_factor"],
        v_contest_km_per_day=o["contested_advance_km_per_day"],
        v_exploit_km_per_day=o["exploitation_advance_km_per_day"],
        pursuit_days=o["pursuit_days"],
        att_add=per_step_schedule([(a.day, a.combat_power) for a in threat.attacker.arrivals], DAYS, 1.0),
        att_scale=o["attacker_arrival_factor"],
        def_times_h=rel,
        def_power=power,
        def_scale=np.ones(n),
        def_scaled=np.zeros(len(keep), dtype=bool),
        air_times_h=air_rel,
        air_rate_per_day=attack,
        air_scale=o["air_attrition_per_sortie"],
        air_loss_per_day=loss,
        fire_times_h=times_h[:, fires] - warning_h,
        fire_rate_per_day=np.array([elements[k].extra["munitions_per_day"] for k in fires]),
        fire_cap=np.array([elements[k].extra["stock_munitions"] for k in fires]),
        fire_scale=o["strike_kill_per_munition"],
        distance_km=threat_distance_km(sc, threat),
        record_every_steps=24,
        stop_when_decided=p_only,
        battle_draws=None if dr.battles is None else (dr.battles[0][:n], dr.battles[1][:n]),
        parallel=parallel,
    )
    return Engagement(out, {**levers, "p_air_superiority": p_air}, attack.sum(axis=1))
