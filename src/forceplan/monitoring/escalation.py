"""Escalation levels per sector over time, from rolling windows of incident counts and severity.

Level L (1–4) holds at time t in a sector when any of L's thresholds is met over the window (t − w, t]:
count ≥ ``min_count`` (if > 0) or summed severity ≥ ``min_severity`` (if > 0), counting incidents that break at
least one rule. The level is the highest one that holds (0 if none). It can only rise at an incident and only fall
when an incident leaves a window, so it is evaluated exactly at those instants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from forceplan.scenario import Scenario


@dataclass(frozen=True)
class LevelChange:
    sector: str
    time: dt.datetime
    level: int
    name: str
    options: tuple[str, ...]


def _level_at(t: np.ndarray, times: np.ndarray, cum_sev: np.ndarray, sc: Scenario) -> np.ndarray:
    """Level at each instant ``t`` (seconds) for one sector's sorted violation times and cumulative severities."""
    level = np.zeros(len(t), dtype=np.int64)
    if sc.agreement is None:
        return level
    hi = np.searchsorted(times, t, side="right")
    for lv in sc.agreement.escalation:
        held = np.zeros(len(t), dtype=bool)
        for th in lv.thresholds:
            lo = np.searchsorted(times, t - th.window_h * 3600.0, side="right")
            count = hi - lo
            sev = cum_sev[hi] - cum_sev[lo]
            ok = np.zeros(len(t), dtype=bool)
            if th.min_count > 0:
                ok |= count >= th.min_count
            if th.min_severity > 0:
                ok |= sev >= th.min_severity
            held |= ok
        level = np.where(held, np.maximum(level, lv.level), level)
    return level


def escalation_timeline(sc: Scenario, records: list[dict]) -> list[LevelChange]:
    """Every change of level in every sector, in time order (records: classified incidents from the log)."""
    if sc.agreement is None:
        return []
    names = {lv.level: (lv.name, lv.options) for lv in sc.agreement.escalation}
    windows = [th.window_h * 3600.0 for lv in sc.agreement.escalation for th in lv.thresholds]
    out: list[LevelChange] = []
    sectors = sorted({str(r.get("sector", "-")) for r in records})
    for sector in sectors:
        rs = [r for r in records if str(r.get("sector", "-")) == sector and int(r.get("severity", 0)) > 0]
        if not rs:
            continue
        secs = np.array([dt.datetime.fromisoformat(r["time"]).timestamp() for r in rs])
        order = np.argsort(secs, kind="stable")
        secs = secs[order]
        sev = np.array([int(rs[i]["severity"]) for i in order], dtype=float)
        cum = np.concatenate([[0.0], np.cumsum(sev)])
        instants = np.unique(np.concatenate([secs] + [secs + w + 1e-3 for w in windows]))
        levels = _level_at(instants, secs, cum, sc)
        prev = 0
        for t, lv in zip(instants, levels, strict=True):
            if lv != prev:
                name, options = names.get(int(lv), ("no escalation", ()))
                out.append(
                    LevelChange(sector, dt.datetime.fromtimestamp(float(t), dt.UTC), int(lv), name, tuple(options))
                )
                prev = int(lv)
    out.sort(key=lambda c: (c.time, c.sector))
    return out


def levels_at(sc: Scenario, records: list[dict], at: dt.datetime) -> dict[str, LevelChange | None]:
    """The level in force in each sector at time ``at`` (None: level 0 throughout)."""
    current: dict[str, LevelChange | None] = {s.id: None for s in (sc.agreement.sectors if sc.agreement else ())}
    for ch in escalation_timeline(sc, records):
        if ch.time <= at:
            current[ch.sector] = ch if ch.level > 0 else None
    return current
