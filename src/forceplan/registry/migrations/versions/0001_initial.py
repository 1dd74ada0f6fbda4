"""The registry's first schema: accounts, scenario sections, pledges, materiel, audit, plan runs; on PostgreSQL the
application role's grants and the row-level security policies (the second wall).

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APP_ROLE = "forceplan_app"
"""Group role the application's login role is a member of: no ownership, no BYPASSRLS."""

# The setting names the application sets per transaction (forceplan.registry.db.transaction).
ROLE = "current_setting('forceplan.role', true)"
NATION = "current_setting('forceplan.nation', true)"
PLANNER = f"{ROLE} IN ('planner', 'admin')"


def _stamps() -> list[sa.Column]:
    return [sa.Column("updated_at", sa.DateTime, nullable=False), sa.Column("version", sa.Integer, nullable=False)]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("nation", sa.String(3)),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("role IN ('editor', 'planner', 'observer', 'admin')", name="ck_users_role"),
        sa.CheckConstraint("(role = 'editor') = (nation IS NOT NULL)", name="ck_users_editor_nation"),
    )
    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("csrf", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "scenario_sections",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("body", sa.JSON),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "geo_files",
        sa.Column("field", sa.String(32), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_table(
        "pledges",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("nation", sa.String(3), nullable=False, index=True),
        sa.Column("capability", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("personnel_per_unit", sa.Integer, nullable=False),
        sa.Column("notice_to_move_days", sa.Float, nullable=False),
        sa.Column("home_base", sa.JSON, nullable=False),
        sa.Column("caveats", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("status_dates", sa.JSON, nullable=False),
        sa.Column("available_from_day", sa.Float, nullable=False),
        sa.Column("available_until_day", sa.Float),
        sa.Column("note", sa.Text),
        sa.Column("withdrawn_reason", sa.Text),
        sa.Column("expires_on", sa.Date),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        *_stamps(),
        sa.CheckConstraint("quantity > 0 AND personnel_per_unit > 0", name="ck_pledges_positive"),
        sa.CheckConstraint(
            "status IN ('offered', 'verified', 'committed', 'deployed', 'withdrawn')", name="ck_pledges_status"
        ),
    )
    op.create_table(
        "materiel",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("nation", sa.String(3), index=True),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        *_stamps(),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False, index=True),
        sa.Column("nation", sa.String(3), index=True),
        sa.Column("changes", sa.JSON, nullable=False),
    )
    op.create_table(
        "plan_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("published", sa.Boolean, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("trials", sa.Integer, nullable=False),
        sa.Column("response_trials", sa.Integer, nullable=False),
        sa.Column("input_digest", sa.String(64), nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("plan_json", sa.Text),
        sa.Column("report_html", sa.Text),
        sa.Column("error", sa.Text),
    )
    # The coalition's aggregate figures, readable by every signed-in role: on PostgreSQL a view runs with its
    # owner's rights, so nation editors see totals over every nation without seeing any other nation's rows.
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
    if op.get_bind().dialect.name == "postgresql":
        _postgres_walls()


def _postgres_walls() -> None:
    op.execute(
        f"""DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN CREATE ROLE {APP_ROLE} NOLOGIN; END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'cannot create role {APP_ROLE}: create it as a superuser and grant it to the application''s role';
END $$"""
    )
    op.execute(
        f"""DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    GRANT SELECT, INSERT, UPDATE ON users, auth_tokens, scenario_sections, geo_files, pledges, materiel,
      plan_runs TO {APP_ROLE};
    GRANT DELETE ON scenario_sections, geo_files TO {APP_ROLE};
    GRANT SELECT, INSERT ON audit TO {APP_ROLE};
    GRANT SELECT ON pledge_fill, nation_burden, alembic_version TO {APP_ROLE};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE};
  END IF;
END $$"""
    )
    # Row-level security: a nation editor's transaction sees and writes only its nation's rows; planners and
    # admins see all. No policy allows DELETE: nothing is deleted in place (withdrawal is a state).
    own = f"({PLANNER} OR nation = {NATION})"
    writes = f"({PLANNER} OR ({ROLE} = 'editor' AND nation = {NATION}))"
    for table in ("pledges", "materiel", "audit"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING {own}")
        op.execute(f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK {writes}")
        if table != "audit":
            op.execute(f"CREATE POLICY {table}_update ON {table} FOR UPDATE USING {own} WITH CHECK {writes}")
    # Audit rows of coalition-wide records (no nation) are written by planners; editors insert their own.
    op.execute(f"CREATE POLICY audit_insert_coalition ON audit FOR INSERT WITH CHECK (nation IS NULL AND {ROLE} <> '')")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS nation_burden")
    op.execute("DROP VIEW IF EXISTS pledge_fill")
    for table in ("plan_runs", "audit", "materiel", "pledges", "geo_files", "scenario_sections", "auth_tokens"):
        op.drop_table(table)
    op.drop_table("users")
