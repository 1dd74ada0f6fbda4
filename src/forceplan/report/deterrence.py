"""The report's deterrence section: verdicts defined, and per threat how much each lever and each decisive
assumption moves the attacker's chance, with its interval and the fitted factor it works through."""

from __future__ import annotations

import math
from typing import Any

from forceplan.engagement.results import AssessResult
from forceplan.engagement.verdict import verdict_sentence

SHOWN = (
    "lever:",
    "advance after a breakthrough",
    "air attrition per sortie",
    "without strikes",
    "without reinforcements",
    "decision delay",
)
"""Which sensitivity rows the section shows (the levers and the assumptions that decide most); plan.json has all."""


def deterrence_context(ass: AssessResult) -> dict[str, Any]:
    c = ass.calibration
    lo, hi = math.exp(c["log_ratio_min"]), math.exp(c["log_ratio_max"])
    threats = []
    air = []
    for th in ass.threats:
        rows = [s for s in th.sensitivity if s.case.startswith(SHOWN)]
        threats.append(
            {
                "name": th.name,
                "p": th.p_reached.p,
                "low": th.p_reached.ci_low,
                "high": th.p_reached.ci_high,
                "verdict": th.verdict,
                "rows": [s.model_dump() | {"case": s.case.removeprefix("lever: ")} for s in rows],
            }
        )
        f = th.factors
        air.append(
            f"{th.name}: {th.attack_sorties_per_day:.0f} attack sorties a day once all squadrons fly, "
            f"P(local air superiority) {f.get('p_air_superiority', 0.0):.2f}, P(surprise) "
            f"{f.get('surprise_attacker', 0.0):.2f}"
        )
    return {
        "verdict_sentence": verdict_sentence(ass.threshold),
        "verdicts": list(ass.verdicts.items()),
        "model_text": f"{c['battles']:.0f} battles; ln force ratio slope {c['log_force_ratio']:.2f} "
        f"(95 % {c['log_force_ratio_low']:.2f} to {c['log_force_ratio_high']:.2f}), flat outside force ratios "
        f"{lo:.2f}–{hi:.1f}",
        "threats": threats,
        "air_text": "Air power as flown (sorties bounded by basing, aircrew and availability; a share escorts and "
        "suppresses air defence; aircraft lost to air defence; no attacks once the attacker has culminated): "
        + "; ".join(air)
        + ".",
    }
