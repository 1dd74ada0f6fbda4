"""Registry records in words a person reads: field labels, caveats, and audit changes (never field keys, ids of
capabilities, places or phases, or Python dicts). Used by the pages and the exports alike."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

FIELD_LABELS = {
    "id": "Pledge",
    "nation": "Nation",
    "capability": "Capability",
    "quantity": "Units",
    "personnel_per_unit": "Personnel per unit",
    "notice_to_move_days": "Notice to move (days)",
    "home_base": "Home base",
    "caveats": "Caveats",
    "status": "Status",
    "status_dates": "Status dates",
    "available_from_day": "Available from (day after the ceasefire)",
    "available_until_day": "Available until (day after the ceasefire)",
    "note": "Note",
    "expires_on": "Renewal due",
    "withdrawn_reason": "Reason for withdrawal",
    "body": "Contents",
    "force": "Kind of force",
    "rotation": "Rotation",
}
ROTATION_LABELS = {
    "tour_months": "Tour length (months)",
    "dwell_ratio": "Months at home per month deployed",
    "overlap_days": "Handover overlap (days)",
    "rotations": "Tours offered",
}
"""The rotation policy's fields as the pledge form names them (``rotation_<field>``)."""
HIDDEN = frozenset({"version", "stale", "created_at", "updated_at", "position"})
ACTIONS = {
    "create": "offered",
    "update": "changed",
    "verify": "verified",
    "commit": "committed",
    "deploy": "recorded as deployed",
    "withdraw": "withdrew",
    "renew": "renewed",
    "import": "imported",
}
KINDS = {"pledge": "Pledge", "section": "Scenario section", "materiel": "Stock"}
ROLES = {
    "frontline": "front line",
    "protection": "protection",
    "qrf": "quick-reaction force",
    "air": "air",
    "maritime": "maritime",
    "training": "training",
    "logistics": "logistics",
    "isr": "surveillance and reconnaissance",
    "air_defence": "air defence",
    "strike": "strike",
    "command": "command",
}
CAVEAT_FLAGS = {
    "no_frontline": "never at the front line",
    "requires_us_backstop": "only with a US backstop",
    "no_offensive_strikes": "no strikes behind the aggressor's line",
    "air_only": "air slots only",
}
CAVEAT_NUMBERS = {
    "standoff_km": ("stand-off from the line", "km"),
    "max_duration_days": ("longest deployment", "days"),
    "national_approval_h": ("national approval", "h"),
}


@dataclass
class Names:
    """Catalogue names by id (capability, place, phase, nation); an id without a name is shown as it is."""

    capability: dict[str, str] = field(default_factory=dict)
    place: dict[str, str] = field(default_factory=dict)
    phase: dict[str, str] = field(default_factory=dict)
    nation: dict[str, str] = field(default_factory=dict)


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key) or key.replace("_", " ").capitalize()


def _num(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() else f"{v:,g}"
    return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)


def role_text(role: str) -> str:
    return ROLES.get(str(role), str(role).replace("_", " "))


def country_name(iso3: str, names: Names | None = None) -> str:
    """A country's name: the catalogue's (contributing nations), else ISO 3166's (the host nation, say)."""
    if names and iso3 in names.nation:
        return names.nation[iso3]
    import pycountry

    c = pycountry.countries.get(alpha_3=iso3)
    return str(getattr(c, "common_name", None) or getattr(c, "name", iso3)) if c else iso3


def caveats_text(cav: dict[str, Any] | None, names: Names | None = None) -> str:
    names = names or Names()
    parts = []
    for k, v in (cav or {}).items():
        if v in (None, False, [], ()):
            continue
        if k in CAVEAT_FLAGS:
            parts.append(CAVEAT_FLAGS[k])
        elif k in CAVEAT_NUMBERS:
            label, unit = CAVEAT_NUMBERS[k]
            parts.append(f"{label} {_num(v)} {unit}")
        elif k == "from_phase":
            parts.append(f"available from phase: {names.phase.get(v, v)}")
        elif k == "station_countries":
            parts.append("stationed only in " + ", ".join(country_name(c, names) for c in v))
        elif k == "excluded_roles":
            parts.append("refuses " + ", ".join(role_text(r) for r in v))
        else:
            parts.append(f"{field_label(k).lower()} {_num(v)}")
    return "; ".join(parts) or "none"


def rotation_text(v: dict[str, Any]) -> str:
    """A pledge's rotation policy in words; what it leaves out comes from the scenario's defaults."""
    parts = []
    if v.get("tour_months") is not None:
        parts.append(f"{_num(v['tour_months'])}-month tours")
    if v.get("dwell_ratio") is not None:
        parts.append(f"dwell 1:{_num(v['dwell_ratio'])}")
    if v.get("overlap_days") is not None:
        parts.append(f"{_num(v['overlap_days'])} days' overlap")
    if v.get("rotations") is not None:
        parts.append(f"at most {_num(v['rotations'])} rotations")
    return ", ".join(parts) or "the coalition's defaults"


def force_text(force: str | None, rotation: dict[str, Any] | None) -> str:
    """A pledge's kind of force and rotation policy in words: 'reserve; 4-month tours, at most 3 rotations'."""
    return f"{force or 'regular'}; {rotation_text(rotation or {})}"


def value_text(key: str, v: Any, names: Names | None = None) -> str:
    """One field's value in words."""
    names = names or Names()
    if v is None or v == "":
        return "—"
    if key == "capability":
        return names.capability.get(v, v)
    if key == "nation":
        return names.nation.get(v, v)
    if key == "home_base":
        if isinstance(v, list | tuple) and len(v) == 2:
            return f"{float(v[0]):.2f}° E, {float(v[1]):.2f}° N"
        return names.place.get(v, v)
    if key == "caveats":
        return caveats_text(v, names)
    if key == "status_dates" and isinstance(v, dict):
        return ", ".join(f"{k} {d}" for k, d in v.items()) or "—"
    if key == "rotation" and isinstance(v, dict):
        return rotation_text(v)
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, dict | list):
        return f"{len(v)} entries" if isinstance(v, list) else "a record"
    return _num(v)


def describe_changes(changes: dict[str, Any] | None, names: Names | None = None) -> list[tuple[str, str, str]]:
    """An audit entry's changes as (field label, before, after) in words."""
    out = []
    for k, ba in (changes or {}).items():
        if k in HIDDEN or not isinstance(ba, list | tuple) or len(ba) != 2:
            continue
        if k == "body":
            out.append((field_label(k), "the previous version", "a new version"))
            continue
        out.append((field_label(k), value_text(k, ba[0], names), value_text(k, ba[1], names)))
    return out


def action_text(action: str) -> str:
    return ACTIONS.get(action, action.replace("_", " "))


def kind_text(kind: str) -> str:
    return KINDS.get(kind, kind.replace("_", " ").capitalize())


_BOUNDS = (
    (re.compile(r"^Input should be greater than or equal to ([^\s;,]+)"), "must be at least {0}"),
    (re.compile(r"^Input should be greater than ([^\s;,]+)"), "must be more than {0}"),
    (re.compile(r"^Input should be less than or equal to ([^\s;,]+)"), "must be at most {0}"),
    (re.compile(r"^Input should be less than ([^\s;,]+)"), "must be less than {0}"),
    (re.compile(r"^Input should be a valid integer"), "must be a whole number"),
    (re.compile(r"^Input should be a valid number"), "must be a number"),
    (re.compile(r"^required field '[^']+' is missing"), "is required"),
)
CAVEAT_LABELS = {
    **{k: v.capitalize() for k, v in CAVEAT_FLAGS.items()},
    **{k: f"{v[0].capitalize()} ({v[1]})" for k, v in CAVEAT_NUMBERS.items()},
    "from_phase": "Available from phase",
    "station_countries": "Station only in",
    "excluded_roles": "Roles refused",
}


def form_label(name: str) -> str:
    """A form field's label (``caveat_standoff_km`` → 'Stand-off from the line (km)'); '' for the whole pledge."""
    if not name:
        return "Pledge"
    if name.startswith("caveat_"):
        return CAVEAT_LABELS.get(name.removeprefix("caveat_"), field_label(name.removeprefix("caveat_")))
    if name.startswith("rotation_"):
        return ROTATION_LABELS.get(name.removeprefix("rotation_"), field_label(name.removeprefix("rotation_")))
    if name in ("home_lon", "home_lat"):
        return "Longitude" if name == "home_lon" else "Latitude"
    return field_label(name)


def form_message(message: str) -> str:
    """The loader's message for a form: bounds in words, field keys as labels, no file or docs references."""
    for pattern, words in _BOUNDS:
        m = pattern.match(message)
        if m:
            message = words.format(*m.groups())
            break
    nested = {f"caveats.{k}": v for k, v in CAVEAT_LABELS.items()}
    nested |= {f"rotation.{k}": v for k, v in ROTATION_LABELS.items()}
    for key in sorted((*FIELD_LABELS, *nested), key=len, reverse=True):
        label = nested.get(key) or FIELD_LABELS[key]
        message = re.sub(rf"\b{re.escape(key)}\b", f"“{label.lower()}”", message)
    return message


ROLE_NAMES = {"editor": "nation editor", "planner": "coalition planner", "observer": "observer", "admin": "admin"}
"""A role as people say it (the accounts' ``role`` is a key)."""


def role_name(role: str | None) -> str:
    """``role`` in words: "nation editor", "coalition planner"; the system's own entries ("admin") as they are."""
    return ROLE_NAMES.get(role or "", role or "")
