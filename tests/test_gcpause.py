"""kg.core.gcpause: the collector is off inside, back on after, and the block's survivors do
not trigger a full collection at the next allocation."""

from __future__ import annotations

import gc

from kg.core.gcpause import paused_gc


def test_the_collector_is_paused_then_restored() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():  # nested: the inner exit leaves it off
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # restored as it was: off
    finally:
        gc.enable()


def test_survivors_count_as_old_not_young() -> None:
    with paused_gc():
        kept = [[i] for i in range(200_000)]
    young, _, _ = gc.get_count()
    assert young < 1000  # else the next allocation would start a collection over them all
    assert gc.get_freeze_count() == 0  # nothing stays frozen
    assert any(obj is kept for obj in gc.get_objects(generation=2))


def test_objects_a_caller_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused_gc():
            _ = [[i] for i in range(1000)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
