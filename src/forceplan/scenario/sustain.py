"""The scenario's ``sustain`` section and each pledge's rotation policy: how long a force can be kept up, and
what it costs. The models they feed are in :mod:`forceplan.forcegen.sustain` and docs/model.md
("Rotation and cost")."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from forceplan.scenario.base import Frozen, Id

MONTH_DAYS = 365.25 / 12
"""Days in one month of a sustain run (a mean Gregorian month)."""


class ForceKind(StrEnum):
    """Kind of force a pledged unit comes from: its default rotation depends on it."""

    regular = "regular"
    reserve = "reserve"
    conscript = "conscript"


class RotationPolicy(Frozen):
    """A pledge's rotation policy; an unset field takes the scenario's default for the pledge's capability and
    kind of force (``sustain.rotation_defaults``)."""

    tour_months: float | None = Field(None, ge=1, le=36, description="Length of one tour in theatre, months")
    dwell_ratio: float | None = Field(
        None, ge=0, le=10, description="Months at home per month deployed (deployed-to-dwell 1:2 is 2)"
    )
    overlap_days: float | None = Field(
        None, ge=0, le=90, description="Days the incoming and outgoing units are both in theatre at a handover"
    )
    rotations: int | None = Field(
        None, ge=1, le=100, description="Tours the nation offers, the first included; none: as many as needed"
    )


class RotationDefault(Frozen):
    """A default rotation policy for one kind of force, for the listed capabilities (none listed: all)."""

    force: ForceKind = Field(description="Kind of force this default applies to")
    capabilities: tuple[Id, ...] = Field((), description="Capability ids it applies to; empty: every capability")
    tour_months: float = Field(ge=1, le=36, description="Length of one tour in theatre, months")
    dwell_ratio: float = Field(ge=0, le=10, description="Months at home per month deployed (1:2 is 2)")
    overlap_days: float = Field(
        0.0, ge=0, le=90, description="Days the incoming and outgoing units are both in theatre at a handover"
    )
    rotations: int | None = Field(
        None, ge=1, le=100, description="Tours a nation offers, the first included; none: as many as needed"
    )
    source: str | None = Field(None, description="Source id or citation")

    @model_validator(mode="after")
    def _overlap_shorter_than_tour(self) -> RotationDefault:
        check_overlap(self.tour_months, self.overlap_days)
        return self


def check_overlap(tour_months: float, overlap_days: float) -> None:
    if overlap_days >= tour_months * MONTH_DAYS / 2:
        raise ValueError(
            f"overlap_days ({overlap_days:g}) must be under half the tour ({tour_months:g} months = "
            f"{tour_months * MONTH_DAYS:.0f} days)"
        )


DEFAULT_ROTATIONS: tuple[RotationDefault, ...] = (
    RotationDefault(
        force=ForceKind.regular,
        tour_months=6,
        dwell_ratio=2,
        overlap_days=14,
        source="US SecDef memo, Jan 2007 (1:2 deployed-to-dwell for active units; unverified); 6-month tours "
        "and 14-day handovers illustrative",
    ),
    RotationDefault(
        force=ForceKind.reserve,
        tour_months=6,
        dwell_ratio=5,
        overlap_days=14,
        source="US SecDef memo, Jan 2007 (1:5 mobilised-to-demobilised for reserves; unverified); 6-month tours "
        "and 14-day handovers illustrative",
    ),
    RotationDefault(
        force=ForceKind.conscript,
        tour_months=6,
        dwell_ratio=5,
        overlap_days=14,
        source="Illustrative: conscript volunteers treated like reserves (1:5)",
    ),
)
"""Used when a scenario's ``sustain`` section lists no default for a pledge's kind of force."""


class CostRate(Frozen):
    """Unit costs of deploying the listed capabilities (none listed: every capability not listed elsewhere).
    Every figure is in US dollars of the scenario's year."""

    capabilities: tuple[Id, ...] = Field((), description="Capability ids it applies to; empty: every other one")
    personnel_usd_per_person_year: float = Field(
        ge=0, description="Extra pay and allowances of one person deployed for a year, USD"
    )
    operations_usd_per_unit_month: float = Field(
        ge=0, description="Operations and maintenance of one deployed unit for a month, USD"
    )
    transport_usd_per_unit_move: float = Field(
        ge=0, description="Strategic transport of one unit between home and theatre, one way, USD"
    )
    stationing_usd_per_person_year: float = Field(
        0.0, ge=0, description="Forward stationing instead: extra yearly cost per person (housing, families), USD"
    )
    stationing_setup_usd_per_unit: float = Field(
        0.0, ge=0, description="Forward stationing instead: one-off facilities per unit, USD"
    )
    illustrative: bool = Field(True, description="Whether these figures are illustrative")
    source: str | None = Field(None, description="Source id or citation")


class Renewal(Frozen):
    """When pledges come up for renewal (decision points; the run assumes renewal unless a pledge's window or
    rotations end)."""

    first_months: float = Field(12, ge=1, le=120, description="The first renewal, months after deployment")
    every_months: float = Field(6, ge=1, le=120, description="Later renewals, every this many months")
    source: str | None = Field("UN PCRS guidelines (2019): renewal every 6 months after the first 12")


class Sustain(Frozen):
    """How the force is kept up over years: rotation defaults, the cost model, renewals."""

    requirement_renewed: bool = Field(
        True,
        description="Slots stay required after their duration_days (the mandate is renewed); false: a slot "
        "ends with its duration",
    )
    handover_readiness: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of a rotating unit's combat power the assessment counts in a handover month (illustrative)",
    )
    rotation_defaults: tuple[RotationDefault, ...] = Field(
        DEFAULT_ROTATIONS,
        description="Default rotation policies by kind of force and capability; a default naming the capability "
        "wins over one naming none",
    )
    costs: tuple[CostRate, ...] = Field((), description="Unit costs by capability; none: no cost figures")
    renewal: Renewal = Field(default_factory=Renewal, description="When pledges come up for renewal")
    source: str | None = Field(None, description="Source id or citation")

    @model_validator(mode="after")
    def _one_default_each(self) -> Sustain:
        seen: set[tuple[ForceKind, str]] = set()
        for d in self.rotation_defaults:
            for c in d.capabilities or ("*",):
                if (d.force, c) in seen:
                    raise ValueError(f"rotation_defaults: two defaults for {d.force.value} {c}")
                seen.add((d.force, c))
        costed: set[str] = set()
        for r in self.costs:
            for c in r.capabilities or ("*",):
                if c in costed:
                    raise ValueError(f"costs: two cost rates for {c}")
                costed.add(c)
        return self
