"""What keeps the registry fast under load, each property shown on the smallest case that would break without it:
reads do not queue behind a writer on SQLite; a read-only transaction cannot write on PostgreSQL; the dashboard's
figures never make a reader or a writer wait for the match once a first one exists, are computed once per data
version (in the background, one at a time) and say when they are behind; every answer carries the security
headers (now set by a pure ASGI middleware)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from forceplan.registry.db import SYSTEM, Actor, make_engine, transaction

pytestmark = pytest.mark.integration

GBR = Actor("editor-gbr", "editor", "GBR")
PLANNER = Actor("planner", "planner")


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    from forceplan.registry import figures

    path = tmp_path / "registry.sqlite"
    shutil.copyfile(sqlite_template, path)
    e = make_engine(f"sqlite:///{path}")
    yield e
    e.dispose()
    figures._lives.pop(str(e.url), None)


def _in_thread(fn: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except Exception as exc:  # reported to the test thread
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def test_a_read_does_not_wait_for_a_writer_on_sqlite(sqlite_engine: Engine) -> None:
    """A writer holds SQLite's write lock; a read meanwhile answers from its snapshot at once (before this change
    every transaction began IMMEDIATE and waited up to the 30 s busy timeout)."""
    from forceplan.registry import store

    with transaction(sqlite_engine, SYSTEM) as s:  # holds the write lock until the block ends
        s.execute(text("UPDATE pledges SET note = 'being written' WHERE id = 'GBR-01'"))
        t, out = _in_thread(lambda: store.get_pledge(sqlite_engine, GBR, "GBR-01"))
        t.join(timeout=10)
        assert not t.is_alive(), "the read waited for the writer"
        assert "error" not in out, out
        assert out["value"]["note"] != "being written", "a read sees only committed data"
    # A write still waits for the write lock (writers queue), and then succeeds.
    with transaction(sqlite_engine, SYSTEM) as s:
        t, out = _in_thread(lambda: store.update_pledge(sqlite_engine, GBR, "GBR-02", {"note": "x"}, '"1"'))
        t.join(timeout=1)
        assert t.is_alive(), "a second writer must queue behind the first"
    t.join(timeout=30)
    assert out.get("value", {}).get("note") == "x", out


def test_a_read_only_transaction_cannot_write_on_postgresql(pg_backend: Any) -> None:
    e = make_engine(pg_backend.url)
    try:
        with pytest.raises(Exception, match="read-only transaction"), transaction(e, PLANNER, read_only=True) as s:
            s.execute(text("UPDATE pledges SET note = 'x' WHERE id = 'GBR-01'"))
        with transaction(e, PLANNER, read_only=True) as s:  # and the actor is set in it, as in any other
            assert int(s.execute(text("SELECT COUNT(*) FROM pledges WHERE nation = 'FRA'")).scalar() or 0) > 0
        with transaction(e, GBR, read_only=True) as s:
            assert int(s.execute(text("SELECT COUNT(*) FROM pledges WHERE nation = 'FRA'")).scalar() or 0) == 0
        with transaction(e, PLANNER, read_only=True, snapshot=True) as s:
            level = s.execute(text("SELECT current_setting('transaction_isolation')")).scalar()
            assert level == "repeatable read"
    finally:
        e.dispose()


def test_readers_and_writers_never_wait_for_the_figures(sqlite_engine: Engine, monkeypatch: Any) -> None:
    """While the match of a new version is being computed (held here until released), a reader gets the previous
    figures at once, marked behind, and a write goes through; released, the new figures are of the current
    version and no longer behind. One computation per version: readers meanwhile start no second one."""
    from forceplan.registry import figures, store

    first = figures.figures(sqlite_engine, PLANNER)  # the first reader of a registry waits for the first match
    assert not first.behind and first.version == figures.data_version(sqlite_engine)
    real = figures.match_force
    release, started, calls = threading.Event(), threading.Event(), []

    def held(*a: Any, **k: Any) -> Any:
        calls.append(1)
        started.set()
        assert release.wait(60)
        return real(*a, **k)

    monkeypatch.setattr(figures, "match_force", held)
    monkeypatch.setattr(figures, "GAP_FACTOR", 0.0)
    p = store.get_pledge(sqlite_engine, GBR, "GBR-02")
    store.update_pledge(sqlite_engine, GBR, "GBR-02", {"quantity": 1}, f'"{p["version"]}"')
    # The match is held for up to 60 s: a reader or a writer that waited for it would take that long. The clock
    # covers only their own calls (not the background thread's start, which a loaded machine may slow).
    t0 = time.monotonic()
    behind = figures.figures(sqlite_engine, PLANNER)
    waited = time.monotonic() - t0
    assert behind.behind and behind.version == first.version
    assert behind.totals == first.totals
    assert started.wait(30), "the background computation did not start"
    t0 = time.monotonic()
    for _ in range(5):  # readers during the computation: answered at once, no second computation
        assert figures.figures(sqlite_engine, GBR).behind
    p = store.get_pledge(sqlite_engine, GBR, "GBR-03")
    store.update_pledge(sqlite_engine, GBR, "GBR-03", {"note": "during the match"}, f'"{p["version"]}"')
    waited += time.monotonic() - t0
    assert waited < 20, "a reader or a writer waited for the match"
    assert len(calls) == 1
    release.set()
    deadline = time.monotonic() + 60
    while figures._live(sqlite_engine).computing and time.monotonic() < deadline:
        time.sleep(0.05)
    # The computation read the registry at its start (before the note): the figures are those of that version,
    # still behind the note; the next reader starts the next computation, and the one after it is current.
    monkeypatch.setattr(figures, "match_force", real)
    now = figures.figures(sqlite_engine, PLANNER)
    assert now.version != first.version
    assert now.totals["personnel_matched"] < first.totals["personnel_matched"]
    deadline = time.monotonic() + 60
    while figures.figures(sqlite_engine, PLANNER).behind and time.monotonic() < deadline:
        time.sleep(0.05)
    current = figures.figures(sqlite_engine, PLANNER)
    assert not current.behind and current.version == figures.data_version(sqlite_engine)
    assert figures.figures(sqlite_engine, PLANNER).capabilities is current.capabilities, "built once per version"


def test_a_fresh_reader_and_a_preview_wait_for_the_current_version(sqlite_engine: Engine) -> None:
    """Downloads and the preview of a change use the registry as it is now, never an earlier match."""
    from forceplan.registry import figures, store

    first = figures.figures(sqlite_engine, PLANNER)
    p = store.get_pledge(sqlite_engine, GBR, "GBR-02")
    store.update_pledge(sqlite_engine, GBR, "GBR-02", {"quantity": 1}, f'"{p["version"]}"')
    fresh = figures.figures(sqlite_engine, PLANNER, fresh=True)
    assert not fresh.behind and fresh.version == figures.data_version(sqlite_engine) != first.version
    assert figures.current_match(sqlite_engine).version == fresh.version


def test_the_dashboard_says_when_its_figures_are_behind(
    tmp_path: Path, sqlite_template: Path, monkeypatch: Any
) -> None:
    import re

    from fastapi.testclient import TestClient

    from forceplan.registry import figures, store
    from forceplan.registry.api import create_app
    from tests.registry_seed import PASSWORD

    path = tmp_path / "registry.sqlite"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    with TestClient(create_app(url, run_plans=False)) as c:
        r = c.post("/login", data={"username": "planner", "password": PASSWORD, "next": "/dashboard"})
        assert r.status_code in (200, 303)
        page = c.get("/dashboard").text
        assert "data-behind" not in page and "Recomputed in the background" in page
        release = threading.Event()
        real = figures.match_force
        monkeypatch.setattr(figures, "match_force", lambda *a, **k: (release.wait(60), real(*a, **k))[1])
        e = make_engine(url)
        p = store.get_pledge(e, GBR, "GBR-02")
        store.update_pledge(e, GBR, "GBR-02", {"quantity": 1}, f'"{p["version"]}"')
        page = c.get("/dashboard").text
        assert re.search(r"data-behind>The registry has changed since these figures were computed", page)
        release.set()
        while figures._live(e).computing:
            time.sleep(0.05)
        e.dispose()
    figures._lives.pop(url, None)


def test_every_answer_carries_the_security_headers(tmp_path: Path, sqlite_template: Path) -> None:
    from fastapi.testclient import TestClient

    from forceplan.registry.api import create_app

    path = tmp_path / "registry.sqlite"
    shutil.copyfile(sqlite_template, path)
    want = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}
    with TestClient(create_app(f"sqlite:///{path}", run_plans=False)) as c:
        answers = [
            c.get("/healthz"),  # 200
            c.get("/api/pledges"),  # 401
            c.get("/api/nothing-here"),  # 404
            c.post("/api/pledges", content=b"x" * (2 * 1024 * 1024), headers={"content-type": "application/json"}),
            c.get("/login"),  # a page
        ]
        assert [r.status_code for r in answers] == [200, 401, 404, 413, 200]
        for r in answers:
            for k, v in want.items():
                assert r.headers.get(k) == v, (r.request.url, k)
            assert r.headers.get("cache-control") == "no-store", r.request.url
        static = c.get("/static/app.css")  # its own Cache-Control is kept, not overwritten
        assert static.status_code == 200 and static.headers["cache-control"] == "max-age=3600"
        assert static.headers["x-frame-options"] == "DENY"


def test_a_refused_write_keeps_the_prepared_statements_on_postgresql(pg_backend: Any) -> None:
    """A 409 ends its transaction without deallocating the connection's prepared statements: psycopg's own
    rollback sends DEALLOCATE ALL, and with a refused write every few milliseconds under load most connections
    then parsed and planned every query afresh."""
    from forceplan.registry import store

    e = make_engine(pg_backend.url, pool_size=1)
    try:
        for _ in range(8):  # psycopg prepares a query on its sixth execution
            store.get_pledge(e, GBR, "GBR-01")
        with pytest.raises(store.Conflict):
            store.update_pledge(e, GBR, "GBR-01", {"note": "stale"}, '"0"')
        with pytest.raises(store.NotFound):  # and a refused read (another nation's pledge)
            store.get_pledge(e, GBR, "FRA-01")
        with transaction(e, GBR, read_only=True) as s:
            prepared = int(s.execute(text("SELECT COUNT(*) FROM pg_prepared_statements")).scalar() or 0)
        assert prepared >= 1, "the refused requests deallocated the prepared statements"
        assert store.get_pledge(e, GBR, "GBR-01")["id"] == "GBR-01"
    finally:
        e.dispose()


def test_the_actor_begins_with_the_transaction_only_in_its_signed_form(pg_backend: Any) -> None:
    """The signed context is written into the BEGIN statement as a literal only when it has the signed form (no
    quote can be in it); a name outside that form is bound as a parameter, and then counts as no actor."""
    from forceplan.registry.db import begin_sql, sign_context

    signed = sign_context(b"k" * 32, GBR)
    assert begin_sql(signed, read_only=True) == (
        f"BEGIN READ ONLY; SELECT set_config('forceplan.ctx', '{signed}', true)",
        True,
    )
    odd = Actor("x'); SELECT set_config('forceplan.ctx', 'planner", "editor", "GBR")
    assert begin_sql(sign_context(b"k" * 32, odd)) == ("BEGIN", False)
    e = make_engine(pg_backend.url)
    try:
        with transaction(e, odd, read_only=True) as s:
            assert int(s.execute(text("SELECT COUNT(*) FROM pledges")).scalar() or 0) == 0
            bound = str(s.execute(text("SELECT current_setting('forceplan.ctx')")).scalar())
            assert bound.startswith("editor|GBR|x'); SELECT set_config('forceplan.ctx', 'planner|")
    finally:
        e.dispose()
