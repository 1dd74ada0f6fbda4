"""Finding internal names in what a person reads: snake_case words and the scenario's ids (issue #26)."""

from __future__ import annotations

import re

from forceplan.scenario import Scenario

SNAKE = re.compile(r"(?<![\w/.#-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/(-])")
SLOT_OR_THREAT_ID = re.compile(r"\b[A-Z]\d{1,2}-[a-z][a-z0-9-]*\b")
PY_REPR = re.compile(r"\{'[a-z_]+': ")


def scenario_ids(sc: Scenario) -> set[str]:
    """Ids a person should not have to read. Nation ISO3 codes (a public standard) and pledge ids (what a nation's
    officer quotes and types in the registry) are allowed."""
    ids = {c.id for c in sc.capabilities} | {s.id for s in sc.sites} | {p.id for p in sc.places}
    ids |= {s.id for s in sc.requirement.slots} | {t.id for t in sc.threats} | {o.id for o in sc.offensives}
    ids |= {s.id for s in sc.sources}
    # Ids that are also plain words ("initial", "east") cannot be told from prose; keep those with a separator.
    return {i for i in ids if re.search(r"[-_\d]", i)}


def find_leaks(text: str, sc: Scenario, allow: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Internal names in ``text`` (deduplicated, in order), less ``allow``."""
    found: list[str] = []
    found += SNAKE.findall(text)
    found += SLOT_OR_THREAT_ID.findall(text)
    found += PY_REPR.findall(text)
    ids = scenario_ids(sc)
    found += [w for w in re.findall(r"[A-Za-z0-9][\w-]*[A-Za-z0-9]", text) if w in ids]
    return [w for w in dict.fromkeys(found) if w not in allow]
