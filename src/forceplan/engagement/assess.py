"""Deterrence assessment: would each threatened offensive reach its objective within 30 days, how fast, at what
cost — given the coalition's response (the timelines) — and how sensitive is that to each option."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import Field

from forceplan.defaults import ASSESS_TRIALS
from forceplan.engagement.calibrate import SuccessFit, default_success_fit
from forceplan.engagement.engine import BattleOutcome, per_step_schedule, run_battles
from forceplan.engagement.stats import band_of, verdict_for, wilson_interval
from forceplan.forcegen import ForcegenResult, Options, match_force
from forceplan.geo import geodesic_km
from forceplan.results import Out, versioned_schema
from forceplan.scenario import Scenario, scenario_digest
from forceplan.scenario.model import Fixed, Offensive, Threat, Triangular, strength_range
from forceplan.scenario.parameters import parameter
from forceplan.stationing import StationingResult, station_force
from forceplan.timeline.allocate import MOVABLE, AxisPlan, plan_axes
from forceplan.timeline.elements import Element, build_elements, node_capacity_per_h
from forceplan.timeline.result import Quantiles
from forceplan.timeline.run import PARAMETER_NAMES, _quantiles
from forceplan.timeline.simulate import draw, simulate_axis

SCHEMA_ID = "forceplan.assess/2"
DAYS = 30
INNER_TRIALS = 50
"""Trials per draw of the uncertain model inputs (the inner loop of the two-stage design)."""
MIN_INPUT_DRAWS = 20
"""Fewer draws of the uncertain inputs give no interval worth printing: at least 1,000 trials are run."""
DEFAULT_TRIALS = ASSESS_TRIALS
"""120 draws of the model inputs × 50 trials: the Monte Carlo error of P stays under 0.01 (about 0.007)."""
ENGAGEMENT_PARAMETERS = (
    "attacker_lethality_per_day",
    "defender_lethality_per_day",
    "battle_hazard_per_day",
    "contested_advance_km_per_day",
    "exploitation_advance_km_per_day",
    "pursuit_days",
    "holding_attrition_factor",
    "air_attrition_per_sortie",
    "strike_kill_per_munition",
    "attacker_arrival_factor",
)


class Probability(Out):
    p: float = Field(description="The attacker's probability of reaching its objective within 30 days")
    ci_low: float = Field(description="5th percentile over the uncertain model inputs (calibration, strengths)")
    ci_high: float = Field(description="95th percentile over the uncertain model inputs")
    mc_error: float = Field(description="Monte Carlo standard error of p")


class Sensitivity(Out):
    case: str
    p_reached: float
    delta: float = Field(description="Change from the baseline, in probability")


class Paths(Out):
    day: list[int]
    attacker_p10: list[float]
    attacker_p50: list[float]
    attacker_p90: list[float]
    defender_p10: list[float]
    defender_p50: list[float]
    defender_p90: list[float]


class ThreatAssessment(Out):
    threat: str
    name: str
    distance_km: float
    attacker_initial: float
    attacker_initial_range: tuple[float, float]
    attacker_follow_on: float
    defender_initial: float
    defender_initial_range: tuple[float, float]
    p_reached: Probability = Field(description="P(the attacker reaches its objective within 30 days)")
    time_to_objective_h: Quantiles = Field(description="Over all trials; None where not reached")
    attacker_losses: Quantiles = Field(
        description="Combat power lost (battalion-equivalents), to the objective or day 30"
    )
    defender_losses: Quantiles
    p_culminated: float = Field(description="P(the attack culminates before its objective)")
    battles_won: Quantiles = Field(description="Battles the attacker won (breakthroughs) in 30 days")
    verdict: str = Field(description="A band only when the whole interval lies in it, else 'uncertain: between ...'")
    paths: Paths
    sensitivity: list[Sensitivity]
    received: list[str] = Field(default_factory=list, description="Movable elements the axis receives")
    withheld: list[str] = Field(
        default_factory=list, description="Movable elements that stay (guards) or go elsewhere, with why"
    )


class AxisResult(Out):
    threat: str
    p_reached: Probability
    verdict: str
    received: list[str]
    power_received: float = Field(description="Combat power of the movable elements it receives, battalion-equiv.")


class OffensiveAssessment(Out):
    offensive: str
    name: str
    axes: list[AxisResult]
    worst_force_ratio: float = Field(description="The allocation's worst axis: defender ÷ attacker (time-discounted)")
    guards: dict[str, list[str]] = Field(description="Protected site → elements kept there")
    solver: list[dict[str, object]]


class AssessResult(Out):
    schema_id: str = Field(SCHEMA_ID, alias="schema")
    scenario: str
    scenario_digest: str
    seed: int
    trials: int
    input_draws: int = Field(description="Draws of the uncertain model inputs (outer loop)")
    law: str
    outcome_model: str
    calibration: dict[str, float]
    parameters: dict[str, str]
    threats: list[ThreatAssessment]
    offensives: list[OffensiveAssessment] = Field(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)


def wilson(successes: int, n: int, z: float = 1.96) -> Probability:
    """A binomial proportion with its Wilson interval (no model uncertainty: a plain Monte Carlo estimate)."""
    lo, hi = wilson_interval(successes, n, z)
    p = successes / n if n else 0.0
    se = float(np.sqrt(p * (1 - p) / n)) if n else 0.0
    return Probability(p=round(p, 4), ci_low=round(lo, 4), ci_high=round(hi, 4), mc_error=round(se, 4))


def verdict(p: float) -> str:
    """The band of a point value: deterred (P < 0.1), probably denied (< 0.5), at risk (< 0.9), not deterred."""
    return band_of(p)


def total_interval(reached: np.ndarray, inner: int, q: tuple[float, float] = (0.05, 0.95)) -> Probability:
    """P and its interval over the uncertain inputs, from a two-stage design (``reached`` ordered by input draw,
    ``inner`` trials per draw). The spread of the per-draw estimates is shrunk by the binomial noise of ``inner``
    trials (method of moments), so the interval carries the model uncertainty, not the Monte Carlo noise; the Monte
    Carlo error of P is the standard error of the per-draw means."""
    pj = reached.reshape(-1, inner).mean(axis=1)
    n_outer = len(pj)
    p = float(pj.mean())
    var_obs = float(pj.var(ddof=1)) if n_outer > 1 else 0.0
    noise = float(np.mean(pj * (1 - pj))) / max(inner - 1, 1)
    shrink = float(np.sqrt(max(var_obs - noise, 0.0) / var_obs)) if var_obs > 0 else 0.0
    adj = np.clip(p + shrink * (pj - p), 0.0, 1.0)
    lo, hi = np.quantile(adj, q)
    se = float(np.sqrt(var_obs / n_outer)) if n_outer > 1 else 0.0
    return Probability(
        p=round(p, 4), ci_low=round(float(min(lo, p)), 4), ci_high=round(float(max(hi, p)), 4), mc_error=round(se, 4)
    )


@dataclass(frozen=True)
class EngagementDraws:
    """Every random input of one threat's engagements, per trial. Made once per threat, whatever the case."""

    b0: np.ndarray
    b1: np.ndarray
    attacker_factor: np.ndarray
    defender_factor: np.ndarray
    other: dict[str, np.ndarray]
    clock_seed: np.random.SeedSequence

    def with_(self, **kw: np.ndarray) -> EngagementDraws:
        return dataclasses.replace(self, **kw)  # type: ignore[arg-type]


def draw_engagement(sc: Scenario, threat: Threat, i: int, seed: int, n_outer: int, fit: SuccessFit) -> EngagementDraws:
    """Outer draws (calibration, attacker and defender strength) repeated over the inner trials; inner draws for
    the rest. Stream ``SeedSequence(seed, spawn_key=(i, 1))``; the battle clocks use ``(i, 2)``."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i, 1)))
    trials = n_outer * INNER_TRIALS
    b0, b1 = fit.draw(n_outer, rng)
    a_lo, a_mode, a_hi = strength_range(
        threat.attacker.initial_combat_power, threat.attacker.initial_combat_power_range
    )
    d_lo, d_mode, d_hi = strength_range(threat.defender_combat_power, threat.defender_combat_power_range)
    att = rng.triangular(a_lo / a_mode, 1.0, a_hi / a_mode, size=n_outer)
    dfd = rng.triangular(d_lo / d_mode, 1.0, d_hi / d_mode, size=n_outer) if d_mode > 0 else np.ones(n_outer)
    other = {name: draw(parameter(sc, name), (trials,), rng) for name in ENGAGEMENT_PARAMETERS}

    def rep(x: np.ndarray) -> np.ndarray:
        return np.repeat(x, INNER_TRIALS)

    return EngagementDraws(rep(b0), rep(b1), rep(att), rep(dfd), other, np.random.SeedSequence(seed, spawn_key=(i, 2)))


@dataclass(frozen=True)
class Response:
    elements: list[Element]
    times_h: np.ndarray
    scale: np.ndarray


def engage_threat(sc: Scenario, threat: Threat, resp: Response, dr: EngagementDraws) -> BattleOutcome:
    """One threat's engagements over the trials: attack at H = warning time after detection."""
    elements, times_h, air_scale = resp.elements, resp.times_h, resp.scale
    n = times_h.shape[0]
    keep = [k for k, el in enumerate(elements) if el.power > 0 and el.option not in ("long_range_fires", "air_power")]
    rel = times_h[:, keep] - threat.warning_time_h  # arrival relative to the start of the attack
    power = np.array([elements[k].power for k in keep])
    air = [k for k, el in enumerate(elements) if el.option == "air_power" and el.reachable]
    fires = [k for k, el in enumerate(elements) if el.option == "long_range_fires" and el.reachable]
    o = dr.other
    return run_battles(
        a0=threat.attacker.initial_combat_power * dr.attacker_factor[:n],
        d0=threat.defender_combat_power * dr.defender_factor[:n],
        k_att=o["attacker_lethality_per_day"][:n],
        k_def=o["defender_lethality_per_day"][:n],
        b0=dr.b0[:n],
        b1=dr.b1[:n],
        hazard_per_day=float(o["battle_hazard_per_day"][0]),
        rng=np.random.default_rng(dr.clock_seed),
        days=DAYS,
        dt_h=1.0,
        hold=o["holding_attrition_factor"][:n],
        v_contest_km_per_day=o["contested_advance_km_per_day"][:n],
        v_exploit_km_per_day=o["exploitation_advance_km_per_day"][:n],
        pursuit_days=o["pursuit_days"][:n],
        att_add=per_step_schedule([(a.day, a.combat_power) for a in threat.attacker.arrivals], DAYS, 1.0),
        att_scale=o["attacker_arrival_factor"][:n],
        def_times_h=rel,
        def_power=power,
        def_scale=np.ones(n),
        def_scaled=np.zeros(len(keep), dtype=bool),
        air_times_h=times_h[:, air] - threat.warning_time_h,
        air_rate_per_day=np.array([elements[k].extra["sorties_per_day"] for k in air]),
        air_scale=air_scale * o["air_attrition_per_sortie"][:n],
        fire_times_h=times_h[:, fires] - threat.warning_time_h,
        fire_rate_per_day=np.array([elements[k].extra["munitions_per_day"] for k in fires]),
        fire_cap=np.array([elements[k].extra["stock_munitions"] for k in fires]),
        fire_scale=o["strike_kill_per_munition"][:n],
        distance_km=threat_distance_km(sc, threat),
        record_every_steps=24,
    )


def threat_distance_km(sc: Scenario, threat: Threat) -> float:
    obj = sc.resolve_point(threat.axis.objective)
    return float(geodesic_km(threat.axis.start[0], threat.axis.start[1], obj[0], obj[1]))


def _respond(
    sc: Scenario,
    threat: Threat,
    i: int,
    seed: int,
    trials: int,
    params: dict[str, Fixed | Triangular],
    modes: dict[str, float],
    f: ForcegenResult,
    lay: StationingResult,
    case_opts: Options,
    drop: tuple[str, ...] = (),
    delay: float | None = None,
    allocation: AxisPlan | None = None,
) -> Response:
    """One case of one threat's response (timeline stream i, the same draws as ``respond``); with an allocation,
    only what it sends to this axis comes (guards and units sent elsewhere stay), and shared air and strike
    elements bring their share."""
    els, nodes = build_elements(sc, threat, f, lay, modes, case_opts)
    if allocation is not None:
        els = allocation.apply(els)
    # Dropped options stay in the list, out of reach and out of the queues, so every other element receives the same
    # random draws as in the baseline: exact common random numbers.
    els = [dataclasses.replace(e, reachable=False, node=None) if e.option in drop else e for e in els]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
    sim = simulate_axis(els, params, node_capacity_per_h(nodes), trials, rng, delay)
    scale = sim.scale if sim.scale is not None else np.ones(trials)
    return Response(els, sim.times_h, scale)


@dataclass(frozen=True)
class Case:
    """One sensitivity case: options dropped, a fixed decision delay, other engagement draws, or the backstop."""

    label: str
    drop: tuple[str, ...] = ()
    delay_h: float | None = None
    draws: EngagementDraws | None = None
    backstop: Options | None = None
    opts: Options | None = None
    """Other response options (the same force and laydown): e.g. strikes into the aggressor's territory."""


def sensitivity_cases(sc: Scenario, threat: Threat, opts: Options, fit: SuccessFit, dr: EngagementDraws) -> list[Case]:
    """The sensitivity cases of one threat, each a change to the baseline's draws or inputs and nothing else."""
    ones = np.ones_like(dr.b0)
    a_lo, a_mode, a_hi = strength_range(
        threat.attacker.initial_combat_power, threat.attacker.initial_combat_power_range
    )
    d_lo, d_mode, d_hi = strength_range(threat.defender_combat_power, threat.defender_combat_power_range)
    deep = opts.deep_strikes(sc)
    cases = [
        Case("without air power", drop=("air_power",)),
        Case("without strikes", drop=("long_range_fires",)),
        Case(
            f"{'without' if deep else 'with'} strikes into {sc.geography.aggressor}",
            opts=dataclasses.replace(opts, strikes_into_aggressor=not deep),
        ),
        Case("without stockpiles", drop=("stockpile_release",)),
        Case("without reinforcements", drop=("reinforcements",)),
        Case("decision delay 6 h", delay_h=6.0),
        Case("decision delay 72 h", delay_h=72.0),
        Case(f"attacker strength {a_lo:g}", draws=dr.with_(attacker_factor=ones * a_lo / a_mode)),
        Case(f"attacker strength {a_hi:g}", draws=dr.with_(attacker_factor=ones * a_hi / a_mode)),
    ]
    if d_mode > 0:
        cases += [
            Case(f"Ukrainian strength {d_lo:g}", draws=dr.with_(defender_factor=ones * d_lo / d_mode)),
            Case(f"Ukrainian strength {d_hi:g}", draws=dr.with_(defender_factor=ones * d_hi / d_mode)),
        ]
    for label, b1 in zip(("low", "high"), fit.slope_ci(), strict=True):
        fixed = dr.with_(b0=ones * fit.b0_given_b1(b1), b1=ones * b1)
        cases.append(Case(f"calibration slope {label} ({b1:.2f})", draws=fixed))
    if not opts.backstop(sc) and sc.backstop.assets:
        bs = Options(
            min_status=opts.min_status,
            without=opts.without,
            us_backstop=True,
            max_personnel=opts.max_personnel,
            max_nation_share=opts.max_nation_share,
        )
        cases.append(Case("with US backstop", backstop=bs))
    return cases


def assess(
    sc: Scenario,
    threats: Sequence[str] | None = None,
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    opts: Options | None = None,
    fg: ForcegenResult | None = None,
    laydown: StationingResult | None = None,
    sensitivity: bool = True,
    progress: Callable[[str], None] | None = None,
    guards: dict[str, AxisPlan] | None = None,
    fit: SuccessFit | None = None,
    plan_force: Callable[[Options], tuple[ForcegenResult, StationingResult]] | None = None,
) -> AssessResult:
    """Assess every threat (or those named). ``trials`` is rounded up to whole draws of the uncertain inputs
    (``INNER_TRIALS`` trials each), at least ``MIN_INPUT_DRAWS`` of them. Threat i uses the response draws of
    ``respond`` (stream i) and its own engagement streams; every sensitivity case makes every draw and overrides
    only what it changes (exact common random numbers), so the differences come from the change alone.
    ``guards``: the single-axis allocations (``timeline.run.guard_plans``) when the caller has them already;
    ``fit``: the calibration (default the CDB90 fit), e.g. with another slope for exploratory analysis;
    ``plan_force``: how the US-backstop case gets its force and laydown (default: match and station afresh; the
    pipeline passes its stage cache, so a force planned before is not planned again)."""
    opts = opts or Options()
    fg = fg or match_force(sc, opts)
    laydown = laydown or station_force(sc, fg)
    n_outer = max(MIN_INPUT_DRAWS, -(-trials // INNER_TRIALS))
    trials = n_outer * INNER_TRIALS
    fit = fit or default_success_fit()
    params = {name: parameter(sc, name) for name in PARAMETER_NAMES}
    modes = {name: float(d.mode) for name, d in params.items()}
    eng_params = {name: parameter(sc, name) for name in ENGAGEMENT_PARAMETERS}
    backstop_plan: tuple[ForcegenResult, StationingResult] | None = None
    wanted = set(threats) if threats else None
    slope_lo, slope_hi = fit.slope_ci()
    out = []
    for i, threat in enumerate(sc.threats):
        if wanted is not None and threat.id not in wanted:
            continue
        if progress:
            progress(threat.id)
        dr = draw_engagement(sc, threat, i, seed, n_outer, fit)
        plan = (guards or {}).get(threat.id) or plan_axes(sc, [threat], fg, laydown, params, modes, opts)[1][threat.id]
        respond_case = functools.partial(_respond, sc, threat, i, seed, trials, params, modes, allocation=plan)
        base_resp = respond_case(fg, laydown, opts)
        base = engage_threat(sc, threat, base_resp, dr)
        p_base = float(base.reached.mean())
        sens: list[Sensitivity] = []
        if sensitivity:
            for case in sensitivity_cases(sc, threat, opts, fit, dr):
                if case.backstop:
                    if backstop_plan is None:
                        backstop_plan = plan_force(case.backstop) if plan_force else _plan_force(sc, case.backstop)
                    _, bs_plans = plan_axes(sc, [threat], *backstop_plan, params, modes, case.backstop)
                    resp = respond_case(*backstop_plan, case.backstop, allocation=bs_plans[threat.id])
                elif case.drop or case.delay_h is not None or case.opts is not None:
                    resp = respond_case(fg, laydown, case.opts or opts, case.drop, case.delay_h)
                else:
                    resp = base_resp
                p = float(engage_threat(sc, threat, resp, case.draws or dr).reached.mean())
                sens.append(Sensitivity(case=case.label, p_reached=round(p, 4), delta=round(p - p_base, 4)))
        qa = np.quantile(base.attacker_path, [0.1, 0.5, 0.9], axis=0, method="inverted_cdf")
        qd = np.quantile(base.defender_path, [0.1, 0.5, 0.9], axis=0, method="inverted_cdf")
        prob = total_interval(base.reached, INNER_TRIALS)
        a_lo, _, a_hi = strength_range(threat.attacker.initial_combat_power, threat.attacker.initial_combat_power_range)
        d_lo, _, d_hi = strength_range(threat.defender_combat_power, threat.defender_combat_power_range)
        out.append(
            ThreatAssessment(
                threat=threat.id,
                name=threat.name,
                distance_km=round(threat_distance_km(sc, threat), 1),
                attacker_initial=threat.attacker.initial_combat_power,
                attacker_initial_range=(a_lo, a_hi),
                attacker_follow_on=sum(a.combat_power for a in threat.attacker.arrivals),
                defender_initial=threat.defender_combat_power,
                defender_initial_range=(d_lo, d_hi),
                p_reached=prob,
                time_to_objective_h=_quantiles(base.time_to_objective_h),
                attacker_losses=_quantiles(base.attacker_losses),
                defender_losses=_quantiles(base.defender_losses),
                p_culminated=round(float((np.isfinite(base.culminated_h) & ~base.reached).mean()), 4),
                battles_won=_quantiles(base.battles_won.astype(float)),
                verdict=verdict_for(prob.ci_low, prob.ci_high),
                paths=Paths(
                    day=list(range(DAYS + 1)),
                    attacker_p10=[round(float(v), 3) for v in qa[0]],
                    attacker_p50=[round(float(v), 3) for v in qa[1]],
                    attacker_p90=[round(float(v), 3) for v in qa[2]],
                    defender_p10=[round(float(v), 3) for v in qd[0]],
                    defender_p50=[round(float(v), 3) for v in qd[1]],
                    defender_p90=[round(float(v), 3) for v in qd[2]],
                ),
                sensitivity=sens,
                received=sorted(
                    e.label for e in base_resp.elements if e.option in MOVABLE and e.reachable and e.power > 0
                ),
                withheld=sorted(f"{e.label}: {plan.why[e.id]}" for e in base_resp.elements if e.id in plan.why),
            )
        )
    offensives = [
        assess_offensive(sc, off, seed, n_outer, fit, trials, params, modes, fg, laydown, opts)
        for off in sc.offensives
        if (wanted is None or set(off.threats) & wanted) and {t.id for t in sc.threats} >= set(off.threats)
    ]
    described = {k: _describe(v) for k, v in {**params, **eng_params}.items()}
    return AssessResult(
        scenario=sc.name,
        scenario_digest=scenario_digest(sc),
        seed=seed,
        trials=trials,
        input_draws=n_outer,
        law="square",
        outcome_model="battle sequence: competing hazards with CDB90 logistic odds (docs/model.md, section 7)",
        calibration={
            "b0": round(fit.b0, 4),
            "b1": round(fit.b1, 4),
            "b1_ci_low": round(slope_lo, 4),
            "b1_ci_high": round(slope_hi, 4),
            "battles": fit.battles,
        },
        parameters=described,
        threats=out,
        offensives=offensives,
    )


def assess_offensive(
    sc: Scenario,
    off: Offensive,
    seed: int,
    n_outer: int,
    fit: SuccessFit,
    trials: int,
    params: dict[str, Fixed | Triangular],
    modes: dict[str, float],
    fg: ForcegenResult,
    laydown: StationingResult,
    opts: Options,
) -> OffensiveAssessment:
    """Several axes attacked together: allocate the force among them, then assess each axis with what it gets
    (the same draw streams as the axis assessed alone)."""
    index = {t.id: i for i, t in enumerate(sc.threats)}
    threats = [sc.threats[index[tid]] for tid in off.threats]
    alloc, plans = plan_axes(sc, threats, fg, laydown, params, modes, opts)
    axes = []
    for t in threats:
        i = index[t.id]
        resp = _respond(sc, t, i, seed, trials, params, modes, fg, laydown, opts, allocation=plans[t.id])
        outcome = engage_threat(sc, t, resp, draw_engagement(sc, t, i, seed, n_outer, fit))
        prob = total_interval(outcome.reached, INNER_TRIALS)
        got = [e for e in resp.elements if e.option in MOVABLE and e.reachable and e.power > 0]
        axes.append(
            AxisResult(
                threat=t.id,
                p_reached=prob,
                verdict=verdict_for(prob.ci_low, prob.ci_high),
                received=sorted(e.label for e in got),
                power_received=round(sum(e.power for e in got), 3),
            )
        )
    labels: dict[str, str] = {}
    for t in threats:
        for e in build_elements(sc, t, fg, laydown, modes, opts)[0]:
            labels.setdefault(e.id, e.label)
    return OffensiveAssessment(
        offensive=off.id,
        name=off.name,
        axes=axes,
        worst_force_ratio=alloc.worst_ratio,
        guards={sid: [labels.get(eid, eid) for eid in ids] for sid, ids in alloc.guards.items()},
        solver=[st.as_dict() for st in alloc.stages],
    )


def _plan_force(sc: Scenario, opts: Options) -> tuple[ForcegenResult, StationingResult]:
    fg = match_force(sc, opts)
    return fg, station_force(sc, fg)


def _describe(d: object) -> str:
    from forceplan.timeline.run import _describe as describe

    return describe(d)  # type: ignore[arg-type]


def json_schema() -> dict[str, object]:
    return versioned_schema(AssessResult, SCHEMA_ID)
