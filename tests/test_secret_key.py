"""The signing key file: never empty or partial, the same key for processes that start at once."""

from __future__ import annotations

import errno
import multiprocessing
import os
import subprocess
from collections.abc import Iterator
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from paperwire import secret_key
from paperwire.errors import ConfigError
from paperwire.secret_key import MIN_KEY_BYTES, load_secret


def test_made_once_then_read_back(tmp_path: Path) -> None:
    key = load_secret("", tmp_path / "data")
    assert len(key) >= MIN_KEY_BYTES
    assert load_secret("", tmp_path / "data") == key
    path = tmp_path / "data" / "secret_key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary left
    assert load_secret("configured", tmp_path / "data") == b"configured"


@pytest.mark.parametrize("content", [b"", b"\n", b"0123456789abcdef"])
def test_an_empty_or_short_file_is_refused(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "secret_key").write_bytes(content)
    with pytest.raises(ConfigError, match=r"secret_key holds \d+ bytes.*Delete it"):
        load_secret("", tmp_path)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 16 KiB tmpfs (needs root and mount); skipped where it cannot be mounted."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"x" * 1024)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def _assert_full_disk_leaves_no_key(data_dir: Path) -> None:
    with pytest.raises(ConfigError, match="cannot write the secret key file"):
        load_secret("", data_dir)
    assert not (data_dir / "secret_key").exists()
    assert [p.name for p in data_dir.iterdir() if "secret" in p.name] == []


def test_a_full_disk_on_first_start_leaves_no_key(tiny_disk: Path) -> None:
    filler = _fill(tiny_disk)
    _assert_full_disk_leaves_no_key(tiny_disk)
    filler.unlink()  # space is back: the next start makes a real key
    assert len(load_secret("", tiny_disk)) >= MIN_KEY_BYTES


def test_a_failing_write_leaves_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same, where no tmpfs can be mounted: the write fails as on a full disk."""

    def no_space(descriptor: int, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(secret_key.os, "write", no_space)
        _assert_full_disk_leaves_no_key(tmp_path)
    assert len(load_secret("", tmp_path)) >= MIN_KEY_BYTES


def _load_at_once(barrier: Barrier, data_dir: Path, results: multiprocessing.Queue[str]) -> None:
    barrier.wait()
    try:
        results.put(load_secret("", data_dir).decode())
    except ConfigError as exc:
        results.put(f"error: {exc}")


def test_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    processes = 8
    for trial in range(30):
        data_dir = tmp_path / f"trial-{trial}"
        barrier = context.Barrier(processes)
        results: multiprocessing.Queue[str] = context.Queue()
        workers = [
            context.Process(target=_load_at_once, args=(barrier, data_dir, results))
            for _ in range(processes)
        ]
        for worker in workers:
            worker.start()
        keys = {results.get(timeout=30) for _ in workers}
        for worker in workers:
            worker.join(timeout=30)
        assert len(keys) == 1, keys
        assert len(keys.pop()) >= MIN_KEY_BYTES
        assert [p.name for p in data_dir.iterdir()] == ["secret_key"]
