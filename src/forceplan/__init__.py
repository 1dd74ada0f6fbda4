"""forceplan: decision support for a multinational reassurance and deterrence force after a ceasefire."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("forceplan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
