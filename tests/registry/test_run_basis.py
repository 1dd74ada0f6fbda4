"""How fresh a page's plan run is, told without making a reader wait: the scenario digest of each version of the
registry is computed by the background that computes the dashboard's figures, and posted with them; a page reads
it. The digest posted is a plan run's own (``start_run``'s ``input_digest``), after a change to a pledge (the
background then reuses the loaded sections), to a stock and to a section (it exports and loads the registry)."""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from forceplan.registry import figures, jobs, store
from forceplan.registry.db import Actor, make_engine
from tests.registry.test_registry_run_walls import _basis, _finish
from tests.registry_seed import PASSWORD

pytestmark = pytest.mark.integration

GBR = Actor("editor-gbr", "editor", "GBR")
PLANNER = Actor("planner", "planner")


@pytest.fixture
def engine(backend: Any) -> Iterator[Engine]:
    e = make_engine(backend.url)
    yield e
    e.dispose()
    figures._lives.pop(str(e.url), None)  # the next test's registry is another process's, as far as it knows


def _edit_pledge(e: Engine, pledge_id: str = "GBR-02") -> None:
    p = store.get_pledge(e, GBR, pledge_id)
    q = p["quantity"]
    store.update_pledge(e, GBR, pledge_id, {"quantity": q + 1 if q < 1000 else q - 1}, f'"{p["version"]}"')


def _edit_stock(e: Engine) -> None:
    m = store.list_materiel(e, PLANNER)[0]
    q = m["quantity"]
    store.save_materiel(e, PLANNER, {"quantity": q + 1 if q < 100_000 else q - 1}, m["id"], f'"{m["version"]}"')


def _edit_section(e: Engine) -> None:
    d = store.get_sections(e, PLANNER, ["description"])["description"]
    store.update_section(e, PLANNER, "description", d["body"] + " (revised)", f'"{d["version"]}"')


def _counted(monkeypatch: Any, calls: list[str]) -> None:
    """Record each export and load of the registry with the thread that made it."""
    for owner, name in ((store, "write_document"), (store, "export_registry"), (figures, "load_scenario")):
        real = getattr(owner, name)

        def spy(*a: Any, _real: Callable[..., Any] = real, _name: str = name, **k: Any) -> Any:
            calls.append(f"{_name} in {threading.current_thread().name}")
            return _real(*a, **k)

        monkeypatch.setattr(owner, name, spy)


@pytest.mark.parametrize("edit", [_edit_pledge, _edit_stock, _edit_section], ids=["pledge", "stock", "section"])
def test_the_digest_posted_is_the_one_a_run_started_on_that_state_records(
    engine: Engine, edit: Callable[[Engine], None], monkeypatch: Any
) -> None:
    before = figures.current_match(engine)
    assert (
        before.input_digest
        == jobs.get_run(engine, PLANNER, jobs.start_run(engine, PLANNER, 7, 100, 10))["input_digest"]
    )
    edit(engine)
    calls: list[str] = []
    _counted(monkeypatch, calls)
    after = figures.current_match(engine)
    run = jobs.start_run(engine, PLANNER, 7, 100, 10)
    assert after.version != before.version and after.input_digest != before.input_digest
    assert after.input_digest == jobs.get_run(engine, PLANNER, run)["input_digest"]
    # A pledge's change reuses the loaded sections (no export); a stock's or a section's exports and loads.
    exported = [c for c in calls if c.startswith("write_document")]
    assert (exported == []) if edit is _edit_pledge else (len(exported) == 1), calls
    figures.post(engine, after)
    assert figures.posted_basis(engine, PLANNER) == (after.input_digest, False)
    assert figures.posted_basis(engine, GBR) == (after.input_digest, False)  # the coalition's figures carry it too


def _page(client: Any, who: str, url: str) -> str:
    client.cookies.clear()
    assert client.post("/login", data={"username": who, "password": PASSWORD}).status_code == 200
    r = client.get(url)
    assert r.status_code == 200, r.text
    return html.unescape(_basis(r.text))


def _settled(client: Any, who: str, url: str) -> str:
    """The page's run line once the background has caught up (each view starts it when behind), within a minute."""
    deadline = time.monotonic() + 60
    while (said := _page(client, who, url)).startswith("checking: ") and time.monotonic() < deadline:
        time.sleep(0.05)
    return said


def test_a_page_right_after_a_change_does_not_wait_for_the_export(
    backend: Any, client: Any, api: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(figures, "GAP_FACTOR", 0.0)
    engine = client.app.state.engine
    run = jobs.start_run(engine, PLANNER, 7, 100, 10)
    _finish(engine, run)
    assert api("planner").post(f"/api/runs/{run}/publish").status_code == 200
    assert _settled(client, "planner", "/dashboard").startswith("yes: ")
    # The background is held at its start: a page that waited for it would not return.
    gate, calls = threading.Event(), []
    real = figures._compute

    def held(*a: Any, **k: Any) -> Any:
        assert gate.wait(60), "the test did not release the background"
        return real(*a, **k)

    monkeypatch.setattr(figures, "_compute", held)
    _counted(monkeypatch, calls)
    _edit_pledge(engine)
    _edit_stock(engine)  # a stock's change, which the figures' match ignores, changes a run's input too
    try:
        for who, url in (("planner", "/dashboard"), ("planner", "/map"), ("editor-gbr", "/map")):
            said = _page(client, who, url)
            assert said.startswith("checking: ") and "checking whether the registry has changed" in said, said
            assert "computed on the registry's current data" not in said
    finally:
        gate.set()
    assert all(c.endswith("in forceplan-figures") for c in calls), calls  # exports and loads: the background's
    for who, url in (("planner", "/dashboard"), ("planner", "/map"), ("editor-gbr", "/map")):
        said = _settled(client, who, url)
        assert said.startswith("no: ") and "computed before the latest changes" in said, (who, url, said)
    assert any(c.startswith("write_document") for c in calls)  # the stock's change was exported and loaded
    fresh = jobs.start_run(engine, PLANNER, 7, 100, 10)
    _finish(engine, fresh)
    assert api("planner").post(f"/api/runs/{fresh}/publish").status_code == 200
    for who, url in (("planner", "/dashboard"), ("editor-gbr", "/map")):
        said = _page(client, who, url)  # nothing changed since the background caught up: known at once
        assert said.startswith("yes: ") and f"run {fresh}" in said, said
    assert re.search(r"started 20\d\d-", said)


def test_an_observer_is_told_why_the_map_does_not_say(backend: Any, client: Any, api: Any) -> None:
    engine = client.app.state.engine
    run = jobs.start_run(engine, PLANNER, 7, 100, 10)
    _finish(engine, run)
    assert api("planner").post(f"/api/runs/{run}/publish").status_code == 200
    said = _page(client, "observer", "/map")
    assert said.startswith("unknown: ") and "shown to coalition planners and nations' editors" in said, said
