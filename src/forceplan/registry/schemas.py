"""The API's own models: separate create, update and public shapes (no table doubles as an API model).

Create and update bodies reuse the scenario format's field definitions (types, bounds, units, descriptions), so the
API refuses what the loader refuses, with the same words.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from forceplan.registry.store import EDITABLE_PLEDGE_FIELDS
from forceplan.scenario.model import Frozen, Materiel, Pledge

PledgeStatusName = Literal["offered", "verified", "committed", "deployed", "withdrawn"]


def _fields(model: type[BaseModel], names: tuple[str, ...], optional: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in names:
        f = model.model_fields[n]
        if optional:
            annotation: Any = f.annotation
            out[n] = (annotation | None, Field(None, description=f.description, **_bounds(f)))
        else:
            out[n] = (f.annotation, f)
    return out


def _bounds(f: Any) -> dict[str, Any]:
    keys = ("gt", "ge", "lt", "le", "min_length", "max_length", "pattern")
    out = {}
    for m in f.metadata:
        for k in keys:
            v = getattr(m, k, None)
            if v is not None:
                out[k] = v
    return out


_PLEDGE_INPUT = EDITABLE_PLEDGE_FIELDS  # the fields a nation writes (store.py keeps the list)

PledgeCreate: Any = create_model(
    "PledgeCreate",
    __base__=Frozen,
    __doc__="A new pledge: the registry gives it its id (NATION-nn), status offered and renewal due in six months.",
    nation=(str | None, Field(None, min_length=3, max_length=3, description="ISO3; default the editor's nation")),
    **_fields(Pledge, _PLEDGE_INPUT, optional=False),
)

PledgeUpdate: Any = create_model(
    "PledgeUpdate",
    __base__=Frozen,
    __doc__="Fields to change; send If-Match with the version you read. Renewal is not a field: POST .../renewal.",
    **_fields(Pledge, _PLEDGE_INPUT, optional=True),
)

MaterielCreate: Any = create_model(
    "MaterielCreate", __base__=Frozen, **_fields(Materiel, tuple(Materiel.model_fields), optional=False)
)
MaterielUpdate: Any = create_model(
    "MaterielUpdate",
    __base__=Frozen,
    **_fields(Materiel, tuple(n for n in Materiel.model_fields if n != "id"), optional=True),
)


class Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PledgePublic(Public):
    id: str
    nation: str
    capability: str
    quantity: int
    personnel_per_unit: int
    notice_to_move_days: float
    home_base: list[float] | str
    caveats: dict[str, Any]
    status: PledgeStatusName
    status_dates: dict[str, str]
    available_from_day: float
    available_until_day: float | None
    note: str | None
    force: str = Field(description="Kind of force: regular, reserve or conscript")
    rotation: dict[str, Any] = Field(
        description="Rotation policy: tour_months, dwell_ratio, overlap_days, rotations (unset: the scenario's default)"
    )
    withdrawn_reason: str | None
    expires_on: str | None
    stale: bool = Field(description="Renewal is overdue (the nation has not confirmed the pledge in six months)")
    version: int
    created_at: str
    updated_at: str


class MaterielPublic(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    version: int
    updated_at: str


class Transition(Public):
    to: Literal["verified", "committed", "deployed", "withdrawn"]
    reason: str | None = Field(None, max_length=2000, description="Why (required to withdraw)")


class SectionPublic(Public):
    name: str
    body: Any
    version: int


class SectionUpdate(Public):
    body: Any = Field(description="The whole section, in the scenario format")


class AuditEntry(Public):
    id: int
    at: str
    actor: str
    actor_role: str
    action: str
    kind: str
    record_id: str
    nation: str | None
    changes: dict[str, Any]


class CapabilityFill(Public):
    capability: str
    name: str
    required_units: int
    units: dict[str, int]
    personnel: dict[str, int]
    counted_units: int
    shortfall_units: int


class Fill(Public):
    capabilities: list[CapabilityFill]
    personnel_counted: int
    personnel_offered: int
    max_personnel: int | None
    stale_pledges: int
    awaiting_verification: int
    note: str


class NationBurden(Public):
    nation: str
    name: str
    personnel_counted: int
    personnel_offered: int
    personnel_counted_per_million: float | None
    personnel_counted_per_usd_bn: float | None


class Credentials(Public):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(Public):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=12, max_length=1024, description="At least 12 characters")


class Me(Public):
    username: str
    role: str
    nation: str | None
    must_change_password: bool = Field(False, description="Signed in with a one-time password: change it first")


class SessionOut(Me):
    csrf_token: str | None = Field(description="Send back as X-CSRF-Token on every state-changing request")


class TokenOut(Public):
    token: str = Field(description="Send as 'Authorization: Bearer TOKEN'; shown once")
    expires_in_days: int


class RunCreate(Public):
    seed: int = Field(0, ge=0, le=2**32 - 1)
    trials: int = Field(6_000, ge=100, le=200_000, description="Assessment trials (as forceplan plan --trials)")
    response_trials: int = Field(2_000, ge=10, le=200_000, description="Response-timeline trials")


class RunPublic(Public):
    id: int
    created_by: str
    created_at: str
    finished_at: str | None
    status: Literal["queued", "running", "done", "failed"]
    stage: str
    progress: float
    published: bool
    seed: int
    trials: int
    response_trials: int
    input_digest: str
    error: str | None


class ShortfallOut(Public):
    slot: str
    capability: str
    phase: str
    shortfall_units: int
    reasons: list[dict[str, Any]]


class Outlook(Public):
    run: RunPublic | None
    shortfalls: list[ShortfallOut] = Field(description="Slots the coalition has not filled, with reasons")
    unused: list[dict[str, Any]] = Field(description="Your nation's pledges left unused, with reasons")


class ProblemItem(Public):
    path: str
    message: str
    hint: str | None = None


class ProblemDetails(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ProblemItem] = []
    current: Any = None


class IncidentBatch(Public):
    incidents: list[dict[str, Any]] = Field(
        max_length=200_000,
        description="Incidents with the fields of an incident file (docs/model.md, monitoring): event_id_cnty, "
        "event_date, event_type, latitude/longitude or observer bearing and distance, weapon_class, ...",
    )


class Submitted(Public):
    read: int
    appended: int
    duplicate: int
    tree_size: int
    root: str
    checkpoint: dict[str, Any] | None


class Cosignature(Public):
    signer: str = Field(min_length=1, max_length=64)
    public_key: str = Field(min_length=1, max_length=100, description="Raw Ed25519 public key, base64")
    signature: str = Field(min_length=1, max_length=200, description="Ed25519 signature of the checkpoint, base64")
