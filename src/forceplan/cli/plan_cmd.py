"""``forceplan plan`` (the main job) and ``forceplan phases``."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from forceplan.cli.common import (
    console,
    fail,
    limit_malloc_arenas,
    load_log_records,
    load_or_exit,
    progress_bar,
    table,
    write_atomic,
)
from forceplan.cli.options import (
    AssessTrials,
    Case,
    ScenarioArg,
    Seed,
    Threat,
    UsBackstop,
    Without,
    base_options,
    case_options,
    threat_ids,
)
from forceplan.defaults import ASSESS_TRIALS, RESPONSE_TRIALS, SEED
from forceplan.fsutil import InputFileError, check_output_folder, output_folder
from forceplan.names import case_words, hours_text, short_threat, what_if_words

if TYPE_CHECKING:
    from forceplan.plan import PlanResult
    from forceplan.scenario import Scenario


BRIEF = {
    "in_theatre": "in place",
    "reinforcements": "reinforcements",
    "air_power": "air",
    "long_range_fires": "strikes",
    "stockpile_release": "stockpiles",
    "naval": "naval",
}
"""Response options in the summary's few words (the report names them in full, with P10-P90)."""


def print_summary(p: PlanResult, sc: Scenario) -> None:
    """Ukraine's three questions in one table: troop size, location, and for each threat the attacker's chance and
    how swiftly each option would first act (median; the report gives P10-P90); then each what-if case against
    this plan."""
    t = p.forcegen.totals
    assumed = what_if_words(p.meta.without, p.meta.us_backstop, sc)
    tab = table(title=f"The plan: {p.meta.scenario}" + (f" ({assumed})" if assumed else ""))
    tab.add_column("question", max_width=24)
    tab.add_column("answer")
    tab.add_row(
        "troop size",
        f"{t.personnel_matched:,} personnel in {t.units_matched}/{t.units_required} units "
        f"({100 * t.fill_fraction:.0f} %), {t.nations_contributing} nations; cap {t.personnel_cap:,}",
    )
    cov = sum(c.covered for c in p.stationing.coverage)
    tab.add_row(
        "location",
        f"{len(p.stationing.garrisons)} garrisons ≥ {p.stationing.standoff_km:g} km from the "
        f"line; {cov}/{len(p.stationing.coverage)} protected sites covered",
    )
    cards = {r.threat: {c.option: c for c in r.options if c.elements} for r in p.response.threats}
    for a in p.assessment.threats:
        swift = ", ".join(
            f"{BRIEF[o]} {hours_text(c.first_effect_h.p50)}" for o, c in cards.get(a.threat, {}).items() if o in BRIEF
        )
        tab.add_row(
            short_threat(a.name),
            f"attacker reaches its objective in 30 days: {a.p_reached.p:.2f} [{a.p_reached.ci_low:.2f}-"
            f"{a.p_reached.ci_high:.2f}]: {a.verdict}" + (f"; first help (median): {swift}" if swift else ""),
        )
    base_p = {a.threat: a.p_reached.p for a in p.assessment.threats}
    for case in p.cases:
        worst = max(case.threats, key=lambda x: x.p, default=None)
        text = f"{case.personnel_matched:,} personnel ({case.personnel_matched - t.personnel_matched:+,})"
        if worst is not None:
            name = next((short_threat(a.name) for a in p.assessment.threats if a.threat == worst.threat), worst.threat)
            text += f"; highest chance {worst.p:.2f} on the {name}"
            if worst.threat in base_p:
                text += f" (this plan {base_p[worst.threat]:.2f})"
        tab.add_row(f"what if: {case_words(case.label, sc)}", text)
    console.print(tab)


def print_pdf(html: Path, pdf: Path) -> str | None:
    """Print a page to PDF in headless Chromium (started for it); returns why not, or None when done."""
    from forceplan.cli.pdf import print_pdf as print_once

    return print_once(html, pdf)


def peak_memory() -> str:
    """The run.log line of this process's peak resident memory (Chromium, a separate process, not included)."""
    import resource

    return f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (this process)"


PLAN_OUTPUTS = frozenset({"plan.json", "report.html", "report.pdf", "run.log"})
"""What a plan run writes: a folder holding only these is an earlier run's, replaced without --force."""


def plan(
    scenario: ScenarioArg = "ukraine-2025",
    out: Annotated[Path, typer.Option(help="Folder for plan.json, report.html, report.pdf, run.log")] = Path("out"),
    trials: AssessTrials = ASSESS_TRIALS,
    response_trials: Annotated[
        int, typer.Option(help="Response-timeline trials (as respond --trials)", min=10, max=200_000)
    ] = RESPONSE_TRIALS,
    seed: Seed = SEED,
    threat: Threat = None,
    without: Without = None,
    us_backstop: UsBackstop = False,
    case: Case = None,
    log: Annotated[Path | None, typer.Option("--log", help="Incident log to evaluate the phase gates")] = None,
    pdf: Annotated[bool, typer.Option(help="Print report.pdf with headless Chromium when installed")] = True,
    force: Annotated[bool, typer.Option("--force", help="Replace an --out folder that holds other files")] = False,
    cache: Annotated[
        bool,
        typer.Option(
            help="Reuse stage results of earlier runs with the same inputs (kept in the folder named by "
            "FORCEPLAN_CACHE_DIR, else in ~/.cache/forceplan; FORCEPLAN_CACHE=off turns it off)"
        ),
    ] = True,
) -> None:
    """The whole analysis: force generation → stationing → response timelines → deterrence assessment → phased
    plan; writes plan.json and a self-contained report.html (and report.pdf)."""
    from forceplan.cli.pdf import PdfPrinter
    from forceplan.report.assets import AssetsMissing, check_assets
    from forceplan.stagecache import StageCache

    limit_malloc_arenas()  # before any thread starts
    sc = load_or_exit(scenario)
    try:
        check_assets()
    except AssetsMissing as exc:
        fail(str(exc), "run 'make assets' (needs node and npm) once")
    threat = threat_ids(sc, threat)
    records = load_log_records(log)
    opts = base_options(sc, without, us_backstop)
    cases = case_options(sc, opts, case)[1:]
    timings: list[str] = []
    stages = StageCache.from_environment(cache)
    t_start = time.perf_counter()
    try:
        check_output_folder(out, force, PLAN_OUTPUTS)
    except InputFileError as exc:
        fail(str(exc))
    # The browser starts now, in the background, so its start-up overlaps the computation; leaving the block (done,
    # an error, Ctrl-C) shuts it down. Everything is written into a temporary folder beside --out and renamed into
    # place at the end: a folder never mixes two runs, and Ctrl-C (exit 130) or an error leaves no partial output.
    with (
        PdfPrinter() if pdf else contextlib.nullcontext() as printer,
        output_folder(out, force, PLAN_OUTPUTS) as tmp,
    ):
        # Imported once the browser is starting: the imports (about 0.4 s) overlap its start-up too.
        from forceplan.plan import incident_log_summary, plan_stages, run_plan
        from forceplan.report.html import render_report

        with progress_bar() as bar:
            task = bar.add_task("starting", total=len(plan_stages(sc, opts)) + len(cases))
            last = [time.perf_counter()]
            beside: dict[str, float] = {}

            def stage(name: str | None) -> None:
                now = time.perf_counter()
                if bar.tasks[0].completed:
                    done = bar.tasks[0].description
                    reused = " (from the stage cache)" if done in stages.hits else ""
                    if done in beside:  # computed on a second thread while the main chain ran
                        timings.append(
                            f"{done}: {beside[done]:.2f} s{reused}, beside the main chain "
                            f"(it waited {now - last[0]:.2f} s for it)"
                        )
                    else:
                        timings.append(f"{done}: {now - last[0]:.2f} s{reused}")
                last[0] = now
                if name is not None:
                    bar.update(task, description=name, advance=1)

            summary = incident_log_summary(log, len(records)) if log is not None and records is not None else None
            result = run_plan(
                sc, opts, response_trials, trials, seed, threat, records, progress=stage, cases=cases,
                incident_log=summary, cache=stages, beside=beside,
            )  # fmt: skip
            stage(None)  # the last stage's time
            announced = {line.split(":")[0] for line in timings}
            timings += [
                f"{name}: {secs:.2f} s, beside the main chain" for name, secs in beside.items() if name not in announced
            ]
        # The answer first: the table is shown as soon as the analysis is done; the report and the PDF follow (about
        # 0.3 s and 1-1.5 s) and the "wrote ..." line says when the files are in place.
        print_summary(result, sc)
        t_report = time.perf_counter()
        with console.status("writing the report"):
            html = render_report(sc, result)
        timings.append(f"report: {time.perf_counter() - t_report:.2f} s")
        write_atomic(tmp / "plan.json", result.to_json() + "\n")
        write_atomic(tmp / "report.html", html)
        t_pdf = time.perf_counter()
        if printer:
            with console.status("printing report.pdf"):
                note = printer.print_pdf(tmp / "report.html", tmp / "report.pdf")
            timings.append(f"report.pdf: {time.perf_counter() - t_pdf:.2f} s (browser started while the plan computed)")
        else:
            note = "report.pdf not requested"
        total = time.perf_counter() - t_start
        log_text = "\n".join([*timings, f"total: {total:.2f} s", f"pdf: {note or 'written'}", peak_memory()]) + "\n"
        write_atomic(tmp / "run.log", log_text)
    console.print(
        f"wrote {out / 'plan.json'}, {out / 'report.html'}"
        + ("" if note else f", {out / 'report.pdf'}")
        + f" in {total:.1f} s"
    )
    if note:
        console.print(note, style="yellow")


def phases(
    scenario: ScenarioArg = "ukraine-2025",
    log: Annotated[Path | None, typer.Option("--log", help="Incident log to evaluate the gates against")] = None,
    without: Without = None,
    us_backstop: UsBackstop = False,
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the phases as JSON")] = None,
) -> None:
    """The phased plan: each phase's force package, the earliest day it can be complete, and its gate."""
    from forceplan.forcegen import match_force
    from forceplan.plan import plan_phases
    from forceplan.stationing import station_force

    sc = load_or_exit(scenario)
    records = load_log_records(log)
    opts = base_options(sc, without, us_backstop)
    fg = match_force(sc, opts)
    result = plan_phases(sc, fg, station_force(sc, fg), opts, records)
    t = table(title="Phases")
    for col in ("phase", "starts (day)", "units", "personnel", "complete by (day)", "gate"):
        t.add_column(col)
    for ph in result:
        t.add_row(
            ph.name,
            f"{ph.start_day:g}",
            f"{ph.units_matched}/{ph.units_required}",
            f"{ph.personnel_matched:,}",
            "-" if ph.earliest_complete_day is None else f"{ph.earliest_complete_day:g}",
            ph.gate.detail if ph.gate else "-",
        )
    console.print(t)
    if json_file is not None:
        write_atomic(json_file, json.dumps([ph.model_dump() for ph in result], indent=2) + "\n")
