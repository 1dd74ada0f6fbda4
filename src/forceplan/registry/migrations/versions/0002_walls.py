"""Walls between nations: plausibility bounds as CHECK constraints, aggregates in 64-bit integers that never count
withdrawn pledges, forced password change for one-time passwords; on PostgreSQL a signed session context the
application role cannot forge, row-level security on every table that holds a nation's data (accounts included),
``nation_burden`` as a ``security_invoker`` view and audit rows stamped by a trigger.

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APP_ROLE = "forceplan_app"

PLEDGE_BOUNDS = (
    "quantity BETWEEN 1 AND 1000 AND personnel_per_unit BETWEEN 1 AND 20000 "
    "AND notice_to_move_days >= 0 AND notice_to_move_days <= 365 "
    "AND available_from_day >= 0 AND available_from_day <= 3650 "
    "AND (available_until_day IS NULL OR (available_until_day > 0 AND available_until_day <= 3650)) "
    "AND (note IS NULL OR length(note) <= 2000)"
)
"""The pledge bounds of forceplan.scenario.model.Pledge, restated for the database (docs/registry.md)."""

# Aggregates: 64-bit sums (CAST before the product), withdrawn pledges never counted.
FILL = (
    "SELECT capability, status, SUM(CAST(quantity AS BIGINT)) AS units, "
    "SUM(CAST(quantity AS BIGINT) * CAST(personnel_per_unit AS BIGINT)) AS personnel, COUNT(*) AS pledges, "
    "SUM(CASE WHEN expires_on < CURRENT_DATE THEN 1 ELSE 0 END) AS stale "
    "FROM pledges WHERE status <> 'withdrawn' GROUP BY capability, status"
)
BURDEN = (
    "SELECT nation, status, SUM(CAST(quantity AS BIGINT) * CAST(personnel_per_unit AS BIGINT)) AS personnel, "
    "COUNT(*) AS pledges FROM pledges WHERE status <> 'withdrawn' GROUP BY nation, status"
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute("DROP VIEW IF EXISTS nation_burden")
    op.execute("DROP VIEW IF EXISTS pledge_fill")
    with op.batch_alter_table("pledges") as b:
        b.create_check_constraint("ck_pledges_bounds", sa.text(PLEDGE_BOUNDS))
    with op.batch_alter_table("users") as b:
        b.add_column(sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()))
    if postgres:
        # pledge_fill runs with its owner's rights: the coalition's totals for every role, no row of any nation;
        # nation_burden runs with the reader's, so row-level security applies (a nation sees its own burden).
        op.execute(f"CREATE VIEW pledge_fill WITH (security_barrier = true) AS {FILL}")
        op.execute(f"CREATE VIEW nation_burden WITH (security_invoker = true) AS {BURDEN}")
        _postgres_walls()
    else:
        op.execute(f"CREATE VIEW pledge_fill AS {FILL}")
        op.execute(f"CREATE VIEW nation_burden AS {BURDEN}")


def _postgres_walls() -> None:
    schema = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar()
    # The key the application signs each transaction's actor with (HMAC-like: sha256(k || sha256(k || m))). Only
    # the owner reads it; the application is given it in its configuration (forceplan db wall-key).
    op.execute(
        "CREATE TABLE wall_key (id INTEGER PRIMARY KEY CHECK (id = 1), app_key BYTEA NOT NULL CHECK "
        "(length(app_key) >= 32))"
    )
    op.execute(
        "INSERT INTO wall_key VALUES (1, decode(replace(gen_random_uuid()::text || gen_random_uuid()::text || "
        "gen_random_uuid()::text, '-', ''), 'hex'))"
    )
    op.execute("REVOKE ALL ON wall_key FROM PUBLIC")
    # The signed context: 'role|nation|username|expires_epoch|mac'. Each function answers '' for anything not
    # signed by the key, expired, or malformed; a set_config by the application role changes nothing it can use.
    op.execute(
        f"""CREATE FUNCTION fp_actor(part INTEGER) RETURNS TEXT LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE ctx TEXT := current_setting('forceplan.ctx', true); body TEXT; mac TEXT; k BYTEA; expires NUMERIC;
BEGIN
  IF ctx IS NULL OR ctx !~ '^[a-z]*\\|[A-Z]{{0,3}}\\|[A-Za-z0-9_.-]*\\|[0-9]{{1,12}}\\|[0-9a-f]{{64}}$' THEN
    RETURN '';
  END IF;
  body := regexp_replace(ctx, '\\|[0-9a-f]{{64}}$', '');
  mac := substring(ctx from '([0-9a-f]{{64}})$');
  SELECT app_key INTO k FROM {schema}.wall_key WHERE id = 1;
  IF k IS NULL OR encode(sha256(k || sha256(k || convert_to(body, 'UTF8'))), 'hex') <> mac THEN RETURN ''; END IF;
  expires := split_part(body, '|', 4)::NUMERIC;
  IF expires < extract(epoch FROM clock_timestamp()) THEN RETURN ''; END IF;
  RETURN split_part(body, '|', part);
END $$"""
    )
    op.execute("CREATE FUNCTION fp_role() RETURNS TEXT LANGUAGE sql STABLE AS $$ SELECT fp_actor(1) $$")
    op.execute("CREATE FUNCTION fp_nation() RETURNS TEXT LANGUAGE sql STABLE AS $$ SELECT fp_actor(2) $$")
    op.execute("CREATE FUNCTION fp_user() RETURNS TEXT LANGUAGE sql STABLE AS $$ SELECT fp_actor(3) $$")
    role, nation, user = "(SELECT fp_role())", "(SELECT fp_nation())", "(SELECT fp_user())"
    planner = f"{role} IN ('planner', 'admin')"
    own = f"({planner} OR ({role} = 'editor' AND nation = {nation}))"
    for table in ("pledges", "materiel", "audit"):
        for policy in ("read", "insert", "update"):
            op.execute(f"DROP POLICY IF EXISTS {table}_{policy} ON {table}")
        op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING {own}")
        op.execute(f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK {own}")
        if table != "audit":
            op.execute(f"CREATE POLICY {table}_update ON {table} FOR UPDATE USING {own} WITH CHECK {own}")
    op.execute("DROP POLICY IF EXISTS audit_insert_coalition ON audit")
    op.execute(f"CREATE POLICY audit_insert_coalition ON audit FOR INSERT WITH CHECK (nation IS NULL AND {planner})")
    # Accounts and tokens: the application's own sign-in work runs as admin; a person sees only their own account.
    for table in ("users", "auth_tokens"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY users_admin ON users USING ({role} = 'admin') WITH CHECK ({role} = 'admin')")
    op.execute(f"CREATE POLICY users_self ON users FOR SELECT USING (username = {user} AND {user} <> '')")
    op.execute(f"CREATE POLICY tokens_admin ON auth_tokens USING ({role} = 'admin') WITH CHECK ({role} = 'admin')")
    # The coalition's common picture and the plan runs: every signed-in role reads; planners write.
    for table in ("scenario_sections", "geo_files", "plan_runs"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({role} <> '')")
        op.execute(f"CREATE POLICY {table}_write ON {table} FOR ALL USING ({planner}) WITH CHECK ({planner})")
    # Audit rows say who wrote them from the signed context, whatever the application sends.
    op.execute(
        """CREATE FUNCTION fp_stamp_audit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE r TEXT := fp_actor(1);
BEGIN
  IF r = '' THEN
    IF pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
      RETURN NEW;  -- the owner's own tools (migrations, imports as the owner) are not subject to the wall
    END IF;
    RAISE EXCEPTION 'an audit row needs a signed actor' USING ERRCODE = 'insufficient_privilege';
  END IF;
  NEW.actor := fp_actor(3);
  NEW.actor_role := r;
  NEW.at := (now() AT TIME ZONE 'UTC')::timestamp(0);
  RETURN NEW;
END $$"""
    )
    op.execute(f"ALTER FUNCTION fp_actor(INTEGER) SET search_path = pg_catalog, {schema}, pg_temp")
    op.execute(f"ALTER FUNCTION fp_stamp_audit() SET search_path = pg_catalog, {schema}, pg_temp")
    op.execute("CREATE TRIGGER audit_stamp BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION fp_stamp_audit()")
    op.execute(
        f"""DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    GRANT SELECT ON pledge_fill, nation_burden TO {APP_ROLE};
  END IF;
END $$"""
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute("DROP VIEW IF EXISTS nation_burden")
    op.execute("DROP VIEW IF EXISTS pledge_fill")
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_stamp ON audit")
        op.execute("DROP FUNCTION IF EXISTS fp_stamp_audit()")
        for table in ("users", "auth_tokens", "scenario_sections", "geo_files", "plan_runs"):
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for policy, table in (
            ("users_admin", "users"),
            ("users_self", "users"),
            ("tokens_admin", "auth_tokens"),
            *((f"{t}_{p}", t) for t in ("scenario_sections", "geo_files", "plan_runs") for p in ("read", "write")),
        ):
            op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
    with op.batch_alter_table("users") as b:
        b.drop_column("must_change_password")
    with op.batch_alter_table("pledges") as b:
        b.drop_constraint("ck_pledges_bounds", type_="check")
    op.execute(
        "CREATE VIEW pledge_fill AS SELECT capability, status, SUM(quantity) AS units, "
        "SUM(quantity * personnel_per_unit) AS personnel, COUNT(*) AS pledges, "
        "SUM(CASE WHEN expires_on < CURRENT_DATE AND status <> 'withdrawn' THEN 1 ELSE 0 END) AS stale "
        "FROM pledges GROUP BY capability, status"
    )
    op.execute(
        "CREATE VIEW nation_burden AS SELECT nation, status, SUM(quantity * personnel_per_unit) AS personnel, "
        "COUNT(*) AS pledges FROM pledges GROUP BY nation, status"
    )
