"""Plan runs walled by the database too (PostgreSQL only; SQLite has the application's wall alone).

Before, ``plan_runs_read`` let every signed-in role read every run (``USING (fp_role() <> '')``) and only the
application (``jobs._visible_run``) hid the runs that are not published and done from nation editors and observers,
though an unpublished run's input and plan.json hold every nation's pledges and the planners' details. Now a
run's row is readable by a planner or an admin (``fp_scope() = '*'``: the worker runs as the system actor, an
admin) whatever its state, and by any other signed-in role only once it is published and done. Writing is
unchanged: ``plan_runs_write`` (planners and admins, schema 0002).

The wall is per row: a published run's row is read whole, input and full plan.json included; what a nation or an
observer is shown of it (its own detail and the coalition's totals) is the application's redaction
(``jobs.filter_plan``), as before.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

READ = "CREATE POLICY plan_runs_read ON plan_runs FOR SELECT USING ({})"
WALLED = "(SELECT fp_scope()) = '*' OR (published AND status = 'done' AND (SELECT fp_role()) <> '')"
"""Planners and admins: every run; any other signed-in role: published, finished runs; no actor: none."""
OPEN = "(SELECT fp_role()) <> ''"
"""Schema 0002's policy: every signed-in role reads every run."""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS plan_runs_read ON plan_runs")
    op.execute(READ.format(WALLED))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS plan_runs_read ON plan_runs")
    op.execute(READ.format(OPEN))
