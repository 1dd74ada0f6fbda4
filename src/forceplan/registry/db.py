"""Tables (SQLAlchemy 2), engines and the transaction scope that tells PostgreSQL who is acting.

Every transaction runs as an :class:`Actor`. On PostgreSQL the actor's role and nation are set for that transaction
only (``set_config(..., true)``, the function form of ``SET LOCAL``), and the row-level security policies written by
the migration read them: the second wall behind the application's own checks.
"""

from __future__ import annotations

import datetime as dt
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


# ---------------------------------------------------------------------------------------------- engines, actors


def default_url(folder: Path | None = None) -> str:
    """The embedded default: a SQLite file in the working folder."""
    return f"sqlite:///{(folder or Path.cwd()) / DEFAULT_DB_FILE}"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 (the driver this project installs)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, pool_size: int = 20) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
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
            # Take the write lock at BEGIN so two writers queue instead of failing on upgrade (SQLite's only wall).
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@dataclass(frozen=True)
class Actor:
    """Who acts in a transaction: a user's name, role and (for a nation editor) nation."""

    username: str
    role: str
    nation: str | None = None

    @property
    def is_planner(self) -> bool:
        return self.role in ("planner", "admin")


SYSTEM = Actor("system", "admin")


@contextmanager
def transaction(engine: Engine, actor: Actor) -> Iterator[Session]:
    """A session in one transaction, committed on success; on PostgreSQL the actor is set for its row-level
    security policies (transaction-local, so a pooled connection never carries it to another request)."""
    with Session(engine, expire_on_commit=False) as s, s.begin():
        if is_postgres(engine):
            s.execute(
                text("SELECT set_config('forceplan.role', :r, true), set_config('forceplan.nation', :n, true)"),
                {"r": actor.role, "n": actor.nation or ""},
            )
        yield s
