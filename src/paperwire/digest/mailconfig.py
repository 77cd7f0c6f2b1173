"""The mail settings as the transports want them; a missing or wrong one is a ConfigError
naming the setting. ``mail_connection`` is the one place that picks SMTP or the outbox."""

from __future__ import annotations

from email.utils import parseaddr

from paperwire.digest.smtp import SmtpConfig, SmtpConnection
from paperwire.digest.transport import Keep, MailConnection, OutboxConnection
from paperwire.errors import ConfigError
from paperwire.settings import Settings


def mail_mode(settings: Settings) -> str:
    """How mail leaves this site: "smtp", "outbox", or "none" (nothing can be sent)."""
    if settings.mail_transport == "outbox":
        return "outbox"
    if settings.mail_transport == "smtp" and settings.smtp_host:
        return "smtp"
    return "none"


def mail_connection(settings: Settings, keep: Keep) -> MailConnection:
    """The transport the settings name: the outbox (``keep`` stores each message) or SMTP;
    a ConfigError when no mail can be sent."""
    if settings.mail_transport == "outbox":
        return OutboxConnection(keep)
    if settings.mail_transport == "none":
        raise ConfigError(
            "mail_transport is none: digests and confirmation mails cannot be sent "
            "(set PAPERWIRE_MAIL_TRANSPORT to smtp or outbox)"
        )
    return SmtpConnection(smtp_config(settings))


def smtp_config(settings: Settings) -> SmtpConfig:
    if not settings.smtp_host:
        raise ConfigError(
            "smtp_host is not set: digests and confirmation mails cannot be sent "
            "(set PAPERWIRE_SMTP_HOST, or PAPERWIRE_MAIL_TRANSPORT=outbox to keep them on "
            "/admin/outbox)"
        )
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout,
        rate_per_second=settings.smtp_rate_per_second,
    )


def envelope_sender(settings: Settings) -> str:
    address = parseaddr(settings.mail_from)[1]
    if "@" not in address:
        raise ConfigError("mail_from: needs an address, e.g. paperwire <digest@example.org>")
    return address
