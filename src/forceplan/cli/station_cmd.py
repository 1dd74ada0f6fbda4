"""``forceplan station``: where each matched unit goes, what it protects, how fast it reaches the axes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from forceplan.cli.common import console, fail, load_or_exit, table, write_atomic
from forceplan.cli.options import Case, ScenarioArg, UsBackstop, Without, base_options, case_options
from forceplan.names import case_words, in_words, label, reason_text, short_threat

if TYPE_CHECKING:
    from forceplan.scenario import Scenario
    from forceplan.stationing.result import StationingResult


def print_result(r: StationingResult, sc: Scenario | None = None) -> None:
    from rich.text import Text

    console.rule(Text(f"Stationing: {r.scenario}", style="bold"))
    stages = ", ".join(f"{s.stage} {s.status}" + (f" (gap {100 * s.gap:.2f} %)" if s.gap else "") for s in r.solve)
    console.print(f"Solver (HiGHS): {stages or 'nothing to solve'}")
    console.print(
        f"Placed {r.units_placed} of {r.units_total} units ({r.personnel_placed:,} personnel); standoff "
        f"{r.standoff_km:g} km from a line of contact of {r.line_of_contact_km:,.0f} km"
    )
    gt = table(title="Garrisons")
    num = ("units", "personnel", "capacity", "combat power", "to line km", "to occupied km")
    for col in ("site", "kind", "country", *num, "to hostile borders km", "nations"):
        gt.add_column(col, justify="right" if col in num else "left")
    for g in r.garrisons:
        gt.add_row(
            g.name,
            label("site_kind", g.kind),
            g.country,
            str(g.units),
            f"{g.personnel:,}",
            f"{g.capacity_personnel:,}",
            f"{g.combat_power:.1f}",
            f"{g.distance_to_line_km:.0f}",
            f"{g.distance_to_occupied_km:.0f}",
            ", ".join(f"{k} {v:.0f}" for k, v in g.distance_to_border_km.items()),
            ", ".join(g.nations),
        )
    console.print(gt)
    ct = table(title="Protected sites")
    for col in ("site", "priority", "radius km", "power within / needed", "covered", "why not"):
        ct.add_column(col)
    for c in r.coverage:
        ct.add_row(
            c.name,
            f"{c.priority_weight:g}",
            f"{c.radius_km:g}",
            f"{c.combat_power_within_radius:.1f} / {c.required_combat_power:g}",
            Text("yes", style="green") if c.covered else Text("no", style="red"),
            in_words(c.detail or "", sc),
        )
    console.print(ct)
    rt = table(title="Reach by road: combat power able to arrive at each axis within")
    rt.add_column("threat")
    hours = list(r.reach[0].combat_power_by_hour) if r.reach else []
    for h in hours:
        rt.add_column(h, justify="right")
    rt.add_column("nearest garrison")
    for a in r.reach:
        near = f"{label('site', a.nearest_garrison, sc)} ({a.nearest_hours:.1f} h)" if a.nearest_garrison else "-"
        rt.add_row(
            short_threat(label("threat", a.threat, sc)), *[f"{a.combat_power_by_hour[h]:.1f}" for h in hours], near
        )
    console.print(rt)
    if r.unplaced:
        ut = table(title="Unplaced units")
        for col in ("pledge", "nation", "capability", "units", "reason"):
            ut.add_column(col)
        for u in r.unplaced:
            ut.add_row(
                u.pledge,
                u.nation,
                label("capability", u.capability, sc),
                str(u.units),
                reason_text(u.reason, _first_clause(u.detail), sc),
            )
        console.print(ut)


def _first_clause(detail: str) -> str:
    """The deciding clause of an unplaced unit's reason (the treaty's, where it applies, comes first); the
    site-by-site rest, up to 600 characters and cut mid-word, stays in plan.json."""
    first, sep, _rest = detail.partition("; ")
    return f"{first}; other sites ruled out site by site (plan.json)" if sep else first


def station(
    scenario: ScenarioArg = "ukraine-2025",
    standoff_km: Annotated[float | None, typer.Option(help="Standoff from the line of contact, km", min=0)] = None,
    without: Without = None,
    us_backstop: UsBackstop = False,
    case: Case = None,
    gap: Annotated[
        float, typer.Option(help="Relative gap accepted in the reach stage (0: prove optimal)", min=0.0, max=0.05)
    ] = 0.005,
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the result as JSON")] = None,
    geojson_file: Annotated[Path | None, typer.Option("--geojson", help="Write the laydown as GeoJSON")] = None,
    map_file: Annotated[Path | None, typer.Option("--map", help="Write an offline HTML map")] = None,
    time_limit: Annotated[float, typer.Option(help="Solver time limit per stage, seconds", min=0.1)] = 60.0,
) -> None:
    """Station the matched force: garrisons, coverage of protected sites, reach to the threat axes."""
    from forceplan.forcegen import match_force
    from forceplan.stationing import station_force
    from forceplan.stationing.geojson import laydown_geojson

    sc = load_or_exit(scenario)
    if map_file is not None:
        from forceplan.report.assets import AssetsMissing, check_assets

        try:
            check_assets()
        except AssetsMissing as exc:
            fail(str(exc), "run 'make assets' (needs node and npm) once")
    cases = case_options(sc, base_options(sc, without, us_backstop), case)
    fg = match_force(sc, cases[0][1])
    r = station_force(sc, fg, standoff_km, time_limit, gap)
    print_result(r, sc)
    if len(cases) > 1:
        t = table(title="What-if cases")
        for col in ("case", "garrisons", "units placed", "personnel placed", "protected sites covered"):
            t.add_column(col)
        for label, opts in cases:
            rc = r if label == "baseline" else station_force(sc, match_force(sc, opts), standoff_km, time_limit, gap)
            covered = sum(c.covered for c in rc.coverage)
            t.add_row(
                case_words(label, sc),
                str(len(rc.garrisons)),
                f"{rc.units_placed}/{rc.units_total}",
                f"{rc.personnel_placed:,}",
                f"{covered}/{len(rc.coverage)}",
            )
        console.print(t)
    if json_file is not None:
        write_atomic(json_file, r.to_json() + "\n")
        console.print(f"wrote {json_file}")
    if geojson_file is not None:
        write_atomic(geojson_file, json.dumps(laydown_geojson(sc, r)) + "\n")
        console.print(f"wrote {geojson_file}")
    if map_file is not None:
        from forceplan.report.map import render_map_page

        write_atomic(map_file, render_map_page(sc, r))
        console.print(f"wrote {map_file}")
