"""Monitoring: classification against hand-placed incidents, rules at their edges, escalation, the RFC 6962 log,
every tamper case, idempotent ingest, crash safety."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely

from forceplan.geo import geodesic_km, to_lonlat
from forceplan.monitoring.classify import classify
from forceplan.monitoring.escalation import escalation_timeline, levels_at
from forceplan.monitoring.incidents import Incident, read_incidents
from forceplan.monitoring.ingest import ingest
from forceplan.monitoring.log import (
    Log,
    check_inclusion,
    countersign,
    generate_key,
    load_private_key,
    make_checkpoint,
    verify_log,
)
from forceplan.monitoring.merkle import leaf_hash, root_from_leaves
from forceplan.scenario import Scenario, line_of_contact

pytestmark = pytest.mark.unit
GEOD = pyproj.Geod(ellps="WGS84")
ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def incident(eid: str, lon: float, lat: float, hours: float = 0.0, **kw) -> Incident:
    return Incident(event_id=eid, time=T0 + dt.timedelta(hours=hours), lon=lon, lat=lat, **kw)


def at_distance(bundled: Scenario, km: float, controlled: bool, anchor: tuple[float, float] = (35.6, 47.6)):
    """A point ``km`` from the line, on the chosen side: walk from the line's nearest point along the normal."""
    loc = line_of_contact(bundled)
    from forceplan.geo import to_metric

    p = to_metric(shapely.Point(anchor))
    q = loc.line_m.interpolate(loc.line_m.project(p))
    sign = 1.0 if bool(loc.is_occupied(*anchor)) != controlled else -1.0  # walk towards or away from the anchor
    for step in np.linspace(0.0, 1.0, 2001)[1:]:
        cand = shapely.Point(q.x + sign * (p.x - q.x) * step * 50, q.y + sign * (p.y - q.y) * step * 50)
        d = loc.line_m.distance(cand) / 1000
        ll = to_lonlat(cand)
        if abs(d - km) < 0.05 and bool(loc.is_occupied(ll.x, ll.y)) != controlled:
            return ll.x, ll.y
    raise AssertionError("no point found")


def test_side_and_signed_distance_against_geodesic(bundled: Scenario) -> None:
    loc = line_of_contact(bundled)
    pts = [(35.78, 47.57), (35.84, 47.45), (35.05, 48.46), (35.37, 46.84), (37.80, 48.00)]
    out = classify(bundled, [incident(f"e{i}", x, y) for i, (x, y) in enumerate(pts)])
    assert [c.side for c in out] == ["controlled", "occupied", "controlled", "occupied", "occupied"]
    from forceplan.geo import to_metric

    for (x, y), c in zip(pts, out, strict=True):
        p = to_metric(shapely.Point(x, y))
        near = to_lonlat(loc.line_m.interpolate(loc.line_m.project(p)))
        g = float(geodesic_km(x, y, near.x, near.y))
        assert abs(abs(c.signed_distance_km) - g) < 1.0, "within 1 km of an independent geodesic computation"
        assert (c.signed_distance_km > 0) == (c.side == "controlled")


@pytest.mark.parametrize(
    ("rule", "km", "expect"),
    [("R1-artillery", 49.5, True), ("R1-artillery", 50.5, False), ("R2-mlrs", 69.5, True), ("R2-mlrs", 70.5, False)],
)
def test_weapon_exclusion_just_inside_and_outside(bundled: Scenario, rule: str, km: float, expect: bool) -> None:
    x, y = at_distance(bundled, km, controlled=True)
    weapon, calibre = ("artillery", 152.0) if rule == "R1-artillery" else ("mlrs", 122.0)
    (c,) = classify(bundled, [incident("e", x, y, weapon_class=weapon, calibre_mm=calibre)])
    assert (rule in c.violations) is expect, (km, c)


def test_calibre_threshold_and_no_fly_and_buffer(bundled: Scenario) -> None:
    x, y = at_distance(bundled, 3.0, controlled=False)
    small, big, heli, battle = classify(
        bundled,
        [
            incident("a", x, y, weapon_class="artillery", calibre_mm=82),
            incident("b", x, y, weapon_class="artillery", calibre_mm=100),
            incident("c", x, y, weapon_class="helicopter"),
            incident("d", x, y, event_type="Battles"),
        ],
    )
    assert "R1-artillery" not in small.violations and "R1-artillery" in big.violations
    assert "R4-no-fly" in heli.violations and "R7-buffer" in heli.violations and small.in_buffer
    assert battle.violations == ("R5-assault",) and battle.severity == 5
    far = classify(bundled, [incident("e", *at_distance(bundled, 31.0, True), weapon_class="helicopter")])[0]
    assert "R4-no-fly" not in far.violations and not far.in_buffer


def test_strike_near_a_protected_site(bundled: Scenario) -> None:
    site = next(s for s in bundled.sites if s.id == "npp-rivne").location
    lon_in, lat_in, _ = GEOD.fwd(site[0], site[1], 90, 4_900)
    lon_out, lat_out, _ = GEOD.fwd(site[0], site[1], 90, 5_200)
    near, far = classify(
        bundled,
        [
            incident("a", lon_in, lat_in, event_type="Explosions/Remote violence"),
            incident("b", lon_out, lat_out, event_type="Explosions/Remote violence"),
        ],
    )
    assert near.nearest_site == "npp-rivne" and "R6-protected-site" in near.violations
    assert "R6-protected-site" not in far.violations


def test_observer_bearing_and_distance(tmp_path: Path) -> None:
    f = tmp_path / "obs.csv"
    f.write_text(
        "event_id_cnty,event_date,observer_lon,observer_lat,bearing_deg,distance_km\n"
        "X1,2026-03-01T10:00,35.0,48.0,90,10\n"
    )
    (inc,), rejected, n = read_incidents(f)
    lon, lat, _ = GEOD.fwd(35.0, 48.0, 90, 10_000)
    assert (inc.lon, inc.lat) == pytest.approx((lon, lat)) and inc.located_by.startswith("observer")
    assert rejected == [] and n == 1


def test_malformed_rows_reported_and_json_geojson_inputs(tmp_path: Path) -> None:
    j = tmp_path / "i.json"
    j.write_text(
        json.dumps(
            [
                {"event_id_cnty": "A", "event_date": "2026-03-01", "latitude": 48, "longitude": 35},
                {"event_id_cnty": "B", "event_date": "2026-03-01"},
            ]
        )
    )
    good, bad, _ = read_incidents(j)
    assert [g.event_id for g in good] == ["A"] and bad[0].row == 2 and "latitude and longitude" in bad[0].reason
    g = tmp_path / "i.geojson"
    g.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [35.0, 48.0]},
                        "properties": {"event_date": "2026-03-01T05:00:00"},
                    }
                ],
            }
        )
    )
    (inc,), bad, _ = read_incidents(g)
    assert inc.event_id.startswith("sha256:") and (inc.lon, inc.lat) == (35.0, 48.0) and not bad


def test_escalation_levels_by_hand(bundled: Scenario) -> None:
    x, y = at_distance(bundled, 2.0, controlled=False)
    # Five artillery incidents (severity 3) within 24 h: count ≥ 5 → level 1; then an assault burst of
    # severity 5 × 3 in one hour: ≥ 15 → level 4.
    incs = [incident(f"a{i}", x, y, hours=i, weapon_class="artillery", calibre_mm=152) for i in range(5)]
    incs += [incident(f"b{i}", x, y, hours=30 + i * 0.2, event_type="Battles") for i in range(3)]
    recs = [
        {**i.model_dump(mode="json"), "sector": c.sector, "severity": c.severity}
        for i, c in zip(incs, classify(bundled, incs), strict=True)
    ]
    changes = [(c.level, round((c.time - T0).total_seconds() / 3600, 2)) for c in escalation_timeline(bundled, recs)]
    assert changes[0] == (1, 3.0)  # the 4th incident (severity sum 12 ≥ 10) at hour 3
    assert (4, 30.4) in changes  # the third assault in the hour
    lv = levels_at(bundled, recs, T0 + dt.timedelta(hours=30.5))
    assert lv["south"] is not None and lv["south"].level == 4 and "long_range_fires" in lv["south"].options
    assert levels_at(bundled, recs, T0 + dt.timedelta(days=3))["south"] is None, "levels fall as windows pass"


# ---------------------------------------------------------------------------------------------- the log


def test_rfc6962_roots_of_known_inputs() -> None:
    # Test vectors of the Certificate Transparency reference implementation.
    inputs = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        bytes(range(0x50, 0x58)),
        bytes(range(0x60, 0x70)),
    ]
    expected = {
        1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    }
    leaves = [leaf_hash(x) for x in inputs]
    for n, root in expected.items():
        assert root_from_leaves(leaves[:n]).hex() == root
    assert root_from_leaves([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.fixture
def signed_log(bundled: Scenario, tmp_path: Path):
    log_dir = tmp_path / "log"
    s = ingest(bundled, ROOT / "examples" / "incidents-sample.csv", log_dir)
    assert s.appended == 5
    priv, _ = generate_key(tmp_path / "keys", "coalition")
    key = load_private_key(priv)
    cp = make_checkpoint(Log.open(log_dir), key, "coalition")
    ukr = load_private_key(generate_key(tmp_path / "keys", "ukraine")[0])
    cp = countersign(cp, ukr, "ukraine")
    return log_dir, cp


def test_intact_log_verifies_and_proves(signed_log) -> None:
    log_dir, cp = signed_log
    assert verify_log(log_dir, [cp]) == []
    log = Log.open(log_dir)
    for i in range(log.size):
        assert check_inclusion(log.inclusion(i), log.records[i])
    assert len(cp["signatures"]) == 2


def _rewrite(log_dir: Path, fn) -> None:
    path = log_dir / "records.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(fn(lines)))


def test_modified_record_detected(signed_log) -> None:
    log_dir, cp = signed_log
    _rewrite(log_dir, lambda ls: [ls[0], ls[1].replace(b'"severity":3', b'"severity":1'), *ls[2:]])
    found = verify_log(log_dir, [cp])
    assert any("checkpoint" in f.where for f in found) and any("root" in f.what for f in found)


def test_deleted_and_reordered_records_detected(signed_log) -> None:
    log_dir, cp = signed_log
    _rewrite(log_dir, lambda ls: [ls[0], ls[2], ls[1], *ls[3:]])
    found = verify_log(log_dir, [cp])
    assert any("seq 2, expected 1" in f.what and f.where.endswith("line 2") for f in found)
    _rewrite(log_dir, lambda ls: [ls[0], *ls[2:]])
    assert verify_log(log_dir, [cp])


def test_truncation_detected_even_with_a_matching_head(signed_log) -> None:
    log_dir, cp = signed_log
    # A keeper who truncates the log and rewrites head.json consistently is still caught by the checkpoint.
    lines = (log_dir / "records.jsonl").read_bytes().splitlines(keepends=True)[:3]
    (log_dir / "records.jsonl").write_bytes(b"".join(lines))
    leaves = [leaf_hash(x.rstrip(b"\n")) for x in lines]
    (log_dir / "head.json").write_text(
        json.dumps({"tree_size": 3, "root": root_from_leaves(leaves).hex(), "bytes": sum(len(x) for x in lines)})
    )
    found = verify_log(log_dir, [cp])
    assert [f.what for f in found] == ["truncated: the log has 3 records, the checkpoint published 5"]


def test_forged_signature_detected(signed_log) -> None:
    log_dir, cp = signed_log
    bad = {**cp, "root": "00" * 32}
    found = verify_log(log_dir, [bad])
    assert any("does not verify" in f.what for f in found)


def test_reingest_is_idempotent_and_strict_is_all_or_nothing(bundled: Scenario, tmp_path: Path) -> None:
    log_dir = tmp_path / "log"
    first = ingest(bundled, ROOT / "examples" / "incidents-sample.csv", log_dir)
    again = ingest(bundled, ROOT / "examples" / "incidents-sample.csv", log_dir)
    assert (first.read, first.accepted, first.duplicate, len(first.rejected)) == (6, 5, 0, 1)
    assert (again.appended, again.duplicate, again.tree_size) == (0, 5, 5)
    strict = ingest(bundled, ROOT / "examples" / "incidents-sample.csv", tmp_path / "strict", strict=True)
    assert strict.appended == 0 and Log.open(tmp_path / "strict").size == 0


def test_crash_before_the_head_leaves_the_old_log(bundled: Scenario, tmp_path: Path) -> None:
    log_dir = tmp_path / "log"
    ingest(bundled, ROOT / "examples" / "incidents-sample.csv", log_dir)
    more = tmp_path / "more.csv"
    more.write_text("event_id_cnty,event_date,latitude,longitude\nN1,2026-03-03,48.0,35.0\nN2,2026-03-03,48.1,35.1\n")
    env = {**os.environ, "FORCEPLAN_TEST_CRASH_BEFORE_HEAD": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "forceplan", "monitor", "ingest", str(more), "--log", str(log_dir)],
        env=env,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 70, proc.stderr
    assert verify_log(log_dir) == [] and Log.open(log_dir).size == 5, "valid at the old size"
    s = ingest(bundled, more, log_dir)  # the next append cuts off the orphaned bytes
    assert s.appended == 2 and verify_log(log_dir) == [] and Log.open(log_dir).size == 7


def test_killed_writer_leaves_a_valid_log(bundled: Scenario, tmp_path: Path) -> None:
    """SIGKILL a writer appending many batches at an arbitrary moment: the log verifies, at some batch size."""
    log_dir = tmp_path / "log"
    Log.open(log_dir, create=True)
    script = (
        "import sys; from forceplan.monitoring.log import Log\n"
        "log = Log.open(sys.argv[1])\n"
        "for b in range(100000):\n"
        "    log.append({'event_id': f'b{b}-{i}', 'payload': 'x' * 200} for i in range(50))\n"
    )
    for delay in (0.3, 0.55, 0.8):
        proc = subprocess.Popen([sys.executable, "-c", script, str(log_dir)])
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert verify_log(log_dir) == []
        log = Log.open(log_dir)
        assert log.size % 50 == 0, "whole batches only"


def test_frontier_root_equals_the_full_tree_root_for_every_size() -> None:
    from forceplan.monitoring.merkle import Frontier

    leaves = [leaf_hash(str(i).encode()) for i in range(130)]
    f = Frontier()
    assert f.root() == root_from_leaves([])
    for n, h in enumerate(leaves, start=1):
        f.add(h)
        assert f.root() == root_from_leaves(leaves[:n])
