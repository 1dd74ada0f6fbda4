"""The stocks' bounds held by the database too (schema 0007), on SQLite and PostgreSQL: a stock written past the
application (raw SQL as the database's owner, who is not subject to the row-level wall) is refused when the scenario
format would refuse it, and what the application stores always passes. Before schema 0007 every write below passed
on both databases (the bounds lived in the model only)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from forceplan.registry.db import make_engine
from forceplan.scenario.model import Materiel

pytestmark = pytest.mark.integration


@pytest.fixture
def owner(backend: Any) -> Iterator[tuple[Engine, dict[str, Any]]]:
    """The database as its owner, and a stock of the bundled scenario as stored (MAT-01, DEU's)."""
    engine = make_engine(backend.owner_url)
    with engine.connect() as conn:
        body = conn.execute(text("SELECT body FROM materiel WHERE id = 'MAT-01'")).scalar_one()
    yield engine, json.loads(body) if isinstance(body, str) else body
    engine.dispose()


def _stored(engine: Engine, body: Any, nation: str | None = "DEU", mid: str = "MAT-01") -> bool:
    """Whether the database keeps ``body`` as the stock's JSON (the change is rolled back either way)."""
    with engine.connect() as conn:
        try:
            conn.execute(
                text("UPDATE materiel SET body = :b, nation = :n WHERE id = :i"),
                {"b": json.dumps(body), "n": nation, "i": mid},
            )
        except IntegrityError as exc:
            assert "ck_materiel_bounds" in str(exc) or "CHECK constraint failed" in str(exc), exc
            return False
        finally:
            conn.rollback()
    return True


def test_the_database_refuses_a_stock_outside_the_bounds(owner: Any) -> None:
    engine, body = owner
    assert _stored(engine, body)  # the stock as the application stored it
    refused = {
        "quantity 0": {"quantity": 0},
        "quantity 100 001": {"quantity": 100_001},
        "quantity 2.5": {"quantity": 2.5},
        "quantity 5.0": {"quantity": 5.0},
        "quantity as text": {"quantity": "40"},
        "quantity true": {"quantity": True},
        "quantity null": {"quantity": None},
        "negative combat power": {"combat_power_per_item": -0.01},
        "combat power 10.5": {"combat_power_per_item": 10.5},
        "combat power as text": {"combat_power_per_item": "0.03"},
        "release preparation over a year": {"release_prep_h": 8760.5},
        "transport at 0 km/h": {"transport_kmh": 0},
        "transport at 201 km/h": {"transport_kmh": 201},
        "transport null": {"transport_kmh": None},
        "depot at longitude 181": {"depot": [181, 50]},
        "depot at latitude -91": {"depot": [20, -91]},
        "depot with three numbers": {"depot": [20, 50, 0]},
        "depot as a number": {"depot": 7},
        "depot with a text longitude": {"depot": ["20", 50]},
        "another nation in the JSON": {"nation": "FRA"},
        "another id in the JSON": {"id": "MAT-02"},
    }
    for what, change in refused.items():
        assert not _stored(engine, {**body, **change}), what
    for what, missing in (("no quantity", "quantity"), ("no depot", "depot"), ("no id", "id"),
                          ("no release preparation", "release_prep_h"), ("no nation", "nation")):  # fmt: skip
        assert not _stored(engine, {k: v for k, v in body.items() if k != missing}), what
    assert not _stored(engine, [body]) and not _stored(engine, "MAT-01")  # not an object at all
    assert not _stored(engine, body, nation=None)  # the wall's column says no nation, the JSON says DEU
    accepted = {
        "the bounds themselves": {
            "quantity": 100_000,
            "combat_power_per_item": 10,
            "release_prep_h": 8760,
            "transport_kmh": 200,
            "depot": [-180, 90],
        },
        "the lower bounds": {"quantity": 1, "combat_power_per_item": 0, "release_prep_h": 0, "transport_kmh": 0.001},
        "a depot by position": {"depot": [20.5, 50.25]},
    }
    for what, change in accepted.items():
        assert _stored(engine, {**body, **change}), what
    assert _stored(engine, {k: v for k, v in body.items() if k != "transport_kmh"})  # the model's default
    coalition = {k: v for k, v in body.items() if k != "nation"}
    assert _stored(engine, coalition, nation=None)  # a coalition stock: no nation on either side


NUMBER = st.one_of(
    st.integers(-5, 200_000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            0,
            1,
            10,
            100_000,
            100_001,
            8760,
            8760.000000000002,
            200,
            200.00000000000003,
            0.0,
            -0.0,
            5e-324,
            1e300,
            10**20,
            180,
            -180,
            90,
            -90,
        ]
    ),
    st.booleans(),
    st.none(),
    st.sampled_from(["", "5", "x"]),
)
DEPOT = st.one_of(
    st.sampled_from(["dep-powidz", "hub-rzeszow"]),
    st.lists(NUMBER, min_size=0, max_size=3),
)


def test_the_database_holds_the_models_bounds(owner: Any) -> None:
    """Random stocks: what the model refuses, the database refuses; what the model accepts, stored as the application
    stores it (the model's JSON), the database keeps (the database is stricter only on what the model converts:
    5.0, "5" or true for an integer)."""
    engine, body = owner

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        quantity=NUMBER, power=NUMBER, prep=NUMBER, depot=DEPOT,
        transport=st.one_of(NUMBER, st.just("absent")),
    )  # fmt: skip
    def check(quantity: Any, power: Any, prep: Any, depot: Any, transport: Any) -> None:
        raw = {**body, "quantity": quantity, "combat_power_per_item": power, "release_prep_h": prep, "depot": depot}
        raw["transport_kmh"] = transport
        if transport == "absent":
            del raw["transport_kmh"]
        try:
            stored = Materiel.model_validate(raw).model_dump(mode="json", exclude_none=True)
        except ValidationError:
            assert not _stored(engine, raw), raw
            return
        assert _stored(engine, stored), stored

    check()


def test_the_upgrade_names_a_stock_outside_the_bounds_and_the_downgrade_drops_the_check(owner: Any) -> None:
    from alembic import command

    from forceplan.registry.migrate import _config, current, head

    engine, body = owner
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    assert current(engine) == "0006"
    with engine.begin() as conn:  # schema 0006: the database keeps what the model refuses
        conn.execute(
            text("UPDATE materiel SET body = :b WHERE id = 'MAT-01'"), {"b": json.dumps({**body, "quantity": 0})}
        )
    with (
        pytest.raises((RuntimeError, DBAPIError), match="stocks MAT-01 are outside the bounds"),
        engine.begin() as conn,
    ):
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert current(engine) == "0006"
    with engine.begin() as conn:
        conn.execute(text("UPDATE materiel SET body = :b WHERE id = 'MAT-01'"), {"b": json.dumps(body)})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert current(engine) == head()
    assert not _stored(engine, {**body, "quantity": 0})
