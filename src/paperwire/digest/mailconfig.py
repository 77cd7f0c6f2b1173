"""The mail settings as the SMTP client wants them; a missing or wrong one is a ConfigError
naming the setting."""

from __future__ import annotations

from email.utils import parseaddr

from paperwire.digest.smtp import SmtpConfig
from paperwire.errors import ConfigError
from paperwire.settings import Settings


def smtp_config(settings: Settings) -> SmtpConfig:
    if not settings.smtp_host:
        raise ConfigError(
            "smtp_host is not set: digests and confirmation mails cannot be sent "
            "(set PAPERWIRE_SMTP_HOST)"
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
