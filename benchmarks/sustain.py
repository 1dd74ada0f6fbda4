"""Sustain benchmark: the bundled scenario kept up for 5 years (60 monthly force-generation solves).

Target: ``sustain_force`` over 60 months ≤ 5 s (median) on a 2-core machine. Peer in the same run: the same
month-by-month run with every month's MILP solved independently, cold (no cache of equal months). Prints both,
the ratio, the distinct solves, and whether the two give the same months.

Run: ``.venv/bin/python benchmarks/sustain.py [--years 5] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import machine_line

from forceplan.scenario import load_scenario
from forceplan.sustain import sustain_force


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sc = load_scenario("ukraine-2025")
    months = 12 * args.years
    print(f"sustain benchmark: ukraine-2025 over {args.years} years ({months} monthly force-generation solves)")
    print(machine_line())
    sustain_force(sc, 1)  # warm imports and HiGHS once, outside the timings
    ours, peer = [], []
    cached = cold = None
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        cached = sustain_force(sc, args.years)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        cold = sustain_force(sc, args.years, cache=False)
        peer.append(time.perf_counter() - t0)
    assert cached is not None and cold is not None
    same = [m.model_dump(exclude={"solved"}) for m in cached.months] == [
        m.model_dump(exclude={"solved"}) for m in cold.months
    ]
    m_ours, m_peer = statistics.median(ours), statistics.median(peer)
    print(f"runs (cached / cold): {', '.join(f'{a:.2f}/{b:.2f} s' for a, b in zip(ours, peer, strict=True))}")
    verdict = "met" if m_ours <= 5 else "NOT met"
    print(
        f"median sustain, equal months solved once: {m_ours:.2f} s ({cached.distinct_solves} solves; "
        f"target ≤ 5 s: {verdict})"
    )
    print(f"median peer, every month solved cold: {m_peer:.2f} s ({cold.distinct_solves} solves)")
    print(f"ratio cold / cached = {m_peer / m_ours:.1f}x; the same months in both: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
