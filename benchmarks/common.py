"""Helpers shared by the benchmark scripts (not a benchmark itself)."""

from __future__ import annotations

import datetime as dt
import os
import platform


def machine_line() -> str:
    """Date, CPU and Python of this run, for docs/benchmarks.md."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return (
        f"date {dt.date.today().isoformat()}; {cpu}; {os.cpu_count()} logical cores; "
        f"Python {platform.python_version()} on {platform.system()}"
    )
