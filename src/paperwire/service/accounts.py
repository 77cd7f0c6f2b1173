"""Accounts: sign up, log in, sessions, password change, deletion, and the operator's
commands (`paperwire user list / delete / set-password`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from paperwire import accounts
from paperwire.errors import AuthError, NotFoundError, RateLimitedError
from paperwire.models import User
from paperwire.service.limits import RateLimiter
from paperwire.service.views import Clock
from paperwire.store import Store


class Accounts:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        passwords: accounts.Passwords,
        session_days: int,
        limits: RateLimiter,
    ) -> None:
        self.store = store
        self.clock = clock
        self.passwords = passwords
        self.session_days = session_days
        self.limits = limits

    def sign_up(
        self, username: str, email: str | None, password: str, *, is_admin: bool = False
    ) -> User:
        username = accounts.check_username(username)
        email = accounts.check_email(email) if email else None
        accounts.check_password(password)
        return self.store.people.create_user(
            username, email, self.passwords.hash(password), is_admin=is_admin, now=self.clock()
        )

    def add_user(self, username: str, email: str | None, password: str, *, admin: bool) -> User:
        """For `paperwire user add`: the first user is always an admin."""
        is_admin = admin or self.store.people.count() == 0
        return self.sign_up(username, email, password, is_admin=is_admin)

    def user(self, username: str) -> User:
        """The account named ``username`` (any case); NotFoundError otherwise."""
        found = self.store.people.by_username(username.strip())
        if found is None:
            raise NotFoundError(f"no user {username.strip()[:40]!r}")
        return found

    def log_in(self, username: str, password: str) -> tuple[User, str]:
        """(user, session token for the cookie); AuthError without saying what was wrong.

        Failed attempts are counted per username, whichever addresses they come from (the
        web's per-address limit does not stop a guessing run spread over many): once an
        account's budget is spent, even the right password waits for the window to pass."""
        key = username.strip().lower()
        if self.limits.exhausted("login-failures", key):
            raise RateLimitedError(
                "too many failed log-ins for this account; wait a few minutes and try again"
            )
        user = self.store.people.by_username(username.strip())
        stored = self.store.people.password_hash(user.id) if user else None
        if not self.passwords.verify(stored, password) or user is None:
            self.limits.allow("login-failures", key)
            raise AuthError("wrong username or password")
        return user, self._new_session(user)

    def _new_session(self, user: User) -> str:
        token = accounts.new_token()
        now = self.clock()
        self.store.people.create_session(
            user.id,
            accounts.token_hash(token),
            now,
            now + timedelta(days=self.session_days),
        )
        return token

    def session_user(self, token: str | None) -> User | None:
        if not token:
            return None
        return self.store.people.session_user(accounts.token_hash(token), self.clock())

    def log_out(self, token: str) -> None:
        self.store.people.delete_session(accounts.token_hash(token))

    def change_password(self, user: User, old: str, new: str, token: str | None) -> None:
        """Every other session of the user ends (a stolen cookie stops working)."""
        if not self.passwords.verify(self.store.people.password_hash(user.id), old):
            raise AuthError("the current password is not right")
        accounts.check_password(new)
        self.store.people.set_password_hash(user.id, self.passwords.hash(new))
        keep = accounts.token_hash(token) if token else None
        self.store.people.delete_sessions(user.id, except_hash=keep)

    def delete_account(self, user: User, password: str) -> None:
        """The account, its digest address and subscriptions, and its name on the papers it
        submitted (so whoever takes the name later does not inherit them)."""
        if not self.passwords.verify(self.store.people.password_hash(user.id), password):
            raise AuthError("the password is not right")
        self._remove(user)

    # -- the operator's commands (the CLI: whoever runs it owns the store) --------------------
    def users(self) -> list[User]:
        return self.store.people.all()

    def _named(self, username: str) -> User:
        user = self.store.people.by_username(username.strip())
        if user is None:
            raise NotFoundError(f"no account named {username!r}")
        return user

    def remove_user(self, username: str) -> User:
        """`paperwire user delete`: as if the user deleted the account themselves."""
        user = self._named(username)
        self._remove(user)
        return user

    def set_password(self, username: str, password: str) -> User:
        """`paperwire user set-password`: a new password, and every session of the account
        ends (whoever held one must log in with the new password)."""
        user = self._named(username)
        accounts.check_password(password)
        self.store.people.set_password_hash(user.id, self.passwords.hash(password))
        self.store.people.delete_sessions(user.id)
        return user

    def export(self, username: str) -> dict[str, Any]:
        """`paperwire export --user`: what the store keeps of one person, theirs on request
        (issue 12, privacy): the account, their collections, the papers they upvoted or keep
        in one (with when), and their private "For you" signals (not interested, mutes,
        their author names). Never the password hash, sessions or token hashes."""
        user = self._named(username)
        community = self.store.community
        signals = self.store.signals.of_user(user.id)
        return {
            "user": {
                "username": user.username,
                "email": user.email,
                "created_at": user.created_at.isoformat(),
            },
            "collections": [
                {
                    "slug": c.slug,
                    "name": c.name,
                    "description": c.description,
                    "public": c.public,
                    "papers": community.collection_paper_ids(c.id),
                }
                for c in community.collections_of(user.id, user.id)
            ],
            "liked": {
                paper_id: when.isoformat()
                for paper_id, when in sorted(community.liked(user.id).items())
            },
            "for_you": {
                "not_interested": sorted(signals.not_interested),
                "muted_authors": list(signals.muted_authors),
                "muted_categories": list(signals.muted_categories),
                "muted_words": list(signals.muted_words),
                "own_names": list(signals.own_names),
                "own_papers": sorted(signals.own_papers),
            },
        }

    def _remove(self, user: User) -> None:
        # The credit first: once the user row is gone nothing links the name to this account.
        self.store.papers.anonymise_submitter(user.username)
        self.store.subscribers.delete_for_user(user.id)
        self.store.people.delete_user(user.id)
