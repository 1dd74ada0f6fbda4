"""Raw SQL attacks as the application's database role on the throwaway PostgreSQL, inside a nation editor's
transaction (what an injection in a GBR request could run). Each held before schema 0002 only where noted; the
others read FRA's rows, wrote as a planner, or read password hashes before it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from forceplan.registry.db import Actor, make_engine, sign_context, transaction, wall_key

pytestmark = pytest.mark.integration

GBR = Actor("editor-gbr", "editor", "GBR")
PLANNER = Actor("planner", "planner")


@pytest.fixture
def engine(pg_backend: Any) -> Iterator[Engine]:
    e = make_engine(pg_backend.url)
    yield e
    e.dispose()


def _fra_rows(s: Any) -> int:
    return int(s.execute(text("SELECT COUNT(*) FROM pledges WHERE nation = 'FRA'")).scalar())


def test_the_acting_user_cannot_be_changed_by_a_setting(engine: Engine) -> None:
    with transaction(engine, PLANNER) as s:
        assert _fra_rows(s) > 0
    key = wall_key(engine)
    forged = [
        "SELECT set_config('forceplan.role', 'planner', true), set_config('forceplan.nation', 'FRA', true)",
        "SELECT set_config('forceplan.ctx', 'planner|||9999999999|' || repeat('0', 64), true)",
        # GBR's own signed context with the role or the nation changed: the signature no longer matches.
        "SELECT set_config('forceplan.ctx', replace(current_setting('forceplan.ctx'), 'editor|GBR', 'planner|'), true)",
        "SELECT set_config('forceplan.ctx', replace(current_setting('forceplan.ctx'), '|GBR|', '|FRA|'), true)",
        # A planner's context signed with another key, and a planner's context that has expired.
        f"SELECT set_config('forceplan.ctx', '{sign_context(b'k' * 48, PLANNER)}', true)",
        f"SELECT set_config('forceplan.ctx', '{sign_context(key, PLANNER, time.time() - 3600)}', true)",
        "RESET forceplan.ctx",
    ]
    for sql in forged:
        with transaction(engine, GBR) as s:
            s.execute(text(sql))
            assert _fra_rows(s) == 0, sql  # before: the first one showed FRA's rows


def test_the_key_is_not_readable_by_the_application_role(engine: Engine) -> None:
    with pytest.raises(Exception, match="permission denied"), transaction(engine, PLANNER) as s:
        s.execute(text("SELECT app_key FROM wall_key"))


def test_nation_burden_in_a_nations_transaction_holds_only_its_own_figures(engine: Engine) -> None:
    with transaction(engine, GBR) as s:
        nations = set(s.execute(text("SELECT DISTINCT nation FROM nation_burden")).scalars())
        assert nations == {"GBR"}  # before: every nation's burden
        fill = s.execute(text("SELECT SUM(personnel) FROM pledge_fill")).scalar()
    with transaction(engine, PLANNER) as s:
        assert len(set(s.execute(text("SELECT DISTINCT nation FROM nation_burden")).scalars())) > 20
        assert s.execute(text("SELECT SUM(personnel) FROM pledge_fill")).scalar() == fill  # the coalition's totals


def test_an_audit_row_says_who_wrote_it_whatever_is_sent(engine: Engine) -> None:
    insert = (
        "INSERT INTO audit (at, actor, actor_role, action, kind, record_id, nation, changes) "
        "VALUES (now(), 'planner', 'planner', 'verify', 'pledge', :rid, :nation, '{}')"
    )
    with pytest.raises(Exception, match="row-level security"), transaction(engine, GBR) as s:
        s.execute(text(insert), {"rid": "FRA-01", "nation": None})  # before: accepted, nation NULL, "planner"
    with pytest.raises(Exception, match="row-level security"), transaction(engine, GBR) as s:
        s.execute(text(insert), {"rid": "FRA-01", "nation": "FRA"})
    with transaction(engine, GBR) as s:
        s.execute(text(insert), {"rid": "GBR-01", "nation": "GBR"})
        actor, role = s.execute(text("SELECT actor, actor_role FROM audit ORDER BY id DESC LIMIT 1")).one()
    assert (actor, role) == ("editor-gbr", "editor")  # stamped from the signed context, not what was sent
    with pytest.raises(Exception, match="permission denied"), transaction(engine, PLANNER) as s:
        s.execute(text("DELETE FROM audit"))


def test_accounts_and_tokens_are_behind_the_wall(engine: Engine) -> None:
    with transaction(engine, GBR) as s:
        names = set(s.execute(text("SELECT username FROM users")).scalars())
        assert names == {"editor-gbr"}  # before: every account and its password hash
        assert s.execute(text("SELECT COUNT(*) FROM auth_tokens")).scalar() == 0
        assert s.execute(text("UPDATE users SET role = 'planner', nation = NULL")).rowcount == 0
    with pytest.raises(Exception, match="row-level security"), transaction(engine, GBR) as s:
        s.execute(
            text(
                "INSERT INTO auth_tokens (token_sha256, user_id, kind, created_at, expires_at, revoked) "
                "SELECT repeat('a', 64), id, 'bearer', now(), now() + interval '1 day', false FROM users LIMIT 1"
            )
        )


def test_an_editor_cannot_rewrite_the_common_picture_or_publish_a_run(engine: Engine) -> None:
    with transaction(engine, GBR) as s:
        assert s.execute(text("UPDATE scenario_sections SET body = '[]'")).rowcount == 0
        assert s.execute(text("UPDATE geo_files SET content = '{}'")).rowcount == 0
        assert s.execute(text("UPDATE plan_runs SET published = true")).rowcount == 0
        assert s.execute(text("SELECT COUNT(*) FROM scenario_sections")).scalar() > 0  # still readable


def test_serve_refuses_a_superuser_and_the_owner(pg_backend: Any) -> None:
    from forceplan.cli.app import run

    assert run(["serve", "--db", pg_backend.owner_url, "--port", "1"]) == 2
