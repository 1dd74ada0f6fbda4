"""The line of contact derived from each shared occupied-territory snapshot is one plausible line."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import shapely

from forceplan.geo import geodesic_km, load_line_of_contact, to_metric
from forceplan.geo.contact import derive_line_of_contact, read_country
from forceplan.scenario.io import data_dir

pytestmark = pytest.mark.unit

GEO = data_dir() / "geo"
OUTLINE = GEO / "naturalearth_lowres_europe.geojson"
SNAPSHOTS = sorted((GEO / "occupied_territory").glob("deepstatemap_data_*.geojson"))
TOLERANCE_KM = 15.0


def _sea_m():
    """The sea near Ukraine: a box minus every Natural Earth land polygon, in the metric CRS."""
    from forceplan.geo.contact import read_geojson_features

    land = shapely.union_all([g for _, g in read_geojson_features(OUTLINE)])
    box = shapely.box(26.0, 43.0, 42.0, 48.5)
    return to_metric(box.difference(land))


def _ports_m():
    with open(GEO / "ukraine_seaports_wpi.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return to_metric(shapely.points([(float(r["lon"]), float(r["lat"])) for r in rows]))


def test_there_are_five_snapshots() -> None:
    assert [p.stem[-8:] for p in SNAPSHOTS] == ["20240708", "20250102", "20250701", "20251231", "20260822"]


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: p.stem[-8:])
def test_one_plausible_line(snapshot: Path) -> None:
    loc = load_line_of_contact(snapshot, OUTLINE, tolerance_km=TOLERANCE_KM)
    assert loc.line.geom_type == "LineString", "one connected line"
    # Published: the 2025 front was about 1,200 km long; the derived line lies a little short of the border.
    assert 950 <= loc.length_km <= 1300
    rus = to_metric(read_country(OUTLINE, "RUS"))
    assert rus.distance(loc.line_m) / 1000 >= 5.0, "no part within 5 km of the Russian border"
    assert _sea_m().distance(loc.line_m) / 1000 >= 5.0, "no part within 5 km of the sea (Natural Earth coast)"
    assert shapely.distance(loc.line_m, _ports_m()).min() / 1000 >= 5.0, "no part within 5 km of a seaport"
    # One end at the Dnipro mouth (south-west), the other near the Russian border in the north-east.
    ends = sorted([loc.line.coords[0], loc.line.coords[-1]])
    (w_lon, w_lat), (e_lon, e_lat) = ends
    assert w_lon < 33.0 and w_lat < 47.0
    assert e_lon > 37.0 and e_lat > 49.5


def test_known_points_fall_on_the_right_side() -> None:
    loc = load_line_of_contact(SNAPSHOTS[3], OUTLINE, tolerance_km=TOLERANCE_KM)
    # Melitopol, Donetsk, Zaporizhzhia NPP occupied; Kyiv, Dnipro, Odesa, Zaporizhzhia city controlled.
    occupied = loc.is_occupied([35.37, 37.80, 34.5863], [46.84, 48.00, 47.5119])
    controlled = loc.is_occupied([30.52, 35.05, 30.72, 35.14], [50.45, 48.46, 46.48, 47.84])
    assert occupied.all() and not controlled.any()
    sd = loc.signed_distance_km([35.37, 30.52], [46.84, 50.45])
    assert sd[0] < 0 < sd[1]


def test_distance_to_line_matches_geodesic() -> None:
    """Distance in the metric CRS agrees with the geodesic distance to the nearest line point within 1 %."""
    loc = load_line_of_contact(SNAPSHOTS[3], OUTLINE, tolerance_km=TOLERANCE_KM)
    lon, lat = np.array([35.05, 36.23, 31.99, 30.52]), np.array([48.46, 49.99, 46.98, 50.45])
    d = loc.distance_km(lon, lat)
    for x, y, dk in zip(lon, lat, d, strict=True):
        p = to_metric(shapely.Point(x, y))
        nearest = shapely.ops.nearest_points(loc.line_m, p)[0]
        from forceplan.geo import to_lonlat

        q = to_lonlat(nearest)
        g = float(geodesic_km(x, y, q.x, q.y))
        assert dk == pytest.approx(g, rel=0.01, abs=0.5)


def test_newer_snapshot_changes_the_line() -> None:
    a = load_line_of_contact(SNAPSHOTS[0], OUTLINE, tolerance_km=TOLERANCE_KM)
    b = load_line_of_contact(SNAPSHOTS[3], OUTLINE, tolerance_km=TOLERANCE_KM)
    # Pokrovsk (37.18 E, 48.28 N) was controlled in July 2024 and contested or occupied by the end of 2025.
    assert a.distance_km(37.18, 48.28) > 10 > b.distance_km(37.18, 48.28)


def test_no_line_left_is_a_clear_error() -> None:
    from forceplan.geo.contact import GeoDataError

    ukr = read_country(OUTLINE, "UKR")
    tiny = shapely.box(30.0, 50.0, 30.01, 50.01)
    with pytest.raises(GeoDataError, match="no line of contact remains"):
        derive_line_of_contact(tiny, ukr, None, tolerance_km=15.0, min_part_km=50.0)


def test_a_geojson_file_is_parsed_once_until_it_changes(tmp_path: Path) -> None:
    """The outline file is read by the loader's checks (once per country), the line of contact and the stationing:
    an unchanged file comes from memory; a file changed since (size or modification time) is read again, and a
    broken one still fails with its message."""
    import json
    import os

    from forceplan.geo.contact import GeoDataError, read_geojson_features

    path = tmp_path / "outline.geojson"

    def write(iso3: str, x0: float) -> None:
        square = [[[x0, 0.0], [x0 + 1, 0.0], [x0 + 1, 1.0], [x0, 1.0], [x0, 0.0]]]
        feature = {
            "type": "Feature",
            "properties": {"iso_a3": iso3},
            "geometry": {"type": "Polygon", "coordinates": square},
        }
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))

    write("AAA", 0.0)
    first = read_geojson_features(path)
    again = read_geojson_features(path)
    assert again == first and again is not first  # the caller's own list
    assert again[0][1] is first[0][1]  # the geometry from memory, not parsed again
    st = path.stat()
    write("BBB", 5.0)  # same size: the modification time tells
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    changed = read_geojson_features(path)
    assert changed[0][0] == {"iso_a3": "BBB"} and changed[0][1].bounds == (5.0, 0.0, 6.0, 1.0)
    assert read_country(path, "BBB").equals(changed[0][1])
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    with pytest.raises(GeoDataError, match=r"outline\.geojson: feature 0"):
        read_geojson_features(path)
