"""Table definitions (SQLAlchemy Core). Alembic migrations under ``migrations/`` create them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# List-valued fields (authors, categories, versions, ...) are JSON text: they are always read
# and written whole with their paper, and the same column type works on SQLite and PostgreSQL.
papers = Table(
    "papers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("title", Text, nullable=False),
    Column("title_key", String(200), nullable=False, index=True),
    Column("abstract", Text, nullable=False),
    Column("title_raw", Text),
    Column("abstract_raw", Text),
    Column("authors", Text, nullable=False),
    Column("categories", Text, nullable=False),
    Column("primary_category", String(40), index=True),
    Column("comment", Text),
    Column("journal_ref", Text),
    Column("doi", Text),
    Column("license", Text),
    Column("submitter", Text),
    Column("published", DateTime(timezone=True)),
    Column("updated", DateTime(timezone=True)),
    Column("first_seen", Date, index=True),
    Column("versions", Text, nullable=False),
    Column("upvotes", Integer),
    Column("submitted_by", Text),
    Column("submitted_on", Date, index=True),
    Column("github_repo", Text),
    Column("github_stars", Integer),
    Column("project_page", Text),
    Column("ai_summary", Text),
    Column("ai_keywords", Text, nullable=False),
    Column("sources", Text, nullable=False),
)

# Named monotonic counters; "paper_seq" numbers every paper change (the change feed).
counters = Table(
    "counters",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# One vector per paper and model: float16, L2-normalised, computed from title + abstract.
# ``text_hash`` says which text it was computed from, so a new version is re-embedded and an
# unchanged paper never is; ``seq`` (counter "embedding_seq") lets vector indexes catch up.
embeddings = Table(
    "embeddings",
    metadata,
    Column("paper_id", String(64), primary_key=True),
    Column("model", String(80), primary_key=True),
    Column("dim", Integer, nullable=False),
    Column("text_hash", String(32), nullable=False),
    Column("vector", LargeBinary, nullable=False),
    Column("seq", BigInteger, nullable=False, index=True),
)
