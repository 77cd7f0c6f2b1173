"""Account rules: what a valid username, e-mail address and password are; password hashing
(argon2id); session tokens. No I/O."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from paperwire.errors import AccountError
from paperwire.errors import AuthError as AuthError  # re-exported until callers move

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,38}[A-Za-z0-9]$")
# Deliberately simple: one @, a dot in the domain, no spaces or control characters (CR/LF
# header injection), at most 254 characters (RFC 5321). Delivery proves the rest.
EMAIL_RE = re.compile(
    r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]{1,189}\.[^@\s\x00-\x1f\x7f]{2,63}$"
)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte password is an attack


class Passwords:
    """Argon2id hashing at the configured cost (settings ``password_hash_*``). A hash carries
    the parameters it was made with, and verification uses those: hashes made at an older or
    a test cost keep verifying whatever the cost is now."""

    def __init__(self, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)

    @functools.cached_property
    def _dummy_hash(self) -> str:
        """Verified against when the username does not exist, so a login takes the same time
        either way (no user enumeration by timing)."""
        return self._hasher.hash("not a real password, only here to spend the time")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            checked = self._hasher.verify(stored_hash or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return checked and stored_hash is not None


def check_username(username: str) -> str:
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise AccountError(
            "username: 3 to 40 letters, digits, '.', '_' or '-', starting and ending with a "
            "letter or digit"
        )
    return username


def check_email(email: str) -> str:
    email = email.strip()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise AccountError("e-mail: that does not look like an address (name@example.org)")
    local, _, domain = email.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise AccountError("e-mail: the domain is not a valid internationalised name") from exc
    return f"{local}@{domain}"


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"password: at most {MAX_PASSWORD} characters")
    return password


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
