"""The scenario format's reference, generated from the models (docs/scenario.md is this text; a test
checks they agree, so the documentation cannot drift from the code)."""

from __future__ import annotations

import types
import typing
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from forceplan.fsutil import (
    MAX_CSV_BYTES,
    MAX_CSV_CELL_CHARS,
    MAX_CSV_ROWS,
    MAX_GEOJSON_BYTES,
    MAX_GEOJSON_VERTICES,
    MAX_INCIDENT_BYTES,
    MAX_NESTING,
    MAX_YAML_BYTES,
)
from forceplan.scenario.model import MAX_ABS_NUMBER, SUFFIX_LIMITS, Scenario
from forceplan.scenario.parameters import PARAMETERS

INTRO = """# Scenario format reference (schema_version 1)

*Generated from the pydantic models by `forceplan scenario reference`; do not edit by hand.*

A scenario is one YAML file. Long tables (`nations`, `capabilities`, `pledges`, `materiel`, `sites`, `places`,
`requirement.slots`, `backstop.assets`) may instead name a CSV side file, relative to the YAML file. In a CSV,
dotted headers nest (`air.combat_radius_km`, `status_dates.committed`), an empty cell leaves the field unset,
list fields are separated by `;`, a position is written `"[lon, lat]"` (quoted), and a `caveats` cell reads
`no_frontline; standoff_km=40; station_countries=POL|ROU`. Geometry is GeoJSON; a path starting `data:` names
a file shipped with forceplan (`forceplan scenario export` copies them out). Coordinates are `[lon, lat]` in
WGS84 decimal degrees everywhere.

Units are part of every field name: `_km`, `_h`, `_days`, `_kmh`, `personnel`; combat power is counted in
mechanised-battalion equivalents.
"""


LIMITS = f"""## Limits

Every input is treated as possibly hostile. Side files (`nations: nations.csv`, GeoJSON paths) resolve inside the
scenario's folder, and `data:` references inside forceplan's data folder; absolute paths, `..` and symbolic links
that lead elsewhere are refused (the message names the reference, never the content it points to). YAML aliases
(`*name`), explicit tags (`!!python/object/apply`, `!!omap`, `!!set`, `!!str`, `!custom`, …) and merge keys (`<<`)
are refused; so are numbers that YAML versions read differently (`1_000`, `010`, `0x10`) or that no field could
take (more than 40 digits, beyond a float's range): write plain decimals, or quote text. A CSV side file's header
must name each column once, every name a field of its rows, every required field present (even with no rows).
Numbers must be finite, never `true`/`false`, at most {MAX_ABS_NUMBER:g} in magnitude, and
within these bounds by the unit in the field's name: {", ".join(f"`{k}` {v:,g}" for k, v in SUFFIX_LIMITS.items())}.
A site or place more than 50 km outside its country whose swapped position ([lat, lon]) lies inside it is reported.

| limit | value |
|---|---|
| scenario YAML file | {MAX_YAML_BYTES // 2**20} MiB |
| CSV side file | {MAX_CSV_BYTES // 2**20} MiB, {MAX_CSV_ROWS:,} rows, {MAX_CSV_CELL_CHARS:,} characters a cell |
| GeoJSON file | {MAX_GEOJSON_BYTES // 2**20} MiB, {MAX_GEOJSON_VERTICES:,} vertices |
| nesting depth (YAML) | {MAX_NESTING} |
| incident file | {MAX_INCIDENT_BYTES // 2**20} MiB |

"""


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        inner = args[0]
        if getattr(args[1], "__name__", "") == "_check_lonlat" or any(
            getattr(getattr(m, "func", None), "__name__", "") == "_check_lonlat" for m in args[1:]
        ):
            return "[lon, lat]"
        if any(getattr(getattr(m, "func", None), "__name__", "") == "_check_iso3" for m in args[1:]):
            return "ISO3"
        return _type_name(inner)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args if a is not type(None)) + (
            " (optional)" if type(None) in args else ""
        )
    if origin in (tuple, list):
        if len(args) == 2 and args[1] is not Ellipsis:
            return "[min, max]" if "Field" in repr(args[0]) else "[lon, lat]"
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping {_type_name(args[0])} → {_type_name(args[1])}"
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "one of " + ", ".join(f"`{m.value}`" for m in tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"[{tp.__name__}](#{tp.__name__.lower()})"
    return getattr(tp, "__name__", str(tp))


def _models(tp: Any, seen: list[type[BaseModel]]) -> None:
    for arg in (*typing.get_args(tp), tp):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            if arg not in seen:
                seen.append(arg)
                for f in arg.model_fields.values():
                    _models(f.annotation, seen)
        elif typing.get_args(arg) and arg is not tp:
            _models(arg, seen)


def _default(field: Any) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        return "empty"
    if field.default is PydanticUndefined or field.default is None:
        return "none"
    value = field.default
    return f"`{value.value if isinstance(value, Enum) else value}`"


def render_reference() -> str:
    """The Markdown reference of the scenario format."""
    seen: list[type[BaseModel]] = []
    _models(Scenario, seen)
    out = [INTRO]
    for model in seen:
        out.append(f"## {model.__name__}\n")
        doc = (model.__doc__ or "").strip().split("\n\n")[0]
        if doc:
            out.append(doc.replace("\n", " ") + "\n")
        out.append("| field | type | default | meaning |\n|---|---|---|---|")
        for name, f in model.model_fields.items():
            desc = (f.description or "").replace("|", "/")
            checks = {getattr(getattr(m, "func", None), "__name__", "") for m in f.metadata}
            tname = "ISO3 code" if "_check_iso3" in checks else _type_name(f.annotation)
            if "_check_lonlat" in checks:
                tname = "[lon, lat]"
            out.append(f"| `{name}` | {tname} | {_default(f)} | {desc} |")
        out.append("")
    out.append(LIMITS)
    out.append("## Parameters\n")
    out.append(
        "Names allowed in `parameters`; each is `{dist: fixed, value: V}` or "
        "`{dist: triangular, min: A, mode: B, max: C}`.\n"
    )
    out.append("| name | unit | default | meaning | source of the default |\n|---|---|---|---|---|")
    for p in PARAMETERS.values():
        d = p.default
        default = f"fixed {d.value:g}" if d.dist == "fixed" else f"triangular({d.min:g}, {d.mode:g}, {d.max:g})"
        out.append(f"| `{p.name}` | {p.unit} | {default} | {p.description} | {p.source} |")
    return "\n".join(out) + "\n"
