"""Back up a paperwire store, restore the backup into a fresh store, and check that the
restored store holds exactly what the original held (docs/deploy.md, "Backups").

    python scripts/backup_restore_check.py DATABASE_URL BACKUP_DIR [--keep]

SQLite is copied with the sqlite3 online backup API (``Connection.backup``), which is safe
while the server writes: a plain file copy of a live database in WAL mode can miss committed
pages or tear a page. PostgreSQL is dumped with ``pg_dump --format=custom`` and restored with
``pg_restore`` into a new database next to the original (``<name>_restore_check``, dropped
afterwards unless ``--keep``). Then every table of the schema, the migration version
included, is compared: row counts and a SHA-256 of all rows in primary-key order.

Exit status: 0 when the restore is identical, 1 when a table differs (each named), 2 when
the backup or the restore could not be made (the tool's message is shown).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SAWarning


class CheckFailed(Exception):
    """The backup or the restore could not be made."""


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str


def sqlite_backup(source: Path, destination: Path) -> None:
    """An online, consistent copy of a live SQLite database (the backup API copies pages
    under the database's own locking, so a writer is never torn)."""
    if not source.is_file():
        raise CheckFailed(f"no SQLite database at {source}")
    destination.unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(destination)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL as the PostgreSQL tools take it, and an environment with the password (never
    on a command line, where ``ps`` shows it)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CheckFailed(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")


def pg_backup(url: URL, destination: Path) -> None:
    target, env = _libpq(url)
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={destination}", target], env)


def pg_restore(dump: Path, url: URL) -> None:
    target, env = _libpq(url)
    _run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump)], env)


def digests(url: str) -> dict[str, TableDigest]:
    """Every table's row count and content hash, rows in primary-key order."""
    engine = create_engine(url)
    try:
        meta = MetaData()
        with warnings.catch_warnings():
            # Expression indexes (lower(doi)) are not reflected; only rows are compared.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
            meta.reflect(engine)
        out = {}
        with engine.connect() as conn:
            for name, table in sorted(meta.tables.items()):
                order = list(table.primary_key.columns) or list(table.columns)
                digest = hashlib.sha256()
                rows = 0
                for row in conn.execute(select(table).order_by(*order)):
                    digest.update(repr(tuple(row)).encode())
                    rows += 1
                out[name] = TableDigest(rows, digest.hexdigest())
        return out
    finally:
        engine.dispose()


def differences(original: dict[str, TableDigest], restored: dict[str, TableDigest]) -> list[str]:
    problems = []
    for name in sorted(original.keys() | restored.keys()):
        if name not in restored:
            problems.append(f"{name}: missing from the restore")
        elif name not in original:
            problems.append(f"{name}: only in the restore")
        elif original[name].rows != restored[name].rows:
            problems.append(f"{name}: {original[name].rows} rows, restored {restored[name].rows}")
        elif original[name] != restored[name]:
            problems.append(f"{name}: same row count, different content")
    return problems


def check(database_url: str, backup_dir: Path, *, keep: bool = False) -> list[str]:
    """Back up, restore, compare; the differences (empty: identical)."""
    url = make_url(database_url)
    backup_dir.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = Path(str(url.database))
        backup = backup_dir / f"{source.stem}.backup.db"
        sqlite_backup(source, backup)
        restored_path = backup_dir / f"{source.stem}.restored.db"
        sqlite_backup(backup, restored_path)  # a restore is the same API, the other way
        restored = url.set(database=str(restored_path))
        print(f"backup {backup} ({backup.stat().st_size:,} bytes), restored to {restored_path}")
        return differences(digests(database_url), digests(restored.render_as_string(False)))
    if url.get_backend_name() != "postgresql":
        raise CheckFailed(f"unsupported database {url.get_backend_name()!r}")
    backup = backup_dir / f"{url.database}.dump"
    pg_backup(url, backup)
    restored = url.set(database=f"{url.database}_restore_check")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{restored.database}"'))
            conn.execute(text(f'CREATE DATABASE "{restored.database}"'))
        pg_restore(backup, restored)
        print(f"backup {backup} ({backup.stat().st_size:,} bytes), restored to {restored.database}")
        return differences(
            digests(url.render_as_string(False)), digests(restored.render_as_string(False))
        )
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{restored.database}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help="the store, as PAPERWIRE_DATABASE_URL names it")
    parser.add_argument("backup_dir", type=Path, help="where the backup is written")
    parser.add_argument("--keep", action="store_true", help="keep the restored database")
    args = parser.parse_args(argv)
    try:
        problems = check(args.database_url, args.backup_dir, keep=args.keep)
    except CheckFailed as exc:
        print(f"backup/restore check: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"DIFFERS {problem}", file=sys.stderr)
    if problems:
        return 1
    print("restore identical: every table has the same rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
