"""One exception tree for the whole program.

Every error carries a message meant for a person (what was wrong and where); the cause, when there
is one, is chained with ``raise ... from`` so it reaches the log and not the user.
"""

from __future__ import annotations


class PaperwireError(Exception):
    """Base of every error paperwire raises on purpose."""

    exit_code = 1


class ConfigError(PaperwireError):
    """A setting is missing or has an invalid value."""

    exit_code = 2


class InvalidIdError(PaperwireError, ValueError):
    """A string is not an arXiv identifier in any spelling we know."""


class NotFoundError(PaperwireError):
    """The thing asked for does not exist in the store."""

    exit_code = 3


class StorageError(PaperwireError):
    """The database refused or failed an operation (driver errors are translated to this)."""

    exit_code = 4


class SourceError(PaperwireError):
    """A source (file or remote service) could not be read, or answered with an error document."""

    exit_code = 5
