"""Stationing: where each matched unit goes — away from the line of contact, protecting critical sites,
within reach of the likely axes of attack (MILP)."""

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
