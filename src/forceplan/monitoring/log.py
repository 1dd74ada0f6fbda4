"""The tamper-evident incident log: append-only records under an RFC 6962 Merkle tree, signed checkpoints.

Layout of a log folder:

- ``records.jsonl`` — one record per line, canonical JSON (sorted keys, no spaces, UTF-8); each carries ``seq``.
- ``head.json`` — tree size, root hash and byte length of the committed records, replaced atomically.
- ``checkpoints/`` — checkpoints the keeper published, each signed with Ed25519 (countersignatures allowed).
- ``.lock`` — the writers' lock (flock): one append, checkpoint or repair at a time.

An append writes and fsyncs the new lines, then replaces ``head.json``: a crash at any point leaves a valid log at
the old or the new size (bytes past the head's length are ignored and cut off at the next append).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from forceplan.fsutil import InputFileError, loads_json_checked, read_bytes_checked, read_text_checked, write_atomic
from forceplan.monitoring.merkle import (
    Frontier,
    LeafHashes,
    consistency_proof,
    inclusion_path,
    leaf_hash,
    root_from_leaves,
    verify_inclusion,
)

CHECKPOINT_FORMAT = "forceplan-checkpoint/1"


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class LogError(RuntimeError):
    """A log folder that cannot be used."""


HEAD_MAX_BYTES = 4096
CHECKPOINT_MAX_BYTES = 1024 * 1024


def read_head(folder: Path) -> dict[str, Any]:
    """``head.json``, checked for shape: ``tree_size`` and ``bytes`` non-negative integers, ``root`` 64 hex digits.
    The head is never trusted further than that: verification recomputes everything from the records."""
    path = Path(folder) / "head.json"
    try:
        doc = loads_json_checked(read_text_checked(path, HEAD_MAX_BYTES, "log head"), path, "log head")
    except InputFileError as exc:
        raise LogError(str(exc)) from None
    if not isinstance(doc, dict):
        raise LogError(f"{path}: must be an object with tree_size, root and bytes")
    for key in ("tree_size", "bytes"):
        v = doc.get(key)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise LogError(f"{path}: {key} must be a non-negative integer (found {v!r})")
    if not isinstance(doc.get("root"), str) or not HEX64.fullmatch(doc["root"]):
        raise LogError(f"{path}: root must be 64 hex digits")
    return doc


HEX64 = re.compile(r"[0-9a-f]{64}")


@contextmanager
def log_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on a log folder (``.lock``, flock): one writer at a time across processes. The kernel
    releases it when the holder exits, so a crashed writer never leaves the log locked."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


CHECKPOINT_NAME = re.compile(r"^(\d+)-")


def newest_checkpoint(folder: Path) -> dict[str, Any] | None:
    """The checkpoint of the largest size in the log's folder, with every valid signature on any file of that size
    merged (the log's own and the witnesses' cosignatures); None if there is none."""
    best: dict[str, Any] | None = None
    for p in sorted((Path(folder) / "checkpoints").glob("*.json")):
        try:
            cp = load_checkpoint(p)
        except LogError:
            continue
        if best is None or cp["tree_size"] > best["tree_size"]:
            best = cp
        elif cp["tree_size"] == best["tree_size"] and cp["root"] == best["root"]:
            best = {**best, "signatures": [*best["signatures"], *cp["signatures"]]}
    if best is None:
        return None
    valid = [x for x in best["signatures"] if not check_signatures({**best, "signatures": [x]})]
    unique = {str(x.get("signer")): x for x in valid}
    return {**best, "signatures": list(unique.values())}


def max_checkpoint_size(folder: Path) -> int:
    """The largest size any checkpoint in the log's own folder claims (0 if none readable). Files are named by
    size (``000001234-signer.json``), so only the largest readable one, and any named otherwise, are read."""
    named: list[tuple[int, Path]] = []
    other: list[Path] = []
    for p in (Path(folder) / "checkpoints").glob("*.json"):
        m = CHECKPOINT_NAME.match(p.name)
        (named.append((int(m.group(1)), p)) if m else other.append(p))
    best = 0
    for p in other:
        try:
            best = max(best, checkpoint_size(load_checkpoint(p)))
        except LogError:
            continue
    for _n, p in sorted(named, reverse=True):
        try:
            return max(best, checkpoint_size(load_checkpoint(p)))
        except LogError:
            continue
    return best


@dataclass
class Log:
    """An open log. The Merkle frontier is the only source of the root and is kept current by every append, which
    costs O(log n) per record (no list copies, no recomputation from all leaves). Only the leaf hashes stay in
    memory; records are read from disk when asked for, so appends keep their rate as the log grows."""

    folder: Path
    leaves: LeafHashes = field(default_factory=LeafHashes)
    committed_bytes: int = 0
    frontier: Frontier = field(default_factory=Frontier)
    offsets: array = field(default_factory=lambda: array("Q", [0]))
    """Byte offset of each record's line, and of the end (size + 1 entries): a record is read without the rest."""
    _index: dict[str, int] | None = None

    @property
    def size(self) -> int:
        return len(self.leaves)

    @property
    def root(self) -> bytes:
        return self.frontier.root()

    @classmethod
    def open(cls, folder: Path, create: bool = False) -> Log:
        folder = Path(folder)
        head_path = folder / "head.json"
        if not head_path.exists():
            if not create:
                raise LogError(f"{folder} is not a forceplan log (no head.json)")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "checkpoints").mkdir(exist_ok=True)
            (folder / "records.jsonl").touch()
            write_atomic(
                head_path, json.dumps({"tree_size": 0, "root": root_from_leaves([]).hex(), "bytes": 0}).encode()
            )
        head = read_head(folder)
        log = cls(folder=folder, committed_bytes=int(head["bytes"]))
        data = log._committed_data()
        pos = 0
        for line in data.splitlines():
            h = leaf_hash(line)
            log.leaves.append(h)
            log.frontier.add(h)
            pos += len(line) + 1
            log.offsets.append(pos)
        if log.size != int(head["tree_size"]) or log.root.hex() != head["root"]:
            raise LogError(f"{folder}: records do not match head.json; run 'forceplan monitor verify'")
        return log

    def _committed_data(self) -> bytes:
        rec_path = self.folder / "records.jsonl"
        try:
            on_disk = rec_path.stat().st_size
            if on_disk < self.committed_bytes:
                raise LogError(
                    f"{self.folder}: head.json claims {self.committed_bytes} bytes of records, records.jsonl has "
                    f"{on_disk}: records were truncated; run 'forceplan monitor verify'"
                )
            with open(rec_path, "rb") as f:
                return f.read(self.committed_bytes)
        except OSError as exc:
            raise LogError(f"{rec_path}: cannot be read ({exc.strerror or exc})") from None

    @property
    def records(self) -> list[dict[str, Any]]:
        """Every committed record, parsed (read from disk on each call)."""
        out = []
        for n, line in enumerate(self._committed_data().splitlines(), start=1):
            try:
                out.append(json.loads(line))
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                raise LogError(f"{self.folder / 'records.jsonl'}:{n}: not a JSON record") from None
        return out

    def lines(self, start: int, end: int) -> list[bytes]:
        """The canonical lines of records ``start`` to ``end - 1`` (what the leaf hashes are of)."""
        start, end = max(0, start), min(end, self.size)
        if start >= end:
            return []
        with open(self.folder / "records.jsonl", "rb") as f:
            f.seek(self.offsets[start])
            data = f.read(self.offsets[end] - self.offsets[start])
        return data.splitlines()

    def record(self, index: int) -> dict[str, Any]:
        if not 0 <= index < self.size:
            raise IndexError(f"no record {index} in a log of {self.size}")
        rec: dict[str, Any] = json.loads(self.lines(index, index + 1)[0])
        return rec

    def _event_index(self) -> dict[str, int]:
        """event id → index of its record, built on first use from the canonical lines and kept current."""
        if self._index is None:
            index: dict[str, int] = {}
            for i, line in enumerate(self._committed_data().splitlines()):
                m = EVENT_ID.search(line)
                if m:
                    index.setdefault(str(json.loads(m.group(1))), i)
            self._index = index
        return self._index

    def event_ids(self) -> set[str]:
        return set(self._event_index())

    def index_of(self, event_id: str) -> int | None:
        return self._event_index().get(event_id)

    def append(self, records: Iterable[dict[str, Any]]) -> int:
        """Append records (each gets ``seq``); all or nothing on disk. Returns the number appended.

        Call it holding :func:`log_lock` (``Log.writer`` does). Bytes past the committed length (left by a
        crashed append) are cut off first — but never records that a checkpoint in the folder already covers."""
        lines = []
        new_leaves = []
        batch: list[dict[str, Any]] = []
        for r in records:
            rec = {**r, "seq": self.size + len(batch)}
            line = canonical(rec)
            lines.append(line + b"\n")
            new_leaves.append(leaf_hash(line))
            batch.append(rec)
        if not batch:
            return 0
        covered = max_checkpoint_size(self.folder)
        if covered > self.size:
            raise LogError(
                f"{self.folder}: a checkpoint covers {covered} records but head.json commits only {self.size}: "
                "head.json was rolled back or records were lost; refusing to append over committed records "
                "(run 'forceplan monitor verify')"
            )
        path = self.folder / "records.jsonl"
        with open(path, "r+b") as f:
            f.truncate(self.committed_bytes)  # drop bytes a crashed append may have left
            f.seek(self.committed_bytes)
            f.write(b"".join(lines))
            f.flush()
            os.fsync(f.fileno())
        if os.environ.get("FORCEPLAN_TEST_CRASH_BEFORE_HEAD") == "1":  # crash-safety test hook
            os._exit(70)
        for h in new_leaves:
            self.frontier.add(h)
        first = self.size
        self.leaves.extend(new_leaves)
        if self._index is not None:
            for i, rec in enumerate(batch):
                if "event_id" in rec:
                    self._index.setdefault(str(rec["event_id"]), first + i)
        for x in lines:
            self.offsets.append(self.offsets[-1] + len(x))
        self.committed_bytes += sum(len(x) for x in lines)
        write_atomic(
            self.folder / "head.json",
            json.dumps({"tree_size": self.size, "root": self.root.hex(), "bytes": self.committed_bytes}).encode(),
        )
        return len(batch)

    @classmethod
    @contextmanager
    def writer(cls, folder: Path, create: bool = True) -> Iterator[Log]:
        """The log opened under its exclusive lock: read, append, checkpoint, then release."""
        with log_lock(folder):
            yield cls.open(folder, create=create)

    def inclusion(self, index: int) -> dict[str, Any]:
        return {
            "index": index,
            "tree_size": self.size,
            "leaf_hash": self.leaves[index].hex(),
            "path": [h.hex() for h in inclusion_path(index, self.leaves[:])],
            "root": self.root.hex(),
        }

    def consistency(self, old_size: int) -> list[str]:
        return [h.hex() for h in consistency_proof(old_size, self.leaves[:])]


# ---------------------------------------------------------------------------------------------- keys, checkpoints


KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_key_name(name: str) -> str:
    if not KEY_NAME.fullmatch(name or "") or ".." in name:
        raise LogError(
            f"key name {name!r} is not allowed: use 1-64 letters, digits, '_', '-' or '.', starting with a letter or "
            "digit (it becomes a file name)"
        )
    return name


def generate_key(out_dir: Path, name: str, force: bool = False) -> tuple[Path, Path]:
    """Write NAME.key (Ed25519 private key, PEM, created 0600 from its first byte) and NAME.pub (public key)."""
    check_key_name(name)
    out_dir.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    priv = out_dir / f"{name}.key"
    pub = out_dir / f"{name}.pub"
    if (priv.exists() or pub.exists()) and not force:
        raise LogError(f"{priv} or {pub} exists: refusing to overwrite a key (--force replaces it)")
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    tmp = out_dir / f".{name}.key.tmp"
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(priv)
    write_atomic(
        pub, key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return priv, pub


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = read_bytes_checked(Path(path), 64 * 1024, "private key")
        key = serialization.load_pem_private_key(data, password=None)
    except InputFileError as exc:
        raise LogError(str(exc)) from None
    except (ValueError, TypeError):
        raise LogError(f"{path}: not a PEM private key (unencrypted PKCS#8)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise LogError(f"{path} is not an Ed25519 private key")
    return key


def _raw_public(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def checkpoint_message(tree_size: int, root_hex: str) -> bytes:
    return f"{CHECKPOINT_FORMAT}\n{tree_size}\n{root_hex}\n".encode()


def make_checkpoint(log: Log, key: Ed25519PrivateKey, signer: str) -> dict[str, Any]:
    msg = checkpoint_message(log.size, log.root.hex())
    return {
        "format": CHECKPOINT_FORMAT,
        "tree_size": log.size,
        "root": log.root.hex(),
        "signatures": [
            {
                "signer": signer,
                "public_key": _raw_public(key.public_key()),
                "signature": base64.b64encode(key.sign(msg)).decode(),
            }
        ],
    }


def countersign(cp: dict[str, Any], key: Ed25519PrivateKey, signer: str) -> dict[str, Any]:
    bad = check_signatures(cp)
    if bad:
        raise LogError("cannot countersign a checkpoint whose signatures fail: " + "; ".join(bad))
    msg = checkpoint_message(int(cp["tree_size"]), str(cp["root"]))
    sig = {
        "signer": signer,
        "public_key": _raw_public(key.public_key()),
        "signature": base64.b64encode(key.sign(msg)).decode(),
    }
    return {**cp, "signatures": [*cp["signatures"], sig]}


def check_signatures(cp: dict[str, Any], trusted: dict[str, str] | None = None) -> list[str]:
    """Problems with a checkpoint's signatures (empty: all valid). With ``trusted`` (signer → raw public key), a
    signature counts only if its signer is trusted and it was made with that signer's trusted key; any other
    signature is a problem (an unknown signer, or a known name with another key)."""
    out = []
    msg = checkpoint_message(int(cp["tree_size"]), str(cp["root"]))
    if not cp.get("signatures"):
        out.append("checkpoint carries no signature")
    for s in cp.get("signatures", []):
        signer = s.get("signer") if isinstance(s, dict) else None
        try:
            pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(s["public_key"], validate=True))
            pub.verify(base64.b64decode(s["signature"], validate=True), msg)
        except (InvalidSignature, ValueError, KeyError, TypeError):
            out.append(f"signature of {signer!r} does not verify")
            continue
        if trusted is not None:
            if signer not in trusted:
                out.append(f"signature by {signer!r}, a signer not among the trusted keys")
            elif trusted[signer] != s["public_key"]:
                out.append(f"signature of {signer!r} is by a key other than the trusted one")
    return out


def trusted_signers(cp: dict[str, Any], trusted: dict[str, str]) -> list[str]:
    """The trusted signers whose valid signature the checkpoint carries."""
    msg = checkpoint_message(int(cp["tree_size"]), str(cp["root"]))
    out = []
    for s in cp.get("signatures", []):
        signer = s.get("signer") if isinstance(s, dict) else None
        if signer not in trusted or trusted[signer] != s.get("public_key"):
            continue
        try:
            Ed25519PublicKey.from_public_bytes(base64.b64decode(s["public_key"], validate=True)).verify(
                base64.b64decode(s["signature"], validate=True), msg
            )
        except (InvalidSignature, ValueError, KeyError, TypeError):
            continue
        out.append(str(signer))
    return out


def public_key_b64(path: Path) -> str:
    try:
        data = read_bytes_checked(Path(path), 64 * 1024, "public key")
    except InputFileError as exc:
        raise LogError(str(exc)) from None
    if b"PRIVATE KEY" in data:
        raise LogError(f"{path}: is a private key; give the public key (NAME.pub), and keep the private one secret")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise LogError(f"{path}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise LogError(f"{path} is not an Ed25519 public key")
    return _raw_public(key)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint file, checked for shape (``tree_size`` a non-negative integer, ``root`` 64 hex digits, a list
    of signatures)."""
    try:
        doc = loads_json_checked(read_text_checked(Path(path), CHECKPOINT_MAX_BYTES, "checkpoint"), path, "checkpoint")
    except InputFileError as exc:
        raise LogError(str(exc)) from None
    problem = checkpoint_shape_problem(doc)
    if problem:
        raise LogError(f"{path}: not a checkpoint ({problem})")
    return doc  # type: ignore[return-value]


def checkpoint_shape_problem(doc: object) -> str | None:
    if not isinstance(doc, dict):
        return "expected an object"
    size = doc.get("tree_size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return f"tree_size must be a non-negative integer, found {size!r}"
    if not isinstance(doc.get("root"), str) or not HEX64.fullmatch(doc["root"]):
        return "root must be 64 hex digits"
    sigs = doc.get("signatures")
    if not isinstance(sigs, list) or not all(isinstance(x, dict) for x in sigs):
        return "signatures must be a list of objects"
    return None


def checkpoint_size(cp: dict[str, Any]) -> int:
    return int(cp["tree_size"])


# ---------------------------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Finding:
    what: str
    where: str


@dataclass
class Verification:
    """What ``verify_log`` established. ``witnessed`` records are covered by a trusted checkpoint that the log is
    consistent with; the rest (``unwitnessed``) are well-formed but proven by nobody."""

    findings: list[Finding]
    records: int
    witnessed: int
    trusted_checkpoints: int
    witnesses: dict[int, list[str]]
    notes: list[Finding] = field(default_factory=list)
    """Not tampering: an incomplete or uncommitted tail left by a crashed append."""

    @property
    def unwitnessed(self) -> int:
        return max(self.records - self.witnessed, 0)


def verify_log(
    folder: Path, checkpoints: Iterable[tuple[str, dict[str, Any]]], trusted: dict[str, str]
) -> Verification:
    """Check a log folder against the checkpoints given (label, checkpoint) and the trusted keys.

    Nothing in the folder is trusted: the records are every complete line of ``records.jsonl`` (not the count
    ``head.json`` claims); ``head.json`` is only compared with them. Findings: malformed records, ``seq`` out of
    order (deletion, insertion, reordering, duplication), repeated event ids, a head that disagrees with the
    records or claims more than they hold, records past the head (a crashed append or a rolled-back head),
    checkpoints with bad, unknown or untrusted signatures, two trusted checkpoints of one size with different roots
    (equivocation), and for each trusted checkpoint: a log shorter than it (truncation, rollback, replay of an old
    state) or whose first records hash to another root (modification, forged appends before it). Records after the
    newest trusted checkpoint are counted as unwitnessed, never as verified."""
    folder = Path(folder)
    out: list[Finding] = []
    head: dict[str, Any] | None
    try:
        head = read_head(folder)
    except LogError as exc:
        out.append(Finding(str(exc), "head.json"))
        head = None
    try:
        raw = (folder / "records.jsonl").read_bytes()
    except OSError as exc:
        return Verification([*out, Finding(f"records unreadable ({exc.strerror or exc})", str(folder))], 0, 0, 0, {})

    body, _, partial = raw.rpartition(b"\n")
    lines = body.split(b"\n") if body or raw.startswith(b"\n") else []
    notes: list[Finding] = []
    if partial:
        notes.append(Finding("an incomplete last line (a crashed append), not part of the log", "records.jsonl end"))
    claimed = max((int(cp["tree_size"]) for _, cp in checkpoints if checkpoint_shape_problem(cp) is None), default=0)
    if head is not None and int(head["tree_size"]) < len(lines):
        hs = int(head["tree_size"])
        if claimed > hs:
            out.append(
                Finding(
                    f"head.json commits {hs} records but a checkpoint covers {claimed}: head.json was rolled back "
                    "(the records past it are checked below)",
                    "head.json",
                )
            )
        else:
            notes.append(
                Finding(
                    f"{len(lines) - hs} uncommitted record(s) after head.json's size {hs}, left by a crashed append: "
                    "not part of the log (the next ingest discards them)",
                    "records.jsonl",
                )
            )
            lines = lines[:hs]
    n = len(lines)
    leaves = [leaf_hash(line) for line in lines]
    seqs = [int(m.group(1)) if (m := SEQ.search(line)) else -1 for line in lines]
    bad_seq = [i for i, q in enumerate(seqs) if q != i]
    for i in bad_seq[:20]:
        out.append(
            Finding(
                f"record has seq {seqs[i]}, expected {i}: a record was deleted, inserted, duplicated or moved",
                f"records.jsonl line {i + 1}",
            )
        )
    ids: dict[bytes, int] = {}
    repeats = 0
    for i, line in enumerate(lines):
        m = EVENT_ID.search(line)
        if m:
            if m.group(1) in ids:
                repeats += 1
                if repeats <= 20:
                    what = f"event id repeats record {ids[m.group(1)] + 1}: duplicated"
                    out.append(Finding(what, f"records.jsonl line {i + 1}"))
            ids.setdefault(m.group(1), i)
    if repeats > 20:
        out.append(Finding(f"{repeats} records repeat an earlier event id in all", "records.jsonl"))
    sizes = sorted({int(cp["tree_size"]) for _, cp in checkpoints if checkpoint_shape_problem(cp) is None})
    want = sorted({*sizes, *([head["tree_size"]] if head else []), n})
    prefix = _prefix_roots(leaves, want)
    if head is not None:
        hs = int(head["tree_size"])
        if hs > n:
            out.append(Finding(f"head.json says {hs} records, the file holds {n}: records were removed", "head.json"))
        elif prefix[hs].hex() != head["root"]:
            what = "the records do not hash to head.json's root: modified, deleted or reordered"
            out.append(Finding(what, "head.json"))
            out += _locate_edits(lines)
    witnessed = 0
    n_trusted = 0
    witnesses: dict[int, list[str]] = {}
    roots_by_size: dict[int, str] = {}
    for label, cp in checkpoints:
        shape_problem = checkpoint_shape_problem(cp)
        if shape_problem:
            out.append(Finding(f"not a checkpoint ({shape_problem})", label))
            continue
        for problem in check_signatures(cp, trusted):
            out.append(Finding(problem, label))
        signers = trusted_signers(cp, trusted)
        if not signers:
            out.append(Finding("no trusted signature: this checkpoint proves nothing", label))
            continue
        n_trusted += 1
        size, root = int(cp["tree_size"]), str(cp["root"])
        if roots_by_size.setdefault(size, root) != root:
            out.append(Finding(f"equivocation: two trusted checkpoints of size {size} with different roots", label))
        if size > n:
            out.append(
                Finding(
                    f"truncated or rolled back: the log holds {n} records, a trusted checkpoint published {size}",
                    label,
                )
            )
            continue
        if prefix[size].hex() != root:
            out.append(
                Finding(
                    f"the first {size} records do not hash to the trusted checkpoint's root: modified, replaced or "
                    "forged records at or before record " + str(size),
                    label,
                )
            )
            continue
        witnessed = max(witnessed, size)
        witnesses.setdefault(size, [])
        witnesses[size] += [x for x in signers if x not in witnesses[size]]
    return Verification(out, n, witnessed, n_trusted, witnesses, notes)


def _prefix_roots(leaves: list[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """The root of each prefix size asked for, in one pass over the leaves (the frontier at each size)."""
    want = sorted({s for s in sizes if 0 <= s <= len(leaves)})
    out: dict[int, bytes] = {}
    fr = Frontier()
    k = 0
    for s in want:
        while k < s:
            fr.add(leaves[k])
            k += 1
        out[s] = fr.root()
    return out


EVENT_ID = re.compile(rb'"event_id":("(?:[^"\\]|\\.)*")')
SEQ = re.compile(rb'"seq":(-?\d+)')


def _locate_edits(lines: list[bytes]) -> list[Finding]:
    """Lines that are not canonical JSON: where a hand edit most likely happened (only run after a mismatch)."""
    out = []
    for i, line in enumerate(lines):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            out.append(Finding("record is not valid JSON", f"records.jsonl line {i + 1}"))
            continue
        if canonical(rec) != line:
            out.append(Finding("record is not in canonical form (edited by hand?)", f"records.jsonl line {i + 1}"))
    return out


def check_inclusion(proof: dict[str, Any], record: dict[str, Any]) -> bool:
    return verify_inclusion(
        int(proof["index"]),
        int(proof["tree_size"]),
        leaf_hash(canonical(record)),
        [bytes.fromhex(h) for h in proof["path"]],
        bytes.fromhex(proof["root"]),
    )
