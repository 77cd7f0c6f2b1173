"""Mail outside the digest run's delivery log: confirmation links, preferences links, and
the signed links every mail carries. At most ``digest_notices_per_hour`` such mails reach one
address in an hour, so the forms cannot be used to flood someone else's inbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from paperwire.digest.mailconfig import envelope_sender, mail_connection, mail_mode
from paperwire.digest.mime import Mail
from paperwire.digest.model import Links, Subscriber, Subscription
from paperwire.digest.smtp import SmtpProblem
from paperwire.digest.tokens import Tokens
from paperwire.digest.transport import MailConnection
from paperwire.errors import ConfigError
from paperwire.service.views import Clock
from paperwire.settings import Settings
from paperwire.store import Store

log = logging.getLogger(__name__)


class Notices:
    def __init__(self, store: Store, settings: Settings, clock: Clock, tokens: Tokens) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.tokens = tokens

    @property
    def mode(self) -> str:
        """How mail leaves: "smtp", "outbox" or "none" (``mailconfig.mail_mode``)."""
        return mail_mode(self.settings)

    def keep(self, sender: str, recipient: str, subject: str, message: bytes) -> None:
        """The outbox's last hop: the message into the store (``mail_transport = outbox``)."""
        self.store.outbox.add(sender, recipient, subject, message, self.clock())

    def connection(self) -> MailConnection:
        """A new connection of the configured transport (a ConfigError when there is none)."""
        return mail_connection(self.settings, self.keep)

    def digest_links(self, subscriber: Subscriber, sub: Subscription) -> Links:
        base = self.settings.public_url
        t = self.tokens
        unsubscribe = t.unsubscribe(subscriber.id, subscriber.email, sub.id)
        manage = t.manage(subscriber.id, subscriber.email)
        return Links(
            base_url=base,
            unsubscribe=f"{base}/digest/unsubscribe?token={unsubscribe}",
            preferences=f"{base}/digest/preferences?token={manage}",
            feed=f"{base}/digest/feed/{t.feed(subscriber.id, sub.id)}.xml",
        )

    def count_notice(self, subscriber: Subscriber) -> bool:
        return self.store.subscribers.count_notice(
            subscriber.id,
            self.clock(),
            self.settings.digest_notices_per_hour,
            timedelta(hours=1),
        )

    def notice(self, subscriber: Subscriber, kind: str, about: str, url: str, key: str) -> Mail:
        from paperwire.digest.compose import compose_notice

        return compose_notice(
            to=subscriber.email,
            kind=kind,
            about=about,
            url=url,
            base_url=self.settings.public_url,
            mail_from=self.settings.mail_from,
            sent_at=self.clock(),
            message_key=key,
        )

    def confirmation_mail(self, subscriber: Subscriber, sub: Subscription) -> Mail:
        token = self.tokens.confirm(subscriber.id, subscriber.email, sub.id)
        url = f"{self.settings.public_url}/digest/confirm?token={token}"
        stamp = int(self.clock().timestamp())
        return self.notice(subscriber, "confirm", sub.describe(), url, f"{sub.id}-{stamp}")

    def send_now(self, subscriber: Subscriber, msg: Mail) -> bool:
        """One mail outside the delivery log, at once; False when it could not go now."""
        try:
            connection = self.connection()
            sender = envelope_sender(self.settings)
        except ConfigError as exc:
            log.warning("mail to %s not sent: %s", subscriber.email, exc)
            return False
        try:
            connection.send(sender, subscriber.email, msg)
        except SmtpProblem as exc:
            log.warning("mail to %s not sent now: %s", subscriber.email, exc)
            return False
        finally:
            connection.close()
        return True

    def send_confirmation(self, subscriber: Subscriber, sub: Subscription) -> bool:
        if not self.send_now(subscriber, self.confirmation_mail(subscriber, sub)):
            return False  # still due: the digest job tries again
        self.store.subscribers.set_confirm_due(sub.id, False)
        return True

    def send_due_confirmations(self, connection: Callable[[], MailConnection]) -> tuple[int, int]:
        """Confirmation mails the web form could not send at once (the job calls this)."""
        due = self.store.subscribers.confirmations_due()
        if not due:
            return 0, 0
        smtp = connection()
        sender = envelope_sender(self.settings)
        sent = failed = 0
        for subscriber, sub in due:
            try:
                smtp.send(sender, subscriber.email, self.confirmation_mail(subscriber, sub))
            except SmtpProblem as exc:
                failed += 1
                log.warning("confirmation to %s not sent: %s", subscriber.email, exc)
                continue
            self.store.subscribers.set_confirm_due(sub.id, False)
            sent += 1
        return sent, failed
