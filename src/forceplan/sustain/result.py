"""The sustain result: a versioned JSON schema (docs/schemas/sustain.schema.json). No wall-clock times, so the
same inputs give byte-identical JSON."""

from __future__ import annotations

from pydantic import Field

from forceplan.results import Out, versioned_schema

SCHEMA_ID = "forceplan.sustain/1"


class CapabilityGap(Out):
    capability: str
    name: str
    units: int = Field(description="Units short of the requirement")


class MonthResult(Out):
    month: int = Field(description="Month after the ceasefire, from 1")
    year: int = Field(description="Year after the ceasefire, from 1")
    personnel_required: int = Field(description="Slots required this month × their capability's typical personnel")
    personnel_deployed: int = Field(description="Personnel of the units matched this month")
    units_required: int
    units_matched: int
    shortfall_units: int
    shortfall_personnel: int = Field(description="Units short × their capability's typical personnel")
    gaps: list[CapabilityGap]
    handover: bool = Field(description="A new tour of a matched pledge starts this month (reduced readiness)")
    rotating_personnel: int = Field(description="Personnel of the units handing over this month")
    overlap_personnel: int = Field(
        description="Extra personnel in theatre while incoming and outgoing units overlap (for overlap_days)"
    )
    solved: bool = Field(description="This month needed its own force-generation solve (else: an equal month's)")


class PledgeRotation(Out):
    pledge: str
    nation: str
    nation_name: str
    capability: str
    capability_name: str
    force: str = Field(description="regular, reserve or conscript")
    units: int = Field(description="Units pledged")
    tour_months: float
    dwell_ratio: float
    overlap_days: float
    rotations: int | None = Field(description="Tours offered; none: unlimited")
    pool_units: int = Field(description="Units the nation must hold to keep the pledge in theatre for good")
    pool_personnel: int
    first_month: int | None = Field(description="First month matched; none: never matched in the horizon")
    last_month: int | None = Field(description="Last month the pledge can be in theatre within the horizon")
    ends_because: str | None = Field(description="'rotations run out', 'window ends' or none (lasts the horizon)")
    renewal_months: list[int] = Field(description="Months its renewal falls due (after its first matched month)")


class NationPool(Out):
    nation: str
    name: str
    pool_units: int = Field(description="Units held for its matched pledges (deployed, recovering, training)")
    pool_personnel: int
    deployed_personnel_peak: int
    runs_out_month: int | None = Field(description="First month one of its matched pledges can no longer be filled")
    pledges_running_out: list[str]
    reason: str | None


class NationCost(Out):
    nation: str
    name: str
    year: int
    person_years: float = Field(description="Personnel deployed, in person-years")
    personnel_usd: float
    operations_usd: float
    transport_usd: float
    rotation_usd: float = Field(description="Total cost with rotations (personnel + operations + transport)")
    stationing_usd: float = Field(description="Total cost if the same units were stationed forward instead")
    usd_per_capita: float = Field(description="Rotation cost per inhabitant")
    share_of_gdp: float = Field(description="Rotation cost ÷ GDP (a fraction)")
    personnel_per_million_population: float = Field(description="Average personnel deployed per million people")
    uncosted_capabilities: list[str] = Field(description="Capabilities without a cost rate: left out of the cost")


class YearCost(Out):
    year: int
    rotation_usd: float
    stationing_usd: float


class Request(Out):
    rank: int
    kind: str = Field(description="one more rotation, extend the window, a second unit, a substitute")
    nation: str
    nation_name: str
    capability: str
    capability_name: str
    pledge: str | None
    units: int
    months: list[int] = Field(description="Gap months the request would cover")
    unit_months: int = Field(description="Gap units covered, summed over the months")
    pool_units: int = Field(description="Extra units the nation must hold to sustain the request")
    detail: str


class ThreatAtHandover(Out):
    threat: str
    name: str
    p_normal: float = Field(description="P(objective reached) with the month's force at full readiness")
    p_handover: float = Field(description="P with the rotating units' combat power scaled by handover_readiness")


class HandoverAssessment(Out):
    month: int
    rotating_personnel: int
    readiness: float
    trials: int
    seed: int
    threats: list[ThreatAtHandover]


class SustainResult(Out):
    schema_id: str = Field(SCHEMA_ID, alias="schema", description="Schema identifier and version")
    scenario: str
    scenario_digest: str
    years: int
    months: list[MonthResult]
    first_gap_month: int | None = Field(description="First month with any shortfall")
    first_lapse_gap_month: int | None = Field(
        description="First month the shortfall grows while the requirement stays the same (pledges lapsing)"
    )
    worst_month: int | None = Field(description="Month with the largest shortfall in personnel")
    first_run_out: NationPool | None = Field(description="The nation whose pool runs out first")
    pledges: list[PledgeRotation]
    nations: list[NationPool] = Field(description="Nations in the order their pools run out")
    costs: list[NationCost]
    cost_by_year: list[YearCost]
    cost_illustrative: bool = Field(description="Whether any cost rate used is illustrative")
    requests: list[Request]
    handover_assessment: HandoverAssessment | None
    distinct_solves: int = Field(description="Force-generation MILPs solved (equal months share one)")
    messages: list[str]

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)


def json_schema() -> dict[str, object]:
    return versioned_schema(SustainResult, SCHEMA_ID)
