"""Run many independent jobs in worker processes, with a progress bar: how both training caches are made.

Each worker is a fresh process (``spawn``) running one job at a time; the jobs start in the order given
(put the longest first), and the answers come back in the order of the jobs. With one worker everything
runs in this process, which the tests use.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import time
from collections.abc import Callable


def default_workers() -> int:
    """Two worker processes, or one on a one-core machine."""
    return min(2, os.cpu_count() or 1)


def _timed(function: Callable, job) -> tuple:
    start = time.process_time()
    return function(job), time.process_time() - start


def run_in_workers(
    function: Callable,
    jobs: list,
    workers: int | None = None,
    progress: str = "",
    order: list | None = None,
    cpu_seconds: list | None = None,
) -> list:
    """``[function(job) for job in jobs]``, computed in ``workers`` processes (default: :func:`default_workers`).

    ``function`` must be importable (a module's top-level function) and each job picklable. ``progress``:
    the progress bar's label (none when empty). ``order``: the indices of ``jobs`` in the order to start them.
    ``cpu_seconds``, if given, receives each job's CPU time (in order of completion).
    """
    workers = workers or default_workers()
    order = list(range(len(jobs))) if order is None else list(order)
    results = [None] * len(jobs)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc=progress, unit="run")

    def done(index: int, outcome: tuple) -> None:
        results[index] = outcome[0]
        if cpu_seconds is not None:
            cpu_seconds.append(outcome[1])
        if bar is not None:
            bar.update()

    try:
        if workers == 1:
            for index in order:
                done(index, _timed(function, jobs[index]))
        else:
            context = multiprocessing.get_context("spawn")
            with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
                futures = {pool.submit(_timed, function, jobs[i]): i for i in order}
                for future in concurrent.futures.as_completed(futures):
                    done(futures[future], future.result())
    finally:
        if bar is not None:
            bar.close()
    return results


def rounded(value, digits: int, keep: tuple = ("config",)):
    """``value`` (JSON-like) with every float rounded to ``digits`` significant digits; dict keys in ``keep`` untouched."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, list):
        return [rounded(v, digits, keep) for v in value]
    if isinstance(value, dict):
        return {k: (v if k in keep else rounded(v, digits, keep)) for k, v in value.items()}
    return value
