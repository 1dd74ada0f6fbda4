"""Plan runs on the registry's state, in a worker process (never in the request that starts them).

A run keeps the exact input (the scenario folder's files, and the scenario's digest), the seed and trials, and
then plan.json and report.html: the same pipeline, defaults and JSON as ``forceplan plan``, so a run on the registry
equals ``forceplan plan`` on ``forceplan registry export`` byte for byte.
"""

from __future__ import annotations

import functools
import hashlib
import json
import multiprocessing
import re
import tempfile
import threading
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.engine import Engine

from forceplan.registry import store
from forceplan.registry.db import SYSTEM, Actor, GeoFile, PlanRun, make_engine, transaction, utcnow
from forceplan.registry.store import Forbidden, NotFound, require_planner, snapshot_files
from forceplan.scenario import ScenarioError

if TYPE_CHECKING:
    from forceplan.stagecache import StageCache

MAX_TRIALS = 200_000


def _load_snapshot(files: dict[str, str], folder: Path) -> Any:
    from forceplan.scenario import load_scenario

    for name, content in files.items():
        if "/" in name or name.startswith("."):  # written by us, but a snapshot is data: no path escapes
            raise ValueError(f"bad file name in snapshot: {name!r}")
        (folder / name).write_text(content, encoding="utf-8")
    return load_scenario(folder / "scenario.yaml")


def start_run(engine: Engine, actor: Actor, seed: int, trials: int, response_trials: int) -> int:
    """Record a queued run with the registry's current state as its input; returns its id."""
    from forceplan.scenario import scenario_digest

    require_planner(actor, "start a plan run")
    files = snapshot_files(engine, actor)
    with tempfile.TemporaryDirectory(prefix="forceplan-run-") as tmp:
        sc = _load_snapshot(files, Path(tmp))  # refuse a state that does not load, before queuing anything
        digest = scenario_digest(sc)
    with transaction(engine, actor) as s:
        run = PlanRun(
            created_by=actor.username,
            created_at=utcnow(),
            status="queued",
            stage="queued",
            progress=0.0,
            published=False,
            seed=seed,
            trials=trials,
            response_trials=response_trials,
            input_digest=digest,
            snapshot=json.dumps(files, sort_keys=True),
        )
        s.add(run)
        s.flush()
        return int(run.id)


def _set(engine: Engine, run_id: int, **values: Any) -> None:
    with transaction(engine, SYSTEM) as s:
        run = s.get(PlanRun, run_id)
        if run is not None:
            for k, v in values.items():
                setattr(run, k, v)


@functools.lru_cache(maxsize=1)
def worker_cache() -> StageCache:
    """The worker process's stage cache, kept between runs (the worker is reused): in memory, and on disk where
    the environment allows (``forceplan.stagecache``), so a run of an unchanged snapshot reuses every stage."""
    from forceplan.stagecache import StageCache

    return StageCache.from_environment()


def execute_run(db_url: str, run_id: int) -> str:
    """Run one queued plan (in the worker process): the pipeline, then the report; progress is written as each
    stage starts. Returns the final status."""
    from forceplan.forcegen import Options
    from forceplan.plan import plan_stages, run_plan
    from forceplan.report.html import render_report

    engine = make_engine(db_url, pool_size=2)
    try:
        with transaction(engine, SYSTEM) as s:
            run = s.get(PlanRun, run_id)
            if run is None or run.status != "queued":
                return "skipped"
            files = json.loads(run.snapshot)
            seed, trials, response_trials = run.seed, run.trials, run.response_trials
            run.status, run.stage = "running", "loading the snapshot"
        done = [0]

        with tempfile.TemporaryDirectory(prefix="forceplan-run-") as tmp:
            sc = _load_snapshot(files, Path(tmp))
            steps = len(plan_stages(sc, Options())) + 1

            def stage(name: str) -> None:
                _set(engine, run_id, stage=name, progress=round(done[0] / steps, 3))
                done[0] += 1

            result = run_plan(
                sc, Options(), response_trials, trials, seed, None, None, progress=stage, cache=worker_cache()
            )
            stage("report")
            html = render_report(sc, result)
        _set(
            engine,
            run_id,
            status="done",
            stage="done",
            progress=1.0,
            plan_json=result.to_json() + "\n",
            report_html=html,
            finished_at=utcnow(),
        )
        return "done"
    except Exception as exc:  # a failed run is reported with its cause, never lost
        _set(
            engine,
            run_id,
            status="failed",
            stage="failed",
            error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}",
            finished_at=utcnow(),
        )
        return "failed"
    finally:
        engine.dispose()


class Runner:
    """One worker process that runs queued plans one at a time (a plan already uses both cores' numba threads)."""

    def __init__(self, db_url: str):
        self.db_url = db_url
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, run_id: int) -> Future[str]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool.submit(execute_run, self.db_url, run_id)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def recover_interrupted(engine: Engine) -> int:
    """Runs left queued or running by a server that stopped are marked failed (with why) on the next start."""
    with transaction(engine, SYSTEM) as s:
        runs = list(s.scalars(select(PlanRun).where(PlanRun.status.in_(("queued", "running")))))
        for r in runs:
            r.status, r.stage, r.error, r.finished_at = (
                "failed",
                "failed",
                "the server stopped during the run",
                utcnow(),
            )
        return len(runs)


def run_public(r: PlanRun) -> dict[str, Any]:
    return {
        "id": r.id,
        "created_by": r.created_by,
        "created_at": r.created_at.isoformat(),
        "finished_at": r.finished_at.isoformat() if r.finished_at else None,
        "status": r.status,
        "stage": r.stage,
        "progress": r.progress,
        "published": r.published,
        "seed": r.seed,
        "trials": r.trials,
        "response_trials": r.response_trials,
        "input_digest": r.input_digest,
        "error": r.error.splitlines()[0] if r.error else None,
    }


def _visible_run(actor: Actor, r: PlanRun) -> bool:
    return actor.is_planner or (r.published and r.status == "done")


def _visible_where(actor: Actor) -> list[ColumnElement[bool]]:
    """The runs the actor may see, as a query's conditions (the same rule as :func:`_visible_run`, and as the
    database's ``plan_runs_read`` policy on PostgreSQL, schema 0006): applied before any limit, so what a reader is
    shown never depends on the runs it may not see."""
    return [] if actor.is_planner else [PlanRun.published.is_(True), PlanRun.status == "done"]


def list_runs(engine: Engine, actor: Actor) -> list[dict[str, Any]]:
    """The newest 200 runs the actor may see, newest first."""
    with transaction(engine, actor, read_only=True) as s:
        runs = s.scalars(select(PlanRun).where(*_visible_where(actor)).order_by(PlanRun.id.desc()).limit(200))
        return [run_public(r) for r in runs if _visible_run(actor, r)]


def get_run(engine: Engine, actor: Actor, run_id: int, part: str | None = None) -> Any:
    """A run's status, or one of its outputs (``plan.json``, ``report.html``); planners see every run, others
    the published ones."""
    with transaction(engine, actor, read_only=True) as s:
        # The rule in the query: a run hidden from the actor is never read, as a number never used is not.
        r = s.scalars(select(PlanRun).where(PlanRun.id == run_id, *_visible_where(actor))).first()
        if r is None or not _visible_run(actor, r):
            raise NotFound(f"no plan run {run_id} that you may see")
        if part is None:
            return run_public(r)
        value = {"plan.json": r.plan_json, "report.html": r.report_html}[part]
        if value is None:
            raise NotFound(f"run {run_id} has no {part} yet (status {r.status})")
        if actor.is_planner:
            return value
        if part == "report.html":
            raise Forbidden(
                "the full report holds every nation's pledges and burden, for coalition planners; your plan.json "
                f"(/api/runs/{run_id}/plan.json) holds your nation's detail and the coalition's totals"
            )
        return json.dumps(filter_plan(json.loads(value), actor.nation, _pledge_nations(r.snapshot)), indent=1) + "\n"


def _pledge_nations(snapshot: str) -> dict[str, str]:
    """Pledge id -> nation, from the run's input (its scenario.yaml)."""
    from ruamel.yaml import YAML

    doc = YAML(typ="safe").load(json.loads(snapshot).get("scenario.yaml", "")) or {}
    return {str(p["id"]): str(p["nation"]) for p in doc.get("pledges") or [] if "id" in p and "nation" in p}


def filter_plan(plan: Any, nation: str | None, pledge_nations: dict[str, str]) -> Any:
    """A plan as a reader who is not a planner may see it, the same rule as the API: the coalition's aggregates,
    and of the pledges and nations only the reader's own (``nation``; an observer: none). Every object that names
    another nation or another nation's pledge is left out, as is every key that is one, and in free text another
    nation's pledge id reads "another nation's pledge"; a garrison holding only other nations' units is left out."""
    others_pledges = {p for p, n in pledge_nations.items() if n != nation}
    others_nations = {n for n in pledge_nations.values() if n != nation}
    hidden = others_pledges | others_nations
    pattern = (
        re.compile(
            "|".join(rf"(?<![\w-]){re.escape(p)}(?![\w-])" for p in sorted(others_pledges, key=len, reverse=True))
        )
        if others_pledges
        else None
    )

    def foreign(v: Any) -> bool:
        return isinstance(v, dict) and (v.get("nation") in others_nations or v.get("pledge") in others_pledges)

    def emptied(v: Any) -> bool:
        """A garrison left with none of its placements: it held only other nations' units."""
        return isinstance(v, dict) and "placements" in v and not v["placements"]

    def walk(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items() if k not in hidden and not foreign(x)}
        if isinstance(v, list):
            kept = [walk(x) for x in v if not foreign(x) and not (isinstance(x, str) and x in hidden)]
            return [x for x in kept if not emptied(x)]
        if isinstance(v, str) and pattern is not None:
            return pattern.sub("another nation's pledge", v)
        return v

    return walk(plan)


def publish_run(engine: Engine, actor: Actor, run_id: int) -> dict[str, Any]:
    require_planner(actor, "publish a plan run")
    with transaction(engine, actor) as s:
        r = s.get(PlanRun, run_id)
        if r is None:
            raise NotFound(f"no plan run {run_id}")
        if r.status != "done":
            raise Forbidden(f"run {run_id} is {r.status}; only a finished run can be published")
        r.published = True
        return run_public(r)


def latest_plan(engine: Engine, actor: Actor, with_basis: bool = False) -> dict[str, Any] | None:
    """plan.json of the newest finished run the actor may see (planners: any, whole; others: published, filtered
    as :func:`filter_plan` says); ``with_basis``: with ``basis``, whether it was computed on the registry's current
    data (:func:`run_basis`), for a page that shows its figures."""
    with transaction(engine, actor, read_only=True) as s:
        q = select(PlanRun).where(PlanRun.status == "done", *_visible_where(actor)).order_by(PlanRun.id.desc())
        r = s.scalars(q.limit(1)).first()
        if r is None:
            return None
        plan = json.loads(r.plan_json or "{}")
        if not actor.is_planner:  # what the map and the outlook show a reader: as its plan.json
            plan = filter_plan(plan, actor.nation, _pledge_nations(r.snapshot))
        found = {"run": run_public(r), "plan": plan}
    if with_basis:
        found["basis"] = run_basis(engine, found["run"])
    return found


# ---------------------------------------------------------------------------------------------- which run, how fresh

_digests: dict[tuple[str, str], str] = {}
_digests_lock = threading.Lock()
KEEP_DIGESTS = 8
"""Scenario digests of the registry's states kept per process (a state's digest is computed once: ~0.5 s)."""


def current_digest(engine: Engine) -> str:
    """The digest a plan run started now would record as its input (:func:`start_run`: the scenario digest of the
    registry's export, as the loader reads it). The export's content is read every time (sections, pledges, stocks,
    the geometry files' SHA-256), and the export is written and loaded only when that content is one not seen
    before in this process: content, not version numbers, so no change can pass unnoticed."""
    from forceplan.scenario import scenario_digest

    with transaction(engine, SYSTEM, read_only=True, snapshot=True) as s:
        doc = store._document(s)
        geo = sorted((str(f), str(h)) for f, h in s.execute(select(GeoFile.field, GeoFile.sha256)))
        content = json.dumps([doc, geo], sort_keys=True, default=str)
        key = (str(engine.url), hashlib.sha256(content.encode()).hexdigest())
        with _digests_lock:
            hit = _digests.get(key)
        if hit is not None:
            return hit
        with tempfile.TemporaryDirectory(prefix="forceplan-digest-") as tmp:
            # The same files as start_run's snapshot, loaded the same way (_load_snapshot).
            store.write_document(s, Path(tmp) / "export")
            files = {p.name: p.read_text(encoding="utf-8") for p in sorted((Path(tmp) / "export").iterdir())}
            (Path(tmp) / "load").mkdir()
            digest = scenario_digest(_load_snapshot(files, Path(tmp) / "load"))
    with _digests_lock:
        if len(_digests) >= KEEP_DIGESTS:
            _digests.clear()
        _digests[key] = digest
    return digest


def run_basis(engine: Engine, run: dict[str, Any]) -> dict[str, Any]:
    """What a page says of the run its figures come from: the run (``run_public``'s fields) and ``current``: True
    when its input is the registry's current data, False when the registry has changed since it started, None
    when that could not be checked (``why``)."""
    try:
        return {"run": run, "current": run["input_digest"] == current_digest(engine), "why": None}
    except (store.RegistryError, ScenarioError, ValueError) as exc:  # an emptied registry, an unloadable state
        return {"run": run, "current": None, "why": str(exc).splitlines()[0]}
