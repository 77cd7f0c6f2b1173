"""Personal access tokens: made (the secret shown once), listed and revoked by their owner, and
checked on every request that carries one (a revoked token fails on its next use). Only the
SHA-256 of a token is stored, as for sessions."""

from __future__ import annotations

from paperwire import accounts
from paperwire.errors import AccountError, NotFoundError
from paperwire.models import AccessToken, TokenScope, User
from paperwire.service.views import Clock
from paperwire.store import Store

PREFIX = "pwt_"  # tells a paperwire token from a session token or another site's key
MAX_NAME = 100
SHOWN = 10  # characters of the token kept to tell tokens apart (prefix plus 6 of ~43 random)


class AccessTokens:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def create(self, user: User, name: str, scope: TokenScope) -> tuple[AccessToken, str]:
        """A new token of ``user``'s: (its listing, the secret to show once)."""
        label = " ".join(name.split())
        if not label or not label.isprintable():
            raise AccountError("token name: give it a name you will recognise (printable text)")
        if len(label) > MAX_NAME:
            raise AccountError(f"token name: at most {MAX_NAME} characters ({len(label)})")
        secret = PREFIX + accounts.new_token()
        token = self.store.tokens.create(
            user.id, accounts.token_hash(secret), secret[:SHOWN], label, scope, self.clock()
        )
        return token, secret

    def of_user(self, user: User) -> list[AccessToken]:
        return self.store.tokens.of_user(user.id)

    def revoke(self, user: User, token_id: int) -> None:
        if not self.store.tokens.revoke(user.id, token_id):
            raise NotFoundError(f"{user.username} has no token {token_id}")

    def holder(self, secret: str) -> tuple[User, AccessToken] | None:
        """Whose token this is (and which), or None: unknown, revoked or malformed."""
        secret = secret.strip()
        if not secret.startswith(PREFIX) or len(secret) > 200 or not secret.isascii():
            return None
        return self.store.tokens.holder(accounts.token_hash(secret))
