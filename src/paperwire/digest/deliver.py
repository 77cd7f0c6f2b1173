"""Exactly-once delivery of a digest per (subscription, period), over plain SMTP.

SMTP has no idempotency key: once the server has replied 250 to the final ``.`` it has the
message, and sending it again delivers it twice. So the protocol puts the delivery log's
commits around the one moment that matters, the final dot:

1. **claim**: insert the log row ``(subscription, period)`` as ``claimed`` and commit. The pair
   is unique, so two runners can never both claim it (and a job lock keeps a second runner
   away anyway).
2. MAIL FROM, RCPT TO, DATA (expect 354), then the dot-stuffed message *without* the final
   ``\\r\\n.\\r\\n``. The server holds it, undelivered.
3. **sending**: commit the state together with the papers it carries (``digest_items``).
4. Send ``.\\r\\n``; read the reply.
5. **sent**: commit the state and move the subscription's ``covered_through`` on.

After a crash (SIGKILL, power loss), the next run finds:

- ``claimed`` rows: the process died before step 3 committed, so the final dot was never
  sent. A server that loses the connection in the middle of DATA discards the transaction
  (RFC 5321 4.1.1.4: the message is only accepted at the end of data), so sending the
  digest again is safe, and it is sent again (with the same Message-ID).
- ``sending`` rows: the process died between step 3 and step 5. The final dot was sent
  microseconds after the commit in all but the narrowest window, so the row is treated as
  sent and nothing is resent. The opposite choice would double-send in the common case to
  save a rare one; a lost digest is also visible in the log, a duplicate is not undoable.

Step 3 commits the papers *before* the dot, so a digest counted as sent never has its papers
mailed again to that subscription; a failure at step 4 (a 4xx reply) deletes them again.
A timeout waiting for the reply to the dot is the same ambiguity as a crash there and is
resolved the same way: counted as sent, with a note in the log.

Temporary failures (4xx, timeouts, refused connections) are retried within the run with
exponential backoff and jitter, a few times; then the row waits in ``retry`` for a later run.
A 5xx on the recipient fails the period for good and counts against the address.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from paperwire.digest.model import Claim
from paperwire.digest.smtp import (
    PermanentError,
    SmtpProblem,
    TemporaryError,
    UnknownOutcomeError,
)
from paperwire.digest.transport import MailConnection
from paperwire.store.deliveries import Deliveries

# Waits before the next *run* retries a deferred digest: 5 min, 10, 20, ... at most 6 h.
NEXT_RUN_BASE = timedelta(minutes=5)
NEXT_RUN_CAP = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Outcome:
    state: str  # sent | retry | failed
    error: str | None = None
    server_down: bool = False  # the server is unreachable: stop trying others in this run


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts_in_run: int = 3
    base_seconds: float = 1.0  # 1 s, 2 s, 4 s ... (times 0.5 to 1.5 jitter)
    cap_seconds: float = 30.0
    max_failures: int = 3  # permanent failures before an address is "failing"


class Deliverer:
    def __init__(
        self,
        digests: Deliveries,
        connection: MailConnection,
        sender: str,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.digests = digests
        self.connection = connection
        self.sender = sender
        self.policy = policy
        self._sleep = sleep
        self._rng = rng or random.Random()

    def _jitter(self) -> float:
        return 0.5 + self._rng.random()

    def deliver(
        self,
        claim: Claim,
        subscription_id: int,
        recipient: str,
        body: bytes,
        paper_ids: Sequence[str],
        now: datetime,
    ) -> Outcome:
        """Steps 2 to 5 for a claimed row (``body`` from ``smtp.message_bytes``)."""
        problem: SmtpProblem | None = None
        for attempt in range(self.policy.attempts_in_run):
            if attempt:
                wait = self.policy.base_seconds * 2 ** (attempt - 1) * self._jitter()
                self._sleep(min(wait, self.policy.cap_seconds))
            try:
                self.connection.begin(self.sender, recipient, body)
            except TemporaryError as exc:
                problem = exc
                continue
            except PermanentError as exc:
                return self._failed(claim, now, exc)
            self.digests.mark_sending(claim.delivery_id, subscription_id, paper_ids)
            try:
                self.connection.finish()
            except UnknownOutcomeError as exc:
                self.digests.mark_sent(claim.delivery_id, now, f"unconfirmed: {exc}")
                return Outcome("sent", str(exc))
            except TemporaryError as exc:
                self.digests.unsend(claim.delivery_id)
                problem = exc
                continue
            except PermanentError as exc:
                return self._failed(claim, now, exc)
            self.digests.mark_sent(claim.delivery_id, now)
            return Outcome("sent")
        assert problem is not None
        attempts = claim.attempts
        wait = min(NEXT_RUN_BASE * 2 ** max(0, attempts - 1), NEXT_RUN_CAP) * self._jitter()
        self.digests.mark_retry(claim.delivery_id, now, now + wait, str(problem))
        server_down = isinstance(problem, TemporaryError) and problem.connection
        return Outcome("retry", str(problem), server_down=server_down)

    def _failed(self, claim: Claim, now: datetime, exc: PermanentError) -> Outcome:
        if not exc.recipient:
            # Refused because of us (sender, login, policy), not the address: do not hold it
            # against the subscriber; retry later and let the operator see the error.
            self.digests.mark_retry(claim.delivery_id, now, now + NEXT_RUN_BASE, str(exc))
            return Outcome("retry", str(exc), server_down=True)
        self.digests.mark_failed(claim.delivery_id, now, str(exc), self.policy.max_failures)
        return Outcome("failed", str(exc))
