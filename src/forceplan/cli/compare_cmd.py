"""``forceplan compare A B``: what changed between two plans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forceplan.cli.common import console, fail, scenario_or_none, table, write_atomic
from forceplan.fsutil import InputFileError, check_output_folder, output_folder
from forceplan.names import short_threat


def compare(
    a: Annotated[Path, typer.Argument(help="The earlier plan: plan.json or its output folder")],
    b: Annotated[Path, typer.Argument(help="The later plan: plan.json or its output folder")],
    out: Annotated[Path | None, typer.Option(help="Folder for compare.html (and compare.pdf)")] = None,
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the differences as JSON")] = None,
    pdf: Annotated[bool, typer.Option(help="Print compare.pdf with headless Chromium when installed")] = True,
    force: Annotated[bool, typer.Option("--force", help="Replace an --out folder that holds other files")] = False,
) -> None:
    """What changed between two plans: force, fill by capability, nations, garrisons, each option's timing, and
    each threat's probability with whether its change exceeds the Monte Carlo error."""
    from forceplan.compare import compare_plans, read_plan
    from forceplan.report.compare_html import render_compare, sections

    try:
        pa, pb = read_plan(a), read_plan(b)
    except InputFileError as exc:
        fail(str(exc), "give two plan.json files (or the folders 'forceplan plan --out' wrote)")
    d = compare_plans(pa, pb, scenario_or_none(pb.meta.scenario))
    t = table("The attacker's chance of reaching its objective: A → B")
    t.add_column("threat", ratio=3)
    for col in ("A", "B", "change", "Monte Carlo bound"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("", ratio=1)
    for p in d.probabilities:
        t.add_row(
            short_threat(p.name),
            f"{100 * p.p_a:.0f} %",
            f"{100 * p.p_b:.0f} %",
            f"{100 * p.delta:+.1f} pts",
            f"±{100 * p.mc_error:.1f} pts",
            "significant" if p.significant else "within noise",
        )
    console.print(t)
    for title, rows in sections(d):
        if not rows:
            console.print(f"{title}: no change")
            continue
        st = table(title)
        st.add_column("what", ratio=1)
        for col in ("A", "B", "change"):
            st.add_column(col, justify="right", no_wrap=True)
        for row in rows:
            st.add_row(*row)
        console.print(st)
    if json_file is not None:
        write_atomic(json_file, d.model_dump_json(indent=2) + "\n")
        console.print(f"wrote {json_file}")
    if out is not None:
        from forceplan.cli.plan_cmd import print_pdf

        try:
            check_output_folder(out, force, frozenset({"compare.html", "compare.pdf"}))
        except InputFileError as exc:
            fail(str(exc))
        with output_folder(out, force, frozenset({"compare.html", "compare.pdf"})) as tmp:
            write_atomic(tmp / "compare.html", render_compare(d))
            note = print_pdf(tmp / "compare.html", tmp / "compare.pdf") if pdf else "not requested"
        console.print(f"wrote {out / 'compare.html'}" + ("" if note else f" and {out / 'compare.pdf'}"))
