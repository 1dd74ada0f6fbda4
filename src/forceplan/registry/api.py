"""The registry's HTTP API (FastAPI): thin routes over :mod:`forceplan.registry.store` and friends.

Errors are RFC 9457 problem details (``application/problem+json``) with the field path and the scenario loader's
wording. Writes carry the version they change (``If-Match``; 428 without, 409 with the current record when stale).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi import Path as FastApiPath
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from forceplan.monitoring.keeper import BatchRejected, LogKeeper, ProofError
from forceplan.monitoring.log import LogError
from forceplan.registry import auth, figures, jobs, store, web
from forceplan.registry.db import Actor, make_engine
from forceplan.registry.door import (
    PROBLEM,
    BodyLimit,
    SecurityHeaders,
    has_surrogate,
    problem_response,
)
from forceplan.registry.migrate import ensure_current
from forceplan.registry.schemas import (
    AuditEntry,
    Cosignature,
    Credentials,
    Fill,
    IncidentBatch,
    MaterielPublic,
    Me,
    NationBurden,
    Outlook,
    PasswordChange,
    PledgePublic,
    ProblemDetails,
    RunCreate,
    RunPublic,
    SectionPublic,
    SectionUpdate,
    SessionOut,
    Submitted,
    TokenOut,
    Transition,
)
from forceplan.registry.schemas import MaterielCreate as _MaterielCreate
from forceplan.registry.schemas import MaterielUpdate as _MaterielUpdate
from forceplan.registry.schemas import PledgeCreate as _PledgeCreate
from forceplan.registry.schemas import PledgeUpdate as _PledgeUpdate
from forceplan.scenario import Problem
from forceplan.scenario.io import problems_from_errors

COOKIE = "forceplan_session"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PASSWORD_CHANGE_PATHS = frozenset({"/api/password", "/api/me", "/api/session"})
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ProblemDetails, "content": {PROBLEM: {}}, "description": why}
    for code, why in {
        400: "An address with a NUL character or text that is not UTF-8",
        401: "Not signed in",
        403: "Not allowed for your role or nation",
        404: "Not found, or not yours to see",
        409: "Changed by someone else, or not allowed in its current state",
        422: "Invalid input: every problem with its field path",
        413: "Request body too large",
        428: "If-Match missing",
        429: "Too many attempts",
    }.items()
}

# The body models are built at run time from the scenario format's fields; these aliases keep the routes readable.
PledgeCreate = _PledgeCreate
PledgeUpdate = _PledgeUpdate
MaterielCreate = _MaterielCreate
MaterielUpdate = _MaterielUpdate


def _bad_strings(value: Any, path: tuple[str | int, ...] = ()) -> list[Problem]:
    """Every string in a JSON document that holds a NUL or a lone surrogate (no database can store them)."""
    if isinstance(value, str):
        if "\x00" in value:
            return [Problem("holds a NUL character", path)]
        if has_surrogate(value):
            return [Problem("holds a lone UTF-16 surrogate (not a character)", path)]
        return []
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            if _bad_strings(k):
                out.append(Problem("a field name holds a NUL character or a lone surrogate", path))
            out += _bad_strings(v, (*path, _safe_key(k)))
        return out
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _bad_strings(v, (*path, i))]
    return []


def _safe_key(k: Any) -> str:
    return k if isinstance(k, str) and not _bad_strings(k) else "?"


async def clean_body(request: Request) -> None:
    """Refuse a JSON body with a NUL or a lone surrogate anywhere, naming the field (422)."""
    if request.method not in UNSAFE or "json" not in request.headers.get("content-type", ""):
        return
    raw = await request.body()
    try:
        doc = json.loads(raw) if raw.strip() else None
    except (ValueError, RecursionError):
        return  # not JSON: the route's own validation says so
    problems = _bad_strings(doc)
    if problems:
        raise store.Invalid("the request holds text no record can keep", problems)


async def current_actor(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_csrf_token: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Actor:
    """The signed-in actor: a bearer token, or a session cookie whose writes carry the session's CSRF token."""
    engine = request.app.state.engine
    if authorization and authorization.lower().startswith("bearer "):
        who, _kind, _csrf = auth.authenticate(engine, authorization[7:].strip())
        return _password_current(request, who)
    token = request.cookies.get(COOKIE)
    if not token:
        raise auth.Unauthorised("sign in first (a session cookie, or Authorization: Bearer TOKEN)")
    who, _kind, csrf = auth.authenticate(engine, token)
    if request.method in UNSAFE and (not csrf or x_csrf_token != csrf):
        raise store.Forbidden("missing or wrong X-CSRF-Token: send the token you got when you signed in")
    return _password_current(request, who)


def _password_current(request: Request, who: Actor) -> Actor:
    """An account signed in with a one-time password may only change it (and sign out, and say who it is)."""
    if who.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise store.Forbidden(
            "change your one-time password first: POST /api/password with current_password and new_password "
            "(in the web app: the Change password page)"
        )
    return who


def client_address(request: Request) -> str:
    """The peer's address as the server sees it (a proxy in front must be the one throttled, or pass it on)."""
    return request.client.host if request.client else "?"


Who = Annotated[Actor, Depends(current_actor)]
RunId = Annotated[int, FastApiPath(ge=1, le=2**31 - 1, description="Plan run number (a 32-bit column)")]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="The ETag of the version you read")]


def create_app(
    db_url: str,
    *,
    run_plans: bool = True,
    migrate: bool = True,
    secure_cookies: bool = False,
    keeper: LogKeeper | None = None,
    warm_figures: bool = False,
) -> FastAPI:
    """The application. ``db_url``: SQLAlchemy URL (SQLite file or PostgreSQL); migrations are applied on start
    when ``migrate``; plan runs go to one worker process when ``run_plans``; ``keeper`` serves the ceasefire log
    (default: the folder ``ceasefire-log`` in the working folder, no signing key); ``warm_figures``: the
    dashboard's figures are computed in the background as the server starts (``forceplan serve``)."""
    keeper = keeper or LogKeeper(Path("ceasefire-log"))
    engine = make_engine(db_url)
    runner = jobs.Runner(db_url) if run_plans else None
    guard = auth.SignInGuard()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            ensure_current(engine)
        jobs.recover_interrupted(engine)
        if warm_figures:
            figures.warm(engine)
        yield
        if runner is not None:
            runner.shutdown()
        engine.dispose()

    app = FastAPI(
        title="forceplan registry",
        version="1",
        description="The coalition's pledge registry: each nation owns its pledges, planners see the force fill, "
        "every change is audited.",
        lifespan=lifespan,
        responses=ERRORS,
        docs_url=None,  # served by the web app from its own copy of Swagger UI (npm), not from a CDN
        redoc_url=None,
        dependencies=[Depends(clean_body)],
    )
    app.state.engine = engine
    app.state.runner = runner
    app.state.sign_in_guard = guard
    app.state.secure_cookies = secure_cookies
    app.add_middleware(BodyLimit)
    app.include_router(web.create_router(engine))

    @app.exception_handler(web.Redirect)
    async def _redirect(request: Request, exc: web.Redirect) -> Response:
        return web.page_error(request, exc)

    @app.exception_handler(store.RegistryError)
    async def _registry_error(request: Request, exc: store.RegistryError) -> Response:
        if not request.url.path.startswith("/api/"):
            return web.page_error(request, exc)  # a page: say it in a page
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, auth.TooManyAttempts) else None
        if isinstance(exc, auth.Unauthorised):
            headers = {"WWW-Authenticate": 'Bearer realm="forceplan"'}
        return problem_response(exc.status, exc.title, exc.detail, exc.problems, exc.current, headers)

    @app.exception_handler(LogError)
    async def _log_error(_request: Request, exc: LogError) -> JSONResponse:
        if isinstance(exc, BatchRejected):
            problems = [Problem(r.reason, ("incidents", r.row - 1)) for r in exc.rejected]
            return problem_response(422, "Invalid input", str(exc), problems)
        if isinstance(exc, ProofError):
            return problem_response(404, "Not found", str(exc))
        return problem_response(409, "Conflict", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and not _is_api(request):  # a mistyped address: a page, not {"detail": ...}
            return web.page_error(request, store.NotFound(f"there is no page at {request.url.path}"))
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if not _is_api(request):  # a page's address with a malformed part (/plans/abc): no such page
            return web.page_error(request, store.NotFound(f"there is no page at {request.url.path}"))
        errors = list(exc.errors())
        if any(tuple(e["loc"]) == ("body",) for e in errors):  # no body, or not a JSON object
            problems = [Problem("send a JSON object with the fields of this request", ("body",))]
            return problem_response(422, "Invalid input", "the request needs a JSON body", problems)
        body_errors = [{**e, "loc": tuple(e["loc"][1:])} for e in errors if e["loc"][:1] == ("body",)]
        other = [e for e in errors if e["loc"][:1] != ("body",)]
        root = _body_model(request)
        problems = problems_from_errors(body_errors, (), exc.body, {}, "", root=root) if body_errors else []
        problems += [Problem(str(e.get("msg", "")), tuple(e["loc"])) for e in other]
        return problem_response(422, "Invalid input", "the request is not valid", problems)

    def _login(request: Request, creds: Credentials, kind: str) -> tuple[str, str | None, Actor]:
        return auth.sign_in(engine, guard, client_address(request), creds.username, creds.password, kind)

    def etag(response: Response, version: int) -> None:
        response.headers["ETag"] = f'"{version}"'

    # ------------------------------------------------------------------------------------------ sessions

    @app.post("/api/session", response_model=SessionOut, tags=["sign in"])
    def sign_in(creds: Credentials, request: Request, response: Response) -> dict[str, Any]:
        """Sign in with a password: a session cookie (HttpOnly, SameSite=Strict) and the CSRF token to send back."""
        token, csrf, who = _login(request, creds, "session")
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies, max_age=auth.SESSION_HOURS * 3600
        )
        return {"username": who.username, "role": who.role, "nation": who.nation, "csrf_token": csrf,
                "must_change_password": who.must_change_password}  # fmt: skip

    @app.delete("/api/session", status_code=204, tags=["sign in"])
    def sign_out(request: Request, response: Response, who: Who) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            auth.logout(engine, token)
        response = Response(status_code=204)
        response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=secure_cookies)
        return response

    @app.post("/api/tokens", response_model=TokenOut, status_code=201, tags=["sign in"])
    def bearer_token(creds: Credentials, request: Request) -> dict[str, Any]:
        """A bearer token for scripts (no cookie, no CSRF): shown once, valid 90 days."""
        token, _csrf, _who = _login(request, creds, "bearer")
        return {"token": token, "expires_in_days": auth.BEARER_DAYS}

    @app.post("/api/password", status_code=204, tags=["sign in"])
    def change_password(body: PasswordChange, who: Who) -> Response:
        """Replace your password (a one-time password must be replaced before anything else is allowed)."""
        auth.change_password(engine, who.username, body.current_password, body.new_password)
        return Response(status_code=204)

    @app.get("/api/me", response_model=Me, tags=["sign in"])
    def me(who: Who) -> dict[str, Any]:
        return {"username": who.username, "role": who.role, "nation": who.nation,
                "must_change_password": who.must_change_password}  # fmt: skip

    # ------------------------------------------------------------------------------------------ pledges

    @app.get("/api/pledges", response_model=list[PledgePublic], tags=["pledges"])
    def pledges(
        who: Who,
        nation: Annotated[str | None, Query(max_length=3)] = None,
        status: Annotated[str | None, Query(max_length=16)] = None,
    ) -> list[dict[str, Any]]:
        """Planners: every pledge; a nation editor: its nation's."""
        return store.list_pledges(engine, who, nation, status)

    @app.post("/api/pledges", response_model=PledgePublic, status_code=201, tags=["pledges"])
    def create_pledge(body: PledgeCreate, who: Who, response: Response) -> dict[str, Any]:
        """A nation editor offers a pledge for its nation."""
        out = store.create_pledge(engine, who, body.model_dump(mode="json", exclude_unset=True))
        etag(response, out["version"])
        response.headers["Location"] = f"/api/pledges/{out['id']}"
        return out

    @app.get("/api/pledges/{pledge_id}", response_model=PledgePublic, tags=["pledges"])
    def pledge(pledge_id: str, who: Who, response: Response) -> dict[str, Any]:
        out = store.get_pledge(engine, who, pledge_id)
        etag(response, out["version"])
        return out

    @app.patch("/api/pledges/{pledge_id}", response_model=PledgePublic, tags=["pledges"])
    def update_pledge(
        pledge_id: str, body: PledgeUpdate, who: Who, response: Response, if_match: IfMatch = None
    ) -> dict[str, Any]:
        """Change a pledge (its nation's editor). A change to a verified or committed pledge sends it back to
        offered, to be verified again."""
        out = store.update_pledge(engine, who, pledge_id, body.model_dump(mode="json", exclude_unset=True), if_match)
        etag(response, out["version"])
        return out

    @app.post("/api/pledges/{pledge_id}/transitions", response_model=PledgePublic, tags=["pledges"])
    def transition(
        pledge_id: str, body: Transition, who: Who, response: Response, if_match: IfMatch = None
    ) -> dict[str, Any]:
        """verified (a planner), committed (the nation), deployed (a planner), withdrawn (either, with a reason)."""
        out = store.transition_pledge(engine, who, pledge_id, body.to, body.reason, if_match)
        etag(response, out["version"])
        return out

    @app.post("/api/pledges/{pledge_id}/renewal", response_model=PledgePublic, tags=["pledges"])
    def renew(pledge_id: str, who: Who, response: Response, if_match: IfMatch = None) -> dict[str, Any]:
        """The nation confirms the pledge stands: renewal due six months from today."""
        out = store.renew_pledge(engine, who, pledge_id, if_match)
        etag(response, out["version"])
        return out

    @app.get("/api/pledges/{pledge_id}/history", response_model=list[AuditEntry], tags=["pledges"])
    def pledge_history(pledge_id: str, who: Who) -> list[dict[str, Any]]:
        store.get_pledge(engine, who, pledge_id)  # 404 unless the actor may see the pledge
        return store.audit_trail(engine, who, record_id=pledge_id)

    # ------------------------------------------------------------------------------------------ materiel

    @app.get("/api/materiel", response_model=list[MaterielPublic], tags=["materiel"])
    def materiel(who: Who) -> list[dict[str, Any]]:
        return store.list_materiel(engine, who)

    @app.post("/api/materiel", response_model=MaterielPublic, status_code=201, tags=["materiel"])
    def create_materiel(body: MaterielCreate, who: Who, response: Response) -> dict[str, Any]:
        out = store.save_materiel(engine, who, body.model_dump(mode="json", exclude_unset=True))
        etag(response, out["version"])
        return out

    @app.patch("/api/materiel/{materiel_id}", response_model=MaterielPublic, tags=["materiel"])
    def update_materiel(
        materiel_id: str, body: MaterielUpdate, who: Who, response: Response, if_match: IfMatch = None
    ) -> dict[str, Any]:
        data = body.model_dump(mode="json", exclude_unset=True)
        out = store.save_materiel(engine, who, data, materiel_id, if_match)
        etag(response, out["version"])
        return out

    # ------------------------------------------------------------------------------------------ sections

    @app.get("/api/sections", response_model=list[SectionPublic], tags=["scenario"])
    def sections(who: Who) -> list[dict[str, Any]]:
        """The coalition's common picture: catalogue, nations, requirement, sites, threats, agreement, phases."""
        return list(store.get_sections(engine, who).values())

    @app.get("/api/sections/{name}", response_model=SectionPublic, tags=["scenario"])
    def section(name: str, who: Who, response: Response) -> dict[str, Any]:
        got = store.get_sections(engine, who, [name])
        if name not in got:
            raise store.NotFound(f"no section {name!r}")
        etag(response, got[name]["version"])
        return got[name]

    @app.put("/api/sections/{name}", response_model=SectionPublic, tags=["scenario"])
    def put_section(
        name: str, body: SectionUpdate, who: Who, response: Response, if_match: IfMatch = None
    ) -> dict[str, Any]:
        """A planner replaces a section; the whole scenario is checked as the loader checks a file."""
        out = store.update_section(engine, who, name, body.body, if_match)
        etag(response, out["version"])
        return out

    # ------------------------------------------------------------------------------------------ figures

    @app.get("/api/fill", response_model=Fill, tags=["figures"])
    def fill(who: Who) -> dict[str, Any]:
        """The coalition's aggregate figures (every role): units and personnel per capability by status."""
        return store.fill(engine, who)

    @app.get("/api/burden", response_model=list[NationBurden], tags=["figures"])
    def burden(who: Who) -> list[dict[str, Any]]:
        return store.burden(engine, who)

    @app.get("/api/outlook", response_model=Outlook, tags=["figures"])
    def outlook(who: Who) -> dict[str, Any]:
        """From the newest finished plan run: the coalition's shortfalls with reasons, and (for a nation editor)
        its own pledges left unused, with why: what the nation could change to close a gap."""
        store.require_reader(who)
        latest = jobs.latest_plan(engine, who)
        if latest is None:
            return {"run": None, "shortfalls": [], "unused": []}
        fg = latest["plan"].get("forcegen", {})
        mine = {u["pledge"] for u in fg.get("unused", []) if who.is_planner or u["nation"] == who.nation}
        shortfalls = [
            {
                "slot": sl["slot"],
                "capability": sl["capability"],
                "phase": sl["phase"],
                "shortfall_units": sl["shortfall_units"],
                "reasons": [
                    {**r, "pledges": [p for p in r.get("pledges", []) if who.is_planner or p in mine]}
                    for r in sl["shortfall_reasons"]
                ],
            }
            for sl in fg.get("slots", [])
            if sl["shortfall_units"] > 0
        ]
        unused = [u for u in fg.get("unused", []) if u["pledge"] in mine]
        return {"run": latest["run"], "shortfalls": shortfalls, "unused": unused}

    @app.get("/api/audit", response_model=list[AuditEntry], tags=["figures"])
    def audit(
        who: Who,
        nation: Annotated[str | None, Query(max_length=3)] = None,
        record: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    ) -> list[dict[str, Any]]:
        """Who changed what and when (planners and admins: all; a nation editor: its nation's records)."""
        return store.audit_trail(engine, who, nation, record, limit)

    # ------------------------------------------------------------------------------------------ plan runs

    @app.post("/api/runs", response_model=RunPublic, status_code=202, tags=["plans"])
    def start_run(body: RunCreate, who: Who, response: Response) -> dict[str, Any]:
        """Start a plan run (the pipeline of forceplan plan) on the registry's current state, in the worker."""
        run_id = jobs.start_run(engine, who, body.seed, body.trials, body.response_trials)
        if runner is not None:
            runner.submit(run_id)
        response.headers["Location"] = f"/api/runs/{run_id}"
        return jobs.get_run(engine, who, run_id)

    @app.get("/api/runs", response_model=list[RunPublic], tags=["plans"])
    def runs(who: Who) -> list[dict[str, Any]]:
        return jobs.list_runs(engine, who)

    @app.get("/api/runs/{run_id}", response_model=RunPublic, tags=["plans"])
    def run(run_id: RunId, who: Who) -> dict[str, Any]:
        return jobs.get_run(engine, who, run_id)

    @app.get("/api/runs/{run_id}/plan.json", tags=["plans"], responses={200: {"content": {"application/json": {}}}})
    def run_plan_json(run_id: RunId, who: Who) -> Response:
        return Response(jobs.get_run(engine, who, run_id, "plan.json"), media_type="application/json")

    @app.get("/api/runs/{run_id}/report.html", response_class=HTMLResponse, tags=["plans"])
    def run_report(run_id: RunId, who: Who) -> HTMLResponse:
        return HTMLResponse(jobs.get_run(engine, who, run_id, "report.html"), headers=REPORT_HEADERS)

    @app.post("/api/runs/{run_id}/publish", response_model=RunPublic, tags=["plans"])
    def publish(run_id: RunId, who: Who) -> dict[str, Any]:
        """Make a finished run readable by observers and nation editors."""
        return jobs.publish_run(engine, who, run_id)

    # ------------------------------------------------------------------------------------------ ceasefire log

    @app.post("/api/log/incidents", response_model=Submitted, tags=["ceasefire log"])
    def submit_incidents(body: IncidentBatch, who: Who) -> dict[str, Any]:
        """Observers (and planners) submit incidents: classified and appended with the CLI's rules, all or nothing
        per batch, idempotent by event id; the log signs a checkpoint after each batch when it holds its key."""
        if who.role not in ("observer", "planner", "admin"):
            raise store.Forbidden("observers and planners submit incidents")
        sub = keeper.submit(store.current_scenario(engine), body.incidents)
        sm = sub.summary
        return {
            "read": sm.read,
            "appended": sm.appended,
            "duplicate": sm.duplicate,
            "tree_size": sm.tree_size,
            "root": sm.root,
            "checkpoint": sub.checkpoint,
        }

    @app.get("/api/log/checkpoint", tags=["ceasefire log"])
    def latest_checkpoint() -> dict[str, Any]:
        """The newest signed checkpoint (RFC 9162 get-sth), with its cosignatures and whether k of n witnesses
        have cosigned it. Public."""
        return keeper.checkpoint()

    @app.get("/api/log/checkpoints", tags=["ceasefire log"])
    def checkpoint_sizes() -> dict[str, list[int]]:
        return {"sizes": keeper.checkpoint_sizes()}

    @app.get("/api/log/checkpoints/{size}", tags=["ceasefire log"])
    def checkpoint_of(size: Annotated[int, FastApiPath(ge=0, le=10**12)]) -> dict[str, Any]:
        return keeper.checkpoint(size)

    @app.post("/api/log/checkpoints/{size}/cosignatures", tags=["ceasefire log"])
    def add_cosignature(size: Annotated[int, FastApiPath(ge=0, le=10**12)], body: Cosignature) -> dict[str, Any]:
        """A configured witness posts its cosignature of the checkpoint of ``size`` (the signature authenticates
        it; no account)."""
        cp = keeper.cosign(size, body.model_dump())
        return {**cp, "witnessed": keeper.witness_status(cp)}

    @app.get("/api/log/inclusion", tags=["ceasefire log"])
    def inclusion(
        event_id: Annotated[str, Query(min_length=1, max_length=200)],
        tree_size: Annotated[int | None, Query(ge=1, le=10**12)] = None,
    ) -> dict[str, Any]:
        """An incident and its inclusion proof in the tree of ``tree_size`` (default the log's size)."""
        return keeper.inclusion(event_id, tree_size)

    @app.get("/api/log/consistency", tags=["ceasefire log"])
    def consistency(
        first: Annotated[int, Query(ge=1, le=10**12)], second: Annotated[int, Query(ge=1, le=10**12)]
    ) -> dict[str, Any]:
        """RFC 9162 get-sth-consistency: the proof that the tree of ``second`` extends the tree of ``first``."""
        return keeper.consistency(first, second)

    @app.get("/api/log/entries", tags=["ceasefire log"])
    def entries(
        start: Annotated[int, Query(ge=0, le=10**12)], end: Annotated[int, Query(ge=0, le=10**12)]
    ) -> dict[str, Any]:
        """Records ``start``..``end`` (inclusive, at most 1,000) as their canonical JSON lines (get-entries)."""
        return keeper.entries(start, end)

    @app.get("/healthz", tags=["service"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(SecurityHeaders)  # added last: the outermost, so every answer carries them
    return app


REPORT_HEADERS = {
    # The report is self-contained (inline scripts and data: images): nothing may be fetched from anywhere.
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; connect-src 'none'; frame-ancestors 'none'"
}


def _is_api(request: Request) -> bool:
    """A request to the API (answered in JSON), not to a page (answered with a page)."""
    return request.url.path.startswith("/api/") or request.url.path in ("/openapi.json", "/healthz")


def _body_model(request: Request) -> type[BaseModel]:
    """The pydantic model of the route's body, for 'did you mean' hints on unknown fields."""
    route = request.scope.get("route")
    field = getattr(route, "body_field", None)
    tp = getattr(getattr(field, "field_info", None), "annotation", None)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else BaseModel


def openapi_json(db_url: str = "sqlite://") -> str:
    return json.dumps(create_app(db_url, run_plans=False, migrate=False).openapi(), indent=1)
