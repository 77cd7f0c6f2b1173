"""A job lock that works across processes and machines: a row in the store's ``job_locks``.
Neutral ground: the job runner (service/jobs.py), the sync jobs and the digest run all take
their leases here, and it depends on nothing but the store.

Taken atomically, renewed by a heartbeat thread while the job runs, deleted at the end. When a
holder dies without deleting it (SIGKILL, a lost machine) the row expires after ``ttl`` and
the next run takes it over. A job that finds its lock taken over (its heartbeat could not reach
the store for longer than ``ttl``) stops at its next ``check`` rather than run twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from types import TracebackType

from paperwire.errors import LockLost, PaperwireError
from paperwire.store import Store
from paperwire.store.jobs import LockInfo

log = logging.getLogger(__name__)


def make_owner() -> str:
    """Unique per run, readable by a person: host, process and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobLock:
    def __init__(self, store: Store, name: str, ttl: float, owner: str | None = None) -> None:
        self.store = store
        self.name = name
        self.owner = owner or make_owner()
        self._ttl_ms = max(1, int(ttl * 1000))
        self.held = False
        self.holder: LockInfo | None = None
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> JobLock:
        self.held = self.store.jobs.acquire_lock(self.name, self.owner, self._ttl_ms)
        if not self.held:
            self.holder = self.store.jobs.lock_info(self.name)
            return self
        self._thread = threading.Thread(
            target=self._beat, name=f"heartbeat {self.name}", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.held:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if not self._lost.is_set():
            self.store.jobs.release_lock(self.name, self.owner)
        self.held = False

    def describe_holder(self) -> str:
        if self.holder is None:
            return f"{self.name} is held by another run"
        left = max(0, self.store.jobs.lock_remaining_ms(self.holder)) / 1000
        return f"{self.name} is held by {self.holder.owner} (expires in {left:.0f} s)"

    def remaining_ms(self, holder: LockInfo) -> int:
        """How long until ``holder``'s lease expires, by the database's clock."""
        return self.store.jobs.lock_remaining_ms(holder)

    def check(self) -> None:
        """Raise LockLost when another run has taken the lock over."""
        if self._lost.is_set():
            raise LockLost(f"lost the lock {self.name} to another run; stopping")

    def _beat(self) -> None:
        # Three beats per ttl: one late beat (a slow transaction) does not lose the lock.
        interval = self._ttl_ms / 3000
        while not self._stop.wait(interval):
            try:
                if not self.store.jobs.renew_lock(self.name, self.owner, self._ttl_ms):
                    self._lost.set()
                    return
            except PaperwireError as exc:
                # The store is unreachable: the job's own writes fail the same way; keep trying.
                log.warning("heartbeat of %s failed: %s", self.name, exc)
