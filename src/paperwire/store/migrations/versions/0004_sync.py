"""live sync: harvest checkpoints, job locks, shared request slots

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "job_locks",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("acquired_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "request_slots",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("next_ms", sa.BigInteger, nullable=False),
        sa.Column("busy_until_ms", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("request_slots")
    op.drop_table("job_locks")
    op.drop_table("sync_state")
