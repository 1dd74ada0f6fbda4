"""The registry's figures from the core's force generation: one set of numbers.

The dashboard's fill, shortfalls and burden are the match that ``forceplan forcegen`` and ``forceplan plan`` make
(:func:`forceplan.forcegen.match_force` with the default options: every pledge offered or later counts, and one
capability may fill another's slot), run on the registry's live pledges. It is computed once per change of the
registry's data (sections and pledge versions) and kept with the moment it was computed, so every page shows the
same figures and says when they were computed.

A change to a pledge is previewed the same way: the match is run with the changed pledge in place of the stored
one, and the slots whose shortfall grows (or shrinks) are named before the change is saved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from forceplan.forcegen import ForcegenResult, Options, match_force
from forceplan.names import in_words
from forceplan.registry import store, wording
from forceplan.registry.db import Actor, PledgeRow, Section, transaction, utcnow
from forceplan.scenario import Scenario, load_scenario
from forceplan.scenario.model import Pledge, PledgeStatus


@dataclass(frozen=True)
class LiveMatch:
    """The force-generation result on the registry as it stood at ``computed_at`` (data version ``version``)."""

    result: ForcegenResult
    scenario: Scenario
    computed_at: dt.datetime
    version: str


_cache: dict[str, LiveMatch] = {}
_lock = threading.Lock()
_folders: list[Path] = []


def data_version(engine: Engine) -> str:
    """A digest of every section's and every pledge's version: it changes with any edit that can change the match."""
    with transaction(engine, store.SYSTEM_ACTOR) as s:
        sections = sorted((str(n), int(v)) for n, v in s.execute(select(Section.name, Section.version)))
        pledges = sorted((str(i), int(v)) for i, v in s.execute(select(PledgeRow.id, PledgeRow.version)))
    return hashlib.sha256(repr((str(engine.url), sections, pledges)).encode()).hexdigest()[:16]


def live_match(engine: Engine) -> LiveMatch:
    """The match on the registry's current data, computed at most once per data version (by one thread)."""
    version = data_version(engine)
    key = str(engine.url)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit.version == version:
            return hit
        # The folder lives while its scenario may be in use (its geometry is read when first needed, and a preview
        # may still run on the previous scenario): the two newest are kept, older ones removed.
        folder = Path(tempfile.mkdtemp(prefix="forceplan-fill-"))
        sc = load_scenario(store.export_registry(engine, store.SYSTEM_ACTOR, folder))
        result = match_force(sc, Options())
        hit = LiveMatch(result, sc, utcnow(), version)
        _cache[key] = hit
        _folders.append(folder)
        while len(_folders) > 2:
            shutil.rmtree(_folders.pop(0), ignore_errors=True)
        return hit


def capability_fill(result: ForcegenResult, sc: Scenario) -> list[dict[str, Any]]:
    """Units required, matched (any capability that may fill the slot counts) and short, per slot capability."""
    names = {c.id: c.name for c in sc.capabilities}
    rows: dict[str, dict[str, Any]] = {}
    for s in result.slots:
        r = rows.setdefault(s.capability, {"capability": s.capability, "name": names.get(s.capability, s.capability),
                                           "required_units": 0, "matched_units": 0, "shortfall_units": 0,
                                           "personnel_matched": 0, "substitute_units": 0})  # fmt: skip
        r["required_units"] += s.required_units
        r["matched_units"] += s.filled_units
        r["shortfall_units"] += s.shortfall_units
        r["personnel_matched"] += s.personnel
    pledged = {p.id: p.capability for p in sc.pledges}
    for a in result.assignments:
        slot_cap = next(s.capability for s in result.slots if s.slot == a.slot)
        if pledged.get(a.pledge) != slot_cap:
            rows[slot_cap]["substitute_units"] += a.units
    for r in rows.values():
        r["fill_fraction"] = r["matched_units"] / r["required_units"] if r["required_units"] else 1.0
    return sorted(rows.values(), key=lambda r: (-r["shortfall_units"], r["name"]))


@dataclass
class Figures:
    """What the dashboard and the nation page show, from one :class:`LiveMatch`."""

    computed_at: dt.datetime
    version: str
    totals: dict[str, Any]
    capabilities: list[dict[str, Any]]
    shortfalls: list[dict[str, Any]] = field(default_factory=list)
    burden: list[dict[str, Any]] = field(default_factory=list)
    readiness: list[dict[str, Any]] = field(default_factory=list)


def unused_of(engine: Engine, nation: str) -> list[dict[str, Any]]:
    """A nation's pledges that the live match leaves unused, with the reasons in words (its own pledges only)."""
    live = live_match(engine)
    return [
        {"pledge": u.pledge, "capability": u.capability, "units_unused": u.units_unused,
         "reasons": [in_words(r.detail, live.scenario) for r in u.reasons]}
        for u in live.result.unused if u.nation == nation
    ]  # fmt: skip


def figures(engine: Engine, actor: Actor) -> Figures:
    """The coalition's figures for ``actor``: aggregates for everyone who may read pledges; slot reasons (which
    name other nations' pledges) and burden per nation for planners only."""
    store.require_reader(actor)
    live = live_match(engine)
    r, sc = live.result, live.scenario
    t = r.totals
    totals = {
        "personnel_matched": t.personnel_matched,
        "personnel_offered": t.personnel_offered,
        "personnel_required": t.personnel_required,
        "personnel_cap": t.personnel_cap,
        "units_required": t.units_required,
        "units_matched": t.units_matched,
        "shortfall_units": t.shortfall_units,
        "fill_fraction": t.fill_fraction,
        "nations_contributing": t.nations_contributing,
        "optimal": r.optimal,
    }
    out = Figures(live.computed_at, live.version, totals, capability_fill(r, sc))
    if actor.is_planner:
        names = {c.id: c.name for c in sc.capabilities}
        phases = {p.id: p.name for p in sc.phases}
        out.shortfalls = [
            {"slot": s.slot, "task": ", ".join(wording.role_text(r) for r in s.roles) or "—",
             "capability": names.get(s.capability, s.capability), "phase": phases.get(s.phase, s.phase),
             "required_units": s.required_units, "shortfall_units": s.shortfall_units,
             "reasons": [in_words(x.detail, sc) for x in s.shortfall_reasons]}
            for s in r.slots if s.shortfall_units > 0
        ]  # fmt: skip
        out.burden = [b.model_dump() for b in r.burden]
        out.readiness = [p.model_dump() for p in r.readiness]
    return out


# ---------------------------------------------------------------------------------------------- preview of a change


@dataclass
class Consequences:
    """What saving a change to a pledge would do: back to offered, and the shortfalls it opens or closes."""

    pledge_id: str
    back_to_offered: bool
    opened: list[tuple[str, int]]  # (capability id, units more short)
    closed: list[tuple[str, int]]
    names: dict[str, str] = field(default_factory=dict)  # capability id -> name

    @property
    def matters(self) -> bool:
        return self.back_to_offered or bool(self.opened)

    def sentence(self, done: bool = False) -> str:
        """'This sends GBR-01 back to offered; it would open a shortfall of 1 unit of Brigade HQ.'"""
        parts = []
        if self.back_to_offered:
            parts.append(f"{'This sent' if done else 'This sends'} {self.pledge_id} back to offered: a planner must "
                         "verify it again, and the nation commit it again")  # fmt: skip
        verb = "opened" if done else "would open"
        if self.opened:
            parts.append(f"it {verb} a shortfall of " + self._units(self.opened))
        if self.closed:
            parts.append(f"it {'closed' if done else 'would close'} a shortfall of " + self._units(self.closed))
        if not parts:
            return f"This changes no slot's fill and keeps {self.pledge_id} at its status."
        text = "; ".join(parts)
        return text[0].upper() + text[1:] + "."

    def _units(self, items: list[tuple[str, int]]) -> str:
        return ", ".join(f"{n} unit{'s' if n != 1 else ''} of {self.names.get(c, c)}" for c, n in items)


def preview_change(engine: Engine, actor: Actor, pledge_id: str, changes: dict[str, Any]) -> Consequences:
    """What :func:`forceplan.registry.store.update_pledge` would do with ``changes``, without saving: the same
    validation (its errors are raised the same way) and the match run with the changed pledge."""
    current = store.get_pledge(engine, actor, pledge_id)  # the actor's access, as for the save
    with transaction(engine, actor) as s:
        stored = {k: current[k] for k in store.PLEDGE_FIELDS}
        merged = {**stored, **{k: v for k, v in changes.items() if k in store.EDITABLE_PLEDGE_FIELDS}}
        new = store._pledge_values(store.validate_pledge(s, merged))  # references too: the match needs them right
    substantive = any(new[k] != stored[k] for k in store.EDITABLE_PLEDGE_FIELDS if k != "note")
    back = substantive and current["status"] in (PledgeStatus.verified, PledgeStatus.committed)
    if back:
        new["status"] = PledgeStatus.offered.value
        new["status_dates"] = {"offered": stored["status_dates"].get("offered") or store.today().isoformat()}
    if not substantive:
        return Consequences(pledge_id, False, [], [])
    live = live_match(engine)
    sc = live.scenario
    changed = Pledge.model_validate({k: v for k, v in new.items() if v is not None or k == "available_until_day"})
    pledges = tuple(changed if p.id == pledge_id else p for p in sc.pledges)
    after = match_force(sc.model_copy(update={"pledges": pledges}), Options())
    names = {c.id: c.name for c in sc.capabilities}
    short_before: dict[str, int] = defaultdict(int)
    short_after: dict[str, int] = defaultdict(int)
    for x in live.result.slots:
        short_before[x.capability] += x.shortfall_units
    for x in after.slots:
        short_after[x.capability] += x.shortfall_units
    opened, closed = [], []
    for cap in sorted(set(short_before) | set(short_after), key=lambda c: names.get(c, c)):
        d = short_after[cap] - short_before[cap]
        if d > 0:
            opened.append((cap, d))
        elif d < 0:
            closed.append((cap, -d))
    return Consequences(pledge_id, bool(back), opened, closed, names)
