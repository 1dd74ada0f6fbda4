"""Auditors and witnesses trust only signatures (issue 24, item 6).

``monitor audit`` and ``monitor witness`` run against a log served by a :class:`LogKeeper` through httpx's mock
transport (the same keeper methods the server's routes call, no process to start): an unsigned or wrongly signed
peer is refused (exit 2), never taken as evidence of a split view; a log signed by an unknown key fails; every
page of records is read, and records past the newest signed checkpoint are reported; a known event id re-sent with
other content is refused by the CLI ingest and by the keeper."""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from forceplan.cli.app import run
from forceplan.monitoring.ingest import EventConflict, ingest
from forceplan.monitoring.keeper import LogKeeper, ProofError
from forceplan.monitoring.log import Log, generate_key, load_private_key, make_checkpoint
from forceplan.scenario import Scenario
from tests.registry.logserver import incident

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "incidents-sample.csv"
URL = "http://log.test"


def _route(keeper: LogKeeper, request: httpx.Request) -> Any:
    path, q = request.url.path, request.url.params
    if path == "/api/log/checkpoint":
        return keeper.checkpoint()
    if path == "/api/log/checkpoints":
        return {"sizes": keeper.checkpoint_sizes()}
    if path.startswith("/api/log/checkpoints/"):
        return keeper.checkpoint(int(path.rsplit("/", 1)[1]))
    if path == "/api/log/entries":
        return keeper.entries(int(q["start"]), int(q["end"]))
    if path == "/api/log/consistency":
        return keeper.consistency(int(q["first"]), int(q["second"]))
    raise AssertionError(f"unexpected request {request.url}")


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, LogKeeper], None]:
    """Serve keepers at URLs for the CLI's httpx clients (cosignatures are posted to the keeper too)."""
    keepers: dict[str, LogKeeper] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        keeper = keepers[f"{request.url.scheme}://{request.url.host}"]
        try:
            if request.method == "POST":
                size = int(request.url.path.split("/")[-2])
                cp = keeper.cosign(size, json.loads(request.content))
                return httpx.Response(200, json={**cp, "witnessed": keeper.witness_status(cp)})
            return httpx.Response(200, json=_route(keeper, request))
        except ProofError as exc:
            return httpx.Response(404, json={"detail": str(exc)})

    real = httpx.Client

    def client(*args: Any, **kwargs: Any) -> httpx.Client:
        return real(*args, **{**kwargs, "transport": httpx.MockTransport(handler)})

    monkeypatch.setattr(httpx, "Client", client)

    def add(url: str, keeper: LogKeeper) -> None:
        keepers[f"{urlsplit(url).scheme}://{urlsplit(url).hostname}"] = keeper

    return add


def _records(n: int, start: int = 0, prefix: str = "E") -> list[dict[str, Any]]:
    return [{"event_id": f"{prefix}-{i:06d}", "notes": f"record {i}"} for i in range(start, start + n)]


def _sign(folder: Path, key_path: Path, signer: str = "log") -> dict[str, Any]:
    log = Log.open(folder)
    cp = make_checkpoint(log, load_private_key(key_path), signer)
    (folder / "checkpoints" / f"{log.size:09d}-{signer}.json").write_text(json.dumps(cp))
    return cp


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    for name in ("log", "mallory", "w1"):
        generate_key(tmp_path / "keys", name)
    return tmp_path / "keys"


@pytest.fixture
def honest(tmp_path: Path, keys: Path, serve: Callable[[str, LogKeeper], None]) -> Path:
    """A served log of 1,050 records (two pages of entries) with signed checkpoints at 500 and 1,050."""
    folder = tmp_path / "log"
    with Log.writer(folder) as log:
        log.append(_records(500))
    _sign(folder, keys / "log.key")
    with Log.writer(folder) as log:
        log.append(_records(550, 500))
    _sign(folder, keys / "log.key")
    serve(URL, LogKeeper(folder, signer="log", witnesses={}))
    return folder


def audit(capsys: pytest.CaptureFixture[str], *extra: str, trust: Path | None = None) -> tuple[int, str]:
    argv = ["monitor", "audit", URL, *extra] + (["--trust", f"log={trust}"] if trust else [])
    code = run(argv)
    out = capsys.readouterr()
    text = " ".join((out.out + out.err).split())
    assert "Traceback" not in text
    return code, text


def _peer_file(tmp_path: Path, cp: dict[str, Any], name: str) -> str:
    p = tmp_path / f"{name}.json"
    p.write_text(json.dumps(cp))
    return str(p)


def test_an_honest_log_with_signed_peers_is_consistent(honest: Path, keys: Path, tmp_path: Path, capsys) -> None:
    peer = json.loads((honest / "checkpoints" / "000000500-log.json").read_text())
    code, text = audit(capsys, "--peer", _peer_file(tmp_path, peer, "p"), trust=keys / "log.pub")
    assert code == 0, text
    assert "consistent: 1050 records rebuilt" in text and "1 peer view" in text


def test_audit_without_trusted_keys_exits_2_naming_the_flag(honest: Path, capsys) -> None:
    code, text = audit(capsys)
    assert code == 2 and "--trust" in text and "consistent" not in text


def test_a_log_signed_by_an_unknown_key_is_not_consistent(tmp_path: Path, keys: Path, serve, capsys) -> None:
    folder = tmp_path / "log"
    with Log.writer(folder) as log:
        log.append(_records(20))
    _sign(folder, keys / "mallory.key", signer="log")  # the log's name, another key
    serve(URL, LogKeeper(folder, signer="log"))
    code, text = audit(capsys, trust=keys / "log.pub")
    assert code == 1 and "bad_signature" in text and "consistent" not in text


@pytest.mark.parametrize("how", ["unsigned", "wrong-key", "wrong-key-same-root", "garbled-signature"])
def test_a_peer_checkpoint_without_a_trusted_signature_is_refused_not_an_accusation(
    honest: Path, keys: Path, tmp_path: Path, capsys, how: str
) -> None:
    cp = json.loads((honest / "checkpoints" / "000000500-log.json").read_text())
    forged = {**cp, "root": "ab" * 32}
    if how == "unsigned":
        peer = {**forged, "signatures": []}
    elif how == "garbled-signature":
        sig = dict(cp["signatures"][0])
        sig["signature"] = base64.b64encode(b"\x00" * 64).decode()
        peer = {**forged, "signatures": [sig]}
    else:
        with Log.writer(tmp_path / "fork") as log:
            log.append(_records(500, prefix="F"))
        other = make_checkpoint(Log.open(tmp_path / "fork"), load_private_key(keys / "mallory.key"), "log")
        peer = other if how == "wrong-key" else {**cp, "signatures": other["signatures"]}
    code, text = audit(capsys, "--peer", _peer_file(tmp_path, peer, how), trust=keys / "log.pub")
    assert code == 2, text
    assert "refused" in text and "split view" not in text and "equivocation" not in text


def test_a_forged_tail_past_the_newest_checkpoint_is_reported(honest: Path, keys: Path, capsys) -> None:
    with Log.writer(honest) as log:  # records appended behind the signer's back
        log.append(_records(7, 2000, prefix="FORGED"))
    code, text = audit(capsys, trust=keys / "log.pub")
    assert code == 1 and "unwitnessed" in text
    assert "records 1050 to 1056 (7 of 1057)" in text and "consistent" not in text


def test_a_signed_peer_from_a_fork_is_still_a_split_view(honest: Path, keys: Path, tmp_path: Path, capsys) -> None:
    with Log.writer(tmp_path / "fork") as log:
        log.append(_records(500, prefix="F"))
    peer = make_checkpoint(Log.open(tmp_path / "fork"), load_private_key(keys / "log.key"), "log")
    code, text = audit(capsys, "--peer", _peer_file(tmp_path, peer, "fork"), trust=keys / "log.pub")
    assert code == 1 and "split view" in text


def test_witness_needs_trusted_keys_and_a_signed_state(honest: Path, keys: Path, tmp_path: Path, capsys) -> None:
    base = ["monitor", "witness", URL, "--key", str(keys / "w1.key"), "--signer", "w1", "--state", str(tmp_path / "s")]
    assert run(base) == 2
    assert "--trust" in capsys.readouterr().err
    (tmp_path / "s").mkdir()
    cp = json.loads((honest / "checkpoints" / "000001050-log.json").read_text())
    (tmp_path / "s" / "last-checkpoint.json").write_text(json.dumps({**cp, "signatures": []}))
    assert run([*base, "--trust", f"log={keys / 'log.pub'}"]) == 2
    assert "unsigned" in " ".join(capsys.readouterr().err.split())


def _sample_with(tmp_path: Path, notes: str | None = None, twice: bool = False) -> Path:
    rows = list(csv.DictReader(SAMPLE.read_text(encoding="utf-8").splitlines()))
    if notes is not None:
        rows[0]["notes"] = notes
    if twice:
        rows.append({**rows[0], "fatalities": "3"})
    out = tmp_path / "incidents.csv"
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return out


def test_cli_ingest_refuses_a_known_event_id_with_other_content(tmp_path: Path, capsys) -> None:
    log = tmp_path / "log"
    assert run(["monitor", "ingest", str(SAMPLE), "--log", str(log)]) == 0
    size = Log.open(log).size
    changed = _sample_with(tmp_path, notes="rewritten: no shelling after all")
    capsys.readouterr()
    assert run(["monitor", "ingest", str(changed), "--log", str(log)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "UKR-EX-0001" in err and "differs in notes" in err and "duplicate" not in err
    assert Log.open(log).size == size  # nothing appended
    assert run(["monitor", "ingest", str(SAMPLE), "--log", str(log)]) == 0  # the same content: a duplicate


def test_one_file_giving_one_event_id_two_contents_is_refused(tmp_path: Path, capsys) -> None:
    assert run(["monitor", "ingest", str(_sample_with(tmp_path, twice=True)), "--log", str(tmp_path / "log")]) == 2
    assert "differs in fatalities" in " ".join(capsys.readouterr().err.split())
    assert Log.open(tmp_path / "log").size == 0


def test_the_served_log_refuses_a_known_event_id_with_other_content(bundled: Scenario, tmp_path: Path) -> None:
    keeper = LogKeeper(tmp_path / "log")
    keeper.submit(bundled, [incident(i) for i in range(5)])
    assert keeper.submit(bundled, [incident(i) for i in range(5)]).summary.duplicate == 5
    with pytest.raises(EventConflict, match=r"'T-000002'.*differs in notes"):
        keeper.submit(bundled, [incident(7), {**incident(2), "notes": "changed"}])
    log = keeper.log()
    assert log is not None and log.size == 5 and log.index_of("T-000007") is None


def test_verify_does_not_say_intact_when_nothing_is_witnessed(bundled: Scenario, keys: Path, tmp_path: Path) -> None:
    ingest(bundled, SAMPLE, tmp_path / "log")
    from typer.testing import CliRunner

    from forceplan.cli import app

    r = CliRunner().invoke(app, ["monitor", "verify", "--log", str(tmp_path / "log"), "--trust", f"log={keys}/log.pub"])
    assert r.exit_code == 0 and not r.output.startswith("intact") and "not verified: 5" in r.output, r.output
