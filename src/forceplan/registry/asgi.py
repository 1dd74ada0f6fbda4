"""The application built from the environment, for ``forceplan serve --workers N`` (uvicorn imports it by name in
each worker process): FORCEPLAN_DB_URL, FORCEPLAN_SECURE_COOKIES."""

from __future__ import annotations

import os

from fastapi import FastAPI

from forceplan.registry.api import create_app
from forceplan.registry.db import default_url


def app_from_env() -> FastAPI:
    return create_app(
        os.environ.get("FORCEPLAN_DB_URL") or default_url(),
        migrate=False,  # the parent process applied them before starting the workers
        secure_cookies=os.environ.get("FORCEPLAN_SECURE_COOKIES", "").lower() in ("1", "true", "yes"),
    )
