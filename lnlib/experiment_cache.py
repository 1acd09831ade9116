"""The training experiments of notebook 06, run once and kept in ``data/experiments/``.

``python -m lnlib.experiment_cache`` runs every experiment (a few minutes on a laptop CPU, one
thread) and writes ``data/experiments/<name>.json``; ``python -m lnlib.experiment_cache rnn_noise``
runs one. Each experiment is a module with ``configs()`` (the runs), ``config_key(config)`` and
``run(config)`` (one run, JSON-ready, seeded); the notebook reads the cache with :func:`load`, and a
test re-runs one configuration of each and compares it with the cache (:func:`rerun`).
"""
from __future__ import annotations

import argparse
import functools
import importlib
import json
import math
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "experiments"
EXPERIMENTS = ("covariate_shift", "generalization", "learning_rates", "rnn_noise")


def _module(name: str):
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; the experiments are {', '.join(EXPERIMENTS)}")
    return importlib.import_module(f"lnlib.{name}")


def path(name: str) -> Path:
    """The cache file of experiment ``name``."""
    _module(name)
    return DATA / f"{name}.json"


def rerun(name: str, key: str) -> dict:
    """Run the one configuration ``key`` of experiment ``name`` again, as the cache was made."""
    from .training import deterministic

    module = _module(name)
    configs = {module.config_key(config): config for config in module.configs()}
    if key not in configs:
        raise ValueError(f"experiment {name!r} has no configuration {key!r}; it has {list(configs)}")
    with deterministic(threads=1):
        return module.run(configs[key])


def generate(name: str, progress: bool = True) -> dict:
    """Run every configuration of experiment ``name`` and write its cache file; returns the file's content."""
    import torch

    module = _module(name)
    results, start = {}, time.perf_counter()
    for config in module.configs():
        key = module.config_key(config)
        results[key] = rerun(name, key)
        if progress:
            print(f"{name}: {key} done ({time.perf_counter() - start:.0f} s)", flush=True)
    content = {"experiment": name, "torch": torch.__version__, "configs": module.configs(), "results": results,
               "command": f"python -m lnlib.experiment_cache {name}"}
    DATA.mkdir(parents=True, exist_ok=True)
    path(name).write_text(json.dumps(content), encoding="utf-8")
    _read.cache_clear()  # the next load reads the new file
    return content


def load(name: str) -> dict:
    """The cached results of experiment ``name``: configuration key → that run's results.

    Read once per process and shared by every caller: read them, never change them.
    """
    return _read(path(name))


@functools.lru_cache(maxsize=None)
def _read(file: Path) -> dict:
    if not file.exists():
        raise FileNotFoundError(f"{file} is missing: run `python -m lnlib.experiment_cache {file.stem}` "
                                f"from the repository's folder to make it")
    return json.loads(file.read_text(encoding="utf-8"))["results"]


def same_numbers(a, b, rtol: float = 1e-6) -> bool:
    """Whether two JSON-like results hold the same numbers (NaN equals NaN), to ``rtol``."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_numbers(a[k], b[k], rtol) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_numbers(x, y, rtol) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12)
    return a == b


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lnlib.experiment_cache", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(EXPERIMENTS)} (default: all)")
    arguments = parser.parse_args(argv)
    for name in arguments.names or EXPERIMENTS:
        start = time.perf_counter()
        generate(name)
        print(f"wrote {path(name)} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
