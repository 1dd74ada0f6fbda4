"""Each pledge's kind of force and rotation policy (issue #25: rotation, renewal and cost over years).

Revision ID: 0003
Revises: 0002 (the walls between nations)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite, so the views on pledges stay); values are validated by the
    # scenario model (ForceKind, RotationPolicy) before they are stored, as every other pledge field.
    op.add_column("pledges", sa.Column("force", sa.String(16), nullable=False, server_default="regular"))
    op.add_column("pledges", sa.Column("rotation", sa.JSON, nullable=False, server_default="{}"))


def downgrade() -> None:
    op.drop_column("pledges", "rotation")
    op.drop_column("pledges", "force")
