"""The dashboard's figures computed once per registry, not once per server process: posted in the database by
the process that computed them (``posted_figures``), one computation at a time for the whole registry
(``figures_lease``). On PostgreSQL row-level security keeps the walls: a nation's editor reads the coalition's
aggregates and its own nation's unused pledges, never the planners' figures (slot reasons naming other nations'
pledges, burden per nation) or another nation's; only the system actor (admin) posts, prunes or takes the lease.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APP_ROLE = "forceplan_app"


def upgrade() -> None:
    op.create_table(
        "posted_figures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("nation", sa.String(3), nullable=False, server_default=""),
        sa.Column("computed_at", sa.DateTime, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.UniqueConstraint("version", "audience", "nation", name="uq_posted_figures"),
        sa.CheckConstraint("audience IN ('coalition', 'planner', 'nation')", name="ck_posted_figures_audience"),
    )
    op.create_table(
        "figures_lease",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("until_s", sa.Float, nullable=False, server_default="0"),
        sa.CheckConstraint("id = 1", name="ck_figures_lease_one"),
    )
    op.execute("INSERT INTO figures_lease (id, until_s) VALUES (1, 0)")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    GRANT SELECT, INSERT, DELETE ON posted_figures TO {APP_ROLE};
    GRANT SELECT, UPDATE ON figures_lease TO {APP_ROLE};
    GRANT USAGE, SELECT ON SEQUENCE posted_figures_id_seq TO {APP_ROLE};
  END IF;
END $$"""
    )
    scope, admin = "(SELECT fp_scope())", "((SELECT fp_role()) = 'admin')"
    for table in ("posted_figures", "figures_lease"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_system ON {table} FOR ALL USING {admin} WITH CHECK {admin}")
    # Coalition rows (nation '') to every reader with a scope (planner, admin, a nation's editor); planner rows
    # (nation '') to planners and admins only; a nation's rows to that nation's editor and to planners.
    op.execute(
        "CREATE POLICY posted_figures_read ON posted_figures FOR SELECT USING ("
        f"(audience = 'coalition' AND {scope} IS NOT NULL) OR {scope} = ANY (ARRAY['*', nation]))"
    )


def downgrade() -> None:
    op.drop_table("figures_lease")
    op.drop_table("posted_figures")
