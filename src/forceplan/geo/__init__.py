"""Geography: (lon, lat) conventions, geodesic distance, the projected CRS, the line of contact."""

from forceplan.geo.contact import LineOfContact, derive_line_of_contact, load_line_of_contact
from forceplan.geo.crs import METRIC_CRS, geodesic_km, line_length_km, to_lonlat, to_metric

__all__ = [
    "METRIC_CRS",
    "LineOfContact",
    "derive_line_of_contact",
    "geodesic_km",
    "line_length_km",
    "load_line_of_contact",
    "to_lonlat",
    "to_metric",
]
