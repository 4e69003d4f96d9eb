"""kg.core.fork: the child's result or failure comes back; a failure on either side stops both."""

from __future__ import annotations

import os
import pickle
import time
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


def _pid_and(value: int) -> tuple[int, int]:
    return os.getpid(), value * 2


def _fails(message: str) -> None:
    raise OSError(message)


def _waits(path: str) -> None:
    import time

    time.sleep(60)
    Path(path).write_text("not killed", encoding="utf-8")


def test_standby_is_forked_at_once_and_runs_the_call_later() -> None:
    """Two at once, the second forked with the first's pipes open: each gets its call."""
    from kg.core.fork import Standby

    with Standby() as standby, Standby() as other:
        pid, other_pid = standby._pid, other._pid
        assert pid is not None and pid != os.getpid() and other_pid not in (None, pid)
        standby.start(_pid_and, 21)
        other.start(_pid_and, 1)
        assert standby.result() == (pid, 42)  # in the child forked at the start
        assert other.result() == (other_pid, 2)
    with pytest.raises(OSError):
        os.kill(pid, 0)  # gone, and waited for


def test_standby_failure_and_close_without_a_call(tmp_path: Path) -> None:
    from kg.core.fork import Standby

    with Standby() as standby:
        standby.start(_fails, "disk full on /x")
        with pytest.raises(ChildFailed) as caught:
            standby.result()
    assert (caught.value.kind, caught.value.message) == ("OSError", "disk full on /x")
    unused = Standby()
    pid = unused._pid
    unused.close()  # stopped
    assert pid is not None
    with pytest.raises(OSError):
        os.kill(pid, 0)
    started = Standby()
    started.start(_waits, str(tmp_path / "marker"))
    started.close()  # started but not wanted: stopped
    assert not (tmp_path / "marker").exists()


def test_standby_without_fork_runs_the_call_here(monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.core import fork

    monkeypatch.setattr(fork, "_can_fork", lambda: False)
    with fork.Standby() as standby:
        standby.start(_pid_and, 2)
        assert standby.result() == (os.getpid(), 4)


def _warnings(count: int) -> list[object]:
    from kg.core.errors import Loc, Severity, make_issue

    return [make_issue(Loc("data/a.yaml", n, 5), "claim rests on a single source",
                       f"src-{n}", Severity.WARNING, "single-source") for n in range(count)]


def test_issues_and_records_come_back_through_their_makers() -> None:
    """Results and calls are pickled by kg.core.entries.dumps: issues, positions and
    records come back equal, of their own classes, frozen, sent as calls of the makers
    (not as the slotted dataclasses' state, twice as slow)."""
    import dataclasses

    from kg.core.entries import dumps
    from kg.core.errors import Issue, Loc
    from kg.core.fork import Standby
    from kg.core.model import Entity

    entity = Entity("e-1", "Country", "Aland", Loc("data/e.yaml", 3, 5),
                    locs={"label": Loc("data/e.yaml", 4, 12)})
    sent = (_warnings(3), entity)
    child, _ = both(lambda: sent, lambda: None)
    with Standby() as standby:
        standby.start(_warnings, 3)
        later = standby.result()
    assert child == sent and later == sent[0]
    assert [type(i) for i in later] == [Issue] * 3 and type(child[1]) is Entity
    assert child[1].locs == entity.locs  # (not compared by ==)
    with pytest.raises(dataclasses.FrozenInstanceError):
        later[0].message = "changed"
    assert b"make_issue" in dumps(sent) and b"make_loc" in dumps(sent)
    assert b"make_issue" not in pickle.dumps(sent)  # what plain pickling sends instead


def test_forked_runs_at_once_and_gives_its_result_later(tmp_path: Path) -> None:
    from kg.core.fork import Forked

    marker = tmp_path / "began"

    def call() -> int:
        marker.write_text("yes")
        return os.getpid()

    with Forked(call) as forked:
        for _ in range(200):  # begun before its result is asked for
            if marker.exists():
                break
            time.sleep(0.01)
        assert marker.read_text() == "yes"
        assert forked.result() not in (None, os.getpid())


def test_forked_failure_is_raised_and_close_stops_a_child_still_running(
        tmp_path: Path) -> None:
    from kg.core.fork import Forked

    def fail() -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(ChildFailed) as caught, Forked(fail) as forked:
        forked.result()
    assert (caught.value.kind, caught.value.message) == \
        ("OSError", "[Errno 28] No space left on device")
    forked = Forked(lambda: time.sleep(30))
    pid = forked._pid
    assert pid is not None
    started = time.monotonic()
    forked.close()
    assert time.monotonic() - started < 5
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: no such process any more
