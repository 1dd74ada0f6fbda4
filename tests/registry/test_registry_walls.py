"""The second wall: on PostgreSQL, row-level security keyed on the nation set per transaction holds even where the
application's own checks are bypassed (raw SQL in a nation's transaction). And the round trip with the scenario
format: the registry's export loads to the scenario it imported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from forceplan.registry import store
from forceplan.registry.db import Actor, make_engine, transaction
from forceplan.scenario import canonical_dict, load_scenario

pytestmark = pytest.mark.integration

GBR = Actor("editor-gbr", "editor", "GBR")
PLANNER = Actor("planner", "planner")


def test_the_application_role_is_neither_owner_nor_superuser_nor_bypassrls(pg_backend: Any) -> None:
    engine = make_engine(pg_backend.url)
    try:
        with engine.connect() as c:
            su, bypass = c.execute(
                text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            ).one()
            owners = c.execute(
                text("SELECT DISTINCT tableowner FROM pg_tables WHERE tablename IN ('pledges', 'materiel', 'audit')")
            ).scalars()
            assert not su and not bypass
            assert c.execute(text("SELECT current_user")).scalar() not in set(owners)
    finally:
        engine.dispose()


def test_raw_sql_in_a_nations_transaction_sees_none_of_another_nations_rows(pg_backend: Any) -> None:
    engine = make_engine(pg_backend.url)
    try:
        with transaction(engine, PLANNER) as s:
            total = s.execute(text("SELECT COUNT(*) FROM pledges WHERE nation = 'FRA'")).scalar()
        assert total and total > 0
        with transaction(engine, GBR) as s:
            assert s.execute(text("SELECT COUNT(*) FROM pledges WHERE nation = 'FRA'")).scalar() == 0
            assert s.execute(text("SELECT COUNT(*) FROM pledges WHERE nation <> 'GBR'")).scalar() == 0
            assert s.execute(text("SELECT COUNT(*) FROM audit WHERE nation = 'FRA'")).scalar() == 0
            assert s.execute(text("SELECT COUNT(*) FROM materiel WHERE nation = 'FRA'")).scalar() == 0
            assert s.execute(text("UPDATE pledges SET quantity = 99 WHERE nation = 'FRA'")).rowcount == 0
        with pytest.raises(Exception, match="row-level security"), transaction(engine, GBR) as s:
            s.execute(text("UPDATE pledges SET nation = 'FRA' WHERE nation = 'GBR'"))  # moving a row out: refused
        with pytest.raises(Exception, match="row-level security"), transaction(engine, GBR) as s:
            s.execute(
                text(
                    "INSERT INTO pledges (id, nation, capability, quantity, personnel_per_unit, notice_to_move_days, "
                    "home_base, caveats, status, status_dates, available_from_day, position, created_at, updated_at, "
                    "version) VALUES ('X-1', 'FRA', 'mech_inf_bn', 1, 1, 1, '[0, 0]', '{}', 'offered', '{}', 0, 0, "
                    "now(), now(), 1)"
                )
            )
        with pytest.raises(Exception, match="permission denied"), transaction(engine, PLANNER) as s:
            s.execute(text("DELETE FROM pledges"))  # nothing is deleted in place, by anyone
        with pytest.raises(Exception, match="permission denied"), transaction(engine, PLANNER) as s:
            s.execute(text("UPDATE audit SET actor = 'someone else'"))  # the audit trail is append-only
        with transaction(engine, Actor("anonymous", "", None)) as s:
            assert s.execute(text("SELECT COUNT(*) FROM pledges")).scalar() == 0  # no actor set: no rows
        with transaction(engine, PLANNER) as s:
            assert s.execute(text("SELECT COUNT(*) FROM pledges WHERE nation = 'FRA'")).scalar() == total
    finally:
        engine.dispose()


def test_export_of_an_import_loads_to_the_scenario_imported(backend: Any, tmp_path: Path, bundled: Any) -> None:
    engine = make_engine(backend.url)
    try:
        path = store.export_registry(engine, PLANNER, tmp_path / "exported")
        assert canonical_dict(load_scenario(path)) == canonical_dict(bundled)
        with pytest.raises(store.Forbidden):
            store.export_registry(engine, GBR, tmp_path / "not-for-an-editor")
        # Importing the export again changes nothing and audits nothing new.
        with transaction(engine, PLANNER) as s:
            before = s.execute(text("SELECT COUNT(*) FROM audit")).scalar()
        store.import_scenario(engine, PLANNER, load_scenario(path), replace=True)
        with transaction(engine, PLANNER) as s:
            assert s.execute(text("SELECT COUNT(*) FROM audit")).scalar() == before
        again = store.export_registry(engine, PLANNER, tmp_path / "again")
        assert canonical_dict(load_scenario(again)) == canonical_dict(bundled)
    finally:
        engine.dispose()


def test_an_import_is_all_or_nothing_and_never_deletes(backend: Any, bundled: Any) -> None:
    engine = make_engine(backend.url)
    try:
        with pytest.raises(store.Conflict, match="--replace"):
            store.import_scenario(engine, PLANNER, bundled)
        fewer = bundled.model_copy(update={"pledges": bundled.pledges[:-3]})
        store.import_scenario(engine, PLANNER, fewer, replace=True)
        gone = {p.id for p in bundled.pledges[-3:]}
        rows = {p["id"]: p for p in store.list_pledges(engine, PLANNER)}
        assert len(rows) == len(bundled.pledges)  # still there ...
        assert {rows[i]["status"] for i in gone} == {"withdrawn"}  # ... withdrawn, with why
        assert {rows[i]["withdrawn_reason"] for i in gone} == {"not in the scenario imported"}
    finally:
        engine.dispose()
