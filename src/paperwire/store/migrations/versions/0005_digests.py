"""subscriptions and e-mail digests: subscribers, subscriptions, the delivery log, sent items

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


def _fk(name: str, target: str, *, primary_key: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name,
        sa.Integer,
        sa.ForeignKey(f"{target}.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False, default=0),
        sa.Column("last_error", sa.Text),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("notice_window_at", sa.DateTime(timezone=True)),
        sa.Column("notice_count", sa.Integer, nullable=False, default=0),
    )
    op.create_index("ix_subscribers_user_id", "subscribers", ["user_id"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _fk("subscriber_id", "subscribers"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(500), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("send_hour", sa.Integer, nullable=False),
        sa.Column("top_n", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False, default=False),
        sa.Column("confirm_due", sa.Boolean, nullable=False, default=False),
        sa.Column("covered_through", sa.Date),
        sa.Column("last_sent_through", sa.Date),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_subscriptions_subscriber_id", "subscriptions", ["subscriber_id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _fk("subscription_id", "subscriptions"),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, default=0),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("message_id", sa.String(250)),
        sa.Column("items", sa.Integer, nullable=False, default=0),
        sa.Column("error", sa.Text),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint(
            "subscription_id", "period_end", name="uq_deliveries_subscription_period"
        ),
    )
    op.create_index("ix_deliveries_state", "deliveries", ["state"])
    op.create_table(
        "digest_items",
        _fk("subscription_id", "subscriptions", primary_key=True),
        sa.Column("paper_id", sa.String(64), primary_key=True),
        _fk("delivery_id", "deliveries"),
    )
    op.create_index("ix_digest_items_delivery_id", "digest_items", ["delivery_id"])


def downgrade() -> None:
    for table in ("digest_items", "deliveries", "subscriptions", "subscribers"):
        op.drop_table(table)
