"""The response-timelines result: a versioned JSON schema (docs/schemas/respond.schema.json)."""

from __future__ import annotations

from pydantic import Field

from forceplan.results import Out, versioned_schema

SCHEMA_ID = "forceplan.respond/1"


class Quantiles(Out):
    p10: float | None = Field(description="10th percentile over trials, hours (None: never within the run)")
    p50: float | None
    p90: float | None


class OptionCard(Out):
    option: str = Field(description="in_theatre, reinforcements, air_power, long_range_fires, stockpile_release, naval")
    elements: int = Field(description="Elements that can act on this axis")
    unreachable: int = Field(description="Elements out of range or barred by a caveat")
    combat_power: float = Field(description="Power the reachable elements add (air: per day of sorties), P50")
    first_effect_h: Quantiles
    half_power_h: Quantiles
    full_power_h: Quantiles


class ElementTiming(Out):
    id: str
    option: str
    label: str
    nation: str | None
    combat_power: float
    reachable: bool
    surge: bool
    effect_h: Quantiles
    note: str


class Bottleneck(Out):
    node: str
    name: str
    throughput_personnel_per_day: float
    units_queued: int
    personnel: int
    max_wait_h: Quantiles = Field(description="Longest queue wait at the node, hours")
    mean_wait_h: float = Field(description="Mean wait per unit over trials, hours")


class Curve(Out):
    hours: list[int]
    p10: list[float]
    p50: list[float]
    p90: list[float]


class ThreatResponse(Out):
    threat: str
    name: str
    warning_time_h: float
    defender_combat_power_h0: float
    options: list[OptionCard]
    elements: list[ElementTiming]
    bottlenecks: list[Bottleneck]
    withheld: list[str] = Field(
        default_factory=list, description="Units that stay behind (guards of protected sites) or are of no use here"
    )
    buildup: Curve = Field(description="Defender combat power on the axis, hourly over 30 days")


class RespondResult(Out):
    schema_id: str = Field(SCHEMA_ID, alias="schema")
    scenario: str
    scenario_digest: str
    seed: int
    trials: int
    deterministic: bool
    decision_delay_h: float | None = Field(description="Fixed decision delay of a what-if; None: the distribution")
    us_backstop: bool
    without: list[str]
    parameters: dict[str, str] = Field(description="Every distribution used, as text")
    threats: list[ThreatResponse]

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)


def json_schema() -> dict[str, object]:
    return versioned_schema(RespondResult, SCHEMA_ID)
