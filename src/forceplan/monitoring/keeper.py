"""The log as a shared service's state: one keeper per log folder, used by the web routes of ``forceplan serve``.

It keeps the open log in memory and reloads it when another process changed it (head.json's identity), takes the
folder's writer lock (flock: released by the kernel when a holder dies) for every write, appends a submitted batch
all or nothing with the CLI's ingest rules (classification, idempotency by event id), signs a checkpoint after
each batch when it holds the log's key, and keeps the cosignatures of the configured witnesses. A checkpoint is
*witnessed* when ``quorum`` of the ``witnesses`` have cosigned it.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from forceplan.fsutil import write_atomic
from forceplan.monitoring.incidents import Rejected, incidents_from_rows
from forceplan.monitoring.ingest import IngestSummary, _ingest_locked
from forceplan.monitoring.log import (
    CHECKPOINT_NAME,
    Log,
    LogError,
    check_signatures,
    checkpoint_message,
    load_checkpoint,
    log_lock,
    make_checkpoint,
)
from forceplan.monitoring.merkle import consistency_proof, inclusion_path, root_from_leaves
from forceplan.scenario import Scenario

MAX_ENTRIES = 1000
"""Records per ``entries`` call (RFC 9162 lets a log cap get-entries)."""


class BatchRejected(LogError):
    """A submitted batch with invalid rows: nothing of it was appended."""

    def __init__(self, rejected: list[Rejected]):
        super().__init__(f"{len(rejected)} incident(s) invalid; nothing was appended")
        self.rejected = rejected


class ProofError(LogError):
    """A proof asked for sizes or an event the log does not have."""


@dataclass
class Submission:
    summary: IngestSummary
    checkpoint: dict[str, Any] | None


class LogKeeper:
    def __init__(
        self,
        folder: Path,
        key: Ed25519PrivateKey | None = None,
        signer: str = "log",
        witnesses: dict[str, str] | None = None,
        quorum: int | None = None,
    ):
        self.folder = Path(folder)
        self.key, self.signer = key, signer
        self.witnesses = dict(witnesses or {})
        self.quorum = quorum if quorum is not None else (len(self.witnesses) // 2 + 1 if self.witnesses else 0)
        self._log: Log | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------------ state

    def _head_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = (self.folder / "head.json").stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _current_locked(self, create: bool = False) -> Log | None:
        stamp = self._head_stamp()
        if stamp is None and not create:
            return None
        if self._log is None or stamp != self._stamp:
            self._log = Log.open(self.folder, create=create)
            self._stamp = self._head_stamp()
        return self._log

    def log(self) -> Log | None:
        """The log as it is now (None before the first submission)."""
        with self._lock:
            return self._current_locked()

    # ------------------------------------------------------------------------------------------ writes

    def submit(self, sc: Scenario, rows: list[dict[str, Any]]) -> Submission:
        """Classify and append a batch, all or nothing: an invalid row appends nothing; incidents already in the
        log (by event id) are skipped, so a batch re-sent after a failure neither loses nor duplicates one."""
        incidents, rejected, n_read = incidents_from_rows(list(enumerate(rows, start=1)))
        if rejected:
            raise BatchRejected(rejected)
        with self._lock, log_lock(self.folder):
            log = self._current_locked(create=True)
            assert log is not None
            summary = _ingest_locked(sc, log, incidents, [], n_read, strict=True)
            cp = None
            if self.key is not None and log.size > 0:
                path = self._checkpoint_path(log.size)
                if summary.appended or not path.exists():
                    cp = make_checkpoint(log, self.key, self.signer)
                    write_atomic(path, json.dumps(cp, indent=2) + "\n")
                else:
                    cp = load_checkpoint(path)
            self._stamp = self._head_stamp()
            return Submission(summary, cp)

    def _checkpoint_path(self, size: int) -> Path:
        return self.folder / "checkpoints" / f"{size:09d}-{self.signer}.json"

    def cosign(self, size: int, signature: dict[str, Any]) -> dict[str, Any]:
        """Add a configured witness's cosignature to the log's checkpoint of ``size``."""
        signer = signature.get("signer")
        if signer not in self.witnesses:
            raise LogError(f"{signer!r} is not a witness of this log (configured: {', '.join(self.witnesses)})")
        if signature.get("public_key") != self.witnesses[str(signer)]:
            raise LogError(f"the key of {signer!r} is not the one configured for that witness")
        with self._lock, log_lock(self.folder):
            path = self._checkpoint_path(size)
            if not path.exists():
                raise ProofError(f"no checkpoint of size {size}")
            cp = load_checkpoint(path)
            msg = checkpoint_message(int(cp["tree_size"]), str(cp["root"]))
            try:
                Ed25519PublicKey.from_public_bytes(base64.b64decode(signature["public_key"], validate=True)).verify(
                    base64.b64decode(signature["signature"], validate=True), msg
                )
            except (InvalidSignature, ValueError, KeyError, TypeError):
                raise LogError(f"the cosignature of {signer!r} does not verify for size {size} and its root") from None
            sigs = [x for x in cp["signatures"] if x.get("signer") != signer]
            cp = {**cp, "signatures": [*sigs, {k: signature[k] for k in ("signer", "public_key", "signature")}]}
            write_atomic(path, json.dumps(cp, indent=2) + "\n")
            return cp

    # ------------------------------------------------------------------------------------------ reads

    def checkpoint_sizes(self) -> list[int]:
        sizes = set()
        for p in (self.folder / "checkpoints").glob(f"*-{self.signer}.json"):
            m = CHECKPOINT_NAME.match(p.name)
            if m:
                sizes.add(int(m.group(1)))
        return sorted(sizes)

    def checkpoint(self, size: int | None = None) -> dict[str, Any]:
        """The log's signed checkpoint of ``size`` (default the newest), with its cosignatures and witness count."""
        sizes = self.checkpoint_sizes()
        if not sizes:
            raise ProofError("the log has no checkpoint yet")
        size = sizes[-1] if size is None else size
        path = self._checkpoint_path(size)
        if not path.exists():
            raise ProofError(f"no checkpoint of size {size}")
        cp = load_checkpoint(path)
        return {**cp, "witnessed": self.witness_status(cp)}

    def witness_status(self, cp: dict[str, Any]) -> dict[str, Any]:
        good = [
            str(x.get("signer"))
            for x in cp.get("signatures", [])
            if x.get("signer") in self.witnesses
            and x.get("public_key") == self.witnesses[str(x.get("signer"))]
            and not check_signatures({**cp, "signatures": [x]})
        ]
        return {
            "cosigned_by": sorted(set(good)),
            "count": len(set(good)),
            "of": len(self.witnesses),
            "quorum": self.quorum,
            "witnessed": bool(self.witnesses) and len(set(good)) >= self.quorum,
        }

    def _sized(self, tree_size: int | None) -> tuple[Log, int]:
        with self._lock:
            log = self._current_locked()
        if log is None:
            raise ProofError("the log is empty")
        size = log.size if tree_size is None else tree_size
        if not 0 < size <= log.size:
            raise ProofError(f"tree size {size} is not between 1 and the log's size {log.size}")
        return log, size

    def inclusion(self, event_id: str, tree_size: int | None = None) -> dict[str, Any]:
        log, size = self._sized(tree_size)
        index = log.index_of(event_id)
        if index is None or index >= size:
            raise ProofError(f"no incident {event_id!r} in the first {size} records")
        leaves = log.leaves[:size]
        return {
            "record": log.record(index),
            "proof": {
                "index": index,
                "tree_size": size,
                "leaf_hash": leaves[index].hex(),
                "path": [h.hex() for h in inclusion_path(index, leaves)],
                "root": root_from_leaves(leaves).hex(),
            },
        }

    def consistency(self, first: int, second: int) -> dict[str, Any]:
        log, second = self._sized(second)
        if not 0 < first <= second:
            raise ProofError(f"first ({first}) must be between 1 and second ({second})")
        leaves = log.leaves[:second]
        return {
            "first": first,
            "second": second,
            "first_root": root_from_leaves(leaves[:first]).hex(),
            "second_root": root_from_leaves(leaves).hex(),
            "proof": [h.hex() for h in consistency_proof(first, leaves)],
        }

    def entries(self, start: int, end: int) -> dict[str, Any]:
        """Records ``start`` to ``end`` inclusive (RFC 9162 get-entries), as their canonical lines, at most
        MAX_ENTRIES: a client hashes exactly these bytes."""
        with self._lock:
            log = self._current_locked()
        if log is None or start >= log.size:
            raise ProofError(f"no records from {start} (the log has {log.size if log else 0})")
        if start < 0 or end < start:
            raise ProofError("start must be ≥ 0 and end ≥ start")
        end = min(end, start + MAX_ENTRIES - 1, log.size - 1)
        return {"start": start, "tree_size": log.size, "entries": [x.decode() for x in log.lines(start, end + 1)]}


def read_witnesses(spec: str | None) -> dict[str, str]:
    """``NAME=PUBKEY.pem,NAME=PUBKEY.pem`` (the environment form of ``--witness``)."""
    from forceplan.monitoring.log import public_key_b64

    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        if part.strip():
            name, _, path = part.partition("=")
            out[name.strip()] = public_key_b64(Path(path.strip()))
    return out
