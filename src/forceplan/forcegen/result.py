"""The force-generation result: a versioned JSON schema (docs/schemas/forcegen.schema.json).

Results hold no wall-clock times, so the same inputs give byte-identical JSON.
"""

from __future__ import annotations

from pydantic import Field

from forceplan.results import Out, SolveStage, versioned_schema

SCHEMA_ID = "forceplan.forcegen/1"


class Assignment(Out):
    pledge: str
    nation: str
    slot: str
    units: int
    personnel: int


class ShortfallReason(Out):
    code: str = Field(
        description="no_pledge, without, status, notice, window, caveat:<name>, used_elsewhere, "
        "not_enough_units, personnel_cap, nation_share_cap"
    )
    detail: str
    pledges: list[str] = Field(default_factory=list, description="Pledges this reason concerns")
    units: int = Field(0, description="Pledged units this reason keeps out of the slot")


class SlotResult(Out):
    slot: str
    capability: str
    phase: str
    roles: list[str]
    priority_weight: float
    required_units: int
    filled_units: int
    fill_fraction: float
    personnel: int
    combat_power: float = Field(description="Battalion-equivalents matched to the slot")
    assignments: list[Assignment]
    shortfall_units: int
    shortfall_reasons: list[ShortfallReason]


class UnusedPledge(Out):
    pledge: str
    nation: str
    capability: str
    status: str
    units_unused: int
    personnel_unused: int
    reasons: list[ShortfallReason]


class Totals(Out):
    personnel_required: int = Field(description="Slots' units × the capability's typical personnel")
    personnel_cap: int
    personnel_offered: int = Field(description="Personnel of the pledges counted in this case")
    personnel_matched: int
    units_required: int
    units_matched: int
    fill_fraction: float = Field(description="Units matched ÷ units required")
    weighted_fill_fraction: float = Field(description="Σ weight × units matched ÷ Σ weight × units required")
    shortfall_units: int
    nations_pledging: int = Field(description="Nations with at least one counted pledge")
    nations_contributing: int = Field(description="Nations with at least one matched unit")
    combat_power_matched: float


class ReadinessPoint(Out):
    day: int = Field(description="Days after the order to move")
    personnel: int = Field(description="Matched personnel whose notice-to-move is at most this many days")
    fraction: float


class NationBurden(Out):
    nation: str
    name: str
    personnel_offered: int
    personnel_matched: int
    share: float = Field(description="Share of matched personnel")
    per_million_population: float = Field(description="Matched personnel per million inhabitants")
    per_usd_bn_gdp: float = Field(description="Matched personnel per USD bn of GDP")


class LifecycleRow(Out):
    status: str
    pledges: int
    units: int
    personnel_offered: int
    personnel_matched: int
    fraction_of_offered: float = Field(description="This status's share of all personnel offered")


class CaseOptions(Out):
    min_status: str
    without: list[str]
    us_backstop: bool
    max_personnel: int
    max_nation_share: float | None


class CaseSummary(Out):
    label: str
    options: CaseOptions
    optimal: bool
    fill_fraction: float
    weighted_fill_fraction: float
    personnel_matched: int
    units_matched: int
    shortfall_units: int
    nations_contributing: int
    top_shortfalls: list[str] = Field(description="Slots with the largest shortfalls, 'slot: n units'")


class ForcegenResult(Out):
    schema_id: str = Field(SCHEMA_ID, alias="schema", description="Schema identifier and version")
    scenario: str
    scenario_digest: str = Field(description="SHA-256 of the scenario's canonical content")
    options: CaseOptions
    solve: list[SolveStage]
    optimal: bool = Field(description="Every stage proven optimal")
    totals: Totals
    slots: list[SlotResult]
    unused: list[UnusedPledge]
    readiness: list[ReadinessPoint]
    burden: list[NationBurden]
    lifecycle: list[LifecycleRow]
    assignments: list[Assignment]
    messages: list[str] = Field(default_factory=list, description="Plain-language notes on the inputs")
    cases: list[CaseSummary] = Field(default_factory=list, description="What-if cases run beside this one")

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)


def json_schema() -> dict[str, object]:
    return versioned_schema(ForcegenResult, SCHEMA_ID)
