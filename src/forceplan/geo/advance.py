r"""How fast the front moves: advance rates measured between two occupied-territory snapshots.

For two snapshots of the occupied area, O₁ at date t₁ and O₂ at t₂, and the line of contact L₂ of the later one,
points are laid along L₂ every ``spacing_km``. At each point p the front's displacement is

    δ(p) = + dist(p, O₁)              if p lies outside O₁ (ground taken by the attacker since t₁)
    δ(p) = − dist(p, boundary(O₁))    if p lies inside O₁ (ground retaken by the defender)

in the metric CRS, km. The advance rate at p is δ(p) ÷ (t₂ − t₁) in km/day. Points are grouped by sector (the
nearest sector segment); each sector reports the mean rate (the whole sector's average, quiet stretches included)
and the 50th, 90th percentiles and the maximum (the axes of main effort). See docs/model.md, section 7.5.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from forceplan.geo.crs import to_metric


@dataclass(frozen=True)
class SectorDef:
    id: str
    name: str
    start: tuple[float, float]
    end: tuple[float, float]


@dataclass(frozen=True)
class SectorAdvance:
    """Advance rates in one sector between two snapshots (km/day; positive = the occupier advanced)."""

    sector: str
    name: str
    start: date
    end: date
    days: int
    points: int
    mean_km_per_day: float
    p50_km_per_day: float
    p90_km_per_day: float
    max_km_per_day: float


def front_displacement_km(
    occupied_before: Any, occupied_after: Any, line_after: Any, spacing_km: float = 2.0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Points along the later line of contact (lon, lat in, metric out: N × 2 metres) and the front's signed
    displacement at each (km). All geometries are in (lon, lat); ``occupied_after`` is unused beyond a check."""
    if occupied_after is None or line_after is None or line_after.is_empty:
        raise ValueError("the later snapshot has no line of contact")
    before_m = to_metric(occupied_before)
    line_m = to_metric(line_after)
    parts = list(getattr(line_m, "geoms", [line_m]))
    pts: list[Any] = []
    for part in parts:
        n = max(2, int(part.length // (spacing_km * 1000.0)) + 1)
        pts.extend(shapely.line_interpolate_point(part, np.linspace(0.0, part.length, n)))
    points = np.array(pts, dtype=object)
    shapely.prepare(before_m)
    inside = shapely.contains(before_m, points) | shapely.touches(before_m, points)
    d_out = shapely.distance(before_m, points)
    d_in = shapely.distance(before_m.boundary, points)
    disp = np.where(inside, -d_in, d_out) / 1000.0
    xy = shapely.get_coordinates(points)
    return xy, disp


def assign_sectors(points_m: NDArray[np.float64], sectors: Sequence[SectorDef]) -> NDArray[np.int64]:
    """Index of the nearest sector segment for each point (metric coordinates)."""
    segs = [to_metric(shapely.LineString([s.start, s.end])) for s in sectors]
    pts = shapely.points(points_m)
    dist = np.stack([shapely.distance(seg, pts) for seg in segs])
    return np.argmin(dist, axis=0).astype(np.int64)


def sector_advance(
    occupied_before: Any,
    date_before: date,
    occupied_after: Any,
    date_after: date,
    line_after: Any,
    sectors: Sequence[SectorDef],
    spacing_km: float = 2.0,
) -> list[SectorAdvance]:
    """Advance rates per sector between two snapshots (see the module docstring)."""
    days = (date_after - date_before).days
    if days <= 0:
        raise ValueError(f"the snapshots must be in date order ({date_before} then {date_after})")
    xy, disp = front_displacement_km(occupied_before, occupied_after, line_after, spacing_km)
    which = assign_sectors(xy, sectors)
    out = []
    for k, s in enumerate(sectors):
        r = disp[which == k] / days
        if len(r) == 0:
            continue
        out.append(
            SectorAdvance(
                sector=s.id,
                name=s.name,
                start=date_before,
                end=date_after,
                days=days,
                points=len(r),
                mean_km_per_day=float(np.mean(r)),
                p50_km_per_day=float(np.percentile(r, 50)),
                p90_km_per_day=float(np.percentile(r, 90)),
                max_km_per_day=float(np.max(r)),
            )
        )
    return out


SNAPSHOT_PREFIX = "deepstatemap_data_"


def snapshot_date(path: Any) -> date:
    """The date in a snapshot file's name (``deepstatemap_data_YYYYMMDD.geojson``)."""
    stem = str(getattr(path, "stem", path))
    digits = stem.removeprefix(SNAPSHOT_PREFIX)
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise ValueError(f"{path}: the file name carries no date (expected {SNAPSHOT_PREFIX}YYYYMMDD)") from None


def snapshots_advance(
    snapshot_paths: Sequence[Any],
    outline_path: Any,
    sectors: Sequence[SectorDef],
    tolerance_km: float = 15.0,
    spacing_km: float = 2.0,
) -> list[SectorAdvance]:
    """Advance rates per sector between each pair of consecutive snapshots (files named by date)."""
    from forceplan.geo.contact import load_line_of_contact, read_polygon

    paths = sorted(snapshot_paths, key=snapshot_date)
    out: list[SectorAdvance] = []
    for before, after in itertools.pairwise(paths):
        loc = load_line_of_contact(after, outline_path, tolerance_km=tolerance_km)
        out += sector_advance(
            read_polygon(before),
            snapshot_date(before),
            loc.occupied,
            snapshot_date(after),
            loc.line,
            sectors,
            spacing_km,
        )
    return out
