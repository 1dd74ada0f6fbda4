"""The one vocabulary of options shared by the analysis commands: each option is defined here once, with one
meaning and one default, and every command that can honour it takes it from here. Nothing heavy is imported, so
``--help`` answers at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from forceplan.defaults import ASSESS_TRIALS, CASE_FORMS, INNER_TRIALS, MIN_INPUT_DRAWS, RESPONSE_TRIALS, SEED

if TYPE_CHECKING:
    from forceplan.forcegen import Options
    from forceplan.scenario import Scenario

ScenarioArg = Annotated[
    str, typer.Argument(help="Bundled scenario name (forceplan scenario list) or a scenario YAML file")
]
Without = Annotated[
    list[str] | None,
    typer.Option(
        "--without",
        help="Nation to leave out: ISO3 code or name (unique prefix, any case); repeatable, or FRA,DEU",
    ),
]
UsBackstop = Annotated[bool, typer.Option("--us-backstop", help="Assume the US backstop (its assets count)")]
Case = Annotated[
    list[str] | None,
    typer.Option(
        "--case",
        help="A what-if case beside the baseline, repeatable: "
        # Spaced, so that help at 80 columns wraps the choices instead of cutting them.
        + "; ".join(f.replace("|", " | ").replace("  ", " ") for f in CASE_FORMS),
    ),
]
Threat = Annotated[
    list[str] | None,
    typer.Option("--threat", help="Threat id or name (unique prefix, any case); repeatable; default all"),
]
Seed = Annotated[int, typer.Option(help="Random seed (recorded in the result)", min=0)]
ResponseTrials = Annotated[int, typer.Option("--trials", help="Monte Carlo trials", min=1, max=1_000_000)]
AssessTrials = Annotated[
    int,
    typer.Option(
        "--trials",
        help=f"Monte Carlo trials (rounded up to whole draws of the uncertain inputs, {INNER_TRIALS} trials each; at "
        f"least {MIN_INPUT_DRAWS * INNER_TRIALS:,})",
        min=100,
        max=200_000,
    ),
]

DEFAULTS = {"response_trials": RESPONSE_TRIALS, "assess_trials": ASSESS_TRIALS, "seed": SEED}


def resolve(kind: str, given: str, choices: Sequence[tuple[str, str]]) -> str:
    """The id meant by ``given``: an id or a name, exact or a unique prefix, case-insensitive. ``choices`` are
    (id, name) pairs. Exit 2 naming the candidates when it is unknown or ambiguous."""
    from forceplan.cli.common import fail

    g = given.strip().lower()
    for cid, name in choices:
        if g in (cid.lower(), name.lower()):
            return cid
    hits = [cid for cid, name in choices if cid.lower().startswith(g) or name.lower().startswith(g)]
    if not hits:
        words = [cid for cid, name in choices if g and g in name.lower()]
        hits = words if len(words) == 1 else hits
    if len(hits) == 1:
        return hits[0]
    if hits:
        fail(f"{kind} {given!r} is ambiguous: {', '.join(hits)}", "give more of the id or name")
    ids = [cid for cid, _ in choices]
    shown = ", ".join(ids[:40]) + (", ..." if len(ids) > 40 else "")
    fail(
        f"unknown {kind} {given!r}", f"valid codes: {shown} (with names: forceplan scenario ids SCENARIO --kind {kind})"
    )


def threat_ids(sc: Scenario, given: Sequence[str] | None) -> list[str] | None:
    """The threat ids asked for (None: all)."""
    if not given:
        return None
    choices = [(t.id, t.name) for t in sc.threats]
    return list(dict.fromkeys(resolve("threat", g, choices) for g in given))


def nation_codes(sc: Scenario, given: Sequence[str] | str | None) -> frozenset[str]:
    """ISO3 codes of the nations named (codes or names, comma- or space-separated, repeatable)."""
    items = [given] if isinstance(given, str) else list(given or [])
    choices = [(n.iso3, n.name) for n in sc.nations]
    out = set()
    for v in items:
        for part in v.split(","):
            if part.strip():
                out.add(resolve("nation", part, choices))
    return frozenset(out)


def base_options(sc: Scenario, without: Sequence[str] | None, us_backstop: bool) -> Options:
    from forceplan.forcegen import Options

    return Options(without=nation_codes(sc, without), us_backstop=us_backstop or None)


def case_options(sc: Scenario, base: Options, cases: Sequence[str] | None) -> list[tuple[str, Options]]:
    """(label, options) of the baseline and of each distinct case asked for; a case equal to the baseline (for
    example 'baseline') is not repeated. Exit 2 on a case that cannot be read."""
    from forceplan.cli.common import fail
    from forceplan.forcegen.cases import CaseError, parse_case

    out: list[tuple[str, Options]] = [("baseline", base)]
    known = {n.iso3 for n in sc.nations}
    for text in cases or []:
        try:
            opts = parse_case(text, base, known)
        except CaseError as exc:
            fail(str(exc), 'example: --case "without FRA and committed only"')
        if all(opts != o for _, o in out):
            out.append((text, opts))
    return out
