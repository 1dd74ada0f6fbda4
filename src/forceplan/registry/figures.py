"""The registry's figures from the core's force generation: one set of numbers.

The dashboard's fill, shortfalls and burden are the match that ``forceplan forcegen`` and ``forceplan plan`` make
(:func:`forceplan.forcegen.match_force` with the default options: every pledge offered or later counts, and one
capability may fill another's slot), run on the registry's live pledges. It is computed once per version of the
registry's data (sections and pledge versions) and kept with that version and the moment it was computed, so
every page shows the same figures and says when they were computed.

The match takes seconds (the registry is exported and loaded as the loader reads a file, then the MILP is solved),
so a reader never waits for it once a first match exists: a reader gets the newest finished match at once, with
the version it belongs to, and when the data have changed since, one computation starts in the background (one
at a time per registry and process; the next one starts no sooner than ``GAP_FACTOR`` times the last one's
duration after it ended, so under a stream of writes the background takes at most about a thirteenth of a core). The
pages say when their figures are behind the registry. The figures of a version are built once and shared.

A change to a pledge is previewed on the match of the registry's current version (waiting for it if need be):
the match is run with the changed pledge in place of the stored one, and the slots whose shortfall grows (or
shrinks) are named before the change is saved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from forceplan.forcegen import ForcegenResult, Options, match_force
from forceplan.names import in_words
from forceplan.registry import store, wording
from forceplan.registry.db import Actor, PledgeRow, Section, transaction, utcnow
from forceplan.scenario import Scenario, load_scenario
from forceplan.scenario.model import Pledge, PledgeStatus

log = logging.getLogger(__name__)

GAP_FACTOR = 12.0
"""A background computation starts no sooner than this many times the last one's duration after it ended. It runs in
a thread of the server process and holds the interpreter lock for much of its time: at 2 (a third of a core) the
registry benchmark's p95 on a quiet 2-core machine was 444/393 ms (reads/writes, PostgreSQL) and 132/188 ms
(SQLite); at 12, 277/244 and 65/77 ms (docs/benchmarks.md). The figures then trail a stream of writes by up to about
13 computations' time (seconds to half a minute); the pages say so."""


@dataclass(frozen=True)
class LiveMatch:
    """The force-generation result on the registry as it stood at ``computed_at`` (data version ``version``)."""

    result: ForcegenResult
    scenario: Scenario
    computed_at: dt.datetime
    version: str
    sections: tuple[tuple[str, int], ...] = ()
    """The version of every section the scenario was loaded with."""


@dataclass
class _Live:
    """One registry's newest finished match (in this process) and the state of its background computation."""

    newest: LiveMatch | None = None
    computing: bool = False
    next_start_s: float = 0.0  # time.monotonic() before which no background computation starts
    folders: list[Path] = field(default_factory=list)
    figures: dict[tuple[str, bool], Figures] = field(default_factory=dict)  # (version, planner) -> figures
    state: threading.Lock = field(default_factory=threading.Lock)  # guards the fields above, held briefly
    compute: threading.Lock = field(default_factory=threading.Lock)  # one computation at a time


_lives: dict[str, _Live] = {}
_lives_lock = threading.Lock()


def _live(engine: Engine) -> _Live:
    with _lives_lock:
        return _lives.setdefault(str(engine.url), _Live())


def _versions_in(s: Session, url: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    """The data version (see :func:`data_version`) and the sections' versions, read in ``s``."""
    sections = tuple(sorted((str(n), int(v)) for n, v in s.execute(select(Section.name, Section.version))))
    pledges = sorted((str(i), int(v)) for i, v in s.execute(select(PledgeRow.id, PledgeRow.version)))
    return hashlib.sha256(repr((url, sections, pledges)).encode()).hexdigest()[:16], sections


def data_version(engine: Engine) -> str:
    """A digest of every section's and every pledge's version: it changes with any edit that can change the match."""
    with transaction(engine, store.SYSTEM_ACTOR, read_only=True) as s:
        return _versions_in(s, str(engine.url))[0]


def _with_pledges(s: Session, sc: Scenario) -> Scenario:
    """``sc`` with the registry's pledges as they are in ``s`` (in the export's order), validated as the loader
    validates a scenario: what loading the export would give while no section has changed. Each pledge's
    references were checked when it was written (a section change takes the full export instead)."""
    rows = s.scalars(select(PledgeRow).order_by(PledgeRow.position, PledgeRow.id))
    pledges = [{k: v for k, v in store.pledge_dict(r).items() if v is not None} for r in rows]
    return Scenario.model_validate({**dict(sc), "pledges": pledges})


def _compute(engine: Engine, live: _Live) -> LiveMatch:
    """The match on the registry's current version (kept as the newest); by one thread at a time."""
    with live.compute:
        started = time.monotonic()
        # The version and the data are read in one snapshot: the figures are exactly those of their version.
        sc: Scenario | None = None
        with transaction(engine, store.SYSTEM_ACTOR, read_only=True, snapshot=True) as s:
            version, sections = _versions_in(s, str(engine.url))
            at = utcnow()  # the moment of the data the figures are of (the pages say "as they stood then")
            newest = live.newest
            if newest is not None and newest.version == version:  # computed meanwhile by another thread
                return newest
            if newest is not None and newest.sections == sections:
                # Only pledges changed: the loaded sections are reused (the export and load are ~95 % of the time).
                sc = _with_pledges(s, newest.scenario)
            else:
                folder = Path(tempfile.mkdtemp(prefix="forceplan-fill-"))
                try:
                    path = store.write_document(s, folder)
                except BaseException:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise
        if sc is None:
            try:
                sc = load_scenario(path)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        hit = LiveMatch(match_force(sc, Options()), sc, at, version, sections)
        old: list[Path] = []
        with live.state:
            live.newest = hit
            live.figures.clear()
            live.next_start_s = time.monotonic() + GAP_FACTOR * (time.monotonic() - started)
            if newest is None or newest.sections != sections:
                # The folder lives while its scenario may be in use (its geometry is read when first needed, and a
                # preview may still run on the previous scenario): the two newest are kept, older ones removed.
                live.folders.append(folder)
                old = live.folders[:-2]
                del live.folders[:-2]
        for f in old:
            shutil.rmtree(f, ignore_errors=True)
        return hit


def _in_background(engine: Engine, live: _Live) -> None:
    try:
        time.sleep(max(0.0, live.next_start_s - time.monotonic()))
        _compute(engine, live)
    except Exception:  # a registry emptied or unreadable meanwhile: the next reader computes, and sees the error
        log.exception("the registry's figures could not be computed in the background")
    finally:
        with live.state:
            live.computing = False


def newest_match(engine: Engine) -> tuple[LiveMatch, str]:
    """The newest finished match and the registry's current data version, at once: when they differ, one
    computation of the current version is started in the background (unless one is under way). Only the first
    reader of a registry waits, for the first match."""
    live = _live(engine)
    current = data_version(engine)
    with live.state:
        newest = live.newest
        start = newest is not None and newest.version != current and not live.computing
        if start:
            live.computing = True
    if newest is None:
        return _compute(engine, live), current
    if start:
        threading.Thread(target=_in_background, args=(engine, live), name="forceplan-figures", daemon=True).start()
    return newest, current


def warm(engine: Engine) -> threading.Thread:
    """Start computing the first match in the background (a server's start), so that no page waits for it."""

    def run() -> None:
        try:
            current_match(engine)
        except Exception as exc:  # an empty registry, say: the first page says what is wrong
            log.info("no figures computed at start: %s", exc)

    thread = threading.Thread(target=run, name="forceplan-figures", daemon=True)
    thread.start()
    return thread


def live_match(engine: Engine) -> LiveMatch:
    """The newest finished match (possibly of an earlier version; see :func:`newest_match`)."""
    return newest_match(engine)[0]


def current_match(engine: Engine) -> LiveMatch:
    """The match on the registry's current version, computed now if it is not there yet (waits)."""
    live = _live(engine)
    current = data_version(engine)
    with live.state:
        newest = live.newest
    if newest is not None and newest.version == current:
        return newest
    return _compute(engine, live)


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
    """What the dashboard and the nation page show, from one :class:`LiveMatch` (shared by every reader of its
    version: read it, do not change it)."""

    computed_at: dt.datetime
    version: str
    totals: dict[str, Any]
    capabilities: list[dict[str, Any]]
    shortfalls: list[dict[str, Any]] = field(default_factory=list)
    burden: list[dict[str, Any]] = field(default_factory=list)
    readiness: list[dict[str, Any]] = field(default_factory=list)
    behind: bool = False
    """The registry has changed since these figures were computed (newer ones are being computed)."""


def unused_of(engine: Engine, nation: str) -> list[dict[str, Any]]:
    """A nation's pledges that the live match leaves unused, with the reasons in words (its own pledges only)."""
    live = live_match(engine)
    return [
        {"pledge": u.pledge, "capability": u.capability, "units_unused": u.units_unused,
         "reasons": [in_words(r.detail, live.scenario) for r in u.reasons]}
        for u in live.result.unused if u.nation == nation
    ]  # fmt: skip


def figures(engine: Engine, actor: Actor, *, fresh: bool = False) -> Figures:
    """The coalition's figures for ``actor``: aggregates for everyone who may read pledges; slot reasons (which
    name other nations' pledges) and burden per nation for planners only. From the newest finished match (its
    ``behind`` says whether the registry has changed since), or with ``fresh`` from the current version (waits)."""
    store.require_reader(actor)
    if fresh:
        live, current = current_match(engine), None
    else:
        live, current = newest_match(engine)
    state = _live(engine)
    key = (live.version, actor.is_planner)
    with state.state:
        built = state.figures.get(key)
    if built is None:
        built = _build(live, actor.is_planner)
        with state.state:
            if state.newest is live:  # not replaced meanwhile: keep it for the other readers of this version
                state.figures[key] = built
    return dataclasses.replace(built, behind=current is not None and current != live.version)


def _build(live: LiveMatch, planner: bool) -> Figures:
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
    if planner:
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
    live = current_match(engine)  # the consequences of a change are those on the registry as it is now
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
