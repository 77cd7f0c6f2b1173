"""scripts/backup_restore_check.py on both databases (a SQLite file, the real PostgreSQL
server): a store holding real papers, an account, a vote and a comment is backed up (online
backup API / pg_dump), restored into a fresh store, and found identical table by table; and
the comparison does notice a store that differs."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from paperwire.service import Service

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "backup_restore_check.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("backup_restore_check", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _seed(service: Service, shared_data: Path) -> None:
    days = sorted((shared_data / "hf-daily" / "sample_days").glob("*.json"))[:2]
    assert service.papers.import_files(days).new > 0
    user = service.accounts.sign_up("alice", "alice@example.org", "correct horse battery")
    paper_id = next(service.papers.iter_papers()).id
    service.community.toggle_vote(user, paper_id)
    service.community.add_comment(user, paper_id, "Worth reading: <b>bold</b> claims.")


def test_a_restored_backup_is_identical(
    service: Service, shared_data: Path, tmp_path: Path
) -> None:
    _seed(service, shared_data)
    url = service.settings.effective_database_url
    done = subprocess.run(
        [sys.executable, str(SCRIPT), url, str(tmp_path / "backups")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "restore identical" in done.stdout
    assert list((tmp_path / "backups").iterdir())  # the backup file stays for the operator


def test_the_comparison_notices_a_difference(
    service: Service, shared_data: Path, tmp_path: Path
) -> None:
    script = _script()
    _seed(service, shared_data)
    url = service.settings.effective_database_url
    before = script.digests(url)
    assert script.differences(before, script.digests(url)) == []
    user = service.accounts.sign_up("bob", None, "correct horse battery")
    service.community.create_collection(user, "later")
    problems = script.differences(before, script.digests(url))
    assert any(p.startswith("collections: 0 rows, restored 1") for p in problems), problems
    assert any(p.startswith("users: 1 rows, restored 2") for p in problems), problems
