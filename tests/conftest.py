"""Shared fixtures: the bundled scenario, editable copies of it, and a helper to break one."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from forceplan.scenario import Scenario, ScenarioError, export_scenario, load_scenario

BUNDLED = "ukraine-2025"


@pytest.fixture(scope="session")
def bundled() -> Scenario:
    return load_scenario(BUNDLED)


@pytest.fixture(scope="session")
def exported_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exported") / BUNDLED
    export_scenario(BUNDLED, out)
    return out


@pytest.fixture
def scenario_copy(exported_template: Path, tmp_path: Path) -> Path:
    """A fresh editable copy of the bundled scenario; returns its folder."""
    dst = tmp_path / "sc"
    shutil.copytree(exported_template, dst)
    return dst


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a file; fail loudly if the text is not there (so a test cannot silently pass)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.fixture
def problems_of() -> Callable[[Path], list]:
    def run(folder: Path) -> list:
        with pytest.raises(ScenarioError) as info:
            load_scenario(folder / "scenario.yaml")
        return info.value.problems

    return run


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry database (SQLite) seeded once per session; tests copy it."""
    from tests.registry_seed import seed_registry

    path = tmp_path_factory.mktemp("registry") / "template.sqlite"
    seed_registry(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session", autouse=True)
def private_stage_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Stage results of the tests go to a folder of their own, never the user's ~/.cache/forceplan (CLI runs in
    subprocesses inherit it)."""
    import os

    os.environ["FORCEPLAN_CACHE_DIR"] = str(tmp_path_factory.mktemp("stage-cache"))
