"""``forceplan scenario list | show | validate | export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forceplan.cli.common import console, fail, load_or_exit, table
from forceplan.cli.group import sub_app
from forceplan.cli.options import ScenarioArg

app = sub_app("List, show, validate and export scenarios; list their ids.")
KINDS = ("site", "threat", "nation", "capability", "place", "pledge")


@app.command("list")
def list_cmd() -> None:
    """List the bundled scenarios."""
    from forceplan.scenario import list_bundled

    for name in list_bundled():
        console.print(name)


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario; print every problem with file, line and column, and exit 2 if there is any."""
    sc = load_or_exit(scenario)
    console.print(
        f"valid: {sc.name} ({len(sc.nations)} nations, {len(sc.pledges)} pledges, "
        f"{len(sc.requirement.slots)} slots, {len(sc.sites)} sites, {len(sc.threats)} threats)"
    )


@app.command()
def show(scenario: ScenarioArg) -> None:
    """Print a summary: nations, personnel pledged by status, requirement, sites, threats, line of contact."""
    from rich.text import Text

    from forceplan.scenario.summary import summarise_scenario

    sc = load_or_exit(scenario)
    s = summarise_scenario(sc)
    console.rule(Text(s.name, style="bold"))
    if sc.description:
        console.print(sc.description)
    if s.illustrative:
        console.print(f"Illustrative: {s.illustrative}", style="yellow")
    t = table(title="Pledges by status", show_footer=True)
    t.add_column("status", footer="offered in all (not withdrawn)")
    t.add_column("personnel", justify="right", footer=f"{s.personnel_offered:,}")
    for status, n in s.personnel_by_status.items():
        t.add_row(status, f"{n:,}")
    console.print(t)
    console.print(
        f"Nations: {s.nations} listed, {s.contributing_nations} pledging; {s.pledges} pledges; "
        f"materiel: {len(sc.materiel)} stocks, {s.materiel_items:,} items"
    )
    console.print(
        f"Requirement: {s.slots} slots, {s.units_required} units, about {s.personnel_required:,} personnel "
        f"at typical unit sizes; cap {s.max_personnel:,} personnel"
    )
    from forceplan.names import label

    sites = ", ".join(f"{label('site_kind', k).lower()} {v}" for k, v in sorted(s.sites_by_kind.items()))
    console.print(f"Sites: {sites}; {s.stations} candidate stations, {s.protected_sites} to protect")
    if s.occupied_sites:
        console.print(
            f"Sites in occupied territory (never stations): {', '.join(label('site', x, sc) for x in s.occupied_sites)}"
        )
    console.print(f"Line of contact: {s.line_of_contact_km:,.0f} km; standoff {s.standoff_km:g} km")
    th = table(title="Threats (violation scenarios)")
    th.add_column("id")
    th.add_column("name")
    for tid, name in s.threats:
        th.add_row(tid, name)
    console.print(th)
    phases = "; ".join(f"{n} ({d:g} days)" if d else f"{n} (open-ended)" for n, d in s.phases)
    console.print(f"Phases: {phases}")
    console.print(f"US backstop assumed: {'yes' if s.backstop_assumed else 'no'}")


@app.command()
def export(
    name: Annotated[str, typer.Argument(help="A bundled scenario name")],
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the editable copy into")],
) -> None:
    """Write an editable copy of a bundled scenario (YAML, CSV side files, GeoJSON) into a folder."""
    from forceplan.scenario import export_scenario, list_bundled

    if name not in list_bundled():
        fail(f"no bundled scenario named {name!r}", f"bundled scenarios: {', '.join(list_bundled())}")
    if out_dir.exists() and any(out_dir.iterdir()):
        fail(f"{out_dir} exists and is not empty", "choose a new folder so nothing is overwritten")
    path = export_scenario(name, out_dir)
    console.print(f"wrote {path} (validate it with: forceplan scenario validate {path})")


@app.command()
def reference() -> None:
    """Print the scenario format's reference (Markdown): every section, field, unit and default."""
    from forceplan.scenario.reference import render_reference

    print(render_reference(), end="")


@app.command("ids")
def ids_cmd(
    scenario: ScenarioArg = "ukraine-2025",
    kind: Annotated[str | None, typer.Option(help=f"Only this kind: {', '.join(KINDS)}")] = None,
) -> None:
    """The ids of a scenario's sites, threats, nations, capabilities, places and pledges with their names. Commands
    accept a name (or a unique prefix of an id or name, in any case) wherever they take an id."""
    if kind is not None and kind not in KINDS:
        fail(f"--kind {kind!r} is not a kind", f"use one of {', '.join(KINDS)}")
    sc = load_or_exit(scenario)
    rows = {
        "site": [(x.id, x.name) for x in sc.sites],
        "threat": [(x.id, x.name) for x in sc.threats],
        "nation": [(x.iso3, x.name) for x in sc.nations],
        "capability": [(x.id, x.name) for x in sc.capabilities],
        "place": [(x.id, x.name) for x in sc.places],
        "pledge": [(x.id, f"{x.nation}: {x.quantity} × {x.capability}") for x in sc.pledges],
    }
    t = table(title=f"Ids in {sc.name}")
    for col in ("kind", "id", "name"):
        t.add_column(col)
    for k in [kind] if kind else KINDS:
        for i, name in rows[k]:
            t.add_row(k, i, name)
    console.print(t)
