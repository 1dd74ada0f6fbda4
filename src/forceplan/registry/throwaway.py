"""A throwaway PostgreSQL cluster on a temporary folder and a free loopback port, for tests, benchmarks and trying
the registry on PostgreSQL without installing a server by hand.

It uses the server of the operating system's ``postgresql`` package (Debian: /usr/lib/postgresql/N/bin), found
through ``pg_config``, ``PATH`` or that folder. PostgreSQL refuses to run as root; as root the cluster runs as the
package's ``postgres`` user. Connections are password-checked (SCRAM) even on loopback.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bindir() -> Path:
    """The folder holding initdb and pg_ctl."""
    cands: list[str] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        cands.append(out)
    if shutil.which("initdb"):
        cands.append(str(Path(str(shutil.which("initdb"))).resolve().parent))
    cands += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in cands:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    raise PostgresUnavailable("no PostgreSQL server found (install Debian's postgresql package)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    """``with ThrowawayPostgres() as pg: pg.url`` — a superuser URL on a fresh cluster, removed on exit."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="forceplan-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.password = secrets.token_urlsafe(16)
        self._as: list[str] = []
        if os.geteuid() == 0:
            import pwd

            pw = pwd.getpwnam("postgres")  # the package's system user
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return self.url_for("postgres", self.password, "forceplan")

    def url_for(self, user: str, password: str, db: str = "forceplan") -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{db}"

    def _run(self, *args: str, input_text: str | None = None) -> None:
        proc = subprocess.run(
            [*self._as, *args], capture_output=True, text=True, input=input_text, check=False, timeout=120
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {proc.stderr.strip() or proc.stdout.strip()}")

    def start(self) -> ThrowawayPostgres:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self._as:
            import pwd

            pw = pwd.getpwnam("postgres")
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=scram-sha-256",
            f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        pwfile.unlink()
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root} -c fsync=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts, "-w", "-t", "60",
                  "-l", str(self.root / "log"), "start")  # fmt: skip
        import psycopg

        with psycopg.connect(self.url_for("postgres", self.password, "postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE forceplan")
        return self

    def create_login(self, name: str, password: str, member_of: str = "forceplan_app") -> str:
        """A login role that is neither owner nor superuser nor BYPASSRLS; returns its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOBYPASSRLS IN ROLE {}").format(
                    sql.Identifier(name), sql.Literal(password), sql.Identifier(member_of)
                )
            )
        return self.url_for(name, password)

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(
                [*self._as, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                capture_output=True, check=False, timeout=60,
            )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> ThrowawayPostgres:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
