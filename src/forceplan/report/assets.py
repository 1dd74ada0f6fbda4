"""Front-end libraries installed from the npm registry by ``make assets`` (frontend/package-lock.json) and
inlined into pages, so a page works offline and requests nothing."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

REQUIRED = ("leaflet.js", "leaflet.css", "symbols.json", "plotly-basic.min.js", "htmx.min.js")


class AssetsMissing(RuntimeError):
    """The front-end libraries have not been installed."""


def assets_dir() -> Path:
    return Path(str(resources.files("forceplan.report") / "assets"))


def check_assets() -> None:
    missing = [name for name in REQUIRED if not (assets_dir() / name).exists()]
    if missing:
        raise AssetsMissing(f"front-end libraries missing from {assets_dir()}: {', '.join(missing)}")


def read_asset(name: str) -> str:
    check_assets()
    return (assets_dir() / name).read_text(encoding="utf-8")


def inline_script(text: str) -> str:
    """A <script> element with the text inlined (``</script`` inside it escaped)."""
    return "<script>" + text.replace("</script", "<\\/script") + "</script>"


def script_json(obj: object) -> str:
    """JSON for a ``<script type="application/json">`` element: no '<', '>' or '&' at all (they occur only inside
    JSON strings, where the \\u escapes mean the same), so no scenario text can close the element."""
    import json

    return (
        json.dumps(obj, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )
