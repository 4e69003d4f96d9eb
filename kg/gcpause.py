"""Pause Python's cyclic garbage collector around allocation-heavy batch work.

Loading a large dataset creates millions of small objects that all stay alive; every
full collection rescans them all, so with the collector on, load time grows faster than
the data (measured: 100k facts load 2.5x slower). Reference counting still frees all
acyclic garbage at once; the collector is restored on exit.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector inside the block (restored as it was on exit)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _age_young()
            gc.enable()


def _age_young() -> None:
    """Move every tracked object to the oldest generation, at no cost per object.

    While the collector is paused, every new object stays in the youngest generation
    and its allocation count keeps growing; so the first allocation after ``gc.enable()``
    would start a young collection that traverses every object made in the block (at
    100k facts: 2.4 million live objects, 0.75 s to find nothing). ``gc.freeze()`` moves
    all tracked objects to the permanent generation and resets that count;
    ``gc.unfreeze()`` moves them on to the oldest one, which only full collections scan,
    as if they had survived the young collections. Skipped when someone else has frozen
    objects: unfreezing would release theirs too."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
