"""What-if cases written the way a staff officer says them.

A case is one or more terms joined by ``;`` or ``and``:

=========================  ===========================================================
``baseline``               the scenario as it is
``without FRA``            leave nations out (``without FRA DEU`` or ``without FRA,DEU``)
``committed only``         count pledges at this status or later (offered, verified,
                           committed, deployed); also ``status committed``
``us backstop``            assume the US backstop (``no us backstop``: do not)
``cap 25000``              personnel cap
``share 25%``              no nation above this share of the force (``share 0.25``)
=========================  ===========================================================

Example: ``--case "without FRA and committed only"``.
"""

from __future__ import annotations

import dataclasses
import re

from forceplan.defaults import CASE_FORMS
from forceplan.forcegen.eligibility import Options
from forceplan.forcegen.result import CaseSummary, ForcegenResult
from forceplan.forcegen.run import match_force
from forceplan.scenario import Scenario
from forceplan.scenario.model import PledgeStatus


class CaseError(ValueError):
    """A case that cannot be read; the message lists the forms that can."""


MAX_CASE_CHARS = 500
"""The longest case read (a staff officer's sentence; longer is an error, not silently cut)."""


def _quoted(text: str, limit: int = 80) -> str:
    """``text`` quoted for an error message, cut to ``limit`` characters (a message never echoes a whole input)."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def parse_case(text: str, base: Options, known_nations: set[str]) -> Options:
    """The options of a case, starting from ``base``."""
    if len(text) > MAX_CASE_CHARS:
        raise CaseError(f"a case is at most {MAX_CASE_CHARS} characters; this one has {len(text):,}: {_quoted(text)}")
    opts = base
    terms = [t.strip() for t in re.split(r";|\band\b", text.strip(), flags=re.IGNORECASE) if t.strip()]
    if not terms:
        raise CaseError(f"empty case; forms: {'; '.join(CASE_FORMS)}")
    statuses = [s.value for s in PledgeStatus if s is not PledgeStatus.withdrawn]
    for term in terms:
        low = term.lower()
        words = low.replace(",", " ").split()
        if low == "baseline":
            continue
        if words[0] == "without" and len(words) > 1:
            codes = {w.upper() for w in words[1:]}
            unknown = sorted(codes - known_nations)
            if unknown:
                raise CaseError(
                    f"unknown nation {', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''} in case "
                    f"{_quoted(text)}; known: {', '.join(sorted(known_nations))}"
                )
            opts = dataclasses.replace(opts, without=opts.without | frozenset(codes))
        elif len(words) == 2 and words[1] == "only" and words[0] in statuses:
            opts = dataclasses.replace(opts, min_status=PledgeStatus(words[0]))
        elif len(words) == 2 and words[0] == "status" and words[1] in statuses:
            opts = dataclasses.replace(opts, min_status=PledgeStatus(words[1]))
        elif words in (["us", "backstop"], ["with", "us", "backstop"]):
            opts = dataclasses.replace(opts, us_backstop=True)
        elif words in (["no", "us", "backstop"], ["without", "us", "backstop"]):
            opts = dataclasses.replace(opts, us_backstop=False)
        elif len(words) == 2 and words[0] == "cap" and words[1].replace("_", "").isdigit():
            cap = int(words[1].replace("_", ""))
            if cap <= 0:
                raise CaseError(f"cap must be a positive number of personnel, got {cap}")
            opts = dataclasses.replace(opts, max_personnel=cap)
        elif len(words) == 2 and words[0] == "share":
            try:
                value = float(words[1].rstrip("%"))
            except ValueError:
                raise CaseError(f"share needs a number, got {words[1]!r}") from None
            share = value / 100 if words[1].endswith("%") or value > 1 else value
            if not 0 < share <= 1:
                raise CaseError(f"share must be between 0 and 100 %, got {words[1]!r}")
            opts = dataclasses.replace(opts, max_nation_share=share)
        else:
            raise CaseError(f"cannot read {_quoted(term, 40)} in case {_quoted(text)}; forms: {'; '.join(CASE_FORMS)}")
    return opts


def summarise_case(label: str, r: ForcegenResult) -> CaseSummary:
    worst = sorted((s for s in r.slots if s.shortfall_units > 0), key=lambda s: (-s.shortfall_units, s.slot))
    return CaseSummary(
        label=label,
        options=r.options,
        optimal=r.optimal,
        fill_fraction=r.totals.fill_fraction,
        weighted_fill_fraction=r.totals.weighted_fill_fraction,
        personnel_matched=r.totals.personnel_matched,
        units_matched=r.totals.units_matched,
        shortfall_units=r.totals.shortfall_units,
        nations_contributing=r.totals.nations_contributing,
        top_shortfalls=[f"{s.slot}: {s.shortfall_units}" for s in worst[:3]],
    )


def run_cases(
    sc: Scenario, base: Options, cases: list[str], time_limit_s: float = 60.0, solver: str = "highs"
) -> tuple[ForcegenResult, list[CaseSummary]]:
    """Run the base case and each what-if case; the base result carries the case table."""
    known = {n.iso3 for n in sc.nations}
    parsed: list[tuple[str, Options]] = [("baseline", base)]
    for c in cases:  # all parsed before any run: fail early; a case equal to one already listed is not repeated
        opts = parse_case(c, base, known)
        if all(opts != o for _, o in parsed):
            parsed.append((c, opts))
    result = match_force(sc, base, time_limit_s, solver)
    summaries = [summarise_case("baseline", result)]
    for label, opts in parsed[1:]:
        summaries.append(summarise_case(label, match_force(sc, opts, time_limit_s, solver)))
    return result.model_copy(update={"cases": summaries}), summaries
