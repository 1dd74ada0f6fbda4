"""The stationing result: a versioned JSON schema (docs/schemas/stationing.schema.json)."""

from __future__ import annotations

from pydantic import Field

from forceplan.results import Out, SolveStage, versioned_schema

SCHEMA_ID = "forceplan.stationing/1"
REACH_HOURS = (6, 12, 24, 48)


class Placement(Out):
    pledge: str
    nation: str
    capability: str
    slot: str
    site: str
    units: int
    personnel: int
    combat_power: float


class Garrison(Out):
    site: str
    name: str
    kind: str
    country: str
    location: tuple[float, float] = Field(description="[lon, lat]")
    distance_to_line_km: float
    distance_to_occupied_km: float = Field(description="To the occupied territory (0 inside), km")
    distance_to_border_km: dict[str, float] = Field(
        description="To the aggressor's and each hostile state's territory (Natural Earth 1:50m), km"
    )
    units: int
    personnel: int
    capacity_personnel: int
    combat_power: float
    nations: list[str]
    placements: list[Placement]


class Coverage(Out):
    site: str
    name: str
    priority_weight: float
    radius_km: float
    required_combat_power: float
    combat_power_within_radius: float
    covered: bool
    covered_by: list[str] = Field(description="Garrison sites within the radius")
    reason: str | None = Field(
        None, description="Why not covered: no_site, capacity, force_too_small, used_elsewhere, occupied"
    )
    detail: str | None = None


class AxisReach(Out):
    threat: str
    name: str
    weight: float
    combat_power_by_hour: dict[str, float] = Field(description="Combat power able to arrive by road within h hours")
    nearest_garrison: str | None
    nearest_hours: float | None


class Unplaced(Out):
    pledge: str
    nation: str
    capability: str
    slot: str
    units: int
    reason: str
    detail: str


class HeldWarship(Out):
    pledge: str
    nation: str
    capability: str
    units: int
    combat_power: float
    stationed_outside: int = Field(description="Units stationed at sites outside the Straits (the rest unplaced)")


class SiteRef(Out):
    site: str
    name: str


class Montreux(Out):
    """What the Montreux Convention does to the laydown: warships of states outside the Black Sea (and not in
    ``straits_open_to``) may not be stationed beyond the Straits."""

    open_to: list[str] = Field(description="Nations besides the Black Sea states whose warships may pass")
    held: list[HeldWarship] = Field(description="Warships refused every station beyond the Straits")
    uncovered: list[SiteRef] = Field(
        description="Protected sites covered when the same laydown is solved without the rule, uncovered with it"
    )


class StationingResult(Out):
    schema_id: str = Field(SCHEMA_ID, alias="schema")
    scenario: str
    scenario_digest: str
    standoff_km: float
    line_of_contact_km: float
    solve: list[SolveStage]
    optimal: bool
    units_total: int
    units_placed: int
    personnel_placed: int
    garrisons: list[Garrison]
    coverage: list[Coverage]
    reach: list[AxisReach]
    unplaced: list[Unplaced]
    montreux: Montreux = Field(
        default_factory=lambda: Montreux(open_to=[], held=[], uncovered=[]),
        description="Warships held outside the Straits and what that leaves uncovered (absent in older results)",
    )
    parameters: dict[str, float] = Field(description="Values used: road circuity factor (mode), standoffs")

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)


def json_schema() -> dict[str, object]:
    return versioned_schema(StationingResult, SCHEMA_ID)
