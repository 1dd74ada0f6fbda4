"""What a witness and an auditor decide, given what a log served: pure checks, no network (the CLI fetches).

A witness accepts a new checkpoint only if the log's trusted key signed it and it extends the last one the witness
accepted (RFC 9162 consistency proof); a smaller size is a rollback, the same size with another root or a failed
proof is equivocation. An auditor rebuilds the tree from every record and compares it with every checkpoint the
log and its peers hold: two checkpoints of one size with different roots, or one that the records do not extend,
is a split view, reported with both signed checkpoints as evidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from forceplan.monitoring.log import checkpoint_shape_problem, trusted_signers
from forceplan.monitoring.merkle import Frontier, leaf_hash, verify_consistency


@dataclass
class Finding:
    kind: str  # rollback | equivocation | inconsistent | bad_signature | bad_records
    detail: str
    evidence: list[dict[str, Any]] = field(default_factory=list)


def check_signed_by_log(cp: dict[str, Any], trusted: dict[str, str]) -> Finding | None:
    problem = checkpoint_shape_problem(cp)
    if problem:
        return Finding("bad_signature", f"not a checkpoint: {problem}", [cp] if isinstance(cp, dict) else [])
    if not trusted_signers(cp, trusted):
        return Finding("bad_signature", "the checkpoint carries no valid signature by a trusted log key", [cp])
    return None


def check_extends(last: dict[str, Any] | None, new: dict[str, Any], proof: list[str] | None) -> Finding | None:
    """Does ``new`` extend ``last`` (both already signature-checked)? ``proof``: the log's consistency proof from
    last's size to new's size (None when the sizes are equal or there is no last)."""
    if last is None:
        return None
    m, n = int(last["tree_size"]), int(new["tree_size"])
    if n < m:
        return Finding("rollback", f"the log now shows size {n}, smaller than the {m} already witnessed", [last, new])
    if n == m:
        if last["root"] != new["root"]:
            return Finding("equivocation", f"two checkpoints of size {n} with different roots", [last, new])
        return None
    try:
        ok = proof is not None and verify_consistency(
            m, n, bytes.fromhex(last["root"]), bytes.fromhex(new["root"]), [bytes.fromhex(h) for h in proof]
        )
    except ValueError:
        ok = False
    if not ok:
        return Finding(
            "equivocation",
            f"the checkpoint of size {n} does not extend the one of size {m} already witnessed: history was "
            "rewritten (no valid consistency proof)",
            [last, new],
        )
    return None


@dataclass
class Rebuilt:
    """The tree rebuilt from the served records: the root after each size asked for."""

    size: int
    roots: dict[int, str]
    findings: list[Finding]


def rebuild(lines: list[bytes], sizes: set[int]) -> Rebuilt:
    """Hash every record (its canonical line) into a fresh tree; check ``seq`` runs 0, 1, 2, … and event ids are
    unique; note the root at each size in ``sizes``."""
    frontier = Frontier()
    roots: dict[int, str] = {}
    findings: list[Finding] = []
    seen: set[str] = set()
    for i, line in enumerate(lines):
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            findings.append(Finding("bad_records", f"record {i} is not JSON"))
            rec = {}
        if isinstance(rec, dict):
            if rec.get("seq") != i:
                findings.append(Finding("bad_records", f"record {i} carries seq {rec.get('seq')!r}"))
            eid = rec.get("event_id")
            if eid in seen:
                findings.append(Finding("bad_records", f"event {eid!r} appears twice (record {i})"))
            seen.add(str(eid))
        frontier.add(leaf_hash(line))
        if i + 1 in sizes:
            roots[i + 1] = frontier.root().hex()
    return Rebuilt(len(lines), roots, findings)


def compare_views(
    rebuilt: Rebuilt, held: list[tuple[str, dict[str, Any]]], own: dict[int, dict[str, Any]]
) -> list[Finding]:
    """Checkpoints held by the log itself (``own``, by size) and by peers (``held``: label, checkpoint) against
    the rebuilt tree. A checkpoint of a size the records reach must have that prefix's root; a peer's checkpoint
    beyond the records means the log no longer shows what it once signed (rollback)."""
    out: list[Finding] = []
    for label, cp in [*((f"the log's checkpoint {s}", c) for s, c in sorted(own.items())), *held]:
        size, root = int(cp["tree_size"]), str(cp["root"])
        if size > rebuilt.size:
            out.append(
                Finding(
                    "rollback",
                    f"{label} covers {size} records; the log now serves only {rebuilt.size}",
                    [cp, *([own[max(own)]] if own else [])],
                )
            )
            continue
        if size == 0:
            continue
        if rebuilt.roots.get(size) != root:
            other = own.get(size)
            evidence = [cp] + ([other] if other is not None and other is not cp else [])
            out.append(
                Finding(
                    "equivocation",
                    f"{label} (size {size}, root {root[:16]}…) disagrees with the log's records at that size "
                    f"(root {str(rebuilt.roots.get(size))[:16]}…): a split view",
                    evidence,
                )
            )
    return out
