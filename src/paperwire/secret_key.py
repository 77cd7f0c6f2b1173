"""The site's signing key, shared by every part that signs (CSRF tokens, digest links).

It is the ``secret_key`` setting when one is set, else a random key kept in ``data_dir``. That
file is made once, on the first start, and several processes may start at once (``serve
--workers``, a digest run): each writes a complete key to a temporary file of its own, then
publishes it with ``os.link``, which fails when another process has published first, and every
process then reads the one file that won. The key file therefore never exists half-written, and
all processes sign with the same key. A file that is empty or short anyway (written by an
older version on a full disk, or truncated by hand) is refused: signing with it would let anyone
forge links.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from paperwire.errors import ConfigError

FILE_NAME = "secret_key"
MIN_KEY_BYTES = 32


def load_secret(configured: str, data_dir: Path) -> bytes:
    """The configured secret, else the one kept (mode 0600) in the data folder, made if missing."""
    if configured:
        return configured.encode()
    path = data_dir / FILE_NAME
    if not path.exists():
        _publish_new_key(path)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the secret key file {path}: {exc.strerror}") from exc
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(
            f"the secret key file {path} holds {len(key)} bytes, fewer than {MIN_KEY_BYTES}: "
            "it was left incomplete (a full disk?) and is not safe to sign with. Delete it to "
            "have a new key made at the next start (links signed with the old key stop "
            "working), or set PAPERWIRE_SECRET_KEY"
        )
    return key


def _publish_new_key(path: Path) -> None:
    key = secrets.token_hex(32).encode()
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _write_all(descriptor, key)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        # Fails when another process published first: its key is the one everybody reads.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
        _fsync_folder(path.parent)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the secret key file {path}: {exc.strerror}. Free some space or fix "
            "the folder's permissions, or set PAPERWIRE_SECRET_KEY"
        ) from exc
    finally:
        temporary.unlink(missing_ok=True)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _fsync_folder(folder: Path) -> None:
    """Makes the new name durable, so a crash right after start cannot lose the key."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
