"""``forceplan monitor``: ingest and classify incidents, escalation, the tamper-evident log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from forceplan.cli.audit_cmd import audit_cmd, read_trust, witness_cmd
from forceplan.cli.common import (
    EXIT_BAD_INPUT,
    console,
    err_console,
    fail,
    load_or_exit,
    table,
    write_atomic,
)
from forceplan.cli.group import sub_app

if TYPE_CHECKING:
    from forceplan.monitoring.log import (
        Log,
    )


app = sub_app("Ceasefire monitoring: incidents, escalation, tamper-evident log.")
ScenarioOpt = Annotated[str, typer.Option("--scenario", help="Scenario (bundled name or YAML) with the agreement")]
LogOpt = Annotated[Path, typer.Option("--log", help="Log folder")]


def _open(log_dir: Path) -> Log:
    from forceplan.monitoring.log import Log, LogError

    try:
        return Log.open(log_dir)
    except LogError as exc:
        fail(str(exc), "create a log with 'forceplan monitor ingest FILE --log DIR'")


@app.command("ingest")
def ingest_cmd(
    file: Annotated[Path, typer.Argument(help="Incidents: CSV (ACLED columns), JSON or GeoJSON")],
    log_dir: LogOpt,
    scenario: ScenarioOpt = "ukraine-2025",
    strict: Annotated[bool, typer.Option("--strict", help="Append nothing if any row is malformed")] = False,
) -> None:
    """Classify incidents and append them to the log; re-ingesting the same file adds nothing."""
    from forceplan.monitoring.ingest import ingest
    from forceplan.monitoring.log import LogError

    sc = load_or_exit(scenario)
    if not file.exists():
        fail(f"{file}: file not found")
    try:
        s = ingest(sc, file, log_dir, strict)
    except (ValueError, LogError) as exc:
        fail(str(exc))
    for r in s.rejected:
        err_console.print(f"  {file}: row {r.row}: {r.reason}", highlight=False)
    console.print(
        f"read {s.read}, accepted {s.accepted}, duplicate {s.duplicate}, rejected {len(s.rejected)}; "
        f"appended {s.appended}; log size {s.tree_size}, root {s.root[:16]}…"
    )
    if strict and s.rejected:
        err_console.print("--strict: nothing appended because rows were rejected")
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("classify")
def classify_cmd(
    file: Annotated[Path, typer.Argument(help="Incidents: CSV, JSON or GeoJSON")],
    out: Annotated[Path, typer.Option("--out", help="CSV to write, one row per incident")],
    scenario: ScenarioOpt = "ukraine-2025",
) -> None:
    """Classify incidents against the agreement without logging them."""
    from forceplan.monitoring.classify import classify
    from forceplan.monitoring.incidents import read_incidents

    sc = load_or_exit(scenario)
    if not file.exists():
        fail(f"{file}: file not found")
    try:
        incs, rejected, _ = read_incidents(file)
    except ValueError as exc:
        fail(str(exc))
    for r in rejected:
        err_console.print(f"  {file}: row {r.row}: {r.reason}", highlight=False)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "event_id",
            "time",
            "lon",
            "lat",
            "side",
            "signed_distance_km",
            "sector",
            "in_buffer",
            "nearest_site",
            "nearest_site_km",
            "violations",
            "severity",
        ]
    )
    for i, c in zip(incs, classify(sc, incs), strict=True):
        w.writerow(
            [
                c.event_id,
                i.time.isoformat(),
                f"{i.lon:.5f}",
                f"{i.lat:.5f}",
                c.side,
                c.signed_distance_km,
                c.sector,
                c.in_buffer,
                c.nearest_site or "",
                c.nearest_site_km or "",
                ";".join(c.violations),
                c.severity,
            ]
        )
    write_atomic(out, buf.getvalue())
    console.print(f"classified {len(incs)} incidents ({len(rejected)} rejected); wrote {out}")


def _utc(t: dt.datetime) -> str:
    """A time as a person reads it: 2026-03-01 07:05 UTC (the JSON outputs keep ISO 8601)."""
    return (t.astimezone(dt.UTC) if t.tzinfo else t).strftime("%Y-%m-%d %H:%M UTC")


@app.command("status")
def status_cmd(
    log_dir: LogOpt,
    scenario: ScenarioOpt = "ukraine-2025",
    at: Annotated[str | None, typer.Option(help="ISO time (UTC); default: the latest incident")] = None,
) -> None:
    """Current escalation level per sector, the options it unlocks and the incidents that drove it."""
    from forceplan.monitoring.escalation import levels_at

    sc = load_or_exit(scenario)
    log = _open(log_dir)
    if at is None:
        when = max((dt.datetime.fromisoformat(r["time"]) for r in log.records), default=dt.datetime.now(dt.UTC))
    else:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError:
            fail(f"--at {at!r} is not an ISO 8601 time", "for example 2026-03-01T12:00")
        when = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when
    from forceplan.names import label

    t = table(title=f"Escalation at {_utc(when)}")
    for col in ("sector", "level", "name", "since", "options unlocked", "incidents (7 days)"):
        t.add_column(col)
    for sector, ch in levels_at(sc, log.records, when).items():
        recent = [
            r
            for r in log.records
            if r.get("sector") == sector
            and r.get("severity", 0) > 0
            and when - dt.timedelta(days=7) < dt.datetime.fromisoformat(r["time"]) <= when
        ]
        drivers = ", ".join(f"{r['event_id']} ({'+'.join(r['violations'])})" for r in recent[-5:])
        t.add_row(
            label("sector", sector, sc),
            str(ch.level if ch else 0),
            ch.name if ch else "-",
            _utc(ch.time) if ch else "-",
            ", ".join(label("option", o) for o in ch.options) if ch else "-",
            drivers or "-",
        )
    console.print(t)


@app.command("timeline")
def timeline_cmd(
    log_dir: LogOpt,
    scenario: ScenarioOpt = "ukraine-2025",
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the level changes as JSON")] = None,
) -> None:
    """Every change of escalation level per sector, in time order."""
    from forceplan.monitoring.escalation import escalation_timeline

    sc = load_or_exit(scenario)
    log = _open(log_dir)
    from forceplan.names import label

    changes = escalation_timeline(sc, log.records)
    width = max((len(label("sector", c.sector, sc)) for c in changes), default=0)
    for c in changes:
        console.print(f"{_utc(c.time)}  {label('sector', c.sector, sc):{width}s}  level {c.level} {c.name}")
    if json_file is not None:
        write_atomic(
            json_file,
            json.dumps(
                [
                    {
                        "sector": c.sector,
                        "time": c.time.isoformat(),
                        "level": c.level,
                        "name": c.name,
                        "options": list(c.options),
                    }
                    for c in changes
                ],
                indent=2,
            )
            + "\n",
        )


@app.command("keygen")
def keygen_cmd(
    name: Annotated[str, typer.Option(help="The signing party's name, e.g. 'coalition' or 'ukraine'")],
    out: Annotated[Path, typer.Option(help="Folder for NAME.key and NAME.pub")] = Path("keys"),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key pair of that name")] = False,
) -> None:
    """Create an Ed25519 signing key pair for checkpoints (the private key is created readable by you alone)."""
    from forceplan.monitoring.log import LogError, generate_key

    try:
        priv, pub = generate_key(out, name, force)
    except LogError as exc:
        fail(str(exc))
    console.print(f"wrote {priv} (keep secret) and {pub} (give to the other parties)")


@app.command("checkpoint")
def checkpoint_cmd(
    log_dir: LogOpt,
    key: Annotated[Path, typer.Option(help="Private key (PEM) of the signer")],
    signer: Annotated[str, typer.Option(help="Signer's name")],
    out: Annotated[Path | None, typer.Option(help="Checkpoint file to write")] = None,
    countersign_file: Annotated[Path | None, typer.Option("--countersign", help="Add a signature to this file")] = None,
) -> None:
    """Sign the log's current size and root; or countersign another party's checkpoint."""
    from forceplan.monitoring.log import (
        Log,
        LogError,
        check_key_name,
        countersign,
        load_checkpoint,
        load_private_key,
        make_checkpoint,
    )

    try:
        check_key_name(signer)
        k = load_private_key(key)
    except LogError as exc:
        fail(str(exc), "give the NAME.key file that 'forceplan monitor keygen' wrote")
    if countersign_file is not None:
        try:
            cp = countersign(load_checkpoint(countersign_file), k, signer)
        except LogError as exc:
            fail(str(exc))
        write_atomic(countersign_file, json.dumps(cp, indent=2) + "\n")
        console.print(f"countersigned {countersign_file} as {signer}")
        return
    if not (log_dir / "head.json").exists():
        fail(f"{log_dir} is not a forceplan log (no head.json)")
    try:
        with Log.writer(log_dir, create=False) as log:
            cp = make_checkpoint(log, k, signer)
            target = out or log_dir / "checkpoints" / f"{log.size:09d}-{signer}.json"
            write_atomic(target, json.dumps(cp, indent=2) + "\n")
    except LogError as exc:
        fail(str(exc))
    console.print(f"checkpoint: size {cp['tree_size']}, root {cp['root']}; wrote {target}")


@app.command("verify")
def verify_cmd(
    log_dir: LogOpt,
    checkpoint: Annotated[
        list[Path] | None, typer.Option("--checkpoint", help="A checkpoint held outside the log (repeatable)")
    ] = None,
    trust: Annotated[list[str] | None, typer.Option(help="NAME=PUBLIC.pem: a signer you trust (repeatable)")] = None,
    trust_file: Annotated[Path | None, typer.Option(help="File of NAME=PUBLIC.pem lines")] = None,
    witness: Annotated[
        list[str] | None, typer.Option("--witness", help="NAME=PUBLIC.pem of a witness of this log (repeatable)")
    ] = None,
    quorum: Annotated[int | None, typer.Option(min=1, help="Cosignatures that make a checkpoint witnessed")] = None,
) -> None:
    """Check the log against trusted checkpoints: modified, deleted, duplicated or reordered records, truncation,
    rollback, replay, forged appends and untrusted signatures exit 1. Records after the newest trusted
    checkpoint are reported as unwitnessed: nothing proves them until a later checkpoint held elsewhere does."""
    from rich.text import Text

    from forceplan.monitoring.log import LogError, load_checkpoint, verify_log

    trusted = read_trust(trust, trust_file)
    if not trusted:
        fail(
            "verify needs the public keys you trust: without them anyone could re-sign a tampered log",
            "--trust coalition=keys/coalition.pub (repeatable) or --trust-file trust.txt",
        )
    if not log_dir.is_dir():
        fail(f"{log_dir}: not a log folder")
    witness_keys = read_trust(witness, None) if witness else {}
    trusted = {**trusted, **witness_keys}  # a witness's cosignature is a trusted signature too
    cps: list[tuple[str, dict[str, object]]] = []
    for p in [*sorted((log_dir / "checkpoints").glob("*.json")), *(checkpoint or [])]:
        try:
            cps.append((str(p), load_checkpoint(p)))
        except LogError as exc:
            if p in (checkpoint or []):
                fail(str(exc))
            cps.append((str(p), {}))
    v = verify_log(log_dir, cps, trusted)
    for f in v.notes:
        console.print(f"note: {f.where}: {f.what}", style="yellow")
    for f in v.findings:
        err_console.print(Text.assemble(("✗ ", "red"), f"{f.where}: {f.what}"))
    if v.findings:
        raise typer.Exit(1)
    signers = sorted({s for names in v.witnesses.values() for s in names})
    if v.records == 0:
        console.print("empty: the log holds no records, so there is nothing to verify")
    elif v.witnessed == 0:
        console.print(
            f"not verified: {v.records} well-formed record(s), none covered by a trusted checkpoint; nothing proves "
            "them until a checkpoint signed by a key you trust does",
            style="yellow",
        )
    else:
        console.print(
            f"intact: {v.witnessed} of {v.records} records witnessed by {v.trusted_checkpoints} trusted "
            "checkpoint(s)" + (f" signed by {', '.join(signers)}" if signers else "")
        )
    if v.unwitnessed and v.witnessed:
        console.print(
            f"{v.unwitnessed} record(s) after record {v.witnessed} are unwitnessed: well-formed, but not verified. "
            "Only a later checkpoint held by another party can prove them.",
            style="yellow",
        )
    if witness:
        from forceplan.monitoring.log import newest_checkpoint, trusted_signers

        keys = witness_keys
        k = quorum or len(keys) // 2 + 1
        cp = newest_checkpoint(log_dir)
        names = sorted(set(trusted_signers(cp, keys))) if cp else []
        size = cp["tree_size"] if cp else 0
        console.print(
            f"newest checkpoint (size {size}): cosigned by {len(names)} of {len(keys)} witnesses"
            + (f" ({', '.join(names)})" if names else "")
            + f"; quorum {k}: {'witnessed' if len(names) >= k else 'NOT witnessed'}",
            style=None if len(names) >= k else "yellow",
        )


@app.command("prove")
def prove_cmd(
    log_dir: LogOpt,
    event: Annotated[str, typer.Option(help="Event id")],
    out: Annotated[Path | None, typer.Option(help="Write the inclusion proof as JSON")] = None,
) -> None:
    """An inclusion proof that an incident is in the log (RFC 6962 audit path)."""
    from forceplan.monitoring.log import check_inclusion

    log = _open(log_dir)
    idx = log.index_of(event)
    if idx is None:
        fail(f"no incident {event!r} in the log")
    record = log.record(idx)
    proof = log.inclusion(idx)
    assert check_inclusion(proof, record)
    text = json.dumps({"record": record, "proof": proof}, indent=2)
    if out:
        write_atomic(out, text + "\n")
    console.print(text)


@app.command("consistency")
def consistency_cmd(
    log_dir: LogOpt,
    checkpoint: Annotated[Path, typer.Option("--checkpoint", help="An earlier checkpoint (its size and root)")],
    out: Annotated[Path | None, typer.Option(help="Write the consistency proof as JSON")] = None,
) -> None:
    """A consistency proof (RFC 6962) that the log today extends the log of an earlier checkpoint. Exit 1 if not."""
    from forceplan.monitoring.log import LogError, load_checkpoint
    from forceplan.monitoring.merkle import verify_consistency

    log = _open(log_dir)
    try:
        cp = load_checkpoint(checkpoint)
    except LogError as exc:
        fail(str(exc))
    old_size, old_root = int(cp["tree_size"]), bytes.fromhex(cp["root"])
    if old_size > log.size:
        err_console.print(f"✗ truncated: the log has {log.size} records, the checkpoint {old_size}")
        raise typer.Exit(1)
    proof = log.consistency(old_size) if old_size else []
    ok = old_size == 0 or verify_consistency(old_size, log.size, old_root, log.root, [bytes.fromhex(h) for h in proof])
    doc = {
        "old_size": old_size,
        "old_root": cp["root"],
        "new_size": log.size,
        "new_root": log.root.hex(),
        "proof": proof,
        "consistent": ok,
    }
    if out:
        write_atomic(out, json.dumps(doc, indent=2) + "\n")
    console.print(json.dumps(doc, indent=2))
    if not ok:
        raise typer.Exit(1)


app.command("witness")(witness_cmd)
app.command("audit")(audit_cmd)
