"""The seeded registry the registry and web tests start from: migrated, the bundled scenario imported, accounts
with a known password."""

from __future__ import annotations

from forceplan.registry import auth, store
from forceplan.registry.db import SYSTEM, make_engine
from forceplan.registry.migrate import upgrade
from forceplan.scenario import load_scenario

PASSWORD = "correct horse battery staple"
ACCOUNTS = [
    ("planner", "planner", None),
    ("observer", "observer", None),
    ("admin", "admin", None),
    ("editor-gbr", "editor", "GBR"),
    ("editor-gbr-2", "editor", "GBR"),
    ("editor-fra", "editor", "FRA"),
]
APP_ROLE_PASSWORD = "app-role-password-for-tests"


def seed_registry(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
        store.import_scenario(engine, SYSTEM, load_scenario("ukraine-2025"))
        for name, role, nation in ACCOUNTS:
            auth.add_user(engine, name, role, nation, PASSWORD)
    finally:
        engine.dispose()
