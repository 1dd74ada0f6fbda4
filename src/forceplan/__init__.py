"""forceplan: decision support for a multinational reassurance and deterrence force after a ceasefire."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # The version is looked up on first use, not at import: the command line starts faster without it.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("forceplan")
        except PackageNotFoundError:  # pragma: no cover - a source tree without installation
            return "0.0.0+unknown"
    raise AttributeError(name)
