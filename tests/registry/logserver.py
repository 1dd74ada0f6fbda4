"""A real ``forceplan serve`` on loopback with a signing key and two witnesses, for the ceasefire-log tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from forceplan.cli.app import run
from tests.registry_seed import PASSWORD


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def incident(n: int, prefix: str = "T") -> dict[str, Any]:
    """A valid incident near Orikhiv (different place and time for each n)."""
    return {
        "event_id_cnty": f"{prefix}-{n:06d}",
        "event_date": f"2026-03-{1 + n % 28:02d}T{n % 24:02d}:00:00",
        "event_type": "Explosions/Remote violence",
        "latitude": 47.4 + (n % 97) * 0.002,
        "longitude": 35.6 + (n % 89) * 0.003,
        "weapon_class": ("artillery", "mlrs", "drone", "")[n % 4],
        "calibre_mm": 152 if n % 4 == 0 else None,
        "source": "test",
    }


class LogServer:
    """Keys in ``root/keys``; the registry database copied from the seeded template; the log in ``root/log``."""

    def __init__(self, root: Path, template: Path):
        self.root = root
        self.keys = root / "keys"
        self.log_dir = root / "log"
        self.db = f"sqlite:///{root / 'registry.sqlite'}"
        if not (root / "registry.sqlite").exists():
            shutil.copyfile(template, root / "registry.sqlite")
        for name in ("log", "w1", "w2"):
            if not (self.keys / f"{name}.key").exists():
                assert run(["monitor", "keygen", "--name", name, "--out", str(self.keys)]) == 0
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._token: str | None = None

    def start(self, env: dict[str, str] | None = None) -> LogServer:
        cmd = [
            sys.executable, "-m", "forceplan", "serve", "--db", self.db, "--port", str(self.port),
            "--log", str(self.log_dir), "--log-key", str(self.keys / "log.key"), "--log-signer", "log",
            "--witness", f"w1={self.keys / 'w1.pub'}", "--witness", f"w2={self.keys / 'w2.pub'}",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, cwd=self.root, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self, sig: int = signal.SIGINT) -> None:
        if self.proc is not None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
            self._token = None

    def token(self, who: str = "observer") -> str:
        if self._token is None:
            r = httpx.post(f"{self.url}/api/tokens", json={"username": who, "password": PASSWORD}, timeout=30)
            r.raise_for_status()
            self._token = r.json()["token"]
        return self._token

    def submit(self, rows: list[dict[str, Any]], timeout: float = 120) -> httpx.Response:
        return httpx.post(
            f"{self.url}/api/log/incidents",
            json={"incidents": rows},
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=timeout,
        )

    def witness(self, name: str, state: Path) -> int:
        return run([
            "monitor", "witness", self.url, "--key", str(self.keys / f"{name}.key"), "--signer", name,
            "--state", str(state), "--trust", f"log={self.keys / 'log.pub'}",
        ])  # fmt: skip
