"""What changed between two plans (``forceplan compare A B``): the force, its location, each option's timing and
each threat's probability, with whether a probability's change exceeds its Monte Carlo error.

A change in P is called *significant* when |P_B − P_A| > 2·√(se_A² + se_B²) (the Monte Carlo errors of the two
runs; about a 95 % test): smaller changes may be noise of the simulation rather than of the plan.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import Field, ValidationError

from forceplan.fsutil import InputFileError, loads_json_checked, read_text_checked
from forceplan.names import field_label, label, short_threat
from forceplan.plan import PlanResult
from forceplan.results import Out
from forceplan.scenario import Scenario

MAX_PLAN_BYTES = 64 * 1024 * 1024
TOTALS = ("personnel_matched", "units_matched", "fill_fraction", "nations_contributing", "combat_power_matched")


class Change(Out):
    what: str = Field(description="What changed, by id (a field, capability, nation, site, or 'threat · option')")
    label: str = Field("", description="What changed, in words")
    a: float | str | None
    b: float | str | None
    delta: float | None = None


class ProbabilityChange(Out):
    threat: str
    name: str
    p_a: float
    p_b: float
    delta: float
    mc_error: float = Field(description="2·√(se_A² + se_B²): the change that Monte Carlo noise could make")
    significant: bool
    verdict_a: str
    verdict_b: str


class PlanDiff(Out):
    scenario_a: str
    scenario_b: str
    case_a: str
    case_b: str
    digest_a: str
    digest_b: str
    totals: list[Change]
    capabilities: list[Change] = Field(description="Units filled by capability, where they differ")
    nations: list[Change] = Field(description="Personnel matched by nation, where it differs")
    garrisons: list[Change] = Field(description="Personnel by garrison site, where it differs (0: none there)")
    options: list[Change] = Field(description="First effect P50 (hours) by threat and option, where it differs")
    probabilities: list[ProbabilityChange]


def read_plan(path: Path) -> PlanResult:
    """A plan.json (or an output folder holding one), validated; InputFileError with the file named if not."""
    path = Path(path)
    if path.is_dir():
        path = path / "plan.json"
    text = read_text_checked(path, MAX_PLAN_BYTES, "plan.json")
    doc = loads_json_checked(text, path, "plan.json")
    try:
        return PlanResult.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise InputFileError(f"{path}: not a forceplan plan.json ({where}: {first['msg']})") from None


def _num_changes(label: str, a: dict[str, float], b: dict[str, float]) -> list[Change]:
    out = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k, 0.0), b.get(k, 0.0)
        if abs(va - vb) > 1e-9:
            out.append(Change(what=f"{label}{k}", a=va, b=vb, delta=round(vb - va, 6)))
    return out


def _labelled(changes: list[Change], words: dict[str, str]) -> list[Change]:
    return [c.model_copy(update={"label": words.get(c.what) or label("field", c.what)}) for c in changes]


def compare_plans(a: PlanResult, b: PlanResult, sc: Scenario | None = None) -> PlanDiff:
    """The differences between plans ``a`` and ``b``; each change keeps its id (``what``) and carries its name
    (``label``): capability names from ``sc`` when given, nation, site and threat names from the plans."""
    ta, tb = a.forcegen.totals, b.forcegen.totals
    totals = [
        Change(
            what=name,
            a=float(getattr(ta, name)),
            b=float(getattr(tb, name)),
            delta=round(float(getattr(tb, name)) - float(getattr(ta, name)), 6),
        )
        for name in TOTALS
        if getattr(ta, name) != getattr(tb, name)
    ]
    if a.stationing.garrisons and b.stationing.garrisons and len(a.stationing.garrisons) != len(b.stationing.garrisons):
        totals.append(
            Change(
                what="garrisons",
                a=float(len(a.stationing.garrisons)),
                b=float(len(b.stationing.garrisons)),
                delta=float(len(b.stationing.garrisons) - len(a.stationing.garrisons)),
            )
        )

    def fill(p: PlanResult) -> dict[str, float]:
        out: dict[str, float] = {}
        for s in p.forcegen.slots:
            out[s.capability] = out.get(s.capability, 0.0) + s.filled_units
        return out

    def nations(p: PlanResult) -> dict[str, float]:
        return {bb.nation: float(bb.personnel_matched) for bb in p.forcegen.burden if bb.personnel_matched}

    def garrisons(p: PlanResult) -> dict[str, float]:
        return {g.name: float(g.personnel) for g in p.stationing.garrisons}

    def options(p: PlanResult) -> dict[str, float]:
        out = {}
        for th in p.response.threats:
            for c in th.options:
                v = c.first_effect_h.p50
                out[f"{th.threat} · {c.option}"] = float(v) if v is not None else math.inf
        return out

    oa, ob = options(a), options(b)
    opt_changes = []
    for k in sorted(set(oa) | set(ob)):
        va, vb = oa.get(k), ob.get(k)
        if va != vb:
            d = None if va is None or vb is None or not (math.isfinite(va) and math.isfinite(vb)) else vb - va
            opt_changes.append(Change(what=k, a=_h(va), b=_h(vb), delta=None if d is None else round(d, 3)))
    pa = {t.threat: t for t in a.assessment.threats}
    probs = []
    for t in b.assessment.threats:
        if t.threat not in pa:
            continue
        x, y = pa[t.threat].p_reached, t.p_reached
        err = 2 * math.sqrt(x.mc_error**2 + y.mc_error**2)
        probs.append(
            ProbabilityChange(
                threat=t.threat,
                name=t.name,
                p_a=x.p,
                p_b=y.p,
                delta=round(y.p - x.p, 4),
                mc_error=round(err, 4),
                significant=abs(y.p - x.p) > err,
                verdict_a=pa[t.threat].verdict,
                verdict_b=t.verdict,
            )
        )
    threat_names = {t.threat: t.name for t in (*a.response.threats, *b.response.threats)}
    words: dict[str, str] = {name: field_label(name) for name in TOTALS}
    words["garrisons"] = "Garrisons"
    for p in (a, b):
        for s in p.forcegen.slots:
            words[s.capability] = label("capability", s.capability, sc)
        for bb in p.forcegen.burden:
            words[bb.nation] = bb.name or label("nation", bb.nation, sc)
        for th in p.response.threats:
            for c in th.options:
                words[f"{th.threat} · {c.option}"] = (
                    f"{short_threat(threat_names.get(th.threat, th.threat))}: {label('option', c.option).lower()}"
                )
    return PlanDiff(
        scenario_a=a.meta.scenario,
        scenario_b=b.meta.scenario,
        case_a=_case(a, words, sc),
        case_b=_case(b, words, sc),
        digest_a=a.meta.scenario_digest,
        digest_b=b.meta.scenario_digest,
        totals=_labelled(totals, words),
        capabilities=_labelled(_num_changes("", fill(a), fill(b)), words),
        nations=_labelled(_num_changes("", nations(a), nations(b)), words),
        garrisons=_labelled(_num_changes("", garrisons(a), garrisons(b)), {g: g for g in garrisons(a) | garrisons(b)}),
        options=_labelled(opt_changes, words),
        probabilities=probs,
    )


def _h(v: float | None) -> str | None:
    if v is None:
        return None
    return "never" if not math.isfinite(v) else f"{v:.1f} h"


def _case(p: PlanResult, words: dict[str, str], sc: Scenario | None) -> str:
    """What the plan assumes, in words: the nations left out by name (from either plan's burden table, else the
    scenario), the backstop, the seed."""
    left_out = [words.get(n) or label("nation", n, sc) for n in p.meta.without]
    parts = [f"without {', '.join(left_out)}" if left_out else "all nations"]
    parts.append("US backstop assumed" if p.meta.us_backstop else "no US backstop")
    parts.append(f"seed {p.meta.seed}")
    return "; ".join(parts)
