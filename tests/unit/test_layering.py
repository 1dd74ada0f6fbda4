"""The core never imports the CLI, web or plotting libraries (house rule 1)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

CORE = [
    "forceplan.scenario",
    "forceplan.geo",
    "forceplan.forcegen",
    "forceplan.milp",
    "forceplan.stationing",
    "forceplan.timeline",
    "forceplan.engagement",
    "forceplan.monitoring",
    "forceplan.plan",
    "forceplan.sustain",
    "forceplan.explore.experiments",
]
FORBIDDEN = [
    "typer",
    "rich",
    "fastapi",
    "matplotlib",
    "plotly",
    "click",
    "sqlalchemy",
    "uvicorn",
    "forceplan.registry",
    "distributed",
    "forceplan.cluster",
]


def test_core_imports_no_ui_libraries() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + f"bad = [m for m in {FORBIDDEN!r} if m in sys.modules]\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"core imported {out}"


def test_scenario_and_geo_know_nothing_of_the_rest() -> None:
    code = (
        "import sys, forceplan.scenario, forceplan.geo\n"
        "mods = [m for m in sys.modules if m.startswith('forceplan.')]\n"
        # fsutil is a dependency-free helper (atomic writes) shared by every room.
        "print([m for m in mods if m.split('.')[1] not in ('scenario', 'geo', 'fsutil')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_the_pipeline_imports_without_compiling() -> None:
    """Importing the pipeline loads no numba (its kernels compile on import) and no solver: the stages import
    them when they run, so a plan read from the stage cache never pays for them (issue #27)."""
    code = (
        "import sys, forceplan.plan\n"
        "heavy = ('numba', 'llvmlite', 'highspy', 'scipy')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_the_lazy_packages_still_export_their_names() -> None:
    """The packages that load their names on first use give every name in ``__all__``."""
    import importlib

    for name in ("forceplan.engagement", "forceplan.timeline", "forceplan.forcegen", "forceplan.stationing"):
        pkg = importlib.import_module(name)
        assert all(getattr(pkg, n) is not None for n in pkg.__all__), name
        with pytest.raises(AttributeError):
            pkg.no_such_name  # noqa: B018
    import forceplan.sustain

    assert forceplan.sustain.sustain_force.__name__ == "sustain_force"
