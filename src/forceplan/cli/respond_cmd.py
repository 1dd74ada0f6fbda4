"""``forceplan respond``: if the ceasefire breaks, when each response takes effect on each axis."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from forceplan.cli.common import (
    console,
    load_or_exit,
    progress_bar,
    table,
    write_atomic,
    write_csv_tables,
)
from forceplan.cli.options import (
    Case,
    ResponseTrials,
    ScenarioArg,
    Seed,
    Threat,
    UsBackstop,
    Without,
    base_options,
    case_options,
    threat_ids,
)
from forceplan.defaults import RESPONSE_TRIALS, SEED
from forceplan.names import case_words, in_words, short_threat
from forceplan.names import label as name_of

if TYPE_CHECKING:
    from forceplan.scenario import Scenario
    from forceplan.timeline import RespondResult
    from forceplan.timeline.result import Quantiles


def _q(q: Quantiles) -> str:
    if q.p50 is None:
        return "never"
    return (
        f"{q.p50:,.0f} h ({q.p10:,.0f}-{q.p90:,.0f})" if q.p90 is not None else f"{q.p50:,.0f} h ({q.p10:,.0f}-never)"
    )


def print_result(r: RespondResult, sc: Scenario | None = None) -> None:
    from rich.text import Text

    mode = "deterministic (modes)" if r.deterministic else f"{r.trials:,} trials, seed {r.seed}"
    console.rule(Text(f"Response timelines: {r.scenario}", style="bold"))
    console.print(f"{mode}; t = 0 when the violation is detected; times as P50 (P10-P90) hours")
    if r.decision_delay_h is not None:
        console.print(f"what-if: decision delay fixed at {r.decision_delay_h:g} h")
    for th in r.threats:
        t = table(title=f"{th.name} (attack {th.warning_time_h:+g} h after detection)")
        for col in (
            "option",
            "elements",
            "out of reach",
            "combat power",
            "first effect",
            "50 % of power",
            "100 % of power",
        ):
            t.add_column(col, justify="left" if col == "option" else "right")
        for c in th.options:
            t.add_row(
                name_of("option", c.option),
                str(c.elements),
                str(c.unreachable),
                f"{c.combat_power:.1f}",
                _q(c.first_effect_h),
                _q(c.half_power_h),
                _q(c.full_power_h),
            )
        console.print(t)
        b = th.buildup
        marks = [0, 24, 72, 168, 336, 720]
        console.print(
            "  defender combat power P50 (P10-P90): "
            + "; ".join(f"{h // 24 if h else 0} d {b.p50[h]:.1f} ({b.p10[h]:.1f}-{b.p90[h]:.1f})" for h in marks)
        )
        for bn in th.bottlenecks:
            console.print(f"  bottleneck {bn.name}: {bn.units_queued} units, longest wait {_q(bn.max_wait_h)}")
        guards = [w for w in th.withheld if "guard" in w]
        if guards:
            shown = in_words("; ".join(guards[:4]), sc)
            console.print(
                f"  stay behind as guards of protected sites: {len(guards)} units ({shown}"
                + (", ..." if len(guards) > 4 else "")
                + ")"
            )


def write_csv(r: RespondResult, out_dir: Path) -> list[Path]:
    files: dict[str, tuple[list[str], list[list[object]]]] = {
        "options": (
            [
                "threat",
                "option",
                "elements",
                "unreachable",
                "combat_power",
                "first_p10",
                "first_p50",
                "first_p90",
                "half_p50",
                "full_p50",
            ],
            [
                [
                    th.threat,
                    c.option,
                    c.elements,
                    c.unreachable,
                    c.combat_power,
                    c.first_effect_h.p10,
                    c.first_effect_h.p50,
                    c.first_effect_h.p90,
                    c.half_power_h.p50,
                    c.full_power_h.p50,
                ]
                for th in r.threats
                for c in th.options
            ],
        ),
        "elements": (
            ["threat", "element", "option", "label", "combat_power", "reachable", "p10_h", "p50_h", "p90_h"],
            [
                [
                    th.threat,
                    e.id,
                    e.option,
                    e.label,
                    e.combat_power,
                    e.reachable,
                    e.effect_h.p10,
                    e.effect_h.p50,
                    e.effect_h.p90,
                ]
                for th in r.threats
                for e in th.elements
            ],
        ),
        "buildup": (
            ["threat", "hour", "p10", "p50", "p90"],
            [
                [th.threat, h, th.buildup.p10[h], th.buildup.p50[h], th.buildup.p90[h]]
                for th in r.threats
                for h in th.buildup.hours
            ],
        ),
    }
    return write_csv_tables(out_dir, files)


def _p50(q: object) -> str:
    v = getattr(q, "p50", None)
    return "never" if v is None else f"{v:,.0f}"


def respond_cmd(
    scenario: ScenarioArg = "ukraine-2025",
    threat: Threat = None,
    trials: ResponseTrials = RESPONSE_TRIALS,
    seed: Seed = SEED,
    deterministic: Annotated[bool, typer.Option("--deterministic", help="Use the modes, one trial")] = False,
    decision_delay_h: Annotated[float | None, typer.Option(help="What-if: fix the decision delay, h", min=0)] = None,
    without: Without = None,
    us_backstop: UsBackstop = False,
    case: Case = None,
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the result as JSON")] = None,
    csv_dir: Annotated[Path | None, typer.Option("--csv", help="Write CSV tables into this folder")] = None,
) -> None:
    """Response cards per threat: when in-theatre forces, reinforcements, air power, long-range fires, stockpiles
    and naval forces take effect (P10/P50/P90 hours), build-up curves and entry-node bottlenecks."""
    from forceplan.timeline import respond

    sc = load_or_exit(scenario)
    threat = threat_ids(sc, threat)
    cases = case_options(sc, base_options(sc, without, us_backstop), case)
    n = len(threat or sc.threats) * len(cases)
    results = []
    with progress_bar() as bar:
        task = bar.add_task("force generation and stationing", total=n)
        for label, opts in cases:

            def step(tid: str, label: str = label) -> None:
                bar.update(task, description=f"simulating {tid} ({label})", advance=1)

            r_case = respond(sc, threat, trials, seed, deterministic, decision_delay_h, opts, progress=step)
            results.append((label, r_case))
    r = results[0][1]
    print_result(r, sc)
    if len(results) > 1:
        t = table(title="What-if cases: first effect of each option, P50 hours after detection")
        t.add_column("case")
        t.add_column("threat")
        opts_seen = sorted({c.option for _, rr in results for th in rr.threats for c in th.options})
        for o in opts_seen:
            t.add_column(name_of("option", o).lower(), justify="right")
        for label, rr in results:
            for th in rr.threats:
                by = {c.option: c for c in th.options}
                t.add_row(
                    case_words(label, sc),
                    short_threat(th.name),
                    *[_p50(by[o].first_effect_h) if o in by else "-" for o in opts_seen],
                )
        console.print(t)
    if json_file is not None:
        write_atomic(json_file, r.to_json() + "\n")
        console.print(f"wrote {json_file}")
    if csv_dir is not None:
        for p in write_csv(r, csv_dir):
            console.print(f"wrote {p}")
