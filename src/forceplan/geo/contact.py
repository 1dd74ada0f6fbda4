"""The line of contact, derived from an occupied-territory polygon.

The line of contact is the part of the occupied area's boundary that is neither the host country's
international border nor its coast. With only a coarse outline of the country (Natural Earth 1:110m, whose
border and coast are off by up to about 15 km), it is derived as

    L = boundary(occupied) \\ buffer(boundary(host) ∪ boundary(aggressor), tolerance)

in the metric CRS, keeping only the connected parts at least ``min_part_km`` long. The aggressor's outline is
included because at 1:110m it overlaps occupied ground along the eastern border. See docs/model.md for the
lengths this gives on each snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import shape
from shapely.ops import linemerge

from forceplan.geo.crs import line_length_km, to_lonlat, to_metric


class GeoDataError(ValueError):
    """A GeoJSON file that cannot be used; the message names the file and what is wrong."""


def read_geojson_features(path: Path) -> list[tuple[dict[str, Any], Any]]:
    """(properties, shapely geometry) for each feature of a GeoJSON file (size and vertex count bounded).

    A file read before and unchanged since (same size and modification time) is not parsed again: the loader's
    checks, the line of contact and the stationing each read the countries' outline file, once per country."""
    try:
        st = Path(path).stat()
    except OSError:
        return _parse_geojson_features(Path(path))
    return list(_geojson_features_of(str(Path(path).resolve()), st.st_size, st.st_mtime_ns))


@lru_cache(maxsize=4)  # a plan reads two files; a long-lived process keeps few large ones
def _geojson_features_of(path: str, size: int, mtime_ns: int) -> tuple[tuple[dict[str, Any], Any], ...]:
    return tuple(_parse_geojson_features(Path(path)))


def _parse_geojson_features(path: Path) -> list[tuple[dict[str, Any], Any]]:
    from forceplan.fsutil import (
        MAX_GEOJSON_BYTES,
        MAX_GEOJSON_VERTICES,
        InputFileError,
        loads_json_checked,
        read_text_checked,
    )

    try:
        doc = loads_json_checked(read_text_checked(Path(path), MAX_GEOJSON_BYTES, "GeoJSON file"), path, "GeoJSON")
    except InputFileError as exc:
        raise GeoDataError(str(exc)) from None
    if not isinstance(doc, dict):
        raise GeoDataError(f"{path}: expected a GeoJSON FeatureCollection, Feature or geometry (an object)")
    if doc.get("type") == "FeatureCollection":
        feats = doc.get("features") or []
        if not isinstance(feats, list):
            raise GeoDataError(f"{path}: 'features' must be a list of Feature objects")
    elif doc.get("type") == "Feature":
        feats = [doc]
    else:
        feats = [{"type": "Feature", "properties": {}, "geometry": doc}]
    out = []
    vertices = 0
    for i, f in enumerate(feats):
        if not isinstance(f, dict) or not isinstance(f.get("geometry"), dict):
            raise GeoDataError(f"{path}: feature {i}: expected an object with a 'geometry' object")
        try:
            geom = shape(f["geometry"])
        except Exception as exc:  # shapely raises many kinds for malformed coordinates
            raise GeoDataError(f"{path}: feature {i}: invalid geometry ({type(exc).__name__}: {exc})") from None
        if geom.is_empty:
            raise GeoDataError(f"{path}: feature {i}: empty geometry (no coordinates)")
        vertices += int(shapely.get_num_coordinates(geom))
        if vertices > MAX_GEOJSON_VERTICES:
            raise GeoDataError(
                f"{path}: more than {MAX_GEOJSON_VERTICES:,} vertices; simplify the geometry (e.g. to 100 m)"
            )
        if not np.all(np.isfinite(shapely.get_coordinates(geom))):
            raise GeoDataError(f"{path}: feature {i}: coordinates must be finite numbers")
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        props = f.get("properties")
        out.append((props if isinstance(props, dict) else {}, geom))
    if not out:
        raise GeoDataError(f"{path}: no features")
    return out


def read_polygon(path: Path) -> Any:
    """The union of all polygonal features of a GeoJSON file, in (lon, lat)."""
    geoms = [g for _, g in read_geojson_features(path) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not geoms:
        raise GeoDataError(f"{path}: no Polygon or MultiPolygon feature")
    return shapely.union_all(geoms)


def read_country(path: Path, iso3: str) -> Any:
    """The outline of one country (feature property ``iso_a3``) from a GeoJSON file."""
    geoms = [g for p, g in read_geojson_features(path) if str(p.get("iso_a3", "")).upper() == iso3]
    if not geoms:
        raise GeoDataError(f"{path}: no feature with iso_a3 = {iso3}")
    if any(g.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection") for g in geoms):
        raise GeoDataError(f"{path}: the outline of {iso3} must be a Polygon or MultiPolygon")
    return shapely.union_all(geoms)


@dataclass(frozen=True, eq=False)
class LineOfContact:
    """The occupied area and the line of contact, in (lon, lat) and in the metric CRS.

    Distances use an STRtree over the line's segments (exact nearest-segment distance in O(log n) per point)."""

    occupied: Any
    line: Any
    tolerance_km: float
    min_part_km: float
    occupied_m: Any = field(repr=False)
    line_m: Any = field(repr=False)
    seg_start: NDArray[np.float64] = field(init=False, repr=False)
    seg_end: NDArray[np.float64] = field(init=False, repr=False)
    seg_along_m: NDArray[np.float64] = field(init=False, repr=False)
    seg_tree: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        starts, ends, along = [], [], []
        offset = 0.0
        for part in getattr(self.line_m, "geoms", [self.line_m]):
            xy = np.asarray(part.coords)[:, :2]
            seg_len = np.hypot(*(xy[1:] - xy[:-1]).T)
            starts.append(xy[:-1])
            ends.append(xy[1:])
            along.append(offset + np.concatenate([[0.0], np.cumsum(seg_len)[:-1]]))
            offset += float(seg_len.sum())
        a, b = np.concatenate(starts), np.concatenate(ends)
        object.__setattr__(self, "seg_start", a)
        object.__setattr__(self, "seg_end", b)
        object.__setattr__(self, "seg_along_m", np.concatenate(along))
        object.__setattr__(self, "seg_tree", shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1))))

    def nearest_m(self, points_m: Any) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """For metric points: distance to the line (m) and the position of the nearest point along it (m)."""
        pts = np.atleast_1d(points_m)
        idx, dist = self.seg_tree.query_nearest(pts, return_distance=True, all_matches=False)
        seg = np.empty(len(pts), dtype=np.int64)
        seg[idx[0]] = idx[1]
        d = np.empty(len(pts))
        d[idx[0]] = dist
        px, py = shapely.get_x(pts), shapely.get_y(pts)
        a, b = self.seg_start[seg], self.seg_end[seg]
        ab = b - a
        t = np.clip(
            ((px - a[:, 0]) * ab[:, 0] + (py - a[:, 1]) * ab[:, 1]) / np.maximum((ab**2).sum(axis=1), 1e-12), 0.0, 1.0
        )
        return d, self.seg_along_m[seg] + t * np.hypot(ab[:, 0], ab[:, 1])

    @property
    def length_km(self) -> float:
        """Geodesic length of the line, km."""
        return line_length_km(self.line)

    @property
    def parts(self) -> list[Any]:
        return list(getattr(self.line, "geoms", [self.line]))

    def is_occupied(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
        """Whether each point lies inside the occupied territory (boundary counts as inside)."""
        lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(shapely.intersects_xy(self.occupied, lon_a, lat_a))

    def distance_km(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """Distance of each point from the line of contact in the metric CRS, km (unsigned)."""
        lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, float), np.asarray(lat, float))
        pts = to_metric(shapely.points(lon_a.ravel(), lat_a.ravel()))
        return (self.nearest_m(pts)[0] / 1000.0).reshape(lon_a.shape)

    def signed_distance_km(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """Distance from the line, km: positive on the controlled side, negative on the occupied side."""
        d = self.distance_km(lon, lat)
        return np.where(self.is_occupied(lon, lat), -d, d)


def derive_line_of_contact(
    occupied: Any,
    host: Any,
    aggressor: Any | None = None,
    tolerance_km: float = 15.0,
    min_part_km: float = 50.0,
) -> LineOfContact:
    """Derive the line of contact (see the module docstring for the rule).

    Parameters
    ----------
    occupied : shapely (Multi)Polygon in (lon, lat), the occupied territory.
    host : the host country's outline, (lon, lat).
    aggressor : the aggressor's outline, (lon, lat), or None.
    tolerance_km : boundary this close to the host's border or coast (or the aggressor's) is not front, km.
    min_part_km : connected parts shorter than this are dropped, km.
    """
    occ_m = to_metric(occupied)
    edges = [to_metric(host).boundary]
    if aggressor is not None:
        edges.append(to_metric(aggressor).boundary)
    excluded = shapely.union_all(edges).buffer(tolerance_km * 1000.0)
    raw = occ_m.boundary.difference(excluded)
    merged = linemerge(raw) if raw.geom_type == "MultiLineString" else raw
    parts = [p for p in getattr(merged, "geoms", [merged]) if not p.is_empty and p.length >= min_part_km * 1000]
    if not parts:
        raise GeoDataError(
            "no line of contact remains: the occupied area lies within "
            f"{tolerance_km} km of the border or coast everywhere (lower geography.border_tolerance_km)"
        )
    line_m = parts[0] if len(parts) == 1 else shapely.MultiLineString(parts)
    return LineOfContact(
        occupied=occupied,
        line=to_lonlat(line_m),
        tolerance_km=tolerance_km,
        min_part_km=min_part_km,
        occupied_m=occ_m,
        line_m=line_m,
    )


@lru_cache(maxsize=16)
def _load_cached(
    occupied_path: str,
    outline_path: str,
    host: str,
    aggressor: str,
    tol: float,
    min_part: float,
    _mtimes: tuple,
) -> LineOfContact:
    occ = read_polygon(Path(occupied_path))
    host_geom = read_country(Path(outline_path), host)
    try:
        agg_geom = read_country(Path(outline_path), aggressor)
    except GeoDataError:
        agg_geom = None
    loc = derive_line_of_contact(occ, host_geom, agg_geom, tol, min_part)
    shapely.prepare(loc.occupied)
    return loc


def load_line_of_contact(
    occupied_path: Path,
    outline_path: Path,
    host: str = "UKR",
    aggressor: str = "RUS",
    tolerance_km: float = 15.0,
    min_part_km: float = 50.0,
) -> LineOfContact:
    """Read the GeoJSON files and derive the line of contact (cached on paths, parameters and file times)."""
    mt = tuple(Path(p).stat().st_mtime_ns if Path(p).exists() else 0 for p in (occupied_path, outline_path))
    return _load_cached(
        str(occupied_path), str(outline_path), host, aggressor, float(tolerance_km), float(min_part_km), mt
    )
