"""One experiment: a policy (lever values) in one future (a point of the uncertainty space) → outcomes, through
the same pipeline as ``forceplan plan`` (force generation, stationing, response timelines, assessment)."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from forceplan.engagement.outcome import OutcomeModel, default_outcome_model
from forceplan.explore.space import ATTRITION_BASE, CAVEAT_ATTRITION_FACTOR, FAILURE_DRAW, POSTURES
from forceplan.forcegen import Options
from forceplan.plan import assess_cached, force_and_laydown, respond_cached
from forceplan.scenario import Scenario
from forceplan.scenario.model import Caveats, Fixed, Pledge, PledgeStatus, Triangular
from forceplan.scenario.parameters import parameter
from forceplan.stagecache import ScenarioViews, StageCache
from forceplan.timeline.run import guard_plans

OPTIONS = ("in_theatre", "reinforcements", "air_power", "long_range_fires", "stockpile_release", "naval")


FAILURE_REALISATIONS = 2**32
"""How many distinct failure draws the input selects among: its value v picks realisation floor(v · 2^32)."""


def pipeline_seed(seed: int) -> int:
    """The pipeline's integer seed (response timelines and assessment): one for the whole exploration, so every
    experiment meets the same random numbers (common random numbers across futures and policies alike) and an
    experiment is a deterministic function of its policy and its point of the design, never of its row."""
    return int(np.random.SeedSequence(seed, spawn_key=(0,)).generate_state(1)[0])


def failure_uniforms(seed: int, draw: float, n: int) -> np.ndarray:
    """The ``n`` pledges' uniforms U_p in [0, 1) of the failure draw ``draw`` in [0, 1]: pledge p fails when
    U_p < its chance. A deterministic function of ``draw`` (and the exploration's seed): the draw's realisation
    k = floor(draw · 2^32) keys its stream ``SeedSequence(seed, spawn_key=(1, k))``, so rows of a design that
    share the draw share every pledge's uniform, and a draw distributed uniformly gives independent uniforms."""
    if not 0.0 <= draw <= 1.0:
        raise ValueError(f"{FAILURE_DRAW} must lie in [0, 1], got {draw!r}")
    k = min(int(draw * FAILURE_REALISATIONS), FAILURE_REALISATIONS - 1)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, k))).random(n)


def _scaled(d: Fixed | Triangular, m: float) -> Fixed | Triangular:
    if isinstance(d, Fixed):
        return d.model_copy(update={"value": d.value * m})
    return d.model_copy(update={"min": d.min * m, "mode": d.mode * m, "max": d.max * m})


def apply(
    sc: Scenario, policy: dict[str, Any], point: dict[str, float], seed: int, model: OutcomeModel
) -> tuple[Scenario, Options, OutcomeModel, int]:
    """The scenario, options and battle-outcome model of one experiment (``model``, the plan's, with its force-ratio
    slope scaled by the point's ``calibration_slope``); returns also how many pledges failed. A function
    of the policy, the point and the seed alone: pledge p fails when U_p < min(1, base(status) × attrition ×
    caveat factor), U from the point's failure draw (``failure_uniforms``; 0.5 where the point has none)."""
    posture = POSTURES[policy.get("posture", "reassurance")]
    geo = sc.geography
    update_geo: dict[str, Any] = {"strikes_into_aggressor": bool(policy.get("strikes_into_aggressor", False))}
    if posture["standoff_km"] is not None:
        update_geo["standoff_km"] = float(posture["standoff_km"])
    slots = []
    first_phase = sc.phases[0].id
    for s in sc.requirement.slots:
        w = max([posture["role_weights"].get(r.value, 1.0) for r in s.roles] or [1.0])
        upd: dict[str, Any] = {"priority_weight": s.priority_weight * w}
        if posture.get("qrf_first_phase") and any(r.value == "qrf" for r in s.roles):
            upd["phase"] = first_phase
        slots.append(s.model_copy(update=upd))
    threats = []
    for t in sc.threats:
        a = point.get(f"attacker_strength.{t.id}", 1.0)
        d = point.get(f"defender_strength.{t.id}", 1.0)
        w = point.get(f"warning_time.{t.id}", 1.0)
        att = t.attacker
        att = att.model_copy(
            update={
                "initial_combat_power": att.initial_combat_power * a,
                "initial_combat_power_range": tuple(x * a for x in att.initial_combat_power_range)
                if att.initial_combat_power_range
                else None,
                "arrivals": tuple(x.model_copy(update={"combat_power": x.combat_power * a}) for x in att.arrivals),
            }
        )
        threats.append(
            t.model_copy(
                update={
                    "attacker": att,
                    "defender_combat_power": t.defender_combat_power * d,
                    "defender_combat_power_range": tuple(x * d for x in t.defender_combat_power_range)
                    if t.defender_combat_power_range
                    else None,
                    "warning_time_h": t.warning_time_h * w,
                }
            )
        )
    params = dict(sc.parameters)
    if "decision_delay_h" in point:
        params["coalition_decision_delay_h"] = Fixed(value=float(point["decision_delay_h"]), unit="h")
    if "battle_hazard" in point:
        params["battle_hazard_per_day"] = _scaled(parameter(sc, "battle_hazard_per_day"), point["battle_hazard"])
    m = point.get("pledge_attrition", 0.0)
    default_caveats = Caveats()
    # One uniform per pledge, always: the same draw fails the same pledges, and a higher attrition fails a superset.
    u = failure_uniforms(seed, float(point.get(FAILURE_DRAW, 0.5)), len(sc.pledges))
    kept, failed = [], 0
    for p, x in zip(sc.pledges, u, strict=True):
        base = ATTRITION_BASE.get(p.status.value, 0.0) if p.status is not PledgeStatus.withdrawn else 0.0
        prob = min(1.0, base * m * (CAVEAT_ATTRITION_FACTOR if p.caveats != default_caveats else 1.0))
        if x < prob:
            failed += 1
        else:
            kept.append(p)
    if policy.get("ask"):
        kept.append(ask_pledge(sc, str(policy["ask"])))
    sc2 = sc.model_copy(
        update={
            "geography": geo.model_copy(update=update_geo),
            "requirement": sc.requirement.model_copy(update={"slots": tuple(slots)}),
            "threats": tuple(threats),
            "parameters": params,
            "pledges": tuple(kept),
        }
    )
    opts = Options(max_personnel=int(policy["personnel_cap"]) if "personnel_cap" in policy else None,
                   us_backstop=bool(policy["us_backstop"]) if "us_backstop" in policy else None)  # fmt: skip
    if "calibration_slope" in point:
        model = model.with_slope(point["calibration_slope"])
    return sc2, opts, model, failed


ASK_NOTICE_DAYS = 7.0


def ask_pledge(sc: Scenario, capability: str) -> Pledge:
    """One more unit of a capability, committed, at ≤ 7 days' notice, from the nation that pledges the most of it
    (else the first contributing nation), at that nation's home base for it: a request the coalition could make."""
    cap = sc.capability(capability)
    same = [p for p in sc.pledges if p.capability == capability and p.status is not PledgeStatus.withdrawn]
    donor = max(same, key=lambda p: (p.quantity, p.id)) if same else (sc.pledges[0] if sc.pledges else None)
    nation = donor.nation if donor else sc.nations[0].iso3
    return Pledge(
        id=f"ASK-{capability}",
        nation=nation,
        capability=capability,
        quantity=1,
        personnel_per_unit=donor.personnel_per_unit if same and donor else cap.personnel_per_unit,
        notice_to_move_days=min(ASK_NOTICE_DAYS, donor.notice_to_move_days) if same and donor else ASK_NOTICE_DAYS,
        home_base=donor.home_base if donor else sc.places[0].id,
        status=PledgeStatus.committed,
    )


def evaluate(
    sc: Scenario,
    policy: dict[str, Any],
    point: dict[str, float],
    seed: int,
    trials: int,
    response_trials: int,
    cache: StageCache | None = None,
) -> dict[str, Any]:
    """Outcomes of one experiment: P(the attacker reaches its objective) per threat and the worst, the median time
    to first effect of each response option (the fastest threat axis), personnel matched and stationed, unfilled
    slots. A deterministic function of (policy, point, seed): never of the experiment's row or future, so that
    the rows of a Saltelli design differ only in the inputs the design changes (docs/model.md, §10).

    ``cache``: stage results to reuse (a worker's, kept between its experiments): experiments whose futures leave
    the pledges, the requirement and the axes alone share one force and laydown, and a repeated experiment is read
    back whole."""
    seed_pipeline = pipeline_seed(seed)
    sc2, opts, model, failed = apply(sc, policy, point, seed, default_outcome_model())
    cache = cache or StageCache()
    views = ScenarioViews(sc2)
    fg, lay = force_and_laydown(sc2, opts, cache, views)
    guards = functools.cache(lambda: guard_plans(sc2, fg, lay, opts, None))
    resp = respond_cached(sc2, opts, fg, lay, response_trials, seed_pipeline, None, cache, views, guards)
    ass = assess_cached(sc2, opts, fg, lay, trials, seed_pipeline, None, cache, views, sensitivity=False,
                        guards=guards, model=model)  # fmt: skip
    out: dict[str, Any] = {}
    for t in ass.threats:
        out[f"p_reached.{t.threat}"] = t.p_reached.p
    out["p_worst"] = max(t.p_reached.p for t in ass.threats) if ass.threats else math.nan
    for opt in OPTIONS:
        times = [
            float(c.first_effect_h.p50)
            for r in resp.threats
            for c in r.options
            if c.option == opt and c.first_effect_h.p50 is not None
        ]
        out[f"first_effect_h.{opt}"] = min(times) if times else math.nan
    out["personnel_matched"] = fg.totals.personnel_matched
    out["personnel_stationed"] = sum(g.personnel for g in lay.garrisons)
    out["unfilled_slots"] = sum(1 for s in fg.slots if s.shortfall_units > 0)
    out["shortfall_units"] = fg.totals.shortfall_units
    out["pledges_failed"] = failed
    return out
