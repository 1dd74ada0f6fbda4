"""Tables (SQLAlchemy 2), engines and the transaction scope that tells PostgreSQL who is acting.

Every transaction runs as an :class:`Actor`. On PostgreSQL the actor's role and nation are set for that transaction
only (``set_config(..., true)``, the function form of ``SET LOCAL``), and the row-level security policies written by
the migration read them: the second wall behind the application's own checks.

The context is signed: ``role|nation|username|expires|mac`` with mac = sha256(k || sha256(k || body)), k the
database's wall key, which only the owner may read and the application is given in its configuration (the URL's
``wall_key`` parameter or ``FORCEPLAN_DB_KEY``; ``forceplan db wall-key`` prints it). SQL run as the application
role cannot make a context it was not given: ``set_config('forceplan.ctx', ...)`` with anything unsigned, expired
or signed by another key counts as no actor at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

ROLES = ("editor", "planner", "observer", "admin")
"""nation editor, coalition planner, observer, admin (accounts)."""

DEFAULT_DB_FILE = "forceplan-registry.sqlite"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    nation: Mapped[str | None] = mapped_column(String(3))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Token(Base):
    __tablename__ = "auth_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(8))  # session | bearer
    csrf: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Section(Base):
    """One scenario section other than pledges and materiel (requirement, sites, threats, agreement, ...)."""

    __tablename__ = "scenario_sections"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    body: Mapped[Any] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as declared)


class GeoFile(Base):
    """A GeoJSON file the geography section refers to, kept whole (content-addressed on export)."""

    __tablename__ = "geo_files"
    field: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)


class PledgeRow(Base):
    __tablename__ = "pledges"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nation: Mapped[str] = mapped_column(String(3), index=True)
    capability: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    personnel_per_unit: Mapped[int] = mapped_column(Integer)
    notice_to_move_days: Mapped[float] = mapped_column(Float)
    home_base: Mapped[Any] = mapped_column(JSON)
    caveats: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    status_dates: Mapped[dict[str, Any]] = mapped_column(JSON)
    available_from_day: Mapped[float] = mapped_column(Float, default=0.0)
    available_until_day: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    force: Mapped[str] = mapped_column(String(16), default="regular")
    rotation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as declared)


class MaterielRow(Base):
    __tablename__ = "materiel"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nation: Mapped[str | None] = mapped_column(String(3), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as declared)


class AuditRow(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    nation: Mapped[str | None] = mapped_column(String(3), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


class PlanRun(Base):
    __tablename__ = "plan_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    stage: Mapped[str] = mapped_column(String(64), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    seed: Mapped[int] = mapped_column(Integer)
    trials: Mapped[int] = mapped_column(Integer)
    response_trials: Mapped[int] = mapped_column(Integer)
    input_digest: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[str] = mapped_column(Text)
    plan_json: Mapped[str | None] = mapped_column(Text)
    report_html: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class PostedFigures(Base):
    """The dashboard's figures of one data version, as one audience may see them (``forceplan.registry.figures``):
    computed by one server process and read by all. ``coalition``: the aggregates every reader sees; ``planner``:
    with the slots' reasons and burden per nation; ``nation``: one nation's unused pledges (``nation`` set)."""

    __tablename__ = "posted_figures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(16))
    audience: Mapped[str] = mapped_column(String(16))
    nation: Mapped[str] = mapped_column(String(3), default="")
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    body: Mapped[Any] = mapped_column(JSON)


class FiguresLease(Base):
    """One row: no server process starts computing the figures before ``until_s`` (Unix time), so one computes
    at a time for the whole registry, and the throttle after it holds for every process."""

    __tablename__ = "figures_lease"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    until_s: Mapped[float] = mapped_column(Float, default=0.0)


# ---------------------------------------------------------------------------------------------- engines, actors


def default_url(folder: Path | None = None) -> str:
    """The embedded default: a SQLite file in the working folder."""
    return f"sqlite:///{(folder or Path.cwd()) / DEFAULT_DB_FILE}"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 (the driver this project installs)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class WallKeyMissing(RuntimeError):
    """The application role was not given the database's wall key."""


def _split_key(url: str) -> tuple[str, bytes | None]:
    """The URL without its ``wall_key`` parameter, and the key (hex) from it or from FORCEPLAN_DB_KEY."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    given = u.query.get("wall_key") or os.environ.get("FORCEPLAN_DB_KEY")
    if "wall_key" in u.query:
        u = u.difference_update_query(["wall_key"])
    try:
        key = bytes.fromhex(str(given).strip()) if given else None
    except ValueError:
        raise WallKeyMissing("the wall key must be hexadecimal (forceplan db wall-key prints it)") from None
    return u.render_as_string(hide_password=False), key


def make_engine(url: str, pool_size: int = 20) -> Engine:
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        url, key = _split_key(url)
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
        with _keys_lock:
            _keys[engine] = key
        _postgres_round_trips(engine)
        return engine
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # A transaction that may write takes the write lock at BEGIN, so two writers queue instead of failing on
        # upgrade (SQLite's only wall). A read-only one begins deferred: under WAL it reads its snapshot while a
        # writer holds the lock, instead of queueing behind every write (and every other reader) for it.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


PING_IDLE_S = 5.0
"""A pooled PostgreSQL connection idle this long is checked (one empty query) before it is handed out again."""
BEGIN_SQL = "forceplan_begin"
"""Execution option: the statement that begins the transaction (PostgreSQL; see :func:`transaction`)."""


def _postgres_round_trips(engine: Engine) -> None:
    """Fewer round trips per transaction (docs/registry.md, "Cost per request"). The driver runs in autocommit mode
    and the transaction is begun by the ``begin`` event below, with whatever :func:`transaction` put in the
    ``BEGIN_SQL`` option: ``BEGIN`` together with the signed actor in one simple query, instead of psycopg's own
    ``BEGIN`` and then a ``set_config``. A connection is pinged on checkout only after ``PING_IDLE_S`` idle, not
    before every transaction (``pool_pre_ping``): under load none is idle that long, and a connection broken
    meanwhile fails its request once, after which SQLAlchemy discards the pool's older connections."""

    @event.listens_for(engine, "connect", insert=True)
    def _autocommit(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.autocommit = True  # every transaction is begun explicitly (below); COMMIT/ROLLBACK as before

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        sql = conn.get_execution_options().get(BEGIN_SQL, "BEGIN")
        raw = conn.connection.dbapi_connection
        try:
            raw.execute(sql, prepare=False)  # simple protocol: several statements
        except Exception as exc:
            if not (raw.closed or raw.broken):
                raise
            conn.invalidate()  # the pool must not hand this one out again
            raise ConnectionLost(str(exc)) from exc

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("idle_since", time.monotonic()) < PING_IDLE_S:
            return
        try:
            dbapi_conn.execute(";", prepare=False)
        except Exception as exc:  # the pool replaces it (and retries the checkout)
            raise DisconnectionError(str(exc)) from exc


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@dataclass(frozen=True)
class Actor:
    """Who acts in a transaction: a user's name, role and (for a nation editor) nation."""

    username: str
    role: str
    nation: str | None = None
    must_change_password: bool = False
    """Signed in with a one-time password: nothing but changing it is allowed."""

    @property
    def is_planner(self) -> bool:
        return self.role in ("planner", "admin")


SYSTEM = Actor("system", "admin")


_keys: weakref.WeakKeyDictionary[Engine, bytes | None] = weakref.WeakKeyDictionary()
_walled: weakref.WeakSet[Engine] = weakref.WeakSet()
_keys_lock = threading.Lock()
CONTEXT_S = 600
"""A signed context is good this long (a transaction longer than this loses its actor and sees nothing)."""


def wall_key(engine: Engine) -> bytes:
    """The key this engine signs contexts with: given in its configuration, or read by the owner itself."""
    with _keys_lock:
        key = _keys.get(engine)
    if key:
        return key
    try:
        with engine.connect() as c:
            key = c.execute(text("SELECT app_key FROM wall_key WHERE id = 1")).scalar()
    except Exception:
        key = None
    if not key:
        raise WallKeyMissing(
            "this database role may not read the database's wall key and was not given it: run 'forceplan db "
            "wall-key --db OWNER_URL' as the owner and pass the key as FORCEPLAN_DB_KEY (or ?wall_key= in the URL)"
        )
    with _keys_lock:
        _keys[engine] = bytes(key)
    return bytes(key)


def sign_context(key: bytes, actor: Actor, now_s: float | None = None) -> str:
    """``role|nation|username|expires|mac``: what the policies accept as the acting user (see the module note)."""
    expires = int((time.time() if now_s is None else now_s) + CONTEXT_S)
    body = f"{actor.role}|{actor.nation or ''}|{actor.username}|{expires}"
    mac = hashlib.sha256(key + hashlib.sha256(key + body.encode()).digest()).hexdigest()
    return f"{body}|{mac}"


def _migrated(engine: Engine) -> bool:
    """Whether the signed wall is in place (schema 0002 or later); before it, nothing to sign."""
    with _keys_lock:
        if engine in _walled:
            return True
    with engine.connect() as c:
        found = c.execute(text("SELECT to_regclass('wall_key') IS NOT NULL")).scalar()
    if found:
        with _keys_lock:
            _walled.add(engine)
    return bool(found)


READ_ONLY = "forceplan_read_only"
"""Execution option of a read-only transaction (see :func:`transaction`)."""
_CONTEXT_RE = re.compile(r"[a-z]*\|[A-Z]{0,3}\|[A-Za-z0-9_.-]*\|[0-9]{1,12}\|[0-9a-f]{64}")
"""A signed context as ``fp_actor`` accepts it: no quote or backslash, so it may stand as a literal in SQL."""


def begin_sql(context: str | None, *, read_only: bool = False, snapshot: bool = False) -> tuple[str, bool]:
    """The statement that begins a PostgreSQL transaction with its actor, and whether the actor is in it. One
    simple query: ``BEGIN [ISOLATION LEVEL REPEATABLE READ] [READ ONLY]; SELECT set_config('forceplan.ctx', ...,
    true)``. The context is written as a literal only when it has the signed form (letters, digits, ``|_.-``);
    anything else is left to a bound ``set_config`` after it (and the policies would count it as no actor)."""
    sql = "BEGIN" + (" ISOLATION LEVEL REPEATABLE READ" if snapshot else "") + (" READ ONLY" if read_only else "")
    if context is not None and _CONTEXT_RE.fullmatch(context):
        return f"{sql}; SELECT set_config('forceplan.ctx', '{context}', true)", True
    return sql, context is None


@contextmanager
def transaction(engine: Engine, actor: Actor, *, read_only: bool = False, snapshot: bool = False) -> Iterator[Session]:
    """A session in one transaction, committed on success; on PostgreSQL the actor is set, signed, for its
    row-level security policies (transaction-local, so a pooled connection never carries it to another request).

    ``read_only``: the transaction only reads. On SQLite it then begins deferred (a snapshot, not the write lock);
    on PostgreSQL it is read only (``BEGIN READ ONLY``), so a write in it fails instead of passing.
    ``snapshot``: every statement sees the same snapshot of the database (PostgreSQL: REPEATABLE READ; a SQLite
    transaction always does).

    On PostgreSQL the transaction, its mode and its actor are begun in one round trip (:func:`begin_sql`); one
    that fails is rolled back through libpq (:func:`_roll_back`): psycopg's own rollback deallocates every prepared
    statement of the connection, which then parses and plans each query afresh, and with a refused write every few
    milliseconds most connections would use prepared statements not at all."""
    if not is_postgres(engine):
        with Session(engine, expire_on_commit=False) as s, s.begin():
            # The connection is taken now, with the option the SQLite begin event reads (before BEGIN is sent).
            s.connection(execution_options={READ_ONLY: True} if read_only else None)
            yield s
        return
    context = sign_context(wall_key(engine), actor) if _migrated(engine) else None
    sql, set_in_begin = begin_sql(context, read_only=read_only, snapshot=snapshot)
    s, tx, raw = _begin_postgres(engine, sql)
    with s, tx:
        if not set_in_begin:
            s.execute(text("SELECT set_config('forceplan.ctx', :c, true)"), {"c": context})
        try:
            yield s
        except BaseException:
            _roll_back(raw)
            raise


class ConnectionLost(DisconnectionError):
    """The server closed a pooled connection (it restarted, or an administrator ended the session)."""


def _begin_postgres(engine: Engine, sql: str) -> tuple[Session, Any, Any]:
    """A session whose transaction is begun with ``sql``: (session, its transaction, the psycopg connection).

    A pooled connection the server has closed meanwhile (a restart ends every one of them) fails at BEGIN, before
    any statement of the request ran: the pool is then dropped (its other connections are as dead) and the
    transaction begun once more on a fresh connection, so a restart costs no request."""
    for attempt in (1, 2):
        s = Session(engine, expire_on_commit=False)
        try:
            tx = s.begin()
            raw = s.connection(execution_options={BEGIN_SQL: sql}).connection.dbapi_connection
            return s, tx, raw
        except ConnectionLost:
            s.close()
            if attempt == 2:
                raise
            # The pooled connections are closed (dead too); those checked out finish their requests, then go.
            engine.dispose()
        except BaseException:
            s.close()
            raise
    raise AssertionError("unreachable")


def _roll_back(raw: Any) -> None:
    """End the failed transaction on ``raw`` (a psycopg connection) with a ROLLBACK sent through libpq itself;
    SQLAlchemy's rollback after it finds nothing to do. psycopg clears its prepared statements (``DEALLOCATE
    ALL``) after any ROLLBACK that passes through it; the server keeps them, those prepared in the failed
    transaction too. If this fails, SQLAlchemy's rollback handles the connection as before."""
    import psycopg.pq

    try:
        if raw is not None and raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            raw.pgconn.exec_(b"ROLLBACK")  # releases the interpreter lock while it waits, as any query
    except Exception:
        return
