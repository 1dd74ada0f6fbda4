"""Issue #24's attacks through the HTTP API, on SQLite and on PostgreSQL: one nation breaking the coalition's
figures, squatting or probing another's ids, bodies the server choked on, the renewal bypass. Each failed before the
fix (500, 201 or 409 where the wall now holds)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.registry_seed import PASSWORD

pytestmark = pytest.mark.integration

NEW = {
    "capability": "mech_inf_bn",
    "quantity": 2,
    "personnel_per_unit": 700,
    "notice_to_move_days": 10,
    "home_base": [-1.7, 51.2],
}
BIGGEST = {**NEW, "quantity": 1000, "personnel_per_unit": 20_000}
"""The largest pledge the bounds accept: 20 million personnel."""


def _etag(r: Any) -> str:
    return str(r.headers["ETag"])


# ---------------------------------------------------------------------------------------------- bounds, aggregates


def test_an_implausible_pledge_is_refused_at_the_door_with_the_field_named(api: Any) -> None:
    gbr = api("editor-gbr")
    r = gbr.post("/api/pledges", json={**NEW, "quantity": 1000, "personnel_per_unit": 5_000_000})
    assert r.status_code == 422, r.text
    assert [e["path"] for e in r.json()["errors"]] == ["personnel_per_unit"]
    for field, value in (("quantity", 1001), ("notice_to_move_days", 366), ("available_from_day", 3651)):
        r = gbr.post("/api/pledges", json={**NEW, field: value})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == field, (field, r.text)
    p = gbr.get("/api/pledges").json()[0]
    r = gbr.patch(f"/api/pledges/{p['id']}", json={"quantity": 10**9}, headers={"If-Match": f'"{p["version"]}"'})
    assert r.status_code == 422


def test_the_database_refuses_what_the_model_refuses(backend: Any) -> None:
    """The CHECK constraint holds even for a write that skips the application (the owner's raw SQL)."""
    from sqlalchemy import create_engine, text

    from forceplan.registry.db import normalise_url

    engine = create_engine(normalise_url(backend.owner_url))
    try:
        with pytest.raises(Exception, match="ck_pledges_bounds"), engine.begin() as c:
            c.execute(text("UPDATE pledges SET personnel_per_unit = 5000000 WHERE nation = 'GBR'"))
        with pytest.raises(Exception, match="ck_pledges_bounds"), engine.begin() as c:
            c.execute(text("UPDATE pledges SET note = :n WHERE nation = 'GBR'"), {"n": "x" * 2001})
    finally:
        engine.dispose()


def test_max_bound_pledges_leave_every_figure_answering_and_withdrawn_ones_uncounted(api: Any) -> None:
    gbr, fra, planner = api("editor-gbr"), api("editor-fra"), api("planner")
    made = [gbr.post("/api/pledges", json=BIGGEST) for _ in range(3)]
    assert all(r.status_code == 201 for r in made), made[0].text
    before = planner.get("/api/fill").json()["personnel_offered"]
    for who in (gbr, fra, planner):
        assert who.get("/api/fill").status_code == 200
    assert planner.get("/api/burden").status_code == 200
    browser = fra.client  # FRA's editor in the web app: its nation page and the dashboard
    r = browser.post("/login", data={"username": "editor-fra", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert browser.get("/nation", follow_redirects=False).status_code == 200
    browser.post("/login", data={"username": "planner", "password": PASSWORD}, follow_redirects=False)
    assert browser.get("/dashboard", follow_redirects=False).status_code == 200
    burden = {b["nation"]: b for b in planner.get("/api/burden").json()}
    assert burden["GBR"]["personnel_offered"] >= 3 * 20_000_000  # beyond 32 bits, summed exactly
    p = made[0].json()
    r = gbr.post(f"/api/pledges/{p['id']}/transitions", json={"to": "withdrawn", "reason": "recalled"},
                 headers={"If-Match": _etag(made[0])})  # fmt: skip
    assert r.status_code == 200
    after = planner.get("/api/fill").json()
    assert after["personnel_offered"] == before - 20_000_000
    assert all(c["units"]["withdrawn"] == 0 for c in after["capabilities"])


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(quantity=st.integers(1, 1000), per_unit=st.integers(1, 20_000), n=st.integers(1, 4))
@example(quantity=1000, per_unit=20_000, n=4)
def test_no_accepted_pledge_can_make_an_aggregate_fail(api: Any, quantity: int, per_unit: int, n: int) -> None:
    """Pledges accumulate across the examples (one database per backend): every figure still answers."""
    gbr, planner = api("editor-gbr"), api("planner")
    for _ in range(n):
        r = gbr.post("/api/pledges", json={**NEW, "quantity": quantity, "personnel_per_unit": per_unit})
        assert r.status_code == 201
    assert planner.get("/api/fill").status_code == 200
    assert planner.get("/api/burden").status_code == 200


# ---------------------------------------------------------------------------------------------- ids


def test_an_editor_cannot_choose_an_id_and_a_clash_tells_nothing(api: Any) -> None:
    gbr, planner = api("editor-gbr"), api("planner")
    fra_id = next(p["id"] for p in planner.get("/api/pledges").json() if p["nation"] == "FRA")
    for pid in ("ITA-05", fra_id, "GBR-99"):
        r = gbr.post("/api/pledges", json={**NEW, "id": pid})
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["path"] == "id" and "exists" not in r.text
    # Nothing was squatted: every id the registry gives is in the editor's own namespace.
    r = gbr.post("/api/pledges", json=NEW)
    assert r.status_code == 201 and r.json()["id"].startswith("GBR-")
    fra = api("editor-fra").post("/api/pledges", json={**NEW, "home_base": [2.3, 48.8]})
    assert fra.status_code == 201 and fra.json()["id"].startswith("FRA-")


def test_fifty_concurrent_creates_by_one_nation_all_succeed_with_distinct_ids(api: Any) -> None:
    gbr = api("editor-gbr")
    gbr2 = api("editor-gbr-2")
    results: list[Any] = []
    lock = threading.Lock()

    def create(who: Any) -> None:
        r = who.post("/api/pledges", json=NEW)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=create, args=(gbr if i % 2 else gbr2,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [201] * 50, {r.status_code: r.text for r in results}
    ids = [r.json()["id"] for r in results]
    assert len(set(ids)) == 50 and all(i.startswith("GBR-") for i in ids)


def test_a_materiel_id_of_another_nation_neither_fails_nor_tells(api: Any) -> None:
    gbr = api("editor-gbr")
    stock = {"item": "Challenger 2 tank", "quantity": 4, "depot": [21.0, 50.0], "combat_power_per_item": 0.03,
             "release_prep_h": 24}  # fmt: skip
    r = gbr.post("/api/materiel", json={**stock, "id": "MAT-03"})  # France's
    assert r.status_code == 422 and "FRA" not in r.text
    r = gbr.post("/api/materiel", json={**stock, "id": "GBR-M1"})
    assert r.status_code == 201, r.text
    assert gbr.post("/api/materiel", json={**stock, "id": "GBR-M1"}).status_code == 409


# ---------------------------------------------------------------------------------------------- renewal bypass


def test_expires_on_comes_only_from_the_lifecycle(api: Any) -> None:
    gbr, planner = api("editor-gbr"), api("planner")
    assert gbr.post("/api/pledges", json={**NEW, "expires_on": "2099-12-31"}).status_code == 422
    p = next(x for x in gbr.get("/api/pledges").json() if x["status"] == "committed")
    tag = {"If-Match": f'"{p["version"]}"'}
    r = gbr.patch(f"/api/pledges/{p['id']}", json={"expires_on": "2099-12-31"}, headers=tag)
    assert r.status_code == 422
    assert gbr.get(f"/api/pledges/{p['id']}").json()["expires_on"] == p["expires_on"]
    assert planner.get(f"/api/pledges/{p['id']}").json()["status"] == "committed"


# ---------------------------------------------------------------------------------------------- no 500


WRITES = [
    ("post", "/api/pledges"),
    ("patch", "/api/pledges/GBR-01"),
    ("post", "/api/pledges/GBR-01/transitions"),
    ("post", "/api/materiel"),
    ("patch", "/api/materiel/MAT-01"),
    ("put", "/api/sections/requirement"),
    ("post", "/api/runs"),
    ("post", "/api/session"),
    ("post", "/api/tokens"),
]


@pytest.mark.parametrize(("method", "url"), WRITES)
def test_a_write_with_no_body_is_a_422_not_a_500(api: Any, method: str, url: str) -> None:
    who = api("planner") if "sections" in url or "runs" in url else api("editor-gbr")
    r = getattr(who.client, method)(url, headers={**who.headers, "If-Match": '"1"'})
    assert r.status_code == 422, r.text
    r = who.client.request(method.upper(), url, headers={**who.headers, "If-Match": '"1"',
                                                          "Content-Type": "application/json"}, content=b"")  # fmt: skip
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800", "a\\udfffb", "\\ud83d"])
def test_a_nul_or_a_lone_surrogate_is_refused_with_the_field_named(api: Any, bad: str) -> None:
    gbr = api("editor-gbr")
    body = ('{"capability": "mech_inf_bn", "quantity": 1, "personnel_per_unit": 10, "notice_to_move_days": 1, '
            f'"home_base": [0, 50], "note": "x{bad}y"}}')  # fmt: skip
    r = gbr.post("/api/pledges", content=body.encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["path"] == "note"
    p = gbr.get("/api/pledges").json()[0]
    r = gbr.patch(f"/api/pledges/{p['id']}", content=f'{{"note": "{bad}"}}'.encode(),
                  headers={"Content-Type": "application/json", "If-Match": f'"{p["version"]}"'})  # fmt: skip
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("path", ["/api/pledges/a%00b", "/api/pledges/%ED%A0%80", "/api/audit?record=%00"])
def test_a_nul_or_a_surrogate_in_the_address_is_refused(api: Any, path: str) -> None:
    r = api("planner").get(path)
    assert r.status_code in (400, 404, 422), r.text


@pytest.mark.parametrize("run_id", [2**63, 2**63 - 1, 10**30, -(2**63) - 1])
def test_a_run_id_beyond_64_bits_is_not_found_or_invalid(api: Any, run_id: int) -> None:
    r = api("planner").get(f"/api/runs/{run_id}")
    assert r.status_code in (404, 422), r.text


def test_an_oversized_body_is_413_with_or_without_a_length(api: Any) -> None:
    gbr = api("editor-gbr")
    big = b'{"note": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    r = gbr.post("/api/pledges", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text

    def chunks() -> Any:
        for i in range(0, len(big), 64 * 1024):
            yield big[i : i + 64 * 1024]

    r = gbr.post("/api/pledges", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
