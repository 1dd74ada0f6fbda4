"""schemathesis against the registry's OpenAPI document (bounded examples): no 500, every response matches its
documented schema, for a planner and for a nation editor."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.registry_seed import PASSWORD

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def registry_app(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The app on SQLite, and on PostgreSQL as the application's role (row-level security, the signed wall)."""
    if request.param == "sqlite":
        db = tmp_path_factory.mktemp("openapi") / "registry.sqlite"
        shutil.copyfile(sqlite_template, db)
        yield from _app(f"sqlite:///{db}")
        return
    from tests.registry.conftest import _pg_database

    with _pg_database(request.getfixturevalue("postgres")) as b:
        yield from _app(b.url)


def _app(url: str) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from forceplan.registry.api import create_app

    app = create_app(url, run_plans=False)
    with TestClient(app) as client:
        app.state.tokens = {
            who: client.post("/api/tokens", json={"username": who, "password": PASSWORD}).json()["token"]
            for who in ("planner", "editor-gbr")
        }
        yield app


@pytest.fixture(scope="module")
def api_schema(registry_app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", registry_app)


MAX_EXAMPLES = 8
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
"""What the API promises: no 5xx, and every answer as documented. Not 'every schema-valid body is accepted': the
registry also checks what a schema cannot say (references to the catalogue, plausible magnitudes), as the loader
does, and answers those with a documented 422."""


@pytest.mark.parametrize("who", ["planner", "editor-gbr"])
def test_no_server_error_and_every_response_as_documented(api_schema: Any, registry_app: Any, who: str) -> None:
    headers = {"Authorization": f"Bearer {registry_app.state.tokens[who]}"}
    checked = 0
    for result in api_schema.get_all_operations():
        op = result.ok()
        if op.path in ("/api/session", "/api/tokens"):
            continue  # sign-in is throttled per address; its answers are tested in test_registry_api

        @given(case=op.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)  # fmt: skip
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
        checked += 1
    assert checked >= 20
