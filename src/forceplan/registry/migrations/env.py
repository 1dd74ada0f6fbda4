"""Alembic environment: configured in code by forceplan.registry.migrate (no alembic.ini to install)."""

from __future__ import annotations

from alembic import context

from forceplan.registry.db import Base

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
