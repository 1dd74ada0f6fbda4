"""The application built from the environment, for ``forceplan serve --workers N`` (uvicorn imports it by name in
each worker process): FORCEPLAN_DB_URL, FORCEPLAN_SECURE_COOKIES, FORCEPLAN_LOG_DIR, FORCEPLAN_LOG_KEY,
FORCEPLAN_LOG_SIGNER, FORCEPLAN_WITNESSES (NAME=PUB.pem,...), FORCEPLAN_WITNESS_QUORUM."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from forceplan.registry.api import create_app
from forceplan.registry.db import default_url


def app_from_env() -> FastAPI:
    from forceplan.monitoring.keeper import LogKeeper, read_witnesses
    from forceplan.monitoring.log import load_private_key

    env = os.environ.get
    key_path = env("FORCEPLAN_LOG_KEY")
    quorum = env("FORCEPLAN_WITNESS_QUORUM")
    keeper = LogKeeper(
        Path(env("FORCEPLAN_LOG_DIR") or "ceasefire-log"),
        load_private_key(Path(key_path)) if key_path else None,
        env("FORCEPLAN_LOG_SIGNER") or "log",
        read_witnesses(env("FORCEPLAN_WITNESSES")),
        int(quorum) if quorum else None,
    )
    return create_app(
        env("FORCEPLAN_DB_URL") or default_url(),
        migrate=False,  # the parent process applied them before starting the workers
        secure_cookies=(env("FORCEPLAN_SECURE_COOKIES") or "").lower() in ("1", "true", "yes"),
        keeper=keeper,
        warm_figures=True,
    )
