"""Each pledge's kind of force and rotation policy in the registry (issue #25), on SQLite and PostgreSQL: imported
from the scenario, written by a nation, refused in the loader's words when out of bounds."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

NEW = {
    "capability": "mech_inf_bn",
    "quantity": 1,
    "personnel_per_unit": 700,
    "notice_to_move_days": 10,
    "home_base": [-1.7, 51.2],
    "caveats": {},
}


def test_rotation_policy_is_imported_written_and_checked(api: Any) -> None:
    planner, gbr = api("planner"), api("editor-gbr")
    every = {p["id"]: p for p in planner.get("/api/pledges").json()}
    est = every["EST-01"]
    assert est["force"] == "reserve" and est["rotation"] == {"rotations": 2}
    assert every["GBR-01"]["force"] == "regular" and every["GBR-01"]["rotation"] == {}
    r = gbr.post("/api/pledges", json={**NEW, "force": "conscript", "rotation": {"tour_months": 4, "rotations": 3}})
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["force"] == "conscript" and p["rotation"] == {"tour_months": 4.0, "rotations": 3}
    tag = {"If-Match": r.headers["ETag"]}
    r = gbr.patch(f"/api/pledges/{p['id']}", json={"rotation": {"dwell_ratio": 5}}, headers=tag)
    assert r.status_code == 200 and r.json()["rotation"] == {"dwell_ratio": 5.0}
    r = gbr.post("/api/pledges", json={**NEW, "rotation": {"tour_months": 0}, "force": "militia"})
    assert r.status_code == 422
    errors = {e["path"]: e["message"] for e in r.json()["errors"]}
    assert errors["rotation.tour_months"].startswith("Input should be greater than or equal to 1")
    assert "regular" in errors["force"]
