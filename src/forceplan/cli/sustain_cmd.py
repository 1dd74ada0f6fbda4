"""``forceplan sustain``: keep the force up month by month for years — gaps, pools, cost, what to ask for next."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from forceplan.cli.common import console, fail, load_or_exit, progress_bar, write_atomic
from forceplan.cli.options import (
    AssessTrials,
    ScenarioArg,
    Seed,
    Threat,
    UsBackstop,
    Without,
    nation_codes,
    threat_ids,
)
from forceplan.defaults import PLEDGE_STATUSES as STATUSES
from forceplan.defaults import SEED

if TYPE_CHECKING:
    from forceplan.sustain import SustainResult

LONG_HORIZON_MONTHS = 24
"""From this many months on, a progress bar shows the months solved."""


def money(usd: float) -> str:
    """US dollars as $1.23bn, $45.6M or $789k."""
    if abs(usd) >= 1e9:
        return f"${usd / 1e9:.2f}bn"
    if abs(usd) >= 1e6:
        return f"${usd / 1e6:.1f}M"
    return f"${usd / 1e3:.0f}k"


def print_result(r: SustainResult) -> None:
    from rich.table import Table
    from rich.text import Text

    console.rule(Text(f"Can it be sustained? {r.scenario}, {r.years} year{'' if r.years == 1 else 's'}", style="bold"))
    for m in r.messages:
        console.print(m, style="yellow")
    console.print(
        f"{len(r.months)} months, {r.distinct_solves} distinct force-generation solves. "
        f"First month with a gap: {r.first_gap_month or 'none'}; first month a gap grows as pledges lapse: "
        f"{r.first_lapse_gap_month or 'none'}; worst month: {r.worst_month or 'none'}."
    )
    mt = Table(title="Personnel by month (H: handover, reduced readiness)")
    for col in ("month", "required", "deployed", "short", "H"):
        mt.add_column(col, justify="left" if col == "H" else "right")
    mt.add_column("largest gap (units)", overflow="fold")
    for mo in r.months:
        big = max(mo.gaps, key=lambda g: (g.units, g.name), default=None)
        mt.add_row(
            str(mo.month),
            f"{mo.personnel_required:,}",
            f"{mo.personnel_deployed:,}",
            Text(f"{mo.shortfall_personnel:,}", style="red" if mo.shortfall_personnel else ""),
            "H" if mo.handover else "",
            f"{big.units} {big.name}" if big else "",
        )
    console.print(mt)
    nt = Table(title="Rotation pools: who runs out first")
    for col in ("nation", "pool units", "pool pers.", "peak in theatre", "runs out"):
        nt.add_column(col, justify="left" if col == "nation" else "right")
    nt.add_column("why", overflow="fold")
    for n in r.nations:
        nt.add_row(
            n.name,
            str(n.pool_units),
            f"{n.pool_personnel:,}",
            f"{n.deployed_personnel_peak:,}",
            f"month {n.runs_out_month}" if n.runs_out_month else "-",
            n.reason or "",
        )
    console.print(nt)
    if r.costs:
        label = " (illustrative unit costs)" if r.cost_illustrative else ""
        yt = Table(title=f"Cost per year{label}")
        for col in ("year", "with rotations", "stationed forward", "difference"):
            yt.add_column(col, justify="right")
        for y in r.cost_by_year:
            diff = money(y.rotation_usd - y.stationing_usd)
            yt.add_row(str(y.year), money(y.rotation_usd), money(y.stationing_usd), diff)
        console.print(yt)
        ct = Table(title=f"Cost per nation, year 1{label}")
        for col in ("nation", "rotation", "stationed", "per capita", "% of GDP", "pers./M pop."):
            ct.add_column(col, justify="left" if col == "nation" else "right")
        for c in sorted((c for c in r.costs if c.year == 1), key=lambda c: -c.rotation_usd):
            ct.add_row(
                c.name,
                money(c.rotation_usd),
                money(c.stationing_usd),
                f"${c.usd_per_capita:.2f}",
                f"{100 * c.share_of_gdp:.3f}",
                f"{c.personnel_per_million_population:.1f}",
            )
        console.print(ct)
    if r.requests:
        from forceplan.sustain.requests import month_ranges

        rt = Table(title="What to ask for next")
        for col in ("#", "ask", "of", "for", "months", "unit-months"):
            rt.add_column(col, justify="right" if col in ("#", "unit-months") else "left")
        for q in r.requests:
            span = month_ranges(q.months)
            rt.add_row(str(q.rank), q.kind, q.nation_name, q.capability_name, span, str(q.unit_months))
        console.print(rt)
    h = r.handover_assessment
    if h is not None:
        ht = Table(title=f"Worst handover month {h.month}: {h.rotating_personnel:,} personnel rotating")
        for col in ("threat", "P normal", "P in handover"):
            ht.add_column(col, justify="left" if col == "threat" else "right")
        for t in h.threats:
            ht.add_row(t.name, f"{t.p_normal:.2f}", f"{t.p_handover:.2f}")
        console.print(ht)


def sustain(
    scenario: ScenarioArg = "ukraine-2025",
    years: Annotated[int, typer.Option(help="Horizon in years (1-20)", min=1, max=20)] = 3,
    status: Annotated[
        str, typer.Option(help=f"Count pledges at this status or later: {', '.join(STATUSES)}")
    ] = "offered",
    without: Without = None,
    us_backstop: UsBackstop = False,
    assess_handover: Annotated[
        bool,
        typer.Option("--assess", help="Assess deterrence in the worst handover month (reduced readiness)"),
    ] = False,
    trials: AssessTrials = 1000,
    seed: Seed = SEED,
    threat: Threat = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the result as JSON (schema forceplan.sustain/1)")
    ] = None,
) -> None:
    """Keep the force up month by month over years: personnel deployed and required, the gaps by capability,
    each nation's rotation pool and the month it runs out, the cost per nation and year (rotation and forward
    stationing), and the requests that would close the gaps first."""
    from forceplan.forcegen import Options
    from forceplan.scenario.model import PledgeStatus
    from forceplan.sustain import sustain_force

    sc = load_or_exit(scenario)
    if status not in STATUSES:
        fail(f"--status {status!r} is not a pledge status", f"use one of {', '.join(STATUSES)}")
    opts = Options(min_status=PledgeStatus(status), without=nation_codes(sc, without), us_backstop=us_backstop or None)
    threats = threat_ids(sc, threat)
    months = 12 * years

    def run(progress: Callable[[int, int], None] | None) -> SustainResult:
        return sustain_force(
            sc,
            years,
            opts,
            progress=progress,
            assess_trials=trials if assess_handover else None,
            threats=threats,
            seed=seed,
        )

    if months >= LONG_HORIZON_MONTHS:
        with progress_bar() as bar:
            task = bar.add_task("months", total=months)
            result = run(lambda m, n: bar.update(task, completed=m))
    else:
        result = run(None)
    print_result(result)
    if json_file is not None:
        write_atomic(json_file, result.to_json() + "\n")
        console.print(f"wrote {json_file}")
