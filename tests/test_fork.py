"""kg.core.fork: the child's result or failure comes back; a failure on either side stops both."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.core.fork import ChildFailed, both


def test_child_runs_in_another_process_and_its_result_comes_back() -> None:
    child, here = both(lambda: ("child", os.getpid()), lambda: ("here", os.getpid()))
    assert child[0] == "child" and here == ("here", os.getpid())
    assert child[1] != os.getpid()


def test_sequential_fallback_gives_the_same_results() -> None:
    assert both(lambda: [1, 2], lambda: "x", parallel=False) == ([1, 2], "x")


def test_child_exception_is_raised_here_after_here_ran(tmp_path: Path) -> None:
    marker = tmp_path / "here-ran"

    def fail() -> None:
        raise ValueError("bad value 42")

    with pytest.raises(ChildFailed) as caught:
        both(fail, lambda: marker.write_text("yes"))
    assert caught.value.kind == "ValueError"
    assert caught.value.message == "bad value 42"
    assert "Traceback" in caught.value.trace
    assert marker.read_text() == "yes"


def test_exception_here_waits_for_the_child_first(tmp_path: Path) -> None:
    marker = tmp_path / "child-done"

    def slow_child() -> int:
        import time

        time.sleep(0.3)
        marker.write_text("done")
        return 1

    def fail_here() -> None:
        raise KeyError("here")

    with pytest.raises(KeyError):
        both(slow_child, fail_here)
    assert marker.read_text() == "done"  # the child had finished when the error came out


def test_child_that_dies_is_reported() -> None:
    with pytest.raises(ChildFailed, match="ChildDied"):
        both(lambda: os._exit(7), lambda: None)
