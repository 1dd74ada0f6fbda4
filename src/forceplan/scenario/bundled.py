"""Bundled scenarios, and writing scenarios back to disk (export of a bundled one, save of any)."""

from __future__ import annotations

import hashlib
import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from forceplan.fsutil import write_atomic
from forceplan.scenario.io import CSV_SECTIONS, DATA_PREFIX, GEO_FIELDS, resolve_ref
from forceplan.scenario.model import Scenario


def _bundled_root() -> Path:
    return Path(str(resources.files("forceplan.scenario") / "bundled"))


def list_bundled() -> list[str]:
    """Names of the scenarios shipped with forceplan."""
    root = _bundled_root()
    return sorted(p.name for p in root.iterdir() if (p / "scenario.yaml").exists())


def bundled_path(name: str) -> Path | None:
    """The scenario.yaml of a bundled scenario, or None if ``name`` is not one."""
    if name in list_bundled():
        return _bundled_root() / name / "scenario.yaml"
    return None


def export_scenario(name: str, out_dir: Path) -> Path:
    """Write an editable copy of a bundled scenario (its YAML with comments, side files and geometry) to
    ``out_dir``; ``data:`` references are copied in and rewritten as relative paths. Returns the YAML path."""
    src = bundled_path(name)
    if src is None:
        raise KeyError(name)
    out_dir.mkdir(parents=True, exist_ok=True)
    yaml = YAML(typ="rt")
    yaml.width = 120
    doc = yaml.load(src.read_text(encoding="utf-8"))
    for section in CSV_SECTIONS:
        node: Any = doc
        for k in section[:-1]:
            node = node.get(k) if node is not None else None
        ref = node.get(section[-1]) if node is not None else None
        if isinstance(ref, str):
            target = Path(ref).name
            shutil.copyfile(resolve_ref(ref, src.parent), out_dir / target)
            node[section[-1]] = target
    geo = doc.get("geography")
    for key in GEO_FIELDS:
        ref = geo.get(key)
        if isinstance(ref, str):
            target = Path(ref[len(DATA_PREFIX) :] if ref.startswith(DATA_PREFIX) else ref).name
            shutil.copyfile(resolve_ref(ref, src.parent), out_dir / target)
            geo[key] = target
    import io

    buf = io.StringIO()
    yaml.dump(doc, buf)
    out = out_dir / "scenario.yaml"
    write_atomic(out, buf.getvalue())
    return out


def save_scenario(sc: Scenario, out_dir: Path) -> Path:
    """Write any scenario as one YAML file plus its geometry files in ``out_dir``. Returns the YAML path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = sc.model_dump(mode="json", exclude_none=True)
    for key in GEO_FIELDS:
        src = Path(data["geography"][key])
        target = out_dir / f"{key}.geojson"
        if src.resolve() != target.resolve():
            shutil.copyfile(src, target)
        data["geography"][key] = target.name
    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    import io

    buf = io.StringIO()
    yaml.dump(data, buf)
    out = out_dir / "scenario.yaml"
    write_atomic(out, buf.getvalue())
    return out


def canonical_dict(sc: Scenario) -> dict[str, Any]:
    """The scenario as JSON data, with geometry paths replaced by the SHA-256 of the files' contents."""
    data = sc.model_dump(mode="json")
    for key in GEO_FIELDS:
        data["geography"][key] = "sha256:" + hashlib.sha256(Path(data["geography"][key]).read_bytes()).hexdigest()
    return data


def scenario_digest(sc: Scenario) -> str:
    """SHA-256 of the canonical JSON of a scenario (its content, not where its files lie)."""
    text = json.dumps(canonical_dict(sc), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
