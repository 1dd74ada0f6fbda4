"""The ceasefire log as a shared service: submissions all-or-nothing and idempotent, public proofs in RFC 9162's
shapes, two witnesses cosigning (k of n), a rewritten history caught by both witnesses and by the auditor, a
rollback refused, and a server killed with SIGKILL mid-submission leaving a log that verifies."""

from __future__ import annotations

import json
import random
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from forceplan.cli.app import run
from forceplan.monitoring.log import Log, load_private_key, make_checkpoint, verify_log
from forceplan.monitoring.merkle import leaf_hash, verify_consistency, verify_inclusion
from forceplan.plan import incident_log_summary
from tests.registry.logserver import LogServer, incident

pytestmark = pytest.mark.integration


@pytest.fixture
def server(tmp_path: Path, sqlite_template: Path) -> Iterator[LogServer]:
    srv = LogServer(tmp_path, sqlite_template).start()
    try:
        yield srv
    finally:
        srv.stop()


def test_submit_prove_and_witness_k_of_n(server: LogServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = server.submit([incident(i) for i in range(40)])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["appended"] == 40 and body["tree_size"] == 40 and body["checkpoint"]["tree_size"] == 40
    # All or nothing: one bad row appends nothing, and says which row and why.
    bad = [incident(100), {**incident(101), "latitude": 123.0}]
    r = server.submit(bad)
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "incidents[1]"
    assert server.submit([incident(100)]).json()["tree_size"] == 41
    # Idempotent: the same batch again appends nothing.
    again = server.submit([incident(i) for i in range(40)]).json()
    assert again["appended"] == 0 and again["duplicate"] == 40 and again["tree_size"] == 41
    # An editor may not submit; nobody anonymous may.
    assert httpx.post(f"{server.url}/api/log/incidents", json={"incidents": []}).status_code == 401
    # Public proofs, checked here with the RFC 6962 verifiers.
    cp = httpx.get(f"{server.url}/api/log/checkpoint").json()
    assert cp["tree_size"] == 41 and cp["witnessed"] == {
        "cosigned_by": [], "count": 0, "of": 2, "quorum": 2, "witnessed": False,
    }  # fmt: skip
    inc = httpx.get(f"{server.url}/api/log/inclusion", params={"event_id": "T-000007"}).json()
    leaf = leaf_hash(json.dumps(inc["record"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
    p = inc["proof"]
    assert verify_inclusion(p["index"], p["tree_size"], leaf, [bytes.fromhex(h) for h in p["path"]],
                            bytes.fromhex(cp["root"]))  # fmt: skip
    con = httpx.get(f"{server.url}/api/log/consistency", params={"first": 40, "second": 41}).json()
    old = httpx.get(f"{server.url}/api/log/checkpoints/40").json()
    assert verify_consistency(40, 41, bytes.fromhex(old["root"]), bytes.fromhex(cp["root"]),
                              [bytes.fromhex(h) for h in con["proof"]])  # fmt: skip
    assert httpx.get(f"{server.url}/api/log/consistency", params={"first": 5, "second": 99}).status_code == 404
    entries = httpx.get(f"{server.url}/api/log/entries", params={"start": 0, "end": 9}).json()["entries"]
    assert len(entries) == 10 and json.loads(entries[3])["seq"] == 3
    # Two witnesses: one cosignature is 1 of 2, two make it witnessed.
    assert server.witness("w1", tmp_path / "w1") == 0
    assert httpx.get(f"{server.url}/api/log/checkpoint").json()["witnessed"]["count"] == 1
    assert server.witness("w2", tmp_path / "w2") == 0
    assert httpx.get(f"{server.url}/api/log/checkpoint").json()["witnessed"]["witnessed"] is True
    # The log grows; the witnesses check consistency with what they saw and cosign again.
    server.submit([incident(i) for i in range(200, 260)])
    assert server.witness("w1", tmp_path / "w1") == 0 and server.witness("w2", tmp_path / "w2") == 0
    assert httpx.get(f"{server.url}/api/log/checkpoint").json()["witnessed"]["cosigned_by"] == ["w1", "w2"]
    # A cosignature from a key that is not a configured witness is refused.
    forged = {"signer": "w1", "public_key": json.loads(json.dumps(cp["signatures"][0]))["public_key"],
              "signature": cp["signatures"][0]["signature"]}  # fmt: skip
    assert httpx.post(f"{server.url}/api/log/checkpoints/101/cosignatures", json=forged).status_code == 409
    # verify, on the log's folder, counts the witnesses' cosignatures of the newest checkpoint (k of n) ...
    capsys.readouterr()
    keys = server.keys
    assert run(["monitor", "verify", "--log", str(server.log_dir), "--trust", f"log={keys / 'log.pub'}",
                "--witness", f"w1={keys / 'w1.pub'}", "--witness", f"w2={keys / 'w2.pub'}"]) == 0  # fmt: skip
    out = " ".join(capsys.readouterr().out.split())
    assert "newest checkpoint (size 101): cosigned by 2 of 2 witnesses (w1, w2); quorum 2: witnessed" in out
    # ... and so does what the report shows.
    summary = incident_log_summary(server.log_dir, 101)
    assert summary.checkpoint_size == 101 and summary.signed_by == ["log", "w1", "w2"] and summary.covers_all
    # The auditor rebuilds the log from its records and agrees with everything, peers included.
    assert run(["monitor", "audit", server.url, "--trust", f"log={server.keys / 'log.pub'}",
                "--peer", str(tmp_path / "w1" / "last-checkpoint.json")]) == 0  # fmt: skip
    assert "consistent: 101 records" in " ".join(capsys.readouterr().out.split())


def _rewrite_history(server: LogServer, keep: int, extra: int) -> None:
    """What a dishonest keeper would do: keep the first ``keep`` records, replace the rest with others, and sign a
    checkpoint of the new tree with the log's own key."""
    old = [{k: v for k, v in r.items() if k != "seq"} for r in Log.open(server.log_dir).records]
    shutil.rmtree(server.log_dir)
    with Log.writer(server.log_dir) as log:
        log.append(old[:keep])
        log.append({**r, "notes": "rewritten", "event_id": f"FORGED-{i}"} for i, r in enumerate(old[keep:]))
        log.append({**old[0], "event_id": f"MORE-{i}"} for i in range(extra))
        cp = make_checkpoint(log, load_private_key(server.keys / "log.key"), "log")
        (server.log_dir / "checkpoints" / f"{log.size:09d}-log.json").write_text(json.dumps(cp))


def test_a_rewritten_history_is_caught_by_both_witnesses_and_the_auditor(
    server: LogServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.submit([incident(i) for i in range(30)])
    assert server.witness("w1", tmp_path / "w1") == 0 and server.witness("w2", tmp_path / "w2") == 0
    witnessed = json.loads((tmp_path / "w1" / "last-checkpoint.json").read_text())
    server.stop()
    _rewrite_history(server, keep=20, extra=15)  # fork at size 20, now 45 records
    server.start()
    capsys.readouterr()
    for name in ("w1", "w2"):
        assert server.witness(name, tmp_path / name) == 1
        err = capsys.readouterr().err
        assert "equivocation" in err and "does not extend" in err
        assert json.loads((tmp_path / name / "last-checkpoint.json").read_text())["tree_size"] == 30  # unchanged
    evidence = tmp_path / "evidence"
    code = run(["monitor", "audit", server.url, "--trust", f"log={server.keys / 'log.pub'}",
                "--peer", str(tmp_path / "w1" / "last-checkpoint.json"), "--out", str(evidence)])  # fmt: skip
    assert code == 1
    assert "split view" in capsys.readouterr().err
    files = sorted(evidence.glob("*.json"))
    assert files
    doc = json.loads(files[0].read_text())
    assert any(c["root"] == witnessed["root"] for c in doc["checkpoints"])  # the witnessed, signed checkpoint


def test_a_rollback_is_refused(server: LogServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server.submit([incident(i) for i in range(25)])
    saved = tmp_path / "saved-log"
    shutil.copytree(server.log_dir, saved)
    server.submit([incident(i) for i in range(100, 120)])
    assert server.witness("w1", tmp_path / "w1") == 0
    server.stop()
    shutil.rmtree(server.log_dir)
    shutil.copytree(saved, server.log_dir)  # the keeper restores an older state
    server.start()
    capsys.readouterr()
    assert server.witness("w1", tmp_path / "w1") == 1
    assert "rollback" in capsys.readouterr().err
    assert run(["monitor", "audit", server.url, "--trust", f"log={server.keys / 'log.pub'}",
                "--peer", str(tmp_path / "w1" / "last-checkpoint.json")]) == 1  # fmt: skip
    assert "rollback" in capsys.readouterr().err


def test_two_concurrent_submitters_lose_and_duplicate_nothing(server: LogServer) -> None:
    batches = [[incident(i) for i in range(k * 150, k * 150 + 300)] for k in range(4)]  # overlapping halves
    codes: list[int] = []

    def send(rows: list) -> None:
        codes.append(server.submit(rows).status_code)

    threads = [threading.Thread(target=send, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 4
    log = Log.open(server.log_dir)
    ids = [r["event_id"] for r in log.records]
    assert len(ids) == len(set(ids)) == 750
    assert verify_log(server.log_dir, [], {}).findings == []


def test_sigkill_mid_submission_leaves_a_valid_log_and_a_resubmission_completes_it(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """20 times: start the server, warm it (its first request builds the scenario), send a 10,000-incident batch and
    kill -9 at a random moment of it, restart; the log always verifies, and re-sending the batches neither loses
    nor duplicates an incident."""
    rng = random.Random(18)
    srv = LogServer(tmp_path, sqlite_template)
    size = 10_000
    batches = [[incident(i, f"K{k}") for i in range(size)] for k in range(3)]
    sent: set[str] = set()
    interrupted = 0
    for attempt in range(20):
        batch = batches[attempt % 3]
        srv.start()
        assert srv.submit([]).status_code == 200  # warm: the scenario is built before the clock
        result: list[int] = []
        t = threading.Thread(target=lambda b=batch, out=result: out.append(_try_submit(srv, b)))
        t.start()
        time.sleep(rng.uniform(0.02, 0.8))
        srv.stop(signal.SIGKILL)
        t.join()
        sent |= {r["event_id_cnty"] for r in batch}
        interrupted += result != [200]
        if (srv.log_dir / "head.json").exists():
            v = verify_log(srv.log_dir, [], {})
            assert v.findings == [], (attempt, v.findings)
            assert Log.open(srv.log_dir).size % size == 0  # a batch is in whole or not at all
    assert interrupted >= 10, f"only {interrupted} of 20 kills interrupted a submission"
    srv.start()
    try:
        for batch in batches:
            assert srv.submit(batch).status_code == 200
        cp = httpx.get(f"{srv.url}/api/log/checkpoint").json()
    finally:
        srv.stop()
    log = Log.open(srv.log_dir)
    ids = [r["event_id"] for r in log.records]
    assert len(ids) == len(set(ids)) == len(sent) == 3 * size
    assert cp["tree_size"] == 3 * size and verify_log(srv.log_dir, [], {}).findings == []


def _try_submit(srv: LogServer, batch: list) -> int:
    try:
        return srv.submit(batch, timeout=60).status_code
    except httpx.HTTPError:
        return -1
