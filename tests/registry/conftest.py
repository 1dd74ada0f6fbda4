"""Registry fixtures: the same tests run on SQLite and on a real PostgreSQL cluster that the suite starts itself
(Debian's postgresql server on a temporary folder and a free loopback port), each test on a fresh database copied
from a migrated, imported template. Without a PostgreSQL server the PostgreSQL tests are skipped with the reason;
under CI (CI=true) that is a failure instead, so CI always runs them."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.registry_seed import APP_ROLE_PASSWORD, PASSWORD, seed_registry


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    from forceplan.registry.throwaway import PostgresUnavailable, ThrowawayPostgres

    try:
        pg = ThrowawayPostgres()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    with pg:
        seed_registry(pg.url)  # the template: migrated as the owner, bundled scenario imported, accounts made
        pg.app_url = pg.create_login("fp_app", APP_ROLE_PASSWORD)
        pg.wall_key = _wall_key(pg.url_for("postgres", pg.password, "forceplan"))
        yield pg


def _wall_key(owner_url: str) -> str:
    """The key the application signs its transactions' actors with (only the owner may read it)."""
    import psycopg

    with psycopg.connect(owner_url) as conn:
        row = conn.execute("SELECT encode(app_key, 'hex') FROM wall_key").fetchone()
    assert row is not None
    return str(row[0])


@dataclass
class Backend:
    name: str
    url: str
    """The application's URL (on PostgreSQL: the forceplan_app member role, subject to row-level security)."""
    owner_url: str


@contextmanager
def _pg_database(pg: Any) -> Iterator[Backend]:
    """A fresh database copied from the seeded template; dropped after."""
    import psycopg

    admin = pg.url_for("postgres", pg.password, "postgres")
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE forceplan")
    try:
        app_url = pg.url_for("fp_app", APP_ROLE_PASSWORD, name) + f"?wall_key={pg.wall_key}"
        yield Backend("postgresql", app_url, pg.url_for("postgres", pg.password, name))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "registry.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield Backend("sqlite", f"sqlite:///{path}", f"sqlite:///{path}")
        return
    with _pg_database(request.getfixturevalue("postgres")) as b:
        yield b


@pytest.fixture
def pg_backend(postgres: Any) -> Iterator[Backend]:
    """PostgreSQL only (row-level security is PostgreSQL's)."""
    with _pg_database(postgres) as b:
        yield b


class Api:
    """A signed-in test client: bearer token, or a browser-like session with its CSRF token."""

    def __init__(self, client: Any, username: str):
        self.client = client
        r = client.post("/api/tokens", json={"username": username, "password": PASSWORD})
        assert r.status_code == 201, r.text
        self.headers = {"Authorization": f"Bearer {r.json()['token']}"}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.client.post(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def patch(self, url: str, **kw: Any) -> Any:
        return self.client.patch(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.client.put(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)


@pytest.fixture
def client(backend: Backend) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from forceplan.registry.api import create_app

    with TestClient(create_app(backend.url, run_plans=False)) as c:
        yield c


@pytest.fixture
def api(client: Any) -> Any:
    """``api('editor-gbr')``: a client signed in as that account."""
    cache: dict[str, Api] = {}

    def get(username: str) -> Api:
        if username not in cache:
            cache[username] = Api(client, username)
        return cache[username]

    return get
