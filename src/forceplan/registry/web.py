"""The coalition's web app: server-rendered pages (Jinja2, htmx for the live bits) over the same rules as the API.

Pages call :mod:`forceplan.registry.store` and :mod:`forceplan.registry.jobs` with the signed-in actor, so a page
can never show or do more than the API allows that actor. Forms post with the session's CSRF token; front-end
assets come from the npm registry at build time and are served from this app (no CDN, no tile server).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.engine import Engine

from forceplan.registry import auth, exports, figures, jobs, store, wording
from forceplan.registry.db import Actor, utcnow
from forceplan.scenario import Problem
from forceplan.scenario.model import Role
from forceplan.scenario.problems import format_path

COOKIE = "forceplan_session"
STATIC = {
    "htmx.min.js": "text/javascript",
    "app.css": "text/css",
    "app.js": "text/javascript",
    "charts.js": "text/javascript",
    "docs.js": "text/javascript",
    "picker.js": "text/javascript",
    "plotly-basic.min.js": "text/javascript",
    "leaflet.js": "text/javascript",
    "leaflet.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
}
OWN_STATIC = ("app.css", "app.js", "charts.js", "docs.js", "picker.js")
EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
"""The hash of an empty text: plotly adds an empty <style> element and fills it through the CSS object model;
this lets exactly that empty element in, and no inline style with content."""
PAGE_CSP = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {EMPTY_STYLE}; img-src 'self' data:; frame-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'"
)
MAP_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)
CAVEAT_FLAGS = ("no_frontline", "requires_us_backstop", "no_offensive_strikes", "air_only")
CAVEAT_NUMBERS = ("standoff_km", "max_duration_days", "national_approval_h")
PLEDGE_NUMBERS = ("quantity", "personnel_per_unit", "notice_to_move_days", "available_from_day", "available_until_day")
ROTATION_NUMBERS = ("tour_months", "dwell_ratio", "overlap_days", "rotations")
FORCE_KINDS = ("regular", "reserve", "conscript")

_env = Environment(loader=PackageLoader("forceplan.registry", "templates"), autoescape=select_autoescape(["html"]))


def _num(v: Any) -> Any:
    """A number as a person writes it (30, not 30.0); anything else as it is."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return "" if v is None else v


_env.filters["num"] = _num
_env.filters["role_name"] = wording.role_name
_env.globals["country_name"] = wording.country_name  # the header names a nation editor's nation


class Redirect(Exception):
    def __init__(self, url: str):
        self.url = url


def _render(name: str, request: Request, status: int = 200, **ctx: Any) -> HTMLResponse:
    html = _env.get_template(name).render(request=request, **ctx)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": PAGE_CSP})


def _session(request: Request, engine: Engine) -> tuple[Actor, str]:
    token = request.cookies.get(COOKIE)
    if not token:
        raise Redirect("/login?next=" + quote(request.url.path))
    try:
        who, _kind, csrf = auth.authenticate(engine, token)
    except auth.Unauthorised:
        raise Redirect("/login?next=" + quote(request.url.path)) from None
    if who.must_change_password and request.url.path != "/password":
        raise Redirect("/password")  # a one-time password is changed before anything else
    return who, csrf or ""


async def _form(request: Request, csrf: str) -> dict[str, Any]:
    """The posted form, after checking its CSRF token; list fields (several values of one name) as lists."""
    form = await request.form()
    if form.get("csrf_token") != csrf or not csrf:
        raise store.Forbidden("this form has expired or did not come from forceplan: reload the page and try again")
    out: dict[str, Any] = {}
    for k in form:
        values = form.getlist(k)
        out[k] = values if len(values) > 1 else values[0]
    return out


def pledge_from_form(form: dict[str, Any]) -> dict[str, Any]:
    """Typed pledge fields from a form: numbers as numbers (an unreadable one is left as text, so the loader's
    rules name it), caveats as an object, home base as a place id or [lon, lat]."""

    def num(v: Any) -> Any:
        if v is None or str(v).strip() == "":
            return None
        try:
            x = float(str(v).strip())
        except ValueError:
            return str(v)
        return int(x) if x.is_integer() and "." not in str(v) else x

    out: dict[str, Any] = {"capability": form.get("capability") or None}
    for k in PLEDGE_NUMBERS:
        out[k] = num(form.get(k))
    if out["available_from_day"] is None:
        out["available_from_day"] = 0.0
    lon, lat = num(form.get("home_lon")), num(form.get("home_lat"))
    out["home_base"] = [lon, lat] if form.get("home_base") == "__lonlat__" else (form.get("home_base") or None)
    cav: dict[str, Any] = {k: True for k in CAVEAT_FLAGS if form.get(f"caveat_{k}")}
    for k in CAVEAT_NUMBERS:
        v = num(form.get(f"caveat_{k}"))
        if v is not None:
            cav[k] = v
    if form.get("caveat_from_phase"):
        cav["from_phase"] = form["caveat_from_phase"]
    countries = [
        c.strip().upper() for c in str(form.get("caveat_station_countries") or "").replace(";", ",").split(",")
    ]
    if any(countries):
        cav["station_countries"] = [c for c in countries if c]
    roles = form.get("caveat_excluded_roles") or []
    roles = [roles] if isinstance(roles, str) else roles
    if roles:
        cav["excluded_roles"] = roles
    out["caveats"] = cav
    if "force" in form:  # a form without the field (an older page) leaves the kind of force as it is
        out["force"] = form.get("force") or "regular"
    if any(f"rotation_{k}" in form for k in ROTATION_NUMBERS):
        rot = {k: num(form.get(f"rotation_{k}")) for k in ROTATION_NUMBERS}
        out["rotation"] = {k: v for k, v in rot.items() if v is not None}
    out["note"] = (form.get("note") or "").strip() or None
    return {k: v for k, v in out.items() if v is not None or k in ("note", "available_until_day")}


def _field_errors(problems: list[Problem]) -> dict[str, str]:
    """Problems by form field name (``caveats.standoff_km`` → ``caveat_standoff_km``)."""
    out: dict[str, str] = {}
    for p in problems:
        path = format_path(p.path)
        name = path.split("[")[0]
        for prefix, field in (("caveats.", "caveat_"), ("rotation.", "rotation_")):
            if path.startswith(prefix):
                name = field + path.split(".", 1)[1].split("[")[0]
        name = "home_base" if name.startswith("home_base") else name
        hint = p.hint if p.hint and "docs/" not in p.hint and "add it" not in p.hint else None
        msg = wording.form_message(p.message) + (f" ({wording.form_message(hint)})" if hint else "")
        out[name] = out.get(name, "") + ("; " if name in out else "") + msg
    return out


def create_router(engine: Engine) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    def catalogue() -> dict[str, Any]:
        sections = store.get_sections(engine, store.SYSTEM_ACTOR, ["capabilities", "places", "sites", "phases",
                                                                    "nations", "geography"])  # fmt: skip
        body = {k: v["body"] for k, v in sections.items()}
        places = [(p["id"], p["name"]) for p in body.get("places") or []]
        places += [(s["id"], s["name"]) for s in body.get("sites") or []]
        return {
            "capabilities": [(c["id"], c["name"]) for c in body.get("capabilities") or []],
            "places": sorted(places, key=lambda x: x[1]),
            "phases": [(p["id"], p["name"]) for p in body.get("phases") or []],
            "nations": {n["iso3"]: n["name"] for n in body.get("nations") or []},
            "roles": [x.value for x in Role],
            "geography": body.get("geography") or {},
            "points": [*(body.get("places") or []), *(body.get("sites") or [])],
        }

    def names(cat: dict[str, Any]) -> dict[str, dict[str, str]]:
        return {"capability": dict(cat["capabilities"]), "place": dict(cat["places"]), "nation": cat["nations"]}

    def wnames() -> wording.Names:
        cat = catalogue()
        return wording.Names(dict(cat["capabilities"]), dict(cat["places"]), dict(cat["phases"]), cat["nations"])

    def ctx(who: Actor, csrf: str, **kw: Any) -> dict[str, Any]:
        n = wnames()
        return {"who": who, "csrf": csrf, "caveats_text": lambda c: wording.caveats_text(c, n), "w": wording,
                "wn": n, **kw}  # fmt: skip

    # ------------------------------------------------------------------------------------------ sign in

    @r.get("/login")
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        return _render("login.html", request, next=_safe_next(next), error=None, who=None)

    @r.post("/login")
    async def login_post(request: Request) -> Response:
        form = await request.form()
        nxt = _safe_next(str(form.get("next") or "/"))
        guard, address = request.app.state.sign_in_guard, request.client.host if request.client else "?"
        try:
            token, _csrf, who = auth.sign_in(engine, guard, address, str(form.get("username", "")),
                                             str(form.get("password", "")))  # fmt: skip
        except (auth.Unauthorised, auth.TooManyAttempts) as exc:
            return _render("login.html", request, status=exc.status, next=nxt, error=exc.detail, who=None,
                           username=str(form.get("username", "")))  # fmt: skip
        resp = RedirectResponse("/password" if who.must_change_password else nxt, status_code=303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=auth.SESSION_HOURS * 3600,
                        secure=request.app.state.secure_cookies)  # fmt: skip
        return resp

    @r.get("/password")
    def password_page(request: Request) -> HTMLResponse:
        who, csrf = _session(request, engine)
        return _render("password.html", request, **ctx(who, csrf, error=None))

    @r.post("/password")
    async def password_post(request: Request) -> Response:
        who, csrf = _session(request, engine)
        form = await _form(request, csrf)
        new = str(form.get("new_password", ""))
        try:
            if new != str(form.get("repeat_password", "")):
                raise store.Invalid("the two new passwords differ")
            auth.change_password(engine, who.username, str(form.get("current_password", "")), new)
        except store.Invalid as exc:
            messages = "; ".join([exc.detail, *(p.message for p in exc.problems if p.message)])
            return _render("password.html", request, status=422, **ctx(who, csrf, error=messages))
        return RedirectResponse("/", status_code=303)

    @r.post("/logout")
    async def logout(request: Request) -> Response:
        _who, csrf = _session(request, engine)
        await _form(request, csrf)
        auth.logout(engine, request.cookies.get(COOKIE, ""))
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=request.app.state.secure_cookies)
        return resp

    @r.get("/")
    def home(request: Request) -> Response:
        who, _csrf = _session(request, engine)
        target = {"editor": "/nation", "planner": "/dashboard", "admin": "/dashboard"}.get(who.role, "/plans")
        return RedirectResponse(target, status_code=303)

    @r.get("/static/{name}")
    def static(name: str) -> Response:
        from forceplan.report.assets import assets_dir

        if name not in STATIC:
            raise store.NotFound("no such file")
        folder = Path(__file__).parent / "static" if name in OWN_STATIC else assets_dir()
        return Response((folder / name).read_bytes(), media_type=STATIC[name],
                        headers={"Cache-Control": "max-age=3600"})  # fmt: skip

    # ------------------------------------------------------------------------------------------ my nation

    @r.get("/nation")
    def nation_page(request: Request) -> HTMLResponse:
        who, csrf = _session(request, engine)
        if who.role != "editor":
            raise store.Forbidden("'My nation' is for nation editors; planners use the coalition dashboard")
        cat = catalogue()
        pledges = store.list_pledges(engine, who)
        fill = store.fill(engine, who)
        figs = figures.figures(engine, who)
        unused = figures.unused_of(engine, who)
        short = [c for c in figs.capabilities if c["shortfall_units"] > 0]
        return _render("nation.html", request, **ctx(who, csrf, pledges=pledges, fill=fill, names=names(cat),
                       nation_name=cat["nations"].get(who.nation or "", who.nation), figs=figs,
                       status_units=_status_units(fill), unused=unused, shortfalls=short,
                       exports=exports.TABLES_SHOWN, effect=_effect(request)))  # fmt: skip

    def form_page(request: Request, who: Actor, csrf: str, values: dict[str, Any], errors: dict[str, str],
                  pledge_id: str | None, version: int | None, conflict: dict[str, Any] | None = None,
                  status: int = 200, consequences: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
        return _render("pledge_form.html", request, status=status, **ctx(who, csrf, v=values, errors=errors,
                       pledge_id=pledge_id, version=version, cat=catalogue(), conflict=conflict,
                       consequences=consequences))  # fmt: skip

    @r.get("/nation/pledges/new")
    def new_pledge(request: Request) -> HTMLResponse:
        who, csrf = _session(request, engine)
        if who.role != "editor":
            raise store.Forbidden("only a nation's editor offers pledges")
        own = [p["home_base"] for p in store.list_pledges(engine, who) if isinstance(p["home_base"], str)]
        home = max(set(own), key=own.count) if own else None  # the nation's usual home base
        defaults = {"quantity": 1, "notice_to_move_days": 30, "available_from_day": 0, "caveats": {}, "home_base": home}
        return form_page(request, who, csrf, defaults, {}, None, None)

    @r.post("/nation/pledges/new")
    async def create(request: Request) -> Response:
        who, csrf = _session(request, engine)
        form = await _form(request, csrf)
        data = pledge_from_form(form)
        try:
            p = store.create_pledge(engine, who, dict(data))
        except store.Invalid as exc:
            return form_page(request, who, csrf, _form_values(data, form), _field_errors(exc.problems), None, None,
                             status=422)  # fmt: skip
        return RedirectResponse(f"/nation?saved={quote(p['id'])}", status_code=303)

    @r.get("/nation/pledges/{pledge_id}/edit")
    def edit_pledge(request: Request, pledge_id: str) -> HTMLResponse:
        who, csrf = _session(request, engine)
        p = store.get_pledge(engine, who, pledge_id)
        if who.role != "editor":
            raise store.Forbidden("only the nation's own editor changes its pledges")
        return form_page(request, who, csrf, p, {}, pledge_id, p["version"])

    @r.post("/nation/pledges/{pledge_id}/edit")
    async def save_pledge(request: Request, pledge_id: str) -> Response:
        who, csrf = _session(request, engine)
        form = await _form(request, csrf)
        data = pledge_from_form(form)
        version = str(form.get("version", ""))
        try:
            # A stale form is a conflict first; then what the change would do, said before it is saved and
            # confirmed only for exactly these values.
            current = store.get_pledge(engine, who, pledge_id)
            store.check_version(f'"{version}"', current["version"], current)
            cons = figures.preview_change(engine, who, pledge_id, data)
            digest = _digest(data, version)
            if cons.matters and form.get("confirm") != digest:
                return form_page(request, who, csrf, _form_values(data, form), {}, pledge_id, int(version or 0),
                                 consequences={"sentence": cons.sentence(), "digest": digest})  # fmt: skip
            store.update_pledge(engine, who, pledge_id, data, f'"{version}"')
        except store.Invalid as exc:
            return form_page(request, who, csrf, _form_values(data, form), _field_errors(exc.problems), pledge_id,
                             int(version or 0), status=422)  # fmt: skip
        except store.Conflict as exc:
            current = exc.current or store.get_pledge(engine, who, pledge_id)
            clash = {"detail": exc.detail, "yours": _form_values(data, form)}
            return form_page(request, who, csrf, current, {}, pledge_id, current["version"], clash, status=409)
        query = [("saved", pledge_id)] + ([("back", "1")] if cons.back_to_offered else [])
        query += [("opened", f"{c}:{n}") for c, n in cons.opened] + [("closed", f"{c}:{n}") for c, n in cons.closed]
        return RedirectResponse("/nation?" + urlencode(query), status_code=303)

    @r.post("/pledges/{pledge_id}/transition")
    async def transition(request: Request, pledge_id: str) -> Response:
        who, csrf = _session(request, engine)
        form = await _form(request, csrf)
        action = str(form.get("to", ""))
        tag = f'"{form.get("version", "")}"'
        if action == "renew":
            store.renew_pledge(engine, who, pledge_id, tag)
        else:
            reason = str(form.get("reason") or "").strip() or None
            if action == "withdrawn" and who.is_planner and reason and not reason.startswith("rejected"):
                reason = f"rejected by the coalition: {reason}"
            store.transition_pledge(engine, who, pledge_id, action, reason, tag)
        back = "/dashboard" if who.is_planner else "/nation"
        return RedirectResponse(f"{back}?saved={quote(pledge_id)}", status_code=303)

    @r.get("/pledges/{pledge_id}/history")
    def history(request: Request, pledge_id: str) -> HTMLResponse:
        who, csrf = _session(request, engine)
        p = store.get_pledge(engine, who, pledge_id)
        entries = store.audit_trail(engine, who, record_id=pledge_id)
        return _render("history.html", request, **ctx(who, csrf, p=p, entries=entries))

    # ------------------------------------------------------------------------------------------ dashboard

    @r.get("/dashboard")
    def dashboard(request: Request) -> HTMLResponse:
        who, csrf = _session(request, engine)
        store.require_planner(who, "see the coalition dashboard")
        cat = catalogue()
        figs = figures.figures(engine, who)
        return _render("dashboard.html", request, **ctx(
            who, csrf, figs=figs, fill=(fill := store.fill(engine, who)), status_units=_status_units(fill),
            awaiting=store.list_pledges(engine, who, status="offered"), names=names(cat),
            latest=(latest := jobs.latest_plan(engine, who, with_basis=True)), charts=_charts(figs),
            exports=exports.TABLES_SHOWN,
            sustain=(latest["plan"].get("sustain") if latest else None),
        ))  # fmt: skip

    # ------------------------------------------------------------------------------------------ map

    @r.get("/map")
    def map_page(request: Request) -> HTMLResponse:
        who, csrf = _session(request, engine)
        latest = jobs.latest_plan(engine, who, with_basis=True)
        geo = catalogue()["geography"]
        return _render("map.html", request, **ctx(who, csrf, latest=latest, snapshot=geo.get("snapshot_date")))

    @r.get("/map/places.json")
    def map_places(request: Request) -> Response:
        """What the home-base picker draws: country outlines (Natural Earth) and the named places and sites."""
        _session(request, engine)
        return Response(_picker_json(catalogue()), media_type="application/json",
                        headers={"Cache-Control": "private, max-age=600"})  # fmt: skip

    @r.get("/map/frame")
    def map_frame(request: Request) -> HTMLResponse:
        from forceplan.report.map import render_map_page
        from forceplan.stationing.result import StationingResult

        who, _csrf = _session(request, engine)
        latest = jobs.latest_plan(engine, who)
        if latest is None:
            raise store.NotFound("no plan run to map yet")
        sc = store.current_scenario(engine)
        lay = StationingResult.model_validate(latest["plan"]["stationing"])
        date = sc.geography.snapshot_date
        title = f"Laydown of plan run {latest['run']['id']} · line of contact {date or 'undated'}"
        return HTMLResponse(render_map_page(sc, lay, title), headers={"Content-Security-Policy": MAP_CSP})

    # ------------------------------------------------------------------------------------------ plans

    @r.get("/plans")
    def plans(request: Request) -> HTMLResponse:
        who, csrf = _session(request, engine)
        return _render("plans.html", request, **ctx(who, csrf, runs=jobs.list_runs(engine, who)))

    @r.post("/plans")
    async def start_plan(request: Request) -> Response:
        who, csrf = _session(request, engine)
        form = await _form(request, csrf)
        try:
            seed, trials, rtrials = (int(str(form.get(k) or d)) for k, d in
                                     (("seed", 0), ("trials", 6000), ("response_trials", 2000)))  # fmt: skip
        except ValueError:
            raise store.Invalid("seed and trials are whole numbers") from None
        if not (0 <= seed < 2**32 and 100 <= trials <= 200_000 and 10 <= rtrials <= 200_000):
            raise store.Invalid("seed 0 to 4,294,967,295; trials 100 to 200,000; response trials 10 to 200,000")
        run_id = jobs.start_run(engine, who, seed, trials, rtrials)
        runner = request.app.state.runner
        if runner is not None:
            runner.submit(run_id)
        return RedirectResponse(f"/plans/{run_id}", status_code=303)

    @r.get("/plans/compare")
    def compare(request: Request, a: int, b: int) -> HTMLResponse:
        from forceplan.compare import compare_plans
        from forceplan.plan import PlanResult
        from forceplan.report.compare_html import render_compare

        who, _csrf = _session(request, engine)
        store.require_planner(who, "compare plan runs (a comparison names every nation's pledges)")
        pa = PlanResult.model_validate_json(jobs.get_run(engine, who, a, "plan.json"))
        pb = PlanResult.model_validate_json(jobs.get_run(engine, who, b, "plan.json"))
        return HTMLResponse(render_compare(compare_plans(pa, pb)), headers={"Content-Security-Policy": MAP_CSP})

    @r.get("/plans/{run_id}")
    def plan_page(request: Request, run_id: int) -> HTMLResponse:
        who, csrf = _session(request, engine)
        return _render("run.html", request, **ctx(who, csrf, run=jobs.get_run(engine, who, run_id)))

    @r.get("/plans/{run_id}/progress")
    def plan_progress(request: Request, run_id: int) -> HTMLResponse:
        who, csrf = _session(request, engine)
        return _render("run_progress.html", request, **ctx(who, csrf, run=jobs.get_run(engine, who, run_id)))

    @r.post("/plans/{run_id}/publish")
    async def publish(request: Request, run_id: int) -> Response:
        who, csrf = _session(request, engine)
        await _form(request, csrf)
        jobs.publish_run(engine, who, run_id)
        return RedirectResponse(f"/plans/{run_id}", status_code=303)

    # ------------------------------------------------------------------------------------------ downloads, API docs

    @r.get("/export/{name}.{fmt}")
    def download(request: Request, name: str, fmt: str) -> Response:
        who, _csrf = _session(request, engine)
        if fmt not in exports.FORMATS:
            raise store.NotFound(f"no download as {fmt!r}; as csv or xlsx")
        table = exports.build(engine, who, name, wnames())
        stamp = utcnow().strftime("%Y%m%d-%H%M")
        label = dict(exports.TABLES_SHOWN).get(name, name)
        body = exports.to_csv(table) if fmt == "csv" else exports.to_xlsx(table, label)
        filename = f"forceplan-{name}-{stamp}.{fmt}"
        return Response(body, media_type=exports.FORMATS[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip

    @r.get("/docs")
    def api_docs(request: Request) -> HTMLResponse:
        try:  # open to all (as openapi.json is); with the menu for someone signed in
            who, csrf = _session(request, engine)
        except Redirect:
            return _render("api_docs.html", request, who=None, csrf=None)
        return _render("api_docs.html", request, who=who, csrf=csrf)

    # ------------------------------------------------------------------------------------------ audit

    @r.get("/audit")
    def audit(request: Request, nation: str = "", record: str = "") -> HTMLResponse:
        who, csrf = _session(request, engine)
        store.require_planner(who, "read the whole audit trail")
        entries = store.audit_trail(engine, who, nation.strip()[:3] or None, record.strip()[:64] or None, 300)
        return _render("audit.html", request, **ctx(who, csrf, entries=entries, nation=nation, record=record,
                       exports=exports.TABLES_SHOWN))  # fmt: skip

    return r


_outline_cache: dict[str, Any] = {}


def _picker_json(cat: dict[str, Any]) -> str:
    from forceplan.scenario.io import data_dir

    if "countries" not in _outline_cache:
        doc = json.loads((data_dir() / "geo" / "naturalearth_lowres_europe.geojson").read_text(encoding="utf-8"))
        _outline_cache["countries"] = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": f["geometry"], "properties": {}} for f in doc["features"]]}  # fmt: skip
    points = [{"id": x["id"], "name": x["name"], "lon": x["location"][0], "lat": x["location"][1]}
              for x in cat["points"] if isinstance(x.get("location"), list)]  # fmt: skip
    return json.dumps({"countries": _outline_cache["countries"], "places": points})


def _digest(data: dict[str, Any], version: str) -> str:
    """The values a confirmation was given for: a confirmed form whose values were changed again is previewed again."""
    return hashlib.sha256(json.dumps([data, version], sort_keys=True, default=str).encode()).hexdigest()[:24]


def _effect(request: Request) -> str | None:
    """The saved message's account of what a change did, rebuilt from ids and counts in the redirect's query (only
    known capabilities and whole numbers are shown: the query is not trusted to carry words)."""
    q = request.query_params
    pid = q.get("saved")
    if not pid or not (q.get("back") or q.get("opened") or q.get("closed")):
        return None
    section = store.get_sections(request.app.state.engine, store.SYSTEM_ACTOR, ["capabilities"]).get("capabilities")
    names = {str(c["id"]): str(c["name"]) for c in (section["body"] if section else None) or []}
    known = set(names)

    def counts(key: str) -> list[tuple[str, int]]:
        out = []
        for item in q.getlist(key)[:20]:
            cap, _, n = item.partition(":")
            if cap in known and n.isdigit() and 0 < int(n) < 10_000:
                out.append((cap, int(n)))
        return out

    return figures.Consequences(pid[:64], q.get("back") == "1", counts("opened"), counts("closed"), names).sentence(
        done=True
    )


def _status_units(fill: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Pledged units per capability and status (the registry's records, before the match)."""
    return {c["capability"]: c["units"] for c in fill["capabilities"]}


def _charts(figs: figures.Figures) -> dict[str, Any]:
    """The dashboard's chart data (read by static/charts.js from a JSON block: no inline script)."""
    caps = sorted(figs.capabilities, key=lambda c: c["name"])
    return {
        "fill": {"names": [c["name"] for c in caps], "matched": [c["matched_units"] for c in caps],
                 "short": [c["shortfall_units"] for c in caps]},
        "burden": {"names": [b["name"] for b in figs.burden], "matched": [b["personnel_matched"] for b in figs.burden]},
    }  # fmt: skip


def _form_values(data: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """What the user typed, to show again beside the errors (unreadable numbers as typed)."""
    out = dict(data)
    for k in PLEDGE_NUMBERS:
        if k in form:
            out[k] = form[k]
    if any(f"rotation_{k}" in form for k in ROTATION_NUMBERS):
        out["rotation"] = {k: form.get(f"rotation_{k}", "") for k in ROTATION_NUMBERS}
    out["home_lon"], out["home_lat"] = form.get("home_lon", ""), form.get("home_lat", "")
    return out


def _safe_next(nxt: str) -> str:
    """Only a path on this site (no scheme, no //host): an open redirect is a phishing tool."""
    return nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else "/"


def page_error(request: Request, exc: Exception) -> Response:
    """Errors on pages: a sign-in redirect, or a page that says what happened (never a stack trace)."""
    if isinstance(exc, Redirect):
        return RedirectResponse(exc.url, status_code=303)
    assert isinstance(exc, store.RegistryError)
    who, csrf = _signed_in_or_none(request)
    return _render("error.html", request, status=exc.status, title=exc.title, detail=exc.detail, who=who,
                   csrf=csrf, problems=exc.problems)  # fmt: skip


def _signed_in_or_none(request: Request) -> tuple[Actor | None, str]:
    """Who is signed in, for an error page's header (its menu and Sign out), or nobody."""
    try:
        return _session(request, request.app.state.engine)
    except (Redirect, store.RegistryError):
        return None, ""
