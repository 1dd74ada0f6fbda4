"""Ingest: read incidents, classify them, append the valid and new ones to the log (idempotent by event id).

An incident whose event id is already in the log (or earlier in the same batch) is a duplicate only if it says the
same thing; one that re-uses a known id with different content is refused with :class:`EventConflict`, and
nothing of its batch is appended: a logged incident is never changed, a correction needs its own event id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forceplan.monitoring.classify import Classification, classify
from forceplan.monitoring.incidents import Incident, Rejected, read_incidents
from forceplan.monitoring.log import Log, LogError
from forceplan.scenario import Scenario


@dataclass
class IngestSummary:
    read: int
    accepted: int
    duplicate: int
    rejected: list[Rejected] = field(default_factory=list)
    appended: int = 0
    tree_size: int = 0
    root: str = ""


class EventConflict(LogError):
    """Incidents that re-use a known event id with different content: the whole batch is refused."""

    def __init__(self, conflicts: list[str]):
        shown = "; ".join(conflicts[:5]) + (f"; and {len(conflicts) - 5} more" if len(conflicts) > 5 else "")
        super().__init__(
            f"{len(conflicts)} incident(s) re-use an event id already logged, with different content; nothing was "
            f"appended: {shown}. A logged incident cannot be changed: give a correction its own event id"
        )
        self.conflicts = conflicts


def differing_fields(logged: dict[str, Any], inc: Incident) -> list[str]:
    """The incident's fields whose value differs from the logged record's (fields the record lacks, written by an
    older version, are not compared; the classification is the log's, not the reporter's)."""
    new = inc.model_dump(mode="json")
    return [k for k, v in new.items() if k in logged and logged[k] != v]


def record_of(inc: Incident, c: Classification) -> dict[str, Any]:
    rec = inc.model_dump(mode="json")
    rec.update(
        {
            "side": c.side,
            "signed_distance_km": c.signed_distance_km,
            "sector": c.sector,
            "in_buffer": c.in_buffer,
            "nearest_site": c.nearest_site,
            "nearest_site_km": c.nearest_site_km,
            "violations": list(c.violations),
            "severity": c.severity,
        }
    )
    return rec


def ingest(sc: Scenario, path: Path, log_dir: Path, strict: bool = False) -> IngestSummary:
    """Classify ``path`` and append to the log at ``log_dir``. With ``strict`` any rejected row appends nothing."""
    incidents, rejected, n_read = read_incidents(path)
    with Log.writer(log_dir, create=True) as log:  # one writer at a time: read, dedupe and append under the lock
        return _ingest_locked(sc, log, incidents, rejected, n_read, strict)


def _ingest_locked(
    sc: Scenario, log: Log, incidents: list[Incident], rejected: list[Rejected], n_read: int, strict: bool
) -> IngestSummary:
    batch: dict[str, Incident] = {}
    fresh: list[Incident] = []
    conflicts: list[str] = []
    dup = 0
    for inc in incidents:
        index = log.index_of(inc.event_id)
        first = batch.get(inc.event_id)
        if index is None and first is None:
            batch[inc.event_id] = inc
            fresh.append(inc)
            continue
        logged = log.record(index) if index is not None else first.model_dump(mode="json")  # type: ignore[union-attr]
        diff = differing_fields(logged, inc)
        if diff:
            where = f"logged at seq {index}" if index is not None else "given earlier in this batch"
            conflicts.append(f"event {inc.event_id!r} ({where}) differs in {', '.join(diff)}")
        dup += 1
    if conflicts:
        raise EventConflict(conflicts)
    summary = IngestSummary(read=n_read, accepted=len(fresh), duplicate=dup, rejected=rejected)
    if strict and rejected:
        summary.accepted = 0
    else:
        summary.appended = log.append(record_of(i, c) for i, c in zip(fresh, classify(sc, fresh), strict=True))
    summary.tree_size, summary.root = log.size, log.root.hex()
    return summary
