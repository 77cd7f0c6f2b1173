"""One SMTP connection, reused across messages, driven at the command level.

``smtplib.SMTP.sendmail`` sends a message in one call; exactly-once delivery needs to stop just
before the final ``.`` that makes the server accept it (see ``deliver``), so the transaction is
split in two: ``begin`` (MAIL FROM, RCPT TO, DATA, the dot-stuffed body) and ``finish`` (the
final dot and its reply).

Failures are sorted for the caller:

- ``TemporaryError``: a 4xx reply, a refused or timed-out connection, a dropped connection.
  ``connection`` says whether the server itself is unreachable (no point trying the next
  recipient now) rather than this message having been deferred.
- ``PermanentError``: a 5xx reply. ``recipient`` says whether it is about the address (RCPT,
  or the reply to the final dot) rather than about us (MAIL FROM, DATA).
- ``UnknownOutcomeError``: no reply to the final dot. The server may have accepted the message.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

from paperwire.digest.mime import Mail

SECURITY = ("none", "starttls", "tls")


class SmtpProblem(Exception):
    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryError(SmtpProblem):
    def __init__(self, message: str, code: int | None = None, *, connection: bool) -> None:
        super().__init__(message, code)
        self.connection = connection


class PermanentError(SmtpProblem):
    def __init__(self, message: str, code: int | None = None, *, recipient: bool) -> None:
        super().__init__(message, code)
        self.recipient = recipient


class UnknownOutcomeError(SmtpProblem):
    pass


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # none | starttls | tls
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    rate_per_second: float = 0.0  # 0: as fast as the server takes them


def message_bytes(msg: Mail) -> bytes:
    """The message dot-stuffed (RFC 5321 4.5.2), ending in CRLF, without the final ``.`` line.
    ``Mail.as_bytes`` already ends every line in CRLF."""
    raw = msg.as_bytes()
    if raw.startswith(b"."):
        raw = b"." + raw
    raw = raw.replace(b"\r\n.", b"\r\n..")
    return raw if raw.endswith(b"\r\n") else raw + b"\r\n"


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(message.split())}"[:500]


class SmtpConnection:
    def __init__(
        self,
        config: SmtpConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self._sleep = sleep
        self._monotonic = monotonic
        self._last_start: float | None = None

    # -- connection ------------------------------------------------------------------------
    def _open(self) -> smtplib.SMTP:
        cfg = self.config
        try:
            smtp: smtplib.SMTP
            if cfg.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            smtp.ehlo()
            if cfg.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, cfg.password)
            # The final dot goes out as a 3-byte write after the body: with Nagle's algorithm
            # it waits for the server's delayed ACK, 40 ms a message on Linux.
            if smtp.sock is not None:
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentError(
                f"SMTP login refused: {_reply(exc.smtp_code, exc.smtp_error)}",
                exc.smtp_code,
                recipient=False,
            ) from exc
        except smtplib.SMTPResponseException as exc:
            code = exc.smtp_code
            message = f"SMTP server {cfg.host}:{cfg.port}: {_reply(code, exc.smtp_error)}"
            if 500 <= code < 600:
                raise PermanentError(message, code, recipient=False) from exc
            raise TemporaryError(message, code, connection=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryError(
                f"cannot reach the SMTP server {cfg.host}:{cfg.port}: {exc}", connection=True
            ) from exc
        return smtp

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._open()
        return self._smtp

    def close(self) -> None:
        """QUIT politely when the connection still works; drop it either way."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _reset(self) -> None:
        """After a refused command the connection is fine for the next message: RSET."""
        if self._smtp is None:
            return
        try:
            code, _ = self._smtp.rset()
            if code != 250:
                self._drop()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _pace(self) -> None:
        rate = self.config.rate_per_second
        if rate <= 0:
            return
        now = self._monotonic()
        if self._last_start is not None:
            wait = self._last_start + 1.0 / rate - now
            if wait > 0:
                self._sleep(wait)
                now += wait
        self._last_start = now

    # -- one transaction in two halves -------------------------------------------------------
    def begin(self, sender: str, recipient: str, body: bytes) -> None:
        """MAIL FROM, RCPT TO, DATA and ``body`` (from ``message_bytes``): everything but the
        final dot. Raises TemporaryError or PermanentError; the connection is reset or
        dropped so the next call starts clean."""
        self._pace()
        smtp = self._connection()
        try:
            self._expect(smtp.mail(sender), (250,), "MAIL FROM", recipient_step=False)
            self._expect(smtp.rcpt(recipient), (250, 251), "RCPT TO", recipient_step=True)
            self._expect(smtp.docmd("DATA"), (354,), "DATA", recipient_step=False)
            smtp.send(body)
        except SmtpProblem as exc:
            if isinstance(exc, TemporaryError) and exc.connection:
                self._drop()
            else:
                self._reset()
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise TemporaryError(f"SMTP connection lost: {exc}", connection=True) from exc

    def finish(self) -> None:
        """Send the final dot and read the reply. UnknownOutcomeError when the dot went out but
        no reply came back."""
        smtp = self._smtp
        if smtp is None:
            raise TemporaryError(
                "SMTP connection lost before the end of the message", connection=True
            )
        try:
            smtp.send(b".\r\n")
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise TemporaryError(f"SMTP connection lost: {exc}", connection=True) from exc
        try:
            code, text = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise UnknownOutcomeError(f"no reply to the end of the message: {exc}") from exc
        if code == 250:
            return
        self._classify(code, text, "end of message", recipient_step=True)

    def send(self, sender: str, recipient: str, msg: Mail) -> None:
        """A whole message in one go, for mails outside the delivery log (confirmations)."""
        self.begin(sender, recipient, message_bytes(msg))
        self.finish()

    def _expect(
        self, reply: tuple[int, bytes], ok: tuple[int, ...], step: str, *, recipient_step: bool
    ) -> None:
        code, text = reply
        if code not in ok:
            self._classify(code, text, step, recipient_step=recipient_step)

    def _classify(self, code: int, text: bytes, step: str, *, recipient_step: bool) -> None:
        message = f"{step}: {_reply(code, text)}"
        if code == -1 or code == 421:  # no reply at all / the server is closing the channel
            self._drop()
            raise TemporaryError(message, code, connection=True)
        if 400 <= code < 500:
            raise TemporaryError(message, code, connection=False)
        raise PermanentError(message, code, recipient=recipient_step)
