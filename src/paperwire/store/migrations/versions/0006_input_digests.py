"""papers.input_digests: fingerprints of the last raw record per source

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.add_column(sa.Column("input_digests", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.drop_column("input_digests")
