"""Stationing: where each matched unit goes — away from the line of contact, protecting critical sites,
within reach of the likely axes of attack (MILP).

The names below load on first use, so that reading a result (:mod:`forceplan.stationing.result`) does not import
the laydown's modules."""

from typing import TYPE_CHECKING

from forceplan.lazy import lazy_attributes

if TYPE_CHECKING:
    from forceplan.stationing.laydown import DOMAIN_KINDS, allowed_countries, min_distance_km, site_reasons
    from forceplan.stationing.result import SCHEMA_ID, StationingResult
    from forceplan.stationing.run import force_groups, station_force

__all__ = [
    "DOMAIN_KINDS",
    "SCHEMA_ID",
    "StationingResult",
    "allowed_countries",
    "force_groups",
    "min_distance_km",
    "site_reasons",
    "station_force",
]
__getattr__ = lazy_attributes(
    __name__,
    {
        "DOMAIN_KINDS": "laydown",
        "allowed_countries": "laydown",
        "min_distance_km": "laydown",
        "site_reasons": "laydown",
        "SCHEMA_ID": "result",
        "StationingResult": "result",
        "force_groups": "run",
        "station_force": "run",
    },
)
