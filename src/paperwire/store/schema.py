"""Table definitions (SQLAlchemy Core). Alembic migrations under ``migrations/`` create them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
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
    # The day a paper appears in the daily feed: when the community featured it (HF daily or
    # a member's submission), else when it was first seen. Derived on every write.
    Column("feed_day", Date),
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
    # JSON {source: fingerprint of its last raw record} (migration 0006; see ingest).
    Column("input_digests", Text),
)
# Library imports match entries by DOI, which is case-insensitive (migration 0008).
Index("ix_papers_doi_lower", func.lower(papers.c.doi))
# A period's feed (count, most upvoted first) read from the index alone (migration 0012).
Index("ix_papers_feed", papers.c.feed_day, papers.c.deleted, papers.c.upvotes, papers.c.id)

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

# -- people and community (migration 0003) --------------------------------------------------
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(40), nullable=False, unique=True),
    Column("email", String(320), unique=True),
    Column("password_hash", Text, nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Server-side sessions: the cookie holds a random token, the table its SHA-256, so a leaked
# database does not leak live sessions; logging out or changing the password deletes rows.
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

votes = Table(
    "votes",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", String(64), primary_key=True, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("paper_id", String(64), nullable=False, index=True),
    Column(
        "user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("edited_at", DateTime(timezone=True)),
    Column("hidden", Boolean, nullable=False, default=False),
)

collections = Table(
    "collections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("slug", String(80), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("public", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_id", "slug", name="uq_collections_user_slug"),
)

collection_items = Table(
    "collection_items",
    metadata,
    Column(
        "collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("paper_id", String(64), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

# A paper a member submitted to the community feed (admins can remove it from the feed).
submissions = Table(
    "submissions",
    metadata,
    Column("paper_id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("removed", Boolean, nullable=False, default=False),
)

# -- live sync (migration 0004) ------------------------------------------------------------------
# Times here are epoch milliseconds from the database's clock (see store/sync.py): integers
# compare the same way on both databases, and one clock serves every machine of a deployment.

# Checkpoints of harvest jobs (OAI-PMH window and resumption token, HF days done, ETags): one
# JSON document per name, rewritten after each page so a killed job resumes where it stopped.
sync_state = Table(
    "sync_state",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
)

# One row per running job: taken by an atomic insert or a conditional update, kept alive by a
# heartbeat, deleted at the end; a row whose owner stopped beating is taken over after expiry.
job_locks = Table(
    "job_locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("acquired_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
)

# Politeness shared by every process: when the next request to a host group may start, and
# until when a request is in flight (one at a time; a crashed holder's claim runs out).
request_slots = Table(
    "request_slots",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("next_ms", BigInteger, nullable=False),
    Column("busy_until_ms", BigInteger, nullable=False),
)

# -- subscriptions and e-mail digests (migration 0005) --------------------------------------
# A person is an address (no account needed); ``email_key`` is the address folded for
# uniqueness (Bob@x.org and bob@x.org are one subscriber), ``email`` as they wrote it, with the
# domain in punycode. ``notice_*`` count the mails sent on request (confirmations, manage links)
# in the current hour, so a form cannot be used to flood one address.
subscribers = Table(
    "subscribers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False),
    Column("email_key", String(320), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), index=True),
    Column("status", String(16), nullable=False),  # pending|active|unsubscribed|failing
    Column("failures", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("timezone", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("notice_window_at", DateTime(timezone=True)),
    Column("notice_count", Integer, nullable=False, default=0),
)

# What one subscription follows and when it is mailed. ``covered_through`` is the last feed day
# a digest (sent or empty) has covered; ``last_sent_through`` the last one a sent digest covered
# (the next digest's "since" line). ``confirm_due``: its confirmation mail is yet to be sent.
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "subscriber_id",
        Integer,
        ForeignKey("subscribers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("kind", String(16), nullable=False),  # trending|topic|author|category|collection
    Column("value", String(500), nullable=False),
    Column("frequency", String(8), nullable=False),  # daily|weekly
    Column("send_hour", Integer, nullable=False),  # 0-23, the subscriber's local time
    Column("top_n", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # pending|active
    Column("paused", Boolean, nullable=False, default=False),
    Column("confirm_due", Boolean, nullable=False, default=False),
    Column("covered_through", Date),
    Column("last_sent_through", Date),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True)),
)

# The delivery log: one row per (subscription, period), written before the SMTP transaction and
# completed after it; the unique pair is what makes a digest go out at most once per period.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "subscription_id",
        Integer,
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("period_end", Date, nullable=False),
    # claimed|sending|sent|empty|retry|failed|superseded
    Column("state", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("message_id", String(250)),
    Column("items", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("claimed_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    UniqueConstraint("subscription_id", "period_end", name="uq_deliveries_subscription_period"),
)

# Every paper a subscription has mailed (primary key: never the same paper twice to it).
digest_items = Table(
    "digest_items",
    metadata,
    Column(
        "subscription_id",
        Integer,
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("paper_id", String(64), primary_key=True),
    Column(
        "delivery_id",
        Integer,
        ForeignKey("deliveries.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

# -- rate limits (migration 0007) -----------------------------------------------------------
# One row per (bucket, fixed window): "login:203.0.113.5" and the window's start in epoch
# seconds. Shared by every worker and machine; expired windows are deleted by a job.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("bucket", String(255), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),
    Column("count", Integer, nullable=False),
)

# Personal access tokens (the MCP server's, docs/mcp.md): like sessions, the
# table keeps only the token's SHA-256, shown once when it is made; ``prefix`` (its first
# characters) lets a person tell their tokens apart. Revoking deletes the row.
access_tokens = Table(
    "access_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("name", String(100), nullable=False),
    Column("scope", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# -- the local outbox (migration 0010) ------------------------------------------------------
# Mail "sent" with mail_transport = outbox: kept here whole (the RFC 5322 bytes) and read on
# /admin/outbox, so a site without an SMTP server can still subscribe, confirm and mail digests.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("sender", String(254), nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("subject", Text, nullable=False),
    Column("message", LargeBinary, nullable=False),
)

# Submissions waiting for arXiv (migration 0010): a paper the store lacks, submitted while
# arXiv could not be reached; the "submissions" job fetches and submits it once arXiv answers.
waiting_submissions = Table(
    "waiting_submissions",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
)

# -- the user's "For you" signals (migration 0011, issue 12) --------------------------------
# Private to the user, deleted with the account. "Not interested" papers are explicit
# negatives (a paper id, like votes: the paper may be gone); terms are muted authors,
# categories and words and the author names the user claims ("this is me"), one row per
# (kind, casefolded term) with the term as the user wrote it; own_papers are the papers of a
# claimed name, found once when it is claimed (a scan of every author list costs ~100 ms at
# 200k papers: too slow for each page load), with the day each counts from.
not_interested = Table(
    "not_interested",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

signal_terms = Table(
    "signal_terms",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("term_key", String(200), primary_key=True),
    Column("term", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

own_papers = Table(
    "own_papers",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("name_key", String(200), primary_key=True),
    Column("paper_id", String(64), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)
