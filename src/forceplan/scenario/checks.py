"""Semantic checks: duplicate ids, references to unknown ids, stations in occupied territory.

Each ``check_*`` function takes the sections that validated (a mapping of section name to its value; a list
section holds the items that validated) and returns Problems with field paths; the loader adds positions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from forceplan.scenario.model import Geography, Scenario, SiteKind
from forceplan.scenario.parameters import PARAMETERS
from forceplan.scenario.problems import Path, Problem, did_you_mean

if TYPE_CHECKING:
    from forceplan.geo.contact import LineOfContact

# numpy, shapely and pyproj (forceplan.geo) are imported by the checks that use them: a scenario is read and keyed
# (the stage cache) without them.

#: The response options of the response-timelines model; escalation levels unlock these.
RESPONSE_OPTIONS = (
    "in_theatre",
    "reinforcements",
    "air_power",
    "long_range_fires",
    "stockpile_release",
    "naval",
)

#: An axis must start this close to the line of contact, km.
AXIS_START_MAX_KM = 40.0

Parts = Mapping[str, Any]


#: Sections whose items carry an id, and the key of that id.
ID_SECTIONS: tuple[tuple[Path, str], ...] = (
    (("sources",), "id"),
    (("nations",), "iso3"),
    (("capabilities",), "id"),
    (("pledges",), "id"),
    (("materiel",), "id"),
    (("sites",), "id"),
    (("places",), "id"),
    (("threats",), "id"),
    (("phases",), "id"),
    (("requirement", "slots"), "id"),
    (("backstop", "assets"), "id"),
    (("agreement", "sectors"), "id"),
    (("agreement", "rules"), "id"),
)

#: Every reference between sections: (items, field inside an item, namespace it points to).
#: ``*`` walks every item of a list. String values only (a [lon, lat] is not a reference).
REFERENCES: tuple[tuple[Path, Path, str], ...] = (
    (("pledges", "*"), ("nation",), "nation"),
    (("pledges", "*"), ("capability",), "capability"),
    (("pledges", "*"), ("home_base",), "site or place"),
    (("pledges", "*"), ("caveats", "from_phase"), "phase"),
    (("backstop", "assets", "*"), ("nation",), "nation"),
    (("backstop", "assets", "*"), ("capability",), "capability"),
    (("backstop", "assets", "*"), ("home_base",), "site or place"),
    (("backstop", "assets", "*"), ("caveats", "from_phase"), "phase"),
    (("materiel", "*"), ("nation",), "nation"),
    (("materiel", "*"), ("depot",), "site or place"),
    (("requirement", "slots", "*"), ("capability",), "capability"),
    (("requirement", "slots", "*"), ("phase",), "phase"),
    (("threats", "*"), ("axis", "objective"), "site or place"),
    (("agreement", "escalation", "*"), ("options", "*"), "response option"),
    (("offensives", "*"), ("threats", "*"), "threat"),
    (("capabilities", "*"), ("fills", "*"), "capability"),
    (("sustain", "rotation_defaults", "*"), ("capabilities", "*"), "capability"),
    (("sustain", "costs", "*"), ("capabilities", "*"), "capability"),
)


def _walk(doc: Any, pattern: Path, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """(path, value) for every node matching a pattern with ``*`` wildcards over lists."""
    if not pattern:
        yield prefix, doc
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(doc, list):
            for i, item in enumerate(doc):
                yield from _walk(item, rest, (*prefix, i))
    elif isinstance(doc, dict) and head in doc:
        yield from _walk(doc[head], rest, (*prefix, head))


def _id_values(doc: Any, section: Path, key: str) -> list[tuple[Path, str]]:
    out = []
    for path, item in _walk(doc, (*section, "*")):
        if isinstance(item, dict) and isinstance(item.get(key), str):
            value = item[key].strip().upper() if key == "iso3" else item[key]
            out.append(((*path, key), value))
    return out


def namespaces(doc: Any) -> dict[str, list[str]]:
    """The ids each kind of reference may point to, as written in the document."""

    def ids(section: Path, key: str = "id") -> list[str]:
        return [v for _, v in _id_values(doc, section, key)]

    return {
        "nation": ids(("nations",), "iso3"),
        "capability": ids(("capabilities",)),
        "site or place": ids(("sites",)) + ids(("places",)),
        "phase": ids(("phases",)),
        "response option": list(RESPONSE_OPTIONS),
        "threat": ids(("threats",)),
    }


def check_duplicates(doc: Any) -> list[Problem]:
    """Duplicate ids within a section, and ids shared by sites and places (one namespace)."""
    out: list[Problem] = []
    for section, key in ID_SECTIONS:
        seen: set[str] = set()
        for path, value in _id_values(doc, section, key):
            if value in seen:
                out.append(Problem(f"duplicate {key} {value!r}", path, hint="ids must be unique in a section"))
            seen.add(value)
    sites = {v for _, v in _id_values(doc, ("sites",), "id")}
    for path, value in _id_values(doc, ("places",), "id"):
        if value in sites:
            out.append(Problem(f"place id {value!r} is also a site id", path, hint="sites and places share ids"))
    pledges = {v for _, v in _id_values(doc, ("pledges",), "id")}
    for path, value in _id_values(doc, ("backstop", "assets"), "id"):
        if value in pledges:
            out.append(Problem(f"backstop asset id {value!r} is also a pledge id", path))
    return out


def check_references(doc: Any) -> list[Problem]:
    """Every reference to an id that no section defines, with the nearest defined id as a hint."""
    out: list[Problem] = []
    known = namespaces(doc)
    for items, field, what in REFERENCES:
        for path, value in _walk(doc, (*items, *field)):
            if not isinstance(value, str):
                continue
            ref = value.strip().upper() if what == "nation" else value
            valid = known[what]
            if ref in valid:
                continue
            hint = did_you_mean(ref, valid, f"known {what}s") if valid else f"no {what} is defined"
            out.append(Problem(f"unknown {what} {value!r}", path, hint=hint))
    for name in doc.get("parameters") or {} if isinstance(doc, dict) else {}:
        if name not in PARAMETERS:
            out.append(
                Problem(
                    f"unknown parameter {name!r}",
                    ("parameters", name),
                    hint=did_you_mean(name, PARAMETERS, "known parameters"),
                )
            )
    return out


def check_geography(parts: Parts) -> tuple[list[Problem], LineOfContact | None]:
    import numpy as np
    import shapely

    from forceplan.geo.contact import GeoDataError, read_country
    from forceplan.geo.crs import to_metric

    geo: Geography | None = parts.get("geography")
    if geo is None:
        return [], None
    try:
        loc = line_of_contact_for(geo)
    except GeoDataError as exc:
        return [
            Problem(
                str(exc),
                ("geography", "occupied_territory"),
                hint="a GeoJSON Polygon/MultiPolygon in WGS84 (lon, lat)",
            )
        ], None
    out: list[Problem] = []
    sites = list(parts.get("sites", ()))
    if sites:
        xy = np.array([s.location for s in sites])
        occ = loc.is_occupied(xy[:, 0], xy[:, 1])
        for i, s in enumerate(sites):
            if occ[i] and s.station:
                out.append(
                    Problem(
                        f"station {s.id!r} lies inside the occupied territory",
                        ("sites", i, "location"),
                        hint="set station: false (it can still be a protected site), or fix [lon, lat]",
                    )
                )
            if occ[i] and s.kind is SiteKind.depot:
                out.append(Problem(f"depot {s.id!r} lies inside the occupied territory", ("sites", i, "location")))
    out += check_swapped(parts, geo)
    host_edge = None
    for i, t in enumerate(parts.get("threats", ())):
        x, y = t.axis.start
        if t.axis.crosses == "border":
            if host_edge is None:
                host_edge = to_metric(read_country(FsPath(geo.outline), geo.country)).boundary
            d = float(host_edge.distance(to_metric(shapely.Point(x, y)))) / 1000.0
            what, hint = (
                "the host country's border",
                "a border axis starts where the attack crosses the border",
            )
        else:
            d = float(loc.distance_km(x, y))
            what, hint = "the line of contact", "an axis starts where the attack crosses the line"
        if d > AXIS_START_MAX_KM:
            out.append(
                Problem(
                    f"axis start is {d:.0f} km from {what} (at most {AXIS_START_MAX_KM:.0f})",
                    ("threats", i, "axis", "start"),
                    hint=hint,
                )
            )
    if (ag := parts.get("agreement")) is not None:
        for i, sec in enumerate(ag.sectors):
            for end in ("start", "end"):
                pt = getattr(sec, end)
                d = float(loc.distance_km(pt[0], pt[1]))
                if d > AXIS_START_MAX_KM:
                    out.append(
                        Problem(
                            f"sector {end} is {d:.0f} km from the line of contact",
                            ("agreement", "sectors", i, end),
                            hint="sector ends lie on the line",
                        )
                    )
    return out, loc


SWAP_TOLERANCE_KM = 50.0


def check_swapped(parts: Parts, geo: Geography) -> list[Problem]:
    """Sites and places in a country of the outline file that lie over ``SWAP_TOLERANCE_KM`` outside it while the
    swapped point ([lat, lon]) lies inside it: almost surely written [lat, lon]."""
    import shapely

    from forceplan.geo.contact import GeoDataError, read_country
    from forceplan.geo.crs import to_metric

    out: list[Problem] = []
    outlines: dict[str, Any] = {}
    for section in ("sites", "places"):
        for i, item in enumerate(parts.get(section, ())):
            iso = item.country
            if iso not in outlines:
                try:
                    outlines[iso] = to_metric(read_country(FsPath(geo.outline), iso))
                except GeoDataError:
                    outlines[iso] = None
            shape_m = outlines[iso]
            if shape_m is None:
                continue
            lon, lat = item.location
            here = to_metric(shapely.Point(lon, lat))
            if shape_m.distance(here) / 1000.0 <= SWAP_TOLERANCE_KM or not (-90 <= lon <= 90):
                continue
            if shape_m.contains(to_metric(shapely.Point(lat, lon))):
                out.append(
                    Problem(
                        f"{item.id!r} lies outside {iso}, but [{lat}, {lon}] would lie inside: "
                        "latitude and longitude look swapped",
                        (section, i, "location"),
                        hint="coordinates are written [lon, lat]",
                    )
                )
    return out


def line_of_contact_for(geo: Geography) -> LineOfContact:
    """The line of contact of a scenario's geography section (paths already resolved by the loader)."""
    from forceplan.geo.contact import load_line_of_contact

    return load_line_of_contact(
        FsPath(geo.occupied_territory),
        FsPath(geo.outline),
        geo.country,
        geo.aggressor,
        geo.border_tolerance_km,
        geo.min_line_part_km,
    )


def check_document(doc: Any, parts: Parts) -> list[Problem]:
    """Every semantic check: ids and references on the document as written (so a row that failed
    validation is still checked), geography on the sections that validated."""
    return check_duplicates(doc) + check_references(doc) + check_geography(parts)[0]


def check_scenario(sc: Scenario) -> list[Problem]:
    """Every semantic check on a complete scenario (for scenarios built in code)."""
    doc = sc.model_dump(mode="json")
    return check_document(doc, {name: getattr(sc, name) for name in Scenario.model_fields})


def line_of_contact(sc: Scenario) -> LineOfContact:
    """The scenario's line of contact (cached)."""
    return line_of_contact_for(sc.geography)
