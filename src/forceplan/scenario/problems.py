"""Problems found in input files, reported all at once with file, line, column, field path and a hint."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

#: A field path inside the scenario document, e.g. ``("pledges", 3, "caveats", "standoff_km")``.
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, with where it is and what to do."""

    message: str
    path: Path = ()
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    @property
    def where(self) -> str:
        loc = self.file or "<scenario>"
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def __str__(self) -> str:
        field = format_path(self.path)
        text = f"{self.where}: {field + ': ' if field else ''}{self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class ScenarioError(Exception):
    """Raised with every problem found in a scenario; nothing was loaded."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the scenario:\n" + "\n".join(map(str, self.problems)))


def format_path(path: Path) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def nearest(name: str, candidates: Iterable[Any]) -> str | None:
    """The closest candidate to a misspelt name, or None if nothing is close."""
    cands = [str(c) for c in candidates]
    best = difflib.get_close_matches(str(name), cands, n=1, cutoff=0.6)
    return best[0] if best else None


def did_you_mean(name: str, candidates: Iterable[Any], what: str = "valid names") -> str:
    cands = sorted({str(c) for c in candidates})
    best = nearest(name, cands)
    if best:
        return f"did you mean {best!r}?"
    shown = ", ".join(cands[:12]) + (" ..." if len(cands) > 12 else "")
    return f"{what}: {shown}"
