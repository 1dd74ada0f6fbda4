"""``forceplan engage``, ``forceplan calibrate`` and ``forceplan assess``."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forceplan.cli.common import console, fail, load_or_exit, progress_bar, report_problems, table, write_atomic
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
from forceplan.defaults import ASSESS_TRIALS, SEED
from forceplan.names import in_words, short_threat

if TYPE_CHECKING:
    from forceplan.engagement.assess import AssessResult
    from forceplan.engagement.calibrate import Skill
    from forceplan.scenario import Scenario
    from forceplan.timeline.result import Quantiles


def _q(q: Quantiles, unit: str = "") -> str:
    if q.p50 is None:
        return "-"
    hi = f"{q.p90:.1f}" if q.p90 is not None else "never"
    return f"{q.p50:.1f}{unit} ({q.p10:.1f}-{hi})"


def engage(
    file: Annotated[Path, typer.Argument(help="Engagement YAML (law, days, dt_hours, attacker, defender ...)")],
    trials: Annotated[int, typer.Option(help="Monte Carlo trials (1: deterministic)", min=1, max=1_000_000)] = 1,
    seed: Annotated[int, typer.Option(help="Random seed", min=0)] = 0,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Per-step trajectory (trial 0 or the median)")] = None,
    json_file: Annotated[Path | None, typer.Option("--json", help="Summary as JSON")] = None,
) -> None:
    """Run one engagement: Lanchester attrition, reinforcements, advance and breakpoints."""
    import numpy as np

    from forceplan.engagement import load_engage, run_spec
    from forceplan.scenario import ScenarioError

    try:
        spec = load_engage(file)
    except ScenarioError as exc:
        report_problems(exc)
    stride = 1 if trials <= 2000 else max(1, round(24 / spec.dt_hours))
    out = run_spec(spec, trials, seed, record_every_steps=stride)
    n = len(out.reached)
    t_days = out.record_h / 24.0
    a_path = out.attacker_path[0] if n == 1 else np.median(out.attacker_path, axis=0)
    d_path = out.defender_path[0] if n == 1 else np.median(out.defender_path, axis=0)
    x_path = out.penetration_path[0] if n == 1 else np.median(out.penetration_path, axis=0)
    summary = {
        "file": str(file),
        "trials": n,
        "seed": seed,
        "law": spec.law or f"p={spec.p}, q={spec.q}",
        "attacker_end_p50": float(np.median(out.attacker_end)),
        "defender_end_p50": float(np.median(out.defender_end)),
        "attacker_losses_p50": float(np.median(out.attacker_losses)),
        "defender_losses_p50": float(np.median(out.defender_losses)),
        "p_objective_reached": float(out.reached.mean()) if spec.advance else None,
    }
    console.print(f"{n} trial(s), {spec.days:g} days in steps of {spec.dt_hours:g} h, law {summary['law']}")
    t = table(title="Strength (median over trials)")
    for col in ("day", "attacker", "defender") + (("penetration km",) if spec.advance else ()):
        t.add_column(col, justify="right")
    per_day = max(1, round(24 / (spec.dt_hours * stride)))
    for r in range(0, len(t_days), per_day):
        row = [f"{t_days[r]:g}", f"{a_path[r]:,.1f}", f"{d_path[r]:,.1f}"]
        t.add_row(*row, *([f"{x_path[r]:.1f}"] if spec.advance else []))
    console.print(t)
    if spec.advance:
        console.print(f"P(objective reached) = {summary['p_objective_reached']:.3f}")
    if csv_file is not None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["t_days", "attacker", "defender"] + (["penetration_km"] if spec.advance else []))
        for r in range(len(t_days)):
            w.writerow(
                [f"{t_days[r]:.6g}", f"{a_path[r]:.6f}", f"{d_path[r]:.6f}"]
                + ([f"{x_path[r]:.6f}"] if spec.advance else [])
            )
        write_atomic(csv_file, buf.getvalue())
        console.print(f"wrote {csv_file}")
    if json_file is not None:
        write_atomic(json_file, json.dumps(summary, indent=2) + "\n")
        console.print(f"wrote {json_file}")


def calibrate(
    data: Annotated[Path | None, typer.Argument(help="CSV with day, force_a, force_b, loss_a, loss_b")] = None,
    law: Annotated[str, typer.Option(help="square, linear or logarithmic (exponents held)")] = "square",
    fit_exponents: Annotated[bool, typer.Option("--fit-exponents", help="Fit p and q as well (nls)")] = False,
    method: Annotated[str, typer.Option(help="loglinear or nls")] = "loglinear",
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for nls intervals", min=0)] = 500,
    seed: Annotated[int, typer.Option(help="Bootstrap seed", min=0)] = 0,
    cdb90: Annotated[bool, typer.Option("--cdb90", help="Fit attacker success on CDB90 and derive defaults")] = False,
    validate: Annotated[
        bool,
        typer.Option("--validate", help="With --cdb90: held-out skill, battles outside CDB90, the engine on history"),
    ] = False,
    trials_per_battle: Annotated[
        int, typer.Option(help="Engine trials per battle (--validate)", min=10, max=5000)
    ] = 200,
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the fit as JSON")] = None,
) -> None:
    """Fit attrition coefficients (and exponents) to daily battle data, or the CDB90 success model; with
    --cdb90 --validate, judge the outcome model out of sample (one war held out at a time, and battles outside CDB90)
    and the engine against history: exit 1 if the model does not beat a constant forecast or a band leaves its CI."""
    from forceplan.engagement.calibrate import DataError, fit_loglinear, fit_nls, read_daily
    from forceplan.engagement.engine import LAWS

    if validate and not cdb90:
        fail("--validate needs --cdb90", "run: forceplan calibrate --cdb90 --validate")
    if cdb90:
        out = _cdb90_report(validate, trials_per_battle, seed)
    else:
        if data is None:
            fail("give a daily data CSV, or --cdb90", "columns: day, force_a, force_b, loss_a, loss_b")
        if law not in LAWS:
            fail(f"--law {law!r} is not a law", f"use one of {', '.join(LAWS)}")
        if method not in ("loglinear", "nls"):
            fail(f"--method {method!r} is not a method", "use loglinear or nls")
        try:
            daily = read_daily(data)
            if method == "loglinear":
                ll = fit_loglinear(daily)
                console.print(
                    f"log-linear fit on {ll.days_used} days: ln(loss_a/loss_b) = {ll.intercept:.4f} + "
                    f"{ll.slope:.4f} ln(force_b/force_a), R² {ll.r2:.3f}"
                )
                console.print(f"  k_b/k_a = {ll.k_ratio:.4f}; p − q = {ll.slope:.4f}")
                out = {
                    "method": "loglinear",
                    "intercept": ll.intercept,
                    "slope_p_minus_q": ll.slope,
                    "r2": ll.r2,
                    "days_used": ll.days_used,
                    "k_b_over_k_a": ll.k_ratio,
                }
            else:
                nl = fit_nls(daily, LAWS[law], fit_exponents, bootstrap, seed)
                console.print(
                    f"nls fit on {nl.days_used} days: k_a {nl.k_a:.5g}, k_b {nl.k_b:.5g}, p {nl.p:.4g}, "
                    f"q {nl.q:.4g}; RMSE {nl.rmse:.4g}"
                )
                for k, (lo, hi) in nl.ci.items():
                    console.print(f"  {k}: 95 % bootstrap interval [{lo:.5g}, {hi:.5g}] ({nl.bootstrap} resamples)")
                out = {
                    "method": "nls",
                    "k_a": nl.k_a,
                    "k_b": nl.k_b,
                    "p": nl.p,
                    "q": nl.q,
                    "ci95": {k: list(v) for k, v in nl.ci.items()},
                    "rmse": nl.rmse,
                    "days_used": nl.days_used,
                    "bootstrap": nl.bootstrap,
                    "seed": nl.seed,
                }
        except DataError as exc:
            fail(str(exc), "columns: day, force_a, force_b, loss_a, loss_b (numbers ≥ 0)")
    if json_file is not None:
        write_atomic(json_file, json.dumps(out, indent=2) + "\n")
        console.print(f"wrote {json_file}")
    if cdb90 and validate and not out.get("passed", False):
        console.print(
            "Validation FAILED: the outcome model does not beat a constant forecast out of sample, or the engine's "
            "win rates leave history's intervals (see above)."
        )
        raise typer.Exit(1)


def _cdb90_report(validate: bool, trials_per_battle: int, seed: int) -> dict[str, object]:
    from forceplan.engagement.calibrate import battle_hazard_per_day, cross_validate, derive_defaults, load_cdb90
    from forceplan.engagement.validate import validate_engine

    c = load_cdb90()
    d = derive_defaults(c)
    f = d.fit
    lo, hi = f.slope_ci()
    console.print(
        f"CDB90: {f.battles} battles; P(attacker success) = 1/(1+exp(-({f.b0:.4f} + {f.b1:.4f} ln r))); "
        f"slope 95 % CI [{lo:.2f}, {hi:.2f}]"
    )
    console.print(
        f"lethalities (since 1939): k_A P10/50/90 {d.k_att_p10_p50_p90}, k_D {d.k_def_p10_p50_p90}; "
        f"battle decided at {battle_hazard_per_day(c):.3f} per day"
    )
    out: dict[str, object] = {
        "b0": f.b0,
        "b1": f.b1,
        "b1_ci95": [lo, hi],
        "battles": f.battles,
        "battle_hazard_per_day": battle_hazard_per_day(c),
        "k_att_p10_p50_p90": d.k_att_p10_p50_p90,
        "k_def_p10_p50_p90": d.k_def_p10_p50_p90,
    }
    ov = _outcome_report(seed, validate)
    out["outcome_model"] = ov
    out["exploitation_pace"] = _pace_report()
    if not validate:
        skills = [cross_validate(c, None, "all", seed=seed), cross_validate(c, c.year >= 1939, "since 1939", seed=seed)]
        _print_skill(skills)
        out["skill"] = [_skill_dict(s) for s in skills]
        return out
    with progress_bar() as bar:
        task = bar.add_task("fighting the CDB90 battles (engine and previous engine)", total=None)
        v = validate_engine(trials_per_battle, seed)
        bar.update(task, completed=1, total=1)
    out["validation"] = []
    for sv in v.subsets:
        t = table(
            title=f"Engine against history, in sample (it reproduces its calibration; the held-out check is above): "
            f"{sv.subset} ({sv.battles} battles, {v.trials_per_battle} trials each)"
        )
        for col in ("force ratio", "battles", "history", "95 % CI", "engine", "inside", "previous engine"):
            t.add_column(col, justify="right")
        for b in sv.bands:
            t.add_row(
                b.band,
                str(b.battles),
                f"{100 * b.historical:.0f} %",
                f"{100 * b.ci[0]:.0f}-{100 * b.ci[1]:.0f} %",
                f"{100 * b.engine:.0f} %",
                ("yes" if b.inside else "NO") if b.checked else "(< 30 battles)",
                f"{100 * b.previous_engine:.0f} %" if b.previous_engine is not None else "",
            )
        console.print(t)
        console.print(
            f"  AUC of ln(force ratio): history {sv.historical_auc:.3f} (bootstrap 95 % CI "
            f"{sv.historical_auc_ci[0]:.3f}-{sv.historical_auc_ci[1]:.3f}); engine {sv.engine_auc:.3f}; previous "
            f"engine {sv.previous_engine_auc:.3f} -> {'PASS' if sv.passed else 'FAIL'}"
        )
        out["validation"].append(  # type: ignore[attr-defined]
            {
                "subset": sv.subset,
                "battles": sv.battles,
                "passed": sv.passed,
                "bands": [
                    {
                        "band": b.band,
                        "battles": b.battles,
                        "historical": b.historical,
                        "ci95": list(b.ci),
                        "engine": b.engine,
                        "previous_engine": b.previous_engine,
                        "checked": b.checked,
                        "inside": b.inside,
                    }
                    for b in sv.bands
                ],
                "historical_auc": sv.historical_auc,
                "historical_auc_ci95": list(sv.historical_auc_ci),
                "engine_auc": sv.engine_auc,
                "previous_engine_auc": sv.previous_engine_auc,
            }
        )
    _print_skill([sv.skill for sv in v.subsets])
    out["skill"] = [_skill_dict(sv.skill) for sv in v.subsets]
    out["passed"] = v.passed and bool(ov["passed"])
    return out


def _outcome_report(seed: int, validate: bool) -> dict[str, object]:
    """The outcome model's coefficients and its held-out skill (and, with --validate, the external check)."""
    from forceplan.engagement.holdout import coefficient_rows, validate_outcome
    from forceplan.engagement.outcome import default_outcome_model, force_ratio_model

    models = {m.label: m for m in (default_outcome_model(), force_ratio_model())}
    out: dict[str, object] = {"default": default_outcome_model().label, "models": {}}
    for m in models.values():
        t = table(title=f"Outcome model: {m.label} ({m.n_battles} CDB90 battles; ridge prior sd 2.5)")
        for col in ("coefficient", "estimate", "95 % CI", "odds ×"):
            t.add_column(col, justify="left" if col == "coefficient" else "right")
        rows = coefficient_rows(m)
        for name, est, lo, hi, odds in rows:
            t.add_row(name, f"{est:+.3f}", f"{lo:+.3f} to {hi:+.3f}", f"{odds:.2f}")
        console.print(t)
        out["models"][m.label] = {  # type: ignore[index]
            "names": list(m.names),
            "coef": [float(v) for v in m.coef],
            "ci95": [[float(lo), float(hi)] for lo, hi in m.ci()],
            "log_ratio_bounds": list(m.log_ratio_bounds),
            "battles": m.n_battles,
        }
    with progress_bar() as bar:
        task = bar.add_task("holding out one war at a time", total=None)
        v = validate_outcome(seed)
        bar.update(task, completed=1, total=1)
    t = table(title="Held-out skill (leave one war out; 95 % intervals by bootstrap over wars)")
    for col in ("battles", "model", "Brier", "base rate's Brier", "Brier skill [95 % CI]", "AUC [95 % CI]", "log loss"):
        t.add_column(col)
    for c in (v.all_battles, v.modern):
        for sc in (c.rich, c.ratio_only):
            t.add_row(
                f"{c.battles} battles{c.subset}",
                sc.model,
                f"{sc.brier:.3f}",
                f"{sc.brier_base:.3f}",
                f"{sc.brier_skill:+.1%} [{sc.brier_skill_ci[0]:+.1%}, {sc.brier_skill_ci[1]:+.1%}]",
                f"{sc.auc:.2f} [{sc.auc_ci[0]:.2f}, {sc.auc_ci[1]:.2f}]",
                f"{sc.log_loss:.3f}",
            )
    console.print(t)
    sentences = v.sentences()
    if validate:
        for c in (v.all_battles, v.modern):
            _print_reliability(
                f"Reliability of the held-out forecasts: {c.battles} CDB90 battles{c.subset}", c.reliability
            )
        ext = v.external
        _print_reliability(
            f"Battles outside CDB90: {ext.data} ({ext.score.battles} battles) — reliability", ext.reliability
        )
    else:
        sentences = sentences[:-2]  # the external check and the verdict belong to --validate
    for line in sentences:
        console.print(line)
    out["passed"] = v.passed
    out["sentences"] = sentences
    out["held_out"] = [
        {
            "subset": f"{c.battles} battles{c.subset}",
            "wars": c.wars,
            "brier_gain": c.brier_gain,
            "brier_gain_ci95": list(c.brier_gain_ci),
            "models": [_score_dict(sc) for sc in (c.rich, c.ratio_only)],
        }
        for c in (v.all_battles, v.modern)
    ]
    if validate:
        out["external"] = {
            "data": v.external.data,
            "score": _score_dict(v.external.score),
            "ratio_only": _score_dict(v.external_ratio_only.score),
            "observed_rate": v.external.observed_rate,
        }
    return out


def _pace_report() -> dict[str, object]:
    """The exploitation pace after a won battle, fitted to this war's offensives (docs/model.md §7.8)."""
    from forceplan.engagement.pace import PHASES, exploitation_pace

    t = table(title="Advance after a breakthrough, 2022-2025 offensives (lognormal; km/day)")
    for col in ("offensives", "phase", "median", "10th-90th percentile"):
        t.add_column(col, justify="right")
    out: dict[str, object] = {}
    for phase in PHASES:
        p = exploitation_pace(phase)
        t.add_row(str(p.n_offensives), phase, f"{p.median_kmday:.1f}", f"{p.low_kmday:.2g}-{p.high_kmday:.2g}")
        out[phase] = {"median_kmday": p.median_kmday, "low_kmday": p.low_kmday, "high_kmday": p.high_kmday}
    console.print(t)
    return out


def _score_dict(sc: object) -> dict[str, object]:
    from dataclasses import asdict, is_dataclass

    return asdict(sc) if is_dataclass(sc) and not isinstance(sc, type) else {}


def _skill_dict(s: Skill) -> dict[str, object]:
    return {
        "subset": s.subset,
        "battles": s.battles,
        "folds": s.folds,
        "repeats": s.repeats,
        "auc": s.auc,
        "auc_ci95": list(s.auc_ci),
        "brier_skill": s.brier_skill,
        "brier_skill_ci95": list(s.brier_skill_ci),
    }


def _print_skill(skills: list[Skill]) -> None:
    from forceplan.engagement.stats import SKILL_SENTENCE

    t = table(title="Predictive skill of force ratio (repeated 5-fold cross-validation, 20 repeats)")
    for col in ("battles", "subset", "AUC [95 % CI]", "Brier skill vs base rate [95 % CI]"):
        t.add_column(col)
    for s in skills:
        t.add_row(
            str(s.battles),
            s.subset,
            f"{s.auc:.3f} [{s.auc_ci[0]:.3f}, {s.auc_ci[1]:.3f}]",
            f"{100 * s.brier_skill:.1f} % [{100 * s.brier_skill_ci[0]:.1f}, {100 * s.brier_skill_ci[1]:.1f}]",
        )
    console.print(t)
    console.print(SKILL_SENTENCE)


def print_assessment(r: AssessResult, sc: Scenario | None = None) -> None:
    from rich.text import Text

    from forceplan.engagement.stats import OUTCOME_SKILL_SENTENCE
    from forceplan.engagement.verdict import COLOURS, verdict_sentence

    c = r.calibration
    console.rule(Text(f"Deterrence assessment: {r.scenario}", style="bold"))
    console.print(
        f"{r.trials:,} trials ({r.input_draws} draws of the uncertain inputs), seed {r.seed}; battles decided at "
        f"the odds of the CDB90 outcome model ({c['battles']:.0f} battles; ln force ratio slope "
        f"{c['log_force_ratio']:.2f}, 95 % CI {c['log_force_ratio_low']:.2f}-{c['log_force_ratio_high']:.2f}, "
        f"flat outside force ratios {math.exp(c['log_ratio_min']):.2f}-{math.exp(c['log_ratio_max']):.1f}); "
        "30 days"
    )
    t = table(
        title="Would the attacker reach its objective within 30 days?",
        caption="P: the attacker's probability [5th-95th percentile over the uncertain inputs]; "
        "±: Monte Carlo error; hours to objective and attacker losses (battalion-equivalents): P50 (P10-P90)",
    )
    t.add_column("threat", no_wrap=True)
    t.add_column("km")
    t.add_column("P [interval]", no_wrap=True)
    for col in ("±", "hours to objective", "attacker losses", "culminates", "verdict"):
        t.add_column(col)
    for th in r.threats:
        pr = th.p_reached
        colour = COLOURS.get(th.verdict, "")
        t.add_row(
            short_threat(th.name),
            f"{th.distance_km:.0f}",
            Text(f"{pr.p:.2f} [{pr.ci_low:.2f}-{pr.ci_high:.2f}]", style=colour),
            f"±{pr.mc_error:.3f}",
            _q(th.time_to_objective_h),
            _q(th.attacker_losses),
            f"{th.p_culminated:.2f}",
            Text(th.verdict, style=colour),
        )
    console.print(t)
    console.print(
        OUTCOME_SKILL_SENTENCE + " The interval (5th-95th percentile) carries the outcome model's coefficients, the "
        "stated strength ranges and every assumption given as a range (exploitation pace, air effect and losses, "
        "strike effect, decision delay and the lever mappings); it is never narrower than the Monte Carlo error "
        "allows. " + verdict_sentence(r.threshold)
    )
    for word, meaning in r.verdicts.items():
        console.print(Text.assemble((f"  {word}", COLOURS.get(word, "")), f": {meaning}"))
    names = {th.threat: short_threat(th.name) for th in r.threats}
    for off in r.offensives:
        t = table(title=f"{off.name} (the force shared by HiGHS)")
        for col in ("axis", "P [interval]", "verdict", "combat power received", "receives"):
            t.add_column(col)
        for ax in off.axes:
            pr = ax.p_reached
            colour = COLOURS.get(ax.verdict, "")
            t.add_row(
                names.get(ax.threat, ax.threat),
                Text(f"{pr.p:.2f} [{pr.ci_low:.2f}-{pr.ci_high:.2f}]", style=colour),
                Text(ax.verdict, style=colour),
                f"{ax.power_received:.1f}",
                in_words("; ".join(ax.received[:6]), sc) + (" ..." if len(ax.received) > 6 else ""),
            )
        console.print(t)
        guards = sum(len(v) for v in off.guards.values())
        console.print(f"  {guards} units stay as guards at {len(off.guards)} protected sites")
    if any(th.sensitivity for th in r.threats):
        for th in r.threats:
            s = table(
                title=f"Sensitivity, {short_threat(th.name)}: change in P (same draws, common random numbers)",
                caption="change [5th-95th percentile over the uncertain inputs]; levers first, with the fitted "
                "factor or mechanism they work through",
            )
            s.add_column("case")
            s.add_column("P", justify="right")
            s.add_column("change [interval]", justify="right", no_wrap=True)
            s.add_column("why")
            for sv in th.sensitivity:
                s.add_row(
                    sv.case,
                    f"{sv.p_reached:.3f}",
                    f"{sv.delta:+.3f} [{sv.delta_low:+.3f}, {sv.delta_high:+.3f}]",
                    sv.why,
                )
            console.print(s)


def assess_cmd(
    scenario: ScenarioArg = "ukraine-2025",
    threat: Threat = None,
    trials: AssessTrials = ASSESS_TRIALS,
    seed: Seed = SEED,
    without: Without = None,
    us_backstop: UsBackstop = False,
    case: Case = None,
    sensitivity: Annotated[bool, typer.Option(help="Run the sensitivity cases")] = True,
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the assessment as JSON")] = None,
) -> None:
    """For each threat: the attacker's probability of reaching its objective within 30 days, with its interval over
    the model's uncertain inputs and its Monte Carlo error, time to objective, losses, and the sensitivity to air
    power, stockpiles, reinforcements, decision delay, strengths, calibration and the US backstop."""
    from forceplan.plan import assess_cached, force_and_laydown
    from forceplan.stagecache import ScenarioViews, StageCache

    sc = load_or_exit(scenario)
    threat = threat_ids(sc, threat)
    cases = case_options(sc, base_options(sc, without, us_backstop), case)
    stages, views = StageCache.from_environment(), ScenarioViews(sc)  # plan's stages, and plan's results reused
    results = []
    with progress_bar() as bar:
        task = bar.add_task("force generation and stationing", total=len(threat or sc.threats) * len(cases))
        for label, opts in cases:

            def step(tid: str, label: str = label) -> None:
                bar.update(task, description=f"assessing {tid} ({label})", advance=1)

            fg, lay = force_and_laydown(sc, opts, stages, views)
            r = assess_cached(sc, opts, fg, lay, trials, seed, threat, stages, views, sensitivity, progress=step)
            results.append((label, r))
    r = results[0][1]
    print_assessment(r, sc)
    if len(results) > 1:
        t = table(title="What-if cases: the attacker's chance of reaching its objective [90 % interval]")
        t.add_column("case")
        for th in r.threats:
            t.add_column(short_threat(th.name), justify="right")
        for label, rr in results:
            t.add_row(
                label,
                *[f"{x.p_reached.p:.2f} [{x.p_reached.ci_low:.2f}-{x.p_reached.ci_high:.2f}]" for x in rr.threats],
            )
        console.print(t)
    if json_file is not None:
        write_atomic(json_file, r.to_json() + "\n")
        console.print(f"wrote {json_file}")


def _print_reliability(title: str, rows: Any) -> None:
    """One reliability table: forecast band, battles, mean forecast, share the attacker won, its 95 % CI."""
    t = table(title=title)
    for col in ("forecast P band", "battles", "mean forecast", "attacker won", "95 % CI"):
        t.add_column(col, justify="right")
    for r in rows:
        t.add_row(
            f"{r.low:.1f}-{min(r.high, 1.0):.1f}",
            str(r.battles),
            f"{r.forecast:.0%}",
            f"{r.observed:.0%}",
            f"{r.observed_ci[0]:.0%}-{r.observed_ci[1]:.0%}",
        )
    console.print(t)
