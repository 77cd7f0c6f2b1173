"""The store: the source of truth, behind a narrow interface.

SQLite (one file, WAL) by default, PostgreSQL by URL; both run the same code and pass the same
tests. ``Store`` owns the lifecycle and builds one store per domain, reached as its attributes
(``store.papers``, ``store.people`` ...); ``base`` owns the connections, transactions and the
ordering lock they share. Driver errors never leave this package: they become
``StorageError`` with a message for people.
"""

from __future__ import annotations

import contextlib

from paperwire.store.base import Database
from paperwire.store.community import Community
from paperwire.store.deliveries import Deliveries
from paperwire.store.embeddings import Embeddings
from paperwire.store.jobs import Jobs
from paperwire.store.limits import Limits
from paperwire.store.outbox import Outbox
from paperwire.store.papers import Papers
from paperwire.store.people import People
from paperwire.store.signals import Signals
from paperwire.store.subscribers import Subscribers
from paperwire.store.tokens import Tokens


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        # Public for tests and benchmarks that inspect rows; in src/, only the store's modules
        # use it (tests/test_architecture.py checks).
        self.db = Database(url)
        self.papers = Papers(self.db)
        self.embeddings = Embeddings(self.db)
        self.people = People(self.db)
        self.community = Community(self.db)
        self.subscribers = Subscribers(self.db)
        self.deliveries = Deliveries(self.db)
        self.jobs = Jobs(self.db)
        self.limits = Limits(self.db)
        self.tokens = Tokens(self.db)
        self.outbox = Outbox(self.db)
        self.signals = Signals(self.db)

    @property
    def is_sqlite(self) -> bool:
        return self.db.is_sqlite

    @property
    def display_url(self) -> str:
        return self.db.display_url

    def close(self) -> None:
        self.db.close()

    def snapshot(self) -> contextlib.AbstractContextManager[None]:
        """Reads inside share one connection and transaction (``Database.snapshot``)."""
        return self.db.snapshot()

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        path = self.db.sqlite_path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        config = Config()
        config.set_main_option("script_location", "paperwire.store:migrations")
        with self.db.read() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def schema_revision(self) -> str | None:
        """The Alembic revision the store is at; None when it has no schema (a SQLite file
        that does not exist stays so: asking the driver would create it)."""
        from sqlalchemy import inspect, text

        path = self.db.sqlite_path
        if path is not None and not path.exists():
            return None
        with self.db.read() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
