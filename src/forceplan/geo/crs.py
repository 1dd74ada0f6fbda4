"""Coordinate conventions.

Positions are ``(lon, lat)`` in WGS84 (EPSG:4326) everywhere in forceplan. Metric geometry (buffers, distances
to lines, areas) uses one projected CRS: a Lambert azimuthal equal-area projection centred on Ukraine
(48.5 N, 32 E). Within 1,000 km of the centre its scale error stays below about 2 % in any direction, and
point-to-point distances that matter are computed geodesically on the WGS84 ellipsoid instead.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

METRIC_CRS = pyproj.CRS.from_proj4("+proj=laea +lat_0=48.5 +lon_0=32 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs")
"""The one projected CRS for metric geometry (metres)."""

GEOD = pyproj.Geod(ellps="WGS84")


@lru_cache(maxsize=2)
def _transformer(forward: bool) -> pyproj.Transformer:
    if forward:
        return pyproj.Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    return pyproj.Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def _apply(geom: Any, forward: bool) -> Any:
    tr = _transformer(forward)

    def fn(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def to_metric(geom: Any) -> Any:
    """A shapely geometry (or array of them) in (lon, lat) to the metric CRS (metres)."""
    return _apply(geom, True)


def to_lonlat(geom: Any) -> Any:
    """A shapely geometry (or array of them) in the metric CRS back to (lon, lat)."""
    return _apply(geom, False)


def geodesic_km(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> NDArray[np.float64]:
    """Geodesic distance on the WGS84 ellipsoid, km (vectorised)."""
    x1, y1, x2, y2 = np.broadcast_arrays(
        np.asarray(lon1, float), np.asarray(lat1, float), np.asarray(lon2, float), np.asarray(lat2, float)
    )
    _, _, d = GEOD.inv(x1, y1, x2, y2)
    return np.asarray(d, dtype=float) / 1000.0


def line_length_km(geom_lonlat: Any) -> float:
    """Geodesic length of a (multi)line in (lon, lat), km."""
    return float(GEOD.geometry_length(geom_lonlat)) / 1000.0
