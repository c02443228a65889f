"""Normalise the distinct values of large frames on every core, in a process pool.

Normalising is pure Python (one call per distinct name, address, postcode, email), so one
core does it while the others wait: about 3-4 s per million reference rows. Columns with
more than `POOL_MIN_DISTINCT` distinct values are cut into one chunk per worker and sent to
a `ProcessPoolExecutor`; smaller columns are done in this process meanwhile. Small jobs
(tests, the web's single applicant, a few thousand rows) never start a process.

Start method: *forkserver*. Forking the caller directly is unsafe here: DuckDB keeps worker
threads, uvicorn and Spark run threads of their own, and a child forked while another thread
holds a lock (malloc, logging, DuckDB's) can deadlock. `spawn` is safe but each worker
re-imports pandas, numpy and vetline (about a second of CPU each). The fork server is a
fresh single-threaded process started once per process, which imports the normalisers
once (`set_forkserver_preload`) and forks each worker from itself, so workers inherit no
threads. Measured (28 Nov, load 5): the first pool of a process 1.6 s wall to its first
result (the fork server starting and importing pandas and vetline), each later pool 0.02 s.
The pool lives for one frame's normalising and is shut down with it: nothing lingers in a
server. As with any forkserver or spawn child, a script that screens a large frame must run
under `if __name__ == "__main__":`, since each worker imports the script's main module.

`VETLINE_WORKERS` sizes the pool (default: the machine's cores); 0 or 1 turns it off.
Results are identical either way: the same functions run on the same values, in order.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from vetline.matching.stages import note_helper_cpu

# Below this many distinct values a column is normalised in this process: at 4-8 µs a value
# the gain would not repay the pool's start-up (above) and the results' pickling.
POOL_MIN_DISTINCT = 50_000
_PRELOAD = ["vetline.matching.features"]

# A row-wise normaliser gives a tuple (one value per feature) for one distinct value.
RowFn = Callable[[Any], tuple[Any, ...]]


def workers() -> int:
    """The pool's size: `VETLINE_WORKERS`, else the number of cores."""
    raw = os.environ.get("VETLINE_WORKERS", "").strip()
    if not raw:
        return os.cpu_count() or 1
    try:
        return max(int(raw), 0)
    except ValueError as exc:
        raise ValueError(f"VETLINE_WORKERS must be a whole number, not {raw!r}") from exc


@dataclass(frozen=True)
class Job:
    """One column's distinct values, the normaliser to apply and how many features it gives
    (a row-wise normaliser returns a `width`-tuple per value, a column-wise one takes a list
    and returns one value per input)."""

    values: np.ndarray
    fn: Callable[[Any], Any]  # a RowFn, or (columnwise) a whole array to a list
    width: int
    columnwise: bool = False


def _run(job: Job) -> tuple[list[list[Any]], float]:
    """`job`'s results as `width` lists; with the CPU seconds it took (for the stages)."""
    start = time.process_time()
    if job.columnwise:
        columns = [list(job.fn(job.values))]
    else:
        results = [job.fn(v) for v in job.values]
        columns = [[r[k] for r in results] for k in range(job.width)]
    return columns, time.process_time() - start


def _pool(size: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return ProcessPoolExecutor(max_workers=size, mp_context=context)


def warm_up(values: int) -> None:
    """Start the fork server now when a column of up to `values` distinct values may go to
    the pool, so that it imports the normalisers (about a second) while this process
    factorises its columns, instead of after. Costs nothing otherwise; never fails."""
    if values <= POOL_MIN_DISTINCT or workers() <= 1:
        return
    try:
        from multiprocessing import forkserver

        multiprocessing.get_context("forkserver").set_forkserver_preload(_PRELOAD)
        forkserver.ensure_running()
    except (OSError, ValueError):  # the pool itself will fall back to one core
        return


def run_jobs(jobs: Sequence[Job]) -> list[list[list[Any]]]:
    """For each job: its results as `width` lists, one value per distinct input.

    Large jobs go to the pool in one chunk per worker, the rest run here meanwhile.
    """
    size = workers()
    large = [i for i, job in enumerate(jobs) if len(job.values) > POOL_MIN_DISTINCT]
    if size <= 1 or not large:
        return [_run(job)[0] for job in jobs]
    try:
        return _pooled(jobs, large, size)
    except (BrokenProcessPool, OSError) as exc:
        # no processes to be had (a sandbox, an unguarded script whose workers failed):
        # the same results, on one core
        warnings.warn(
            f"normalising on one core: the process pool failed ({exc!r}); "
            "set VETLINE_WORKERS=1 to skip it",
            RuntimeWarning,
            stacklevel=2,
        )
        return [_run(job)[0] for job in jobs]


def _pooled(jobs: Sequence[Job], large: list[int], size: int) -> list[list[list[Any]]]:
    results: dict[int, list[list[Any]]] = {}
    helper_cpu = 0.0
    with _pool(size) as pool:
        pending: dict[int, list[Future[tuple[list[list[Any]], float]]]] = {}
        for i in large:
            step = -(-len(jobs[i].values) // size)
            pending[i] = [
                pool.submit(_run, replace(jobs[i], values=jobs[i].values[at : at + step]))
                for at in range(0, len(jobs[i].values), step)
            ]
        for i, job in enumerate(jobs):
            if i not in pending:
                results[i] = _run(job)[0]
        for i, futures in pending.items():
            columns: list[list[Any]] = [[] for _ in range(jobs[i].width)]
            for future in futures:
                part, cpu = future.result()
                helper_cpu += cpu
                for k, values in enumerate(part):
                    columns[k].extend(values)
            results[i] = columns
    note_helper_cpu(helper_cpu)
    return [results[i] for i in range(len(jobs))]
