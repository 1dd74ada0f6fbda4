"""Deterrence assessment: would each threatened offensive reach its objective within 30 days, how fast, at what
cost — given the coalition's response (the timelines) — how sensitive is that to each assumption, and how much
does each of the coalition's levers (air power, force in theatre, warning) move it (docs/model.md, section 7)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from forceplan.defaults import ASSESS_TRIALS, MIN_INPUT_DRAWS
from forceplan.engagement.calibrate import SuccessFit
from forceplan.engagement.engagements import (
    DAYS,
    ENGAGEMENT_PARAMETERS,
    INNER_TRIALS,
    Engagement,
    EngagementDraws,
    Response,
    describe_pace,
    draw_engagement,
    engage_threat,
    pace_range,
    threat_distance_km,
)
from forceplan.engagement.outcome import NAMES, OutcomeModel, default_outcome_model
from forceplan.engagement.results import (  # re-exported: the result models lived here
    SCHEMA_ID,
    AssessResult,
    AxisResult,
    OffensiveAssessment,
    Paths,
    Probability,
    Sensitivity,
    ThreatAssessment,
    json_schema,
)
from forceplan.engagement.verdict import VERDICTS, Interval, two_stage_interval, verdict_for
from forceplan.forcegen import ForcegenResult, Options, match_force
from forceplan.scenario import Scenario, scenario_digest
from forceplan.scenario.model import Fixed, Offensive, Threat, Triangular, strength_range
from forceplan.scenario.parameters import parameter
from forceplan.stationing import StationingResult, station_force
from forceplan.timeline.allocate import MOVABLE, AxisPlan, plan_axes
from forceplan.timeline.elements import build_elements, node_capacity_per_h
from forceplan.timeline.run import PARAMETER_NAMES, _quantiles
from forceplan.timeline.simulate import simulate_axis

__all__ = [
    "ENGAGEMENT_PARAMETERS",
    "INNER_TRIALS",
    "SCHEMA_ID",
    "AssessResult",
    "AxisResult",
    "OffensiveAssessment",
    "Paths",
    "Probability",
    "Sensitivity",
    "ThreatAssessment",
    "assess",
    "engage_threat",
    "json_schema",
]

R = TypeVar("R")
DEFAULT_TRIALS = ASSESS_TRIALS
"""400 draws of the model inputs × 15 trials."""
LEVER_WARNING_H = 24.0
"""The warning lever: the monitoring detects the offensive this many hours earlier."""


def probability(iv: Interval) -> Probability:
    return Probability(
        p=round(iv.mean, 4), ci_low=round(iv.low, 4), ci_high=round(iv.high, 4), mc_error=round(iv.mc_error, 4)
    )


def total_interval(reached: np.ndarray, inner: int = INNER_TRIALS) -> Probability:
    """P and its interval over the uncertain inputs (``verdict.two_stage_interval``)."""
    return probability(two_stage_interval(np.asarray(reached, dtype=float), inner))


def ratio_only_model(fit: SuccessFit, like: OutcomeModel) -> OutcomeModel:
    """A force-ratio-only calibration (e.g. exploration's scaled slope) as an outcome model with no other factors,
    clipped to the same range of force ratios as ``like``."""
    return OutcomeModel(
        names=("intercept", "log_force_ratio"),
        coef=np.array([fit.b0, fit.b1]),
        cov=np.array(fit.cov, dtype=float),
        log_ratio_bounds=like.log_ratio_bounds,
        n_battles=fit.battles,
        label="force ratio alone",
    )


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
    delay: float | np.ndarray | None = None,
    allocation: AxisPlan | None = None,
    parallel: bool = True,
) -> Response:
    """One case of one threat's response (timeline stream i, the same draws as ``respond``); with an allocation,
    only what it sends to this axis comes (guards and units sent elsewhere stay), and shared air and strike
    elements bring their share. ``delay``: the decision delay (one value, or one per trial: the outer draws').
    ``parallel``: the queues' trials split over the cores, else on this thread (as ``engage_threat``)."""
    els, nodes = build_elements(sc, threat, f, lay, modes, case_opts)
    if allocation is not None:
        els = allocation.apply(els)
    # Dropped options stay in the list, out of reach and out of the queues, so every other element receives the same
    # random draws as in the baseline: exact common random numbers.
    els = [dataclasses.replace(e, reachable=False, node=None) if e.option in drop else e for e in els]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
    sim = simulate_axis(els, params, node_capacity_per_h(nodes), trials, rng, delay, parallel)
    scale = sim.scale if sim.scale is not None else np.ones(trials)
    return Response(els, sim.times_h, scale)


def _queue_free(resp: Response, drop: tuple[str, ...]) -> bool:
    """True when no entry node queues a dropped element together with a kept one: only a node's queue couples
    elements, so dropping the options then changes no other element's time."""
    dropped = {e.node for e in resp.elements if e.option in drop and e.node is not None}
    return not any(e.node in dropped for e in resp.elements if e.option not in drop and e.reachable)


def _dropped(resp: Response, drop: tuple[str, ...]) -> Response:
    """The response without the dropped options, from the baseline's simulation: exactly what ``_respond`` with
    ``drop`` gives when none of them queues at an entry node (every element makes the same draws either way, and
    only the queues couple elements), without simulating again."""
    cols = [k for k, e in enumerate(resp.elements) if e.option in drop]
    els = [dataclasses.replace(e, reachable=False, node=None) if e.option in drop else e for e in resp.elements]
    times = resp.times_h.copy()
    times[:, cols] = np.inf
    return Response(els, times, resp.scale)


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
    lever: str = ""
    """For a lever: 'air', 'force' or 'warning' (how ``why`` is written)."""


def _range(sc: Scenario, name: str) -> tuple[float, float]:
    d = parameter(sc, name)
    return (d.value, d.value) if isinstance(d, Fixed) else (d.min, d.max)


def slope_fixed(model: OutcomeModel, slope: float) -> np.ndarray:
    """The model's coefficients with the ln(force ratio) slope fixed and every other coefficient at its mean
    conditional on it (the fit's normal approximation)."""
    c = np.asarray(model.cov, dtype=float)
    return np.asarray(model.coef, dtype=float) + c[:, 1] / c[1, 1] * (slope - float(model.coef[1]))


def sensitivity_cases(
    sc: Scenario, threat: Threat, opts: Options, dr: EngagementDraws, model: OutcomeModel
) -> list[Case]:
    """The sensitivity cases of one threat, each a change to the baseline's draws or inputs and nothing else;
    the levers first."""
    ones = np.ones_like(dr.attacker_factor)
    a_lo, a_mode, a_hi = strength_range(
        threat.attacker.initial_combat_power, threat.attacker.initial_combat_power_range
    )
    d_lo, d_mode, d_hi = strength_range(threat.defender_combat_power, threat.defender_combat_power_range)
    deep = opts.deep_strikes(sc)
    pace_lo, pace_hi = pace_range(sc)
    air_lo, air_hi = _range(sc, "air_attrition_per_sortie")
    cases = [
        Case("lever: air power doubled", draws=dr.with_(aircraft_factor=2.0), lever="air"),
        Case("lever: in-theatre force doubled", draws=dr.with_(power_factor={"in_theatre": 2.0}), lever="force"),
        Case(
            f"lever: warning {LEVER_WARNING_H:g} h longer",
            draws=dr.with_(extra_warning_h=LEVER_WARNING_H),
            lever="warning",
        ),
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
        Case(
            f"advance after a breakthrough {pace_lo:.1f} km/day",
            draws=dr.with_other(exploitation_advance_km_per_day=pace_lo),
        ),
        Case(
            f"advance after a breakthrough {pace_hi:.1f} km/day",
            draws=dr.with_other(exploitation_advance_km_per_day=pace_hi),
        ),
        Case(f"air attrition per sortie {air_lo:g}", draws=dr.with_other(air_attrition_per_sortie=air_lo)),
        Case(f"air attrition per sortie {air_hi:g}", draws=dr.with_other(air_attrition_per_sortie=air_hi)),
        Case(f"attacker strength {a_lo:g}", draws=dr.with_(attacker_factor=ones * a_lo / a_mode)),
        Case(f"attacker strength {a_hi:g}", draws=dr.with_(attacker_factor=ones * a_hi / a_mode)),
    ]
    if d_mode > 0:
        cases += [
            Case(f"Ukrainian strength {d_lo:g}", draws=dr.with_(defender_factor=ones * d_lo / d_mode)),
            Case(f"Ukrainian strength {d_hi:g}", draws=dr.with_(defender_factor=ones * d_hi / d_mode)),
        ]
    se = float(np.sqrt(model.cov[1, 1]))
    for label, slope in (("low", float(model.coef[1]) - 1.96 * se), ("high", float(model.coef[1]) + 1.96 * se)):
        fixed = np.broadcast_to(slope_fixed(model, slope), dr.coef.shape).copy()
        cases.append(Case(f"calibration slope {label} ({slope:.2f})", draws=dr.with_(coef=fixed)))
    if (bs := opts.backstop_case(sc)) is not None:
        cases.append(Case("with US backstop", backstop=bs))
    return cases


def _odds(model: OutcomeModel, factor: str) -> str:
    if not model.has(factor):
        return f"the outcome model has no {NAMES.get(factor, factor).lower()} factor, so it cannot move the odds"
    b = float(model.coef[model.names.index(factor)])
    return f"{NAMES.get(factor, factor).lower()} multiplies the attacker's odds by {np.exp(b):.2f}"


def lever_why(kind: str, model: OutcomeModel, base: Engagement, case: Engagement) -> str:
    """Which fitted factor or mechanism a lever works through, with the factor's mean value before → after."""

    def mean(e: Engagement, k: str) -> float:
        return float(np.mean(e.factors[k]))

    if kind == "air":
        return (
            f"P(local air superiority) {mean(base, 'p_air_superiority'):.2f} → {mean(case, 'p_air_superiority'):.2f} "
            f"({_odds(model, 'air_defender')}); attack sorties a day {float(base.attack_sorties_per_day.mean()):.0f}"
            f" → {float(case.attack_sorties_per_day.mean()):.0f} (attrition)"
        )
    if kind == "warning":
        return (
            f"P(surprise) {mean(base, 'surprise_attacker'):.2f} → {mean(case, 'surprise_attacker'):.2f} "
            f"({_odds(model, 'surprise_attacker')}); the coalition arrives {LEVER_WARNING_H:g} h earlier relative "
            f"to the attack; prepared share {mean(base, 'posture_prepared'):.2f} → "
            f"{mean(case, 'posture_prepared'):.2f}"
        )
    lo, hi = np.exp(model.log_ratio_bounds)
    slope = float(model.slope(None))
    return (
        f"the force ratio (the odds × ratio^{slope:.2f}, flat outside {lo:.2f}-{hi:.1f}) and attrition; "
        f"the prepared share of the first battle's defence {mean(base, 'posture_prepared'):.2f} → "
        f"{mean(case, 'posture_prepared'):.2f}"
    )


def _factor_means(e: Engagement) -> dict[str, float]:
    return {k: round(float(np.mean(v)), 4) for k, v in e.factors.items()}


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
    model: OutcomeModel | None = None,
    plan_force: Callable[[Options], tuple[ForcegenResult, StationingResult]] | None = None,
    digest: str | None = None,
) -> AssessResult:
    """Assess every threat (or those named). ``trials`` is rounded up to whole draws of the uncertain inputs
    (``INNER_TRIALS`` trials each), at least ``MIN_INPUT_DRAWS`` of them. Threat i uses the response draws of
    ``respond`` (stream i) and its own engagement streams; every sensitivity case makes every draw and overrides
    only what it changes (exact common random numbers), so the differences come from the change alone.
    ``guards``: the single-axis allocations (``timeline.run.guard_plans``) when the caller has them already;
    ``model``: the battle-outcome model (default: ``outcome.default_outcome_model``); ``fit``: a force-ratio-only
    calibration instead (e.g. exploration's scaled slope); ``plan_force``: how the US-backstop case gets its force
    and laydown (default: match and station afresh; the pipeline passes its stage cache, so a force planned before
    is not planned again); ``digest``: the scenario's ``scenario_digest`` when the caller has it already."""
    opts = opts or Options()
    fg = fg or match_force(sc, opts)
    laydown = laydown or station_force(sc, fg)
    n_outer = max(MIN_INPUT_DRAWS, -(-trials // INNER_TRIALS))
    trials = n_outer * INNER_TRIALS
    model = model or default_outcome_model()
    if fit is not None:
        model = ratio_only_model(fit, model)
    params = {name: parameter(sc, name) for name in PARAMETER_NAMES}
    modes = {name: float(d.mode) for name, d in params.items()}
    eng_params = {name: parameter(sc, name) for name in ENGAGEMENT_PARAMETERS}
    threshold = sc.deterrence_threshold
    wanted = set(threats) if threats else None
    chosen = [(i, t) for i, t in enumerate(sc.threats) if wanted is None or t.id in wanted]
    backstop_plan: tuple[ForcegenResult, StationingResult] | None = None
    if sensitivity and (bs := opts.backstop_case(sc)) is not None and chosen:
        backstop_plan = plan_force(bs) if plan_force else _plan_force(sc, bs)
    chosen_offensives = [
        off
        for off in sc.offensives
        if (wanted is None or set(off.threats) & wanted) and {t.id for t in sc.threats} >= set(off.threats)
    ]
    workers = _workers(len(chosen) + len(chosen_offensives))

    def one(i: int, threat: Threat) -> ThreatAssessment:
        """Threat i: its baseline and sensitivity cases, in order, on one thread."""
        dr = draw_engagement(sc, threat, i, seed, n_outer, model)
        delay = dr.other["coalition_decision_delay_h"]
        plan = (guards or {}).get(threat.id) or plan_axes(sc, [threat], fg, laydown, params, modes, opts)[1][threat.id]
        respond_case = functools.partial(
            _respond, sc, threat, i, seed, trials, params, modes, allocation=plan, parallel=workers == 1
        )
        base_resp = respond_case(fg, laydown, opts, delay=delay)
        base_eng = engage_threat(sc, threat, base_resp, dr, model, parallel=workers == 1)
        base = base_eng.outcome
        sens: list[Sensitivity] = []
        if sensitivity:
            for case in sensitivity_cases(sc, threat, opts, dr, model):
                if case.backstop and backstop_plan is not None:
                    _, bs_plans = plan_axes(sc, [threat], *backstop_plan, params, modes, case.backstop)
                    resp = respond_case(*backstop_plan, case.backstop, delay=delay, allocation=bs_plans[threat.id])
                elif case.drop and case.delay_h is None and case.opts is None and _queue_free(base_resp, case.drop):
                    resp = _dropped(base_resp, case.drop)
                elif case.drop or case.delay_h is not None or case.opts is not None:
                    resp = respond_case(
                        fg, laydown, case.opts or opts, case.drop, delay if case.delay_h is None else case.delay_h
                    )
                else:
                    resp = base_resp
                eng = engage_threat(sc, threat, resp, case.draws or dr, model, p_only=True, parallel=workers == 1)
                d = two_stage_interval(
                    eng.outcome.reached.astype(float) - base.reached, INNER_TRIALS, bounds=(-1.0, 1.0)
                )
                sens.append(
                    Sensitivity(
                        case=case.label,
                        p_reached=round(float(eng.outcome.reached.mean()), 4),
                        delta=round(d.mean, 4),
                        delta_low=round(d.low, 4),
                        delta_high=round(d.high, 4),
                        lever=bool(case.lever),
                        why=lever_why(case.lever, model, base_eng, eng) if case.lever else "",
                    )
                )
        qa = np.quantile(base.attacker_path, [0.1, 0.5, 0.9], axis=0, method="inverted_cdf")
        qd = np.quantile(base.defender_path, [0.1, 0.5, 0.9], axis=0, method="inverted_cdf")
        prob = total_interval(base.reached)
        a_lo, _, a_hi = strength_range(threat.attacker.initial_combat_power, threat.attacker.initial_combat_power_range)
        d_lo, _, d_hi = strength_range(threat.defender_combat_power, threat.defender_combat_power_range)
        return ThreatAssessment(
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
            verdict=verdict_for(prob.ci_low, prob.ci_high, threshold),
            factors=_factor_means(base_eng),
            attack_sorties_per_day=round(float(base_eng.attack_sorties_per_day.mean()), 1),
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
            received=sorted(e.label for e in base_resp.elements if e.option in MOVABLE and e.reachable and e.power > 0),
            withheld=sorted(f"{e.label}: {plan.why[e.id]}" for e in base_resp.elements if e.id in plan.why),
        )

    def offensive(off: Offensive) -> OffensiveAssessment:
        return assess_offensive(
            sc, off, seed, n_outer, model, trials, params, modes, fg, laydown, opts, parallel=workers == 1
        )

    # Offensives first: each allocates the force among its axes (a MILP), the longest jobs; then the threats.
    jobs: list[tuple[str | None, Callable[[], ThreatAssessment | OffensiveAssessment]]] = [
        (None, functools.partial(offensive, off)) for off in chosen_offensives
    ]
    jobs += [(t.id, functools.partial(one, i, t)) for i, t in chosen]
    done = _run_jobs(jobs, workers, progress)
    offensives = [r for r in done if isinstance(r, OffensiveAssessment)]
    out = [r for r in done if isinstance(r, ThreatAssessment)]
    described = {k: _describe(v) for k, v in {**params, **eng_params}.items()}
    if (pace := describe_pace(sc)) is not None:
        described["exploitation_advance_km_per_day"] = pace
    return AssessResult(
        scenario=sc.name,
        scenario_digest=digest or scenario_digest(sc),
        seed=seed,
        trials=trials,
        input_draws=n_outer,
        law="square",
        outcome_model=f"battle sequence: competing hazards at the odds of the CDB90 outcome model "
        f"({model.label or 'fitted'}; docs/model.md, section 7)",
        calibration=calibration_summary(model),
        threshold=threshold,
        verdicts=dict(VERDICTS),
        parameters=described,
        threats=out,
        offensives=offensives,
    )


def calibration_summary(model: OutcomeModel) -> dict[str, float]:
    """The outcome model's coefficients with their 95 % bounds, the clip range and the battles fitted."""
    se = np.sqrt(np.diag(model.cov))
    out: dict[str, float] = {}
    for name, b, s in zip(model.names, model.coef, se, strict=True):
        out[name] = round(float(b), 4)
        out[f"{name}_low"] = round(float(b - 1.96 * s), 4)
        out[f"{name}_high"] = round(float(b + 1.96 * s), 4)
    out["log_ratio_min"] = round(model.log_ratio_bounds[0], 4)
    out["log_ratio_max"] = round(model.log_ratio_bounds[1], 4)
    out["battles"] = model.n_battles
    return out


def assess_offensive(
    sc: Scenario,
    off: Offensive,
    seed: int,
    n_outer: int,
    model: OutcomeModel,
    trials: int,
    params: dict[str, Fixed | Triangular],
    modes: dict[str, float],
    fg: ForcegenResult,
    laydown: StationingResult,
    opts: Options,
    parallel: bool = True,
) -> OffensiveAssessment:
    """Several axes attacked together: allocate the force among them, then assess each axis with what it gets
    (the same draw streams as the axis assessed alone)."""
    index = {t.id: i for i, t in enumerate(sc.threats)}
    threats = [sc.threats[index[tid]] for tid in off.threats]
    alloc, plans = plan_axes(sc, threats, fg, laydown, params, modes, opts)
    axes = []
    for t in threats:
        i = index[t.id]
        dr = draw_engagement(sc, t, i, seed, n_outer, model)
        delay = dr.other["coalition_decision_delay_h"]
        resp = _respond(
            sc, t, i, seed, trials, params, modes, fg, laydown, opts, delay=delay, allocation=plans[t.id],
            parallel=parallel,
        )  # fmt: skip
        outcome = engage_threat(sc, t, resp, dr, model, p_only=True, parallel=parallel).outcome
        prob = total_interval(outcome.reached)
        got = [e for e in resp.elements if e.option in MOVABLE and e.reachable and e.power > 0]
        axes.append(
            AxisResult(
                threat=t.id,
                p_reached=prob,
                verdict=verdict_for(prob.ci_low, prob.ci_high, sc.deterrence_threshold),
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


def _workers(jobs: int) -> int:
    """Threads to assess threats on: one per core this process may use (at most numba's thread count, so
    NUMBA_NUM_THREADS=1 keeps everything on one thread), at most one per threat; one when numba's threading layer
    is not safe to enter from several threads (:func:`threadsafe_numba`)."""
    import os

    import numba

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    n = max(1, min(jobs, cores, int(numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
    return n if n == 1 or threadsafe_numba() else 1


def threadsafe_numba() -> bool:
    """Whether numba's threading layer may run parallel kernels launched from several threads at once. The
    assessment's threads each call parallel kernels (the entry-node queues, the posture shares). numba picks TBB,
    then OpenMP, then its own 'workqueue' layer, which aborts the whole process on concurrent use. It falls back to
    workqueue where the system has neither TBB nor libgomp (a slim container, macOS without libomp)."""
    import numba
    from numba.np.ufunc import parallel

    parallel._launch_threads()  # choose and start the layer (what the first parallel kernel would do)
    return str(numba.threading_layer()) != "workqueue"


def _run_jobs(
    jobs: list[tuple[str | None, Callable[[], R]]], workers: int, progress: Callable[[str], None] | None
) -> list[R]:
    """Each job (label, work) on ``workers`` threads — their engagements run without the interpreter lock, so
    jobs proceed side by side — and the results in the jobs' order, whatever finishes first. ``progress`` is told
    a job's label (when it has one) as the job starts, from the thread that runs it."""

    def run(label: str | None, work: Callable[[], R]) -> R:
        if progress and label is not None:
            progress(label)
        return work()

    if workers <= 1:
        return [run(label, work) for label, work in jobs]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="assess") as pool:
        futures = [pool.submit(run, label, work) for label, work in jobs]
        return [f.result() for f in futures]


def _plan_force(sc: Scenario, opts: Options) -> tuple[ForcegenResult, StationingResult]:
    fg = match_force(sc, opts)
    return fg, station_force(sc, fg)


def _describe(d: object) -> str:
    from forceplan.timeline.run import _describe as describe

    return describe(d)  # type: ignore[arg-type]
