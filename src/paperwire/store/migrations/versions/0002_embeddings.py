"""embeddings

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "embeddings",
        sa.Column("paper_id", sa.String(64), primary_key=True),
        sa.Column("model", sa.String(80), primary_key=True),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("text_hash", sa.String(32), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False, index=True),
    )
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counters, [{"name": "embedding_seq", "value": 0}])


def downgrade() -> None:
    op.drop_table("embeddings")
    op.execute("DELETE FROM counters WHERE name = 'embedding_seq'")
