"""The one experiment protocol of the course's labs: a grid of configurations × seeds, one seeded run each,
one cache file that records the machine that made it.

A lab (notebook 04's toy Transformer, notebook 06's small networks, notebook 07's digits) describes itself
once as a :class:`Lab`: the configurations of its grid (JSON-ready dicts, without a seed), its seeds, the
key of a configuration, and what one seeded run measures. ``python -m lnlib cache [NAME ...|all]`` runs
every configuration × seed of the labs named, spread over worker processes (one torch thread each,
deterministic algorithms), and writes each lab's file under the data folder (``data/``, or ``--output
DIR`` with the same layout, so that a second set of caches can be made and compared). Every number is
rounded to :data:`SIGNIFICANT_DIGITS` significant digits; the file records :func:`machine`, which decides
how it rounds (:mod:`lnlib.support.results_cache`).

A cache file holds::

    {"lab": NAME, "format": 2, "command": ..., "machine": {...}, "device": "cpu", "seeds": [...],
     "results": {KEY: MEASUREMENTS, ...}, "seconds": ..., "cpu_seconds": ..., ...the lab's own records}

:func:`load` reads one (from ``data/``, or from the folder :func:`reading_from` names).
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lnlib.support import parallel, paths, results_cache

FORMAT_VERSION = 2
SIGNIFICANT_DIGITS = 6
DEVICES = ("cpu", "cuda")

LAB_MODULES = {
    "transformer": "lnlib.transformer.experiments",
    "covariate_shift": "lnlib.small_nets.covariate_shift",
    "generalization": "lnlib.small_nets.generalization",
    "learning_rates": "lnlib.small_nets.learning_rates",
    "rnn_noise": "lnlib.small_nets.rnn_noise",
    "batch_noise": "lnlib.small_nets.batch_noise",
    "digits": "lnlib.digits.experiments",
}
"""Every lab: its name → the module that defines it as ``LAB`` (imported only when it is needed)."""
GROUPS = {"small-nets": ("covariate_shift", "generalization", "learning_rates", "rnn_noise", "batch_noise")}
"""Names that stand for several labs on the command line."""


def _unit_cost(config: dict) -> float:
    return 1.0


@dataclass(frozen=True)
class Lab:
    """One lab's grid, run and cache file.

    Args:
        name: its name on the command line and in its file (``"transformer"``).
        notebook: the notebook that reads it (``"04"``).
        file: its cache file, relative to the data folder.
        grid: the configurations, JSON-ready dicts without a seed (each run once per seed).
        seeds: the seeds every configuration runs with.
        key: configuration with its ``"seed"`` → the cache's key of its run.
        run: ``(configuration with its "seed", device)`` → the run's measurements, JSON-ready; a module's
            top-level function (worker processes import it).
        cost: a configuration → its rough relative cost (the longest start first).
        records: the lab's own records for its file (what its data were made from), or None.
    """

    name: str
    notebook: str
    file: str
    grid: Callable
    seeds: tuple
    key: Callable
    run: Callable
    cost: Callable = _unit_cost
    records: Callable | None = field(default=None)

    @property
    def command(self) -> str:
        return f"python -m lnlib cache {self.name}"

    def configs(self) -> list:
        """Every configuration × seed, each once (two grid entries with one key run once)."""
        found = {}
        for config in self.grid():
            for seed in self.seeds:
                seeded = {**config, "seed": seed}
                found.setdefault(self.key(seeded), seeded)
        return list(found.values())

    def path(self, folder: Path | None = None) -> Path:
        """Its cache file in ``folder`` (default: the data folder being read, :func:`data_folder`)."""
        return Path(folder or data_folder()) / self.file

    def load(self, folder: Path | None = None) -> dict:
        """Its cache file's content (read once per process: never change it); a FileNotFoundError that
        names the command that makes it, and a ValueError for a file of another format."""
        path = self.path(folder)
        content = results_cache.read(path, self.command)
        if content.get("format") != FORMAT_VERSION or content.get("lab") != self.name:
            raise ValueError(
                f"{path} is not a cache of lab {self.name!r} in format {FORMAT_VERSION}; regenerate it with: "
                f"{self.command}"
            )
        return content

    def results(self, folder: Path | None = None) -> dict:
        """Its cached runs: key → measurements."""
        return self.load(folder)["results"]

    def rerun(self, key: str, device: str = "cpu") -> dict:
        """Run the one configuration ``key`` again exactly as the cache was made (in this process)."""
        configs = {self.key(config): config for config in self.configs()}
        if key not in configs:
            raise ValueError(
                f"lab {self.name!r} has no configuration {key!r}; for example {next(iter(configs))!r}"
            )
        return measure((self.name, configs[key], device))


_folder: list = []


def data_folder() -> Path:
    """The folder caches are read from: ``data/``, or the one :func:`reading_from` names."""
    return _folder[-1] if _folder else paths.DATA


@contextlib.contextmanager
def reading_from(folder: Path):
    """Within this block, every lab reads its cache from ``folder`` (laid out as ``data/``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder of caches (it should be laid out as data/)")
    _folder.append(folder)
    try:
        yield folder
    finally:
        _folder.pop()


def lab(name: str) -> Lab:
    """The lab called ``name`` (a ValueError that lists them, for any other name)."""
    if name not in LAB_MODULES:
        raise ValueError(
            f"unknown lab {name!r}; the labs are {', '.join(LAB_MODULES)} (and {', '.join(GROUPS)})"
        )
    return importlib.import_module(LAB_MODULES[name]).LAB


def names(requested=()) -> list:
    """The labs' names that ``requested`` names (none, or "all": every lab), each once, in order."""
    chosen = []
    for name in requested or ("all",):
        expanded = tuple(LAB_MODULES) if name == "all" else GROUPS.get(name, (name,))
        for one in expanded:
            lab(one)  # an unknown name fails here, before anything runs
            if one not in chosen:
                chosen.append(one)
    return chosen


def check_device(device: str) -> str:
    """``device`` if this machine can run the labs on it; a ValueError that says why not, otherwise."""
    if device not in DEVICES:
        raise ValueError(f"--device is one of {', '.join(DEVICES)}, not {device!r}")
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ValueError(
                "--device cuda: this machine has no CUDA GPU that torch can use (torch.cuda.is_available() is "
                "False); the labs run on --device cpu"
            )
    return device


def machine(device: str = "cpu") -> dict:
    """What decides how the runs round: :func:`lnlib.support.results_cache.machine`, and the GPU on cuda."""
    recorded = results_cache.machine()
    if device == "cuda":
        import torch

        recorded["gpu"] = torch.cuda.get_device_name()
    return recorded


def measure(job: tuple) -> dict:
    """One run of a lab, as the cache stores it: ``job`` is ``(lab name, configuration, device)``; one torch
    thread, deterministic algorithms, numbers rounded (a worker process runs it)."""
    from lnlib.support.determinism import torch_threads

    name, config, device = job
    with torch_threads(deterministic=True):
        return parallel.rounded(lab(name).run(config, device), SIGNIFICANT_DIGITS)


def generate(
    name: str,
    output: Path | None = None,
    workers: int | None = None,
    device: str = "cpu",
    progress: bool = True,
) -> dict:
    """Run every configuration × seed of lab ``name`` and write its cache file under ``output`` (default:
    ``data/``); returns what was written."""
    import torch

    chosen, device = lab(name), check_device(device)
    start, cpu_seconds = time.perf_counter(), []
    configs = chosen.configs()
    order = sorted(range(len(configs)), key=lambda i: -chosen.cost(configs[i]))
    measured = parallel.run_in_workers(
        measure,
        [(name, config, device) for config in configs],
        workers,
        f"{name} ({chosen.notebook})" if progress else "",
        order,
        cpu_seconds,
    )
    content = {
        "lab": name,
        "format": FORMAT_VERSION,
        "about": f"Notebook {chosen.notebook}'s {name} lab. Regenerate with: {chosen.command}",
        "command": chosen.command,
        "torch": torch.__version__,
        "machine": machine(device),
        "device": device,
        "seeds": list(chosen.seeds),
        **(chosen.records() if chosen.records else {}),
        "results": {chosen.key(config): result for config, result in zip(configs, measured)},
        "seconds": round(time.perf_counter() - start, 1),
        "cpu_seconds": round(sum(cpu_seconds), 1),  # the work: about the wall time on one free core
    }
    results_cache.write(chosen.path(output or paths.DATA), content)
    return content
