"""The registry's rules through its HTTP API, on SQLite and on PostgreSQL: who may read and write what, the pledge
lifecycle, the audit trail, no lost update, the loader's wording in errors, the aggregate figures."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from tests.registry_seed import PASSWORD

pytestmark = pytest.mark.integration

NEW = {
    "capability": "mech_inf_bn",
    "quantity": 2,
    "personnel_per_unit": 700,
    "notice_to_move_days": 10,
    "home_base": [-1.7, 51.2],
    "caveats": {"no_frontline": True, "standoff_km": 40},
}


def _etag(r: Any) -> str:
    return r.headers["ETag"]


def test_an_editor_sees_and_writes_only_its_own_nation(api: Any) -> None:
    gbr, fra, planner = api("editor-gbr"), api("editor-fra"), api("planner")
    mine = gbr.get("/api/pledges").json()
    assert mine and {p["nation"] for p in mine} == {"GBR"}
    every = planner.get("/api/pledges").json()
    assert len({p["nation"] for p in every}) > 20
    fra_id = next(p["id"] for p in every if p["nation"] == "FRA")
    fra_etag = _etag(fra.get(f"/api/pledges/{fra_id}"))
    # Every read of another nation's pledge is "not found"; every write is refused.
    assert gbr.get(f"/api/pledges/{fra_id}").status_code == 404
    assert gbr.get(f"/api/pledges/{fra_id}/history").status_code == 404
    assert gbr.get("/api/pledges", params={"nation": "FRA"}).json() == []
    assert gbr.patch(f"/api/pledges/{fra_id}", json={"quantity": 9}, headers={"If-Match": fra_etag}).status_code == 404
    r = gbr.post(f"/api/pledges/{fra_id}/transitions", json={"to": "withdrawn", "reason": "x"},
                 headers={"If-Match": fra_etag})  # fmt: skip
    assert r.status_code == 404
    assert gbr.post(f"/api/pledges/{fra_id}/renewal", headers={"If-Match": fra_etag}).status_code == 404
    assert gbr.post("/api/pledges", json={**NEW, "nation": "FRA"}).status_code == 403
    assert all(a["nation"] == "GBR" for a in gbr.get("/api/audit", params={"nation": "FRA"}).json())
    assert gbr.get("/api/burden").status_code == 403
    # FRA's pledge is untouched.
    assert fra.get(f"/api/pledges/{fra_id}").json()["version"] == int(fra_etag.strip('"'))
    # Observers read no pledges at all.
    assert api("observer").get("/api/pledges").status_code == 403


def test_the_lifecycle_and_who_may_move_it(api: Any) -> None:
    gbr, planner = api("editor-gbr"), api("planner")
    r = gbr.post("/api/pledges", json=NEW)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["status"] == "offered" and p["nation"] == "GBR" and p["id"].startswith("GBR-")
    assert p["expires_on"] and not p["stale"]
    url = f"/api/pledges/{p['id']}"

    def move(who: Any, to: str, reason: str | None = None) -> Any:
        tag = _etag(who.get(url))
        return who.post(f"{url}/transitions", json={"to": to, "reason": reason}, headers={"If-Match": tag})

    assert move(gbr, "verified").status_code == 403  # a nation does not verify itself
    assert move(gbr, "committed").status_code == 409  # not verified yet
    assert move(planner, "verified").json()["status"] == "verified"
    assert move(planner, "committed").status_code == 403  # the nation commits, not the planner
    # A substantive change to a verified pledge sends it back to be verified again.
    r = gbr.patch(url, json={"quantity": 3}, headers={"If-Match": _etag(gbr.get(url))})
    assert r.status_code == 200 and r.json()["status"] == "offered" and r.json()["quantity"] == 3
    assert "verified" not in r.json()["status_dates"]
    assert move(planner, "verified").status_code == 200
    assert move(gbr, "committed").json()["status"] == "committed"
    assert move(planner, "deployed").json()["status"] == "deployed"
    assert gbr.patch(url, json={"quantity": 1}, headers={"If-Match": _etag(gbr.get(url))}).status_code == 409
    r = move(gbr, "withdrawn")
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "reason"
    r = move(gbr, "withdrawn", "battalion recalled for a national emergency")
    assert r.json()["status"] == "withdrawn"
    assert r.json()["withdrawn_reason"] == "battalion recalled for a national emergency"
    assert move(planner, "verified").status_code == 409
    # Nothing is deleted: the withdrawn pledge is still listed, with its whole history.
    assert any(x["id"] == p["id"] for x in planner.get("/api/pledges", params={"status": "withdrawn"}).json())
    actions = [a["action"] for a in gbr.get(f"{url}/history").json()][::-1]
    assert actions == ["create", "verify", "update", "verify", "commit", "deploy", "withdraw"]


def test_every_change_is_audited_with_before_and_after(api: Any) -> None:
    gbr, planner = api("editor-gbr"), api("planner")
    p = gbr.get("/api/pledges").json()[0]
    url = f"/api/pledges/{p['id']}"
    gbr.patch(url, json={"notice_to_move_days": 4.5}, headers={"If-Match": _etag(gbr.get(url))})
    entry = planner.get("/api/audit", params={"record": p["id"]}).json()[0]
    assert entry["actor"] == "editor-gbr" and entry["actor_role"] == "editor" and entry["action"] == "update"
    assert entry["changes"]["notice_to_move_days"] == [p["notice_to_move_days"], 4.5]
    assert entry["changes"]["version"] == [p["version"], p["version"] + 1]
    assert planner.get("/api/audit", params={"nation": "GBR"}).json()[0]["id"] == entry["id"]


def test_a_write_needs_the_version_it_changes_and_a_stale_one_is_refused(api: Any) -> None:
    gbr = api("editor-gbr")
    p = gbr.get("/api/pledges").json()[0]
    url = f"/api/pledges/{p['id']}"
    assert gbr.patch(url, json={"note": "x"}).status_code == 428
    old = _etag(gbr.get(url))
    assert gbr.patch(url, json={"note": "first"}, headers={"If-Match": old}).status_code == 200
    r = gbr.patch(url, json={"note": "second"}, headers={"If-Match": old})
    assert r.status_code == 409
    assert r.json()["current"]["note"] == "first" and r.json()["current"]["version"] == p["version"] + 1


def test_two_editors_racing_on_one_pledge_lose_nothing(api: Any) -> None:
    """Two editors of one nation read the same version and save at once, many times: every save is either kept
    whole or refused with 409; none is lost silently."""
    a, b = api("editor-gbr"), api("editor-gbr-2")
    p = a.get("/api/pledges").json()[0]
    url = f"/api/pledges/{p['id']}"
    accepted: list[str] = []
    for round_ in range(8):
        tag = _etag(a.get(url))
        results: dict[str, int] = {}
        barrier = threading.Barrier(2)

        def save(who: Any, note: str, tag: str = tag, barrier: Any = barrier, results: Any = results) -> None:
            barrier.wait()
            results[note] = who.patch(url, json={"note": note}, headers={"If-Match": tag}).status_code

        notes = (f"a{round_}", f"b{round_}")
        threads = [threading.Thread(target=save, args=(w, n)) for w, n in zip((a, b), notes, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results.values()) == [200, 409], results
        winner = next(n for n, code in results.items() if code == 200)
        accepted.append(winner)
        assert a.get(url).json()["note"] == winner
    history = [h for h in a.get(f"{url}/history").json() if h["action"] == "update"][::-1]
    assert [h["changes"]["note"][1] for h in history] == accepted
    assert a.get(url).json()["version"] == p["version"] + len(accepted)


def test_errors_name_the_field_in_the_loaders_words(api: Any, scenario_copy: Any, problems_of: Any) -> None:
    from tests.conftest import edit

    gbr = api("editor-gbr")
    r = gbr.post("/api/pledges", json={**NEW, "quantity": 0, "caveats": {"standof_km": 40}, "capability": "tank"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    errors = {e["path"]: e for e in r.json()["errors"]}
    assert errors["quantity"]["message"] == "Input should be greater than 0; got 0"
    assert errors["caveats.standof_km"]["message"] == "unknown field 'standof_km'"
    assert "standoff_km" in errors["caveats.standof_km"]["hint"]
    # The loader says the same of the same mistakes in a pledges.csv.
    edit(scenario_copy / "pledges.csv", "GBR-02,GBR,mech_inf_bn,3,", "GBR-02,GBR,mech_inf_bn,0,")
    loaded = {p.path[-1]: p.message for p in problems_of(scenario_copy)}
    # (a CSV cell is text, so the loader quotes the value it got: '0')
    assert loaded["quantity"].split(";")[0] == errors["quantity"]["message"].split(";")[0]
    # References are checked against the registry's catalogue, as the loader checks them.
    r = gbr.post("/api/pledges", json={**NEW, "capability": "tank_bn_typo"})
    assert r.status_code == 422
    e = r.json()["errors"][0]
    assert e["path"] == "capability" and e["message"] == "unknown capability 'tank_bn_typo'" and e["hint"]
    r = gbr.post("/api/pledges", json={**NEW, "available_from_day": 30, "available_until_day": 10})
    assert r.json()["errors"][0]["message"] == "available_until_day must be later than available_from_day"
    assert gbr.post("/api/pledges", json={**NEW, "quantity": True}).status_code == 422


def test_every_role_sees_the_aggregate_figures_over_every_nation(api: Any) -> None:
    planner, gbr = api("planner"), api("editor-gbr")
    every = planner.get("/api/pledges").json()
    fill = gbr.get("/api/fill").json()
    assert fill == planner.get("/api/fill").json() == api("observer").get("/api/fill").json()
    offered = sum(p["quantity"] * p["personnel_per_unit"] for p in every if p["status"] != "withdrawn")
    counted = sum(p["quantity"] * p["personnel_per_unit"] for p in every if p["status"] in ("committed", "deployed"))
    assert fill["personnel_offered"] == offered and fill["personnel_counted"] == counted
    assert fill["awaiting_verification"] == sum(p["status"] == "offered" for p in every)
    burden = planner.get("/api/burden").json()
    assert sum(b["personnel_counted"] for b in burden) == counted


def test_planners_edit_sections_and_the_whole_scenario_is_checked(api: Any) -> None:
    planner, gbr = api("planner"), api("editor-gbr")
    r = planner.get("/api/sections/requirement")
    req, tag = r.json()["body"], _etag(r)
    assert gbr.put("/api/sections/requirement", json={"body": req}, headers={"If-Match": tag}).status_code == 403
    bad = {**req, "slots": [{**req["slots"][0], "capability": "no_such_capability"}]}
    r = planner.put("/api/sections/requirement", json={"body": bad}, headers={"If-Match": tag})
    assert r.status_code == 422 and "unknown capability 'no_such_capability'" in r.text
    r = planner.put("/api/sections/requirement", json={"body": {**req, "max_personnel": 50_000}},
                    headers={"If-Match": tag})  # fmt: skip
    assert r.status_code == 200 and r.json()["body"]["max_personnel"] == 50_000
    assert gbr.get("/api/fill").json()["max_personnel"] == 50_000


def test_sign_in_throttling_csrf_and_sign_out(client: Any) -> None:
    r = client.post("/api/session", json={"username": "editor-fra", "password": "wrong password here"})
    assert r.status_code == 401 and r.json()["detail"] == "wrong username or password"
    r = client.post("/api/session", json={"username": "nobody", "password": "wrong password here"})
    assert r.status_code == 401 and r.json()["detail"] == "wrong username or password"  # no user enumeration
    r = client.post("/api/session", json={"username": "editor-gbr", "password": PASSWORD})
    assert r.status_code == 200
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
    csrf = r.json()["csrf_token"]
    assert client.get("/api/me").json()["nation"] == "GBR"
    assert client.post("/api/pledges", json=NEW).status_code == 403  # a cookie alone cannot write (CSRF)
    assert client.post("/api/pledges", json=NEW, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert client.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/me").status_code == 401
    for _ in range(5):
        client.post("/api/session", json={"username": "editor-fra", "password": "still the wrong one"})
    r = client.post("/api/session", json={"username": "editor-fra", "password": PASSWORD})
    assert r.status_code == 429 and "too many failed sign-ins" in r.json()["detail"]
    assert int(r.headers["Retry-After"]) > 0


def test_hostile_requests_get_problem_details_not_crashes(api: Any, client: Any) -> None:
    gbr = api("editor-gbr")
    big = {"note": "x" * (2 * 1024 * 1024)}
    assert gbr.post("/api/pledges", json={**NEW, **big}).status_code == 413
    broken = gbr.post("/api/pledges", content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422
    r = gbr.get("/api/pledges/%3Cscript%3E")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/pledges", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_editors_offering_at_once_get_distinct_ids(api: Any) -> None:
    """Found by the load benchmark: two editors of one nation offering at the same moment took the same generated
    id, and the second got a 500. Now each gets its own."""
    a, b = api("editor-gbr"), api("editor-gbr-2")
    codes: list[int] = []
    ids: list[str] = []
    barrier = threading.Barrier(6)

    def offer(who: Any) -> None:
        barrier.wait()
        r = who.post("/api/pledges", json=NEW)
        codes.append(r.status_code)
        ids.append(r.json().get("id", ""))

    threads = [threading.Thread(target=offer, args=(w,)) for w in (a, b) * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [201] * 6 and len(set(ids)) == 6


def test_restating_the_current_values_changes_nothing_of_substance(api: Any) -> None:
    """A body that spells out the caveats' defaults is the same pledge: a verified pledge stays verified."""
    gbr = api("editor-gbr")
    p = next(x for x in gbr.get("/api/pledges").json() if x["status"] == "verified")
    url = f"/api/pledges/{p['id']}"
    full = {"no_frontline": False, "air_only": False, **p["caveats"]}
    r = gbr.patch(url, json={"caveats": full, "quantity": p["quantity"], "note": "restated"},
                  headers={"If-Match": _etag(gbr.get(url))})  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "verified" and r.json()["caveats"] == p["caveats"]
    r = gbr.patch(url, json={"quantity": p["quantity"] + 1}, headers={"If-Match": _etag(gbr.get(url))})
    assert r.json()["status"] == "offered"  # a real change still needs verifying again


def test_an_observer_reads_the_coalitions_totals_and_nothing_built_from_pledges(api: Any, client: Any) -> None:
    """The roles table (docs/registry.md): an observer reads ``/api/fill`` (totals per capability and status, no
    pledge or nation named), not the pledges, the live match's figures, the outlook or the downloads."""
    observer = api("observer")
    fill = observer.get("/api/fill")
    assert fill.status_code == 200 and fill.json()["personnel_offered"] > 0
    assert not [k for k in fill.text.split('"') if re.fullmatch(r"[A-Z]{3}-\d+", k)], "a pledge id in the totals"
    for path in ("/api/pledges", "/api/burden", "/api/outlook"):
        assert observer.get(path).status_code == 403, path
    client.cookies.clear()
    r = client.post("/login", data={"username": "observer", "password": PASSWORD, "next": "/plans"})
    assert r.status_code in (200, 303)
    for table in ("pledges", "fill", "shortfalls", "audit"):
        assert client.get(f"/export/{table}.csv").status_code == 403, table
