"""The lab of notebook 04 on the one experiment protocol (:mod:`lnlib.support.protocol`):
``python -m lnlib cache transformer`` runs every configuration × seed and writes ``data/transformer_results.json``.

Toy-Transformer runs on the Markov chain (:mod:`lnlib.transformer.toy_task`), every one with the seeds of
:data:`SEEDS`. The grid holds two kinds of job (the ``"kind"`` of a configuration): ``"init"``, a model
measured at initialization only, and ``"train"``, a training run. It is the union of:

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

A run that two grids share has one key and runs once. Every number is seeded, so the cache comes out the
same on every run of a machine (the wall times excepted).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import torch

from lnlib.support import protocol
from lnlib.support.determinism import torch_threads
from lnlib.transformer import training
from lnlib.transformer.training import TrainConfig, TrainResult

SEEDS = (0, 1, 2, 3, 4)
"""The seeds of every configuration, at initialization and in training."""
NORMS = ("none", "layer", "batch", "rms")
"""The norms the lab compares (keys of :mod:`lnlib.support.norms`); the model without one has no placement."""
ARCHITECTURES = (("none", "pre"),) + tuple(
    (norm, placement) for norm in NORMS[1:] for placement in ("post", "pre")
)
"""(norm, placement) of the learning-rate grid: no norm once, every other norm Post and Pre."""
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


def init_configs() -> list:
    """Every model measured at initialization only (no training), seed 0."""
    configs = [
        TrainConfig(norm=norm, placement=placement, n_layers=depth, init=init)
        for init in INITS
        for norm, placement in ARCHITECTURES
        for depth in INIT_DEPTHS
    ]
    return configs


def learning_rate_configs() -> list:
    configs = [
        TrainConfig(norm=norm, placement=placement, n_layers=LEARNING_RATE_DEPTH, lr=lr)
        for norm, placement in ARCHITECTURES
        for lr in LEARNING_RATES
    ]
    return configs


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
    return configs


def long_budget_configs() -> list:
    """The learning-rate grid with four times the steps, for no norm, Post-LN and Pre-LN."""
    configs = [
        TrainConfig(
            norm=norm, placement=placement, n_layers=LEARNING_RATE_DEPTH, lr=lr, steps=LONG_BUDGET_STEPS
        )
        for norm, placement in LONG_BUDGET_ARCHITECTURES
        for lr in LEARNING_RATES
    ]
    return configs


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
    return configs


GRIDS = {
    "init": init_configs,
    "learning_rate": learning_rate_configs,
    "warmup": warmup_configs,
    "batch_norm": batch_norm_configs,
    "long_budget": long_budget_configs,
}
"""Each grid of the lab → its configurations (seed 0; the protocol runs each with every seed)."""


def job(kind: str, config: TrainConfig) -> dict:
    """A configuration of the protocol: ``{"kind": "init" or "train", **config}`` (JSON-ready)."""
    if kind not in ("init", "train"):
        raise ValueError(f"a job is 'init' or 'train', not {kind!r}")
    return {"kind": kind, **config.as_dict()}


def grid() -> list:
    """Every job of the lab without its seed: the init grid's, then every training grid's."""
    return [
        job("init" if name == "init" else "train", config.replace(seed=0))
        for name, configs in GRIDS.items()
        for config in configs()
    ]


def key(config: dict) -> str:
    """The cache's key of a seeded job: its fields as sorted JSON."""
    return json.dumps(config, sort_keys=True)


def config_key(kind: str, config: TrainConfig) -> str:
    """The cache's key of ``config``'s job of ``kind``."""
    return key(job(kind, config))


# ---------------------------------------------------------------------------
# What one job measures
# ---------------------------------------------------------------------------


@torch.no_grad()
def batch_dependence(model, config: TrainConfig, device: str = "cpu") -> dict:
    """How much sequence 0's predictions move when only OTHER things change, in training and in eval mode.

    ``neighbours``: the other sequences of its batch are replaced; ``future``: the last token of
    every sequence is replaced. Each is the largest change of sequence 0's next-token log-probabilities
    at the positions that did not change (nats; exactly 0 for a per-token norm).
    """
    batches = training.evaluation_batches(config, device=device)
    inputs, targets, mask = batches[0]
    other_inputs, _, other_mask = batches[1]
    neighbours, neighbours_mask = other_inputs.clone(), other_mask.clone()
    neighbours[0], neighbours_mask[0] = inputs[0], mask[0]
    future = inputs.clone()
    last = mask.sum(dim=1) - 1  # each sequence's last real position
    rows = torch.arange(len(inputs), device=inputs.device)
    future[rows, last] = (inputs[rows, last] + 1) % config.vocab_size
    earlier = (torch.arange(inputs.shape[1], device=inputs.device) < last[0]) & mask[0]
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


def _measures_batch_dependence(config: TrainConfig) -> bool:
    return not config.padded and config.replace(seed=0) in batch_norm_configs()


def run(config: dict, device: str = "cpu") -> dict:
    """One seeded job's measurements: at initialization, or a training run (and, for the batch-norm grid's
    full-length runs, :func:`batch_dependence`), with model and batches on ``device``."""
    fields = {name: value for name, value in config.items() if name != "kind"}
    train_config = TrainConfig(**fields)
    if config["kind"] == "init":
        with torch_threads(deterministic=True):
            model = training.build_model(train_config).to(device)
            batches = training.evaluation_batches(train_config, device=device)[: training.INIT_BATCHES]
            diagnostics = training.init_diagnostics(model, batches)
        return {"config": train_config.as_dict(), **diagnostics}
    result = training.train(train_config, keep_model=True, progress=False, device=device)
    if _measures_batch_dependence(train_config) and not result.diverged:
        with torch_threads(deterministic=True):
            result.batch_dependence = batch_dependence(result.model, train_config, device)
    return result.as_dict()


def cost(config: dict) -> float:
    """A rough relative cost, to start the longest jobs first."""
    if config["kind"] == "init":
        return config["n_layers"] * training.INIT_BATCHES * 0.2
    return config["steps"] * config["n_layers"] * (config["batch_size"] + 8)


LAB = protocol.Lab("transformer", "04", "transformer_results.json", grid, SEEDS, key, run, cost)


# ---------------------------------------------------------------------------
# Reading the cache
# ---------------------------------------------------------------------------


@dataclass
class Results:
    """The cache, indexed by config: ``results.runs(config)`` gives that config's runs over the seeds."""

    data: dict

    @property
    def results(self) -> dict:
        return self.data["results"]

    def run(self, config: TrainConfig) -> TrainResult:
        """The cached run of exactly ``config`` (a KeyError that says how to get it, if it is not there)."""
        try:
            data = self.results[config_key("train", config)]
        except KeyError:
            raise KeyError(
                f"{config.label}, lr {config.lr:g}, warm-up {config.warmup_steps}, batch "
                f"{config.batch_size}, seed {config.seed} is not in the cache; it holds the grids of "
                f"lnlib.transformer.experiments (or train it with lnlib.transformer.training.train)"
            ) from None
        return TrainResult.from_dict(data)

    def has(self, config: TrainConfig) -> bool:
        return config_key("train", config) in self.results

    def runs(self, config: TrainConfig, seeds=SEEDS) -> list:
        return [self.run(config.replace(seed=seed)) for seed in seeds]

    def init(self, config: TrainConfig, seeds=SEEDS) -> list:
        """The measurements at initialization of ``config`` for each seed (dicts of lists)."""
        found = []
        for seed in seeds:
            measured = self.results.get(config_key("init", config.replace(seed=seed)))
            if measured is None:
                raise KeyError(f"{config.label} ({config.init} init) is not among the cached initializations")
            found.append(measured)
        return found


def load() -> Results:
    """The lab's cache, read through the protocol (``data/``, or the folder ``protocol.reading_from`` names)."""
    return Results(LAB.load())
