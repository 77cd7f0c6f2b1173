"""Signed tokens for the links in digest mails (itsdangerous, keyed with the site's secret).

One salt per purpose, so a token made for one purpose is refused for any other:

- ``confirm``: double opt-in for one subscription; expires after ``CONFIRM_DAYS``.
- ``manage``: the preferences page of one address; no expiry (it is in every digest, and a
  digest from last year must still let its reader leave), bound to the subscriber id *and* the
  address, so it dies with the subscriber or a change of address.
- ``unsubscribe``: one-click unsubscribe of one subscription (RFC 8058), bound the same way.
- ``feed``: the private RSS feed of one subscription.
- ``for_you``: the private RSS feed of an account's "For you" ranking; bound to the account's
  id, name and creation time, so it dies with the account (a new account given the same id
  or name gets another).

The clock is passed in, so expiry is tested without waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from paperwire.errors import ExpiredTokenError, TokenError

CONFIRM_DAYS = 7


class Tokens:
    def __init__(self, secret: bytes, clock: Callable[[], datetime]) -> None:
        class _ClockSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock().timestamp())

        def serializer(salt: str) -> URLSafeTimedSerializer:
            return URLSafeTimedSerializer(
                secret, salt=f"paperwire-digest-{salt}", signer=_ClockSigner
            )

        self._s = {
            name: serializer(name)
            for name in ("confirm", "manage", "unsubscribe", "feed", "for_you")
        }

    def _dump(self, purpose: str, payload: list[Any]) -> str:
        return str(self._s[purpose].dumps(payload))

    def _load(self, purpose: str, token: str, size: int, max_age: int | None = None) -> list[Any]:
        if not token or len(token) > 500:
            raise TokenError(
                "this link is incomplete or damaged; copy the whole link from the mail"
            )
        try:
            payload = self._s[purpose].loads(token, max_age=max_age)
        except SignatureExpired as exc:
            raise ExpiredTokenError("this link has expired") from exc
        except BadSignature as exc:
            raise TokenError(
                "this link is not valid (incomplete or altered); use the link from the mail"
            ) from exc
        if not isinstance(payload, list) or len(payload) != size:
            raise TokenError("this link is not valid for this page")
        return payload

    # confirm: [subscriber id, address, subscription id]
    def confirm(self, subscriber_id: int, email: str, subscription_id: int) -> str:
        return self._dump("confirm", [subscriber_id, email, subscription_id])

    def read_confirm(self, token: str) -> tuple[int, str, int]:
        s, e, sub = self._load("confirm", token, 3, CONFIRM_DAYS * 86400)
        return int(s), str(e), int(sub)

    # manage: [subscriber id, address]
    def manage(self, subscriber_id: int, email: str) -> str:
        return self._dump("manage", [subscriber_id, email])

    def read_manage(self, token: str) -> tuple[int, str]:
        s, e = self._load("manage", token, 2)
        return int(s), str(e)

    # unsubscribe: [subscriber id, address, subscription id]
    def unsubscribe(self, subscriber_id: int, email: str, subscription_id: int) -> str:
        return self._dump("unsubscribe", [subscriber_id, email, subscription_id])

    def read_unsubscribe(self, token: str) -> tuple[int, str, int]:
        s, e, sub = self._load("unsubscribe", token, 3)
        return int(s), str(e), int(sub)

    # feed: [subscriber id, subscription id]
    def feed(self, subscriber_id: int, subscription_id: int) -> str:
        return self._dump("feed", [subscriber_id, subscription_id])

    def read_feed(self, token: str) -> tuple[int, int]:
        s, sub = self._load("feed", token, 2)
        return int(s), int(sub)

    # for_you: [user id, username, account created (Unix seconds)]
    def for_you(self, user_id: int, username: str, created: int) -> str:
        return self._dump("for_you", [user_id, username, created])

    def read_for_you(self, token: str) -> tuple[int, str, int]:
        u, name, created = self._load("for_you", token, 3)
        return int(u), str(name), int(created)
