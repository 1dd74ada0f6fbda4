"""Incidents: read ACLED-style CSV, JSON or GeoJSON; every malformed row reported with its number and reason.

ACLED columns: ``event_id_cnty, event_date, event_type, sub_event_type, actor1, actor2, admin1, location,
latitude, longitude, geo_precision, source, notes, fatalities``. Monitor fields in the manner of OSCE reports:
``observer_lon, observer_lat, bearing_deg, distance_km`` (the position is then computed geodesically from the
observer), ``weapon_class, calibre_mm, time_precision``. ``event_date`` may be a date (taken as 00:00 UTC) or an
ISO 8601 date-time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyproj
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from forceplan.fsutil import MAX_INCIDENT_BYTES, InputFileError, loads_json_checked, read_text_checked

GEOD = pyproj.Geod(ellps="WGS84")
ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
)
MONITOR_COLUMNS = (
    "observer_lon",
    "observer_lat",
    "bearing_deg",
    "distance_km",
    "weapon_class",
    "calibre_mm",
    "time_precision",
)


class Incident(BaseModel):
    """One reported incident, positioned (lon, lat) in WGS84."""

    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)

    event_id: str
    time: dt.datetime = Field(description="UTC")
    event_type: str = ""
    sub_event_type: str = ""
    actor1: str = ""
    actor2: str = ""
    admin1: str = ""
    location: str = ""
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    geo_precision: int | None = None
    source: str = ""
    notes: str = ""
    fatalities: int = Field(0, ge=0, le=1_000_000)
    weapon_class: str = ""
    calibre_mm: float | None = Field(None, gt=0, le=2_000)
    time_precision: str = ""
    located_by: str = Field("coordinates", description="'coordinates' or 'observer bearing and distance'")

    @field_validator("time")
    @classmethod
    def _utc(cls, v: dt.datetime) -> dt.datetime:
        return v.replace(tzinfo=dt.UTC) if v.tzinfo is None else v.astimezone(dt.UTC)


class _Row(BaseModel):
    """A raw row, before positioning."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    event_id_cnty: str | None = None
    event_date: dt.datetime | dt.date
    event_type: str = ""
    sub_event_type: str = ""
    actor1: str = ""
    actor2: str = ""
    admin1: str = ""
    location: str = ""
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    geo_precision: int | None = None
    source: str = ""
    notes: str = ""
    fatalities: int = Field(0, ge=0, le=1_000_000)
    observer_lon: float | None = Field(None, ge=-180, le=180)
    observer_lat: float | None = Field(None, ge=-90, le=90)
    bearing_deg: float | None = Field(None, ge=0, lt=360)
    distance_km: float | None = Field(None, ge=0, le=500)
    weapon_class: str = ""
    calibre_mm: float | None = Field(None, gt=0, le=2_000)
    time_precision: str = ""

    @model_validator(mode="after")
    def _position(self) -> _Row:
        has_xy = self.latitude is not None and self.longitude is not None
        obs = (self.observer_lon, self.observer_lat, self.bearing_deg, self.distance_km)
        if not has_xy and any(v is None for v in obs):
            raise ValueError("needs latitude and longitude, or observer_lon, observer_lat, bearing_deg, distance_km")
        return self


@dataclass(frozen=True)
class Rejected:
    row: int
    reason: str


def content_id(row: dict[str, Any]) -> str:
    """An id for an incident without one: the SHA-256 of its content (first 16 hex digits)."""
    body = json.dumps({k: row[k] for k in sorted(row) if row[k] not in (None, "")}, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()[:16]


def _raw_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    text = read_text_checked(path, MAX_INCIDENT_BYTES, "incident file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        try:
            return [
                (i, {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if isinstance(k, str)})
                for i, row in enumerate(reader, start=2)
            ]
        except csv.Error as exc:
            raise InputFileError(f"{path}:{reader.line_num}: unreadable CSV row ({exc})") from None
    doc = loads_json_checked(text, path, "incident file")
    if suffix == ".geojson" or (isinstance(doc, dict) and doc.get("type") == "FeatureCollection"):
        if not isinstance(doc, dict) or not isinstance(doc.get("features", []), list):
            raise InputFileError(f"{path}: expected a GeoJSON FeatureCollection with a list of features")
        out = []
        for i, f in enumerate(doc.get("features", []), start=1):
            if not isinstance(f, dict):
                raise InputFileError(f"{path}: feature {i} is not an object")
            props = f.get("properties") or {}
            props = dict(props) if isinstance(props, dict) else {}
            geom = f.get("geometry") or {}
            coords = geom.get("coordinates") if isinstance(geom, dict) else None
            if isinstance(geom, dict) and geom.get("type") == "Point" and isinstance(coords, list) and len(coords) >= 2:
                props.setdefault("longitude", coords[0])
                props.setdefault("latitude", coords[1])
            out.append((i, props))
        return out
    if isinstance(doc, list):
        items = doc
    elif isinstance(doc, dict) and isinstance(doc.get("incidents", []), list):
        items = doc.get("incidents", [])
    else:
        raise InputFileError(
            f"{path}: expected a list of incident objects, or an object with an 'incidents' list "
            f"(found {type(doc).__name__})"
        )
    bad = [i for i, item in enumerate(items, start=1) if not isinstance(item, dict)]
    if bad:
        raise InputFileError(f"{path}: item {bad[0]} is not an object (each incident is a JSON object)")
    return [(i, dict(item)) for i, item in enumerate(items, start=1)]


def read_incidents(path: Path) -> tuple[list[Incident], list[Rejected], int]:
    """Valid incidents, rejected rows (row number: CSV line, or 1-based item/feature index) and rows read."""
    try:
        rows = _raw_rows(path)
    except InputFileError as exc:
        raise ValueError(str(exc)) from None
    return incidents_from_rows(rows)


def incidents_from_rows(rows: list[tuple[int, dict[str, Any]]]) -> tuple[list[Incident], list[Rejected], int]:
    """Valid incidents and rejected rows from (row number, fields) pairs: the same rules whether the rows came from
    a file or from a request."""
    good: list[Incident] = []
    bad: list[Rejected] = []
    for n, raw in rows:
        clean = {k: v for k, v in raw.items() if v not in ("", None)}
        try:
            row = _Row.model_validate(clean)
        except ValidationError as exc:
            e = exc.errors(include_url=False)[0]
            where = ".".join(str(x) for x in e["loc"]) or "row"
            bad.append(Rejected(n, f"{where}: {e['msg'].removeprefix('Value error, ')}"))
            continue
        if row.latitude is not None and row.longitude is not None:
            lon, lat, how = row.longitude, row.latitude, "coordinates"
        else:
            assert row.observer_lon is not None and row.observer_lat is not None  # checked by _Row
            assert row.bearing_deg is not None and row.distance_km is not None
            lon, lat, _ = GEOD.fwd(row.observer_lon, row.observer_lat, row.bearing_deg, row.distance_km * 1000.0)
            how = "observer bearing and distance"
        when = (
            row.event_date
            if isinstance(row.event_date, dt.datetime)
            else dt.datetime.combine(row.event_date, dt.time(0, 0))
        )
        try:
            good.append(
                Incident(
                    event_id=row.event_id_cnty or content_id(clean),
                    time=when,
                    event_type=row.event_type,
                    sub_event_type=row.sub_event_type,
                    actor1=row.actor1,
                    actor2=row.actor2,
                    admin1=row.admin1,
                    location=row.location,
                    lon=float(lon),
                    lat=float(lat),
                    geo_precision=row.geo_precision,
                    source=row.source,
                    notes=row.notes,
                    fatalities=row.fatalities,
                    weapon_class=row.weapon_class.lower(),
                    calibre_mm=row.calibre_mm,
                    time_precision=row.time_precision,
                    located_by=how,
                )
            )
        except ValidationError as exc:
            bad.append(Rejected(n, exc.errors(include_url=False)[0]["msg"]))
    return good, bad, len(rows)
