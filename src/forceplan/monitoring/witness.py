"""What a witness and an auditor decide, given what a log served: pure checks, no network (the CLI fetches).

A witness accepts a new checkpoint only if the log's trusted key signed it and it extends the last one the witness
accepted (RFC 9162 consistency proof); a smaller size is a rollback, the same size with another root or a failed
proof is equivocation. An auditor rebuilds the tree from every record and compares it with every checkpoint the
log and its peers hold: two checkpoints of one size with different roots, or one that the records do not extend,
is a split view, reported with both signed checkpoints as evidence.

Both trust only signatures. A peer's checkpoint is compared only after a trusted key's signature on it verifies
(:func:`peer_problem`; an unsigned or wrongly signed one proves nothing and accuses no one), the log's own
checkpoints that fail their signature are findings and are not compared, and records past the newest signed
checkpoint are reported as unwitnessed: nobody signed them, so they may be forged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from forceplan.monitoring.log import checkpoint_shape_problem, trusted_signers
from forceplan.monitoring.merkle import Frontier, leaf_hash, verify_consistency


@dataclass
class Finding:
    kind: str  # rollback | equivocation | inconsistent | bad_signature | bad_records | unwitnessed
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


def peer_problem(cp: object, trusted: dict[str, str]) -> str | None:
    """Why a peer's checkpoint may not be compared (None: it carries a valid signature by a trusted key)."""
    problem = checkpoint_shape_problem(cp)
    if problem:
        return f"not a checkpoint ({problem})"
    assert isinstance(cp, dict)
    if not trusted_signers(cp, trusted):
        signers = sorted({str(s.get("signer")) for s in cp["signatures"]})
        if not signers:
            return "carries no signature at all (unsigned)"
        return (
            f"carries no valid signature by a trusted key (signed as {', '.join(signers)[:200]}: by a key you do not "
            "trust, or a signature that does not verify)"
        )
    return None


@dataclass
class Audit:
    """What an auditor established about a served log."""

    findings: list[Finding]
    records: int
    witnessed: int
    """Records covered by the newest checkpoint with a trusted signature (0: none)."""
    checkpoints: int
    """The log's own checkpoints with a trusted signature, all compared with the records."""
    peers: int


def audit_log(
    lines: list[bytes], own: dict[int, dict[str, Any]], held: list[tuple[str, dict[str, Any]]], trusted: dict[str, str]
) -> Audit:
    """Check every record the log served (``lines``, all of them) against the log's own checkpoints (``own``, by
    size) and the peers' (``held``: label, checkpoint). Only checkpoints with a trusted signature are compared; the
    log's others are ``bad_signature`` findings (peers' are refused before, with :func:`peer_problem`). Records
    past the newest signed checkpoint are an ``unwitnessed`` finding."""
    findings: list[Finding] = []
    signed_own: dict[int, dict[str, Any]] = {}
    for size, cp in sorted(own.items()):
        bad = check_signed_by_log(cp, trusted)
        if bad is not None:
            bad.detail = f"the log's checkpoint {size}: {bad.detail}"
            findings.append(bad)
        else:
            signed_own[size] = cp
    peers = [(label, cp) for label, cp in held if peer_problem(cp, trusted) is None]
    sizes = {int(c["tree_size"]) for c in [*signed_own.values(), *(c for _, c in peers)]}
    rebuilt = rebuild(lines, sizes)
    findings += rebuilt.findings
    findings += compare_views(rebuilt, peers, signed_own)
    witnessed = max((s for s in sizes if s <= rebuilt.size), default=0)
    if rebuilt.size > witnessed:
        newest = max(signed_own) if signed_own else None
        findings.append(
            Finding(
                "unwitnessed",
                f"records {witnessed} to {rebuilt.size - 1} ({rebuilt.size - witnessed} of {rebuilt.size}) lie past "
                + (f"the newest signed checkpoint (size {witnessed})" if witnessed else "every signed checkpoint")
                + ": no trusted key signed them, so nothing proves they were logged as served; they may be forged "
                "(an honest log signs after every batch)",
                [signed_own[newest]] if newest is not None else [],
            )
        )
    return Audit(findings, rebuilt.size, witnessed, len(signed_own), len(peers))
