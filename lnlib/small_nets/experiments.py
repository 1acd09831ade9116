"""The training experiments of notebook 06, one protocol for all, run once and kept in ``data/experiments/``.

Each experiment module (:mod:`~lnlib.small_nets.covariate_shift`, :mod:`~lnlib.small_nets.generalization`,
:mod:`~lnlib.small_nets.learning_rates`, :mod:`~lnlib.small_nets.rnn_noise`,
:mod:`~lnlib.small_nets.batch_noise`) defines one
:class:`Experiment`: its configurations, the key of a configuration, and one seeded run.
``python -m lnlib cache small-nets`` runs every experiment (a few minutes on a laptop CPU, one thread)
and writes ``data/experiments/<name>.json``; ``python -m lnlib cache small-nets rnn_noise`` runs one.
The notebook reads a cache with :func:`load`; a test re-runs one configuration of each and compares it
with the cache (:meth:`Experiment.rerun`, and :func:`lnlib.support.results_cache.differences`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lnlib.support import paths, results_cache
from lnlib.support.determinism import torch_threads

COMMAND = "python -m lnlib cache small-nets"


@dataclass(frozen=True)
class Experiment:
    """One experiment: every configuration it runs, the key of each, and one seeded run.

    ``configs()`` returns the configurations (JSON-ready dicts); ``run(config)`` trains one and returns
    its measurements (JSON-ready, seeded from the config); a config's key joins ``prefix + value`` of
    each of ``key_fields`` (``(field, prefix)`` pairs) with "/", numbers written with ``:g``.
    """

    name: str
    configs: Callable[[], list]
    run: Callable[[dict], dict]
    key_fields: tuple

    def key(self, config: dict) -> str:
        """The cache's key of ``config``, for example ``"layer/lr0.01/gain1/seed0"``."""
        parts = []
        for field, prefix in self.key_fields:
            value = config[field]
            parts.append(prefix + (format(value, "g") if isinstance(value, (int, float)) else str(value)))
        return "/".join(parts)

    @property
    def path(self) -> Path:
        """The experiment's cache file."""
        return paths.SMALL_NET_RESULTS / f"{self.name}.json"

    def load(self) -> dict:
        """The cached results: configuration key → that run's results (read once per process: never change it)."""
        return results_cache.read(self.path, f"{COMMAND} {self.name}")["results"]

    def rerun(self, key: str) -> dict:
        """Run the one configuration ``key`` again, as the cache was made (one thread, deterministic)."""
        configs = {self.key(config): config for config in self.configs()}
        if key not in configs:
            raise ValueError(f"experiment {self.name!r} has no configuration {key!r}; it has {list(configs)}")
        with torch_threads(deterministic=True):
            return self.run(configs[key])

    def generate(self, progress: bool = True) -> dict:
        """Run every configuration and write the cache file; returns the file's content."""
        import torch

        results, start = {}, time.perf_counter()
        for config in self.configs():
            key = self.key(config)
            results[key] = self.rerun(key)
            if progress:
                print(f"{self.name}: {key} done ({time.perf_counter() - start:.0f} s)", flush=True)
        content = {
            "experiment": self.name,
            "torch": torch.__version__,
            "machine": results_cache.machine(),
            "configs": self.configs(),
            "results": results,
            "command": f"{COMMAND} {self.name}",
        }
        results_cache.write(self.path, content)
        return content


def all_experiments() -> tuple:
    """Every experiment of notebook 06, found by importing the modules that define them."""
    from lnlib.small_nets import batch_noise, covariate_shift, generalization, learning_rates, rnn_noise

    modules = (covariate_shift, generalization, learning_rates, rnn_noise, batch_noise)
    return tuple(module.EXPERIMENT for module in modules)


def by_name(name: str) -> Experiment:
    """The experiment called ``name`` (a ValueError that lists them, for any other name)."""
    found = {experiment.name: experiment for experiment in all_experiments()}
    if name not in found:
        raise ValueError(f"unknown experiment {name!r}; the experiments are {', '.join(found)}")
    return found[name]


def load(name: str) -> dict:
    """The cached results of experiment ``name``: configuration key → that run's results."""
    return by_name(name).load()


def generate_all(names=(), progress: bool = True) -> None:
    """Regenerate the caches of the experiments ``names`` (all of them when empty), saying what was written."""
    for experiment in [by_name(name) for name in names] or all_experiments():
        start = time.perf_counter()
        experiment.generate(progress)
        print(f"wrote {experiment.path} in {time.perf_counter() - start:.0f} s")
