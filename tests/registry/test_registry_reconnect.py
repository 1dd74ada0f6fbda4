"""A restarted database server (every pooled connection gone) costs no request: the first transaction that finds
its pooled connection dead drops the pool and begins again on a fresh connection, before any statement of the
request ran; SQLite has no connections to lose."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from forceplan.registry.db import SYSTEM, make_engine, transaction
from tests.registry.conftest import Backend

pytestmark = pytest.mark.integration


def _terminate_connections(postgres: Any, database: str) -> int:
    """What a server restart does to a client's pooled connections: each is closed by the server."""
    import psycopg

    admin = postgres.url_for("postgres", postgres.password, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return len(rows)


@pytest.mark.parametrize("read_only", [True, False])
def test_transactions_after_the_server_dropped_every_connection(
    postgres: Any, pg_backend: Backend, read_only: bool
) -> None:
    engine = make_engine(pg_backend.url, pool_size=4)
    try:
        # Four connections in the pool, each used.
        sessions = [transaction(engine, SYSTEM, read_only=read_only) for _ in range(4)]
        for cm in sessions:
            cm.__enter__().execute(text("SELECT 1"))
        for cm in sessions:
            cm.__exit__(None, None, None)
        database = engine.url.database
        assert _terminate_connections(postgres, str(database)) >= 4
        for _ in range(6):  # every request after it succeeds, the first one too
            with transaction(engine, SYSTEM, read_only=read_only) as s:
                assert s.execute(text("SELECT count(*) FROM pledges")).scalar_one() > 0
    finally:
        engine.dispose()
