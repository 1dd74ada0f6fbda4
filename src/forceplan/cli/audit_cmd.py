"""``forceplan monitor witness`` and ``monitor audit``: the parties who check a served log trust only signatures.

Both need the public keys they trust (exit 2 without). A witness countersigns a checkpoint only if a trusted key
signed it and it extends the last one the witness accepted. An auditor reads every record the log serves (all
pages), compares it with the log's own signed checkpoints and with the peers' — each peer's checkpoint only after
a trusted signature on it verifies (an unsigned or wrongly signed one is refused, exit 2, never taken as evidence
of a split view) — and reports records past the newest signed checkpoint as unwitnessed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forceplan.cli.common import console, err_console, fail, write_atomic
from forceplan.fsutil import InputFileError, read_text_checked

if TYPE_CHECKING:
    from forceplan.registry.client import LogClient

TRUST_HINT = "add --trust NAME=PUBLIC.pem with the log's public key (e.g. --trust log=keys/log.pub), or --trust-file"


def read_trust(trust: list[str] | None, trust_file: Path | None) -> dict[str, str]:
    """Trusted signers: NAME=PUBLIC.pem options, and the lines of a trust file (NAME=PATH, relative to the file)."""
    from forceplan.monitoring.log import LogError, check_key_name, public_key_b64

    entries = [(t, Path.cwd()) for t in trust or []]
    if trust_file is not None:
        try:
            text = read_text_checked(trust_file, 64 * 1024, "trust file")
        except InputFileError as exc:
            fail(str(exc), "one NAME=PUBLIC.pem per line")
        entries += [
            (line.strip(), trust_file.parent) for line in text.splitlines() if line.strip() and not line.startswith("#")
        ]
    out: dict[str, str] = {}
    for entry, base in entries:
        name, eq, path = entry.partition("=")
        if not eq or not name.strip() or not path.strip():
            fail(f"--trust {entry!r}: expected NAME=PUBLIC.pem", "e.g. --trust coalition=keys/coalition.pub")
        try:
            out[check_key_name(name.strip())] = public_key_b64(base / path.strip())
        except LogError as exc:
            fail(str(exc), "give the signer's public key (NAME.pub)")
    return out


def _print_finding(f: object, out: Path | None, n: int) -> None:
    from rich.text import Text

    from forceplan.monitoring.witness import Finding

    assert isinstance(f, Finding)
    err_console.print(Text.assemble((f"{f.kind}: ", "bold red"), f.detail))
    if out is not None and f.evidence:
        path = out / f"evidence-{n:02d}-{f.kind}.json"
        write_atomic(path, json.dumps({"finding": f.kind, "detail": f.detail, "checkpoints": f.evidence}, indent=2))
        err_console.print(f"  evidence (the signed checkpoints): {path}")


def witness_cmd(
    url: Annotated[str, typer.Argument(help="The log's server, e.g. http://127.0.0.1:8000")],
    key: Annotated[Path, typer.Option(help="This witness's private key (PEM)")],
    signer: Annotated[str, typer.Option(help="This witness's name, as the log knows it")],
    state: Annotated[Path, typer.Option(help="Folder where this witness keeps the last checkpoint it accepted")],
    trust: Annotated[list[str] | None, typer.Option(help="NAME=PUBLIC.pem of the log's signer (repeatable)")] = None,
    trust_file: Annotated[Path | None, typer.Option(help="File of NAME=PUBLIC.pem lines")] = None,
) -> None:
    """Check the log's newest checkpoint extends the last one this witness accepted, countersign it and post the
    cosignature back.

    The signature must be the log's trusted key's and the consistency proof must verify. A rollback, a rewritten
    history (equivocation) or a bad signature exits 1 and countersigns nothing."""
    from forceplan.monitoring.log import LogError, check_key_name, countersign, load_checkpoint, load_private_key
    from forceplan.monitoring.witness import check_extends, check_signed_by_log, peer_problem
    from forceplan.registry.client import LogClient, RemoteError

    trusted = read_trust(trust, trust_file)
    if not trusted:
        fail("a witness needs the log's public key: it countersigns only what that key signed", TRUST_HINT)
    try:
        check_key_name(signer)
        k = load_private_key(key)
    except LogError as exc:
        fail(str(exc), "give the NAME.key file that 'forceplan monitor keygen' wrote")
    last_path = state / "last-checkpoint.json"
    try:
        last = load_checkpoint(last_path) if last_path.exists() else None
    except LogError as exc:
        fail(str(exc), f"the witness state in {state} is damaged; restore it from a backup")
    if last is not None and (problem := peer_problem(last, trusted)):
        fail(f"{last_path}: the last checkpoint this witness accepted {problem}", f"restore {state} from a backup")
    client = LogClient(url)
    try:
        new = client.checkpoint()
        new = {k2: v for k2, v in new.items() if k2 != "witnessed"}
        bad = check_signed_by_log(new, trusted)
        proof = None
        if bad is None and last is not None and int(new["tree_size"]) > int(last["tree_size"]):
            proof = client.consistency(int(last["tree_size"]), int(new["tree_size"]))
        finding = bad or check_extends(last, new, proof)
        if finding is not None:
            state.mkdir(parents=True, exist_ok=True)
            _print_finding(finding, state, 0)
            raise typer.Exit(1)
        signed = countersign(
            {**new, "signatures": [s for s in new["signatures"] if s.get("signer") != signer]}, k, signer
        )
        mine = signed["signatures"][-1]
        back = client.cosign(int(new["tree_size"]), mine)
    except RemoteError as exc:
        fail(str(exc), "check the URL and that the server runs")
    finally:
        client.close()
    state.mkdir(parents=True, exist_ok=True)
    write_atomic(last_path, json.dumps(signed, indent=2) + "\n")
    w = back.get("witnessed", {})
    console.print(
        f"cosigned size {new['tree_size']} root {new['root'][:16]}… as {signer}; witnessed by "
        f"{w.get('count', '?')} of {w.get('of', '?')} (quorum {w.get('quorum', '?')})"
    )


def _unannotated(cp: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cp.items() if k != "witnessed"}


def served_entries(client: LogClient, out: list[bytes] | None = None) -> list[bytes]:
    """Every record the log serves (after those in ``out``), page after page, until the log's own size (which the
    entries answer carries; a log that grows meanwhile is read to its new end)."""
    from forceplan.registry.client import RemoteError

    out = list(out or [])
    size = None
    while size is None or len(out) < size:
        try:
            r = client.http.get(f"{client.base}/api/log/entries", params={"start": len(out), "end": len(out) + 999})
        except Exception as exc:  # httpx's errors, without importing httpx here
            raise RemoteError(f"{client.base}: {type(exc).__name__}: {exc}") from None
        if r.status_code == 404 and size is None:
            return out  # nothing past what was read (an empty log, or no growth)
        if r.status_code != 200:
            raise RemoteError(f"{client.base}/api/log/entries: {r.status_code} {r.text[:200]}")
        try:
            doc = r.json()
            got, size = doc["entries"], int(doc["tree_size"])
        except (ValueError, KeyError, TypeError):
            raise RemoteError(f"{client.base}/api/log/entries: not an entries answer") from None
        if not got:
            raise RemoteError(f"{client.base}: the log stopped serving records at {len(out)} of {size}")
        out += [str(e).encode("utf-8") for e in got]
    return out


def audit_cmd(
    url: Annotated[str, typer.Argument(help="The log's server")],
    peer: Annotated[
        list[str] | None,
        typer.Option("--peer", help="Another party's view: a server URL or a checkpoint file (repeatable)"),
    ] = None,
    trust: Annotated[list[str] | None, typer.Option(help="NAME=PUBLIC.pem of the log's signer (repeatable)")] = None,
    trust_file: Annotated[Path | None, typer.Option(help="File of NAME=PUBLIC.pem lines")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for evidence files (both signed checkpoints)")] = None,
) -> None:
    """Verify a served log from scratch and compare it with the checkpoints other parties hold; exit 1 on a split
    view, a rollback or unwitnessed records.

    Every record the log serves is hashed into a fresh tree and every checkpoint the log published is checked
    against it. A peer's checkpoint is compared only if a trusted key signed it (otherwise exit 2: it proves
    nothing). A split view (two checkpoints of one size with different roots, or a newer one that does not extend
    an older one), a rollback, bad records, a checkpoint of the log's without a trusted signature, or records past
    the newest signed checkpoint exit 1, with the signed checkpoints written as evidence."""
    from forceplan.monitoring.log import LogError, load_checkpoint
    from forceplan.monitoring.witness import audit_log, peer_problem
    from forceplan.registry.client import LogClient, RemoteError

    trusted = read_trust(trust, trust_file)
    if not trusted:
        fail("audit needs the public key of the log's signer: without it a log signed by anyone would pass", TRUST_HINT)
    held: list[tuple[str, dict[str, Any]]] = []
    remote: list[str] = []
    for p in peer or []:
        if p.startswith(("http://", "https://")):
            remote.append(p)
            continue
        try:
            held.append((f"checkpoint file {p}", load_checkpoint(Path(p))))
        except LogError as exc:
            fail(str(exc), "give a checkpoint file as the log signed it")
    client = LogClient(url)
    try:
        for p in remote:
            c = LogClient(p)
            try:
                held.append((f"peer {p}", _unannotated(c.checkpoint())))
            finally:
                c.close()
        for label, cp in held:
            problem = peer_problem(cp, trusted)
            if problem:
                fail(
                    f"{label}: the checkpoint {problem}: refused, not compared (it proves nothing about the log)",
                    "ask the peer for the checkpoint as the log signed it, or add the log's key with --trust",
                )
        own = {int(s): _unannotated(client.checkpoint(s)) for s in client.checkpoint_sizes()}
        latest = _unannotated(client.checkpoint())
        own.setdefault(int(latest["tree_size"]), latest)
        lines = served_entries(client)
        for _ in range(2):  # a batch appended while reading is signed moments later: look again before judging
            newest = _unannotated(client.checkpoint())
            if int(newest["tree_size"]) > len(lines):
                lines = served_entries(client, lines)
            own.setdefault(int(newest["tree_size"]), newest)
            if max(own) >= len(lines):
                break
            time.sleep(1.0)
    except RemoteError as exc:
        fail(str(exc), "check the URL and that the server runs")
    finally:
        client.close()
    result = audit_log(lines, own, held, trusted)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    for n, f in enumerate(result.findings):
        _print_finding(f, out, n)
    if result.findings:
        raise typer.Exit(1)
    console.print(
        f"consistent: {result.records} records rebuilt, all covered by the newest signed checkpoint (size "
        f"{result.witnessed}); {result.checkpoints} signed checkpoint(s) of the log and {result.peers} peer view(s) "
        "agree with the records"
    )
