"""``forceplan forcegen``: match pledges to the requirement and print fill, shortfalls and burden sharing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from forceplan.cli.common import console, fail, load_or_exit, table, write_atomic, write_csv_tables
from forceplan.cli.options import Case, ScenarioArg, UsBackstop, Without, nation_codes
from forceplan.defaults import PLEDGE_STATUSES as STATUSES
from forceplan.names import case_words, in_words, label, reason_text

if TYPE_CHECKING:
    from forceplan.forcegen import ForcegenResult
    from forceplan.forcegen.result import CaseSummary
    from forceplan.scenario import Scenario


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def print_result(r: ForcegenResult, cases: list[CaseSummary], sc: Scenario | None = None) -> None:
    """The force-generation result in words (names from ``sc``; ids only in the JSON and CSV files)."""
    from rich.text import Text

    t = r.totals
    console.rule(Text(f"Force generation: {r.scenario}", style="bold"))
    stages = ", ".join(
        f"{s.stage} {s.status}" + ("" if s.optimal else f" (gap {100 * (s.gap or 0):.2f} %)") for s in r.solve
    )
    console.print(f"Solver (HiGHS): {stages or 'nothing to solve'}")
    if not r.optimal and r.solve:
        console.print(
            "Not proven optimal: a time limit stopped the search; figures are the best found.", style="yellow"
        )
    for m in r.messages:
        console.print(m, style="yellow")
    console.print(
        f"Personnel: required ≈ {t.personnel_required:,} (cap {t.personnel_cap:,}), offered {t.personnel_offered:,}, "
        f"matched {t.personnel_matched:,}; units {t.units_matched}/{t.units_required} "
        f"({_pct(t.fill_fraction)}, weighted {_pct(t.weighted_fill_fraction)}); "
        f"nations contributing {t.nations_contributing} of {t.nations_pledging} pledging"
    )

    st = table(title="The requirement: required, filled, by whom")
    for col in ("requirement", "phase", "filled", "personnel", "filled by"):
        st.add_column(col, justify="right" if col in ("filled", "personnel") else "left")
    for s in r.slots:
        by_nation: dict[str, int] = {}  # one entry per nation, not per pledge (GBR 4, not GBR 3, ..., GBR 1)
        for a in s.assignments:
            by_nation[a.nation] = by_nation.get(a.nation, 0) + a.units
        who = ", ".join(f"{n} {u}" for n, u in by_nation.items())
        st.add_row(
            label("slot", s.slot, sc),
            label("phase", s.phase, sc),
            Text(f"{s.filled_units}/{s.required_units}", style="red" if s.shortfall_units else ""),
            f"{s.personnel:,}",
            who,
        )
    console.print(st)

    short = [s for s in r.slots if s.shortfall_units]
    if short:
        sh = table(title="Shortfalls and why")
        sh.add_column("requirement")
        sh.add_column("short", justify="right")
        sh.add_column("reasons")
        for s in short:
            reasons = "\n".join(reason_text(x.code, x.detail, sc) for x in s.shortfall_reasons)
            sh.add_row(label("slot", s.slot, sc), str(s.shortfall_units), reasons)
        console.print(sh)

    if r.unused:
        un = table(title="Unused pledges and why")
        for col in ("pledge", "nation", "capability", "status", "units", "reasons"):
            un.add_column(col)
        for u in r.unused:
            un.add_row(
                u.pledge,
                u.nation,
                label("capability", u.capability, sc),
                u.status,
                str(u.units_unused),
                "; ".join(reason_text(x.code, "", sc) for x in u.reasons),
            )
        console.print(un)

    rd = table(title="Readiness: matched personnel able to move by day")
    for p in r.readiness:
        rd.add_column(f"day {p.day}", justify="right")
    rd.add_row(*[f"{p.personnel:,} ({_pct(p.fraction)})" for p in r.readiness])
    console.print(rd)

    bt = table(title="Burden sharing")
    for col in ("nation", "offered", "matched", "share", "per million pop.", "per USD bn GDP"):
        bt.add_column(col, justify="left" if col == "nation" else "right")
    for b in r.burden:
        bt.add_row(
            b.name,
            f"{b.personnel_offered:,}",
            f"{b.personnel_matched:,}",
            _pct(b.share),
            f"{b.per_million_population:.1f}",
            f"{b.per_usd_bn_gdp:.2f}",
        )
    console.print(bt)

    lc = table(title="Pledge lifecycle: how much of the offered force is real")
    for col in ("status", "pledges", "units", "personnel offered", "of offered", "matched"):
        lc.add_column(col, justify="left" if col == "status" else "right")
    for row in r.lifecycle:
        lc.add_row(
            row.status,
            str(row.pledges),
            str(row.units),
            f"{row.personnel_offered:,}",
            _pct(row.fraction_of_offered),
            f"{row.personnel_matched:,}",
        )
    console.print(lc)

    if len(cases) > 1:
        ct = table(title="What-if cases")
        for col in (
            "case",
            "fill",
            "weighted",
            "personnel",
            "units",
            "short",
            "nations",
            "largest shortfalls",
        ):
            ct.add_column(col, justify="left" if col in ("case", "largest shortfalls") else "right")
        for c in cases:
            ct.add_row(
                case_words(c.label, sc) + ("" if c.optimal else " *"),
                _pct(c.fill_fraction),
                _pct(c.weighted_fill_fraction),
                f"{c.personnel_matched:,}",
                str(c.units_matched),
                str(c.shortfall_units),
                str(c.nations_contributing),
                in_words(", ".join(c.top_shortfalls), sc),
            )
        console.print(ct)


def write_csv(r: ForcegenResult, out_dir: Path) -> list[Path]:
    """assignments.csv, slots.csv, shortfalls.csv, unused.csv, burden.csv in ``out_dir``."""
    tables: dict[str, tuple[list[str], list[list[object]]]] = {
        "assignments": (
            ["pledge", "nation", "slot", "units", "personnel"],
            [[a.pledge, a.nation, a.slot, a.units, a.personnel] for a in r.assignments],
        ),
        "slots": (
            ["slot", "capability", "phase", "required_units", "filled_units", "personnel", "combat_power"],
            [
                [s.slot, s.capability, s.phase, s.required_units, s.filled_units, s.personnel, s.combat_power]
                for s in r.slots
            ],
        ),
        "shortfalls": (
            ["slot", "shortfall_units", "code", "detail", "pledges"],
            [
                [s.slot, s.shortfall_units, x.code, x.detail, ";".join(x.pledges)]
                for s in r.slots
                for x in s.shortfall_reasons
            ],
        ),
        "unused": (
            ["pledge", "nation", "capability", "status", "units_unused", "reasons"],
            [
                [
                    u.pledge,
                    u.nation,
                    u.capability,
                    u.status,
                    u.units_unused,
                    ";".join(x.code for x in u.reasons),
                ]
                for u in r.unused
            ],
        ),
        "burden": (
            [
                "nation",
                "personnel_offered",
                "personnel_matched",
                "share",
                "per_million_population",
                "per_usd_bn_gdp",
            ],
            [
                [
                    b.nation,
                    b.personnel_offered,
                    b.personnel_matched,
                    b.share,
                    b.per_million_population,
                    b.per_usd_bn_gdp,
                ]
                for b in r.burden
            ],
        ),
    }
    return write_csv_tables(out_dir, tables)


def forcegen(
    scenario: ScenarioArg = "ukraine-2025",
    status: Annotated[
        str, typer.Option(help=f"Count pledges at this status or later: {', '.join(STATUSES)}")
    ] = "offered",
    without: Without = None,
    us_backstop: UsBackstop = False,
    cap: Annotated[int | None, typer.Option(help="Personnel cap (default: the requirement's)", min=1)] = None,
    share: Annotated[float | None, typer.Option(help="No nation above this share of the force (0-1)")] = None,
    case: Case = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the result as JSON (schema forceplan.forcegen/1)")
    ] = None,
    csv_dir: Annotated[Path | None, typer.Option("--csv", help="Write CSV tables into this folder")] = None,
    time_limit: Annotated[float, typer.Option(help="Solver time limit per stage, seconds", min=0.1)] = 60.0,
    solver: Annotated[
        str, typer.Option(help="highs (default) or cbc (needs PuLP; faster when the cap binds hard)")
    ] = "highs",
) -> None:
    """Match pledges to the force requirement: fill, shortfalls with reasons, unused pledges, readiness,
    burden sharing, the pledge lifecycle and what-if cases."""
    from forceplan.forcegen import CaseError, Options, run_cases
    from forceplan.scenario.model import PledgeStatus

    sc = load_or_exit(scenario)
    if status not in STATUSES:
        fail(f"--status {status!r} is not a pledge status", f"use one of {', '.join(STATUSES)}")
    left_out = nation_codes(sc, without)
    if share is not None and not 0 < share <= 1:
        fail(f"--share {share} is not between 0 and 1", "for example --share 0.25 for 25 %")
    base = Options(
        min_status=PledgeStatus(status),
        without=frozenset(left_out),
        us_backstop=us_backstop or None,
        max_personnel=cap,
        max_nation_share=share,
    )
    if solver not in ("highs", "cbc"):
        fail(f"--solver {solver!r} is not a solver", "use highs or cbc")
    from forceplan.forcegen.cbc import CbcUnavailable

    try:
        result, summaries = run_cases(sc, base, list(case or []), time_limit, solver)
    except CaseError as exc:
        fail(str(exc), 'example: --case "without FRA and committed only"')
    except CbcUnavailable as exc:
        fail(str(exc), "or use the default --solver highs")
    print_result(result, summaries, sc)
    if json_file is not None:
        write_atomic(json_file, result.to_json() + "\n")
        console.print(f"wrote {json_file}")
    if csv_dir is not None:
        for p in write_csv(result, csv_dir):
            console.print(f"wrote {p}")
