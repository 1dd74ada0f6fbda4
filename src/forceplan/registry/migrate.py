"""Schema migrations (Alembic), applied by ``forceplan db upgrade`` and on ``forceplan serve`` start."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine


class MigrationError(RuntimeError):
    """The database is not at the schema this version needs and could not be brought there."""


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "forceplan.registry:migrations")
    return cfg


def head() -> str:
    return str(ScriptDirectory.from_config(_config()).get_current_head())


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest schema; returns (before, after) revisions."""
    before = current(engine)
    if before == head():
        return before, before
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return before, head()


def ensure_current(engine: Engine) -> None:
    """Apply pending migrations; when this role may not (the application's role on PostgreSQL owns nothing), say
    what to run instead."""
    if current(engine) == head():
        return
    try:
        upgrade(engine)
    except Exception as exc:  # a permission error from any driver
        raise MigrationError(
            f"the database is at schema {current(engine) or 'none'}, this version needs {head()}, and this role "
            f"could not migrate it ({type(exc).__name__}); run 'forceplan db upgrade --db OWNER_URL' as the "
            "database owner first"
        ) from exc
