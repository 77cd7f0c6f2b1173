"""One exception tree for the whole program.

Every error carries a message meant for a person (what was wrong and where); the cause, when there
is one, is chained with ``raise ... from`` so it reaches the log and not the user.

Each class says, once, how it ends a command (``exit_code``) and how the web answers it
(``http_status``); the CLI and the web each render them in one place. A status of 500 means the
visitor did nothing wrong: the web logs the error and shows a generic message instead of it.
Every class sets both attributes itself (a test checks), so a new error is a deliberate choice
and never silently inherits a status that does not fit it.
"""

from __future__ import annotations


class PaperwireError(Exception):
    """Base of every error paperwire raises on purpose."""

    exit_code = 1
    http_status = 500


class ConfigError(PaperwireError):
    """A setting is missing or has an invalid value."""

    exit_code = 2
    http_status = 500


class InvalidIdError(PaperwireError, ValueError):
    """A string is not an arXiv identifier in any spelling we know (on the command line: a
    usage error)."""

    exit_code = 2
    http_status = 400


class InvalidQueryError(PaperwireError):
    """The query cannot be run as written; the message says what to change."""

    exit_code = 2
    http_status = 400


class NotFoundError(PaperwireError):
    """The thing asked for does not exist in the store."""

    exit_code = 3
    http_status = 404


class StorageError(PaperwireError):
    """The database refused or failed an operation (driver errors are translated to this).
    On the web a 503: the visitor did nothing wrong, and a full disk or a restarting database
    server is usually over soon. Its message names the driver's failure and is for the log."""

    exit_code = 4
    http_status = 503


class SchemaError(StorageError):
    """The store has no schema yet, or an older one than this paperwire's: `paperwire init`
    (or `serve --migrate`) brings it up to date; nothing else migrates."""

    exit_code = 4
    http_status = 503


class DuplicateError(StorageError):
    """A unique value (username, e-mail, collection name) is taken."""

    exit_code = 4
    http_status = 409


class SourceError(PaperwireError):
    """A source (file or remote service) could not be read, or answered with an error document."""

    exit_code = 5
    http_status = 500


class UnreachableError(SourceError):
    """A remote service cannot be reached at all (no network, refused, unknown host)."""

    exit_code = 5
    http_status = 503


class LibraryFileError(SourceError):
    """A library file to import is unreadable as a whole: too large, not UTF-8 text, or in
    none of the formats we read (its entries' own faults are Problems in the report)."""

    exit_code = 5
    http_status = 400


class BudgetSpent(SourceError):
    """The job's time budget would run out before the next try."""

    exit_code = 5
    http_status = 500


class LockLost(SourceError):
    """Another process took over this job's lock; this run must stop."""

    exit_code = 5
    http_status = 500


class AccountError(PaperwireError):
    """A form value breaks an account rule; the message says which and how to fix it."""

    exit_code = 2
    http_status = 400


class AuthError(PaperwireError):
    """Wrong username or password (deliberately not saying which)."""

    exit_code = 1
    http_status = 403


class ForbiddenError(PaperwireError):
    """The user may not do this (not the owner, not an admin)."""

    exit_code = 1
    http_status = 403


class OfflineError(PaperwireError):
    """The paper is not in the store and arXiv cannot be reached from here."""

    exit_code = 1
    http_status = 503


class WaitingError(OfflineError):
    """arXiv cannot be reached now; the submission is kept and completed later."""

    exit_code = 1
    http_status = 202  # accepted: kept, and done once arXiv answers


class TokenError(PaperwireError):
    """A link's token is not one we signed (mangled, truncated, tampered with)."""

    exit_code = 2
    http_status = 400


class ExpiredTokenError(TokenError):
    """A signed link that was valid once and has expired."""

    exit_code = 2
    http_status = 410


class RateLimitedError(PaperwireError):
    """Too many attempts (mails asked for one address, log-ins to one account ...): try
    again later."""

    exit_code = 1
    http_status = 429
