"""Downloads of the web app: pledges, fill, shortfalls and the audit trail as CSV or Excel (XLSX).

Each table is built with the reader's own access: an editor gets only its nation's pledges and audit entries, the
coalition's fill as aggregates, and shortfalls per capability (the slot-by-slot reasons name other nations'
pledges and are for planners). Cells are written as text a spreadsheet will not evaluate: a value that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe (CSV formula injection, OWASP).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from forceplan.registry import figures, store, wording
from forceplan.registry.db import Actor

TABLES_SHOWN = (("pledges", "Pledges"), ("fill", "Fill"), ("shortfalls", "Shortfalls"), ("audit", "Audit trail"))
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_RISKY = ("=", "+", "-", "@", "\t", "\r")

Table = tuple[list[str], list[list[Any]]]


def safe_cell(v: Any) -> Any:
    """A value a spreadsheet shows as it is: text that could start a formula is prefixed with an apostrophe."""
    if isinstance(v, str) and v.startswith(_RISKY):
        return "'" + v
    return v


def _pledges(engine: Engine, actor: Actor, names: wording.Names) -> Table:
    head = ["Pledge", "Nation", "Capability", "Units", "Personnel per unit", "Personnel", "Notice to move (days)",
            "Home base", "Caveats", "Kind of force", "Rotation", "Status", "Renewal due", "Available from (day)",
            "Available until (day)", "Note"]  # fmt: skip
    rows = [
        [p["id"], names.nation.get(p["nation"], p["nation"]), names.capability.get(p["capability"], p["capability"]),
         p["quantity"], p["personnel_per_unit"], p["quantity"] * p["personnel_per_unit"], p["notice_to_move_days"],
         wording.value_text("home_base", p["home_base"], names), wording.caveats_text(p["caveats"], names),
         p["force"], wording.rotation_text(p["rotation"]), p["status"], p["expires_on"] or "",
         p["available_from_day"], p["available_until_day"], p["note"] or ""]
        for p in store.list_pledges(engine, actor)
    ]  # fmt: skip
    return head, rows


def _fill(engine: Engine, actor: Actor, names: wording.Names) -> Table:
    figs = figures.figures(engine, actor, fresh=True)
    at = figs.computed_at.strftime("%Y-%m-%d %H:%M UTC")
    head = ["Capability", "Units required", "Units matched", "Matched by substitution", "Units short",
            "Personnel matched", "Computed at"]  # fmt: skip
    rows = [[c["name"], c["required_units"], c["matched_units"], c["substitute_units"], c["shortfall_units"],
             c["personnel_matched"], at] for c in sorted(figs.capabilities, key=lambda c: c["name"])]  # fmt: skip
    return head, rows


def _shortfalls(engine: Engine, actor: Actor, names: wording.Names) -> Table:
    figs = figures.figures(engine, actor, fresh=True)
    at = figs.computed_at.strftime("%Y-%m-%d %H:%M UTC")
    if actor.is_planner:
        head = ["Capability", "Task", "Phase", "Units required", "Units short", "Why", "Computed at"]
        return head, [[s["capability"], s["task"], s["phase"], s["required_units"], s["shortfall_units"],
                       " ".join(s["reasons"]), at] for s in figs.shortfalls]  # fmt: skip
    head = ["Capability", "Units required", "Units short", "Computed at"]
    return head, [[c["name"], c["required_units"], c["shortfall_units"], at] for c in figs.capabilities
                  if c["shortfall_units"] > 0]  # fmt: skip


def _audit(engine: Engine, actor: Actor, names: wording.Names) -> Table:
    head = ["When (UTC)", "Who", "Role", "Action", "Record", "Nation", "What changed"]
    rows = []
    for e in store.audit_trail(engine, actor, limit=5000):
        changed = "; ".join(f"{k}: {a} → {b}" for k, a, b in wording.describe_changes(e["changes"], names))
        nation = e["nation"] or ""
        rows.append([e["at"].replace("T", " ")[:19], e["actor"], e["actor_role"], wording.action_text(e["action"]),
                     f"{wording.kind_text(e['kind'])} {e['record_id']}", names.nation.get(nation, nation),
                     changed])  # fmt: skip
    return head, rows


BUILDERS: dict[str, Callable[[Engine, Actor, wording.Names], Table]] = {
    "pledges": _pledges,
    "fill": _fill,
    "shortfalls": _shortfalls,
    "audit": _audit,
}


def build(engine: Engine, actor: Actor, name: str, names: wording.Names) -> Table:
    if name not in BUILDERS:
        raise store.NotFound(f"no table {name!r} to download; tables: {', '.join(BUILDERS)}")
    return BUILDERS[name](engine, actor, names)


def to_csv(table: Table) -> bytes:
    head, rows = table
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(head)
    w.writerows([[safe_cell(v) for v in r] for r in rows])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8 (ž, ő, …) right


def to_xlsx(table: Table, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    head, rows = table
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([safe_cell(v) for v in r])
    for r in ws.iter_rows(min_row=2):
        for cell in r:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text is text: openpyxl would otherwise take a leading "=" as a formula
    ws.freeze_panes = "A2"
    for i, h in enumerate(head, start=1):
        width = max([len(str(h))] + [len(str(r[i - 1])) for r in rows[:200]])
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(60, max(8, width + 2))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
