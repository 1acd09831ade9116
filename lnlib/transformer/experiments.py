"""The results cache of notebook 04: ``python -m lnlib cache transformer`` re-runs every experiment.

Four grids of toy-Transformer runs on the Markov chain (:mod:`lnlib.transformer.toy_task`), every one with
seeds 0, 1 and 2 (five for the cheap measurements at initialization):

- ``init``: at initialization only, depth 1 … 16, every norm, Pre and Post, both initializations:
  each layer's gradient norm and the residual stream's size (Xiong et al. 2020, Theorem 1, Lemma 2);
- ``learning_rate``: 4 layers, every norm × placement, six learning rates from 3e-4 to 0.1
  (article 004: "LN widens the range of learning rates that train");
- ``warmup``: Pre-LN and Post-LN, 4 and 12 layers, learning rate 0.01, warm-up 0, 25, 50, 100 steps
  (Xiong et al. 2020: deep Post-LN needs warm-up);
- ``batch_norm``: Post-LN against Post-BN, batches of 2 … 16 sequences, with and without padding,
  batch norm's statistics with padding left out or counted (Shen et al. 2020, PowerNorm);
- ``long_budget``: the ``learning_rate`` grid's six rates for no norm, Post-LN and Pre-LN again, with
  four times the steps (600): does the verdict of 150 steps hold when the slow runs get time to finish?

A run that two grids share is run once. The runs are spread over worker processes (one torch
thread each); every number is seeded, so the cache comes out the same on every run of a machine
(the wall times excepted). The whole command takes a few minutes on two cores (see the README).
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from lnlib.support import parallel, paths, results_cache
from lnlib.support.determinism import torch_threads
from lnlib.transformer import training
from lnlib.transformer.training import TrainConfig, TrainResult

CACHE_PATH = paths.TRANSFORMER_RESULTS
FORMAT_VERSION = 1
COMMAND = "python -m lnlib cache transformer"
SIGNIFICANT_DIGITS = 6  # numbers are stored rounded to this many significant digits

SEEDS = (0, 1, 2)
INIT_SEEDS = (0, 1, 2, 3, 4)
ARCHITECTURES = (
    ("none", "pre"),
    ("layer", "post"),
    ("layer", "pre"),
    ("batch", "post"),
    ("batch", "pre"),
    ("rms", "post"),
    ("rms", "pre"),
)
INIT_DEPTHS = (1, 2, 4, 8, 12, 16)
INITS = ("torch", "xavier")
LEARNING_RATES = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
LEARNING_RATE_DEPTH = 4
WARMUP_DEPTHS = (4, 12)
WARMUP_STEPS = (0, 25, 50, 100)
WARMUP_LR = 1e-2
BATCH_SIZES = (2, 4, 8, 16)
BATCH_NORM_LR = 3e-3
# (norm, padded, batch norm counts padding): LN and BN on full sequences, then on padded ones
BATCH_NORM_VARIANTS = (
    ("layer", False, False),
    ("batch", False, False),
    ("layer", True, False),
    ("batch", True, False),
    ("batch", True, True),
)
LONG_BUDGET_STEPS = 600
LONG_BUDGET_ARCHITECTURES = (("none", "pre"), ("layer", "post"), ("layer", "pre"))
GRIDS = ("init", "learning_rate", "warmup", "batch_norm", "long_budget")


def _seeded(configs, seeds=SEEDS) -> list:
    return [config.replace(seed=seed) for config in configs for seed in seeds]


def init_configs() -> list:
    """Every model measured at initialization only (no training)."""
    configs = [
        TrainConfig(norm=norm, placement=placement, n_layers=depth, init=init)
        for init in INITS
        for norm, placement in ARCHITECTURES
        for depth in INIT_DEPTHS
    ]
    return _seeded(configs, INIT_SEEDS)


def learning_rate_configs() -> list:
    configs = [
        TrainConfig(norm=norm, placement=placement, n_layers=LEARNING_RATE_DEPTH, lr=lr)
        for norm, placement in ARCHITECTURES
        for lr in LEARNING_RATES
    ]
    return _seeded(configs)


def warmup_configs() -> list:
    configs = [
        TrainConfig(norm="layer", placement=placement, n_layers=depth, lr=WARMUP_LR, warmup_steps=warmup)
        for depth in WARMUP_DEPTHS
        for placement in ("pre", "post")
        for warmup in WARMUP_STEPS
    ]
    # Xiong et al.'s own initialization, for the deep model: does warm-up still rescue Post-LN?
    configs.append(
        TrainConfig(
            norm="layer",
            placement="post",
            n_layers=max(WARMUP_DEPTHS),
            lr=WARMUP_LR,
            warmup_steps=50,
            init="xavier",
        )
    )
    return _seeded(configs)


def long_budget_configs() -> list:
    """The learning-rate grid with four times the steps, for no norm, Post-LN and Pre-LN."""
    configs = [
        TrainConfig(
            norm=norm, placement=placement, n_layers=LEARNING_RATE_DEPTH, lr=lr, steps=LONG_BUDGET_STEPS
        )
        for norm, placement in LONG_BUDGET_ARCHITECTURES
        for lr in LEARNING_RATES
    ]
    return _seeded(configs)


def batch_norm_configs() -> list:
    configs = [
        TrainConfig(
            norm=norm,
            placement="post",
            n_layers=LEARNING_RATE_DEPTH,
            lr=BATCH_NORM_LR,
            batch_size=batch_size,
            padded=padded,
            batch_norm_counts_padding=counts_padding,
        )
        for batch_size in BATCH_SIZES
        for norm, padded, counts_padding in BATCH_NORM_VARIANTS
    ]
    return _seeded(configs)


def config_key(config: TrainConfig) -> str:
    """The cache's key of a config: its fields as sorted JSON."""
    return json.dumps(config.as_dict(), sort_keys=True)


def _unique(configs) -> list:
    seen, unique = set(), []
    for config in configs:
        if config_key(config) not in seen:
            seen.add(config_key(config))
            unique.append(config)
    return unique


def jobs(grids=GRIDS) -> list:
    """``(kind, config)`` for every measurement the named grids need, each once ("init" or "train")."""
    unknown = [g for g in grids if g not in GRIDS]
    if unknown:
        raise ValueError(f"unknown grid {unknown[0]!r}; choose from {', '.join(GRIDS)}")
    train_configs = []
    for grid, configs in (
        ("learning_rate", learning_rate_configs),
        ("warmup", warmup_configs),
        ("batch_norm", batch_norm_configs),
        ("long_budget", long_budget_configs),
    ):
        if grid in grids:
            train_configs += configs()
    return ([("init", c) for c in init_configs()] if "init" in grids else []) + [
        ("train", c) for c in _unique(train_configs)
    ]


# ---------------------------------------------------------------------------
# What one job measures
# ---------------------------------------------------------------------------


@torch.no_grad()
def batch_dependence(model, config: TrainConfig) -> dict:
    """How much sequence 0's predictions move when only OTHER things change, in training and in eval mode.

    ``neighbours``: the other sequences of its batch are replaced; ``future``: the last token of
    every sequence is replaced. Each is the largest change of sequence 0's next-token log-probabilities
    at the positions that did not change (nats; exactly 0 for a per-token norm).
    """
    inputs, targets, mask = training.evaluation_batches(config)[0]
    other_inputs, _, other_mask = training.evaluation_batches(config)[1]
    neighbours, neighbours_mask = other_inputs.clone(), other_mask.clone()
    neighbours[0], neighbours_mask[0] = inputs[0], mask[0]
    future = inputs.clone()
    last = mask.sum(dim=1) - 1  # each sequence's last real position
    rows = torch.arange(len(inputs))
    future[rows, last] = (inputs[rows, last] + 1) % config.vocab_size
    earlier = (torch.arange(inputs.shape[1]) < last[0]) & mask[0]
    answer = {}
    for mode, training_mode in (("train", True), ("eval", False)):
        model.train(training_mode)
        reference = model(inputs, mask).log_softmax(-1)[0]
        moved_by_neighbours = model(neighbours, neighbours_mask).log_softmax(-1)[0]
        moved_by_future = model(future, mask).log_softmax(-1)[0]
        answer[f"{mode}_neighbours"] = float((reference - moved_by_neighbours)[mask[0]].abs().max())
        answer[f"{mode}_future"] = float((reference - moved_by_future)[earlier].abs().max())
    model.eval()
    return answer


def _measure(job: tuple) -> dict:
    kind, config_data = job
    config = TrainConfig(**config_data)
    if kind == "init":
        with torch_threads(deterministic=True):
            model = training.build_model(config)
            diagnostics = training.init_diagnostics(
                model, training.evaluation_batches(config)[: training.INIT_BATCHES]
            )
        return {"config": config.as_dict(), **diagnostics}
    result = training.train(config, keep_model=True, progress=False)
    if not config.padded and not result.diverged and config in batch_norm_configs():
        with torch_threads(deterministic=True):
            result.batch_dependence = batch_dependence(result.model, config)
    return result.as_dict()


def _cost(job: tuple) -> float:
    """A rough relative cost, to start the longest jobs first."""
    kind, config = job
    if kind == "init":
        return config.n_layers * training.INIT_BATCHES * 0.2
    return config.steps * config.n_layers * (config.batch_size + 8)


def run_jobs(
    job_list: list, workers: int | None = None, progress: bool = True, cpu_seconds: list | None = None
) -> list:
    """Each job's rounded measurements, in the order of ``job_list``; ``workers`` processes (default: 2).

    ``cpu_seconds``, if given, receives the CPU time of each job (in order of completion).
    """
    payloads = [(kind, config.as_dict()) for kind, config in job_list]
    order = sorted(range(len(payloads)), key=lambda i: -_cost(job_list[i]))
    measured = parallel.run_in_workers(
        _measure, payloads, workers, "toy-Transformer experiments" if progress else "", order, cpu_seconds
    )
    return [parallel.rounded(m, SIGNIFICANT_DIGITS) for m in measured]


def generate(path: Path = CACHE_PATH, workers: int | None = None, grids=GRIDS, progress: bool = True) -> dict:
    """Run the named grids and write the cache to ``path``; returns what was written."""
    start = time.perf_counter()
    job_list = jobs(grids)
    cpu_seconds: list = []
    measured = run_jobs(job_list, workers, progress, cpu_seconds)
    cache = {
        "about": f"Toy-Transformer experiments of notebook 04. Regenerate with: {COMMAND}",
        "format": FORMAT_VERSION,
        "torch": torch.__version__,
        "machine": results_cache.machine(),
        "grids": list(grids),
        "init": [m for (kind, _), m in zip(job_list, measured) if kind == "init"],
        "runs": [m for (kind, _), m in zip(job_list, measured) if kind == "train"],
    }
    cache["seconds"] = round(time.perf_counter() - start, 1)
    cache["cpu_seconds"] = round(sum(cpu_seconds), 1)  # the work: about the wall time on one free core
    results_cache.write(path, cache)
    load.cache_clear()
    return cache


# ---------------------------------------------------------------------------
# Reading the cache
# ---------------------------------------------------------------------------


@dataclass
class Results:
    """The cache, indexed by config: ``results.runs(config)`` gives that config's runs over the seeds."""

    data: dict

    def __post_init__(self) -> None:
        self._runs = {config_key(TrainConfig(**r["config"])): r for r in self.data["runs"]}
        self._init = {config_key(TrainConfig(**r["config"])): r for r in self.data["init"]}

    def run(self, config: TrainConfig) -> TrainResult:
        """The cached run of exactly ``config`` (a KeyError that says how to get it, if it is not there)."""
        try:
            data = self._runs[config_key(config)]
        except KeyError:
            raise KeyError(
                f"{config.label}, lr {config.lr:g}, warm-up {config.warmup_steps}, batch "
                f"{config.batch_size}, seed {config.seed} is not in the cache; it holds the grids of "
                f"lnlib.transformer.experiments (or train it with lnlib.transformer.training.train)"
            ) from None
        return TrainResult.from_dict(data)

    def has(self, config: TrainConfig) -> bool:
        return config_key(config) in self._runs

    def runs(self, config: TrainConfig, seeds=SEEDS) -> list:
        return [self.run(config.replace(seed=seed)) for seed in seeds]

    def init(self, config: TrainConfig, seeds=INIT_SEEDS) -> list:
        """The measurements at initialization of ``config`` for each seed (dicts of lists)."""
        found = []
        for seed in seeds:
            key = config_key(config.replace(seed=seed))
            if key not in self._init:
                raise KeyError(f"{config.label} ({config.init} init) is not among the cached initializations")
            found.append(self._init[key])
        return found


@functools.cache
def load(path: Path = CACHE_PATH) -> Results:
    """The cache at ``path``, read once per process; a FileNotFoundError that says how to make it."""
    data = results_cache.read(path, COMMAND)
    if data.get("format") != FORMAT_VERSION:
        raise ValueError(
            f"{path} has format {data.get('format')}, not {FORMAT_VERSION}; regenerate it with: {COMMAND}"
        )
    return Results(data)
