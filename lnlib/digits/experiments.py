"""Notebook 07's two grids and their results cache: ``python -m lnlib cache digits`` runs them all.

- ``grid``: every norm of :data:`~lnlib.digits.network.NORMS` × :data:`LEARNING_RATES` (0.01 … 10, half
  decades) × :data:`INIT_SCALES` (0.1 … 10) × :data:`SEEDS`, 400 SGD steps of 64 examples each: which
  learning rates and initial scales train (Ioffe and Szegedy 2015; Santurkar et al. 2018), with each
  layer's update-to-data ratio along the way;
- ``batch_noise``: no norm, BN and LN at a small and a large batch (:data:`BATCH_SIZES`), learning rate
  :data:`BATCH_NOISE_LR`, :data:`BATCH_NOISE_STEPS` steps, training and held-out accuracy every
  :data:`BATCH_NOISE_EVERY` steps: does BN's batch noise regularize?

The runs are spread over two worker processes (one torch thread each, deterministic algorithms); every
number is seeded, so the file comes out the same on every run of one machine. Numbers are stored to
:data:`SIGNIFICANT_DIGITS` significant digits; a test re-runs a few configurations and compares them with
:func:`lnlib.support.results_cache.differences`.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path

from lnlib.digits.data import file_sha256
from lnlib.digits.network import NORMS
from lnlib.digits.training import RunConfig
from lnlib.support import parallel, paths, results_cache

CACHE_PATH = paths.DIGITS_RESULTS
COMMAND = "python -m lnlib cache digits"
FORMAT_VERSION = 1
SIGNIFICANT_DIGITS = 6

SEEDS = (0, 1, 2)
LEARNING_RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
INIT_SCALES = (0.1, 0.3, 1.0, 3.0, 10.0)
GRID_STEPS, GRID_BATCH, GRID_RECORD_EVERY = 400, 64, 20

BATCH_NOISE_NORMS = ("none", "batch", "layer")
BATCH_SIZES = (16, 500)
BATCH_NOISE_LR, BATCH_NOISE_SCALE = 0.1, 1.0
BATCH_NOISE_STEPS, BATCH_NOISE_EVERY = 2000, 100

GRIDS = ("grid", "batch_noise")


def grid_config(norm: str, init_scale: float, lr: float, seed: int = 0) -> RunConfig:
    """One configuration of the ``grid``."""
    return RunConfig(norm, init_scale, lr, seed, GRID_BATCH, GRID_STEPS, GRID_RECORD_EVERY)


def batch_noise_config(norm: str, batch_size: int, seed: int = 0) -> RunConfig:
    """One configuration of the ``batch_noise`` grid."""
    return RunConfig(
        norm,
        BATCH_NOISE_SCALE,
        BATCH_NOISE_LR,
        seed,
        batch_size,
        BATCH_NOISE_STEPS,
        BATCH_NOISE_STEPS // 20,
        BATCH_NOISE_EVERY,
    )


def configs(grids=GRIDS) -> list:
    """Every configuration of the named grids (a configuration two grids share, once)."""
    found = {}
    if "grid" in grids:
        for norm in NORMS:
            for scale in INIT_SCALES:
                for lr in LEARNING_RATES:
                    for seed in SEEDS:
                        config = grid_config(norm, scale, lr, seed)
                        found[config.key] = config
    if "batch_noise" in grids:
        for norm in BATCH_NOISE_NORMS:
            for batch in BATCH_SIZES:
                for seed in SEEDS:
                    config = batch_noise_config(norm, batch, seed)
                    found[config.key] = config
    unknown = set(grids) - set(GRIDS)
    if unknown:
        raise ValueError(f"unknown grids {sorted(unknown)}; the grids are {GRIDS}")
    return list(found.values())


def measure(config_data: dict) -> dict:
    """One run, as the cache stores it (runs in a worker process: one thread, deterministic, rounded)."""
    from lnlib.digits import training
    from lnlib.support.determinism import torch_threads

    with torch_threads(deterministic=True):
        return parallel.rounded(training.train(RunConfig(**config_data)), SIGNIFICANT_DIGITS)


def rerun(configs_to_run: list, workers: int = 1) -> list:
    """The records of ``configs_to_run``, run again exactly as the cache was made."""
    return parallel.run_in_workers(measure, [c.as_dict() for c in configs_to_run], workers)


def generate(path: Path = CACHE_PATH, workers: int | None = None, progress: bool = True) -> dict:
    """Run every grid and write the cache to ``path``; returns what was written."""
    import torch

    start, cpu_seconds = time.perf_counter(), []
    every = configs()
    cost = [c.steps * (c.batch_size + 32) for c in every]
    order = sorted(range(len(every)), key=lambda i: -cost[i])  # the longest first
    runs = parallel.run_in_workers(
        measure,
        [c.as_dict() for c in every],
        workers,
        "digits experiments" if progress else "",
        order,
        cpu_seconds,
    )
    cache = {
        "about": f"Digits experiments of notebook 07. Regenerate with: {COMMAND}",
        "format": FORMAT_VERSION,
        "torch": torch.__version__,
        "digits_sha256": file_sha256(),
        "machine": results_cache.machine(),
        "grids": list(GRIDS),
        "runs": runs,
        "seconds": round(time.perf_counter() - start, 1),
        "cpu_seconds": round(sum(cpu_seconds), 1),
    }
    results_cache.write(path, cache)
    load.cache_clear()
    return cache


@dataclass
class Results:
    """The cache, indexed by configuration: ``results.run(config)``, ``results.runs(config)`` over the seeds."""

    data: dict

    def __post_init__(self) -> None:
        self._runs = {RunConfig(**r["config"]).key: r for r in self.data["runs"]}

    def has(self, config: RunConfig) -> bool:
        return config.key in self._runs

    def run(self, config: RunConfig) -> dict:
        """The cached record of exactly ``config`` (a KeyError that says what the cache holds, if it is not there)."""
        try:
            return self._runs[config.key]
        except KeyError:
            raise KeyError(
                f"{config.key} is not in the cache; it holds the grids of lnlib.digits.experiments "
                "(train it with lnlib.digits.training.train)"
            ) from None

    def runs(self, config: RunConfig, seeds=SEEDS) -> list:
        return [self.run(config.replace(seed=seed)) for seed in seeds]


@functools.cache
def load(path: Path = CACHE_PATH) -> Results:
    """The cache at ``path``, read once per process; a FileNotFoundError that says how to make it."""
    data = results_cache.read(path, COMMAND)
    if data.get("format") != FORMAT_VERSION:
        raise ValueError(
            f"{path} has format {data.get('format')}, not {FORMAT_VERSION}; regenerate it with: {COMMAND}"
        )
    return Results(data)
