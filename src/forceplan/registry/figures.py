"""The registry's figures from the core's force generation: one set of numbers.

The dashboard's fill, shortfalls and burden are the match that ``forceplan forcegen`` and ``forceplan plan`` make
(:func:`forceplan.forcegen.match_force` with the default options: every pledge offered or later counts, and one
capability may fill another's slot), run on the registry's live pledges. It is computed once per version of the
registry's data (sections, pledges, stocks and geometry files: everything a plan run takes as its input) and kept
with that version and the moment it was computed, so every page shows the same figures and says when they were
computed. With the figures goes the version's scenario digest, the ``input_digest`` a plan run started on that
version records (:func:`forceplan.registry.jobs.start_run`): the pages say from it whether the plan run they show
was computed on the registry's current data, reading it, never computing it (:func:`posted_basis`).

The match takes seconds (the registry is exported and loaded as the loader reads a file, then the MILP is solved),
so a reader never waits for it once a first match exists: a reader gets the newest posted figures at once, with
the version they belong to, and when the data have changed since, one computation starts in the background. The
figures are computed once per registry, not once per server process: the process that computes them posts them in
the database (``posted_figures``: the coalition's aggregates, the planners' figures, each nation's unused pledges,
each readable only by its audience; row-level security on PostgreSQL), and every process reads them from there. A
lease row (``figures_lease``) lets one process compute at a time, and the next computation starts no sooner than
``GAP_FACTOR`` times the last one's duration after it ended, in any process: under a stream of writes the
background takes at most about a thirteenth of one core for the whole registry. The pages say when their figures
are behind the registry. The figures of a version are read and decoded once per process and shared.

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
from forceplan.registry import board, store, wording
from forceplan.registry.db import Actor, GeoFile, MaterielRow, PledgeRow, Section, transaction, utcnow
from forceplan.scenario import Scenario, load_scenario, scenario_digest
from forceplan.scenario.model import Pledge, PledgeStatus

log = logging.getLogger(__name__)

GAP_FACTOR = 12.0
"""A background computation starts no sooner than this many times the last one's duration after it ended (in any
server process: the lease says when). It runs in a thread of a server process and holds the interpreter lock for
much of its time: at 2 (a third of a core) the registry benchmark's p95 on a quiet 2-core machine was 444/393 ms
(reads/writes, PostgreSQL) and 132/188 ms (SQLite); at 12, 277/244 and 65/77 ms (docs/benchmarks.md). The figures
then trail a stream of writes by up to about 13 computations' time (seconds to half a minute); the pages say so."""
LEASE_S = 300.0
"""A computation holds the lease this long at most: a process that died while computing blocks the others no longer."""
RETRY_S = 5.0
"""After a computation failed, the next one starts no sooner than this."""
KEEP_VERSIONS = 2
"""Versions of the posted figures kept (a reader may still be reading the previous one)."""


@dataclass(frozen=True)
class LiveMatch:
    """The force-generation result on the registry as it stood at ``computed_at`` (data version ``version``)."""

    result: ForcegenResult
    scenario: Scenario
    computed_at: dt.datetime
    version: str
    sections: tuple[tuple[str, str], ...] = ()
    """The version of every section, stock and geometry file the scenario was loaded with (all but the pledges)."""
    input_digest: str = ""
    """The scenario digest of this version, as a plan run started on it records it (``jobs.start_run``)."""


@dataclass
class _Live:
    """One registry's newest finished match (in this process) and the state of its background computation."""

    newest: LiveMatch | None = None
    computing: bool = False
    folders: list[Path] = field(default_factory=list)
    posted: dict[int, Any] = field(default_factory=dict)  # posted_figures.id -> its decoded figures (or rows)
    state: threading.Lock = field(default_factory=threading.Lock)  # guards the fields above, held briefly
    compute: threading.Lock = field(default_factory=threading.Lock)  # one computation at a time


_lives: dict[str, _Live] = {}
_lives_lock = threading.Lock()


def _live(engine: Engine) -> _Live:
    with _lives_lock:
        return _lives.setdefault(str(engine.url), _Live())


def _versions_in(s: Session, url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The data version (see :func:`data_version`) and the versions of all but the pledges, read in ``s``."""
    sections = tuple(
        sorted(
            [(f"section {n}", str(v)) for n, v in s.execute(select(Section.name, Section.version))]
            + [(f"stock {i}", str(v)) for i, v in s.execute(select(MaterielRow.id, MaterielRow.version))]
            + [(f"geometry {f}", str(h)) for f, h in s.execute(select(GeoFile.field, GeoFile.sha256))]
        )
    )
    pledges = sorted((str(i), int(v)) for i, v in s.execute(select(PledgeRow.id, PledgeRow.version)))
    # Of the data alone (not of the URL): every server process, whatever its URL, names a version alike.
    return hashlib.sha256(repr((sections, pledges)).encode()).hexdigest()[:16], sections


def data_version(engine: Engine) -> str:
    """A digest of every section's, pledge's and stock's version and every geometry file's SHA-256: it changes with
    any edit that can change the match or a plan run's input."""
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
        # The digest of the scenario as loaded, which is start_run's: its snapshot holds the same export's files, loaded
        # by the same loader (a test compares the two, after pledge-only and after other changes).
        hit = LiveMatch(match_force(sc, Options()), sc, at, version, sections, scenario_digest(sc))
        old: list[Path] = []
        with live.state:
            live.newest = hit
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
    """Compute and post the figures of the current version, if this process gets the lease (one computation at a
    time for the whole registry); the lease then says when the next may start."""
    try:
        if not board.take_lease(engine, LEASE_S):
            return
        started, gap_s = time.monotonic(), RETRY_S
        try:
            post(engine, _compute(engine, live))
            gap_s = GAP_FACTOR * (time.monotonic() - started)
        finally:
            board.release_lease(engine, gap_s)
    except Exception:  # a registry emptied or unreadable meanwhile: the next reader computes, and sees the error
        log.exception("the registry's figures could not be computed in the background")
    finally:
        with live.state:
            live.computing = False


def _start_background(engine: Engine, live: _Live) -> None:
    with live.state:
        if live.computing:
            return
        live.computing = True
    threading.Thread(target=_in_background, args=(engine, live), name="forceplan-figures", daemon=True).start()


def newest_match(engine: Engine) -> tuple[LiveMatch, str]:
    """This process's newest finished match and the registry's current data version: when they differ, the
    current version's figures are computed in the background (by this process or another: see :func:`figures`).
    Only the first reader in a process waits, for its first match."""
    live = _live(engine)
    current = data_version(engine)
    with live.state:
        newest = live.newest
    if newest is None:
        return _compute(engine, live), current
    if newest.version != current:
        _start_background(engine, live)
    return newest, current


def warm(engine: Engine) -> threading.Thread:
    """Post the current figures in the background (a server's start), unless they are posted already or another
    server process holds the lease (it is computing them), so that no page waits for them."""

    def run() -> None:
        try:
            if board.newest_version(engine) != data_version(engine) and board.take_lease(engine, LEASE_S):
                started, gap_s = time.monotonic(), RETRY_S
                try:
                    post(engine, current_match(engine))
                    gap_s = GAP_FACTOR * (time.monotonic() - started)
                finally:
                    board.release_lease(engine, gap_s)
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


def post(engine: Engine, live: LiveMatch) -> None:
    """Post the figures of ``live`` for every audience (unless they are posted already): what every server
    process of this registry then shows."""
    unused: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for u in live.result.unused:
        unused[u.nation].append({"pledge": u.pledge, "capability": u.capability, "units_unused": u.units_unused,
                                 "reasons": [in_words(r.detail, live.scenario) for r in u.reasons]})  # fmt: skip
    nations = {n.iso3 for n in live.scenario.nations} | {p.nation for p in live.scenario.pledges} | set(unused)
    bodies = {
        ("coalition", ""): _as_json(_build(live, planner=False)),
        ("planner", ""): _as_json(_build(live, planner=True)),
        **{("nation", n): unused.get(n, []) for n in sorted(nations)},  # every nation: none left on an old list
    }
    board.post(engine, live.version, live.computed_at, bodies, KEEP_VERSIONS)


def _as_json(f: Figures) -> dict[str, Any]:
    d = dataclasses.asdict(f)
    d["computed_at"] = f.computed_at.isoformat()
    d.pop("behind")
    return d


def _posted(engine: Engine, actor: Actor, audience: str) -> tuple[str, Any] | None:
    """The newest posted figures the actor may read for ``audience`` (decoded once per process): (version, body)."""
    live = _live(engine)
    found = board.newest(engine, actor, audience, actor.nation or "" if audience == "nation" else "")
    if found is None:
        return None
    row_id, version, read_body = found
    with live.state:
        hit = live.posted.get(row_id)
    if hit is None:
        body = read_body()
        if audience == "nation":
            hit = body
        else:
            hit = Figures(**{**body, "computed_at": dt.datetime.fromisoformat(body["computed_at"])})
        with live.state:
            if len(live.posted) > 64:
                live.posted.clear()
            live.posted[row_id] = hit
    return version, hit


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
    input_digest: str | None = None
    """The scenario digest of their version, as a plan run started on it records it (None: posted without one)."""


def unused_of(engine: Engine, actor: Actor) -> list[dict[str, Any]]:
    """The actor's nation's pledges that the newest posted match leaves unused, with the reasons in words (its own
    pledges only; the row-level security on PostgreSQL lets no editor read another nation's)."""
    store.require_reader(actor)
    if not actor.nation:
        return []
    if _posted(engine, actor, "coalition") is None:
        figures(engine, actor)  # nothing posted yet: the first reader waits for the first figures
    found = _posted(engine, actor, "nation")
    return list(found[1]) if found else []


def figures(engine: Engine, actor: Actor, *, fresh: bool = False) -> Figures:
    """The coalition's figures for ``actor``: aggregates for everyone who may read pledges; slot reasons (which
    name other nations' pledges) and burden per nation for planners only. The newest posted figures (``behind``
    says whether the registry has changed since; the current version's are then computed in the background), or
    with ``fresh`` those of the current version (computed now if need be; waits)."""
    store.require_reader(actor)
    audience = "planner" if actor.is_planner else "coalition"
    if fresh:
        live = current_match(engine)
        post(engine, live)
    current = data_version(engine)
    found = _posted(engine, actor, audience)
    if found is None:  # the first reader of a registry waits for the first figures
        post(engine, current_match(engine))
        found = _posted(engine, actor, audience)
        if found is None:
            raise store.RegistryError("the figures could not be read back")
    version, built = found
    if version != current:
        _start_background(engine, _live(engine))
    return dataclasses.replace(built, behind=version != current)


def posted_basis(engine: Engine, actor: Actor) -> tuple[str | None, bool]:
    """The scenario digest of the newest posted version that ``actor`` may read (the coalition's or the planners'
    figures, as :func:`figures`), and whether the registry has changed since that version; then the current
    version's is computed in the background. Reads only: a page never waits for an export or a load. ``(None,
    True)`` while nothing is posted yet."""
    store.require_reader(actor)
    current = data_version(engine)
    found = _posted(engine, actor, "planner" if actor.is_planner else "coalition")
    if found is None or found[0] != current:
        _start_background(engine, _live(engine))
        return (found[1].input_digest if found is not None else None), True
    return found[1].input_digest, False


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
    out = Figures(
        live.computed_at, live.version, totals, capability_fill(r, sc), input_digest=live.input_digest or None
    )
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
