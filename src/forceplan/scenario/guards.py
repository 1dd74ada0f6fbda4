"""Guards against hostile or ambiguous scenario input, applied before anything is built.

The YAML is scanned event by event before it is loaded (aliases, nesting, explicit tags, number forms that YAML
versions read differently, numbers too long for any field); a CSV side file's header is checked against the
fields of its rows, and its cells against the same number forms. Each refusal is a located :class:`Problem`.
"""

from __future__ import annotations

import re
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from forceplan.fsutil import MAX_NESTING
from forceplan.scenario.problems import Problem, ScenarioError, did_you_mean

SAFE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}")
#: Plain scalars that read as numbers; the forms below are refused because YAML versions read them differently.
NUMBER_LIKE = re.compile(r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9_]+)?")
NON_DECIMAL = re.compile(r"[-+]?0[xXoObB][0-9a-fA-F_]*")
LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+")
MAX_NUMBER_DIGITS = 40
"""More digits than any field could need (a 5,000-digit integer would otherwise fail deep in the parser)."""


def _tag_name(tag: object) -> str:
    name = str(tag).replace("tag:yaml.org,2002:", "!!")
    return name if len(name) <= 60 else name[:60] + "…"


def scalar_problem(value: str, yaml: bool = True) -> tuple[str, str] | None:
    """Why a plain (unquoted, untagged) YAML scalar is refused, with a hint; None if it is fine. Numbers are
    read only in plain decimal: ``1_000`` (1000 in YAML 1.1, text in 1.2), ``010`` (8 or 10), ``0x10``, a merge key
    ``<<`` and numbers too long or too large for any field are refused rather than guessed."""
    if value == "<<" and yaml:
        return (
            "YAML merge key '<<' is not allowed in a scenario file",
            "write the keys out where they are needed (a merge hides which value wins)",
        )
    if NON_DECIMAL.fullmatch(value):
        return (
            f"number {value[:40]!r} is not written in decimal",
            "write it in decimal digits, or quote it if it is text",
        )
    if not NUMBER_LIKE.fullmatch(value):
        return None
    digits = sum(c.isdigit() for c in value)
    if digits > MAX_NUMBER_DIGITS:
        return (
            f"a number of {digits:,} digits: no field takes a number this long",
            "give the value in ordinary units (e.g. 1500 or 2.5e3)",
        )
    if "_" in value:
        return (
            f"number {value!r} contains '_' (some readers take it as {value.replace('_', '')}, others as text)",
            "write the digits alone, or quote it if it is text",
        )
    if yaml and LEADING_ZERO.fullmatch(value):
        return (
            f"number {value!r} has a leading zero (octal in YAML 1.1, decimal in YAML 1.2)",
            "write it without the leading zero, or quote it if it is text",
        )
    if float(value) in (float("inf"), float("-inf")):
        return (f"number {value!r} is beyond the range of a number", "give a value a real force could have")
    return None


def scan_yaml(text: str, file: str) -> None:
    """Refuse YAML that could exhaust memory or the stack before it is built, or that the loader would read other
    than the author meant: aliases (``*name``, the "billion laughs" attack), nesting deeper than ``MAX_NESTING``,
    explicit tags (``!!python/object/apply``, ``!!omap``, ``!!set``, ``!!binary``, ``!custom``: a scenario holds
    plain values only), and the plain scalars :func:`scalar_problem` refuses. Every problem found is reported, each
    with its line. The scan reads parser events only (linear in size)."""
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent, ScalarEvent

    problems: list[Problem] = []

    def refuse(ev: Any, what: str, hint: str) -> None:
        m = ev.start_mark
        line, col = (m.line + 1, m.column + 1) if m else (None, None)
        problems.append(Problem(what, file=file, line=line, column=col, hint=hint))

    depth = 0
    try:
        for ev in YAML(typ="safe", pure=True).parse(text):
            if isinstance(ev, AliasEvent):
                refuse(
                    ev,
                    f"YAML alias *{ev.anchor} is not allowed in a scenario file",
                    "write the value out where it is needed (aliases can expand without bound)",
                )
                break
            tag = getattr(ev, "tag", None) if isinstance(ev, NodeEvent) else None
            if tag is not None:
                refuse(
                    ev,
                    f"YAML tag {_tag_name(tag)} is not allowed in a scenario file",
                    "write a plain value: a scenario holds text, numbers, dates, lists and mappings only",
                )
            elif isinstance(ev, ScalarEvent) and ev.style is None and ev.implicit[0]:
                found = scalar_problem(ev.value)
                if found:
                    refuse(ev, *found)
            if isinstance(ev, CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    refuse(
                        ev,
                        f"nested more than {MAX_NESTING} levels deep",
                        "a scenario file is a few levels deep; check the indentation and brackets",
                    )
                    break
            elif isinstance(ev, CollectionEndEvent):
                depth -= 1
            if len(problems) >= 50:
                break
    except YAMLError:
        pass  # syntax errors are reported, located, by the full parse (after what was found before them)
    if problems:
        raise ScenarioError(problems)


def check_header(header: list[str], model: type[BaseModel] | None, file: FsPath) -> list[Problem]:
    """A side file's header against the fields of its rows: every column named once, every name a field (dotted
    names nest: ``air.combat_radius_km``), every required field present. A header that fails would otherwise turn
    a file of rows into nothing (a garbage header with no rows read as zero pledges)."""
    if model is None:
        return []
    fields = list(model.model_fields)
    expected = ", ".join(fields)
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for col, name in enumerate(header, start=1):
        if not name:
            out.append(Problem(f"column {col} of the header has no name", file=str(file), line=1, column=col))
            continue
        if name in seen:
            shown = repr(name) if len(name) <= 60 else "(a long name)"
            what = f"column {shown} appears twice (columns {seen[name]} and {col})"
            out.append(Problem(what, file=str(file), line=1, column=col, hint="keep one of them"))
        seen.setdefault(name, col)
        first = name.split(".", 1)[0]
        if first not in model.model_fields:
            shown = repr(name) if SAFE_KEY.fullmatch(first) and len(name) <= 60 else "(not a field name)"
            hint = did_you_mean(first, fields, "columns") if SAFE_KEY.fullmatch(first) else None
            out.append(
                Problem(
                    f"unknown column {shown}", file=str(file), line=1, column=col, hint=hint or f"columns: {expected}"
                )
            )
    present = {h.split(".", 1)[0] for h in header}
    missing = [f for f, info in model.model_fields.items() if info.is_required() and f not in present]
    if missing:
        out.append(
            Problem(
                f"the header lacks required column(s) {', '.join(missing)}",
                file=str(file),
                line=1,
                hint=f"the first row names the columns; expected: {expected}",
            )
        )
    return out


def cell_problem(text: str, model: type[BaseModel] | None, name: str) -> tuple[str, str] | None:
    """A cell of a numeric column (field ``name`` of ``model``) in a form refused in YAML too: ``1_000`` (which
    pydantic would read as 1000), a number too long or too large; a leading zero is plain decimal in CSV."""
    if model is None or name not in model.model_fields:
        return None
    if not _is_number(model.model_fields[name].annotation):
        return None
    found = scalar_problem(text, yaml=False)
    return (found[0], found[1].replace(", or quote it if it is text", "")) if found else None


def _is_number(tp: Any) -> bool:
    import types
    import typing

    if tp in (int, float):
        return True
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _is_number(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_number(a) for a in typing.get_args(tp))
    return False
