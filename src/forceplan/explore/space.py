"""The exploration space: uncertainties (ranges), levers (choices), the bundled postures, and designs.

Every range and posture here is an assumption of the analysis, documented in docs/model.md ("Exploratory
analysis"); the postures are illustrative.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from forceplan.scenario import Scenario
from forceplan.scenario.model import PledgeStatus

DESIGNS = ("lhs", "sobol", "full")


@dataclass(frozen=True)
class Uncertainty:
    name: str
    low: float
    high: float
    unit: str
    description: str


@dataclass(frozen=True)
class Lever:
    name: str
    values: tuple[Any, ...]
    description: str


POSTURES: dict[str, dict[str, Any]] = {
    "reassurance": {
        "description": "Infrastructure reassurance: garrisons at nuclear plants, ports and cities, the scenario's "
        "standoff from the line (50 km in the bundled scenario), the requirement as written",
        "standoff_km": None,
        "role_weights": {},
    },
    "tripwire": {
        "description": "Tripwire: light presence near the line (standoff 15 km), line patrols and ISR weighted ×3, "
        "protection slots ×0.5",
        "standoff_km": 15.0,
        "role_weights": {"frontline": 3.0, "isr": 3.0, "protection": 0.5},
    },
    "forward": {
        "description": "Forward defence: standoff 5 km, quick-reaction forces weighted ×3 and required from the first "
        "phase",
        "standoff_km": 5.0,
        "role_weights": {"qrf": 3.0},
        "qrf_first_phase": True,
    },
}
"""Illustrative postures: each is a requirement and stationing rule set applied to the scenario."""

ATTRITION_BASE: dict[str, float] = {
    PledgeStatus.offered.value: 0.30,
    PledgeStatus.verified.value: 0.20,
    PledgeStatus.committed.value: 0.10,
    PledgeStatus.deployed.value: 0.02,
}
"""P(a pledge fails to materialise) by status, before the attrition multiplier: of 46 nations that pledged to UN
peacekeeping in 2015, 14 had failed fully or partly a year later (30 %, for offers); later stages fail less."""
CAVEAT_ATTRITION_FACTOR = 1.3
"""A pledge with any caveat fails 30 % more often (assumption)."""
FAILURE_DRAW = "pledge_failure_draw"
"""The design input that decides which pledges fail, given their chances: one uniform in [0, 1]
(``forceplan.explore.model.failure_uniforms``)."""


def uncertainties(sc: Scenario) -> list[Uncertainty]:
    out: list[Uncertainty] = []
    for t in sc.threats:
        out.append(
            Uncertainty(f"attacker_strength.{t.id}", 0.7, 1.3, "×", f"Attacker's strength on {t.name}, × stated")
        )
        out.append(Uncertainty(f"warning_time.{t.id}", 0.25, 2.0, "×", f"Warning time of {t.name}, × stated"))
        out.append(Uncertainty(f"defender_strength.{t.id}", 0.7, 1.3, "×", f"Ukrainian strength on {t.name}, × stated"))
    out += [
        Uncertainty("decision_delay_h", 6.0, 72.0, "h", "Coalition decision delay after detection"),
        Uncertainty(
            "calibration_slope", 0.8, 1.2, "×", "Force-ratio slope of the battle-outcome model (CDB90), × fitted"
        ),
        Uncertainty("battle_hazard", 0.7, 1.3, "×", "Battle decision rate, × the model's mode"),
        Uncertainty("pledge_attrition", 0.5, 1.5, "×", "P(a pledge fails to materialise), × the base rates"),
        Uncertainty(
            FAILURE_DRAW,
            0.0,
            1.0,
            "",
            "Which pledges fail, given their chances: one draw of every pledge's failure (a random draw made an "
            "input, so that the futures of a design are deterministic in their inputs)",
        ),
    ]
    return out


def levers(sc: Scenario) -> list[Lever]:
    return [
        Lever("posture", tuple(POSTURES), "Posture: a requirement and stationing rule set (illustrative)"),
        Lever("personnel_cap", (30_000, 50_000, 100_000), "Cap on the force's personnel"),
        Lever("us_backstop", (False, True), "Whether the US backstop is assumed"),
        Lever("strikes_into_aggressor", (False, True), "Whether strikes into the aggressor's territory are allowed"),
    ]


def describe_policy(policy: dict[str, Any]) -> str:
    """A policy (lever values) in words: its posture's description, then the other levers."""
    posture = str(policy.get("posture", "reassurance"))
    words = [POSTURES.get(posture, {}).get("description", posture.capitalize())]
    if "personnel_cap" in policy:
        words.append(f"personnel cap {int(policy['personnel_cap']):,}")
    if "us_backstop" in policy:
        words.append("US backstop assumed" if policy["us_backstop"] else "no US backstop")
    if "strikes_into_aggressor" in policy:
        words.append(
            "strikes into the aggressor's territory allowed"
            if policy["strikes_into_aggressor"]
            else "no strikes into the aggressor's territory"
        )
    return "; ".join(words)


def default_policies(sc: Scenario) -> dict[str, tuple[Any, ...]]:
    """Levers explored by default: the three postures; the others at the scenario's own values."""
    return {
        "posture": tuple(POSTURES),
        "personnel_cap": (sc.requirement.max_personnel,),
        "us_backstop": (sc.backstop.assumed,),
        "strikes_into_aggressor": (sc.geography.strikes_into_aggressor,),
    }


def parse_lever(text: str, sc: Scenario) -> tuple[str, tuple[Any, ...]]:
    """``personnel_cap=30000,50000`` → ("personnel_cap", (30000, 50000)); ValueError with what to write."""
    name, sep, vals = text.partition("=")
    known = {lv.name: lv for lv in levers(sc)}
    name = name.strip()
    if not sep or name not in known:
        raise ValueError(f"--lever {text!r}: expected NAME=V1,V2 with NAME one of {', '.join(known)}")
    out: list[Any] = []
    for v in (x.strip() for x in vals.split(",") if x.strip()):
        if name == "posture":
            if v not in POSTURES:
                raise ValueError(f"unknown posture {v!r}; postures: {', '.join(POSTURES)}")
            out.append(v)
        elif name == "personnel_cap":
            try:
                n = int(v.replace("_", ""))
            except ValueError:
                raise ValueError(f"personnel_cap {v!r} is not a whole number") from None
            if not 1_000 <= n <= 1_000_000:
                raise ValueError(f"personnel_cap {n} is outside 1,000 to 1,000,000")
            out.append(n)
        else:
            if v.lower() not in ("true", "false", "yes", "no", "on", "off"):
                raise ValueError(f"{name} takes true or false, not {v!r}")
            out.append(v.lower() in ("true", "yes", "on"))
    if not out:
        raise ValueError(f"--lever {text!r}: give at least one value")
    return name, tuple(dict.fromkeys(out))


def policies(choices: dict[str, tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Every combination of the chosen lever values, in a fixed order."""
    names = sorted(choices)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(choices[n] for n in names))]


def sample(us: list[Uncertainty], design: str, n: int, seed: int) -> np.ndarray:
    """Points in the uncertainty space, one row each (columns as ``us``).

    lhs: ``n`` Latin-hypercube points. sobol: Saltelli's scheme for first- and total-order indices, n × (D + 2)
    points (SALib; n a power of 2). full: every corner of the space and its centre (2^D + 1; for small D)."""
    d = len(us)
    low = np.array([u.low for u in us])
    span = np.array([u.high - u.low for u in us])
    if design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(n)
        return low + unit * span
    if design == "sobol":
        from SALib.sample import sobol as sobol_sample

        return np.asarray(sobol_sample.sample(problem(us), n, calc_second_order=False, seed=seed))
    if design == "full":
        if d > 12:
            raise ValueError(f"a full design of {d} uncertainties has {2**d + 1:,} points; use lhs or sobol")
        corners = np.array(list(itertools.product((0.0, 1.0), repeat=d)))
        return low + np.vstack([corners, np.full((1, d), 0.5)]) * span
    raise ValueError(f"unknown design {design!r}; designs: {', '.join(DESIGNS)}")


def problem(us: list[Uncertainty]) -> dict[str, Any]:
    return {"num_vars": len(us), "names": [u.name for u in us], "bounds": [[u.low, u.high] for u in us]}
