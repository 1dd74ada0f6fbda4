"""The dashboard's figures are computed once per registry and posted in the database: a second server process
reads them instead of computing its own; one process computes at a time, and the throttle after a computation
holds for all; what is posted keeps the walls between nations (row-level security on PostgreSQL, the application's
own checks on both databases)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from forceplan.registry import board, figures, store
from forceplan.registry.db import SYSTEM, Actor, make_engine, transaction

pytestmark = pytest.mark.integration

GBR = Actor("editor-gbr", "editor", "GBR")
FRA = Actor("editor-fra", "editor", "FRA")
PLANNER = Actor("planner", "planner")
OBSERVER = Actor("observer", "observer")


def _forget(e: Engine) -> None:
    """What a fresh server process knows of this registry: nothing (the figures module's state is per process)."""
    figures._lives.pop(str(e.url), None)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "registry.sqlite"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    e = make_engine(sqlite_url)
    yield e
    e.dispose()
    _forget(e)


def _wait_idle(e: Engine) -> None:
    deadline = time.monotonic() + 60
    while figures._live(e).computing and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not figures._live(e).computing, "the background computation did not end"


def _edit(e: Engine, pledge_id: str, **changes: Any) -> None:
    p = store.get_pledge(e, GBR, pledge_id)
    store.update_pledge(e, GBR, pledge_id, changes, f'"{p["version"]}"')


def test_a_second_server_process_reads_the_posted_figures_instead_of_computing(
    engine: Engine, sqlite_url: str, monkeypatch: Any
) -> None:
    first = figures.figures(engine, PLANNER)  # computed here and posted
    coalition = figures.figures(engine, GBR)
    unused = figures.unused_of(engine, GBR)
    _forget(engine)
    other = make_engine(sqlite_url)  # as the other worker process sees the registry

    def computed(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the second process computed the match again")

    monkeypatch.setattr(figures, "match_force", computed)
    try:
        theirs = figures.figures(other, PLANNER)
        assert not theirs.behind and theirs.version == first.version
        assert theirs.totals == first.totals and theirs.capabilities == first.capabilities
        assert theirs.shortfalls == first.shortfalls and theirs.burden == first.burden
        assert theirs.computed_at == first.computed_at
        assert figures.figures(other, GBR).capabilities == coalition.capabilities
        assert figures.unused_of(other, GBR) == unused
    finally:
        other.dispose()
        _forget(other)


def test_one_process_computes_at_a_time_and_the_throttle_holds_for_all(engine: Engine, monkeypatch: Any) -> None:
    first = figures.figures(engine, PLANNER)
    real, calls = figures.match_force, []

    def counted(*a: Any, **k: Any) -> Any:
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(figures, "match_force", counted)
    monkeypatch.setattr(figures, "GAP_FACTOR", 0.0)
    assert board.take_lease(engine, 60)  # another process is computing
    _edit(engine, "GBR-02", quantity=1)
    assert figures.figures(engine, PLANNER).behind
    _wait_idle(engine)
    assert calls == [], "computed while another process held the lease"
    assert figures.figures(engine, PLANNER).version == first.version
    _wait_idle(engine)
    board.release_lease(engine, 0.0)  # it is done, and set no gap
    deadline = time.monotonic() + 60
    while figures.figures(engine, PLANNER).behind and time.monotonic() < deadline:
        time.sleep(0.05)
    now = figures.figures(engine, PLANNER)
    assert not now.behind and now.version == figures.data_version(engine) != first.version
    assert len(calls) == 1
    # A computation sets the gap for every process: with a long one, the next change waits for it.
    _wait_idle(engine)
    board.release_lease(engine, 3600.0)
    _edit(engine, "GBR-03", quantity=1)
    assert figures.figures(engine, PLANNER).behind
    _wait_idle(engine)
    assert len(calls) == 1 and figures.figures(engine, PLANNER).behind


def test_posted_figures_keep_only_the_newest_versions(engine: Engine) -> None:
    figures.figures(engine, PLANNER)
    for k in range(3):
        _edit(engine, "GBR-02", note=f"edit {k}", quantity=k + 1)
        figures.figures(engine, PLANNER, fresh=True)
    with transaction(engine, SYSTEM) as s:
        versions = {r[0] for r in s.execute(text("SELECT version FROM posted_figures"))}
    assert len(versions) == figures.KEEP_VERSIONS and figures.data_version(engine) in versions


def test_a_nation_reads_only_the_coalition_figures_and_its_own_unused_pledges(engine: Engine) -> None:
    planner = figures.figures(engine, PLANNER)
    assert planner.shortfalls or planner.burden  # the planners' figures name nations and slots
    mine = figures.figures(engine, GBR)
    assert mine.shortfalls == [] and mine.burden == [] and mine.readiness == []
    assert mine.capabilities == planner.capabilities and mine.totals == planner.totals
    assert all(u["pledge"].startswith("GBR-") for u in figures.unused_of(engine, GBR))
    assert all(u["pledge"].startswith("FRA-") for u in figures.unused_of(engine, FRA))
    with pytest.raises(store.Forbidden):
        figures.figures(engine, OBSERVER)
    with pytest.raises(store.Forbidden):
        figures.unused_of(engine, OBSERVER)


# ---------------------------------------------------------------------------------------------- PostgreSQL walls


@pytest.fixture
def pg_engine(pg_backend: Any) -> Iterator[Engine]:
    e = make_engine(pg_backend.url)
    yield e
    e.dispose()
    _forget(e)


def _posted(e: Engine, actor: Actor, forged: str | None = None) -> set[tuple[str, str]]:
    with transaction(e, actor, read_only=True) as s:
        if forged:
            s.execute(text(forged))
        return {(str(a), str(n)) for a, n in s.execute(text("SELECT audience, nation FROM posted_figures"))}


def test_rls_a_nation_reads_no_other_nations_posted_figures_and_posts_none(pg_engine: Engine) -> None:
    figures.figures(pg_engine, PLANNER)
    everything = _posted(pg_engine, PLANNER)
    assert ("planner", "") in everything and ("nation", "FRA") in everything and ("nation", "GBR") in everything
    assert _posted(pg_engine, GBR) == {("coalition", ""), ("nation", "GBR")}
    assert _posted(pg_engine, OBSERVER) == set()
    # The attack: GBR's request forges a planner's context, or FRA's nation, in its own transaction.
    for forged in (
        "SELECT set_config('forceplan.ctx', replace(current_setting('forceplan.ctx'), 'editor|GBR', 'planner|'), true)",
        "SELECT set_config('forceplan.ctx', replace(current_setting('forceplan.ctx'), '|GBR|', '|FRA|'), true)",
        "SELECT set_config('forceplan.ctx', 'planner|||9999999999|' || repeat('0', 64), true)",
    ):
        assert _posted(pg_engine, GBR, forged) <= {("coalition", ""), ("nation", "GBR")}, forged
    # Nor post, change, remove figures or hold the lease (blocking every other nation's dashboard).
    with pytest.raises(Exception, match="row-level security"), transaction(pg_engine, GBR) as s:
        columns = "(version, audience, nation, computed_at, body)"
        s.execute(text(f"INSERT INTO posted_figures {columns} VALUES ('f', 'coalition', '', now(), '{{}}')"))
    with pytest.raises(Exception, match="permission denied"), transaction(pg_engine, GBR) as s:
        s.execute(text("UPDATE posted_figures SET body = '{}'"))
    with transaction(pg_engine, GBR) as s:
        gone = s.execute(text("DELETE FROM posted_figures"))
        held = s.execute(text("UPDATE figures_lease SET until_s = 1e12"))
        assert getattr(gone, "rowcount", None) == 0 and getattr(held, "rowcount", None) == 0
    assert _posted(pg_engine, PLANNER) == everything
    assert board.take_lease(pg_engine, 1.0), "a nation's transaction held the lease"
