"""Response timelines for every threat: the matched force, its laydown, reinforcements, air, fires, stocks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forceplan.defaults import RESPONSE_TRIALS
from forceplan.forcegen import ForcegenResult, Options, match_force
from forceplan.scenario import Scenario, scenario_digest
from forceplan.scenario.model import Fixed, Triangular
from forceplan.scenario.parameters import parameter
from forceplan.stationing import StationingResult, station_force
from forceplan.timeline.allocate import AxisPlan, plan_axes
from forceplan.timeline.elements import OPTIONS, build_elements, node_capacity_per_h
from forceplan.timeline.result import (
    Bottleneck,
    Curve,
    ElementTiming,
    OptionCard,
    Quantiles,
    RespondResult,
    ThreatResponse,
)
from forceplan.timeline.simulate import HOURS, buildup_curve, curve_quantiles, simulate_axis, time_to_fraction

PARAMETER_NAMES = (
    "coalition_decision_delay_h",
    "march_hours_per_day",
    "gauge_transload_h",
    "road_circuity_factor",
    "readiness_prep_h",
    "rsom_h",
    "rail_kmh",
    "sea_kmh",
    "airlift_kmh",
    "loading_h",
    "air_alert_h",
    "air_availability",
    "stockpile_crew_h",
)


def _quantiles(x: NDArray[np.floating[Any]]) -> Quantiles:
    q = np.quantile(x, [0.1, 0.5, 0.9], method="inverted_cdf")
    return Quantiles(
        **{k: (round(float(v), 3) if np.isfinite(v) else None) for k, v in zip(("p10", "p50", "p90"), q, strict=True)}
    )


def _describe(d: Fixed | Triangular) -> str:
    if isinstance(d, Fixed):
        return f"fixed {d.value:g}"
    return f"triangular(min {d.min:g}, mode {d.mode:g}, max {d.max:g})"


def respond(
    sc: Scenario,
    threats: Sequence[str] | None = None,
    trials: int = RESPONSE_TRIALS,
    seed: int = 0,
    deterministic: bool = False,
    decision_delay_h: float | None = None,
    opts: Options | None = None,
    fg: ForcegenResult | None = None,
    laydown: StationingResult | None = None,
    progress: Callable[[str], None] | None = None,
    guards: dict[str, AxisPlan] | None = None,
    digest: str | None = None,
) -> RespondResult:
    """Simulate the response to each threat (all by default). Threat i draws from ``SeedSequence(seed).spawn``'s
    i-th stream (i = its position in the scenario), so one threat alone gives the same numbers as in a full run.
    ``guards``: the single-axis allocations (:func:`guard_plans`) when the caller has them already; ``digest``: the
    scenario's ``scenario_digest`` when the caller has it already (it reads the GeoJSON files)."""
    opts = opts or Options()
    fg = fg or match_force(sc, opts)
    laydown = laydown or station_force(sc, fg)
    params = {name: parameter(sc, name) for name in PARAMETER_NAMES}
    modes = {name: float(d.mode) for name, d in params.items()}
    streams = np.random.SeedSequence(seed).spawn(max(1, len(sc.threats)))
    wanted = set(threats) if threats else None
    out: list[ThreatResponse] = []
    for i, threat in enumerate(sc.threats):
        if wanted is not None and threat.id not in wanted:
            continue
        if progress:
            progress(threat.id)
        elements, nodes = build_elements(sc, threat, fg, laydown, modes, opts)
        # Garrisons at protected sites keep their guard; the rest goes (timeline/allocate.py).
        plan = (guards or {}).get(threat.id) or plan_axes(sc, [threat], fg, laydown, params, modes, opts)[1][threat.id]
        elements = plan.apply(elements)
        rng = None if deterministic else np.random.default_rng(streams[i])
        sim = simulate_axis(elements, params, node_capacity_per_h(nodes), trials, rng, decision_delay_h)
        cards = []
        for option in OPTIONS:
            idx = [k for k, el in enumerate(elements) if el.option == option]
            if not idx:
                continue
            reach = [k for k in idx if elements[k].reachable]
            t = sim.times_h[:, reach] if reach else np.full((sim.times_h.shape[0], 1), np.inf)
            p = sim.power(reach) if reach else np.zeros((sim.times_h.shape[0], 1))
            cards.append(
                OptionCard(
                    option=option,
                    elements=len(reach),
                    unreachable=len(idx) - len(reach),
                    combat_power=round(float(np.median(p.sum(axis=1))), 4),
                    first_effect_h=_quantiles(t.min(axis=1)),
                    half_power_h=_quantiles(time_to_fraction(t, p, 0.5)) if p.sum() > 0 else _quantiles(t.min(axis=1)),
                    full_power_h=_quantiles(t.max(axis=1)),
                )
            )
        timings = [
            ElementTiming(
                id=el.id,
                option=el.option,
                label=el.label,
                nation=el.nation,
                combat_power=round(float(np.median(sim.power([k]))), 4),
                reachable=el.reachable,
                surge=el.surge,
                effect_h=_quantiles(sim.times_h[:, k]),
                note=el.note,
            )
            for k, el in enumerate(elements)
        ]
        bottlenecks = []
        for node, wait in sim.waits_h.items():
            members = sim.node_members[node]
            if float(wait.max()) <= 1e-9:
                continue
            bottlenecks.append(
                Bottleneck(
                    node=nodes[node].id,
                    name=nodes[node].name,
                    throughput_personnel_per_day=float(nodes[node].throughput_personnel_per_day or 0),
                    units_queued=len(members),
                    personnel=sum(elements[k].personnel for k in members),
                    max_wait_h=_quantiles(wait.max(axis=1)),
                    mean_wait_h=round(float(wait.mean()), 3),
                )
            )
        bottlenecks.sort(key=lambda b: -(b.max_wait_h.p50 or 0))
        curve = buildup_curve(sim, threat.defender_combat_power)
        q = curve_quantiles(curve)
        out.append(
            ThreatResponse(
                threat=threat.id,
                name=threat.name,
                warning_time_h=threat.warning_time_h,
                defender_combat_power_h0=threat.defender_combat_power,
                options=cards,
                elements=timings,
                bottlenecks=bottlenecks,
                withheld=sorted(f"{e.label}: {plan.why[e.id]}" for e in elements if e.id in plan.why),
                buildup=Curve(
                    hours=list(range(HOURS + 1)),
                    p10=[round(float(v), 4) for v in q[0]],
                    p50=[round(float(v), 4) for v in q[1]],
                    p90=[round(float(v), 4) for v in q[2]],
                ),
            )
        )
    return RespondResult(
        scenario=sc.name,
        scenario_digest=digest or scenario_digest(sc),
        seed=seed,
        trials=1 if deterministic else trials,
        deterministic=deterministic,
        decision_delay_h=decision_delay_h,
        us_backstop=opts.backstop(sc),
        without=sorted(opts.without),
        parameters={k: _describe(v) for k, v in params.items()},
        threats=out,
    )


def guard_plans(
    sc: Scenario, fg: ForcegenResult, laydown: StationingResult, opts: Options, threats: Sequence[str] | None = None
) -> dict[str, AxisPlan]:
    """Each threat's single-axis allocation (its guards stay behind), once, for ``respond`` and ``assess`` alike."""
    params = {name: parameter(sc, name) for name in PARAMETER_NAMES}
    modes = {name: float(d.mode) for name, d in params.items()}
    wanted = set(threats) if threats else None
    return {
        t.id: plan_axes(sc, [t], fg, laydown, params, modes, opts)[1][t.id]
        for t in sc.threats
        if wanted is None or t.id in wanted
    }
