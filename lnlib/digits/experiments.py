"""Notebook 07's two grids, as one lab of the course's protocol (:mod:`lnlib.support.protocol`):
``python -m lnlib cache digits`` runs them all and writes ``data/digits_results.json``.

- the learning-rate grid: every norm of :data:`~lnlib.digits.network.NORMS` × :data:`LEARNING_RATES` (0.01 … 10,
  half decades) × :data:`INIT_SCALES` (0.1 … 10), 400 SGD steps of 64 examples each: which learning rates and
  initial scales train (Ioffe and Szegedy 2015; Santurkar et al. 2018), with each layer's update-to-data ratio;
- the batch-noise grid: no norm, BN and LN at a small and a large batch (:data:`BATCH_SIZES`), learning rate
  :data:`BATCH_NOISE_LR`, :data:`BATCH_NOISE_STEPS` steps, training and held-out accuracy every
  :data:`BATCH_NOISE_EVERY` steps: does BN's batch noise regularize?

Each configuration runs with every seed of :data:`SEEDS`. A configuration is a
:class:`~lnlib.digits.training.RunConfig` as a dict; its key is :attr:`RunConfig.key`. The cache records the
digits file's sha256 beside the machine that made it.
"""

from __future__ import annotations

from dataclasses import dataclass

from lnlib.digits.data import file_sha256
from lnlib.digits.network import NORMS
from lnlib.digits.training import RunConfig
from lnlib.support import protocol

SEEDS = (0, 1, 2, 3, 4)
LEARNING_RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
INIT_SCALES = (0.1, 0.3, 1.0, 3.0, 10.0)
GRID_STEPS, GRID_BATCH, GRID_RECORD_EVERY = 400, 64, 20

BATCH_NOISE_NORMS = ("none", "batch", "layer")
BATCH_SIZES = (16, 500)
BATCH_NOISE_LR, BATCH_NOISE_SCALE = 0.1, 1.0
BATCH_NOISE_STEPS, BATCH_NOISE_EVERY = 2000, 100


def grid_config(norm: str, init_scale: float, lr: float, seed: int = 0) -> RunConfig:
    """One configuration of the learning-rate grid."""
    return RunConfig(norm, init_scale, lr, seed, GRID_BATCH, GRID_STEPS, GRID_RECORD_EVERY)


def batch_noise_config(norm: str, batch_size: int, seed: int = 0) -> RunConfig:
    """One configuration of the batch-noise grid."""
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


def _unseeded(config: RunConfig) -> dict:
    return {key: value for key, value in config.as_dict().items() if key != "seed"}


def grid() -> list:
    """Both grids' configurations, JSON-ready, without a seed."""
    rates = [grid_config(n, s, lr) for n in NORMS for s in INIT_SCALES for lr in LEARNING_RATES]
    noise = [batch_noise_config(n, b) for n in BATCH_NOISE_NORMS for b in BATCH_SIZES]
    return [_unseeded(config) for config in rates + noise]


def key(config: dict) -> str:
    return RunConfig(**config).key


def run(config: dict, device: str = "cpu") -> dict:
    """One seeded run's record (:func:`lnlib.digits.training.train`) on ``device``."""
    from lnlib.digits import training

    return training.train(RunConfig(**config), device=device)


def cost(config: dict) -> float:
    return config["steps"] * (config["batch_size"] + 32)


LAB = protocol.Lab(
    "digits",
    "07",
    "digits_results.json",
    grid,
    SEEDS,
    key,
    run,
    cost,
    records=lambda: {"digits_sha256": file_sha256()},
)


@dataclass
class Results:
    """The cache, indexed by configuration: ``results.run(config)``, ``results.runs(config)`` over the seeds."""

    data: dict

    def run(self, config: RunConfig) -> dict:
        """The cached record of exactly ``config`` (a KeyError that says what the cache holds, if it is not there)."""
        try:
            return self.data["results"][config.key]
        except KeyError:
            raise KeyError(
                f"{config.key} is not in the cache; it holds the grids of lnlib.digits.experiments "
                "(train it with lnlib.digits.training.train)"
            ) from None

    def has(self, config: RunConfig) -> bool:
        return config.key in self.data["results"]

    def runs(self, config: RunConfig, seeds=None) -> list:
        """The records of ``config`` at each seed (default: the seeds the cache was made with)."""
        return [self.run(config.replace(seed=seed)) for seed in seeds or self.seeds]

    @property
    def seeds(self) -> tuple:
        return tuple(self.data["seeds"])


def load() -> Results:
    """The cache, read through the protocol (``data/``, or the folder :func:`protocol.reading_from` names)."""
    return Results(LAB.load())
