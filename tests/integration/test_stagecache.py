"""The stage cache: a hit gives byte-identical plan.json, a changed input misses, a damaged entry is ignored and
rewritten, concurrent writers leave a valid entry, the size bound evicts the least recently used."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import BaseModel

from forceplan.forcegen import Options
from forceplan.plan import force_and_laydown, run_plan
from forceplan.scenario import Scenario, scenario_digest
from forceplan.stagecache import FORMAT, ScenarioViews, StageCache, default_folder
from tests.conftest import BUNDLED

pytestmark = pytest.mark.integration

STAGE_NAMES = ["force generation", "stationing", "response timelines", "deterrence assessment", "sustainment"]
PLAN_HITS = sorted([*STAGE_NAMES, *STAGE_NAMES[:2]])
"""What a plan reads from a full cache: every stage, and the backstop case's force and laydown (the backstop case
and the sustainment are read on a second thread, so the order varies)."""


def small_plan(sc: Scenario, cache: StageCache | None, seed: int = 3, opts: Options | None = None) -> str:
    return run_plan(
        sc, opts, trials=100, assess_trials=1000, seed=seed, threats=[sc.threats[0].id], cache=cache
    ).to_json()


@pytest.fixture(scope="module")
def warm(bundled: Scenario, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, StageCache]:
    """One plan computed into an empty cache folder: (folder, its plan.json, the cache it filled)."""
    folder = tmp_path_factory.mktemp("stages")
    cache = StageCache(folder)
    text = small_plan(bundled, cache)
    return folder, text, cache


def test_a_hit_gives_byte_identical_output(bundled: Scenario, warm: tuple[Path, str, StageCache]) -> None:
    folder, computed, filling = warm
    assert filling.hits == [] or set(filling.hits) <= set(STAGE_NAMES[:2])  # only the backstop case's re-use
    again = StageCache(folder)  # a new process's view: nothing in memory, everything on disk
    assert small_plan(bundled, again) == computed
    assert sorted(again.hits) == PLAN_HITS
    # Same seed, no cache at all: the same bytes.
    assert small_plan(bundled, None) == computed


def test_a_run_from_the_cache_loads_no_engine(bundled: Scenario, warm: tuple[Path, str, StageCache]) -> None:
    """A fresh process whose every stage comes from the disk cache gives the same bytes without importing numba
    (the engine's and the simulation's kernels) or the MILP solver."""
    folder, computed, _ = warm
    code = (
        "import hashlib, sys\n"
        "from pathlib import Path\n"
        "from forceplan.plan import run_plan\n"
        "from forceplan.scenario import load_scenario\n"
        "from forceplan.stagecache import StageCache\n"
        f"sc = load_scenario({BUNDLED!r})\n"
        f"cache = StageCache(Path({str(folder)!r}))\n"
        "text = run_plan(sc, None, trials=100, assess_trials=1000, seed=3, threats=[sc.threats[0].id], "
        "cache=cache).to_json()\n"
        "print(hashlib.sha256(text.encode()).hexdigest())\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numba', 'llvmlite', 'highspy'}))\n"
        "print(sorted(cache.hits))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    digest, heavy, hits = out.strip().splitlines()
    assert digest == hashlib.sha256(computed.encode()).hexdigest()
    assert heavy == "[]"
    assert hits == repr(PLAN_HITS)


def test_a_changed_input_misses(bundled: Scenario, warm: tuple[Path, str, StageCache]) -> None:
    folder, computed, _ = warm
    other_seed = StageCache(folder)
    assert small_plan(bundled, other_seed, seed=4) != computed
    # The force and laydown do not depend on the seed: the plan's and the backstop case's are read back.
    assert other_seed.hits.count("force generation") >= 2 and other_seed.hits.count("stationing") >= 2
    assert "response timelines" not in other_seed.hits and "deterrence assessment" not in other_seed.hits
    # Another scenario content (a pledge fewer): the force generation inputs differ, so does its key.
    views, fewer = ScenarioViews(bundled), ScenarioViews(bundled.model_copy(update={"pledges": bundled.pledges[1:]}))
    assert views.forcegen != fewer.forcegen and views.full != fewer.full
    # A threat's strength is not a force-generation input: the force is shared, the assessment is not.
    t = bundled.threats[0]
    stronger = t.model_copy(update={"defender_combat_power": t.defender_combat_power + 1})
    sv = ScenarioViews(bundled.model_copy(update={"threats": (stronger, *bundled.threats[1:])}))
    assert sv.forcegen == views.forcegen and sv.stationing == views.stationing and sv.full != views.full
    # Options are part of the key.
    c = StageCache(folder)
    assert c.key("force generation", views.forcegen, Options()) != c.key(
        "force generation", views.forcegen, Options(without=frozenset({"FRA"}))
    )


def test_what_a_view_leaves_out_does_not_change_the_stage(bundled: Scenario) -> None:
    """The force and the laydown computed on a scenario whose threats' strengths, warning times and uncertain
    parameters (other than the road circuity) differ are the same, byte for byte: the keys may ignore them."""
    from forceplan.forcegen import match_force
    from forceplan.stationing import station_force

    other = bundled.model_copy(
        update={
            "threats": tuple(
                t.model_copy(update={"defender_combat_power": t.defender_combat_power * 2, "warning_time_h": 1.0})
                for t in bundled.threats
            ),
            "parameters": {k: v for k, v in bundled.parameters.items() if k == "road_circuity_factor"},
        }
    )
    v, w = ScenarioViews(bundled), ScenarioViews(other)
    assert v.forcegen == w.forcegen and v.stationing == w.stationing and v.full != w.full
    assert v.scenario_digest == scenario_digest(bundled) and w.scenario_digest == scenario_digest(other)
    cache = StageCache()
    fa, _ = force_and_laydown(bundled, Options(), cache, v)
    fb, lb = force_and_laydown(other, Options(), cache, w)  # both read back from the first
    assert cache.hits == ["force generation", "stationing"]
    fresh_fg = match_force(other)
    assert fb.model_dump_json() == fresh_fg.model_dump_json()
    assert lb.model_dump_json() == station_force(other, fresh_fg).model_dump_json()
    assert fa.scenario_digest != fb.scenario_digest


class Entry(BaseModel):
    name: str
    values: list[float]


def entry_path(folder: Path, cache: StageCache, *parts: object) -> Path:
    return folder / f"{cache.key('test', *parts)}.json"


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage header", "wrong schema"])
def test_a_damaged_entry_is_ignored_and_rewritten(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    good = Entry(name="a", values=[1.5, 2.25])
    StageCache(tmp_path).get("test", Entry, lambda: good, 1)
    path = entry_path(tmp_path, StageCache(tmp_path), 1)
    raw = path.read_bytes()
    broken = {
        "truncate": raw[: len(raw) - 7],
        "flip": raw[:-3] + bytes([raw[-3] ^ 1]) + raw[-2:],
        "empty": b"",
        "garbage header": b"not a header\n" + raw.split(b"\n", 1)[1],
        "wrong schema": _entry_bytes(b'{"name": 3}'),
    }[damage]
    path.write_bytes(broken)
    calls = []
    with caplog.at_level(logging.WARNING, logger="forceplan.stagecache"):
        got = StageCache(tmp_path).get("test", Entry, lambda: calls.append(1) or good, 1)
    assert got == good and calls == [1]  # recomputed, not read
    assert "damaged entry" in caplog.text
    assert path.read_bytes() == raw  # rewritten whole
    fresh = StageCache(tmp_path)
    assert fresh.get("test", Entry, lambda: pytest.fail("should be a hit"), 1) == good and fresh.hits == ["test"]


def _entry_bytes(body: bytes) -> bytes:
    return f"{FORMAT} {hashlib.sha256(body).hexdigest()} {len(body)}\n".encode() + body


def _writer(folder: str, start: float, n: int) -> None:
    """Write one key ``n`` times, starting at ``start`` (both writers together); the entry is 0.4 MB, so the
    writes overlap."""
    cache = StageCache(Path(folder))
    big = Entry(name="same", values=[float(i) for i in range(20_000)])
    while time.time() < start:
        time.sleep(0.001)
    for _ in range(n):
        cache._write(cache.key("test", "shared"), big)


def test_concurrent_writers_leave_a_valid_entry(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    start = time.time() + 1.5
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), start, 15)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    cache = StageCache(tmp_path)
    got = cache.get("test", Entry, lambda: pytest.fail("the entry should be whole"), "shared")
    assert got.values[-1] == 19_999.0 and cache.hits == ["test"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []  # no temporary file left


def test_the_size_bound_evicts_the_least_recently_used(tmp_path: Path) -> None:
    one = len(_entry_bytes(Entry(name="e0", values=[0.0] * 100).model_dump_json().encode()))
    cache = StageCache(tmp_path, max_bytes=3 * one + 10)
    for i in range(3):
        cache.get("test", Entry, lambda i=i: Entry(name=f"e{i}", values=[float(i)] * 100), i)
        os.utime(entry_path(tmp_path, cache, i), ns=(10**18 + i, 10**18 + i))  # distinct ages: 0 oldest
    # Entry 0 is read (most recently used now); writing a fourth evicts entry 1, the least recently used.
    assert StageCache(tmp_path).get("test", Entry, lambda: pytest.fail("hit expected"), 0).name == "e0"
    cache.get("test", Entry, lambda: Entry(name="e3", values=[3.0] * 100), 3)
    left = {i for i in range(4) if entry_path(tmp_path, cache, i).exists()}
    assert left == {0, 2, 3}
    assert sum(p.stat().st_size for p in tmp_path.glob("*.json")) <= 3 * one + 10


def test_the_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FORCEPLAN_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("FORCEPLAN_CACHE", raising=False)
    assert default_folder() == tmp_path / "c"
    monkeypatch.setenv("FORCEPLAN_CACHE", "off")
    assert default_folder() is None and StageCache.from_environment().folder is None
    monkeypatch.delenv("FORCEPLAN_CACHE")
    monkeypatch.delenv("FORCEPLAN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert default_folder() == tmp_path / "x" / "forceplan"
