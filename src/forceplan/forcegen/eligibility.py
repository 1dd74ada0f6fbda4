"""Which pledge may fill which slot, and why not.

Each rule is documented in docs/model.md (section *Force generation*). A pledge p may fill slot s only if every
rule passes; :func:`why_not` returns every rule that fails, so shortfalls and unused pledges can be explained.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from forceplan.scenario.model import STATUS_ORDER, Pledge, PledgeStatus, Role, Scenario, Slot


@dataclass(frozen=True)
class Options:
    """What-if settings of one force-generation run."""

    min_status: PledgeStatus = PledgeStatus.offered
    """Count pledges at this stage of the lifecycle or later (``committed``: committed and deployed)."""
    without: frozenset[str] = frozenset()
    """Nations (ISO3) left out."""
    us_backstop: bool | None = None
    """Whether the US backstop is assumed; None: as the scenario says."""
    max_personnel: int | None = None
    """Personnel cap; None: the requirement's."""
    max_nation_share: float | None = None
    """Cap on one nation's share of matched personnel (0-1); None: the requirement's."""
    phase: str | None = None
    """The phase a violation is assessed in (units available from a later phase stay out; its air-basing rule
    holds); None: the last phase, the force complete."""
    strikes_into_aggressor: bool | None = None
    """Whether strikes may hit the aggressor's own territory; None: as the scenario's geography says."""

    def current_phase(self, sc: Scenario) -> int:
        return sc.phase_index(self.phase) if self.phase else len(sc.phases) - 1

    def deep_strikes(self, sc: Scenario) -> bool:
        return (
            sc.geography.strikes_into_aggressor if self.strikes_into_aggressor is None else self.strikes_into_aggressor
        )

    def backstop(self, sc: Scenario) -> bool:
        return sc.backstop.assumed if self.us_backstop is None else self.us_backstop

    def backstop_case(self, sc: Scenario) -> Options | None:
        """The options of the assessment's 'with US backstop' sensitivity case: these (the phase assessed and the
        strikes policy included) with the backstop assumed; None when it is assumed already or the scenario has no
        backstop assets."""
        if self.backstop(sc) or not sc.backstop.assets:
            return None
        return dataclasses.replace(self, us_backstop=True)

    def cap(self, sc: Scenario) -> int:
        return sc.requirement.max_personnel if self.max_personnel is None else self.max_personnel

    def share(self, sc: Scenario) -> float | None:
        return sc.requirement.max_nation_share if self.max_nation_share is None else self.max_nation_share

    def counted(self) -> tuple[PledgeStatus, ...]:
        return STATUS_ORDER[STATUS_ORDER.index(self.min_status) :]


@dataclass(frozen=True)
class Reason:
    """Why a pledge cannot fill a slot: a stable code and a sentence with the numbers."""

    code: str
    detail: str


@dataclass(frozen=True)
class Pool:
    """The pledges in play (scenario pledges plus backstop assets when the backstop is assumed)."""

    pledges: tuple[Pledge, ...]
    backstop_ids: frozenset[str] = field(default_factory=frozenset)


def pledge_pool(sc: Scenario, opts: Options) -> Pool:
    """All pledges a run considers: the scenario's, plus the backstop's assets if the backstop is assumed."""
    if opts.backstop(sc):
        return Pool(sc.pledges + sc.backstop.assets, frozenset(a.id for a in sc.backstop.assets))
    return Pool(sc.pledges)


def phase_windows(sc: Scenario) -> dict[str, tuple[float, float]]:
    """(start_day, end_day) of each phase, counted from the ceasefire; an open-ended phase ends at infinity."""
    out: dict[str, tuple[float, float]] = {}
    t = 0.0
    for ph in sc.phases:
        end = t + ph.duration_days if ph.duration_days is not None else math.inf
        out[ph.id] = (t, end)
        t = end if math.isfinite(end) else t
    return out


def slot_window(sc: Scenario, slot: Slot, windows: dict[str, tuple[float, float]] | None = None) -> tuple[float, float]:
    """(first_day, last_day) the slot must be filled: from its phase's start for its duration."""
    start = (windows or phase_windows(sc))[slot.phase][0]
    return start, start + slot.duration_days


def slot_capabilities(sc: Scenario, capability: str) -> set[str]:
    """The slot capabilities a unit of ``capability`` may fill: its own and those it ``fills``."""
    return {capability, *sc.capability(capability).fills}


def why_not(
    sc: Scenario,
    p: Pledge,
    s: Slot,
    opts: Options,
    windows: dict[str, tuple[float, float]] | None = None,
) -> list[Reason]:
    """Every rule by which pledge ``p`` may not fill slot ``s`` (empty: eligible)."""
    if s.capability not in slot_capabilities(sc, p.capability):
        return [Reason("capability", f"{p.id} is {p.capability}, the slot needs {s.capability}")]
    out: list[Reason] = []
    if p.nation in opts.without:
        out.append(Reason("without", f"{p.nation} left out in this case"))
    if p.status not in opts.counted():
        out.append(Reason("status", f"{p.id} is {p.status.value}; counted: {opts.min_status.value} or later"))
    if p.notice_to_move_days > s.max_notice_to_move_days:
        out.append(
            Reason(
                "notice",
                f"{p.id} notice-to-move {p.notice_to_move_days:g} days > slot maximum {s.max_notice_to_move_days:g}",
            )
        )
    first, last = slot_window(sc, s, windows)
    until = p.available_until_day if p.available_until_day is not None else math.inf
    if p.available_from_day > first or until < last:
        out.append(
            Reason(
                "window",
                f"{p.id} available days {p.available_from_day:g}-{until:g}, slot needs days {first:g}-{last:g}",
            )
        )
    c = p.caveats
    roles = set(s.roles)
    if c.no_frontline and Role.frontline in roles:
        out.append(Reason("caveat:no_frontline", f"{p.id} refuses frontline slots"))
    if c.max_duration_days is not None and s.duration_days > c.max_duration_days:
        out.append(
            Reason(
                "caveat:max_duration_days",
                f"{p.id} stays at most {c.max_duration_days:g} days, slot lasts {s.duration_days:g}",
            )
        )
    if c.from_phase is not None and sc.phase_index(s.phase) < sc.phase_index(c.from_phase):
        out.append(
            Reason("caveat:from_phase", f"{p.id} available from phase {c.from_phase}, slot is in phase {s.phase}")
        )
    if c.requires_us_backstop and not opts.backstop(sc):
        out.append(Reason("caveat:requires_us_backstop", f"{p.id} deploys only with a US backstop"))
    if c.air_only and Role.air not in roles:
        out.append(Reason("caveat:air_only", f"{p.id} fills only slots tagged 'air'"))
    if c.no_offensive_strikes and Role.strike in roles:
        out.append(Reason("caveat:no_offensive_strikes", f"{p.id} refuses strike slots"))
    refused = roles & set(c.excluded_roles)
    if refused:
        out.append(Reason("caveat:excluded_roles", f"{p.id} refuses roles {', '.join(sorted(refused))}"))
    return out
