"""Ingest: read incidents, classify them, append the valid and new ones to the log (idempotent by event id)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forceplan.monitoring.classify import Classification, classify
from forceplan.monitoring.incidents import Incident, Rejected, read_incidents
from forceplan.monitoring.log import Log
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
    seen = log.event_ids()
    fresh: list[Incident] = []
    dup = 0
    for inc in incidents:
        if inc.event_id in seen:
            dup += 1
            continue
        seen.add(inc.event_id)
        fresh.append(inc)
    summary = IngestSummary(read=n_read, accepted=len(fresh), duplicate=dup, rejected=rejected)
    if strict and rejected:
        summary.accepted = 0
    else:
        summary.appended = log.append(record_of(i, c) for i, c in zip(fresh, classify(sc, fresh), strict=True))
    summary.tree_size, summary.root = log.size, log.root.hex()
    return summary
