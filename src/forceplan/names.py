"""One vocabulary of names: what a person reads for every id and field the program shows.

Every capability, site, slot, caveat, response option, parameter, threat, nation and field that a report page,
the console or the web app shows goes through :func:`label` or :func:`field_label`, so a person sees
"Mechanised infantry battalion" and "Notice to move (days)", never ``mech_inf_bn`` or ``notice_to_move_days``.
Ids stay where a person types them (scenario files, command options) and in the report's Assumptions appendix,
beside the label.

This module depends only on :mod:`forceplan.scenario`, so the analysis core, the report, the CLI and the web app
can all use it. Names from the scenario (capabilities, sites, places, nations, threats, phases) come from the
scenario when one is given; without one, or for an id the scenario lacks, the id is turned into words
(:func:`humanise`), so a label is always a readable string and never raises.

Stable API (other rooms rely on it): :func:`label`, :func:`field_label`, :func:`unit_of`, :func:`humanise`,
:func:`in_words` (free text with the ids in it replaced by names), :data:`KINDS`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from forceplan.scenario.model import Scenario, Slot

__all__ = ["KINDS", "field_label", "humanise", "in_words", "label", "reason_text", "short_threat", "unit_of"]

# --------------------------------------------------------------------------------------------- fixed words

#: Abbreviations in ids, in words (lower case unless a proper acronym).
WORDS: dict[str, str] = {
    "hq": "HQ",
    "bde": "brigade",
    "bn": "battalion",
    "bty": "battery",
    "sqn": "squadron",
    "coy": "company",
    "tg": "task group",
    "mech": "mechanised",
    "inf": "infantry",
    "armd": "armoured",
    "arty": "artillery",
    "engr": "engineer",
    "log": "logistics",
    "med": "medical",
    "recce": "reconnaissance",
    "lr": "long-range",
    "gbad": "GBAD",
    "qrf": "quick-reaction force",
    "isr": "ISR",
    "sof": "special operations",
    "het": "heavy equipment transporter",
    "mcm": "mine countermeasures",
    "npp": "nuclear power plant",
    "nato": "NATO",
    "eu": "EU",
    "un": "UN",
    "us": "US",
    "usd": "US dollars",
    "gdp": "GDP",
    "cdb90": "CDB90",
    "rsom": "RSOM",
    "foc": "full operating capability",
    "ioc": "initial operating capability",
    "p10": "P10",
    "p50": "P50",
    "p90": "P90",
    "id": "id",
    "iso3": "ISO3 code",
}

#: Unit suffixes of field names, as shown after the name.
UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_km_per_day", "km/day"),
    ("_personnel_per_day", "personnel/day"),
    ("_per_day", "per day"),
    ("_usd_bn", "US$ bn"),
    ("_millions", "millions"),
    ("_kmh", "km/h"),
    ("_km", "km"),
    ("_h", "h"),
    ("_days", "days"),
    ("_day", "day"),
    ("_mm", "mm"),
    ("_personnel", "personnel"),
    ("_munitions", "munitions"),
)

#: Response options (forceplan.timeline.elements.OPTIONS).
OPTIONS: dict[str, str] = {
    "in_theatre": "Forces in place",
    "reinforcements": "Reinforcements from home",
    "air_power": "Air power",
    "long_range_fires": "Long-range strikes",
    "stockpile_release": "Stockpile release",
    "naval": "Naval forces",
}

#: National caveats (fields of forceplan.scenario.model.Caveats).
CAVEATS: dict[str, str] = {
    "no_frontline": "No frontline tasks",
    "standoff_km": "Stand-off from the line (km)",
    "max_duration_days": "Longest deployment (days)",
    "from_phase": "Available from phase",
    "requires_us_backstop": "Only with a US backstop",
    "national_approval_h": "National approval time (h)",
    "no_offensive_strikes": "No strikes behind the aggressor's line",
    "air_only": "Air tasks only",
    "station_countries": "May be stationed only in",
    "excluded_roles": "Refused roles",
}

ROLES: dict[str, str] = {
    "frontline": "frontline",
    "protection": "protection",
    "qrf": "quick-reaction force",
    "air": "air",
    "maritime": "maritime",
    "training": "training",
    "logistics": "logistics",
    "isr": "ISR",
    "air_defence": "air defence",
    "strike": "strike",
    "command": "command",
}

SITE_KINDS: dict[str, str] = {
    "npp": "Nuclear power plant",
    "port": "Port",
    "airport": "Airport",
    "airbase": "Air base",
    "city": "City",
    "logistics_hub": "Logistics hub",
    "border_crossing": "Border crossing",
    "depot": "Depot",
    "sea_station": "Sea station",
}

#: Fields shown to people whose words are not just the id spelled out (the rest: :func:`field_label`'s rule).
FIELDS: dict[str, str] = {
    "personnel_per_unit": "Personnel per unit",
    "notice_to_move_days": "Notice to move (days)",
    "max_notice_to_move_days": "Slowest acceptable notice to move (days)",
    "home_base": "Home base",
    "available_from_day": "Available from (day after the ceasefire)",
    "available_until_day": "Available until (day after the ceasefire)",
    "combat_power_per_unit": "Combat power per unit (battalion-equivalents)",
    "road_march_kmh": "Road march speed (km/h)",
    "strategic_move": "Move to theatre by",
    "priority_weight": "Priority weight",
    "required_units": "Units required",
    "filled_units": "Units filled",
    "shortfall_units": "Units short",
    "personnel_matched": "Personnel matched",
    "personnel_offered": "Personnel offered",
    "personnel_counted": "Personnel counted",
    "units_matched": "Units matched",
    "nations_contributing": "Nations contributing",
    "combat_power_matched": "Combat power matched (battalion-equivalents)",
    "fill_fraction": "Share of the requirement filled",
    "fill_share": "Share of the requirement filled",
    "weighted_fill": "Weighted fill",
    "max_personnel": "Personnel cap",
    "max_nation_share": "Largest share one nation may hold",
    "population_millions": "Population (millions)",
    "gdp_usd_bn": "GDP (US$ bn)",
    "capacity_personnel": "Capacity (personnel)",
    "throughput_personnel_per_day": "Throughput (personnel per day)",
    "p_reached": "Probability the objective is reached",
    "first_effect_h": "First effect (h)",
    "full_power_h": "Full power (h)",
    "warning_time_h": "Warning time (h)",
    "defender_combat_power": "Ukrainian combat power on the axis (battalion-equivalents)",
    "initial_combat_power": "Attacker's combat power at H-hour (battalion-equivalents)",
    "quantity": "Units",
    "nation": "Nation",
    "capability": "Capability",
    "status": "Status",
    "note": "Note",
    "covered_sites": "Protected sites covered",
    "stations_used": "Stations used",
    "personnel_cap": "Personnel cap",
    "us_backstop": "US backstop assumed",
    "strikes_into_aggressor": "Strikes into the aggressor's territory allowed",
    "posture": "Posture",
    "design": "Design",
    **CAVEATS,
}

#: Short names of the scenario's uncertain parameters (forceplan.scenario.parameters), without the unit.
PARAMETERS: dict[str, str] = {
    "coalition_decision_delay_h": "Coalition decision delay",
    "road_circuity_factor": "Road circuity (road ÷ great-circle distance)",
    "readiness_prep_h": "Preparation before moving",
    "rsom_h": "Reception, staging and onward movement",
    "march_hours_per_day": "Marching hours a day",
    "gauge_transload_h": "Transloading at the break of gauge",
    "rail_kmh": "Military train speed",
    "sea_kmh": "Sealift speed",
    "airlift_kmh": "Airlift speed",
    "loading_h": "Loading time",
    "air_alert_h": "Air alert time",
    "air_availability": "Aircraft availability",
    "stockpile_crew_h": "Stockpile crew time",
    "attacker_lethality_per_day": "Attacker's lethality",
    "defender_lethality_per_day": "Defender's lethality",
    "battle_hazard_per_day": "Battle decision rate",
    "contested_advance_km_per_day": "Advance while contested",
    "exploitation_advance_km_per_day": "Advance in exploitation",
    "pursuit_days": "Pursuit",
    "holding_attrition_factor": "Attrition while holding",
    "air_attrition_per_sortie": "Air attrition per sortie",
    "strike_kill_per_munition": "Kills per strike munition",
    "attacker_arrival_factor": "Attacker's reinforcement rate",
}

#: Uncertainties and levers of an exploration (forceplan.explore.space); per-threat ones are ``name.threat_id``.
UNCERTAINTIES: dict[str, str] = {
    "attacker_strength": "Attacker's strength, {threat} (× stated)",
    "warning_time": "Warning time, {threat} (× stated)",
    "defender_strength": "Ukrainian strength, {threat} (× stated)",
    "decision_delay_h": "Coalition decision delay (h)",
    "calibration_slope": "Slope of the force-ratio fit to CDB90 (× fitted)",
    "battle_hazard": "Battle decision rate (× the model's)",
    "pledge_attrition": "Chance a pledge fails to materialise (× the base rates)",
    "pledge_failure_draw": "Which pledges fail, given their chances (a draw)",
    "personnel_cap": "Personnel cap",
    "posture": "Posture",
    "us_backstop": "US backstop assumed",
    "strikes_into_aggressor": "Strikes into the aggressor's territory allowed",
}

#: Shortfall and coverage reasons (forceplan.forcegen and forceplan.stationing results).
REASONS: dict[str, str] = {
    "no_pledge": "no nation pledges this",
    "without": "its nation is left out in this case",
    "status": "not yet at the counted stage of its pledge",
    "notice": "notice to move too long",
    "window": "not available when needed",
    "caveat": "a national caveat forbids it",
    "used_elsewhere": "the pledged units fill other slots",
    "not_enough_units": "not enough units pledged",
    "personnel_cap": "the personnel cap is reached",
    "nation_share_cap": "the nation's share cap is reached",
    "no_site": "no station it may use lies within its protection radius",
    "capacity": "the stations in reach are full",
    "force_too_small": "the force is too small to guard it as well",
    "occupied": "in occupied territory: the force cannot protect it",
}

KINDS = (
    "capability",
    "site",
    "place",
    "slot",
    "caveat",
    "option",
    "parameter",
    "threat",
    "offensive",
    "nation",
    "phase",
    "sector",
    "field",
    "role",
    "site_kind",
    "status",
    "domain",
    "uncertainty",
    "reason",
)
"""The kinds :func:`label` knows."""

_ID_PREFIX = re.compile(r"^[A-Z]\d+[-_]")


# --------------------------------------------------------------------------------------------- functions


def humanise(text: str) -> str:
    """An id or snake_case name in words: ``mech_inf_bn`` → "Mechanised infantry battalion",
    ``S07-line-patrol`` → "Line patrol", ``hb-tidworth`` → "Hb tidworth" (the first letter capitalised)."""
    text = _ID_PREFIX.sub("", str(text).strip())
    parts = [p for p in re.split(r"[_\-.\s]+", text) if p]
    if not parts:
        return str(text)
    words = [WORDS.get(p.lower(), p) for p in parts]
    out = " ".join(words)
    return out[:1].upper() + out[1:]


def unit_of(name: str) -> str | None:
    """The unit a field name carries in its suffix (``notice_to_move_days`` → "days"), or None."""
    if name in PARAMETERS:
        from forceplan.scenario.parameters import PARAMETERS as SPECS

        u = SPECS[name].unit if name in SPECS else None
        return None if u in (None, "1") else u
    for suffix, unit in UNIT_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return unit
    return None


def field_label(name: str) -> str:
    """A field in words with its unit: ``personnel_per_unit`` → "Personnel per unit", ``notice_to_move_days`` →
    "Notice to move (days)". Dotted paths (``air.combat_radius_km``) are labelled by their last part."""
    if name in FIELDS:
        return FIELDS[name]
    if name in PARAMETERS:
        return _parameter(name)
    last = name.rsplit(".", 1)[-1]
    if last != name:
        return field_label(last)
    unit = unit_of(name)
    stem = name
    for suffix, u in UNIT_SUFFIXES:
        if u == unit and name.endswith(suffix):
            stem = name[: -len(suffix)]
            break
    words = humanise(stem)
    return f"{words} ({unit})" if unit else words


def _parameter(name: str) -> str:
    base = PARAMETERS.get(name) or field_label(name)
    if name not in PARAMETERS:
        return base
    unit = unit_of(name)
    return f"{base} ({unit})" if unit else base


def hours_text(h: float | None) -> str:
    """A time in hours as a person reads it: hours under three days, else days; None: never."""
    if h is None:
        return "never"
    return f"{h:.0f} h" if h < 72 else f"{h / 24:.1f} d"


def when_text(first_effect: Any) -> str:
    """When an option takes effect, from its first-effect quantiles (``p10``, ``p50``, ``p90``, hours): the median
    and the P10-P90 range; "none pledged" for no option, "cannot reach" when it never acts."""
    if first_effect is None:
        return "none pledged"
    if first_effect.p50 is None:
        return "cannot reach"
    q = first_effect
    return f"{hours_text(q.p50)} ({hours_text(q.p10)}–{hours_text(q.p90)})"


def what_if_words(without: Sequence[str], us_backstop: bool, sc: Scenario) -> str:
    """What a plan assumes beyond its scenario, in words ('' for the scenario as it is): the nations left out, by
    name, and the US backstop where it differs from the scenario's."""
    parts = []
    if without:
        parts.append("without " + ", ".join(label("nation", n, sc) for n in without))
    if us_backstop != sc.backstop.assumed:
        parts.append("with the US backstop" if us_backstop else "without the US backstop")
    return "; ".join(parts)


def case_words(text: str, sc: Scenario | None) -> str:
    """A what-if case as typed (``--case "without FRA,DEU and committed only"``), as a person reads it: the nations
    a ``without`` term leaves out by name ("without France, Germany and committed only"); the rest as typed.
    ``plan.json`` keeps the case as typed (scripts compare it); tables and the report show these words. Without a
    scenario, as typed."""
    if sc is None:
        return text.strip()
    names = {n.iso3: n.name for n in sc.nations}
    out = []
    for part in re.split(r"(;|\band\b)", text.strip(), flags=re.IGNORECASE):
        words = part.replace(",", " ").split()
        if words and words[0].lower() == "without" and words[1:] and all(w.upper() in names for w in words[1:]):
            lead = part[: len(part) - len(part.lstrip())]
            part = f"{lead}{words[0]} {', '.join(names[w.upper()] for w in words[1:])} "
        out.append(part)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def short_threat(name: str) -> str:
    """A threat's short name: its name up to the colon ("Zaporizhzhia axis")."""
    return name.split(":")[0].strip()


def _slot(sid: str, sc: Scenario | None) -> str:
    if sc is None:
        return humanise(sid)
    slots = sc.requirement.slots
    slot = next((s for s in slots if s.id == sid), None)
    if slot is None:
        return humanise(sid)

    def base(s: Slot) -> str:
        cap = label("capability", s.capability, sc)
        roles = [ROLES.get(r.value, humanise(r.value)) for r in s.roles]
        return f"{cap} for {' and '.join(roles)}" if roles else cap

    text = base(slot)
    twins = [s for s in slots if base(s) == text]
    if len(twins) > 1:
        text += f", {label('phase', slot.phase, sc).lower()}"
        twins = [s for s in twins if s.phase == slot.phase]
        if len(twins) > 1:
            text += f" ({twins.index(slot) + 1} of {len(twins)})"
    return text


def _uncertainty(name: str, sc: Scenario | None) -> str:
    stem, _, ref = name.partition(".")
    words = UNCERTAINTIES.get(stem)
    if words is None:
        return field_label(name)
    if "{threat}" in words:
        return words.replace("{threat}", short_threat(label("threat", ref, sc)) if ref else "each axis")
    return words


def label(kind: str, id: str, sc: Scenario | None = None) -> str:
    """What a person reads for ``id`` of ``kind`` (one of :data:`KINDS`).

    Names come from the scenario where it has them; otherwise the id in words. Never raises for an unknown id;
    an unknown ``kind`` is a programming error (ValueError)."""
    ident = str(getattr(id, "value", id))
    if kind == "capability":
        if sc is not None:
            for c in sc.capabilities:
                if c.id == ident:
                    return c.name
        return humanise(ident)
    if kind in ("site", "place"):
        if sc is not None:
            names = {s.id: s.name for s in sc.sites} | {p.id: p.name for p in sc.places}
            if ident in names:
                return names[ident]
        return humanise(ident)
    if kind == "nation":
        if sc is not None:
            for n in sc.nations:
                if n.iso3 == ident:
                    return n.name
        return ident if re.fullmatch(r"[A-Z]{3}", ident) else humanise(ident)
    if kind == "threat":
        if sc is not None:
            names = {t.id: t.name for t in sc.threats} | {o.id: o.name for o in sc.offensives}
            if ident in names:
                return names[ident]
        return humanise(ident)
    if kind == "offensive":
        return label("threat", ident, sc)
    if kind == "phase":
        if sc is not None:
            for p in sc.phases:
                if p.id == ident:
                    return p.name
        return humanise(ident)
    if kind == "sector":
        if sc is not None and sc.agreement is not None:
            for x in sc.agreement.sectors:
                if x.id == ident:
                    return x.name
        return humanise(ident)
    if kind == "slot":
        return _slot(ident, sc)
    if kind == "caveat":
        return CAVEATS.get(ident) or field_label(ident)
    if kind == "option":
        return OPTIONS.get(ident) or humanise(ident)
    if kind == "parameter":
        return _parameter(ident)
    if kind == "field":
        return field_label(ident)
    if kind == "role":
        return ROLES.get(ident) or humanise(ident).lower()
    if kind == "site_kind":
        return SITE_KINDS.get(ident) or humanise(ident)
    if kind in ("status", "domain"):
        return humanise(ident).lower()
    if kind == "uncertainty":
        return _uncertainty(ident, sc)
    if kind == "reason":
        return REASONS.get(ident) or humanise(ident).lower()
    raise ValueError(f"unknown kind of name {kind!r}; kinds: {', '.join(KINDS)}")


_SNAKE = re.compile(r"(?<![\w/.#-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/(-])")


def in_words(text: str, sc: Scenario | None = None) -> str:
    """Free text (a shortfall reason, an audit line) with the scenario's ids and snake_case field names in it
    replaced by their labels: "eligible units are used in S07-line-patrol" → "... used in Reconnaissance squadron
    for ISR and frontline". Pledge ids and nation codes stay: people type and quote them."""
    if sc is not None:
        ids: dict[str, str] = {}
        ids |= {s.id: label("slot", s.id, sc) for s in sc.requirement.slots}
        ids |= {c.id: c.name for c in sc.capabilities}
        ids |= {s.id: s.name for s in sc.sites} | {p.id: p.name for p in sc.places}
        ids |= {t.id: t.name for t in sc.threats} | {o.id: o.name for o in sc.offensives}
        ids |= {p.id: p.name for p in sc.phases if re.search(r"[-_\d]", p.id)}
        if ids:
            pattern = re.compile(
                r"(?<![\w-])(" + "|".join(map(re.escape, sorted(ids, key=len, reverse=True))) + r")(?![\w-])"
            )
            text = pattern.sub(lambda m: ids[m.group(1)], text)
        phases = {p.id: p.name for p in sc.phases}
        after = re.compile(r"(phase:?\s+)(" + "|".join(map(re.escape, phases)) + r")\b")
        text = after.sub(lambda m: m.group(1) + phases[m.group(2)], text)
    return _SNAKE.sub(lambda m: _snake_words(m.group(0)), text)


def _snake_words(name: str) -> str:
    if name in OPTIONS:
        return OPTIONS[name].lower()
    if name in CAVEATS or name in FIELDS or name in PARAMETERS:
        text = field_label(name)
        return text[:1].lower() + text[1:] if not text[:2].isupper() else text
    return humanise(name).lower() if not humanise(name)[:2].isupper() else humanise(name)


def reason_text(code: str, detail: str = "", sc: Scenario | None = None) -> str:
    """A shortfall or coverage reason in words: ``caveat:max_duration_days`` with its detail → "a national caveat
    forbids it (longest deployment (days)): ESP-01 stays at most 180 days, ...", ids in the detail named."""
    head, _, caveat = code.partition(":")
    text = REASONS.get(head) or in_words(head, sc)
    if caveat:
        words = re.sub(r"\s*\([^)]*\)$", "", label("caveat", caveat))
        text += f" ({_lower_first(words)})"
    return f"{text}: {in_words(detail, sc)}" if detail else text


def _lower_first(text: str) -> str:
    """'Only with a US backstop' → 'only with a US backstop'; 'ISR' stays."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]
