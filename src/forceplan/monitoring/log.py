"""The tamper-evident incident log: append-only records under an RFC 6962 Merkle tree, signed checkpoints.

Layout of a log folder:

- ``records.jsonl`` — one record per line, canonical JSON (sorted keys, no spaces, UTF-8); each carries ``seq``.
- ``head.json`` — tree size, root hash and byte length of the committed records, replaced atomically.
- ``checkpoints/`` — checkpoints the keeper published, each signed with Ed25519 (countersignatures allowed).

An append writes and fsyncs the new lines, then replaces ``head.json``: a crash at any point leaves a valid log at
the old or the new size (bytes past the head's length are ignored and cut off at the next append).
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from forceplan.fsutil import write_atomic
from forceplan.monitoring.merkle import (
    Frontier,
    consistency_proof,
    inclusion_path,
    leaf_hash,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)

CHECKPOINT_FORMAT = "forceplan-checkpoint/1"


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class LogError(RuntimeError):
    """A log folder that cannot be used."""


@dataclass
class Log:
    folder: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    leaves: list[bytes] = field(default_factory=list)
    committed_bytes: int = 0
    frontier: Frontier = field(default_factory=Frontier)

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
        head = json.loads(head_path.read_text(encoding="utf-8"))
        log = cls(folder=folder, committed_bytes=int(head["bytes"]))
        with open(folder / "records.jsonl", "rb") as f:
            data = f.read(log.committed_bytes)
        for line in data.splitlines():
            log.records.append(json.loads(line))
            h = leaf_hash(line)
            log.leaves.append(h)
            log.frontier.add(h)
        if log.size != int(head["tree_size"]) or log.root.hex() != head["root"]:
            raise LogError(f"{folder}: records do not match head.json; run 'forceplan monitor verify'")
        return log

    def event_ids(self) -> set[str]:
        return {str(r.get("event_id")) for r in self.records}

    def append(self, records: Iterable[dict[str, Any]]) -> int:
        """Append records (each gets ``seq``); all or nothing on disk. Returns the number appended."""
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
        path = self.folder / "records.jsonl"
        with open(path, "r+b") as f:
            f.truncate(self.committed_bytes)  # drop bytes a crashed append may have left
            f.seek(self.committed_bytes)
            f.write(b"".join(lines))
            f.flush()
            os.fsync(f.fileno())
        if os.environ.get("FORCEPLAN_TEST_CRASH_BEFORE_HEAD") == "1":  # crash-safety test hook
            os._exit(70)
        leaves = self.leaves + new_leaves
        nbytes = self.committed_bytes + sum(len(x) for x in lines)
        write_atomic(
            self.folder / "head.json",
            json.dumps({"tree_size": len(leaves), "root": root_from_leaves(leaves).hex(), "bytes": nbytes}).encode(),
        )
        self.leaves, self.records, self.committed_bytes = leaves, self.records + batch, nbytes
        return len(batch)

    def inclusion(self, index: int) -> dict[str, Any]:
        return {
            "index": index,
            "tree_size": self.size,
            "leaf_hash": self.leaves[index].hex(),
            "path": [h.hex() for h in inclusion_path(index, self.leaves)],
            "root": self.root.hex(),
        }

    def consistency(self, old_size: int) -> list[str]:
        return [h.hex() for h in consistency_proof(old_size, self.leaves)]


# ---------------------------------------------------------------------------------------------- keys, checkpoints


def generate_key(out_dir: Path, name: str) -> tuple[Path, Path]:
    """Write NAME.key (Ed25519 private key, PEM) and NAME.pub (public key, PEM)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    priv = out_dir / f"{name}.key"
    pub = out_dir / f"{name}.pub"
    if priv.exists() or pub.exists():
        raise LogError(f"{priv} or {pub} exists: refusing to overwrite a key")
    write_atomic(
        priv,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
    os.chmod(priv, 0o600)
    write_atomic(
        pub, key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return priv, pub


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
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
    """Problems with a checkpoint's signatures (empty: all valid). ``trusted`` maps signer → raw public key."""
    out = []
    msg = checkpoint_message(int(cp["tree_size"]), str(cp["root"]))
    if not cp.get("signatures"):
        out.append("checkpoint carries no signature")
    for s in cp.get("signatures", []):
        try:
            pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(s["public_key"]))
            pub.verify(base64.b64decode(s["signature"]), msg)
        except (InvalidSignature, ValueError, KeyError):
            out.append(f"signature of {s.get('signer')!r} does not verify")
            continue
        if trusted is not None and trusted.get(s["signer"]) not in (None, s["public_key"]):
            out.append(f"signature of {s['signer']!r} is by a key other than the trusted one")
    return out


def public_key_b64(path: Path) -> str:
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise LogError(f"{path} is not an Ed25519 public key")
    return _raw_public(key)


# ---------------------------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Finding:
    what: str
    where: str


def verify_log(
    folder: Path, checkpoints: Iterable[dict[str, Any]] = (), trusted: dict[str, str] | None = None
) -> list[Finding]:
    """Everything wrong with a log folder against its head and the given checkpoints (empty: intact).

    Detects modified, deleted and reordered records (the root no longer matches the head or a checkpoint; the
    records' ``seq`` numbers locate deletions and reorderings), and truncation (fewer records than a checkpoint
    published, or a prefix inconsistent with it)."""
    folder = Path(folder)
    out: list[Finding] = []
    try:
        head = json.loads((folder / "head.json").read_text(encoding="utf-8"))
        raw = (folder / "records.jsonl").read_bytes()
    except (OSError, json.JSONDecodeError) as exc:
        return [Finding(f"log folder unreadable ({exc})", str(folder))]
    committed = raw[: int(head.get("bytes", len(raw)))]
    lines = committed.splitlines()
    leaves = [leaf_hash(line) for line in lines]
    # seq numbers straight from the canonical bytes (keys are sorted; "seq" is a top-level integer).
    seqs = [int(m.group(1)) if (m := SEQ.search(line)) else -1 for line in lines]
    bad_seq = [i for i, s in enumerate(seqs) if s != i]
    for i in bad_seq[:20]:
        out.append(
            Finding(
                f"record has seq {seqs[i]}, expected {i}: a record was deleted, inserted or moved",
                f"records.jsonl line {i + 1}",
            )
        )
    if len(leaves) != int(head["tree_size"]):
        out.append(Finding(f"head.json says {head['tree_size']} records, the file holds {len(leaves)}", "head.json"))
    root = root_from_leaves(leaves)
    if root.hex() != head["root"]:
        out.append(Finding("records do not hash to head.json's root: modified, deleted or reordered", "head.json"))
        out += _locate_edits(lines)
    for n, cp in enumerate(checkpoints):
        label = f"checkpoint {n + 1} (size {cp.get('tree_size')})"
        for problem in check_signatures(cp, trusted):
            out.append(Finding(problem, label))
        size = int(cp["tree_size"])
        if size > len(leaves):
            out.append(Finding(f"truncated: the log has {len(leaves)} records, the checkpoint published {size}", label))
            continue
        if root_from_leaves(leaves[:size]).hex() != cp["root"]:
            out.append(
                Finding(
                    f"the first {size} records do not match the checkpoint's root: modified, deleted or "
                    "reordered at or before record " + str(size),
                    label,
                )
            )
        elif size and not verify_consistency(
            size, len(leaves), bytes.fromhex(cp["root"]), root, consistency_proof(size, leaves)
        ):
            out.append(Finding("the log is not consistent with the checkpoint", label))
    return out


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
