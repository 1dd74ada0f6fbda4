"""Registry under load: 30 nations × 10 concurrent editors (300 clients on loopback) editing and reading pledges
for 60 s against PostgreSQL, with 3 planners reading the aggregate, every pledge and the coalition dashboard (the
page whose figures are the force-generation MILP on the live pledges). Reports requests/s, p50/p95/p99 latency
for reads, writes and the dashboard, and checks that no update was lost: every accepted write is in the audit
trail with its value, every refused write (409) was stale, and each pledge ends with its last accepted value.

Peer in the same run: the same load against the embedded SQLite default (shorter); the ratios PostgreSQL ÷ SQLite
of throughput and p95 are printed. Targets (issue #16): p95 ≤ 100 ms for reads and writes on 2 cores at this
load, on both databases; zero lost updates.

Each editor thinks between requests (exponential, mean THINK_S): the offered load is about
300 / THINK_S requests/s. Server: ``forceplan serve`` with 2 worker processes, on the same machine as the clients.
Set-up (accounts with Argon2 hashes, sign-in) is excluded from the timings.

Cost per request (after the load, same server and data): one editor's client sends COST_N reads of a pledge, then
COST_N/2 note edits, then COST_N/2 reads of the fill, one at a time; the CPU time the server's processes and (on
PostgreSQL) the database's processes used meanwhile, from /proc, divided by the requests. CPU time used is what a
request costs whatever else runs on the machine: the steadier figure on a shared machine (the latencies are not).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line

NATIONS = 30
EDITORS_PER_NATION = 10
PLANNERS = 3
DURATION_S = float(os.environ.get("REGISTRY_BENCH_S", "60"))
SQLITE_DURATION_S = min(DURATION_S, 20.0)
THINK_S = 1.0
WORKERS = 2
PASSWORD = "load-test-password-0"
COST_N = int(os.environ.get("REGISTRY_BENCH_COST_N", "400"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setup(url: str) -> list[str]:
    """Import the bundled scenario, create 300 editors and 3 planners; returns the 30 nations."""
    from concurrent.futures import ThreadPoolExecutor

    from forceplan.registry import auth, store
    from forceplan.registry.db import SYSTEM, make_engine
    from forceplan.registry.migrate import upgrade
    from forceplan.scenario import load_scenario

    engine = make_engine(url)
    upgrade(engine)
    sc = load_scenario("ukraine-2025")
    store.import_scenario(engine, SYSTEM, sc)
    pledging = sorted({p.nation for p in sc.pledges})
    spare = [n.iso3 for n in sc.nations if n.iso3 not in pledging and n.iso3 != "USA"]
    nations = (pledging + spare)[:NATIONS]
    users = [(f"ed-{n.lower()}-{k}", "editor", n) for n in nations for k in range(EDITORS_PER_NATION)]
    users += [(f"planner-{k}", "planner", None) for k in range(PLANNERS)]
    # Argon2 releases the GIL, and an account is hashed before its transaction (SQLite's write lock is not held)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda u: auth.add_user(engine, u[0], u[1], u[2], PASSWORD), users))
    engine.dispose()
    return nations


class Stats:
    def __init__(self) -> None:
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.codes: dict[int, int] = defaultdict(int)
        self.accepted: list[tuple[str, int, str]] = []  # (pledge, version after, note)
        self.refused: list[tuple[str, int, int]] = []  # (pledge, version sent, current version)
        self.errors = 0
        self.behind = 0  # dashboards whose figures were behind the registry (being recomputed)


async def _sign_in(c: httpx.AsyncClient, user: str, gate: asyncio.Semaphore, cookie: bool = False) -> None:
    async with gate:  # a few Argon2 checks at a time: sign-in is set-up, not the load measured
        r = await c.post("/api/tokens", json={"username": user, "password": PASSWORD}, timeout=120)
        if cookie:  # the web pages take a browser session (its cookie stays in the client)
            s = await c.post("/api/session", json={"username": user, "password": PASSWORD}, timeout=120)
            s.raise_for_status()
    r.raise_for_status()
    c.headers["Authorization"] = f"Bearer {r.json()['token']}"


async def _editor(c: httpx.AsyncClient, user: str, stats: Stats, start: asyncio.Event, rng: random.Random) -> None:
    if True:
        r = await c.get("/api/pledges")
        mine = [p for p in r.json() if p["status"] not in ("deployed", "withdrawn")]
        if not mine:  # a nation with no open pledge offers one
            r = await c.post("/api/pledges", json={"capability": "mech_inf_bn", "quantity": 1,
                                                   "personnel_per_unit": 600, "notice_to_move_days": 30,
                                                   "home_base": [15.98, 45.81]})  # fmt: skip
            mine = [r.json()] if r.status_code == 201 else (await c.get("/api/pledges")).json()
        versions = {p["id"]: p["version"] for p in mine}
        ids = sorted(versions)
        await start.wait()  # everyone starts together
        stop = STOP[0]
        n = 0
        while time.monotonic() < stop:
            await asyncio.sleep(rng.expovariate(1 / THINK_S))
            pid = rng.choice(ids)
            u = rng.random()
            t0 = time.perf_counter()
            try:
                if u < 0.3:
                    n += 1
                    note = f"{user} edit {n}"
                    sent = versions[pid]
                    r = await c.patch(f"/api/pledges/{pid}", json={"note": note}, headers={"If-Match": f'"{sent}"'})
                    kind = "write"
                    if r.status_code == 200:
                        versions[pid] = r.json()["version"]
                        stats.accepted.append((pid, versions[pid], note))
                    elif r.status_code == 409:
                        versions[pid] = r.json()["current"]["version"]
                        stats.refused.append((pid, sent, versions[pid]))
                elif u < 0.9:
                    r = await c.get(f"/api/pledges/{pid}")
                    kind = "read"
                    if r.status_code == 200:
                        versions[pid] = r.json()["version"]
                else:
                    r = await c.get("/api/fill")
                    kind = "read"
            except httpx.HTTPError:
                stats.errors += 1
                continue
            if time.monotonic() < stop:
                stats.lat[kind].append(time.perf_counter() - t0)
                stats.codes[r.status_code] += 1


async def _planner(c: httpx.AsyncClient, stats: Stats, start: asyncio.Event, rng: random.Random) -> None:
    if True:
        await start.wait()
        stop = STOP[0]
        while time.monotonic() < stop:
            await asyncio.sleep(rng.expovariate(1 / THINK_S))
            u = rng.random()
            t0 = time.perf_counter()
            try:
                if u < 1 / 3:
                    r, kind = await c.get("/api/fill"), "planner read"
                elif u < 2 / 3:
                    r, kind = await c.get("/api/pledges"), "planner read"
                else:
                    r, kind = await c.get("/dashboard"), "dashboard"
                    if r.status_code == 200 and "data-computed=" not in r.text:
                        stats.errors += 1  # a dashboard without its figures
            except httpx.HTTPError:
                stats.errors += 1
                continue
            if time.monotonic() < stop:
                stats.lat[kind].append(time.perf_counter() - t0)
                stats.codes[r.status_code] += 1
                stats.behind += kind == "dashboard" and "data-behind" in r.text


STOP = [0.0]


async def _load(base: str, nations: list[str], duration_s: float) -> Stats:
    stats = Stats()
    rng = random.Random(16)
    editors = [(f"ed-{n.lower()}-{k}", "editor") for n in nations for k in range(EDITORS_PER_NATION)]
    planners = [(f"planner-{k}", "planner") for k in range(PLANNERS)]
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=base, timeout=30, limits=limits) for _ in editors + planners]
    gate = asyncio.Semaphore(4)
    await asyncio.gather(
        *(_sign_in(c, u, gate, r == "planner") for c, (u, r) in zip(clients, editors + planners, strict=True))
    )
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(_editor(c, u, stats, start, random.Random(rng.random())))
        for c, (u, _r) in zip(clients, editors, strict=False)
    ]
    tasks += [
        asyncio.create_task(_planner(c, stats, start, random.Random(rng.random()))) for c in clients[len(editors) :]
    ]
    await asyncio.sleep(2.0)  # each editor reads its nation's pledges first
    STOP[0] = time.monotonic() + duration_s
    start.set()
    await asyncio.gather(*tasks)
    for c in clients:
        await c.aclose()
    return stats


def _check_lost_updates(url: str, stats: Stats) -> tuple[int, list[str]]:
    """Every accepted write is in the audit trail with its note; each pledge ends with its newest accepted note;
    every refused write named a version older than the current one."""
    from forceplan.registry import store
    from forceplan.registry.db import SYSTEM, make_engine

    engine = make_engine(url)
    problems: list[str] = []
    audit = store.audit_trail(engine, SYSTEM, limit=5000)
    audited: set[tuple[str, int, str]] = set()
    offset_rows = audit
    while len(offset_rows) == 5000:  # more than one page: read the rest through SQL
        break
    from sqlalchemy import select

    from forceplan.registry.db import AuditRow, transaction

    with transaction(engine, SYSTEM) as s:
        for row in s.scalars(select(AuditRow).where(AuditRow.action == "update")):
            ch = row.changes
            if "note" in ch and "version" in ch:
                audited.add((row.record_id, int(ch["version"][1]), str(ch["note"][1])))
    for w in stats.accepted:
        if w not in audited:
            problems.append(f"accepted write not in the audit trail: {w}")
    updates = sum(1 for a in audited)
    if updates != len(stats.accepted):
        problems.append(f"{updates} audited updates for {len(stats.accepted)} accepted writes")
    last: dict[str, tuple[int, str]] = {}
    for pid, version, note in stats.accepted:
        if pid not in last or version > last[pid][0]:
            last[pid] = (version, note)
    current = {p["id"]: p for p in store.list_pledges(engine, SYSTEM)}
    for pid, (version, note) in last.items():
        if current[pid]["note"] != note or current[pid]["version"] != version:
            problems.append(f"{pid}: ends with {current[pid]['note']!r} v{current[pid]['version']}, not {note!r}")
    for pid, sent, cur in stats.refused:
        if not cur > sent:
            problems.append(f"{pid}: a write at v{sent} was refused though current was v{cur}")
    engine.dispose()
    return len(problems), problems[:5]


def _tree_cpu_s(root: int) -> float:
    """CPU time (user + system, s) used so far by the live processes of the tree under ``root`` (from /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    ticks: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", encoding="ascii", errors="replace") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children[int(rest[1])].append(int(d))
        ticks[int(d)] = int(rest[11]) + int(rest[12])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += ticks.get(pid, 0)
        todo += children.get(pid, [])
    return total / os.sysconf("SC_CLK_TCK")


def _cost(base: str, nation: str, server_pid: int, db_pid: int | None) -> dict[str, tuple[float, float, float]]:
    """Per kind of request: (server CPU ms, database CPU ms, median wall ms) per request, one request at a time."""
    with httpx.Client(base_url=base, timeout=30) as c:
        r = c.post("/api/tokens", json={"username": f"ed-{nation.lower()}-0", "password": PASSWORD}, timeout=120)
        r.raise_for_status()
        c.headers["Authorization"] = f"Bearer {r.json()['token']}"
        mine = [p for p in c.get("/api/pledges").json() if p["status"] not in ("deployed", "withdrawn")]
        pid, version = mine[0]["id"], mine[0]["version"]

        def read() -> None:
            c.get(f"/api/pledges/{pid}").raise_for_status()

        def write() -> None:
            nonlocal version
            r = c.patch(f"/api/pledges/{pid}", json={"note": f"cost {time.time_ns()}"},
                        headers={"If-Match": f'"{version}"'})  # fmt: skip
            r.raise_for_status()
            version = r.json()["version"]

        def fill() -> None:
            c.get("/api/fill").raise_for_status()

        out = {}
        for kind, fn, n in (("read", read, COST_N), ("write", write, COST_N // 2), ("fill", fill, COST_N // 2)):
            for _ in range(20):  # the connection pool and the prepared statements warm
                fn()
            walls = []
            app0, db0 = _tree_cpu_s(server_pid), _tree_cpu_s(db_pid) if db_pid else 0.0
            for _ in range(n):
                t0 = time.perf_counter()
                fn()
                walls.append(time.perf_counter() - t0)
            app1, db1 = _tree_cpu_s(server_pid), _tree_cpu_s(db_pid) if db_pid else 0.0
            out[kind] = ((app1 - app0) / n * 1000, (db1 - db0) / n * 1000, statistics.median(walls) * 1000)
    return out


def _pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1] * 1000 if len(xs) > 1 else float("nan")


def run_one(label: str, url: str, duration_s: float, db_pid: int | None = None) -> dict[str, Any]:
    t0 = time.perf_counter()
    nations = _setup(url)
    setup_s = time.perf_counter() - t0
    port = _free_port()
    env = {**os.environ, "FORCEPLAN_DB_URL": url}
    log = open(os.environ.get("REGISTRY_BENCH_LOG", os.devnull), "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "forceplan", "serve", "--port", str(port), "--workers", str(WORKERS)],
        env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        load_before = os.getloadavg()[0]
        stats = asyncio.run(_load(base, nations, duration_s))
        load_after = os.getloadavg()[0]
        lost, examples = _check_lost_updates(url, stats)  # before the cost phase's own writes
        cost = _cost(base, nations[0], server.pid, db_pid)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    n = sum(len(v) for v in stats.lat.values())
    out = {
        "label": label,
        "setup_s": setup_s,
        "requests": n,
        "rps": n / duration_s,
        "codes": dict(sorted(stats.codes.items())),
        "accepted": len(stats.accepted),
        "refused": len(stats.refused),
        "errors": stats.errors,
        "lost": lost,
        "examples": examples,
        "behind": stats.behind,
        "load": (load_before, load_after),
        "cost": cost,
    }
    for kind, xs in sorted(stats.lat.items()):
        out[kind] = (len(xs), _pct(xs, 50), _pct(xs, 95), _pct(xs, 99))
    return out


def show(r: dict[str, Any], duration_s: float) -> None:
    print(f"\n{r['label']}: {r['requests']:,} requests in {duration_s:.0f} s = {r['rps']:.0f} requests/s "
          f"(set-up {r['setup_s']:.0f} s, excluded)")  # fmt: skip
    print(f"  status codes {r['codes']}; transport errors {r['errors']}; machine load average (1 min) "
          f"{r['load'][0]:.1f} before, {r['load'][1]:.1f} after, on {os.cpu_count()} cores")  # fmt: skip
    for kind in ("read", "write", "planner read", "dashboard"):
        if kind in r:
            n, p50, p95, p99 = r[kind]
            print(f"  {kind:13s} n={n:6,d}  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms")
    if "dashboard" in r:
        print(f"  dashboards whose figures were behind the registry (said so on the page): {r['behind']:,}")
    print(f"  writes accepted {r['accepted']:,}, refused as stale (409) {r['refused']:,}; lost updates: {r['lost']}")
    for e in r["examples"]:
        print("   ", e)
    n = f"{COST_N} reads, {COST_N // 2} writes, {COST_N // 2} fills"
    print(f"  cost per request, one at a time ({n}; CPU time of the server's and the database's processes):")
    for kind, (app_ms, db_ms, wall_ms) in r["cost"].items():
        print(f"  {kind:13s} CPU {app_ms + db_ms:5.2f} ms (server {app_ms:5.2f}, database {db_ms:5.2f}); "
              f"wall p50 {wall_ms:5.2f} ms")  # fmt: skip


def main() -> int:
    from forceplan.registry.throwaway import ThrowawayPostgres

    print("registry load benchmark:", machine_line())
    print(f"{NATIONS} nations × {EDITORS_PER_NATION} editors + {PLANNERS} planners, think time mean {THINK_S} s, "
          f"server: forceplan serve --workers {WORKERS}")  # fmt: skip
    with ThrowawayPostgres() as pg:
        pg_url = pg.url_for("postgres", pg.password)
        # The application connects as a role under row-level security, as in production.
        from forceplan.registry.db import make_engine, wall_key
        from forceplan.registry.migrate import upgrade

        e = make_engine(pg_url)
        upgrade(e)
        key = wall_key(e).hex()  # the owner reads it; the server is given it, as in production
        e.dispose()
        app_url = pg.create_login("fp_app", "bench-app-password") + f"?wall_key={key}"
        postmaster = int((pg.data / "postmaster.pid").read_text().split()[0])
        r_pg = run_one("PostgreSQL 15 (row-level security on)", app_url, DURATION_S, postmaster)
    show(r_pg, DURATION_S)
    with tempfile.TemporaryDirectory() as tmp:
        r_sq = run_one("peer: SQLite (embedded default)", f"sqlite:///{tmp}/r.sqlite", SQLITE_DURATION_S)
    show(r_sq, SQLITE_DURATION_S)
    for kind in ("read", "write"):
        for name, r in (("PostgreSQL", r_pg), ("SQLite", r_sq)):
            p95 = r[kind][2]
            print(f"target p95 {kind} ≤ 100 ms on {name}: {p95:.1f} ms — {'met' if p95 <= 100 else 'NOT met'}")
    print(f"target zero lost updates: PostgreSQL {r_pg['lost']}, SQLite {r_sq['lost']} — "
          f"{'met' if r_pg['lost'] == r_sq['lost'] == 0 else 'NOT met'}")  # fmt: skip
    print(
        f"PostgreSQL ÷ SQLite: throughput {r_pg['rps'] / r_sq['rps']:.2f}×, "
        + ", ".join(f"p95 {k} {r_pg[k][2] / r_sq[k][2]:.2f}×" for k in ("read", "write", "dashboard") if k in r_sq)
    )
    print(
        "PostgreSQL ÷ SQLite, CPU per request one at a time: "
        + ", ".join(f"{k} {sum(r_pg['cost'][k][:2]) / sum(r_sq['cost'][k][:2]):.2f}×" for k in r_pg["cost"])
    )
    return 0 if r_pg["lost"] == r_sq["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
