"""``forceplan serve``, ``forceplan db upgrade``, ``forceplan users ...``, ``forceplan registry import|export``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from forceplan.cli.common import console, err_console, fail, load_or_exit, table
from forceplan.cli.group import sub_app

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

DB_ENV = "FORCEPLAN_DB_URL"
Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=DB_ENV,
        help="Database URL: postgresql://USER:PASSWORD@HOST/DB or sqlite:///FILE; default a SQLite file "
        "forceplan-registry.sqlite in the working folder",
        show_default=False,
    ),
]

users_app = sub_app("Accounts of the registry: add, list, disable, reset a password.")
db_app = sub_app("The registry's database: apply migrations.")
registry_app = sub_app("Import a scenario into the registry; export the registry as a scenario.")


def _url(db: str | None) -> str:
    from forceplan.registry.db import default_url

    return db or default_url()


@contextmanager
def _engine(db: str | None, migrate: bool = True) -> Iterator[Engine]:
    """An engine on the registry's database, migrations applied; every registry error becomes exit 2."""
    from sqlalchemy.exc import OperationalError

    from forceplan.registry.db import WallKeyMissing, make_engine
    from forceplan.registry.migrate import MigrationError, ensure_current
    from forceplan.registry.store import RegistryError
    from forceplan.scenario.problems import format_path

    url = _url(db)
    try:
        engine = make_engine(url)
    except WallKeyMissing as exc:
        fail(str(exc))
    except Exception as exc:  # a malformed URL or an unknown driver
        fail(f"cannot use database URL: {type(exc).__name__}: {exc}", f"give --db or {DB_ENV} as in the README")
    try:
        if migrate:
            ensure_current(engine)
        yield engine
    except RegistryError as exc:
        for p in exc.problems:
            err_console.print(f"  {format_path(p.path)}: {p.message}" + (f" (hint: {p.hint})" if p.hint else ""))
        fail(exc.detail)
    except (MigrationError, WallKeyMissing) as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(
            f"cannot reach the database: {str(exc.orig).splitlines()[0] if exc.orig else exc}",
            "check --db (host, port, user, password) and that the server runs",
        )
    finally:
        engine.dispose()


def serve(
    db: Db = None,
    host: Annotated[
        str,
        typer.Option(
            envvar="FORCEPLAN_HOST",
            help="Address to listen on (localhost only by "
            "default; 0.0.0.0 exposes it to the network: put TLS in front)",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="FORCEPLAN_PORT", min=1, max=65535, help="Port")] = 8000,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Import the bundled scenario and create demo accounts "
            "(one editor per nation, a planner, an observer, an admin); print their "
            "one-time passwords",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            envvar="FORCEPLAN_WORKERS", min=1, max=64, help="Server processes (sign-in throttling counts per process)"
        ),
    ] = 1,
    log: Annotated[
        Path,
        typer.Option(
            "--log",
            envvar="FORCEPLAN_LOG_DIR",
            help="Folder of the ceasefire log served at /api/log (created on the first submission)",
        ),
    ] = Path("ceasefire-log"),
    log_key: Annotated[
        Path | None,
        typer.Option(
            envvar="FORCEPLAN_LOG_KEY", help="Private key (PEM) the log signs a checkpoint with after each batch"
        ),
    ] = None,
    log_signer: Annotated[str, typer.Option(envvar="FORCEPLAN_LOG_SIGNER", help="Name of the log's signer")] = "log",
    witness: Annotated[
        list[str] | None,
        typer.Option("--witness", help="A witness NAME=PUBLIC_KEY.pem whose cosignatures the log accepts (repeat)"),
    ] = None,
    witness_quorum: Annotated[
        int | None,
        typer.Option(
            envvar="FORCEPLAN_WITNESS_QUORUM",
            min=1,
            help="Cosignatures that make a checkpoint witnessed (default a majority)",
        ),
    ] = None,
    secure_cookies: Annotated[
        bool, typer.Option(envvar="FORCEPLAN_SECURE_COOKIES", help="Mark cookies Secure (behind HTTPS)")
    ] = False,
) -> None:
    """Run the pledge registry: the web API (OpenAPI at /docs) on uvicorn; migrations are applied on start."""
    import uvicorn

    from forceplan.monitoring.keeper import LogKeeper, read_witnesses
    from forceplan.monitoring.log import LogError, check_key_name, load_private_key
    from forceplan.registry.api import create_app

    url = _url(db)
    spec = ",".join(witness or [])
    try:
        check_key_name(log_signer)
        key = load_private_key(log_key) if log_key else None
        witnesses = read_witnesses(spec)
    except (LogError, ValueError) as exc:
        fail(str(exc), "--log-key takes the NAME.key of 'forceplan monitor keygen'; --witness NAME=NAME.pub")
    if witness_quorum is not None and witness_quorum > len(witnesses):
        fail(f"--witness-quorum {witness_quorum} is more than the {len(witnesses)} witnesses given")
    with _engine(db) as engine:
        _refuse_privileged(engine)
        if demo:
            _demo(engine, db)
    console.print(f"forceplan registry on http://{host}:{port} (database {_safe(url)}); Ctrl-C stops it")
    console.print(
        f"ceasefire log: {log.resolve()}; checkpoints {'signed as ' + log_signer if key else 'unsigned (no --log-key)'}"
        f"; witnesses {', '.join(witnesses) or 'none'}"
    )
    if workers == 1:
        keeper = LogKeeper(log, key, log_signer, witnesses, witness_quorum)
        app = create_app(url, secure_cookies=secure_cookies, keeper=keeper, warm_figures=True)
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=75)
    else:
        import os

        os.environ["FORCEPLAN_DB_URL"] = url
        os.environ["FORCEPLAN_SECURE_COOKIES"] = "1" if secure_cookies else ""
        os.environ["FORCEPLAN_LOG_DIR"] = str(log)
        os.environ["FORCEPLAN_LOG_KEY"] = str(log_key or "")
        os.environ["FORCEPLAN_LOG_SIGNER"] = log_signer
        os.environ["FORCEPLAN_WITNESSES"] = spec
        os.environ["FORCEPLAN_WITNESS_QUORUM"] = str(witness_quorum or "")
        uvicorn.run("forceplan.registry.asgi:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", timeout_keep_alive=75)  # fmt: skip


def _safe(url: str) -> str:
    """A URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).difference_update_query(["wall_key"]).render_as_string(hide_password=True)
    except Exception:
        return "(unparsable URL)"


def _refuse_privileged(engine: Engine) -> None:
    """On PostgreSQL the server runs as a role row-level security binds: never a superuser, a BYPASSRLS role, or
    the owner of the tables (an owner is not subject to its tables' policies)."""
    from sqlalchemy import text

    from forceplan.registry.db import is_postgres

    if not is_postgres(engine):
        return
    with engine.connect() as c:
        su, bypass = c.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        owner = c.execute(
            text(
                "SELECT pg_has_role(current_user, relowner, 'MEMBER') FROM pg_class WHERE oid = to_regclass('pledges')"
            )
        ).scalar()
    if su or bypass or owner:
        what = "a superuser" if su else "a BYPASSRLS role" if bypass else "the owner of the registry's tables"
        fail(
            f"refusing to serve as {what}: row-level security would be no wall between nations",
            "serve with a login role that is a member of forceplan_app and owns nothing (docs/registry.md); "
            "run 'forceplan db upgrade' and 'forceplan db wall-key' as the owner",
        )


def _demo(engine: Engine, db: str | None = None) -> None:
    from forceplan.registry import auth, store
    from forceplan.registry.db import SYSTEM
    from forceplan.registry.demo import NEWEST_DAYS_AGO, dates_from_today
    from forceplan.scenario import load_scenario

    if not store.list_pledges(engine, SYSTEM):
        sc, shift = dates_from_today(load_scenario("ukraine-2025"), store.today())
        counts = store.import_scenario(engine, SYSTEM, sc)
        console.print(
            f"imported ukraine-2025: {counts['pledges']} pledges, {counts['materiel']} stocks; pledge dates moved "
            f"{shift:+,} days so the newest is {NEWEST_DAYS_AGO} day(s) old (demo only)"
        )
    existing = {u["username"] for u in auth.list_users(engine)}
    nations = sorted({p["nation"] for p in store.list_pledges(engine, SYSTEM)})
    wanted = [("admin", "admin", None), ("planner", "planner", None), ("observer", "observer", None)]
    wanted += [(f"editor-{n.lower()}", "editor", n) for n in nations]
    t = table(title="Demo accounts (one-time passwords: shown once; reset with forceplan users reset-password)")
    for col in ("username", "role", "nation", "password"):
        t.add_column(col)
    for name, role, nation in wanted:
        if name in existing:
            continue
        t.add_row(name, role, nation or "", auth.add_user(engine, name, role, nation))
    if t.row_count:
        console.print(t)
    else:
        where = "" if db is None else f" --db {_safe(db)}"
        console.print(
            f"demo accounts exist already: their one-time passwords were shown when they were made. For a new one: "
            f"forceplan users reset-password USERNAME{where} (forceplan users list{where} lists them)"
        )


@db_app.command("upgrade")
def db_upgrade(db: Db = None) -> None:
    """Apply the schema migrations (Alembic) up to this version's; run it as the database owner on PostgreSQL."""
    from forceplan.registry.migrate import upgrade

    with _engine(db, migrate=False) as engine:
        before, after = upgrade(engine)
    console.print(f"database at schema {after}" + ("" if before == after else f" (was {before or 'empty'})"))


@db_app.command("wall-key")
def db_wall_key(db: Db = None) -> None:
    """Print the key the server signs each transaction's user with (PostgreSQL; run as the database owner). Give
    it to the server as FORCEPLAN_DB_KEY: the application's role may not read it, so SQL run as that role cannot
    act as anyone it was not signed in as."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from forceplan.registry.db import is_postgres

    with _engine(db, migrate=False) as engine:
        if not is_postgres(engine):
            fail("only PostgreSQL has a wall key (SQLite has one writer and no row-level security)")
        try:
            with engine.connect() as c:
                key = c.execute(text("SELECT encode(app_key, 'hex') FROM wall_key")).scalar()
        except SQLAlchemyError:
            fail("this role may not read the wall key", "run it as the database owner, after 'forceplan db upgrade'")
    print(key)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[str, typer.Option(help="editor, planner, observer or admin")],
    nation: Annotated[str | None, typer.Option(help="ISO3 of the nation an editor edits")] = None,
    db: Db = None,
) -> None:
    """Add an account; prints its one-time password."""
    from forceplan.registry import auth

    with _engine(db) as engine:
        password = auth.add_user(engine, username, role, nation)
    console.print(f"added {username} ({role}{' ' + nation.upper() if nation else ''}); one-time password: {password}")


@users_app.command("list")
def users_list(db: Db = None) -> None:
    """List the accounts (never their passwords)."""
    from forceplan.registry import auth

    with _engine(db) as engine:
        users = auth.list_users(engine)
    t = table(title="Accounts")
    for col in ("username", "role", "nation", "state", "created"):
        t.add_column(col)
    for u in users:
        state = "disabled" if u["disabled"] else "locked" if u["locked"] else "active"
        t.add_row(str(u["username"]), str(u["role"]), str(u["nation"] or ""), state, str(u["created_at"]))
    console.print(t)


@users_app.command("disable")
def users_disable(username: str, db: Db = None) -> None:
    """Disable an account and end its sessions and tokens."""
    from forceplan.registry import auth

    with _engine(db) as engine:
        auth.set_disabled(engine, username)
    console.print(f"disabled {username}; its sessions and tokens are revoked")


@users_app.command("reset-password")
def users_reset(username: str, db: Db = None) -> None:
    """Give an account a new one-time password (unlocks it, ends its sessions)."""
    from forceplan.registry import auth

    with _engine(db) as engine:
        password = auth.reset_password(engine, username)
    console.print(f"new one-time password for {username}: {password}")


@registry_app.command("import")
def registry_import(
    scenario: Annotated[str, typer.Argument(help="A bundled scenario name or a scenario YAML file")],
    db: Db = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Replace the registry's scenario; pledges it does not name are withdrawn, not deleted"
        ),
    ] = False,
) -> None:
    """Load a scenario into the registry (all or nothing; every change audited)."""
    from forceplan.registry import store
    from forceplan.registry.db import SYSTEM

    sc = load_or_exit(scenario)
    with _engine(db) as engine:
        counts = store.import_scenario(engine, SYSTEM, sc, replace=replace)
    console.print(f"imported {sc.name}: {counts['pledges']} pledges, {counts['materiel']} stocks")


@registry_app.command("export")
def registry_export(
    out_dir: Annotated[Path, typer.Argument(help="Empty or new folder for scenario.yaml and its GeoJSON files")],
    db: Db = None,
) -> None:
    """Write the registry's state as a scenario folder: every forceplan command runs on it."""
    from forceplan.registry import store
    from forceplan.registry.db import SYSTEM

    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        fail(f"{out_dir} exists and is not an empty folder", "choose a new folder so nothing is overwritten")
    with _engine(db) as engine:
        path = store.export_registry(engine, SYSTEM, out_dir)
    console.print(f"wrote {path} (run: forceplan plan {path})")
