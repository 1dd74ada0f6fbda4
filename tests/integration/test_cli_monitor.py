"""``forceplan monitor`` end to end: ingest, classify, status, keys, checkpoints, verify, prove."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from forceplan.cli import app

pytestmark = pytest.mark.integration
runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "incidents-sample.csv"


def test_monitor_round_trip(tmp_path: Path) -> None:
    log = tmp_path / "log"
    r = runner.invoke(app, ["monitor", "ingest", str(SAMPLE), "--log", str(log)])
    assert r.exit_code == 0 and "accepted 5" in r.output and "rejected 1" in r.output and "row 7" in r.output
    r = runner.invoke(app, ["monitor", "ingest", str(SAMPLE), "--log", str(log)])
    assert "duplicate 5" in r.output and "appended 0" in r.output
    r = runner.invoke(app, ["monitor", "status", "--log", str(log), "--at", "2026-03-01T08:00"])
    assert r.exit_code == 0 and "2026-03-01 08:00 UTC" in r.output and "Zaporizhzhia" in r.output  # not south
    r = runner.invoke(app, ["monitor", "timeline", "--log", str(log)])
    assert r.exit_code == 0 and "2026-03-01 07:05 UTC  Zaporizhzhia" in r.output and "+00:00" not in r.output
    out = tmp_path / "cls.csv"
    assert runner.invoke(app, ["monitor", "classify", str(SAMPLE), "--out", str(out)]).exit_code == 0
    header = out.read_text().splitlines()[0].split(",")
    assert {"event_id", "side", "signed_distance_km", "sector", "in_buffer", "violations", "severity"} <= set(header)
    keys = tmp_path / "keys"
    assert runner.invoke(app, ["monitor", "keygen", "--name", "coalition", "--out", str(keys)]).exit_code == 0
    assert runner.invoke(app, ["monitor", "keygen", "--name", "ukraine", "--out", str(keys)]).exit_code == 0
    cp = tmp_path / "cp.json"
    r = runner.invoke(
        app,
        [
            "monitor",
            "checkpoint",
            "--log",
            str(log),
            "--key",
            str(keys / "coalition.key"),
            "--signer",
            "coalition",
            "--out",
            str(cp),
        ],
    )
    assert r.exit_code == 0
    r = runner.invoke(
        app,
        [
            "monitor",
            "checkpoint",
            "--log",
            str(log),
            "--key",
            str(keys / "ukraine.key"),
            "--signer",
            "ukraine",
            "--countersign",
            str(cp),
        ],
    )
    assert r.exit_code == 0
    r = runner.invoke(
        app,
        [
            "monitor",
            "verify",
            "--log",
            str(log),
            "--checkpoint",
            str(cp),
            "--trust",
            f"coalition={keys / 'coalition.pub'}",
            "--trust",
            f"ukraine={keys / 'ukraine.pub'}",
        ],
    )
    assert r.exit_code == 0 and "intact" in r.output, r.output
    r = runner.invoke(app, ["monitor", "prove", "--log", str(log), "--event", "UKR-EX-0003"])
    assert r.exit_code == 0 and '"path"' in r.output
    more = tmp_path / "more.csv"
    more.write_text("event_id_cnty,event_date,latitude,longitude\nN1,2026-03-05,48.0,35.0\n")
    assert runner.invoke(app, ["monitor", "ingest", str(more), "--log", str(log)]).exit_code == 0
    r = runner.invoke(app, ["monitor", "consistency", "--log", str(log), "--checkpoint", str(cp)])
    assert r.exit_code == 0 and '"consistent": true' in r.output and '"new_size": 6' in r.output
    trust = ["--trust", f"coalition={keys / 'coalition.pub'}", "--trust", f"ukraine={keys / 'ukraine.pub'}"]
    r = runner.invoke(app, ["monitor", "verify", "--log", str(log), "--checkpoint", str(cp), *trust])
    assert r.exit_code == 0 and "1 record(s) after record 5 are unwitnessed" in r.output, r.output
    rec = log / "records.jsonl"
    rec.write_bytes(rec.read_bytes().replace(b'"fatalities":3', b'"fatalities":0'))
    r = runner.invoke(app, ["monitor", "verify", "--log", str(log), "--checkpoint", str(cp)])
    assert r.exit_code == 2 and "needs the public keys you trust" in r.output
    r = runner.invoke(app, ["monitor", "verify", "--log", str(log), "--checkpoint", str(cp), *trust])
    assert r.exit_code == 1 and str(cp) in r.output


def test_keys_are_private_named_safely_and_never_overwritten(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    for bad in ("../escaped", "", "a/b", ".hidden"):
        r = runner.invoke(app, ["monitor", "keygen", "--name", bad, "--out", str(keys)])
        assert r.exit_code == 2 and "not allowed" in r.output, bad
    assert not (tmp_path / "escaped.key").exists()
    assert runner.invoke(app, ["monitor", "keygen", "--name", "coalition", "--out", str(keys)]).exit_code == 0
    assert (keys / "coalition.key").stat().st_mode & 0o777 == 0o600
    first = (keys / "coalition.key").read_bytes()
    r = runner.invoke(app, ["monitor", "keygen", "--name", "coalition", "--out", str(keys)])
    assert r.exit_code == 2 and "--force" in r.output and (keys / "coalition.key").read_bytes() == first
    assert (
        runner.invoke(app, ["monitor", "keygen", "--name", "coalition", "--out", str(keys), "--force"]).exit_code == 0
    )
    assert (keys / "coalition.key").read_bytes() != first
    log = tmp_path / "log"
    assert runner.invoke(app, ["monitor", "ingest", str(SAMPLE), "--log", str(log)]).exit_code == 0
    for trust in ("coalition", f"coalition={keys / 'missing.pub'}", f"coalition={keys / 'coalition.key'}"):
        r = runner.invoke(app, ["monitor", "verify", "--log", str(log), "--trust", trust])
        assert r.exit_code == 2, (trust, r.output)
        assert "PRIVATE" not in r.output


def test_monitor_strict_exit_2(tmp_path: Path) -> None:
    r = runner.invoke(app, ["monitor", "ingest", str(SAMPLE), "--log", str(tmp_path / "log"), "--strict"])
    assert r.exit_code == 2 and "nothing appended" in r.output
