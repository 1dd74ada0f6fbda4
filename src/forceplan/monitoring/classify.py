"""Classify incidents against the agreement (vectorised over incidents; rules are data in the scenario).

For each incident: side (``occupied`` inside the occupied-territory polygon, else ``controlled``), signed distance
to the line of contact (km; positive on the controlled side), sector (by the incident's position along the
line), whether it lies in the buffer zone, the nearest protected site and its distance, and the rules it breaks:

- ``weapon_exclusion``: the weapon class is listed (and its calibre ≥ ``min_calibre_mm`` when set) and the
  incident lies within ``distance_km`` of the line, on either side;
- ``no_fly``: an aircraft or helicopter (the rule's classes) within ``distance_km`` of the line;
- ``ground_assault``: an ACLED ``Battles`` event (armed clash, territory taken);
- ``protected_site_strike``: an ``Explosions/Remote violence`` event within ``distance_km`` of a protected site;
- ``buffer_presence``: any armed activity (a weapon class is given) inside the buffer zone.

Severity: the largest severity among the rules broken (0 if none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from forceplan.geo import to_metric
from forceplan.monitoring.incidents import Incident
from forceplan.scenario import Scenario, line_of_contact
from forceplan.scenario.model import RuleKind

AIR_CLASSES = ("aircraft", "helicopter", "drone")


@dataclass(frozen=True)
class Classification:
    event_id: str
    side: str
    signed_distance_km: float
    sector: str
    in_buffer: bool
    nearest_site: str | None
    nearest_site_km: float | None
    violations: tuple[str, ...]
    severity: int


def sector_bounds(sc: Scenario) -> list[tuple[str, float, float]]:
    """(sector id, start, end) as distances along the line of contact, km."""
    if sc.agreement is None:
        return []
    loc = line_of_contact(sc)
    out = []
    for s in sc.agreement.sectors:
        _, along = loc.nearest_m(to_metric(shapely.points([s.start, s.end])))
        a, b = float(along[0]) / 1000, float(along[1]) / 1000
        out.append((s.id, min(a, b), max(a, b)))
    if out:  # the outermost sectors run to the ends of the line
        out.sort(key=lambda x: x[1])
        out[0] = (out[0][0], 0.0, out[0][2])
        out[-1] = (out[-1][0], out[-1][1], float(loc.line_m.length) / 1000 + 1.0)
    return out


def classify_arrays(
    sc: Scenario, lon: np.ndarray, lat: np.ndarray, event_type: np.ndarray, weapon: np.ndarray, calibre: np.ndarray
) -> dict[str, np.ndarray]:
    """The classification columns for arrays of incidents (the vectorised core)."""
    loc = line_of_contact(sc)
    n = len(lon)
    pts_m = to_metric(shapely.points(lon, lat))
    dist_m, along_m = loc.nearest_m(pts_m)
    dist, along = dist_m / 1000.0, along_m / 1000.0
    occupied = np.asarray(shapely.intersects_xy(loc.occupied, lon, lat))
    signed = np.where(occupied, -dist, dist)
    sector = np.full(n, "", dtype=object)
    for sid, a, b in sector_bounds(sc):
        sector[(sector == "") & (along >= a) & (along <= b)] = sid
    buffer_km = sc.agreement.buffer_zone_km if sc.agreement else 0.0
    in_buffer = dist <= buffer_km
    protected = [s for s in sc.sites if s.protection is not None]
    near_id = np.full(n, None, dtype=object)
    near_km = np.full(n, np.nan)
    if protected:
        sxy = to_metric(shapely.points([s.location for s in protected]))
        sx, sy = shapely.get_x(sxy), shapely.get_y(sxy)
        px, py = shapely.get_x(pts_m), shapely.get_y(pts_m)
        best = np.full(n, np.inf)
        for k in range(len(protected)):  # few sites, many incidents: loop over sites, vectorised over incidents
            d = np.hypot(px - sx[k], py - sy[k]) / 1000.0
            closer = d < best
            best[closer] = d[closer]
            near_id[closer] = protected[k].id
        near_km = best
    violations: list[list[str]] = [[] for _ in range(n)]
    severity = np.zeros(n, dtype=np.int64)
    rules = sc.agreement.rules if sc.agreement else ()
    has_weapon = weapon != ""
    for rule in rules:
        classes = np.array(rule.weapon_classes, dtype=object)
        in_class = np.isin(weapon, classes) if len(classes) else np.ones(n, dtype=bool)
        if rule.kind is RuleKind.weapon_exclusion:
            hit = in_class & has_weapon & (dist <= (rule.distance_km or 0.0))
            if rule.min_calibre_mm is not None:
                hit &= np.nan_to_num(calibre, nan=0.0) >= rule.min_calibre_mm
        elif rule.kind is RuleKind.no_fly:
            hit = (in_class if len(classes) else np.isin(weapon, AIR_CLASSES)) & (dist <= (rule.distance_km or 0.0))
        elif rule.kind is RuleKind.ground_assault:
            hit = np.char.lower(event_type.astype(str)) == "battles"
        elif rule.kind is RuleKind.protected_site_strike:
            hit = (np.char.lower(event_type.astype(str)) == "explosions/remote violence") & (
                np.nan_to_num(near_km, nan=np.inf) <= (rule.distance_km or 0.0)
            )
        else:  # buffer_presence
            hit = has_weapon & in_buffer
        for i in np.flatnonzero(hit):
            violations[i].append(rule.id)
        severity = np.where(hit, np.maximum(severity, rule.severity), severity)
    return {
        "side": np.where(occupied, "occupied", "controlled"),
        "signed_distance_km": signed,
        "sector": sector,
        "in_buffer": in_buffer,
        "nearest_site": near_id,
        "nearest_site_km": near_km,
        "violations": np.array([";".join(v) for v in violations], dtype=object),
        "severity": severity,
    }


def classify(sc: Scenario, incidents: list[Incident]) -> list[Classification]:
    if not incidents:
        return []
    cols = classify_arrays(
        sc,
        np.array([i.lon for i in incidents]),
        np.array([i.lat for i in incidents]),
        np.array([i.event_type for i in incidents], dtype=object),
        np.array([i.weapon_class for i in incidents], dtype=object),
        np.array([i.calibre_mm if i.calibre_mm is not None else np.nan for i in incidents]),
    )
    return [
        Classification(
            event_id=inc.event_id,
            side=str(cols["side"][k]),
            signed_distance_km=round(float(cols["signed_distance_km"][k]), 3),
            sector=str(cols["sector"][k]) or "-",
            in_buffer=bool(cols["in_buffer"][k]),
            nearest_site=cols["nearest_site"][k],
            nearest_site_km=round(float(cols["nearest_site_km"][k]), 3)
            if np.isfinite(cols["nearest_site_km"][k])
            else None,
            violations=tuple(v for v in str(cols["violations"][k]).split(";") if v),
            severity=int(cols["severity"][k]),
        )
        for k, inc in enumerate(incidents)
    ]
