"""The scenario input model (pydantic v2, frozen).

Every field carries its unit in its name and in its description. Coordinates are ``(lon, lat)`` in WGS84.
Cross-references between sections (a pledge's nation, a slot's phase ...) are checked by
:mod:`forceplan.scenario.checks`, not here, so that one bad reference never hides another problem.
"""

from __future__ import annotations

import datetime as dt
import itertools
from enum import StrEnum
from typing import Annotated, Any, Literal

import pycountry
from pydantic import (
    AfterValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from forceplan.scenario.base import (  # re-exported: other modules import them from here
    MAX_ABS_NUMBER,
    SUFFIX_LIMITS,
    Frozen,
    FrozenPlain,
    Id,
    check_number,
)
from forceplan.scenario.sustain import ForceKind, RotationPolicy, Sustain, check_overlap

__all__ = ["MAX_ABS_NUMBER", "SUFFIX_LIMITS", "FrozenPlain", "check_number"]

SCHEMA_VERSION = 1


# ---------------------------------------------------------------------------------------------- primitives


def _check_lonlat(v: tuple[float, float]) -> tuple[float, float]:
    lon, lat = v
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"longitude {lon} is outside [-180, 180]; coordinates are written [lon, lat]")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude {lat} is outside [-90, 90]; coordinates are written [lon, lat]")
    return (float(lon), float(lat))


LonLat = Annotated[tuple[float, float], AfterValidator(_check_lonlat)]
"""A WGS84 position written ``[lon, lat]`` in decimal degrees."""


def _check_iso3(v: str) -> str:
    code = v.strip().upper()
    if pycountry.countries.get(alpha_3=code) is None:
        raise ValueError(f"{v!r} is not an ISO 3166-1 alpha-3 country code (for example FRA, GBR, UKR)")
    return code


Iso3 = Annotated[str, AfterValidator(_check_iso3)]


class Domain(StrEnum):
    land = "land"
    air = "air"
    maritime = "maritime"
    enabler = "enabler"


class MoveMode(StrEnum):
    road = "road"
    rail = "rail"
    air = "air"
    sea = "sea"


class PledgeStatus(StrEnum):
    offered = "offered"
    verified = "verified"
    committed = "committed"
    deployed = "deployed"
    withdrawn = "withdrawn"


#: The order of the pledge lifecycle; ``withdrawn`` can follow any stage.
STATUS_ORDER: tuple[PledgeStatus, ...] = (
    PledgeStatus.offered,
    PledgeStatus.verified,
    PledgeStatus.committed,
    PledgeStatus.deployed,
)


class Role(StrEnum):
    frontline = "frontline"
    protection = "protection"
    qrf = "qrf"
    air = "air"
    maritime = "maritime"
    training = "training"
    logistics = "logistics"
    isr = "isr"
    air_defence = "air_defence"
    strike = "strike"
    command = "command"


class SiteKind(StrEnum):
    npp = "npp"
    port = "port"
    airport = "airport"
    airbase = "airbase"
    city = "city"
    logistics_hub = "logistics_hub"
    border_crossing = "border_crossing"
    depot = "depot"
    sea_station = "sea_station"


class Source(Frozen):
    """Where a figure comes from."""

    id: Id
    citation: str = Field(description="Full citation: author or organisation, title, date, and where to find it")
    licence: str | None = Field(None, description="Licence of the data, where it is data")


# ---------------------------------------------------------------------------------------------- nations


class Nation(Frozen):
    iso3: Iso3 = Field(description="ISO 3166-1 alpha-3 code")
    name: str
    population_millions: float = Field(gt=0, description="Population, millions of people")
    gdp_usd_bn: float = Field(gt=0, description="Gross domestic product, current US dollars, billions")
    gdp_year: int = Field(ge=1990, le=2100, description="Year the GDP figure refers to")
    memberships: tuple[Literal["NATO", "EU", "JEF", "Commonwealth", "UN"], ...] = Field(
        (), description="Organisations the nation belongs to"
    )
    source: str | None = Field(None, description="Source id or citation for population and GDP")


# ---------------------------------------------------------------------------------------------- capabilities


class AirSpec(Frozen):
    combat_radius_km: float = Field(gt=0, description="Combat radius on a typical mission profile, km")
    sortie_turnaround_h: float = Field(gt=0, description="Ground time between sorties (re-arm, refuel), hours")
    aircraft_per_unit: int = Field(gt=0, description="Aircraft in one unit (squadron), aircraft")
    cruise_kmh: float = Field(800.0, gt=0, description="Cruise speed to and from the target area, km/h")
    mission_h: float = Field(1.0, ge=0, description="Time on station or over the target per sortie, hours")
    combat_power_per_sortie: float = Field(
        0.0,
        ge=0,
        description="Unused since the attrition model (air strikes the attacker: parameter "
        "air_attrition_per_sortie); kept so older scenarios load",
    )
    attack_sorties: bool = Field(True, description="Whether its sorties attack ground forces (false: ISR, tankers)")
    radius_extension_km: float | None = Field(
        None, gt=0, description="A tanker: how far one refuelling extends a supported fighter's combat radius, km"
    )
    supports_units: int = Field(2, gt=0, description="A tanker unit: how many fighter units it can support")


class FiresSpec(Frozen):
    range_km: float = Field(gt=0, description="Maximum range of the weapon, km")
    launch_prep_h: float = Field(ge=0, description="Time from the order to the first launch, hours")
    missile_kmh: float = Field(gt=0, description="Average speed of the munition in flight, km/h")
    salvo_munitions: int = Field(4, gt=0, description="Munitions one unit launches in one salvo, munitions")
    salvos_per_day: float = Field(2.0, gt=0, description="Salvos one unit fires a day while stocks last")
    stock_munitions: int = Field(24, ge=0, description="Munitions one unit has for the first 30 days, munitions")


class TransportSpec(Frozen):
    lifts_units: int = Field(gt=0, description="Tracked units (battalions) one unit of transporters carries at once")
    road_kmh: float = Field(gt=0, description="Road speed of the loaded transporters, halts included, km/h")


class NavalSpec(Frozen):
    transit_kmh: float = Field(gt=0, description="Sustained transit speed, km/h (1 knot = 1.852 km/h)")


class Capability(Frozen):
    id: Id
    name: str
    domain: Domain
    personnel_per_unit: int = Field(gt=0, description="Typical personnel in one unit, personnel")
    combat_power_per_unit: float = Field(
        ge=0, description="Combat-power score of one unit, in mechanised-battalion equivalents"
    )
    road_march_kmh: float | None = Field(
        None, gt=0, description="Effective road march speed of a unit column, halts included, km/h"
    )
    strategic_move: MoveMode = Field(description="How the unit moves from its home base to theatre")
    roles: tuple[Role, ...] = Field((), description="Roles this capability can fill")
    fills: tuple[Id, ...] = Field(
        (), description="Other capabilities whose slots this one may fill (a Typhoon squadron fills a fighter slot)"
    )
    tracked: bool = Field(False, description="Tracked vehicles: long road moves go on transporters when there are any")
    air: AirSpec | None = None
    fires: FiresSpec | None = None
    naval: NavalSpec | None = None
    transport: TransportSpec | None = Field(None, description="Heavy-equipment transporters")
    source: str | None = Field(None, description="Source of the unit size and speeds")

    @model_validator(mode="after")
    def _domain_specs(self) -> Capability:
        if self.domain is Domain.air and self.air is None:
            raise ValueError("an air capability needs an 'air' block (combat_radius_km, sortie_turnaround_h ...)")
        if self.domain is Domain.maritime and self.naval is None:
            raise ValueError("a maritime capability needs a 'naval' block (transit_kmh)")
        if self.air is not None and self.domain is not Domain.air:
            raise ValueError("only an air capability may have an 'air' block")
        if self.domain in (Domain.land, Domain.enabler) and self.road_march_kmh is None:
            raise ValueError("a land or enabler capability needs road_march_kmh")
        return self


# ---------------------------------------------------------------------------------------------- pledges


class Caveats(Frozen):
    """National caveats: restrictions a nation attaches to its pledge. Each rule is in docs/model.md."""

    no_frontline: bool = Field(False, description="Never assigned to a slot tagged 'frontline'")
    standoff_km: float | None = Field(
        None, ge=0, le=2000, description="Stationed at least this far from the line of contact, km"
    )
    max_duration_days: float | None = Field(None, gt=0, le=3650, description="Longest deployment accepted, days")
    from_phase: str | None = Field(None, description="Phase id: available from this phase on, not before")
    requires_us_backstop: bool = Field(False, description="Deploys only if a US backstop is assumed")
    national_approval_h: float | None = Field(
        None, ge=0, le=720, description="Extra national decision time before the unit may act, hours"
    )
    no_offensive_strikes: bool = Field(False, description="Never strikes targets behind the aggressor's line")
    air_only: bool = Field(False, description="Only fills slots tagged 'air'")
    station_countries: tuple[Iso3, ...] | None = Field(
        None, description="Countries where the unit may be stationed (ISO3); default: any"
    )
    excluded_roles: tuple[Role, ...] = Field((), description="Slot roles the nation refuses")


class Pledge(Frozen):
    id: Id
    nation: Iso3 = Field(description="Contributing nation, ISO3")
    capability: Id = Field(description="Capability id from the catalogue")
    quantity: int = Field(gt=0, le=1000, description="Number of units pledged, units")
    personnel_per_unit: int = Field(gt=0, le=20_000, description="Personnel in one pledged unit, personnel")
    notice_to_move_days: float = Field(ge=0, le=365, description="Time from the order until the unit can move, days")
    home_base: LonLat | Id = Field(description="[lon, lat], or the id of a place or site")
    caveats: Caveats = Field(default_factory=Caveats)
    status: PledgeStatus = PledgeStatus.offered
    status_dates: dict[PledgeStatus, dt.date] = Field(
        default_factory=dict, description="Date each status was reached (ISO 8601)"
    )
    available_from_day: float = Field(0.0, ge=0, le=3650, description="First day available, days after the ceasefire")
    available_until_day: float | None = Field(
        None, gt=0, le=3650, description="Last day available, days after the ceasefire; none means open-ended"
    )
    note: str | None = Field(None, max_length=2000)
    force: ForceKind = Field(ForceKind.regular, description="Kind of force: regular, reserve or conscript")
    rotation: RotationPolicy = Field(
        default_factory=RotationPolicy, description="Rotation policy; unset fields take the scenario's defaults"
    )

    @model_validator(mode="after")
    def _window_and_dates(self) -> Pledge:
        r = self.rotation
        if r.tour_months is not None and r.overlap_days is not None:
            check_overlap(r.tour_months, r.overlap_days)
        if self.available_until_day is not None and self.available_until_day <= self.available_from_day:
            raise ValueError("available_until_day must be later than available_from_day")
        ordered = [s for s in STATUS_ORDER if s in self.status_dates]
        for a, b in itertools.pairwise(ordered):
            if self.status_dates[b] < self.status_dates[a]:
                raise ValueError(f"status_dates: {b.value} ({self.status_dates[b]}) is before {a.value}")
        if self.status is not PledgeStatus.withdrawn:
            later = [s for s in self.status_dates if s is not PledgeStatus.withdrawn and _rank(s) > _rank(self.status)]
            if later:
                raise ValueError(f"status is {self.status.value} but a date is given for {later[0].value}")
        return self


def _rank(s: PledgeStatus) -> int:
    return STATUS_ORDER.index(s) if s in STATUS_ORDER else len(STATUS_ORDER)


class Materiel(Frozen):
    id: Id
    item: str = Field(description="What is stocked, e.g. '155 mm howitzer'")
    nation: Iso3 | None = Field(None, description="Donor nation, ISO3")
    quantity: int = Field(gt=0, le=100_000, description="Number of items, items")
    depot: LonLat | Id = Field(description="[lon, lat], or the id of a site of kind 'depot'")
    combat_power_per_item: float = Field(
        ge=0, le=10, description="Combat power once handed over and crewed, battalion-equivalents per item"
    )
    release_prep_h: float = Field(ge=0, le=8760, description="Time from the release decision until loaded, hours")
    transport_kmh: float = Field(40.0, gt=0, le=200, description="Road transport speed from the depot, km/h")
    source: str | None = None


# ---------------------------------------------------------------------------------------------- requirement


class Slot(Frozen):
    id: Id
    capability: Id
    quantity: int = Field(gt=0, description="Units required, units")
    max_notice_to_move_days: float = Field(ge=0, description="Slowest acceptable notice-to-move, days")
    priority_weight: float = Field(1.0, gt=0, description="Weight of one filled unit in the objective")
    roles: tuple[Role, ...] = Field((), description="Role tags of the slot")
    phase: Id = Field(description="Phase id in which the slot must be filled")
    duration_days: float = Field(gt=0, description="How long the slot must be filled, days")


class Requirement(Frozen):
    max_personnel: int = Field(30_000, gt=0, description="Cap on the personnel of the whole force, personnel")
    max_nation_share: float | None = Field(
        None, gt=0, le=1, description="Cap on one nation's share of matched personnel (0-1); none: no cap"
    )
    slots: tuple[Slot, ...] = ()
    source: str | None = None


# ---------------------------------------------------------------------------------------------- sites


class Protection(Frozen):
    priority_weight: float = Field(gt=0, description="Weight of covering this site in the objective")
    radius_km: float = Field(gt=0, description="Forces within this distance protect the site, km")
    required_combat_power: float = Field(
        gt=0, description="Combat power needed within the radius, battalion-equivalents"
    )


class Site(Frozen):
    id: Id
    name: str
    kind: SiteKind
    location: LonLat
    country: Iso3
    capacity_personnel: int = Field(0, ge=0, description="Personnel the site can house; 0: not a station")
    station: bool = Field(False, description="Candidate station for coalition units")
    protection: Protection | None = Field(None, description="Set when the site is to be protected")
    throughput_personnel_per_day: float | None = Field(
        None, gt=0, description="Entry-node throughput for arriving forces, personnel per day"
    )
    source: str | None = None

    @model_validator(mode="after")
    def _station_capacity(self) -> Site:
        if self.station and self.capacity_personnel <= 0:
            raise ValueError("a station needs capacity_personnel > 0")
        return self


class Place(Frozen):
    """A named point that is not a site: home garrisons, assembly areas."""

    id: Id
    name: str
    location: LonLat
    country: Iso3
    source: str | None = None


# ---------------------------------------------------------------------------------------------- geography


class Geography(Frozen):
    occupied_territory: str = Field(description="GeoJSON of the occupied territory (path or data: reference)")
    outline: str = Field(description="GeoJSON of country outlines, with an iso_a3 property (Natural Earth)")
    country: Iso3 = Field("UKR", description="The host country, ISO3")
    aggressor: Iso3 = Field("RUS", description="The aggressor, ISO3")
    standoff_km: float = Field(ge=0, description="Minimum distance of a station from the line of contact, km")
    no_frontline_standoff_km: float = Field(
        100.0, ge=0, description="Minimum distance from the line for units with the no_frontline caveat, km"
    )
    border_tolerance_km: float = Field(
        15.0,
        ge=0,
        description="Occupied boundary this close to the outline's border or coast is not front, km",
    )
    min_line_part_km: float = Field(
        50.0, ge=0, description="Line-of-contact fragments shorter than this are dropped, km"
    )
    snapshot_date: dt.date | None = Field(None, description="Date of the occupied-territory snapshot")
    hostile_states: tuple[Iso3, ...] = Field(
        ("BLR",), description="States besides the aggressor whose borders the standoff also keeps units away from"
    )
    border_outline: str = Field(
        "data:geo/naturalearth_50m_region.geojson",
        description="GeoJSON of country outlines for distances to hostile borders (finer than `outline`)",
    )
    straits_open_to: tuple[Iso3, ...] = Field(
        (),
        description="Nations whose warships Turkey lets through the Straits besides the Black Sea states "
        "(Montreux Convention, art. 19: closed to belligerents' warships since 28 February 2022)",
    )
    strikes_into_aggressor: bool = Field(
        False, description="Whether coalition strikes may hit targets in the aggressor's own territory"
    )


# ---------------------------------------------------------------------------------------------- threats


class Arrival(Frozen):
    day: float = Field(ge=0, description="Day after the attack starts, days")
    combat_power: float = Field(gt=0, description="Combat power arriving that day, battalion-equivalents")


DEFAULT_STRENGTH_SPREAD = 0.25
"""Without a stated range, an illustrative strength is uncertain by ±25 % (triangular, the value as mode)."""


def _check_range(value: float, rng: tuple[float, float] | None, name: str) -> None:
    if rng is None:
        return
    lo, hi = rng
    if not lo <= value <= hi or lo >= hi:
        raise ValueError(f"{name}_range [{lo}, {hi}] must satisfy min <= {name} ({value}) <= max and min < max")


def strength_range(value: float, rng: tuple[float, float] | None) -> tuple[float, float, float]:
    """(min, mode, max) of an uncertain strength: the stated range, or ±DEFAULT_STRENGTH_SPREAD."""
    if rng is None:
        return value * (1 - DEFAULT_STRENGTH_SPREAD), value, value * (1 + DEFAULT_STRENGTH_SPREAD)
    return rng[0], value, rng[1]


class AttackerForce(Frozen):
    initial_combat_power: float = Field(gt=0, description="Combat power at H-hour, battalion-equivalents")
    initial_combat_power_range: tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]] | None = Field(
        None,
        description="[min, max] of the initial combat power (triangular, the value as mode), battalion-equivalents; "
        "default ±25 %",
    )
    arrivals: tuple[Arrival, ...] = ()

    @model_validator(mode="after")
    def _range(self) -> AttackerForce:
        _check_range(self.initial_combat_power, self.initial_combat_power_range, "initial_combat_power")
        return self


class Axis(Frozen):
    crosses: Literal["line_of_contact", "border"] = Field(
        "line_of_contact", description="Whether the attack starts across the line of contact or the border"
    )
    start: LonLat = Field(description="Where the attack crosses the line or the border [lon, lat]")
    objective: LonLat | Id = Field(description="Objective: a site id or [lon, lat]")


class Threat(Frozen):
    id: Id
    name: str
    axis: Axis
    attacker: AttackerForce
    defender_combat_power: float = Field(
        ge=0, description="Ukrainian combat power already on the axis, battalion-equivalents"
    )
    defender_combat_power_range: tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(ge=0)]] | None = Field(
        None,
        description="[min, max] of the Ukrainian combat power on the axis (triangular, the value as mode), "
        "battalion-equivalents; default ±25 %",
    )
    warning_time_h: float = Field(
        description="Hours between detection and the attack: positive, attack follows detection"
    )
    weight: float = Field(1.0, gt=0, description="Planning weight of the axis (likelihood x consequence)")
    strike_target: LonLat | None = Field(None, description="Target area behind the aggressor's line [lon, lat]")
    sea_area: LonLat | None = Field(None, description="Threatened sea area for naval responses [lon, lat]")
    domain: Literal["land", "coastal", "sea"] = Field(
        "land", description="land: naval forces add nothing; coastal or sea: they count if they can enter the sea"
    )
    illustrative: bool = True

    @model_validator(mode="after")
    def _range(self) -> Threat:
        _check_range(self.defender_combat_power, self.defender_combat_power_range, "defender_combat_power")
        return self


class Offensive(Frozen):
    """Several threats attacked at once: the force must be shared among their axes."""

    id: Id
    name: str
    threats: tuple[Id, ...] = Field(min_length=2, description="Ids of the threats attacked together")
    illustrative: bool = True


# ---------------------------------------------------------------------------------------------- agreement


class Sector(Frozen):
    id: Id
    name: str
    start: LonLat = Field(description="Point on or near the line where the sector begins")
    end: LonLat = Field(description="Point on or near the line where the sector ends")


class RuleKind(StrEnum):
    weapon_exclusion = "weapon_exclusion"
    no_fly = "no_fly"
    ground_assault = "ground_assault"
    protected_site_strike = "protected_site_strike"
    buffer_presence = "buffer_presence"


class Rule(Frozen):
    id: Id
    kind: RuleKind
    description: str
    weapon_classes: tuple[str, ...] = Field((), description="Weapon classes the rule applies to")
    min_calibre_mm: float | None = Field(None, gt=0, description="Applies at or above this calibre, mm")
    distance_km: float | None = Field(None, ge=0, description="Exclusion distance from the line, km")
    severity: int = Field(ge=1, le=5, description="Severity of a breach, 1 (minor) to 5 (grave)")
    source: str | None = None


class Threshold(Frozen):
    window_h: float = Field(gt=0, description="Rolling window, hours")
    min_count: int = Field(0, ge=0, description="Incidents in the window at or above which the level is reached")
    min_severity: float = Field(0, ge=0, description="Summed severity at or above which the level is reached")


class EscalationLevel(Frozen):
    level: int = Field(ge=1, le=4)
    name: str
    thresholds: tuple[Threshold, ...] = Field(min_length=1, description="Any one reached sets the level")
    options: tuple[str, ...] = Field((), description="Response options this level unlocks")


class Agreement(Frozen):
    buffer_zone_km: float = Field(ge=0, description="Width of the demilitarised zone on each side, km")
    no_fly_km: float = Field(ge=0, description="Military aircraft excluded within this distance, km")
    sectors: tuple[Sector, ...] = ()
    rules: tuple[Rule, ...] = ()
    escalation: tuple[EscalationLevel, ...] = ()
    source: str | None = None

    @field_validator("escalation")
    @classmethod
    def _levels_ordered(cls, v: tuple[EscalationLevel, ...]) -> tuple[EscalationLevel, ...]:
        levels = [e.level for e in v]
        if levels != sorted(set(levels)):
            raise ValueError("escalation levels must be unique and in increasing order")
        return v


# ---------------------------------------------------------------------------------------------- phases


class Gate(Frozen):
    max_escalation_level: int = Field(ge=0, le=4, description="No sector above this level ...")
    consecutive_days: float = Field(gt=0, description="... for this many consecutive days")


class Phase(Frozen):
    id: Id
    name: str
    duration_days: float | None = Field(None, gt=0, description="Planned length, days; none: open-ended")
    forward_air_basing: bool = Field(
        False, description="Whether coalition aircraft may operate from the host country's air bases in this phase"
    )
    gate: Gate | None = Field(None, description="Condition to move on from this phase")
    description: str | None = None


# ---------------------------------------------------------------------------------------------- backstop


class Backstop(Frozen):
    assumed: bool = Field(False, description="Whether the analysis assumes the US backstop")
    assets: tuple[Pledge, ...] = Field((), description="Assets that join only with the backstop")


# ---------------------------------------------------------------------------------------------- parameters


class Fixed(FrozenPlain):
    dist: Literal["fixed"] = "fixed"
    value: float
    unit: str | None = None
    source: str | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _strict(cls, v: Any) -> Any:
        return check_number(v, "value")

    @property
    def mode(self) -> float:
        return self.value


class Triangular(FrozenPlain):
    dist: Literal["triangular"] = "triangular"
    min: float
    mode: float
    max: float
    unit: str | None = None
    source: str | None = None

    @field_validator("min", "mode", "max", mode="before")
    @classmethod
    def _strict(cls, v: Any, info: ValidationInfo) -> Any:
        return check_number(v, info.field_name or "")

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.min <= self.mode <= self.max or self.min == self.max:
            raise ValueError("a triangular distribution needs min <= mode <= max and min < max")
        return self


Distribution = Annotated[Fixed | Triangular, Field(discriminator="dist")]


# ---------------------------------------------------------------------------------------------- scenario


DETERRENCE_THRESHOLD = 0.25
"""Default of ``Scenario.deterrence_threshold``: odds of one in four for the attacker, a policy judgement."""


class Scenario(Frozen):
    """One complete planning scenario. Sections are validated one by one when loaded."""

    schema_version: Literal[1] = Field(description="Version of this format; this is version 1")
    name: str = Field(description="Short name of the scenario")
    description: str = Field("", description="What the scenario represents, in words")
    illustrative: str | None = Field(None, description="What in this scenario is illustrative, in words")
    sources: tuple[Source, ...] = Field((), description="Citations that `source` fields refer to by id")
    nations: tuple[Nation, ...] = Field(min_length=1, description="Contributing (and host) nations")
    capabilities: tuple[Capability, ...] = Field(min_length=1, description="Catalogue of unit types")
    pledges: tuple[Pledge, ...] = Field((), description="What each nation offers (CSV side file allowed)")
    materiel: tuple[Materiel, ...] = Field((), description="Pre-positioned heavy-weapon stockpiles")
    requirement: Requirement = Field(default_factory=Requirement, description="The force requirement (CJSOR)")
    sites: tuple[Site, ...] = Field((), description="Stations, protected sites, entry nodes, depots")
    places: tuple[Place, ...] = Field((), description="Other named points (home bases)")
    geography: Geography = Field(description="Occupied territory, outline and standoff")
    threats: tuple[Threat, ...] = Field((), description="Violation scenarios (axes of attack)")
    offensives: tuple[Offensive, ...] = Field(
        (), description="Simultaneous multi-axis offensives (threat ids attacked together)"
    )
    agreement: Agreement | None = Field(None, description="Ceasefire terms, sectors, rules, escalation")
    phases: tuple[Phase, ...] = Field(min_length=1, description="Phases of the plan, in order")
    backstop: Backstop = Field(default_factory=Backstop, description="The US backstop and its assets")
    parameters: dict[str, Distribution] = Field(
        default_factory=dict, description="Uncertain inputs; names listed under Parameters below"
    )
    deterrence_threshold: float = Field(
        DETERRENCE_THRESHOLD,
        gt=0,
        lt=1,
        description="The attacker's chance of reaching its objective within 30 days below which an axis counts as "
        "deterred (a policy judgement): deterred when the whole interval lies below it, not deterred when the whole "
        "interval lies at or above it, uncertain otherwise",
    )
    sustain: Sustain = Field(
        default_factory=Sustain, description="Rotation defaults, cost model and renewals of a force kept up for years"
    )

    # Lookups: small helpers, computed on demand (models are frozen, so no caching on the instance).
    def nation(self, iso3: str) -> Nation:
        return next(n for n in self.nations if n.iso3 == iso3)

    def capability(self, cid: str) -> Capability:
        return next(c for c in self.capabilities if c.id == cid)

    def site(self, sid: str) -> Site:
        return next(s for s in self.sites if s.id == sid)

    def phase_index(self, pid: str) -> int:
        return [p.id for p in self.phases].index(pid)

    def resolve_point(self, ref: tuple[float, float] | str) -> tuple[float, float]:
        """A ``[lon, lat]`` or the id of a site or place, as ``(lon, lat)``."""
        if isinstance(ref, tuple):
            return ref
        for s in self.sites:
            if s.id == ref:
                return s.location
        for p in self.places:
            if p.id == ref:
                return p.location
        raise KeyError(f"no site or place with id {ref!r}")
