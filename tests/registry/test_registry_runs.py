"""Plan runs from the live registry: a background job in a worker process with progress, keeping its input; its
plan.json equals ``forceplan plan`` on the registry's export byte for byte. And the CLI around the registry."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from forceplan.cli.app import run
from tests.registry.conftest import Api
from tests.registry_seed import PASSWORD

pytestmark = pytest.mark.integration

TRIALS = ["--trials", "1000", "--response-trials", "100", "--seed", "7"]


def test_a_plan_run_on_the_registry_equals_forceplan_plan_on_its_export(sqlite_template: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from forceplan.registry.api import create_app

    db = tmp_path / "registry.sqlite"
    shutil.copyfile(sqlite_template, db)
    url = f"sqlite:///{db}"
    with TestClient(create_app(url)) as client:
        planner, gbr = Api(client, "planner"), Api(client, "editor-gbr")
        assert gbr.post("/api/runs", json={"seed": 7}).status_code == 403
        r = planner.post("/api/runs", json={"seed": 7, "trials": 1000, "response_trials": 100})
        assert r.status_code == 202, r.text
        run_id = r.json()["id"]
        assert r.headers["Location"] == f"/api/runs/{run_id}"
        seen: set[str] = set()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            status = planner.get(f"/api/runs/{run_id}").json()
            seen.add(status["stage"])
            if status["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
        assert status["status"] == "done", status
        assert status["progress"] == 1.0 and len(seen) >= 3  # progress was visible while it ran
        plan_json = planner.get(f"/api/runs/{run_id}/plan.json").text
        report = planner.get(f"/api/runs/{run_id}/report.html")
        assert report.status_code == 200 and "default-src 'none'" in report.headers["content-security-policy"]
        # Unpublished: nation editors and observers do not see it; published: they do.
        assert gbr.get(f"/api/runs/{run_id}").status_code == 404
        assert planner.post(f"/api/runs/{run_id}/publish").json()["published"] is True
        # Published, each reader sees what the API would show it: an editor its own nation's detail and the
        # coalition's totals, an observer the totals; the full report is for planners.
        every = {p["id"]: p["nation"] for p in planner.get("/api/pledges").json()}
        full = json.loads(plan_json)
        assert any(f'"{pid}"' in plan_json for pid, n in every.items() if n != "GBR")  # the full plan names them
        mine = gbr.get(f"/api/runs/{run_id}/plan.json")
        assert mine.status_code == 200
        assert not [pid for pid, n in every.items() if n != "GBR" and f'"{pid}"' in mine.text]
        assert any(f'"{pid}"' in mine.text for pid, n in every.items() if n == "GBR")
        totals = json.loads(mine.text)["forcegen"]["totals"]
        assert totals["personnel_matched"] == full["forcegen"]["totals"]["personnel_matched"]
        seen_by_observer = Api(client, "observer").get(f"/api/runs/{run_id}/plan.json").text
        assert not [pid for pid in every if f'"{pid}"' in seen_by_observer]
        assert gbr.get(f"/api/runs/{run_id}/report.html").status_code == 403
        # The web app's map of the newest published run shows an editor the same: its own placements only.
        assert client.post("/login", data={"username": "editor-gbr", "password": PASSWORD}).status_code == 200
        frame = client.get("/map/frame")
        assert frame.status_code == 200
        assert not [pid for pid, n in every.items() if n != "GBR" and f'"{pid}"' in frame.text]
        # Its pages link only what it may open: plan.json, no report (403) and no comparison (403).
        for page in (client.get("/plans").text, client.get(f"/plans/{run_id}/progress").text):
            assert f"/api/runs/{run_id}/plan.json" in page and f"/api/runs/{run_id}/report.html" not in page
            assert "Compare the two runs" not in page
        client.cookies.clear()
        assert Api(client, "observer").get(f"/api/runs/{run_id}/report.html").status_code == 403
        outlook = gbr.get("/api/outlook").json()
        assert outlook["run"]["id"] == run_id
        assert all(u["nation"] == "GBR" for u in outlook["unused"])
    assert run(["registry", "export", str(tmp_path / "exported"), "--db", url]) == 0
    assert run(["plan", str(tmp_path / "exported" / "scenario.yaml"), "--out", str(tmp_path / "cli"), "--no-pdf",
                *TRIALS]) == 0  # fmt: skip
    assert (tmp_path / "cli" / "plan.json").read_text() == plan_json
    assert json.loads(plan_json)["meta"]["scenario_digest"] == status["input_digest"]


def test_registry_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    assert run(["db", "upgrade", "--db", url]) == 0
    assert run(["registry", "import", "ukraine-2025", "--db", url]) == 0
    assert run(["registry", "import", "ukraine-2025", "--db", url]) == 2  # holds pledges: needs --replace
    assert "--replace" in capsys.readouterr().err
    assert run(["users", "add", "ed", "--role", "editor", "--db", url]) == 2  # an editor needs a nation
    assert run(["users", "add", "ed", "--role", "editor", "--nation", "GBR", "--db", url]) == 0
    assert "one-time password" in capsys.readouterr().out
    assert run(["users", "disable", "ed", "--db", url]) == 0
    assert run(["users", "list", "--db", url]) == 0
    assert "disabled" in capsys.readouterr().out
    assert run(["users", "reset-password", "nobody", "--db", url]) == 2
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    assert run(["registry", "export", str(tmp_path / "full"), "--db", url]) == 2
    assert run(["registry", "export", str(tmp_path / "x"), "--db", "nosuchdriver://x"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_demo_starts_on_localhost_with_accounts(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "FORCEPLAN_PORT": str(port), "NO_COLOR": "1", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "forceplan", "serve", "--demo"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline() if proc.stdout else ""
            lines.append(line)
            if "forceplan registry on" in line or proc.poll() is not None:
                break
        assert f"http://127.0.0.1:{port}" in "".join(lines), "".join(lines)
        planner = next(ln for ln in lines if ln.strip().startswith("│ planner") or " planner " in ln)
        password = planner.split("│")[-2].strip() if "│" in planner else planner.split()[-1]
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        r = httpx.post(f"http://127.0.0.1:{port}/api/tokens", json={"username": "planner", "password": password})
        assert r.status_code == 201, (r.text, lines)
        bearer = {"Authorization": f"Bearer {r.json()['token']}"}
        # A demo password is one-time: nothing but changing it is allowed until it is changed.
        assert httpx.get(f"http://127.0.0.1:{port}/api/pledges", headers=bearer).status_code == 403
        r = httpx.post(f"http://127.0.0.1:{port}/api/password", headers=bearer,
                       json={"current_password": password, "new_password": "the planner's own password"})  # fmt: skip
        assert r.status_code == 204, r.text
        assert len(httpx.get(f"http://127.0.0.1:{port}/api/pledges", headers=bearer).json()) == 94
        assert (tmp_path / "forceplan-registry.sqlite").exists()  # the embedded default: a file in the folder
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        if proc.stdout:
            proc.stdout.close()
    assert PASSWORD not in "".join(lines)


def test_a_plan_filtered_for_a_nation_keeps_its_own_detail_and_the_totals_only() -> None:
    from forceplan.registry.jobs import filter_plan

    owners = {"GBR-01": "GBR", "FRA-01": "FRA", "FRA-011": "FRA", "ITA-02": "ITA"}
    plan = {
        "totals": {"personnel_matched": 1500, "nations_contributing": 3},
        "burden": [{"nation": "GBR", "personnel_matched": 700}, {"nation": "FRA", "personnel_matched": 800}],
        "unused": [{"pledge": "FRA-01", "reason": "too slow"}, {"pledge": "GBR-01", "reason": "caveat"}],
        "by_pledge": {"GBR-01": 1, "ITA-02": 2},
        "by_nation": {"FRA": 1, "GBR": 2},
        "slots": [{"slot": "s1", "pledges": ["GBR-01", "FRA-011"], "why": "FRA-011 and GBR-01 share; FRA-01 idle"}],
        "garrisons": [
            {"site": "a", "placements": [{"pledge": "GBR-01", "nation": "GBR"}, {"pledge": "FRA-01", "nation": "FRA"}]},
            {"site": "b", "placements": [{"pledge": "ITA-02", "nation": "ITA"}]},
        ],
    }
    gbr = filter_plan(plan, "GBR", owners)
    assert gbr == {
        "totals": {"personnel_matched": 1500, "nations_contributing": 3},
        "burden": [{"nation": "GBR", "personnel_matched": 700}],
        "unused": [{"pledge": "GBR-01", "reason": "caveat"}],
        "by_pledge": {"GBR-01": 1},
        "by_nation": {"GBR": 2},
        "slots": [{"slot": "s1", "pledges": ["GBR-01"],
                   "why": "another nation's pledge and GBR-01 share; another nation's pledge idle"}],
        "garrisons": [{"site": "a", "placements": [{"pledge": "GBR-01", "nation": "GBR"}]}],
    }  # fmt: skip
    observer = filter_plan(plan, None, owners)
    assert observer["burden"] == [] and observer["by_pledge"] == {} and observer["totals"] == plan["totals"]
