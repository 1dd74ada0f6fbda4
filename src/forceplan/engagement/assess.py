"""Deterrence assessment: would each threatened offensive reach its objective within 30 days, how fast, at what
cost — given the coalition's response (the timelines) — and how sensitive is that to each option."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import Field

from forceplan.engagement.calibrate import derive_defaults
from forceplan.engagement.engine import LAWS, Outcome, per_step_schedule, run_engine
from forceplan.forcegen import ForcegenResult, Options, match_force
from forceplan.geo import geodesic_km
from forceplan.results import Out, versioned_schema
from forceplan.scenario import Scenario, scenario_digest
from forceplan.scenario.model import Fixed, Threat, Triangular
from forceplan.scenario.parameters import parameter
from forceplan.stationing import StationingResult, station_force
from forceplan.timeline.elements import Element, build_elements, node_capacity_per_h
from forceplan.timeline.result import Quantiles
from forceplan.timeline.run import PARAMETER_NAMES, _quantiles
from forceplan.timeline.simulate import draw, simulate_axis

SCHEMA_ID = "forceplan.assess/1"
DAYS = 30
ENGAGEMENT_PARAMETERS = (
    "attacker_lethality_per_day",
    "defender_lethality_per_day",
    "attacker_breakpoint",
    "defender_breakpoint",
    "advance_kmh",
    "attacker_arrival_factor",
)


class Probability(Out):
    p: float
    ci_low: float = Field(description="Wilson 95 % interval")
    ci_high: float


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
    attacker_follow_on: float
    defender_initial: float
    p_reached: Probability = Field(description="P(objective reached within 30 days)")
    time_to_objective_h: Quantiles = Field(description="Over all trials; None where not reached")
    attacker_losses: Quantiles = Field(description="Combat-power units lost, to the objective or day 30")
    defender_losses: Quantiles
    p_culminated: float = Field(description="P(the attack culminates before its objective)")
    verdict: str
    paths: Paths
    sensitivity: list[Sensitivity]


class AssessResult(Out):
    schema_id: str = Field(SCHEMA_ID, alias="schema")
    scenario: str
    scenario_digest: str
    seed: int
    trials: int
    law: str
    r_min: float
    r_full: float
    parameters: dict[str, str]
    threats: list[ThreatAssessment]

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)


def wilson(successes: int, n: int, z: float = 1.96) -> Probability:
    if n == 0:
        return Probability(p=0.0, ci_low=0.0, ci_high=1.0)
    p = successes / n
    den = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return Probability(
        p=round(p, 4), ci_low=round(max(0.0, centre - half), 4), ci_high=round(min(1.0, centre + half), 4)
    )


def verdict(p: float) -> str:
    """deterred (P < 0.1), probably denied (< 0.5), at risk (< 0.9), not deterred (≥ 0.9)."""
    if p < 0.1:
        return "deterred"
    if p < 0.5:
        return "probably denied"
    if p < 0.9:
        return "at risk"
    return "not deterred"


def engage_threat(
    sc: Scenario,
    threat: Threat,
    elements: list[Element],
    times_h: np.ndarray,
    air_scale: np.ndarray,
    draws: dict[str, np.ndarray],
    r_min: float,
    r_full: float,
) -> Outcome:
    """One threat's engagements over the trials: attack at H = warning time after detection."""
    n = times_h.shape[0]
    keep = [k for k, el in enumerate(elements) if el.power > 0 and el.option != "long_range_fires"]
    rel = times_h[:, keep] - threat.warning_time_h  # arrival relative to the start of the attack
    power = np.array([elements[k].power for k in keep])
    scaled = np.array([elements[k].option == "air_power" for k in keep], dtype=bool)
    obj = sc.resolve_point(threat.axis.objective)
    distance = float(geodesic_km(threat.axis.start[0], threat.axis.start[1], obj[0], obj[1]))
    p, q = LAWS["square"]
    return run_engine(
        a0=np.full(n, threat.attacker.initial_combat_power),
        d0=np.full(n, threat.defender_combat_power),
        k_att=draws["attacker_lethality_per_day"],
        k_def=draws["defender_lethality_per_day"],
        p=p,
        q=q,
        days=DAYS,
        dt_h=1.0,
        att_add=per_step_schedule([(a.day, a.combat_power) for a in threat.attacker.arrivals], DAYS, 1.0),
        att_scale=draws["attacker_arrival_factor"],
        def_times_h=rel,
        def_power=power,
        def_scale=air_scale,
        def_scaled=scaled,
        bp_att=draws["attacker_breakpoint"],
        bp_def=draws["defender_breakpoint"],
        v_max_kmh=draws["advance_kmh"],
        r_min=r_min,
        r_full=r_full,
        distance_km=distance,
        record_every_steps=24,
    )


def _run_case(
    sc: Scenario,
    threat: Threat,
    i: int,
    seed: int,
    trials: int,
    params: dict[str, Fixed | Triangular],
    modes: dict[str, float],
    draws: dict[str, np.ndarray],
    ramp: tuple[float, float],
    f: ForcegenResult,
    lay: StationingResult,
    case_opts: Options,
    drop: tuple[str, ...] = (),
    delay: float | None = None,
) -> Outcome:
    """One case of one threat: the response (timeline stream i) and the engagements."""
    els, nodes = build_elements(sc, threat, f, lay, modes, case_opts)
    # Dropped options stay in the list, out of reach and out of the queues, so every other element receives the same
    # random draws as in the baseline: exact common random numbers.
    els = [dataclasses.replace(e, reachable=False, node=None) if e.option in drop else e for e in els]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
    sim = simulate_axis(els, params, node_capacity_per_h(nodes), trials, rng, delay)
    scale = sim.scale if sim.scale is not None else np.ones(trials)
    return engage_threat(sc, threat, els, sim.times_h, scale, draws, ramp[0], ramp[1])


def assess(
    sc: Scenario,
    threats: Sequence[str] | None = None,
    trials: int = 2000,
    seed: int = 0,
    opts: Options | None = None,
    fg: ForcegenResult | None = None,
    laydown: StationingResult | None = None,
    sensitivity: bool = True,
    progress: Callable[[str], None] | None = None,
) -> AssessResult:
    """Assess every threat (or those named). Threat i uses the response draws of ``respond`` (stream i) and its
    own stream ``SeedSequence(seed, spawn_key=(i, 1))`` for the engagement; sensitivity cases reuse both
    (common random numbers), so their differences come from the change alone."""
    opts = opts or Options()
    fg = fg or match_force(sc, opts)
    laydown = laydown or station_force(sc, fg)
    defaults = derive_defaults()
    params = {name: parameter(sc, name) for name in PARAMETER_NAMES}
    modes = {name: float(d.mode) for name, d in params.items()}
    eng_params = {name: parameter(sc, name) for name in ENGAGEMENT_PARAMETERS}
    backstop_plan: tuple[ForcegenResult, StationingResult] | None = None
    wanted = set(threats) if threats else None
    out = []
    for i, threat in enumerate(sc.threats):
        if wanted is not None and threat.id not in wanted:
            continue
        if progress:
            progress(threat.id)
        eng_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i, 1)))
        draws = {name: draw(d, (trials,), eng_rng) for name, d in eng_params.items()}

        run_case = functools.partial(
            _run_case,
            sc,
            threat,
            i,
            seed,
            trials,
            params,
            modes,
            draws,
            (defaults.r_min, defaults.r_full),
            case_opts=opts,
        )

        base = run_case(fg, laydown)
        p_base = float(base.reached.mean())
        sens: list[Sensitivity] = []
        if sensitivity:
            cases: list[tuple[str, Callable[[], Outcome]]] = [
                ("without air power", functools.partial(run_case, fg, laydown, drop=("air_power",))),
                ("without stockpiles", functools.partial(run_case, fg, laydown, drop=("stockpile_release",))),
                ("without reinforcements", functools.partial(run_case, fg, laydown, drop=("reinforcements",))),
                ("decision delay 6 h", functools.partial(run_case, fg, laydown, delay=6.0)),
                ("decision delay 72 h", functools.partial(run_case, fg, laydown, delay=72.0)),
            ]
            if not opts.backstop(sc) and sc.backstop.assets:
                bs_opts = Options(
                    min_status=opts.min_status,
                    without=opts.without,
                    us_backstop=True,
                    max_personnel=opts.max_personnel,
                    max_nation_share=opts.max_nation_share,
                )

                def with_backstop(bs_opts: Options = bs_opts, run_case: Callable[..., Outcome] = run_case) -> Outcome:
                    nonlocal backstop_plan
                    if backstop_plan is None:
                        f = match_force(sc, bs_opts)
                        backstop_plan = (f, station_force(sc, f))
                    return run_case(*backstop_plan, case_opts=bs_opts)

                cases.append(("with US backstop", with_backstop))
            for label, fn in cases:
                p = float(fn().reached.mean())
                sens.append(Sensitivity(case=label, p_reached=round(p, 4), delta=round(p - p_base, 4)))
        obj = sc.resolve_point(threat.axis.objective)
        qa = np.quantile(base.attacker_path, [0.1, 0.5, 0.9], axis=0, method="inverted_cdf")
        qd = np.quantile(base.defender_path, [0.1, 0.5, 0.9], axis=0, method="inverted_cdf")
        reached = int(base.reached.sum())
        out.append(
            ThreatAssessment(
                threat=threat.id,
                name=threat.name,
                distance_km=round(float(geodesic_km(threat.axis.start[0], threat.axis.start[1], obj[0], obj[1])), 1),
                attacker_initial=threat.attacker.initial_combat_power,
                attacker_follow_on=sum(a.combat_power for a in threat.attacker.arrivals),
                defender_initial=threat.defender_combat_power,
                p_reached=wilson(reached, trials),
                time_to_objective_h=_quantiles(base.time_to_objective_h),
                attacker_losses=_quantiles(base.attacker_losses),
                defender_losses=_quantiles(base.defender_losses),
                p_culminated=round(float((np.isfinite(base.culminated_h) & ~base.reached).mean()), 4),
                verdict=verdict(p_base),
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
            )
        )
    described = {k: _describe(v) for k, v in {**params, **eng_params}.items()}
    return AssessResult(
        scenario=sc.name,
        scenario_digest=scenario_digest(sc),
        seed=seed,
        trials=trials,
        law="square",
        r_min=defaults.r_min,
        r_full=defaults.r_full,
        parameters=described,
        threats=out,
    )


def _describe(d: object) -> str:
    from forceplan.timeline.run import _describe as describe

    return describe(d)  # type: ignore[arg-type]


def json_schema() -> dict[str, object]:
    return versioned_schema(AssessResult, SCHEMA_ID)
