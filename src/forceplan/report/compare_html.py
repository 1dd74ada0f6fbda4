"""The compare report: one printable, self-contained HTML page of what changed between two plans. The console
(``forceplan compare``) prints the same rows (:func:`sections`), so both say the same thing in the same words."""

from __future__ import annotations

import datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from forceplan.compare import Change, PlanDiff

#: Totals that are shares: shown as percentages.
SHARES = frozenset({"fill_fraction", "weighted_fill_fraction"})


def _fmt(v: float | str | None, signed: bool = False, share: bool = False) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if share:
        return f"{100 * v:+.1f} pts" if signed else f"{100 * v:.1f} %"
    if float(v).is_integer():
        return f"{v:+,.0f}" if signed else f"{v:,.0f}"
    return f"{v:+,.1f}" if signed else f"{v:,.1f}"


def _row(c: Change) -> tuple[str, str, str, str]:
    share = c.what in SHARES
    return (c.label or c.what, _fmt(c.a, share=share), _fmt(c.b, share=share), _fmt(c.delta, True, share))


def sections(d: PlanDiff) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Each section's title and its rows (what, A, B, change), in words and formatted."""
    return [
        (title, [_row(c) for c in rows])
        for title, rows in (
            ("The force", d.totals),
            ("Units filled, by capability", d.capabilities),
            ("Personnel matched, by nation", d.nations),
            ("Personnel by garrison", d.garrisons),
            ("When each option first takes effect (median hours after detection)", d.options),
        )
    ]


def render_compare(d: PlanDiff) -> str:
    env = Environment(loader=PackageLoader("forceplan.report", "templates"), autoescape=select_autoescape(["j2"]))
    return env.get_template("compare.html.j2").render(
        d=d, sections=sections(d), report_date=datetime.date.today().isoformat()
    )
