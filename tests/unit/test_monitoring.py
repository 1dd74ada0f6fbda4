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
from hypothesis import given, settings
from hypothesis import strategies as st

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
    public_key_b64,
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
    priv, pub = generate_key(tmp_path / "keys", "coalition")
    key = load_private_key(priv)
    cp = make_checkpoint(Log.open(log_dir), key, "coalition")
    ukr_priv, ukr_pub = generate_key(tmp_path / "keys", "ukraine")
    cp = countersign(cp, load_private_key(ukr_priv), "ukraine")
    trusted = {"coalition": public_key_b64(pub), "ukraine": public_key_b64(ukr_pub)}
    return log_dir, cp, trusted


def check(log_dir: Path, cps=(), trusted=None) -> list[str]:
    """verify_log's findings as text (no checkpoint: only the log's internal consistency)."""
    return [
        f.what
        for f in verify_log(log_dir, [(f"checkpoint {i + 1}", c) for i, c in enumerate(cps)], trusted or {}).findings
    ]


def test_intact_log_verifies_and_proves(signed_log) -> None:
    log_dir, cp, trusted = signed_log
    v = verify_log(log_dir, [("cp", cp)], trusted)
    assert v.findings == [] and v.witnessed == 5 and v.unwitnessed == 0 and v.witnesses[5] == ["coalition", "ukraine"]
    log = Log.open(log_dir)
    for i in range(log.size):
        assert check_inclusion(log.inclusion(i), log.records[i])
    assert len(cp["signatures"]) == 2


def _rewrite(log_dir: Path, fn) -> None:
    path = log_dir / "records.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(fn(lines)))


def test_modified_record_detected(signed_log) -> None:
    log_dir, cp, trusted = signed_log
    _rewrite(log_dir, lambda ls: [ls[0], ls[1].replace(b'"severity":3', b'"severity":1'), *ls[2:]])
    found = check(log_dir, [cp], trusted)
    assert any("root" in f for f in found)


def test_deleted_and_reordered_records_detected(signed_log) -> None:
    log_dir, cp, trusted = signed_log
    _rewrite(log_dir, lambda ls: [ls[0], ls[2], ls[1], *ls[3:]])
    v = verify_log(log_dir, [("cp", cp)], trusted)
    assert any("seq 2, expected 1" in f.what and f.where.endswith("line 2") for f in v.findings)
    _rewrite(log_dir, lambda ls: [ls[0], *ls[2:]])
    assert check(log_dir, [cp], trusted)


def test_truncation_detected_even_with_a_matching_head(signed_log) -> None:
    log_dir, cp, trusted = signed_log
    # A keeper who truncates the log and rewrites head.json consistently is still caught by the checkpoint.
    _truncate(log_dir, 3)
    assert check(log_dir, [cp], trusted) == [
        "truncated or rolled back: the log holds 3 records, a trusted checkpoint published 5"
    ]


def test_forged_signature_detected(signed_log) -> None:
    log_dir, cp, trusted = signed_log
    bad = {**cp, "root": "00" * 32}
    assert any("does not verify" in f for f in check(log_dir, [bad], trusted))


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
    v = verify_log(log_dir, [], {})
    assert v.findings == [] and v.records == 5 and v.notes and Log.open(log_dir).size == 5, "valid at the old size"
    s = ingest(bundled, more, log_dir)  # the next append cuts off the orphaned bytes
    assert s.appended == 2 and check(log_dir) == [] and Log.open(log_dir).size == 7


def test_killed_writer_leaves_a_valid_log(bundled: Scenario, tmp_path: Path) -> None:
    """SIGKILL a writer appending many batches at an arbitrary moment: the log verifies, at some batch size."""
    log_dir = tmp_path / "log"
    Log.open(log_dir, create=True)
    script = (
        "import sys; from forceplan.monitoring.log import Log\n"
        "with Log.writer(sys.argv[1]) as log:\n"
        "    for b in range(100000):\n"
        "        log.append({'event_id': f'{sys.argv[2]}-{b}-{i}', 'payload': 'x' * 200} for i in range(50))\n"
    )
    for delay in (0.3, 0.55, 0.8):
        proc = subprocess.Popen([sys.executable, "-c", script, str(log_dir), f"run{delay}"])
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert check(log_dir) == []
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


# ---------------------------------------------------------------------------------------------- tamper matrix


def _commit_head(log_dir: Path) -> None:
    """Rewrite head.json to match whatever records.jsonl holds (what a keeper covering its tracks would do)."""
    lines = (log_dir / "records.jsonl").read_bytes().splitlines(keepends=True)
    leaves = [leaf_hash(x.rstrip(b"\n")) for x in lines]
    (log_dir / "head.json").write_text(
        json.dumps({"tree_size": len(lines), "root": root_from_leaves(leaves).hex(), "bytes": sum(map(len, lines))})
    )


def _truncate(log_dir: Path, k: int) -> None:
    path = log_dir / "records.jsonl"
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:k]))
    _commit_head(log_dir)


@pytest.fixture
def grown(signed_log, tmp_path: Path):
    """The signed log at 5 records (checkpoint cp5, also held outside), grown to 8, checkpointed again (cp8, held by
    another party), and a copy of the folder as it was at 5."""
    import shutil

    log_dir, cp5, trusted = signed_log
    old = tmp_path / "old-state"
    shutil.copytree(log_dir, old)
    (log_dir / "checkpoints").mkdir(exist_ok=True)
    (log_dir / "checkpoints" / "000000005-coalition.json").write_text(json.dumps(cp5))
    with Log.writer(log_dir) as log:
        log.append({"event_id": f"X{i}", "payload": i} for i in range(3))
        cp8 = make_checkpoint(log, load_private_key(tmp_path / "keys" / "coalition.key"), "coalition")
    return log_dir, cp5, cp8, trusted, old


def test_tamper_modified_after_last_checkpoint(grown) -> None:
    log_dir, cp5, cp8, trusted, _ = grown
    _rewrite(log_dir, lambda ls: [*ls[:6], ls[6].replace(b'"payload":1', b'"payload":9'), *ls[7:]])
    _commit_head(log_dir)
    assert any("do not hash to the trusted checkpoint" in f for f in check(log_dir, [cp8], trusted))
    v = verify_log(log_dir, [("cp5", cp5)], trusted)  # only the older checkpoint: the tail is unwitnessed
    assert v.findings == [] and v.witnessed == 5 and v.unwitnessed == 3


def test_tamper_truncated_with_checkpoints_removed(grown) -> None:
    import shutil

    log_dir, cp5, _, trusted, _ = grown
    shutil.rmtree(log_dir / "checkpoints")
    _truncate(log_dir, 3)
    assert any("truncated or rolled back" in f for f in check(log_dir, [cp5], trusted))
    assert verify_log(log_dir, [], trusted).witnessed == 0  # nothing outside: nothing witnessed


def test_tamper_rollback_replaying_an_old_state(grown) -> None:
    import shutil

    log_dir, cp5, cp8, trusted, old = grown
    shutil.rmtree(log_dir)
    shutil.copytree(old, log_dir)  # the old state, its own checkpoint and all
    assert check(log_dir, [cp5], trusted) == []
    assert any("truncated or rolled back" in f for f in check(log_dir, [cp5, cp8], trusted))


def test_tamper_forged_append(grown) -> None:
    log_dir, cp5, cp8, trusted, _ = grown
    _truncate(log_dir, 7)  # drop the real 8th record, forge another in its place
    with open(log_dir / "records.jsonl", "ab") as f:
        f.write(b'{"event_id":"FORGED","payload":0,"seq":7}\n')
    _commit_head(log_dir)
    assert any("do not hash to the trusted checkpoint" in f for f in check(log_dir, [cp8], trusted))
    assert verify_log(log_dir, [("cp5", cp5)], trusted).unwitnessed == 3


def test_tamper_duplicated_record(grown) -> None:
    log_dir, _, cp8, trusted, _ = grown
    _rewrite(log_dir, lambda ls: [*ls, ls[-1]])
    _commit_head(log_dir)
    found = check(log_dir, [cp8], trusted)
    assert any("duplicated" in f for f in found)


def test_tamper_unknown_key_claiming_a_trusted_name(grown, tmp_path: Path) -> None:
    log_dir, _, _, trusted, _ = grown
    mallory = load_private_key(generate_key(tmp_path / "evil", "mallory")[0])
    forged = make_checkpoint(Log.open(log_dir), mallory, "coalition")  # claims to be the coalition
    found = check(log_dir, [forged], trusted)
    assert any("a key other than the trusted one" in f for f in found)
    assert any("no trusted signature" in f for f in found)
    resigned = make_checkpoint(Log.open(log_dir), mallory, "mallory")
    found = check(log_dir, [resigned], trusted)
    assert any("not among the trusted keys" in f for f in found)


def test_tamper_head_with_negative_bytes_or_rolled_back(grown, bundled: Scenario) -> None:
    from forceplan.monitoring.log import LogError

    log_dir, _, cp8, trusted, old = grown
    head = json.loads((log_dir / "head.json").read_text())
    (log_dir / "head.json").write_text(json.dumps({**head, "bytes": -1}))
    assert any("non-negative" in f for f in check(log_dir, [cp8], trusted))
    with pytest.raises(LogError):
        ingest(bundled, ROOT / "examples" / "incidents-sample.csv", log_dir)
    # An older head.json restored over newer records that a checkpoint in the folder covers: a finding, and ingest
    # refuses to cut the committed records off.
    (log_dir / "head.json").write_text((old / "head.json").read_text())
    (log_dir / "checkpoints" / "000000008-coalition.json").write_text(json.dumps(cp8))
    assert any("rolled back" in f for f in check(log_dir, [cp8], trusted))
    more = log_dir.parent / "more.csv"
    more.write_text("event_id_cnty,event_date,latitude,longitude\nN9,2026-03-05,48.0,35.0\n")
    with pytest.raises(LogError, match="refusing to append"):
        ingest(bundled, more, log_dir)
    assert len((log_dir / "records.jsonl").read_bytes().splitlines()) == 8, "nothing truncated"


def test_two_concurrent_ingests_lose_nothing(tmp_path: Path) -> None:
    """Two processes ingest different files into one log at once: the lock serialises them, nothing is lost."""
    log_dir = tmp_path / "log"
    files = []
    for k in range(2):
        f = tmp_path / f"in{k}.csv"
        rows = [f"C{k}-{i},2026-03-0{1 + i % 9},{48.0 + (i % 50) / 100},{35.0 + (i % 40) / 100}" for i in range(1500)]
        f.write_text("event_id_cnty,event_date,latitude,longitude\n" + "\n".join(rows) + "\n")
        files.append(f)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "forceplan", "monitor", "ingest", str(f), "--log", str(log_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for f in files
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    log = Log.open(log_dir)
    assert log.size == 3000 and len(log.event_ids()) == 3000
    assert check(log_dir) == []


def test_root_is_current_after_appends_in_one_process(tmp_path: Path) -> None:
    """The stale-root bug: a checkpoint made in the same process after appends pairs the new size with the new root."""
    key = load_private_key(generate_key(tmp_path / "k", "coalition")[0])
    with Log.writer(tmp_path / "log") as log:
        for b in range(4):
            log.append({"event_id": f"E{b}-{i}"} for i in range(3))
            cp = make_checkpoint(log, key, "coalition")
            assert cp["root"] == root_from_leaves(log.leaves).hex() and cp["tree_size"] == 3 * (b + 1)
    again = Log.open(tmp_path / "log")
    assert again.root.hex() == cp["root"]


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.booleans()), min_size=1, max_size=12))
def test_appends_and_checkpoints_match_a_log_rebuilt_from_disk(tmp_path_factory, ops) -> None:
    folder = tmp_path_factory.mktemp("prop") / "log"
    key = load_private_key(generate_key(folder.parent / "k", "coalition")[0])
    cps = []
    n = 0
    with Log.writer(folder) as log:
        for size, make_cp in ops:
            log.append({"event_id": f"P{n + i}"} for i in range(size))
            n += size
            if make_cp:
                cps.append(make_checkpoint(log, key, "coalition"))
    disk = Log.open(folder)
    assert disk.size == n and disk.root == log.root
    for cp in cps:
        assert root_from_leaves(disk.leaves[: cp["tree_size"]]).hex() == cp["root"]
