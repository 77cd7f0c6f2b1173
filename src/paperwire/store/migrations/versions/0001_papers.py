"""papers and the change counter

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "papers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("deleted", sa.Boolean, nullable=False, default=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("title_key", sa.String(200), nullable=False, index=True),
        sa.Column("abstract", sa.Text, nullable=False),
        sa.Column("title_raw", sa.Text),
        sa.Column("abstract_raw", sa.Text),
        sa.Column("authors", sa.Text, nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("primary_category", sa.String(40), index=True),
        sa.Column("comment", sa.Text),
        sa.Column("journal_ref", sa.Text),
        sa.Column("doi", sa.Text),
        sa.Column("license", sa.Text),
        sa.Column("submitter", sa.Text),
        sa.Column("published", sa.DateTime(timezone=True)),
        sa.Column("updated", sa.DateTime(timezone=True)),
        sa.Column("first_seen", sa.Date, index=True),
        sa.Column("versions", sa.Text, nullable=False),
        sa.Column("upvotes", sa.Integer),
        sa.Column("submitted_by", sa.Text),
        sa.Column("submitted_on", sa.Date, index=True),
        sa.Column("github_repo", sa.Text),
        sa.Column("github_stars", sa.Integer),
        sa.Column("project_page", sa.Text),
        sa.Column("ai_summary", sa.Text),
        sa.Column("ai_keywords", sa.Text, nullable=False),
        sa.Column("sources", sa.Text, nullable=False),
    )
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(counters, [{"name": "paper_seq", "value": 0}])


def downgrade() -> None:
    op.drop_table("counters")
    op.drop_table("papers")
