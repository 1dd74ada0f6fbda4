"""Results of the pipeline's stages, keyed by the inputs that determine them and reused within a run and across runs.

A stage's result (force generation, laydown, response timelines, assessment) is stored under the SHA-256 of
everything that determines it: the stage's name, a fingerprint of forceplan's own code and data (so an upgrade or
an edited module never reads an older answer), the part of the scenario the stage reads (its canonical JSON, the
geometry files by content), the options, trials and seed. The same inputs give the same key; a changed input
gives another key, so nothing is ever invalidated in place: stale entries simply stop being asked for and age out.

Two tiers: a dictionary for the run (the backstop case, ``plan --case`` cases and the sensitivity cases meet the
same force twice) and, when a folder is given, files on disk shared by every process of the user: the CLI, the
registry's plan worker and the exploration's Dask workers.

On disk each entry is one file ``<key>.json``: a header line (format, SHA-256 and length of the body) and the
result's JSON. Entries are written to a temporary file in the same folder and renamed into place, so a reader sees
a whole entry or none; two writers of one key write the same bytes and the last rename wins. A file that fails
its header, hash or validation (truncated, corrupt, an older schema) is ignored, deleted and rewritten. The
folder is held under ``max_bytes``: after a write, the least recently used entries (modification time, touched on
every hit) are removed under an exclusive lock on ``.lock``, so two evicting processes never race.

Where: ``$FORCEPLAN_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/forceplan`` or ``~/.cache/forceplan``;
``FORCEPLAN_CACHE=off`` (or ``plan --no-cache``) turns the disk tier off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

import forceplan
from forceplan.scenario import Scenario
from forceplan.scenario.bundled import canonical_dict

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)

FORMAT = "forceplan-stage/1"
DEFAULT_MAX_BYTES = 256 * 2**20
"""256 MiB: some 500 plans of the bundled scenario (about 0.5 MB each, the assessment most of it)."""
CODE_SUFFIXES = frozenset({".py", ".csv", ".json", ".yaml", ".yml", ".geojson", ".tsv", ".txt"})

FORCEGEN_IGNORES = ("threats", "offensives", "parameters", "agreement", "description", "sources", "illustrative")
"""Scenario sections that force generation never reads (it reads nations, capabilities, pledges, the requirement,
sites, places, geography, phases and the backstop): experiments that change only these share a force."""
STATIONING_IGNORES = ("offensives", "agreement", "description", "sources", "illustrative")
"""Sections the laydown never reads; of the threats it reads only the ids, names, axes and weights, of the
parameters only the road circuity factor (``stationing.run.station_force``)."""


def default_folder() -> Path | None:
    """The disk tier's folder from the environment, or None when ``FORCEPLAN_CACHE`` is ``off``/``0``/``no``."""
    if os.environ.get("FORCEPLAN_CACHE", "").strip().lower() in {"off", "0", "no", "false"}:
        return None
    if os.environ.get("FORCEPLAN_CACHE_DIR"):
        return Path(os.environ["FORCEPLAN_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "forceplan"


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over forceplan's version and every source and data file of the package (path and content): a code
    or data change makes every key new. About 1 MB read once per process."""
    root = Path(forceplan.__file__).resolve().parent
    h = hashlib.sha256(forceplan.__version__.encode())
    for p in sorted(root.rglob("*")):
        if p.suffix in CODE_SUFFIXES and "__pycache__" not in p.parts and "assets" not in p.parts and p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _plain(x: Any) -> Any:
    """JSON-ready form of the values keys are made of (dataclasses, enums, sets, tuples, numpy scalars)."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: _plain(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if isinstance(x, BaseModel):
        return x.model_dump(mode="json")
    if isinstance(x, enum.Enum):
        return x.value
    if isinstance(x, (set, frozenset)):
        return sorted(_plain(v) for v in x)
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if hasattr(x, "tolist") and getattr(x, "ndim", 0) > 0:  # numpy array (e.g. an outcome model's coefficients)
        return x.tolist()
    if hasattr(x, "item") and callable(x.item):  # numpy scalar
        return x.item()
    if x is None or isinstance(x, (str, int, float, bool)):
        return x
    raise TypeError(f"cannot key a stage on a {type(x).__name__}")


def digest_of(*parts: Any) -> str:
    text = json.dumps(_plain(parts), sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def digest_of_json(data: Any) -> str:
    """``digest_of(data)`` for data that is JSON already (a ``model_dump(mode="json")``): the same digest, without
    first walking every value through ``_plain``, which leaves such data as it is. The scenario's three views are
    digested for every experiment of an exploration; the walk was 6 % of an experiment's time."""
    text = json.dumps([data], sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


class ScenarioViews:
    """The digests of the parts of one scenario that each stage reads (the canonical JSON is built once)."""

    def __init__(self, sc: Scenario):
        self._data = canonical_dict(sc)

    @functools.cached_property
    def scenario_digest(self) -> str:
        """``forceplan.scenario.scenario_digest`` of the scenario, without reading its files again."""
        return hashlib.sha256(json.dumps(self._data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    @functools.cached_property
    def full(self) -> str:
        return digest_of_json(self._data)

    @functools.cached_property
    def forcegen(self) -> str:
        return digest_of_json({k: v for k, v in self._data.items() if k not in FORCEGEN_IGNORES})

    @functools.cached_property
    def stationing(self) -> str:
        d = {k: v for k, v in self._data.items() if k not in STATIONING_IGNORES}
        d["threats"] = [{k: t[k] for k in ("id", "name", "axis", "weight")} for t in self._data["threats"]]
        d["parameters"] = {k: v for k, v in self._data["parameters"].items() if k == "road_circuity_factor"}
        return digest_of_json(d)


class StageCache:
    """Stage results by key: in memory for the life of the object, and on disk in ``folder`` when given."""

    def __init__(self, folder: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES, max_memory_entries: int = 64):
        self.folder = folder
        self.max_bytes = max_bytes
        self.max_memory_entries = max_memory_entries
        """A long-lived process (the registry's worker, a Dask worker) keeps only the most recent results."""
        self._memory: dict[str, BaseModel] = {}
        self._mutex = threading.Lock()
        self.hits: list[str] = []
        """Stage names served from the cache, in order (memory or disk), for the run log."""
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                log.warning("stage cache off: cannot create %s (%s)", folder, exc)
                self.folder = None

    @classmethod
    def from_environment(cls, enabled: bool = True) -> StageCache:
        """The user's cache (:func:`default_folder`); memory only when ``enabled`` is False or the environment
        turns it off."""
        return cls(default_folder() if enabled else None)

    def key(self, stage: str, *parts: Any) -> str:
        return digest_of(FORMAT, stage, code_fingerprint(), *parts)

    def holds(self, stage: str, *parts: Any) -> bool:
        """Whether ``stage`` for these inputs is kept, in memory or on disk (not read, not checked: ``get`` may
        still find a damaged entry and compute it)."""
        k = self.key(stage, *parts)
        with self._mutex:
            if k in self._memory:
                return True
        return self.folder is not None and self._path(k).is_file()

    def get(self, stage: str, model: type[T], compute: Callable[[], T], *parts: Any) -> T:
        """The result of ``stage`` for these inputs: from memory, from disk, or computed (and stored)."""
        k = self.key(stage, *parts)
        with self._mutex:
            hit = self._memory.pop(k, None)
        if isinstance(hit, model):
            self.hits.append(stage)
            self._remember(k, hit)
            return hit
        loaded = self._read(k, model)
        if loaded is not None:
            self.hits.append(stage)
            self._remember(k, loaded)
            return loaded
        value = compute()
        self._remember(k, value)
        self._write(k, value)
        return value

    def _remember(self, k: str, value: BaseModel) -> None:
        with self._mutex:  # a worker may run tasks on several threads
            self._memory[k] = value  # insertion order is recency order: the first key is the least recently used
            while len(self._memory) > self.max_memory_entries:
                del self._memory[next(iter(self._memory))]

    # ------------------------------------------------------------------------------------------------ disk tier
    def _path(self, k: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{k}.json"

    def _read(self, k: str, model: type[T]) -> T | None:
        if self.folder is None:
            return None
        path = self._path(k)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        head, sep, body = raw.partition(b"\n")
        try:
            fmt, sha, size = head.decode("ascii").split(" ")
            ok = sep and fmt == FORMAT and int(size) == len(body) and hashlib.sha256(body).hexdigest() == sha
            value = model.model_validate_json(body) if ok else None
        except (ValueError, UnicodeDecodeError, ValidationError):
            value = None
        if value is None:
            log.warning("stage cache: ignoring a damaged entry %s; it will be rewritten", path.name)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used: the last to be evicted
        return value

    def _write(self, k: str, value: BaseModel) -> None:
        if self.folder is None:
            return
        body = value.model_dump_json(by_alias=True).encode()
        head = f"{FORMAT} {hashlib.sha256(body).hexdigest()} {len(body)}\n".encode()
        try:
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(head + body)
                os.replace(tmp, self._path(k))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            self.evict()
        except OSError as exc:  # a full or read-only disk costs the reuse, never the run
            log.warning("stage cache: could not store an entry in %s (%s)", self.folder, exc)

    def evict(self) -> None:
        """Remove the least recently used entries until the folder holds at most ``max_bytes``."""
        if self.folder is None:
            return
        with self._lock():
            entries = []
            for e in os.scandir(self.folder):
                if e.name.endswith(".json"):
                    with contextlib.suppress(OSError):
                        st = e.stat()
                        entries.append((st.st_mtime_ns, st.st_size, e.path))
            total = sum(size for _, size, _ in entries)
            for e in os.scandir(self.folder):  # temporary files of a writer killed mid-write, after an hour
                with contextlib.suppress(OSError):
                    if e.name.startswith(".tmp-") and e.stat().st_mtime < time.time() - 3600:
                        os.unlink(e.path)
            for _, size, path in sorted(entries):
                if total <= self.max_bytes:
                    break
                with contextlib.suppress(OSError):
                    os.unlink(path)
                    total -= size

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        import fcntl

        assert self.folder is not None
        with open(self.folder / ".lock", "a+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
