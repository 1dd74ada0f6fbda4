"""Command-line start and the main job, as a user sees them: whole-process times on this machine.

Targets: ``forceplan --help`` and every ``COMMAND --help`` (every command and sub-command of the app, found by walking
it) ≤ 3× ``python -c "import typer, rich"`` measured in the same run (median of ``--repeats``); ``forceplan plan`` on
the bundled scenario with default trials, warm (kernels compiled, the stage cache holding an earlier run of the same
inputs), whole process with the PDF ≤ 5 s median; ``plan --without FRA`` after a plan of the same scenario ≤ 3 s (and
when its table is on screen, before the report and PDF); the assessment stage no longer than twice the response-timeline
stage (run.log); peak memory ≤ 400 MB. Peers in the same run: the bare interpreter, ``import typer, rich``, ``import
forceplan.plan`` (the analysis core), and the same plan with ``--no-cache`` (every stage computed: what a first run of
new inputs costs).

The stage cache lives in a temporary folder for the run (``FORCEPLAN_CACHE_DIR``), so the user's own cache is neither
read nor changed. Run: ``.venv/bin/python benchmarks/cli.py [--repeats 3] [--cold] [--no-help] [--no-plan]
[--bytecode]`` (``--cold`` clears the numba cache first and times the warmup and the first plan: it recompiles every
kernel; ``--bytecode`` compiles forceplan's modules before the --help timings, as installing it does, and removes that
bytecode after: on a machine that sets PYTHONDONTWRITEBYTECODE every run otherwise compiles them from source).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
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


def timed(cmd: list[str], repeats: int) -> float:
    return timed_cpu(cmd, repeats)[0]


def timed_cpu(cmd: list[str], repeats: int) -> tuple[float, float]:
    """Medians of the wall time and of the CPU time (user + system of the process and its children): on a machine
    shared with other work, CPU time is what the command itself costs."""
    runs, cpus = [], []
    for _ in range(repeats):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return statistics.median(runs), statistics.median(cpus)


def time_to_answer(cmd: list[str]) -> tuple[float, float]:
    """(seconds until the plan's table — troop size, location, every threat's P — is on standard output, seconds
    until the process ends): what a planner waits for the answer, and for the files."""
    t0 = time.perf_counter()
    answer = None
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if answer is None and "troop size" in line:
                answer = time.perf_counter() - t0
        if proc.wait() != 0:
            raise subprocess.CalledProcessError(proc.returncode, cmd)
    total = time.perf_counter() - t0
    return (total if answer is None else answer), total


def every_command() -> list[str]:
    """Every command path of the app: each command and sub-command (``plan``, ``monitor verify``, ...) and each
    group (``monitor``), from the Click tree Typer builds (every lazily built command is built here)."""
    import typer

    from forceplan.cli.app import app

    out: list[str] = []

    def walk(cmd: object, prefix: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if prefix:
            out.append(" ".join(prefix))
        for name, sub in sorted((subs or {}).items()):
            walk(sub, [*prefix, name])

    walk(typer.main.get_command(app), [])
    return out


def compile_bytecode() -> list[Path]:
    """Compile forceplan's modules as installing it does (pip writes bytecode; the peer's modules have theirs), for a
    machine that sets PYTHONDONTWRITEBYTECODE, where every run would compile forceplan from source. Returns the
    bytecode files and folders made here, to remove after."""
    import compileall

    src = ROOT / "src" / "forceplan"
    before = set(src.rglob("__pycache__")) | set(src.rglob("*.pyc"))
    compileall.compile_dir(src, quiet=1)
    made = (set(src.rglob("__pycache__")) | set(src.rglob("*.pyc"))) - before
    return sorted(made, key=lambda p: (p.is_dir(), str(p)))  # files first, then their new folders


def clear_numba_cache() -> None:
    for pattern in ("*.nbi", "*.nbc"):
        for p in (ROOT / "src" / "forceplan").rglob(pattern):
            p.unlink()


def stage_seconds(log: str) -> dict[str, float]:
    return {m[1]: float(m[2]) for m in re.finditer(r"^([^:\n]+): ([0-9.]+) s", log, re.M)}


def help_times(repeats: int) -> None:
    """Wall and CPU medians; the ratios use CPU time (the wall time of a shared machine measures its load)."""
    cached = any((ROOT / "src" / "forceplan" / "cli").glob("__pycache__/app.*.pyc"))
    print(f"forceplan's bytecode: {'compiled (as installed)' if cached else 'none: each run compiles forceplan'}; "
          f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}")  # fmt: skip
    peer = timed_cpu([sys.executable, "-c", "import typer, rich"], repeats)
    core = timed_cpu([sys.executable, "-c", "import forceplan.plan"], repeats)
    bare = timed_cpu([sys.executable, "-c", "pass"], repeats)
    root_help = timed_cpu([*FORCEPLAN, "--help"], repeats)
    print("wall / CPU seconds, medians:")
    print(f"python -c pass: {bare[0]:.3f} / {bare[1]:.3f} s; import typer, rich (the peer): {peer[0]:.3f} / "
          f"{peer[1]:.3f} s; import forceplan.plan: {core[0]:.2f} / {core[1]:.2f} s (target ≤ 0.5 s)")  # fmt: skip
    print(f"forceplan --help: {root_help[0]:.3f} / {root_help[1]:.3f} s = {root_help[1] / peer[1]:.2f}× the peer's "
          f"CPU time (target ≤ 3×: {'met' if root_help[1] <= 3 * peer[1] else 'NOT met'})")  # fmt: skip
    times = {c: timed_cpu([*FORCEPLAN, *c.split(), "--help"], repeats) for c in every_command()}
    for c, (wall, cpu) in times.items():
        print(f"  {c} --help: {wall:.3f} / {cpu:.3f} s ({cpu / peer[1]:.2f}×)")
    worst = max(times, key=lambda c: times[c][1])
    w = times[worst][1]
    print(f"slowest of {len(times)} COMMAND --help: {worst} {w:.3f} s CPU = {w / peer[1]:.2f}× the peer "
          f"(target ≤ 3×: {'met' if w <= 3 * peer[1] else 'NOT met'})")  # fmt: skip
    typical = statistics.median(cpu for _, cpu in times.values())
    print(f"median of the {len(times)} COMMAND --help: {typical:.3f} s CPU = {typical / peer[1]:.2f}× the peer")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cold", action="store_true")
    ap.add_argument("--no-help", action="store_true", help="Skip the --help timings")
    ap.add_argument("--no-plan", action="store_true", help="Skip the plan timings")
    ap.add_argument(
        "--bytecode", action="store_true", help="Compile forceplan's modules first, as installing does (--help timings)"
    )
    args = ap.parse_args()
    print("command-line benchmark: whole-process times")
    print(machine_line())
    if not args.no_help:
        made = compile_bytecode() if args.bytecode else []
        try:
            help_times(args.repeats)
        finally:
            for path in made:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
    if args.no_plan:
        return
    pdf = shutil.which("chromium") is not None
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FORCEPLAN_CACHE_DIR"] = str(Path(tmp) / "cache")
        out = str(Path(tmp) / "out")
        plan = [*FORCEPLAN, "plan", "ukraine-2025", "--out", out, *([] if pdf else ["--no-pdf"])]
        if args.cold:
            clear_numba_cache()
            t_warm = timed([*FORCEPLAN, "warmup"], 1)
            t_first = timed([*plan, "--no-cache"], 1)
            print(f"after clearing the kernel cache: warmup {t_warm:.1f} s; first plan {t_first:.1f} s")
        t_nocache = timed([*plan, "--no-cache"], args.repeats)
        log_nocache = (Path(out) / "run.log").read_text()
        timed(plan, 1)  # fills the stage cache
        t_plan = timed(plan, args.repeats)
        log_plan = (Path(out) / "run.log").read_text()
        t_answer, t_without = time_to_answer([*plan, "--without", "FRA"])
        log_without = (Path(out) / "run.log").read_text()
        t_without_again = timed([*plan, "--without", "FRA"], args.repeats)
        t_case_answer, t_case = time_to_answer([*plan, "--case", "without DEU"])  # a what-if beside the plan
        t_nopdf = timed([*plan, "--no-pdf"], args.repeats)
    what = "with" if pdf else "without"
    print(f"plan, every stage computed (--no-cache), {what} the PDF: median {t_nocache:.2f} s; stages:")
    for line in log_nocache.splitlines():
        print(f"  {line}")
    st = stage_seconds(log_nocache)
    ratio = st["deterrence assessment"] / st["response timelines"]
    print(
        f"  assessment ÷ response timelines, computed: {ratio:.1f}× (target ≤ 2×: {'met' if ratio <= 2 else 'NOT met'})"
    )
    print(f"plan warm (stage cache holding this plan), {what} the PDF: median {t_plan:.2f} s (target ≤ 5 s: "
          f"{'met' if t_plan <= 5 else 'NOT met'}); --no-pdf {t_nopdf:.2f} s; stages:")  # fmt: skip
    for line in log_plan.splitlines():
        print(f"  {line}")
    print(f"plan --without FRA after the plan: {t_without:.2f} s (target ≤ 3 s: "
          f"{'met' if t_without <= 3 else 'NOT met'}), its answer (the table) on screen after {t_answer:.2f} s; "
          f"asked again: median {t_without_again:.2f} s; stages of the first:")  # fmt: skip
    for line in log_without.splitlines():
        print(f"  {line}")
    print(f"plan --case 'without DEU' after the plan (the what-if beside it, no sensitivity cases): {t_case:.2f} s, "
          f"its answer on screen after {t_case_answer:.2f} s")  # fmt: skip
    peak = max(float(m) for m in re.findall(r"peak memory: ([0-9.]+) MB", log_nocache + log_plan + log_without))
    print(f"peak memory of plan (largest of the runs above, the plan process): {peak:.0f} MB (target ≤ 400 MB: "
          f"{'met' if peak <= 400 else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
