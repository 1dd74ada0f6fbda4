"""Package attributes loaded on first use (PEP 562), so that importing a package's light modules (its result
models) does not import its heavy ones (numba kernels, solvers)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_attributes(package: str, homes: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: attribute ``name`` is read from submodule ``homes[name]`` when first
    asked for, then kept in the package's namespace. Packages also import the names under ``TYPE_CHECKING``, so
    type checkers and readers see where each comes from."""

    def __getattr__(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f"{package}.{homes[name]}")
        value = getattr(module, name)
        setattr(importlib.import_module(package), name, value)
        return value

    return __getattr__
