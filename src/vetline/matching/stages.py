"""Per-stage timings of a screening, for the benchmarks: wall and CPU seconds of each step.

Off unless a caller asks (`record_stages`); `stage` then costs two clock reads. CPU time is
the process's, so it counts DuckDB's threads, plus what helper processes report through
`note_helper_cpu` (the normalising pool's workers), which `process_time` cannot see.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_RECORD: ContextVar[dict[str, list[float]] | None] = ContextVar("vetline_stages", default=None)
_HELPER_CPU = [0.0]  # CPU seconds of helper processes so far, in this process


def note_helper_cpu(seconds: float) -> None:
    """Count `seconds` of CPU spent for this process by helper processes."""
    _HELPER_CPU[0] += seconds


def cpu_time() -> float:
    """This process's CPU seconds plus its helper processes' (as noted)."""
    return time.process_time() + _HELPER_CPU[0]


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Add the wall and CPU time of the block to stage `name` of the current recording."""
    record = _RECORD.get()
    if record is None:
        yield
        return
    wall, cpu = time.perf_counter(), cpu_time()
    try:
        yield
    finally:
        total = record.setdefault(name, [0.0, 0.0])
        total[0] += time.perf_counter() - wall
        total[1] += cpu_time() - cpu


@contextmanager
def record_stages() -> Iterator[dict[str, list[float]]]:
    """Record the stages run inside the block: {name: [wall seconds, CPU seconds]}."""
    record: dict[str, list[float]] = {}
    token = _RECORD.set(record)
    try:
        yield record
    finally:
        _RECORD.reset(token)


def stages_text(record: dict[str, list[float]]) -> str:
    """ "name 1.2s (2.0s CPU), …" in the order the stages first ran."""
    return ", ".join(f"{name} {wall:.1f}s ({cpu:.1f}s CPU)" for name, (wall, cpu) in record.items())
