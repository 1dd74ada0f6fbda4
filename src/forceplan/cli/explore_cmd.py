"""``forceplan explore``: experiments over what nobody knows, on a Dask cluster."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from forceplan.cli.common import InterruptedKept, console, err_console, fail, load_or_exit, progress_bar, write_atomic
from forceplan.cli.options import ScenarioArg, Seed

OUTPUTS = frozenset({"experiments.parquet", "summary.json", "explore.html", "explore.pdf"})
SOBOL_MIN_N = 8
"""The fewest base samples of a Sobol design the command accepts: below it the estimators and their bootstrap
intervals are noise."""


def _clean(v: Any) -> Any:
    """JSON without NaN or infinity (null instead)."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


def explore(
    scenario: ScenarioArg = "ukraine-2025",
    design: Annotated[
        str, typer.Option(help="lhs (Latin hypercube), sobol (Saltelli, for Sobol indices) or full")
    ] = "lhs",
    n: Annotated[
        int,
        typer.Option(
            "--n",
            min=1,
            max=100_000,
            help="Futures (lhs); base samples (sobol: a power of 2, at least 8; n × (D + 2) futures)",
        ),
    ] = 16,
    trials: Annotated[int, typer.Option(min=100, max=200_000, help="Assessment trials per experiment")] = 1000,
    response_trials: Annotated[
        int, typer.Option(min=10, max=200_000, help="Response-timeline trials per experiment")
    ] = 200,
    seed: Seed = 0,
    scheduler: Annotated[
        str, typer.Option(help="'local' (a LocalCluster on 127.0.0.1) or a scheduler address tcp://HOST:8786")
    ] = "local",
    workers: Annotated[int, typer.Option(min=1, max=512, help="Worker processes of the local cluster")] = 2,
    lever: Annotated[
        list[str] | None,
        typer.Option(
            "--lever",
            help="NAME=V1,V2: lever values to explore (the levers are listed above); default the three postures",
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="A posture deters in a future when the worst threat's P ≤ this; default the scenario's "
            "deterrence threshold (the line the plan's verdicts use)",
        ),
    ] = None,
    ask: Annotated[
        int, typer.Option("--ask", min=0, max=100, help="Rank the next K capability requests to nations")
    ] = 0,
    ask_from: Annotated[
        str | None, typer.Option(help="Capability ids the requests are chosen from (comma-separated); default all")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for experiments.parquet, summary.json, explore.html")] = Path(
        "explore-out"
    ),
    resume: Annotated[bool, typer.Option("--resume", help="Keep the experiments an interrupted run finished")] = False,
    pdf: Annotated[bool, typer.Option(help="Print explore.pdf with headless Chromium when installed")] = False,
) -> None:
    """Explore which force deters across what nobody knows: uncertainties × levers → outcomes on Dask; Sobol
    indices, PRIM boxes, robustness, and the next capability requests.

    Levers (--lever NAME=V1,V2): posture (reassurance, tripwire, forward), personnel_cap, us_backstop,
    strikes_into_aggressor.

    Each experiment runs the plan's pipeline as a function of its policy, its future's inputs (the pledge failures
    too: a failure-draw input) and the seed, so results do not depend on the workers or on the order of the rows.
    Ctrl-C keeps the finished experiments in OUT.partial/ (rerun with --resume)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from forceplan import __version__
    from forceplan.cluster.runner import run_on_dask
    from forceplan.explore.experiments import plan_exploration, policy_label, summarise, table
    from forceplan.explore.space import DESIGNS, default_policies, describe_policy, parse_lever
    from forceplan.report.explore_html import ask_sentences, first_upper, render_explore
    from forceplan.scenario import scenario_digest
    from forceplan.stagecache import code_fingerprint

    if design not in DESIGNS:
        fail(f"unknown design {design!r}", f"use one of {', '.join(DESIGNS)}")
    if design == "sobol" and n & (n - 1):
        fail(f"--n {n}: a Sobol design needs a power of 2", "for example --n 16")
    if design == "sobol" and n < SOBOL_MIN_N:
        fail(
            f"--n {n}: a Sobol design needs at least {SOBOL_MIN_N} base samples; with fewer its indices and their "
            "bootstrap intervals mean nothing (an index of -4 was seen at --n 1)",
            "for example --n 16 (each base sample is D + 2 futures)",
        )
    sc = load_or_exit(scenario)
    threshold = sc.deterrence_threshold if threshold is None else threshold
    choices = default_policies(sc)
    for text in lever or []:
        try:
            name, values = parse_lever(text, sc)
        except ValueError as exc:
            fail(str(exc))
        choices[name] = values
    cands = [c.strip() for c in (ask_from or "").split(",") if c.strip()]
    known = {c.id for c in sc.capabilities}
    for c in cands:
        if c not in known:
            fail(f"--ask-from: unknown capability {c!r}", "list them with 'forceplan scenario ids --kind capability'")
    try:
        plan = plan_exploration(sc, design, n, seed, choices, ask, cands or None)
    except ValueError as exc:
        fail(str(exc))
    if out.exists() and any(p.name not in OUTPUTS for p in out.iterdir()):
        fail(f"{out} holds other files", "choose a new folder, or empty it")
    partial = out.with_name(out.name + ".partial")
    state = partial / "results.jsonl"
    digest = scenario_digest(sc)
    # The code's fingerprint too: results of another forceplan version are never combined with this one's.
    key = {
        "scenario_digest": digest, "design": design, "n": n, "seed": seed, "trials": trials, "ask": ask,
        "response_trials": response_trials, "choices": {k: list(v) for k, v in choices.items()}, "ask_from": cands,
        "code": code_fingerprint(),
    }  # fmt: skip
    results: dict[int, dict[str, Any]] = {}
    errors: dict[int, str] = {}
    if resume and state.exists():
        lines = state.read_text(encoding="utf-8").splitlines()
        first = json.loads(lines[0]) if lines else None
        if first != key:
            fail(
                f"{partial} is from another exploration (scenario, design, seed, trials or forceplan's version differ)",
                "rerun without --resume, or with the same options",
            )
        for line in lines[1:]:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by the interruption
            results[int(rec["index"])] = rec["outcomes"]
        console.print(f"resuming: {len(results)} of {len(plan.tasks)} experiments already done")
    else:
        partial.mkdir(parents=True, exist_ok=True)
        write_atomic(state, json.dumps(key, sort_keys=True) + "\n")
    todo = [t for t in plan.tasks if t.index not in results]
    stats = None
    try:
        with open(state, "a", encoding="utf-8") as log, progress_bar() as bar:
            task_id = bar.add_task("experiments", total=len(plan.tasks), completed=len(results))

            def on_result(t: Any, outcomes: dict[str, Any] | None, error: str | None) -> None:
                if outcomes is not None:
                    results[t.index] = outcomes
                    log.write(json.dumps({"index": t.index, "outcomes": _clean(outcomes)}) + "\n")
                    log.flush()
                else:
                    errors[t.index] = error or "failed"
                bar.update(task_id, advance=1)

            if todo:
                stats = run_on_dask(sc, todo, seed, trials, response_trials, scheduler, workers, on_result)
    except KeyboardInterrupt:
        raise InterruptedKept(
            f"interrupted: {len(results)} of {len(plan.tasks)} experiments kept in {partial}; rerun with --resume "
            "to finish them"
        ) from None
    except OSError as exc:
        fail(f"cannot reach the Dask scheduler {scheduler!r}: {exc}", "check the address, or use --scheduler local")
    # NaN for outcomes that a resumed JSON line stored as null
    for r in results.values():
        for k, v in r.items():
            if v is None:
                r[k] = math.nan
    cols = table(plan, results, errors, seed)
    summary = summarise(sc, plan, cols, seed, threshold, ask)
    meta = {
        "scenario": sc.name, "scenario_digest": digest, "design": design, "futures": len(plan.points),
        "policies": len(plan.policies), "experiments": len(plan.points) * len(plan.policies),
        "asks": len(plan.tasks) - len(plan.points) * len(plan.policies), "trials": trials,
        "response_trials": response_trials, "seed": seed, "workers": stats.workers if stats else workers,
        "failed": len(errors), "forceplan_version": __version__,
    }  # fmt: skip
    failures = [{"index": t.index, "kind": t.kind, "future": t.future, "policy": t.policy, "point": t.point,
                 "error": errors[t.index]} for t in plan.tasks if t.index in errors]  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    table_pa = pa.table(cols)
    tmp = out / ".experiments.parquet.tmp"
    pq.write_table(table_pa, tmp, compression="zstd")
    tmp.replace(out / "experiments.parquet")
    doc = {"meta": meta, "uncertainties": [u.__dict__ for u in plan.uncertainties],
           "policies": plan.policies, "failures": failures, **summary}  # fmt: skip
    write_atomic(out / "summary.json", json.dumps(_clean(doc), indent=1, sort_keys=True) + "\n")
    described = [{"label": policy_label(p), "description": describe_policy(p)} for p in plan.policies]
    html = render_explore(
        f"{sc.name}: which force deters across what we do not know",
        meta,
        cols,
        _clean(summary),
        sc=sc,
        policies=described,
        uncertainties=plan.uncertainties,
    )
    write_atomic(out / "explore.html", html)
    if pdf:
        from forceplan.cli.plan_cmd import print_pdf

        note = print_pdf(out / "explore.html", out / "explore.pdf")
        if note:
            console.print(note, style="yellow")
    import shutil

    shutil.rmtree(partial, ignore_errors=True)
    for r in summary["robustness"]:
        console.print(
            f"{first_upper(r['policy'])}: deters (worst threat's chance ≤ {100 * threshold:.0f} %) in "
            f"{r['meeting_threshold']} of {r['futures']} futures ({100 * r['share_meeting_threshold']:.0f} %, 95 % "
            f"interval {100 * r['share_ci_low']:.0f}-{100 * r['share_ci_high']:.0f} %); mean chance "
            f"{100 * r['p_worst_mean']:.0f} %; largest regret {100 * r['regret_max']:.1f} points"
        )
    for rank, text in enumerate(ask_sentences(_clean(summary)), start=1):
        console.print(f"ask {rank}: {text}")
    if stats:
        eff = sum(stats.task_s) / (stats.wall_s * stats.workers) if stats.wall_s else 0
        console.print(f"{len(todo)} tasks on {stats.workers} worker(s) in {stats.wall_s:.1f} s "
                      f"(busy {100 * eff:.0f} % of the time, cluster start included)")  # fmt: skip
    console.print(f"wrote {out / 'experiments.parquet'}, {out / 'summary.json'}, {out / 'explore.html'}")
    if errors:
        for f in failures:
            err_console.print(f"failed after a retry: task {f['index']} ({f['kind']}, future {f['future']}, "
                              f"{f['policy']}): {f['error']}")  # fmt: skip
        raise typer.Exit(1)
