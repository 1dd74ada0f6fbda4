"""The laydown as GeoJSON (RFC 7946, WGS84 lon/lat): garrisons, protected sites with their radii, the line of
contact, the occupied territory, the standoff band and the threat axes."""

from __future__ import annotations

from typing import Any

import shapely

from forceplan.geo import to_lonlat, to_metric
from forceplan.scenario import Scenario, line_of_contact
from forceplan.stationing.result import StationingResult


def _feature(geom: Any, **props: Any) -> dict[str, Any]:
    # Coordinates to 0.00001° (about 1 m): more digits carry no information and only weigh down the report.
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(shapely.set_precision(geom, 1e-5)),
        "properties": props,
    }


def laydown_geojson(sc: Scenario, r: StationingResult, simplify_km: float = 0.5) -> dict[str, Any]:
    """A FeatureCollection of the laydown; every feature has a ``layer`` property."""
    loc = line_of_contact(sc)
    tol = simplify_km * 1000
    feats: list[dict[str, Any]] = [
        _feature(to_lonlat(loc.occupied_m.simplify(tol)), layer="occupied", name="Occupied territory"),
        _feature(loc.line, layer="line_of_contact", name="Line of contact", length_km=r.line_of_contact_km),
        _feature(
            # The line simplified to the drawing's tolerance before the buffer (the band is drawn simplified anyway;
            # it stays within 0.65 km of the band buffered from the full line): buffering every vertex of the line
            # was half the report's time (0.19 s of CPU, now 0.04 s).
            to_lonlat(
                loc.line_m.simplify(tol)
                .buffer(r.standoff_km * 1000, quad_segs=8)
                .difference(loc.occupied_m)
                .simplify(tol)
            ),
            layer="standoff",
            name=f"Standoff band ({r.standoff_km:g} km)",
            standoff_km=r.standoff_km,
        ),
    ]
    for g in r.garrisons:
        feats.append(
            _feature(
                shapely.Point(g.location),
                layer="garrison",
                site=g.site,
                name=g.name,
                kind=g.kind,
                units=g.units,
                personnel=g.personnel,
                combat_power=g.combat_power,
                nations=g.nations,
                distance_to_line_km=g.distance_to_line_km,
                placements=[p.model_dump() for p in g.placements],
            )
        )
    sites = {s.id: s for s in sc.sites}
    for c in r.coverage:
        s = sites[c.site]
        feats.append(
            _feature(
                shapely.Point(s.location),
                layer="protected",
                site=c.site,
                name=c.name,
                covered=c.covered,
                radius_km=c.radius_km,
                required_combat_power=c.required_combat_power,
                combat_power_within_radius=c.combat_power_within_radius,
                reason=c.reason,
            )
        )
        ring = to_lonlat(to_metric(shapely.Point(s.location)).buffer(c.radius_km * 1000, 32))
        feats.append(_feature(ring, layer="protection_radius", site=c.site, covered=c.covered))
    caps = {c.id: c for c in sc.capabilities}
    for g in r.garrisons:
        centre = to_metric(shapely.Point(g.location))
        for cid in sorted({p.capability for p in g.placements}):
            cap = caps[cid]
            if cap.air is not None:
                ring = to_lonlat(shapely.LineString(centre.buffer(cap.air.combat_radius_km * 1000, 48).exterior.coords))
                feats.append(
                    _feature(
                        ring,
                        layer="air_radius",
                        site=g.site,
                        capability=cid,
                        radius_km=cap.air.combat_radius_km,
                        name=f"{cap.name} at {g.name}: combat radius {cap.air.combat_radius_km:g} km",
                    )
                )
            if cap.fires is not None:
                reach = cap.fires.range_km + (cap.air.combat_radius_km if cap.air is not None else 0.0)
                ring = to_lonlat(shapely.LineString(centre.buffer(reach * 1000, 48).exterior.coords))
                feats.append(
                    _feature(
                        ring,
                        layer="fires_range",
                        site=g.site,
                        capability=cid,
                        range_km=reach,
                        name=f"{cap.name} at {g.name}: strike reach {reach:g} km",
                    )
                )
    for s in sc.sites:
        if s.throughput_personnel_per_day:
            feats.append(
                _feature(
                    shapely.Point(s.location),
                    layer="entry_node",
                    site=s.id,
                    name=s.name,
                    kind=s.kind.value,
                    throughput_personnel_per_day=s.throughput_personnel_per_day,
                )
            )
    for s in sc.sites:
        feats.append(
            _feature(
                shapely.Point(s.location),
                layer="site",
                site=s.id,
                name=s.name,
                kind=s.kind.value,
                station=s.station,
                country=s.country,
            )
        )
    for t in sc.threats:
        end = sc.resolve_point(t.axis.objective)
        feats.append(
            _feature(shapely.LineString([t.axis.start, end]), layer="axis", threat=t.id, name=t.name, weight=t.weight)
        )
    return {"type": "FeatureCollection", "name": f"forceplan laydown: {sc.name}", "features": feats}
