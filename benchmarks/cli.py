"""Command-line start and the main job, as a user sees them: whole-process times on this machine.

Targets: ``forceplan --help`` and every ``COMMAND --help`` ≤ 0.3 s (median of 3); ``forceplan plan`` on the bundled
scenario with default trials ≤ 10 s warm including the PDF, and ≤ 20 s on the first run after set-up (``forceplan
warmup`` done, as ``make demo`` does). Peers in the same run: the bare interpreter (``python -c pass``) and the
import of the analysis core (``import forceplan.plan``), which is what every command cost before the CLI imported
it lazily.

Run: ``.venv/bin/python benchmarks/cli.py [--repeats 3] [--cold]`` (``--cold`` clears the numba cache first and
times the warmup and the first plan: it recompiles every kernel).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import machine_line

ROOT = Path(__file__).resolve().parents[1]
FORCEPLAN = [sys.executable, "-m", "forceplan"]
COMMANDS = ["plan", "assess", "respond", "station", "forcegen", "phases", "engage", "calibrate", "monitor verify"]


def timed(cmd: list[str], repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def clear_numba_cache() -> None:
    for pattern in ("*.nbi", "*.nbc"):
        for p in (ROOT / "src" / "forceplan").rglob(pattern):
            p.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cold", action="store_true")
    args = ap.parse_args()
    print("command-line benchmark: whole-process times")
    print(machine_line())
    bare = timed([sys.executable, "-c", "pass"], args.repeats)
    core = timed([sys.executable, "-c", "import forceplan.plan"], args.repeats)
    root_help = timed([*FORCEPLAN, "--help"], args.repeats)
    print(f"python -c pass: {bare:.2f} s; import forceplan.plan (the analysis core): {core:.2f} s")
    print(f"forceplan --help: {root_help:.2f} s (target ≤ 0.3 s: {'met' if root_help <= 0.3 else 'NOT met'})")
    worst = 0.0
    for c in COMMANDS:
        t = timed([*FORCEPLAN, *c.split(), "--help"], args.repeats)
        worst = max(worst, t)
        print(f"  {c} --help: {t:.2f} s")
    print(
        f"slowest COMMAND --help: {worst:.2f} s (target ≤ 0.3 s: {'met' if worst <= 0.3 else 'NOT met'}); "
        f"importing the core first would add {core - bare:.2f} s to each"
    )
    pdf = shutil.which("chromium") is not None
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "out")
        plan = [*FORCEPLAN, "plan", "ukraine-2025", "--out", out, *([] if pdf else ["--no-pdf"])]
        if args.cold:
            clear_numba_cache()
            t_warm = timed([*FORCEPLAN, "warmup"], 1)
            t_first = timed(plan, 1)
            print(
                f"after clearing the kernel cache: warmup {t_warm:.1f} s; first plan {t_first:.1f} s "
                f"(target ≤ 20 s: {'met' if t_first <= 20 else 'NOT met'})"
            )
        t_plan = timed(plan, args.repeats)
        log = (Path(out) / "run.log").read_text()
    print(
        f"plan, warm, {'with' if pdf else 'without'} the PDF: median {t_plan:.1f} s "
        f"(target ≤ 10 s: {'met' if t_plan <= 10 else 'NOT met'}); stages of the last run:"
    )
    for line in log.splitlines():
        print(f"  {line}")


if __name__ == "__main__":
    main()
