"""The demo registry: pledge dates near today (few pledges overdue, not all), and a second ``serve --demo`` says how
to get new one-time passwords."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from forceplan.registry.demo import NEWEST_DAYS_AGO, dates_from_today
from forceplan.scenario import Scenario


def test_dates_move_by_one_shift_keeping_their_order_and_gaps(bundled: Scenario) -> None:
    today = dt.date(2031, 2, 3)
    moved, shift = dates_from_today(bundled, today)
    newest = max(d for p in moved.pledges for d in p.status_dates.values())
    assert newest == today - dt.timedelta(days=NEWEST_DAYS_AGO)
    for old, new in zip(bundled.pledges, moved.pledges, strict=True):
        assert old.id == new.id and old.status == new.status
        assert {k: (d - old.status_dates[k]).days for k, d in new.status_dates.items()} == {
            k: shift for k in old.status_dates
        }
    assert moved.requirement == bundled.requirement


def test_the_demo_shows_few_pledges_overdue_and_says_how_to_reset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from forceplan.cli import registry_cmd
    from forceplan.registry import store
    from forceplan.registry.db import SYSTEM, make_engine
    from forceplan.registry.migrate import upgrade

    monkeypatch.setattr(registry_cmd.console, "width", 400)
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    registry_cmd._demo(engine, url)
    pledges = store.list_pledges(engine, SYSTEM)
    live = [p for p in pledges if p["status"] != "withdrawn"]
    overdue = [p for p in live if p["stale"]]
    assert 0 < len(overdue) < len(live) / 10, f"{len(overdue)} of {len(live)} overdue"
    assert all(dt.date.fromisoformat(p["expires_on"]) > store.today() - dt.timedelta(days=120) for p in live)
    first = capsys.readouterr().out
    assert "pledge dates moved" in first and "editor-gbr" in first
    registry_cmd._demo(engine, url)
    again = capsys.readouterr().out
    engine.dispose()
    assert "demo accounts exist already" in again
    assert f"forceplan users reset-password USERNAME --db {url}" in again
