"""Reading scenario files: YAML with side files (CSV tables, GeoJSON geometry), with positions for messages.

The YAML is parsed with ruamel.yaml so that every key and item keeps its line and column; CSV side files give
row and column. Each section is validated on its own, and each item of a list section on its own, so a
single run reports every problem in the file. Nothing is returned unless the whole scenario is valid.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import types
import typing
from importlib import resources
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from forceplan.fsutil import (
    MAX_CSV_BYTES,
    MAX_CSV_CELL_CHARS,
    MAX_CSV_ROWS,
    MAX_YAML_BYTES,
    InputFileError,
    read_text_checked,
    resolve_inside,
)
from forceplan.scenario.guards import SAFE_KEY, cell_problem, check_header, scan_yaml
from forceplan.scenario.model import Geography, Scenario
from forceplan.scenario.problems import Path, Problem, ScenarioError, did_you_mean

#: Sections (paths) that may be given as the relative path of a CSV side file.
CSV_SECTIONS: tuple[Path, ...] = (
    ("nations",),
    ("capabilities",),
    ("pledges",),
    ("materiel",),
    ("sites",),
    ("places",),
    ("requirement", "slots"),
    ("backstop", "assets"),
)
GEO_FIELDS = ("occupied_territory", "outline", "border_outline")
LONLAT_FIELDS = ("location", "start", "end", "home_base", "depot", "objective", "strike_target", "sea_area")
DATA_PREFIX = "data:"

LONG_QUOTED = re.compile(r"('[^']{60})[^']{20,}'")
Positions = dict[Path, tuple[str, int | None, int | None]]


def data_dir() -> FsPath:
    """The folder of reference data shipped with forceplan (``data:`` references resolve here)."""
    return FsPath(str(resources.files("forceplan") / "data"))


def resolve_ref(ref: str, base_dir: FsPath) -> FsPath:
    """A side-file reference: ``data:...`` under forceplan's data folder, anything else under the scenario's
    folder. Absolute paths, '..' escapes and symbolic links leading outside raise ``InputFileError``."""
    return resolve_inside(ref, base_dir, data_dir(), DATA_PREFIX)


# ---------------------------------------------------------------------------------------------- YAML


def _plain(node: Any, path: Path, file: str, pos: Positions) -> Any:
    """ruamel's round-trip tree to plain Python, recording the position of every key and item."""
    if isinstance(node, CommentedMap):
        out = {}
        for k in node:
            line, col = node.lc.key(k)
            pos[(*path, str(k))] = (file, line + 1, col + 1)
            out[str(k)] = _plain(node[k], (*path, str(k)), file, pos)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, v in enumerate(node):
            line, col = node.lc.item(i)
            pos[(*path, i)] = (file, line + 1, col + 1)
            items.append(_plain(v, (*path, i), file, pos))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, dt.datetime):
        return node
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    return str(node)


def read_yaml(file: FsPath, pos: Positions) -> Any:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        text = read_text_checked(file, MAX_YAML_BYTES, "scenario file")
    except InputFileError as exc:
        raise ScenarioError([Problem(str(exc), file=str(file), hint="give the scenario's YAML file")]) from None
    scan_yaml(text, str(file))
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = str(exc.problem or exc.context or "invalid YAML").strip()
        hint = None
        if "duplicate key" in what or "found duplicate key" in str(exc):
            what = "duplicate key " + what.split("duplicate key", 1)[-1].strip()
            hint = "each key may appear once in a mapping; remove or rename one of them"
        raise ScenarioError(
            [
                Problem(
                    what,
                    file=str(file),
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                    hint=hint or "fix the YAML syntax at this position",
                )
            ]
        ) from None
    except YAMLError as exc:
        raise ScenarioError([Problem(f"invalid YAML: {exc}", file=str(file))]) from None
    except RecursionError:
        raise ScenarioError([Problem("YAML nested too deeply", file=str(file))]) from None
    return _plain(tree, (), str(file), pos)


# ---------------------------------------------------------------------------------------------- CSV


def _unwrap(tp: Any) -> Any:
    """Strip Annotated/Optional/Union-with-None layers from a type hint."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if models:
                return models[0]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def model_at(path: Path, root: type[BaseModel] = Scenario) -> type[BaseModel] | None:
    """The pydantic model class that describes the mapping at ``path`` in a document of model ``root``."""
    cur: Any = root
    for key in path:
        tp = _unwrap(cur)
        if isinstance(key, int):
            if typing.get_origin(tp) in (tuple, list):
                cur = typing.get_args(tp)[0]
                continue
            return None
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            f = tp.model_fields.get(key)
            if f is None:
                return None
            cur = f.annotation
        elif typing.get_origin(tp) is dict:
            cur = typing.get_args(tp)[1]
        else:
            return None
    tp = _unwrap(cur)
    if typing.get_origin(tp) in (tuple, list):
        tp = _unwrap(typing.get_args(tp)[0])
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _is_sequence(model: type[BaseModel] | None, name: str) -> bool:
    if model is None or name not in model.model_fields:
        return False
    return typing.get_origin(_unwrap(model.model_fields[name].annotation)) in (tuple, list)


def _cell(text: str) -> Any:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError):  # not JSON, or nested past the parser's depth
            return text
    return text


def _caveats(text: str) -> dict[str, Any]:
    """``no_frontline; standoff_km=40; station_countries=POL|UKR`` as a mapping."""
    out: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, val = part.partition("=")
        key = key.strip()
        if not sep:
            out[key] = True
        elif "|" in val:
            out[key] = [v.strip() for v in val.split("|") if v.strip()]
        else:
            out[key] = val.strip()
    return out


def _csv_rows(reader: Any, file: FsPath) -> Any:
    """(line, cells) of each row; a cell over ``MAX_CSV_CELL_CHARS`` or more than ``MAX_CSV_ROWS`` rows is an
    error naming the line (never a traceback)."""
    lineno = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ScenarioError(
                [Problem(f"unreadable CSV row ({exc})", file=str(file), line=reader.line_num, hint="check the quotes")]
            ) from None
        lineno = reader.line_num
        if lineno > MAX_CSV_ROWS + 1:
            raise ScenarioError([Problem(f"more than {MAX_CSV_ROWS:,} rows", file=str(file), line=lineno)])
        for col, c in enumerate(cells, start=1):
            if len(c) > MAX_CSV_CELL_CHARS:
                raise ScenarioError(
                    [
                        Problem(
                            f"cell of {len(c):,} characters (limit {MAX_CSV_CELL_CHARS:,})",
                            file=str(file),
                            line=lineno,
                            column=col,
                        )
                    ]
                )
        yield lineno, cells


def read_csv_table(file: FsPath, section: Path, pos: Positions) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Rows of a CSV side file as mappings.

    Dotted headers nest (``air.combat_radius_km``); empty cells are unset;
    list fields are split on ';'; a ``caveats`` cell reads ``flag; name=value; name=A|B``."""
    problems: list[Problem] = []
    model = model_at((*section, 0))
    try:
        text = read_text_checked(file, MAX_CSV_BYTES, "CSV file")
    except InputFileError as exc:
        return [], [Problem(str(exc), path=section, hint="a UTF-8 CSV file with a header row")]
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return [], [Problem("CSV file is empty (a header row is needed)", file=str(file), line=1)]
    except csv.Error as exc:
        return [], [Problem(f"not a readable CSV header ({exc})", file=str(file), line=1)]
    header = [h.strip() for h in header]
    header_problems = check_header(header, model, file)
    if header_problems:
        return [], header_problems  # one message about the header, not one per row and column
    rows: list[dict[str, Any]] = []
    try:
        numbered = list(_csv_rows(reader, file))
    except ScenarioError as exc:
        return [], exc.problems
    for lineno, cells in numbered:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(
                    f"row has {len(cells)} cells but the header has {len(header)}",
                    file=str(file),
                    line=lineno,
                    hint='quote cells that contain commas, e.g. "[30.5, 50.4]"',
                )
            )
            continue
        i = len(rows)
        pos[(*section, i)] = (str(file), lineno, 1)
        row: dict[str, Any] = {}
        refused = False  # a cell refused above: the row is reported, not validated without it
        for col, (name, raw) in enumerate(zip(header, cells, strict=True), start=1):
            if raw.strip() == "":
                continue
            dotted = name.split(".")
            found = cell_problem(
                raw.strip(), model_at((*section, 0, *dotted[:-1])) if len(dotted) > 1 else model, dotted[-1]
            )
            if found:
                problems.append(Problem(found[0], file=str(file), line=lineno, column=col, hint=found[1]))
                refused = True
                continue
            keys = name.split(".")
            target = row
            for k in keys[:-1]:
                target = target.setdefault(k, {})
                pos[(*section, i, *keys[: keys.index(k) + 1])] = (str(file), lineno, col)
            leaf = keys[-1]
            sub = model_at((*section, 0, *keys[:-1])) if len(keys) > 1 else model
            if leaf == "caveats" and len(keys) == 1:
                value: Any = _caveats(raw)
                cav = model_at((*section, 0, "caveats"))
                for k, v in value.items():
                    if _is_sequence(cav, k) and not isinstance(v, list):
                        value[k] = [v]
            elif raw.strip().startswith("["):
                value = _cell(raw)
            elif _is_sequence(sub, leaf):
                value = [v.strip() for v in raw.split(";") if v.strip()]
            else:
                value = _cell(raw)
            target[leaf] = value
            pos[(*section, i, *keys)] = (str(file), lineno, col)
            if isinstance(value, dict):
                for k in value:
                    pos[(*section, i, *keys, k)] = (str(file), lineno, col)
        if not refused:
            rows.append(row)
    return rows, problems


# ---------------------------------------------------------------------------------------------- loading


_MISSING = object()


def _child(node: Any, key: str | int) -> Any:
    """``node[key]`` for a mapping key or a list index that exists, else ``_MISSING``."""
    if isinstance(node, dict):
        return node.get(key, _MISSING) if isinstance(key, str) else _MISSING
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return _MISSING


def _get(doc: Any, path: Path) -> Any:
    for k in path:
        doc = _child(doc, k)
        if doc is _MISSING:
            return None
    return doc


def _set(doc: dict[str, Any], path: Path, value: Any) -> None:
    for k in path[:-1]:
        doc = doc[k]  # type: ignore[index]
    doc[path[-1]] = value  # type: ignore[index]


def locate(path: Path, pos: Positions, default_file: str) -> tuple[str, int | None, int | None]:
    """The position of the deepest recorded prefix of ``path``."""
    for n in range(len(path), -1, -1):
        if path[:n] in pos:
            return pos[path[:n]]
    return (default_file, None, None)


def problems_from_validation(
    exc: ValidationError, prefix: Path, data: Any, pos: Positions, file: str, root: type[BaseModel] = Scenario
) -> list[Problem]:
    """pydantic errors as Problems, positioned, with a nearest-name hint for unknown keys."""
    return problems_from_errors(list(exc.errors(include_url=False)), prefix, data, pos, file, root)


def problems_from_errors(
    errors: list[Any], prefix: Path, data: Any, pos: Positions, file: str, root: type[BaseModel] = Scenario
) -> list[Problem]:
    """pydantic's error dicts (from a ValidationError, or a web framework's validation error) as Problems, in the
    loader's wording; the registry's API answers with these, so a field error reads the same in a file and a form."""
    grouped: dict[Path, list[dict[str, Any]]] = {}
    for error in errors:
        # Keep the part of pydantic's location that exists in the data (drop union-branch labels).
        steps: list[str | int] = list(prefix)
        node = data
        complete = True
        loc = error["loc"]
        for n, k in enumerate(loc):
            child = _child(node, k)
            if child is not _MISSING:
                node = child
                steps.append(k)
            elif error["type"] in ("extra_forbidden", "missing") and n == len(loc) - 1 and isinstance(k, str):
                steps.append(k)
            else:
                complete = False
                break
        grouped.setdefault(tuple(steps), []).append({**error, "complete": complete})
    out = []
    for path, errs in grouped.items():
        err = errs[0]
        hint = None
        if err["type"] == "extra_forbidden" and err["complete"]:
            model = model_at(path[:-1], root)
            valid = list(model.model_fields) if model else []
            msg = f"unknown field {path[-1]!r}"
            hint = did_you_mean(str(path[-1]), valid, "valid fields")
        elif err["type"] == "missing" and err["complete"]:
            msg = f"required field {path[-1]!r} is missing"
            hint = "add it; see docs/scenario.md for its meaning and unit"
        elif err["type"] == "missing" or err["type"].startswith("too_"):
            expected = "[lon, lat]" if path and path[-1] in LONLAT_FIELDS else "more items"
            msg = f"{err['msg']} (expected {expected})"
        elif len(errs) > 1:
            msg = "; or ".join(dict.fromkeys(e["msg"] for e in errs))
        else:
            msg = err["msg"]
            if err["type"] == "value_error":
                msg = msg.removeprefix("Value error, ")
            elif isinstance(err.get("input"), str | int | float) and not isinstance(err.get("input"), bool):
                v = err["input"]
                huge = isinstance(v, int) and abs(v) >= 10**40
                got = f"a number of about {int(abs(v).bit_length() * 0.30103):,} digits" if huge else repr(v)
                msg += f"; got {got[:80]}" + ("…" if len(got) > 80 else "")
        msg = LONG_QUOTED.sub(lambda m: m.group(1) + "…'", msg)  # a value echoed by a validator, cut short
        f, line, col = locate(path, pos, file)
        out.append(Problem(msg, path=path, file=f, line=line, column=col, hint=hint))
    return out


def _validate_sections(raw: dict[str, Any], pos: Positions, file: str) -> tuple[dict[str, Any], list[Problem]]:
    """Validate each section (and each item of a list section) on its own; return what is valid."""
    problems: list[Problem] = []
    valid: dict[str, Any] = {}
    fields = Scenario.model_fields
    unknown = [key for key in raw if key not in fields]
    for key in unknown:
        f, line, col = locate((key,), pos, file)
        shown = repr(key) if SAFE_KEY.fullmatch(key) else "(a key that is not a section name)"
        problems.append(
            Problem(
                f"unknown section {shown}",
                path=(key,) if SAFE_KEY.fullmatch(key) else (),
                file=f,
                line=line,
                column=col,
                hint=did_you_mean(key, fields, "sections"),
            )
        )
    for name, info in fields.items():
        if name not in raw:
            if info.is_required():
                problems.append(
                    Problem(
                        f"required section {name!r} is missing",
                        path=(name,),
                        file=file,
                        hint="see the bundled scenario (forceplan scenario export ukraine-2025 DIR)",
                    )
                )
            continue
        value = raw[name]
        tp = _unwrap(info.annotation)
        if typing.get_origin(tp) is tuple and isinstance(value, list):
            item_ta: TypeAdapter[Any] = TypeAdapter(typing.get_args(tp)[0])
            items = []
            for i, item in enumerate(value):
                try:
                    items.append(item_ta.validate_python(item))
                except ValidationError as exc:
                    problems += problems_from_validation(exc, (name, i), item, pos, file)
            valid[name] = tuple(items)
            if info.is_required() and not value:
                f, line, col = locate((name,), pos, file)
                problems.append(Problem(f"section {name!r} is empty", path=(name,), file=f, line=line, column=col))
            continue
        try:
            valid[name] = TypeAdapter(typing.cast(Any, info.annotation)).validate_python(value)
        except ValidationError as exc:
            problems += problems_from_validation(exc, (name,), value, pos, file)
    return valid, problems


def load_scenario(source: str | FsPath) -> Scenario:
    """Load and check a scenario: a bundled name (``ukraine-2025``) or the path of a YAML file.

    Raises
    ------
    ScenarioError
        With every problem found, each with file, line, column, field path and hint.
    """
    from forceplan.scenario.bundled import bundled_path
    from forceplan.scenario.checks import check_document

    file = bundled_path(str(source)) or FsPath(source)
    if not file.exists():
        raise ScenarioError(
            [
                Problem(
                    f"no scenario file or bundled scenario named {str(source)!r}",
                    file=str(source),
                    hint="list the bundled ones with 'forceplan scenario list'",
                )
            ]
        )
    if file.is_dir():
        file = file / "scenario.yaml"
        if not file.exists():
            raise ScenarioError([Problem("folder holds no scenario.yaml", file=str(file.parent))])
    pos: Positions = {}
    raw = read_yaml(file, pos)
    fname = str(file)
    if not isinstance(raw, dict):
        raise ScenarioError([Problem("a scenario file is a YAML mapping of sections", file=fname, line=1)])
    unknown = [key for key in raw if key not in Scenario.model_fields]
    if "schema_version" not in raw and len(unknown) > 2:
        # Not a scenario at all: say so without echoing the file's content (it may be anything, e.g. a secret).
        raise ScenarioError(
            [
                Problem(
                    f"not a forceplan scenario file: no schema_version and {len(unknown)} unknown top-level keys",
                    file=fname,
                    hint="give a scenario YAML file (forceplan scenario export ukraine-2025 DIR writes an example)",
                )
            ]
        )
    problems: list[Problem] = []
    base = file.parent
    for section in CSV_SECTIONS:
        ref = _get(raw, section)
        if isinstance(ref, str):
            f, line, col = locate(section, pos, fname)
            try:
                side = resolve_ref(ref, base)
            except InputFileError as exc:
                problems.append(Problem(str(exc), path=section, file=f, line=line, column=col))
                _set(raw, section, [])
                continue
            if not side.exists():
                problems.append(
                    Problem(
                        f"side file {ref!r} not found (looked for {side})",
                        path=section,
                        file=f,
                        line=line,
                        column=col,
                        hint="paths are relative to the scenario file",
                    )
                )
                _set(raw, section, [])
                continue
            rows, probs = read_csv_table(side, section, pos)
            problems += probs
            _set(raw, section, rows)
    geo = raw.get("geography")
    if isinstance(geo, dict):
        for key in GEO_FIELDS:
            if key not in geo and isinstance(Geography.model_fields[key].default, str):
                geo[key] = Geography.model_fields[key].default  # a default reference is resolved like a written one
            ref = geo.get(key)
            if isinstance(ref, str):
                try:
                    side = resolve_ref(ref, base)
                except InputFileError as exc:
                    f, line, col = locate(("geography", key), pos, fname)
                    problems.append(Problem(str(exc), path=("geography", key), file=f, line=line, column=col))
                    geo[key] = None
                    continue
                if not side.exists():
                    f, line, col = locate(("geography", key), pos, fname)
                    problems.append(
                        Problem(
                            f"GeoJSON file {ref!r} not found (looked for {side})",
                            path=("geography", key),
                            file=f,
                            line=line,
                            column=col,
                            hint="paths are relative to the scenario file; data: is forceplan's",
                        )
                    )
                else:
                    geo[key] = str(side.resolve())
    valid, probs = _validate_sections(raw, pos, fname)
    problems += probs
    for p in check_document(raw, valid):
        f, line, col = locate(p.path, pos, fname)
        problems.append(Problem(LONG_QUOTED.sub(lambda m: m.group(1) + "…'", p.message), p.path, f, line, col, p.hint))
    if problems:
        raise ScenarioError(problems)
    return Scenario.model_validate(valid)
