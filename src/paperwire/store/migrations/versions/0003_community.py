"""people and community: users, sessions, votes, comments, collections, submissions; the
papers.feed_day column

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _fk_user(nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete=ondelete), nullable=nullable
    )


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.add_column(sa.Column("feed_day", sa.Date))
        batch.create_index("ix_papers_feed_day", ["feed_day"])
    op.execute("UPDATE papers SET feed_day = COALESCE(submitted_on, first_seen)")
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(40), nullable=False, unique=True),
        sa.Column("email", sa.String(320), unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        _fk_user(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "votes",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("paper_id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_votes_paper_id", "votes", ["paper_id"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("paper_id", sa.String(64), nullable=False),
        _fk_user(),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True)),
        sa.Column("hidden", sa.Boolean, nullable=False, default=False),
    )
    op.create_index("ix_comments_paper_id", "comments", ["paper_id"])
    op.create_index("ix_comments_user_id", "comments", ["user_id"])
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _fk_user(),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, default=""),
        sa.Column("public", sa.Boolean, nullable=False, default=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "slug", name="uq_collections_user_slug"),
    )
    op.create_index("ix_collections_user_id", "collections", ["user_id"])
    op.create_table(
        "collection_items",
        sa.Column(
            "collection_id",
            sa.Integer,
            sa.ForeignKey("collections.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("paper_id", sa.String(64), primary_key=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("paper_id", sa.String(64), primary_key=True),
        _fk_user(nullable=True, ondelete="SET NULL"),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False, default=False),
    )


def downgrade() -> None:
    for table in (
        "submissions",
        "collection_items",
        "collections",
        "comments",
        "votes",
        "sessions",
        "users",
    ):
        op.drop_table(table)
    with op.batch_alter_table("papers") as batch:
        batch.drop_index("ix_papers_feed_day")
        batch.drop_column("feed_day")
