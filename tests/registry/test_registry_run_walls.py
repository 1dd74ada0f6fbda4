"""Plan runs behind both walls: a nation's editor or an observer sees only published, finished runs, whether it
asks through the API, the web pages, or raw SQL in its own transaction on PostgreSQL (schema 0006); it cannot
tell an unpublished run from none. And every page that shows figures from a plan run says which run (when, by
whom) and whether it was computed on the registry's current data.

Which of these failed before this change: on PostgreSQL the raw SQL reads (``plan_runs_read`` let every signed-in
role read every run, input and full plan.json included), and on both databases the list of runs once 200 newer
unpublished runs existed (the list was cut at 200 before the unpublished ones were dropped, so a nation saw the
published runs vanish: a count of the planners' work). The 404s and the statements run were already alike."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from forceplan.registry import jobs, store
from forceplan.registry.db import SYSTEM, Actor, PlanRun, make_engine, transaction
from tests.registry_seed import PASSWORD

pytestmark = pytest.mark.integration

GBR = Actor("editor-gbr", "editor", "GBR")
OBSERVER = Actor("observer", "observer")
PLANNER = Actor("planner", "planner")
SECRET = "UNPUBLISHED-PLANNING-DETAIL"
STATIONING = {
    "schema": "forceplan.stationing/1", "scenario": "ukraine-2025", "scenario_digest": "0" * 64,
    "standoff_km": 15.0, "line_of_contact_km": 1200.0, "solve": [], "optimal": True, "units_total": 0,
    "units_placed": 0, "personnel_placed": 0, "garrisons": [], "coverage": [], "reach": [], "unplaced": [],
    "parameters": {},
}  # fmt: skip
"""An empty laydown: enough for the map's frame to draw the published run."""


def _add_run(engine: Engine, status: str, published: bool, plan: dict[str, Any] | None, snapshot: str,
             digest: str = "0" * 64, error: str | None = None) -> int:  # fmt: skip
    """A run row as the worker leaves it (written as the system actor, as the worker writes)."""
    at = dt.datetime(2026, 12, 1, 9, 30)
    with transaction(engine, SYSTEM) as s:
        run = PlanRun(created_by="planner", created_at=at, status=status, stage=status, progress=1.0,
                      published=published, seed=7, trials=100, response_trials=10, input_digest=digest,
                      snapshot=snapshot, plan_json=json.dumps(plan) if plan is not None else None,
                      report_html=f"<p>{SECRET}</p>" if plan is not None else None, error=error,
                      finished_at=at + dt.timedelta(minutes=2) if status in ("done", "failed") else None)  # fmt: skip
        s.add(run)
        s.flush()
        return int(run.id)


@pytest.fixture
def runs(backend: Any) -> Iterator[tuple[Engine, dict[str, int]]]:
    """One published finished run, then runs a nation must not see: finished unpublished, running, queued, and a
    failed one marked published (which the application never does: the database must still hide it)."""
    engine = make_engine(backend.url)
    snapshot = json.dumps(store.snapshot_files(engine, PLANNER), sort_keys=True)
    plan = {"forcegen": {"totals": {"personnel_matched": 1}, "unused": [], "slots": []}, "stationing": STATIONING}
    ids = {
        "published": _add_run(engine, "done", True, plan, snapshot),
        "unpublished": _add_run(engine, "done", False, {**plan, "note": SECRET}, snapshot),
        "running": _add_run(engine, "running", False, None, snapshot),
        "queued": _add_run(engine, "queued", False, None, snapshot),
        "failed": _add_run(engine, "failed", True, None, snapshot, error=f"ValueError: {SECRET}"),
    }
    yield engine, ids
    engine.dispose()


HIDDEN = ("unpublished", "running", "queued", "failed")

# ---------------------------------------------------------------------------------------------- raw SQL (PostgreSQL)


@pytest.fixture
def pg_runs(pg_backend: Any) -> Iterator[tuple[Engine, dict[str, int], Any]]:
    from forceplan.registry.db import is_postgres

    engine = make_engine(pg_backend.url)
    assert is_postgres(engine)
    snapshot = json.dumps(store.snapshot_files(engine, PLANNER), sort_keys=True)
    plan = {"forcegen": {"totals": {}}, "stationing": STATIONING}
    ids = {
        "published": _add_run(engine, "done", True, plan, snapshot),
        "unpublished": _add_run(engine, "done", False, plan, snapshot),
        "running": _add_run(engine, "running", False, None, snapshot),
        "queued": _add_run(engine, "queued", False, None, snapshot),
        "failed": _add_run(engine, "failed", True, None, snapshot, error=SECRET),
    }
    yield engine, ids, pg_backend
    engine.dispose()


def test_raw_sql_in_a_nations_transaction_reads_only_published_finished_runs(pg_runs: Any) -> None:
    engine, ids, _ = pg_runs
    reads = [
        "SELECT id FROM plan_runs",
        "SELECT id FROM plan_runs WHERE published = false OR status <> 'done'",
        "SELECT id FROM plan_runs WHERE snapshot LIKE '%GBR%' OR plan_json IS NOT NULL OR error IS NOT NULL",
        "SELECT id FROM plan_runs ORDER BY id DESC LIMIT 3",
    ]
    for actor in (GBR, OBSERVER, Actor("editor-fra", "editor", "FRA")):
        with transaction(engine, actor) as s:
            for sql in reads:
                assert set(s.execute(text(sql)).scalars()) <= {ids["published"]}, (actor, sql)  # before: all five
            assert s.execute(text("SELECT COUNT(*), MAX(id) FROM plan_runs")).one() == (1, ids["published"])
            assert s.execute(text("SELECT error FROM plan_runs WHERE id = :i"), {"i": ids["failed"]}).all() == []
    for actor in (PLANNER, SYSTEM):  # planners and the worker (the system actor) see every run, as before
        with transaction(engine, actor) as s:
            assert set(s.execute(text("SELECT id FROM plan_runs")).scalars()) >= set(ids.values())
    # A forged planner's context in GBR's transaction is no actor at all: no run.
    with transaction(engine, GBR) as s:
        s.execute(text("SELECT set_config('forceplan.ctx', 'planner|||9999999999|' || repeat('0', 64), true)"))
        assert s.execute(text("SELECT COUNT(*) FROM plan_runs")).scalar() == 0


def test_raw_sql_in_a_nations_transaction_cannot_write_runs(pg_runs: Any) -> None:
    engine, ids, _ = pg_runs
    with transaction(engine, GBR) as s:
        for sql in (
            "UPDATE plan_runs SET published = true",
            "UPDATE plan_runs SET plan_json = '{}' WHERE id = :i",  # even the run it may read
            "UPDATE plan_runs SET status = 'done', published = true WHERE status <> 'done'",
        ):
            assert s.execute(text(sql), {"i": ids["published"]}).rowcount == 0, sql
    insert = (
        "INSERT INTO plan_runs (created_by, created_at, status, stage, progress, published, seed, trials, "
        "response_trials, input_digest, snapshot, plan_json) VALUES ('planner', now(), 'done', 'done', 1, true, 1, "
        "100, 10, :d, '{}', '{\"forcegen\": {}}')"
    )
    for actor in (GBR, OBSERVER):
        with pytest.raises(Exception, match="row-level security"), transaction(engine, actor) as s:
            s.execute(text(insert), {"d": "0" * 64})
    with pytest.raises(Exception, match="permission denied"), transaction(engine, GBR) as s:
        s.execute(text("DELETE FROM plan_runs"))
    with transaction(engine, PLANNER) as s:
        assert s.execute(text("SELECT COUNT(*) FROM plan_runs WHERE published")).scalar() == 2  # nothing changed


def test_the_worker_still_reads_and_writes_every_run(pg_runs: Any) -> None:
    engine, ids, _ = pg_runs
    assert jobs.recover_interrupted(engine) == 2  # the running and the queued run, as the system actor
    assert jobs.get_run(engine, PLANNER, ids["queued"])["status"] == "failed"
    assert jobs.publish_run(engine, PLANNER, ids["unpublished"])["published"] is True
    assert {r["id"] for r in jobs.list_runs(engine, GBR)} == {ids["published"], ids["unpublished"]}


def test_the_migration_downgrades_to_the_open_policy_and_back(pg_runs: Any) -> None:
    from alembic import command

    from forceplan.registry.migrate import _config, current, head

    engine, ids, backend = pg_runs
    owner = make_engine(backend.owner_url)
    try:
        cfg = _config()
        with owner.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005")
        assert current(owner) == "0005"
        with transaction(engine, GBR) as s:  # schema 0005: the weakness this migration closes
            assert s.execute(text("SELECT COUNT(*) FROM plan_runs")).scalar() == len(ids)
        with owner.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        assert current(owner) == head()
        with transaction(engine, GBR) as s:
            assert s.execute(text("SELECT COUNT(*) FROM plan_runs")).scalar() == 1
    finally:
        owner.dispose()


# ---------------------------------------------------------------------------------------------- API and pages, both


def _without(body: str, run_id: int) -> str:
    """The answer with the run's number taken out, as a number (never inside a word: the page's CSRF token, which
    the error pages carry in their menu, may hold the same digits)."""
    return re.sub(rf"(?<![\w-]){run_id}(?![\w-])", "N", body)


def test_a_nation_cannot_list_runs_it_may_not_see(runs: Any, api: Any, client: Any) -> None:
    _engine, ids = runs
    for who in ("editor-gbr", "observer"):
        listed = api(who).get("/api/runs").json()
        assert [r["id"] for r in listed] == [ids["published"]]
        assert SECRET not in json.dumps(listed)
    assert {r["id"] for r in api("planner").get("/api/runs").json()} == set(ids.values())
    client.cookies.clear()
    assert client.post("/login", data={"username": "editor-gbr", "password": PASSWORD}).status_code == 200
    page = client.get("/plans").text
    assert re.findall(r'data-run="(\d+)"', page) == [str(ids["published"])]
    assert SECRET not in page


def test_a_nations_list_does_not_depend_on_the_runs_it_may_not_see(runs: Any, api: Any) -> None:
    """200 newer unpublished runs: the nation's list is what it was (before: the list was cut at 200 first, and the
    published run vanished, telling the nation that at least 200 newer runs existed)."""
    engine, ids = runs
    before = api("editor-gbr").get("/api/runs").json()
    with transaction(engine, SYSTEM) as s:
        row = s.get(PlanRun, ids["queued"])
        assert row is not None
        for _ in range(200):
            s.add(PlanRun(**{c: getattr(row, c) for c in ("created_by", "created_at", "status", "stage", "progress",
                         "published", "seed", "trials", "response_trials", "input_digest", "snapshot")}))  # fmt: skip
    assert api("editor-gbr").get("/api/runs").json() == before
    assert api("observer").get("/api/runs").json() == before
    assert api("editor-gbr").get("/api/outlook").json()["run"]["id"] == ids["published"]


def test_an_unpublished_run_answers_as_no_run_at_all(runs: Any, api: Any, client: Any) -> None:
    """Every way a nation could ask for a hidden run answers exactly as for a run number never used: the same status,
    the same words (but for the number), and the same statements run in the database (so no timing to tell)."""
    _engine, ids = runs
    missing = max(ids.values()) + 1000
    gbr = api("editor-gbr")
    statements: list[str] = []

    def record(_c: Any, _cur: Any, sql: str, *_a: Any) -> None:
        statements.append(sql)

    def answers(run_id: int, ask: Any) -> tuple[list[tuple[int, str]], list[str]]:
        statements.clear()
        out = [(r.status_code, _without(r.text, run_id)) for r in ask(run_id)]
        return out, [sql for sql in statements if "plan_runs" in sql]  # sign-in lookups are cached meanwhile

    def by_api(run_id: int) -> list[Any]:
        return [gbr.get(f"/api/runs/{run_id}{part}") for part in ("", "/plan.json", "/report.html")]

    client.cookies.clear()
    assert client.post("/login", data={"username": "editor-gbr", "password": PASSWORD}).status_code == 200

    def by_page(run_id: int) -> list[Any]:
        return [client.get(f"/plans/{run_id}"), client.get(f"/plans/{run_id}/progress")]

    app_engine = client.app.state.engine
    event.listen(app_engine, "before_cursor_execute", record)
    try:
        for ask in (by_page, by_api):  # pages first: the API client's bearer header is its own
            none_at_all = answers(missing, ask)
            assert all(status == 404 for status, _ in none_at_all[0])
            for name in HIDDEN:
                assert answers(ids[name], ask) == none_at_all, name
    finally:
        event.remove(app_engine, "before_cursor_execute", record)
    assert gbr.post(f"/api/runs/{ids['unpublished']}/publish").status_code == 403
    assert gbr.post(f"/api/runs/{missing}/publish").status_code == 403
    assert gbr.get(f"/api/runs/{ids['published']}").status_code == 200


def test_pages_of_the_newest_run_show_a_nation_the_newest_it_may_see(runs: Any, api: Any, client: Any) -> None:
    _engine, ids = runs
    client.cookies.clear()
    assert client.post("/login", data={"username": "editor-gbr", "password": PASSWORD}).status_code == 200
    page = client.get("/map").text
    assert f"laydown of plan run {ids['published']}" in page and f"run {ids['unpublished']}" not in page
    frame = client.get("/map/frame")
    assert frame.status_code == 200 and f"plan run {ids['published']} " in frame.text and SECRET not in frame.text
    assert api("editor-gbr").get(f"/api/runs/{ids['published']}/report.html").status_code == 403


# ---------------------------------------------------------------------------------------------- which run, how fresh


def _finish(engine: Engine, run_id: int) -> None:
    """What the worker writes when a run ends (the pipeline itself is tested in test_registry_runs.py)."""
    plan = {"forcegen": {"totals": {}}, "stationing": STATIONING}
    jobs._set(engine, run_id, status="done", stage="done", progress=1.0, plan_json=json.dumps(plan),
              report_html="<p>report</p>", finished_at=dt.datetime(2026, 12, 7, 8, 5))  # fmt: skip


def _basis(page: str) -> str:
    found = re.search(r'<p id="run-basis"[^>]*data-current="(\w+)"[^>]*>(.*?)</p>', page, re.S)
    assert found is not None, page
    return found.group(1) + ": " + re.sub(r"<[^>]+>|\s+", " ", found.group(2))


def test_the_pages_say_which_run_and_whether_the_registry_changed_since(
    backend: Any, api: Any, client: Any, monkeypatch: Any
) -> None:
    from forceplan.registry import figures

    monkeypatch.setattr(figures, "GAP_FACTOR", 0.0)  # the background catches up at once after each change
    engine = client.app.state.engine
    first = jobs.start_run(engine, PLANNER, 7, 100, 10)  # records the registry's current digest, as a run does
    _finish(engine, first)
    planner, gbr = api("planner"), api("editor-gbr")
    assert planner.post(f"/api/runs/{first}/publish").status_code == 200
    pages = {"planner": ("/dashboard", "/map"), "editor-gbr": ("/map",)}

    def said() -> dict[str, str]:
        out = {}
        for who, urls in pages.items():
            client.cookies.clear()
            assert client.post("/login", data={"username": who, "password": PASSWORD}).status_code == 200
            for url in urls:
                # A page says "checking" until the background has posted the current state's digest (it starts
                # on a page view): a bounded wait for it.
                deadline = time.monotonic() + 60
                while (said_ := _basis(client.get(url).text)).startswith("checking: ") and time.monotonic() < deadline:
                    time.sleep(0.05)
                out[f"{who} {url}"] = said_
        client.cookies.clear()
        return out

    for where, text_ in said().items():
        assert text_.startswith("yes: "), (where, text_)
        assert "started 20" in text_ and " UTC by planner" in text_ and f"run {first}" in text_, text_
        assert "computed on the registry's current data" in text_
    # A nation changes a pledge: every page says its figures are from before it.
    pid = next(p["id"] for p in gbr.get("/api/pledges").json() if p["status"] != "withdrawn")
    r = gbr.get(f"/api/pledges/{pid}")
    q = r.json()["quantity"]
    changed = gbr.patch(f"/api/pledges/{pid}", json={"quantity": q + 1 if q < 1000 else q - 1},
                        headers={"If-Match": r.headers["ETag"]})  # fmt: skip
    assert changed.status_code == 200, changed.text
    stale = said()
    for where, text_ in stale.items():
        assert text_.startswith("no: ") and "computed before the latest changes" in text_, (where, text_)
    assert "re-run the plan" in stale["planner /dashboard"]
    assert "ask a coalition planner to re-run the plan" in stale["editor-gbr /map"]
    # A fresh run clears it, for the planner at once; for the nation once it is published.
    second = jobs.start_run(engine, PLANNER, 7, 100, 10)
    _finish(engine, second)
    fresh = said()
    assert fresh["planner /dashboard"].startswith("yes: ") and f"run {second}" in fresh["planner /dashboard"]
    assert fresh["editor-gbr /map"].startswith("no: ") and f"run {first}" in fresh["editor-gbr /map"]
    assert planner.post(f"/api/runs/{second}/publish").status_code == 200
    assert all(t.startswith("yes: ") for t in said().values())


def test_the_run_line_is_escaped() -> None:
    """A run's author and times come from the database: written into the page as text, never as markup."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("forceplan.registry", "templates"), autoescape=select_autoescape(["html"]))
    run = {"id": 3, "created_by": "<script>x</script>", "created_at": "2026-12-07T08:00:00", "finished_at": None}
    html = env.get_template("_run_basis.html").render(
        latest={"basis": {"run": run, "current": None, "why": "<b>unreadable</b>"}}, what="The figures come",
        who=PLANNER,
    )  # fmt: skip
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;unreadable" in html
    assert 'data-current="unknown"' in html and "could not be checked" in html
