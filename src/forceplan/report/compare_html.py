"""The compare report: one printable, self-contained HTML page of what changed between two plans."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from forceplan.compare import Change, PlanDiff


def _fmt(v: float | str | None, signed: bool = False) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if float(v).is_integer():
        return f"{v:+,.0f}" if signed else f"{v:,.0f}"
    return f"{v:+,.3f}" if signed else f"{v:,.3f}"


def sections(d: PlanDiff) -> list[tuple[str, list[Change]]]:
    return [
        ("The force", d.totals),
        ("Units filled, by capability", d.capabilities),
        ("Personnel matched, by nation", d.nations),
        ("Personnel by garrison", d.garrisons),
        ("When each option first takes effect (median hours after detection)", d.options),
    ]


def render_compare(d: PlanDiff) -> str:
    env = Environment(loader=PackageLoader("forceplan.report", "templates"), autoescape=select_autoescape(["j2"]))
    return env.get_template("compare.html.j2").render(d=d, sections=sections(d), fmt=_fmt)
