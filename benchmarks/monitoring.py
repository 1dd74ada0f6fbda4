"""Monitoring benchmark: classify 1,000,000 synthetic incidents against the bundled line of contact; append
5,000,000 records to the log in batches of 1,000 (the rate per million printed); verify a 1,000,000-record log.

Targets: classify ≤ 10 s (median), append ≥ 20,000 records/s sustained from 0 to 5,000,000 (no decline beyond
noise), verify 1,000,000 ≤ 10 s. Peers in the same run: a geopandas
spatial join plus per-row distance for the side and distance columns (on 100,000 incidents, scaled); the
``tamperlog`` package (RFC 6962 log) for append and verify (100,000 records).

Run: ``.venv/bin/python benchmarks/monitoring.py [--repeats 3] [--seed 1]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from common import machine_line

from forceplan.monitoring.classify import classify_arrays
from forceplan.monitoring.log import Log, verify_log
from forceplan.scenario import line_of_contact, load_scenario


def incidents(n: int, seed: int) -> dict[str, np.ndarray]:
    """Incidents scattered over a box around the front (lon 30-40 E, lat 45.5-51 N)."""
    rng = np.random.default_rng(seed)
    weapons = np.array(["", "artillery", "mlrs", "heavy_mlrs", "drone", "helicopter"], dtype=object)
    types = np.array(["Explosions/Remote violence", "Battles", "Strategic developments"], dtype=object)
    return {
        "lon": rng.uniform(30, 40, n),
        "lat": rng.uniform(45.5, 51, n),
        "event_type": types[rng.integers(0, 3, n)],
        "weapon": weapons[rng.integers(0, 6, n)],
        "calibre": rng.choice([np.nan, 82.0, 122.0, 152.0], n),
    }


def peer_geopandas(sc, d: dict[str, np.ndarray]) -> float:
    import geopandas as gpd

    from forceplan.geo import METRIC_CRS

    loc = line_of_contact(sc)
    t0 = time.perf_counter()
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(d["lon"], d["lat"]), crs="EPSG:4326")
    occ = gpd.GeoDataFrame(geometry=[loc.occupied], crs="EPSG:4326")
    joined = gpd.sjoin(pts, occ, how="left", predicate="within")
    side = np.where(joined["index_right"].notna(), "occupied", "controlled")
    line = gpd.GeoSeries([loc.line], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    dist = pts.to_crs(METRIC_CRS).geometry.apply(lambda g: g.distance(line)) / 1000.0
    _ = np.where(side == "occupied", -dist, dist)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--millions", type=int, default=5, help="Append up to this many million records")
    args = ap.parse_args()
    print("monitoring benchmark: classify 1,000,000 incidents; append 100,000; verify 1,000,000")
    print(machine_line())
    sc = load_scenario("ukraine-2025")
    line_of_contact(sc)
    runs = []
    for r in range(args.repeats):
        d = incidents(1_000_000, args.seed + r)
        t0 = time.perf_counter()
        cols = classify_arrays(sc, d["lon"], d["lat"], d["event_type"], d["weapon"], d["calibre"])
        runs.append(time.perf_counter() - t0)
    med = statistics.median(runs)
    print(
        f"  classify runs: {', '.join(f'{x:.2f} s' for x in runs)}; violations in "
        f"{(cols['severity'] > 0).mean():.0%} of incidents"
    )
    print(f"median classify 1,000,000: {med:.2f} s (target ≤ 10 s: {'met' if med <= 10 else 'NOT met'})")
    small = incidents(100_000, args.seed)
    t_peer = peer_geopandas(sc, small) * 10
    print(
        f"geopandas sjoin + per-row distance (side and distance only, 100,000 scaled ×10): {t_peer:.1f} s; "
        f"ratio {t_peer / med:.1f}×"
    )

    rec = {
        "event_id": "",
        "time": "2026-03-01T00:00:00+00:00",
        "event_type": "Explosions/Remote violence",
        "lon": 35.1,
        "lat": 47.6,
        "side": "controlled",
        "signed_distance_km": 12.5,
        "sector": "south",
        "violations": ["R1-artillery"],
        "severity": 3,
        "notes": "synthetic benchmark record",
    }
    with tempfile.TemporaryDirectory() as tmp, Log.writer(Path(tmp) / "log") as log:
        t0 = time.perf_counter()
        for b in range(100):  # 100 batches of 1,000
            log.append({**rec, "event_id": f"E{b}-{i}"} for i in range(1000))
        t_app = time.perf_counter() - t0
        print(
            f"append 100,000 (100 batches, fsync each): {t_app:.2f} s = {100_000 / t_app:,.0f} records/s "
            f"(target ≥ 20,000: {'met' if 100_000 / t_app >= 20_000 else 'NOT met'})"
        )
        rates = []
        t_first = time.perf_counter()
        for m in range(args.millions):  # 0 → N million in batches of 1,000: the rate must not decline
            t0 = time.perf_counter()
            for b in range(1000 * m + (100 if m == 0 else 0), 1000 * (m + 1)):
                log.append({**rec, "event_id": f"E{b}-{i}"} for i in range(1000))
            n = 900_000 if m == 0 else 1_000_000
            rates.append(n / (time.perf_counter() - t0))
            if m == 0:
                t0 = time.perf_counter()
                v = verify_log(Path(tmp) / "log", [], {})
                t_ver = time.perf_counter() - t0
                print(
                    f"verify 1,000,000 records: {t_ver:.2f} s (target ≤ 10 s: {'met' if t_ver <= 10 else 'NOT met'}); "
                    f"findings {len(v.findings)}"
                )
        total = time.perf_counter() - t_first
        print(
            f"append rate per million records, 0 → {args.millions:,} million (fsync per 1,000): "
            + ", ".join(f"{x:,.0f}/s" for x in rates)
        )
        low = min(rates)
        print(
            f"slowest million {low:,.0f}/s, last ÷ first {rates[-1] / rates[0]:.2f} "
            f"(target ≥ 20,000/s sustained: {'met' if low >= 20_000 else 'NOT met'}); "
            f"log of {log.size:,} records, {log.committed_bytes / 1e9:.2f} GB, in {total:.0f} s"
        )

    from tamperlog import AppendOnlyLog, JSONLStorage

    with tempfile.TemporaryDirectory() as tmp:
        tl = AppendOnlyLog(JSONLStorage(Path(tmp) / "t.jsonl"))
        t0 = time.perf_counter()
        for i in range(100_000):
            tl.append_json({**rec, "event_id": f"E{i}"})
        t_tl = time.perf_counter() - t0
        cp = tl.checkpoint()
        t0 = time.perf_counter()
        AppendOnlyLog(JSONLStorage(Path(tmp) / "t.jsonl")).verify_against(cp)
        t_tlv = time.perf_counter() - t0
    print(
        f"tamperlog: append 100,000 {t_tl:.2f} s = {100_000 / t_tl:,.0f} records/s (forceplan "
        f"{100_000 / t_app:,.0f}/s: ratio {t_tl / t_app:.1f}×); verify 100,000 {t_tlv:.2f} s "
        f"(forceplan verifies 1,000,000 in {t_ver:.2f} s: per record {t_tlv / 1e5 / (t_ver / 1e6):.1f}×)"
    )


if __name__ == "__main__":
    main()
