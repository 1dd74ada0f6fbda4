"""Every rule of the registry, independent of HTTP: who may read and write what, the pledge lifecycle, the audit
trail, optimistic versions (no lost update), the aggregate figures, import and export in the scenario format.

Functions take an :class:`~forceplan.registry.db.Actor` and raise :class:`RegistryError` subclasses that the API maps
to problem details (403, 404, 409, 422, 428) and the CLI to exit 2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from forceplan.fsutil import write_atomic
from forceplan.registry.db import (
    Actor,
    AuditRow,
    GeoFile,
    MaterielRow,
    PledgeRow,
    Section,
    transaction,
    utcnow,
)
from forceplan.scenario import Problem, Scenario, ScenarioError, load_scenario
from forceplan.scenario.checks import check_references
from forceplan.scenario.io import GEO_FIELDS, problems_from_validation
from forceplan.scenario.model import Materiel, Pledge, PledgeStatus

RENEWAL_DAYS = 182
"""A pledge is stale this many days after it was offered or last renewed (the UN PCRS renews every six months)."""

SECTIONS: tuple[str, ...] = tuple(n for n in Scenario.model_fields if n not in ("pledges", "materiel"))
"""Scenario sections kept whole, one row each, edited by planners."""

PLEDGE_FIELDS: tuple[str, ...] = tuple(Pledge.model_fields)
EDITABLE_PLEDGE_FIELDS: tuple[str, ...] = (
    "capability",
    "quantity",
    "personnel_per_unit",
    "notice_to_move_days",
    "home_base",
    "caveats",
    "available_from_day",
    "available_until_day",
    "note",
    "force",
    "rotation",
)

# (to status) -> (from statuses, who may: 'planner' | 'nation' | 'either', needs a reason)
TRANSITIONS: dict[PledgeStatus, tuple[tuple[PledgeStatus, ...], str, bool]] = {
    PledgeStatus.verified: ((PledgeStatus.offered,), "planner", False),
    PledgeStatus.committed: ((PledgeStatus.verified,), "nation", False),
    PledgeStatus.deployed: ((PledgeStatus.committed,), "planner", False),
    PledgeStatus.withdrawn: (
        (PledgeStatus.offered, PledgeStatus.verified, PledgeStatus.committed, PledgeStatus.deployed),
        "either",
        True,
    ),
}
"""The lifecycle: a planner verifies an offer, the nation commits a verified pledge, a planner records deployment;
the nation or a planner withdraws at any stage, with a reason. Nothing is deleted."""


class RegistryError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, problems: Sequence[Problem] = (), current: Any = None):
        super().__init__(detail)
        self.detail = detail
        self.problems = list(problems)
        self.current = current


class Forbidden(RegistryError):
    status, title = 403, "Forbidden"


class NotFound(RegistryError):
    status, title = 404, "Not found"


class Conflict(RegistryError):
    status, title = 409, "Conflict"


class Invalid(RegistryError):
    status, title = 422, "Invalid input"


class PreconditionRequired(RegistryError):
    status, title = 428, "Precondition required"


def today() -> dt.date:
    return utcnow().date()


# ---------------------------------------------------------------------------------------------- access rules


def require_planner(actor: Actor, what: str) -> None:
    if not actor.is_planner:
        raise Forbidden(f"only a coalition planner may {what}")


def require_reader(actor: Actor) -> None:
    if actor.role == "observer":
        raise Forbidden("observers read published plans and the monitoring status, not pledges")


def _visible(actor: Actor, nation: str | None) -> bool:
    return actor.is_planner or (actor.role == "editor" and nation is not None and nation == actor.nation)


def check_version(if_match: str | None, version: int, current: Any) -> None:
    """Optimistic concurrency: a write names the version it was based on (ETag / If-Match)."""
    if if_match is None:
        raise PreconditionRequired(
            "a write must say which version it changes: send If-Match with the ETag of the record you read"
        )
    tag = if_match.strip().removeprefix("W/").strip('"')
    if tag != str(version):
        raise Conflict(
            f"changed by someone else: you edited version {tag}, it is now at version {version}", (), current
        )


def _audit(s: Session, actor: Actor, action: str, kind: str, record_id: str, nation: str | None, changes: Any) -> None:
    s.add(
        AuditRow(
            at=utcnow(),
            actor=actor.username,
            actor_role=actor.role,
            action=action,
            kind=kind,
            record_id=record_id,
            nation=nation,
            changes=changes,
        )
    )


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


# ---------------------------------------------------------------------------------------------- pledges


def pledge_dict(row: PledgeRow) -> dict[str, Any]:
    """The row in the scenario format (what export writes)."""
    out: dict[str, Any] = {
        "id": row.id,
        "nation": row.nation,
        "capability": row.capability,
        "quantity": row.quantity,
        "personnel_per_unit": row.personnel_per_unit,
        "notice_to_move_days": row.notice_to_move_days,
        "home_base": row.home_base,
        "caveats": row.caveats,
        "status": row.status,
        "status_dates": row.status_dates,
        "available_from_day": row.available_from_day,
        "available_until_day": row.available_until_day,
        "note": row.note,
        "force": row.force,
        "rotation": row.rotation or {},
    }
    return out


def pledge_public(row: PledgeRow) -> dict[str, Any]:
    """The row as the API shows it: the scenario fields plus the registry's own."""
    return {
        **pledge_dict(row),
        "withdrawn_reason": row.withdrawn_reason,
        "expires_on": row.expires_on.isoformat() if row.expires_on else None,
        "stale": bool(row.expires_on and row.expires_on < today() and row.status != PledgeStatus.withdrawn),
        "version": row.version,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


_ref_cache: dict[str, Any] = {}
_ref_lock = threading.Lock()


def _reference_doc(s: Session) -> dict[str, Any]:
    """The sections a pledge may refer to (nations, capabilities, sites, places, phases), read once per version of
    them: every write checks its references, and the catalogue changes rarely."""
    versions = s.execute(select(Section.name, Section.version).where(Section.name.in_(_REF_SECTIONS))).all()
    bind: Any = s.get_bind()
    key = (str(bind.url), *sorted((str(n), int(v)) for n, v in versions))
    with _ref_lock:
        if _ref_cache.get("key") == key:
            return dict(_ref_cache["doc"])
    bodies = {r.name: r.body for r in s.scalars(select(Section).where(Section.name.in_(_REF_SECTIONS)))}
    doc = {k: bodies.get(k) or [] for k in _REF_SECTIONS}
    with _ref_lock:
        _ref_cache.update(key=key, doc=doc)
    return dict(doc)


_REF_SECTIONS = ("nations", "capabilities", "sites", "places", "phases")


REFERENCE_FIELDS = ("nation", "capability", "home_base", "caveats")


def validate_pledge(s: Session, data: dict[str, Any], references: bool = True) -> Pledge:
    """The same rules and messages as the scenario loader: field types and bounds, caveats, then references
    (skipped with ``references=False``; :func:`check_pledge_references` does them apart)."""
    try:
        pledge = Pledge.model_validate(data)
    except ValidationError as exc:
        raise Invalid("the pledge is not valid", problems_from_validation(exc, (), data, {}, "", root=Pledge)) from None
    if references:
        check_pledge_references(s, pledge.model_dump(mode="json"))
    return pledge


def check_pledge_references(s: Session, pledge: dict[str, Any]) -> None:
    """Nation, capability, home base and caveat phase against the registry's catalogue, in the loader's words."""
    doc = {**_reference_doc(s), "pledges": [pledge]}
    problems = [Problem(p.message, p.path[2:], hint=p.hint) for p in check_references(doc)]
    if problems:
        raise Invalid("the pledge refers to something the registry does not know", problems)


def _pledge_values(p: Pledge) -> dict[str, Any]:
    d = p.model_dump(mode="json")
    d["caveats"] = p.caveats.model_dump(mode="json", exclude_defaults=True)
    d["rotation"] = p.rotation.model_dump(mode="json", exclude_none=True)
    return d


def _load_pledge(s: Session, actor: Actor, pledge_id: str, *, for_update: bool = False) -> PledgeRow:
    require_reader(actor)
    q = select(PledgeRow).where(PledgeRow.id == pledge_id)
    postgres = s.get_bind().dialect.name == "postgresql"
    row = s.scalars(q.with_for_update() if for_update and postgres else q).first()
    # Another nation's pledge is "not found": an editor learns nothing of what others offer, not even its id.
    if row is None or not _visible(actor, row.nation):
        raise NotFound(f"no pledge {pledge_id!r} that you may see")
    return row


def list_pledges(
    engine: Engine, actor: Actor, nation: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    require_reader(actor)
    with transaction(engine, actor, read_only=True) as s:
        q = select(PledgeRow).order_by(PledgeRow.nation, PledgeRow.position, PledgeRow.id)
        if not actor.is_planner:
            q = q.where(PledgeRow.nation == actor.nation)
        if nation:
            q = q.where(PledgeRow.nation == nation.upper())
        if status:
            q = q.where(PledgeRow.status == status)
        return [pledge_public(r) for r in s.scalars(q)]


def get_pledge(engine: Engine, actor: Actor, pledge_id: str) -> dict[str, Any]:
    with transaction(engine, actor, read_only=True) as s:
        return pledge_public(_load_pledge(s, actor, pledge_id))


ID_ATTEMPTS = 10
"""Generated ids tried before a create gives up (a clash needs rows the editor cannot see in its own namespace)."""


def _next_pledge_id(s: Session, nation: str, skip: int = 0) -> str:
    """``NATION-nn``: one past the highest number the nation's visible pledges use (``skip`` more on a retry)."""
    ids = s.scalars(select(PledgeRow.id).where(PledgeRow.nation == nation, PledgeRow.id.like(f"{nation}-%")))
    numbers = [int(i.split("-", 1)[1]) for i in ids if i.split("-", 1)[1].isdigit()]
    return f"{nation}-{max(numbers, default=0) + 1 + skip:02d}"


def create_pledge(engine: Engine, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """A nation editor offers a pledge for its nation (status offered, renewal due in six months). The registry
    gives it its id, in the nation's own namespace (``GBR-07``): no nation can take, block or probe another's ids."""
    require_reader(actor)
    nation = (data.get("nation") or actor.nation or "").upper()
    if actor.role != "editor" or nation != actor.nation:
        raise Forbidden(
            "only the nation's own editor may offer its pledges"
            + (f" (you edit {actor.nation})" if actor.nation else "")
        )
    refused = [k for k in ("id", "expires_on", "status", "status_dates") if k in data]
    if refused:
        raise Invalid(
            "the registry sets these itself: a new pledge is given its id in your nation's namespace, starts as "
            "offered and is due for renewal in six months",
            [Problem("set by the registry", (k,)) for k in refused],
        )
    for attempt in range(ID_ATTEMPTS):
        try:
            return _insert_pledge(engine, actor, nation, data, attempt)
        except IntegrityError:
            continue  # the id was taken meanwhile, or by a row this editor cannot see: the next one
    raise Conflict("could not allocate a pledge id; try again", [Problem("no free id", ("id",))])


def _insert_pledge(engine: Engine, actor: Actor, nation: str, data: dict[str, Any], attempt: int) -> dict[str, Any]:
    with transaction(engine, actor) as s:
        if s.get_bind().dialect.name == "postgresql":
            # One allocator per nation at a time (released at commit): concurrent creates do not clash.
            s.execute(text("SELECT pg_advisory_xact_lock(hashtext('forceplan-pledge-id:' || :n))"), {"n": nation})
        pid = _next_pledge_id(s, nation, attempt)
        values = {**data, "id": pid, "nation": nation, "status": "offered", "status_dates": {"offered": today()}}
        pledge = validate_pledge(s, values)
        position = s.scalar(select(func.coalesce(func.max(PledgeRow.position), 0))) or 0
        row = PledgeRow(
            **_pledge_values(pledge),
            expires_on=today() + dt.timedelta(days=RENEWAL_DAYS),
            position=position + 1,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        s.add(row)
        s.flush()
        _audit(s, actor, "create", "pledge", pid, nation, _diff({}, pledge_public(row)))
        return pledge_public(row)


def _save(s: Session, row: Any, current: Any) -> None:
    try:
        s.flush()
    except StaleDataError:
        raise Conflict(
            "changed by someone else while you saved; nothing of your change was kept", (), current
        ) from None


def update_pledge(
    engine: Engine, actor: Actor, pledge_id: str, changes: dict[str, Any], if_match: str | None
) -> dict[str, Any]:
    """The nation's editor changes a pledge. A change to a verified or committed pledge sends it back to offered:
    it must be verified again before it counts. Deployed and withdrawn pledges are history."""
    with transaction(engine, actor) as s:
        row = _load_pledge(s, actor, pledge_id, for_update=True)
        before = pledge_public(row)
        check_version(if_match, row.version, before)
        if actor.role != "editor":
            raise Forbidden("only the nation's own editor may change its pledges; planners verify them")
        if row.status in (PledgeStatus.deployed, PledgeStatus.withdrawn):
            raise Conflict(f"a {row.status} pledge is history and cannot be changed; offer a new pledge", (), before)
        unknown = [k for k in changes if k not in EDITABLE_PLEDGE_FIELDS]
        if unknown:
            raise Invalid(
                "these fields cannot be changed (renewal is due six months after an offer or a renewal: renew the "
                "pledge to confirm it stands)",
                [Problem("not editable", (k,)) for k in unknown],
            )
        stored = pledge_dict(row)
        # Validated first, then compared in the stored form: a body that restates the current values (caveats
        # with their defaults spelled out, say) changes nothing and does not send the pledge back to offered.
        new = _pledge_values(validate_pledge(s, {**stored, **changes}, references=False))
        substantive = any(new[k] != stored[k] for k in EDITABLE_PLEDGE_FIELDS if k != "note")
        if substantive and row.status in (PledgeStatus.verified, PledgeStatus.committed):
            new["status"] = PledgeStatus.offered.value
            new["status_dates"] = {"offered": row.status_dates.get("offered") or today().isoformat()}
        if any(new[k] != stored[k] for k in REFERENCE_FIELDS):  # only then can a reference have become wrong
            check_pledge_references(s, new)
        for k, v in new.items():
            setattr(row, k, v)
        row.updated_at = utcnow()
        _save(s, row, before)
        after = pledge_public(row)
        _audit(s, actor, "update", "pledge", row.id, row.nation, _diff(before, after))
        return after


def transition_pledge(
    engine: Engine, actor: Actor, pledge_id: str, to: str, reason: str | None, if_match: str | None
) -> dict[str, Any]:
    try:
        target = PledgeStatus(to)
    except ValueError:
        raise Invalid(f"unknown status {to!r}", [Problem(f"unknown status {to!r}", ("to",))]) from None
    if target not in TRANSITIONS:
        raise Invalid(f"a pledge cannot be moved to {to!r}", [Problem("not a transition", ("to",))])
    sources, who, needs_reason = TRANSITIONS[target]
    with transaction(engine, actor) as s:
        row = _load_pledge(s, actor, pledge_id, for_update=True)
        before = pledge_public(row)
        check_version(if_match, row.version, before)
        allowed = {
            "planner": actor.is_planner,
            "nation": actor.role == "editor" and actor.nation == row.nation,
            "either": actor.is_planner or (actor.role == "editor" and actor.nation == row.nation),
        }[who]
        if not allowed:
            whom = {"planner": "a coalition planner", "nation": "the nation's own editor", "either": "anyone"}[who]
            raise Forbidden(f"only {whom} may move a pledge to {target.value}")
        if PledgeStatus(row.status) not in sources:
            raise Conflict(
                f"a {row.status} pledge cannot become {target.value} (from: {', '.join(x.value for x in sources)})",
                (),
                before,
            )
        if needs_reason and not (reason or "").strip():
            raise Invalid("say why", [Problem("a withdrawal needs a reason", ("reason",))])
        row.status = target.value
        row.status_dates = {**row.status_dates, target.value: today().isoformat()}
        if target is PledgeStatus.withdrawn:
            row.withdrawn_reason = (reason or "").strip()
        row.updated_at = utcnow()
        _save(s, row, before)
        after = pledge_public(row)
        action = {"verified": "verify", "committed": "commit", "deployed": "deploy", "withdrawn": "withdraw"}
        _audit(s, actor, action[target.value], "pledge", row.id, row.nation, _diff(before, after))
        return after


def renew_pledge(engine: Engine, actor: Actor, pledge_id: str, if_match: str | None) -> dict[str, Any]:
    """The nation confirms its pledge still stands: renewal due six months from today."""
    with transaction(engine, actor) as s:
        row = _load_pledge(s, actor, pledge_id, for_update=True)
        before = pledge_public(row)
        check_version(if_match, row.version, before)
        if not (actor.role == "editor" and actor.nation == row.nation):
            raise Forbidden("only the nation's own editor may renew its pledges")
        if row.status == PledgeStatus.withdrawn:
            raise Conflict("a withdrawn pledge cannot be renewed", (), before)
        row.expires_on = today() + dt.timedelta(days=RENEWAL_DAYS)
        row.updated_at = utcnow()
        _save(s, row, before)
        after = pledge_public(row)
        _audit(s, actor, "renew", "pledge", row.id, row.nation, _diff(before, after))
        return after


# ---------------------------------------------------------------------------------------------- materiel


def materiel_public(row: MaterielRow) -> dict[str, Any]:
    return {**row.body, "version": row.version, "updated_at": row.updated_at.isoformat()}


def _validate_materiel(s: Session, data: dict[str, Any]) -> Materiel:
    try:
        m = Materiel.model_validate(data)
    except ValidationError as exc:
        raise Invalid(
            "the stock is not valid", problems_from_validation(exc, (), data, {}, "", root=Materiel)
        ) from None
    doc = {**_reference_doc(s), "materiel": [m.model_dump(mode="json")]}
    problems = [Problem(p.message, p.path[2:], hint=p.hint) for p in check_references(doc)]
    if problems:
        raise Invalid("the stock refers to something the registry does not know", problems)
    return m


def list_materiel(engine: Engine, actor: Actor) -> list[dict[str, Any]]:
    require_reader(actor)
    with transaction(engine, actor, read_only=True) as s:
        q = select(MaterielRow).order_by(MaterielRow.position)
        if not actor.is_planner:
            q = q.where(MaterielRow.nation == actor.nation)
        return [materiel_public(r) for r in s.scalars(q)]


def save_materiel(
    engine: Engine, actor: Actor, data: dict[str, Any], mid: str | None = None, if_match: str | None = None
) -> dict[str, Any]:
    """Create (``mid`` None) or change a stockpile record: a nation's own by its editor, a coalition stock (no
    nation) by a planner."""
    require_reader(actor)
    if mid is None and actor.role == "editor" and not str(data.get("id", "")).startswith(f"{actor.nation}-"):
        # A nation's stocks are named in its own namespace, so no clash can tell it of another nation's stock.
        raise Invalid(
            f"a new stock's id starts with your nation's code, e.g. {actor.nation}-M1",
            [Problem(f"start the id with '{actor.nation}-'", ("id",))],
        )
    try:
        return _save_materiel(engine, actor, data, mid, if_match)
    except IntegrityError:
        raise Conflict(f"a stock with id {data.get('id')!r} cannot be created: choose another id") from None


def _save_materiel(
    engine: Engine, actor: Actor, data: dict[str, Any], mid: str | None, if_match: str | None
) -> dict[str, Any]:
    with transaction(engine, actor) as s:
        if mid is None:
            row = None
            values = dict(data)
            if actor.role == "editor":
                values["nation"] = actor.nation
            if s.get(MaterielRow, values.get("id")) is not None:
                raise Conflict(f"a stock with id {values.get('id')!r} exists already")
        else:
            row = s.get(MaterielRow, mid)
            if row is None or (not _visible(actor, row.nation) and not (actor.is_planner and row.nation is None)):
                raise NotFound(f"no stock {mid!r} that you may see")
            check_version(if_match, row.version, materiel_public(row))
            values = {**row.body, **data, "id": row.id}
        nation = values.get("nation")
        if not (actor.is_planner or (actor.role == "editor" and nation == actor.nation)):
            raise Forbidden("a nation's editor changes only that nation's stocks")
        m = _validate_materiel(s, values)
        body = m.model_dump(mode="json", exclude_none=True)
        before = row.body if row else {}
        if row is None:
            position = s.scalar(select(func.coalesce(func.max(MaterielRow.position), 0))) or 0
            row = MaterielRow(id=m.id, nation=m.nation, body=body, position=position + 1, updated_at=utcnow())
            s.add(row)
        else:
            row.body, row.nation, row.updated_at = body, m.nation, utcnow()
        _save(s, row, materiel_public(row))
        _audit(s, actor, "create" if not before else "update", "materiel", m.id, m.nation, _diff(before, body))
        return materiel_public(row)


# ---------------------------------------------------------------------------------------------- sections


def get_sections(engine: Engine, actor: Actor, names: Iterable[str] = SECTIONS) -> dict[str, dict[str, Any]]:
    """Scenario sections with their versions: every signed-in role reads them (they are the coalition's common
    picture: catalogue, sites, threats, requirement)."""
    with transaction(engine, actor, read_only=True) as s:
        rows = s.scalars(select(Section).where(Section.name.in_(list(names))))
        return {r.name: {"name": r.name, "body": r.body, "version": r.version} for r in rows}


def update_section(engine: Engine, actor: Actor, name: str, body: Any, if_match: str | None) -> dict[str, Any]:
    """A planner replaces one section; the whole scenario is checked as the loader checks a file before it is
    kept (a requirement naming an unknown capability is refused, with the loader's message)."""
    require_planner(actor, "change the requirement, sites, threats or agreement")
    if name not in SECTIONS:
        raise NotFound(f"no section {name!r}; sections: {', '.join(SECTIONS)}")
    if name == "geography" and isinstance(body, dict):
        body = {**body, **{k: k + ".geojson" for k in GEO_FIELDS}}  # the geometry files stay the registry's
    with transaction(engine, actor) as s:
        row = s.get(Section, name)
        if row is None:
            raise NotFound(f"section {name!r} is empty: import a scenario first")
        current = {"name": name, "body": row.body, "version": row.version}
        check_version(if_match, row.version, current)
        raw = _document(s)
        raw[name] = body
        with tempfile.TemporaryDirectory(prefix="forceplan-check-") as tmp:
            try:
                _write_document(s, raw, Path(tmp))
                load_scenario(Path(tmp) / "scenario.yaml")
            except ScenarioError as exc:
                raise Invalid(f"the {name} section is not valid", _relative(exc.problems)) from None
        before = row.body
        row.body = json.loads(json.dumps(body))
        _save(s, row, current)
        _audit(s, actor, "update", "section", name, None, {"body": [before, row.body]})
        return {"name": name, "body": row.body, "version": row.version}


def _relative(problems: Sequence[Problem]) -> list[Problem]:
    return [Problem(p.message, p.path, None, None, None, p.hint) for p in problems]


# ---------------------------------------------------------------------------------------------- aggregates


def fill(engine: Engine, actor: Actor) -> dict[str, Any]:
    """The coalition's aggregate figures, open to every signed-in role: units and personnel pledged per
    capability by status against the requirement's units. Counted: committed and deployed (a pledge is recorded
    when offered and counted once committed, as in OCHA's tracking); the optimised match is in plan runs."""
    with transaction(engine, actor, read_only=True) as s:
        # Only the two sections the figures need: the others (sites, sources, threats ...) are most of the bytes.
        wanted = Section.name.in_(("capabilities", "requirement"))
        sections = {r.name: r.body for r in s.scalars(select(Section).where(wanted))}
        rows = s.execute(text("SELECT capability, status, units, personnel, pledges, stale FROM pledge_fill")).all()
    stale = sum(int(r[5] or 0) for r in rows)
    awaiting = sum(int(r[4] or 0) for r in rows if r[1] == "offered")
    caps = {c["id"]: c for c in sections.get("capabilities") or []}
    required: dict[str, int] = {}
    for slot in (sections.get("requirement") or {}).get("slots") or []:
        required[slot["capability"]] = required.get(slot["capability"], 0) + int(slot["quantity"])
    by_cap: dict[str, dict[str, Any]] = {}
    for cap in sorted(set(required) | {r[0] for r in rows}):
        by_cap[cap] = {
            "capability": cap,
            "name": caps.get(cap, {}).get("name", cap),
            "required_units": required.get(cap, 0),
            "units": {st.value: 0 for st in PledgeStatus},
            "personnel": {st.value: 0 for st in PledgeStatus},
        }
    for cap, status, units, personnel, _n, _stale in rows:
        by_cap[cap]["units"][status] += int(units or 0)
        by_cap[cap]["personnel"][status] += int(personnel or 0)
    for c in by_cap.values():
        counted = c["units"]["committed"] + c["units"]["deployed"]
        c["counted_units"] = counted
        c["shortfall_units"] = max(0, c["required_units"] - counted)
    cap_personnel = (sections.get("requirement") or {}).get("max_personnel")
    return {
        "capabilities": list(by_cap.values()),
        "personnel_counted": sum(c["personnel"]["committed"] + c["personnel"]["deployed"] for c in by_cap.values()),
        "personnel_offered": sum(
            sum(v for k, v in c["personnel"].items() if k != "withdrawn") for c in by_cap.values()
        ),
        "max_personnel": cap_personnel,
        "stale_pledges": int(stale or 0),
        "awaiting_verification": int(awaiting or 0),
        "note": "counted = committed + deployed units of the capability itself; the optimised match, which also "
        "lets one capability fill another's slot, is in plan runs",
    }


def burden(engine: Engine, actor: Actor) -> list[dict[str, Any]]:
    """Burden sharing per nation (planners): personnel counted and offered, per million people and per US$ bn."""
    require_planner(actor, "see burden sharing per nation")
    with transaction(engine, actor, read_only=True) as s:
        section = s.get(Section, "nations")
        nations = {n["iso3"]: n for n in (section.body if section else [])}
        rows = s.execute(text("SELECT nation, status, personnel FROM nation_burden")).all()
    out: dict[str, dict[str, Any]] = {}
    for nation, status, personnel in rows:
        d = out.setdefault(nation, {"nation": nation, "personnel_counted": 0, "personnel_offered": 0})
        if status in ("committed", "deployed"):
            d["personnel_counted"] += int(personnel)
        if status != "withdrawn":
            d["personnel_offered"] += int(personnel)
    for iso3, d in out.items():
        n = nations.get(iso3, {})
        d["name"] = n.get("name", iso3)
        d["personnel_counted_per_million"] = round(d["personnel_counted"] / n["population_millions"], 1) if n else None
        d["personnel_counted_per_usd_bn"] = round(d["personnel_counted"] / n["gdp_usd_bn"], 2) if n else None
    return sorted(out.values(), key=lambda d: -d["personnel_counted"])


def audit_trail(
    engine: Engine, actor: Actor, nation: str | None = None, record_id: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Who changed what and when. Planners and admins see all; an editor sees its own nation's records."""
    require_reader(actor)
    with transaction(engine, actor, read_only=True) as s:
        q = select(AuditRow).order_by(AuditRow.id.desc()).limit(max(1, min(limit, 5000)))
        if not actor.is_planner:
            q = q.where(AuditRow.nation == actor.nation)
        if nation:
            q = q.where(AuditRow.nation == nation.upper())
        if record_id:
            q = q.where(AuditRow.record_id == record_id)
        return [
            {
                "id": r.id,
                "at": r.at.isoformat(),
                "actor": r.actor,
                "actor_role": r.actor_role,
                "action": r.action,
                "kind": r.kind,
                "record_id": r.record_id,
                "nation": r.nation,
                "changes": r.changes,
            }
            for r in s.scalars(q)
        ]


# ---------------------------------------------------------------------------------------------- import, export


def import_scenario(engine: Engine, actor: Actor, sc: Scenario, replace: bool = False) -> dict[str, int]:
    """Load a scenario into the registry, all or nothing. An empty registry takes it; one that holds pledges
    takes it only with ``replace`` (a planner's or admin's decision), and the replaced pledges are withdrawn,
    never deleted."""
    require_planner(actor, "import a scenario")
    data = sc.model_dump(mode="json")
    with transaction(engine, actor) as s:
        existing = {r.id: r for r in s.scalars(select(PledgeRow))}
        if existing and not replace:
            raise Conflict(
                f"the registry holds {len(existing)} pledges already; import with --replace to take this scenario "
                "(the pledges it does not name are withdrawn, not deleted)"
            )
        for name in SECTIONS:
            body = data[name]
            if name == "geography":
                body = {**body, **{k: k + ".geojson" for k in GEO_FIELDS}}
            row = s.get(Section, name)
            if row is None:
                s.add(Section(name=name, body=body))
            elif row.body != body:
                before, row.body = row.body, body
                _audit(s, actor, "import", "section", name, None, {"body": [before, body]})
        for key in GEO_FIELDS:
            content = Path(data["geography"][key]).read_text(encoding="utf-8")
            digest = hashlib.sha256(content.encode()).hexdigest()
            g = s.get(GeoFile, key)
            if g is None:
                s.add(GeoFile(field=key, sha256=digest, content=content))
            else:
                g.sha256, g.content = digest, content
        named = set()
        for i, p in enumerate(sc.pledges):
            named.add(p.id)
            values = _pledge_values(p)
            last = max(p.status_dates.values(), default=None)
            prow = existing.get(p.id)
            if prow is None:
                prow = PledgeRow(
                    **values,
                    expires_on=(last + dt.timedelta(days=RENEWAL_DAYS)) if last else today(),
                    position=i + 1,
                    created_at=utcnow(),
                    updated_at=utcnow(),
                )
                s.add(prow)
                _audit(s, actor, "import", "pledge", p.id, p.nation, _diff({}, values))
            else:
                before = pledge_dict(prow)
                for k, v in values.items():
                    setattr(prow, k, v)
                prow.position, prow.updated_at = i + 1, utcnow()
                if _diff(before, values):
                    _audit(s, actor, "import", "pledge", p.id, p.nation, _diff(before, values))
        for pid, old in existing.items():
            if pid not in named and old.status != PledgeStatus.withdrawn:
                _audit(s, actor, "withdraw", "pledge", pid, old.nation, {"status": [old.status, "withdrawn"]})
                old.status = PledgeStatus.withdrawn.value
                old.status_dates = {**old.status_dates, "withdrawn": today().isoformat()}
                old.withdrawn_reason = "not in the scenario imported"
        old_m = {r.id: r for r in s.scalars(select(MaterielRow))}
        for i, m in enumerate(sc.materiel):
            body = m.model_dump(mode="json", exclude_none=True)
            mrow = old_m.pop(m.id, None)
            if mrow is None:
                s.add(MaterielRow(id=m.id, nation=m.nation, body=body, position=i + 1, updated_at=utcnow()))
            else:
                mrow.body, mrow.nation, mrow.position = body, m.nation, i + 1
        if old_m:
            raise Conflict(f"stocks {sorted(old_m)} are not in the scenario; stocks are never deleted")
        s.flush()
        return {"sections": len(SECTIONS), "pledges": len(sc.pledges), "materiel": len(sc.materiel)}


def _document(s: Session) -> dict[str, Any]:
    sections = {r.name: r.body for r in s.scalars(select(Section))}
    if not sections:
        raise NotFound("the registry is empty: import a scenario first (forceplan registry import SCENARIO)")
    raw: dict[str, Any] = {name: sections[name] for name in SECTIONS if name in sections}
    pledges = s.scalars(select(PledgeRow).order_by(PledgeRow.position, PledgeRow.id))
    raw["pledges"] = [_strip_none(pledge_dict(r)) for r in pledges]
    raw["materiel"] = [r.body for r in s.scalars(select(MaterielRow).order_by(MaterielRow.position))]
    return raw


def _strip_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _write_document(s: Session, raw: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    for g in s.scalars(select(GeoFile)):
        write_atomic(out_dir / f"{g.field}.geojson", g.content)
    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    buf = io.StringIO()
    yaml.dump(json.loads(json.dumps(raw)), buf)
    out = out_dir / "scenario.yaml"
    write_atomic(out, buf.getvalue())
    return out


def write_document(s: Session, out_dir: Path) -> Path:
    """The registry as a scenario folder, read in the caller's transaction ``s`` (whose rights it has)."""
    return _write_document(s, _document(s), out_dir)


def export_registry(engine: Engine, actor: Actor, out_dir: Path) -> Path:
    """Write the registry's state as a scenario folder (scenario.yaml and its GeoJSON files); every CLI analysis
    runs on it. Only planners export: the file holds every nation's pledges."""
    require_planner(actor, "export the registry")
    with transaction(engine, actor, read_only=True) as s:
        return _write_document(s, _document(s), out_dir)


def snapshot_files(engine: Engine, actor: Actor) -> dict[str, str]:
    """The registry's state as the files of a scenario folder, by name (what a plan run keeps as its input)."""
    require_planner(actor, "run a plan on the registry")
    with tempfile.TemporaryDirectory(prefix="forceplan-snap-") as tmp:
        export_registry(engine, actor, Path(tmp))
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(tmp).iterdir())}


_scenario_cache: dict[str, Any] = {}
_scenario_lock = threading.Lock()


def current_scenario(engine: Engine) -> Scenario:
    """The registry's scenario as the loader reads it (for classifying incidents), rebuilt when a section changes."""
    with transaction(engine, SYSTEM_ACTOR, read_only=True) as s:
        key = (
            str(engine.url),
            *sorted((str(n), int(v)) for n, v in s.execute(select(Section.name, Section.version))),
        )
    with _scenario_lock:  # built once per change, by one thread; its folder lives until the next change
        if _scenario_cache.get("key") == key:
            sc: Scenario = _scenario_cache["scenario"]
            return sc
        # The folder stays while this scenario is current: its geometry is read when first needed (line of contact).
        folder = Path(tempfile.mkdtemp(prefix="forceplan-sc-"))
        sc = load_scenario(export_registry(engine, SYSTEM_ACTOR, folder))
        # A request may still classify with the previous scenario: keep its folder until the next change.
        old = _scenario_cache.get("older")
        _scenario_cache.update(key=key, scenario=sc, folder=folder, older=_scenario_cache.get("folder"))
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return sc


SYSTEM_ACTOR = Actor("system", "admin")
