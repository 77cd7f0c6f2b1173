"""``fork_map``: pure work over the cores in forked processes, results in order."""

from __future__ import annotations

import os

import pytest

from paperwire.forked import cores, fork_map


def _square_and_pid(value: int) -> tuple[int, int]:
    return value * value, os.getpid()


def test_results_come_back_in_order_from_other_processes() -> None:
    found = fork_map(_square_and_pid, list(range(20)), workers=2)
    assert [square for square, _ in found] == [v * v for v in range(20)]
    assert os.getpid() not in {pid for _, pid in found}


def test_one_worker_or_one_item_runs_here() -> None:
    assert fork_map(_square_and_pid, [3], workers=4) == [(9, os.getpid())]
    assert {pid for _, pid in fork_map(_square_and_pid, [1, 2], workers=1)} == {os.getpid()}
    assert fork_map(_square_and_pid, [], workers=2) == []
    assert cores() >= 1


def test_a_failure_in_a_worker_is_raised_here() -> None:
    def fails(value: int) -> int:  # a closure: the children inherit it, nothing is pickled
        if value == 5:
            raise ValueError("item 5 is bad")
        return value

    with pytest.raises(ValueError, match="item 5 is bad"):
        fork_map(fails, list(range(8)), workers=2)
