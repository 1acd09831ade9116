r"""Training the toy Transformer on the Markov chain, seeded and bit-for-bit repeatable, never crashing.

:func:`train` takes a :class:`TrainConfig` and returns a :class:`TrainResult`: the loss and the
gradient norm at every step, each layer's gradient norm and the size of the residual stream at
initialization, the held-out loss, whether (and at which step) the loss or a gradient became NaN
or infinite, and the wall time. A run that blows up is stopped and reported, not raised.

The optimizer is Adam, :math:`\beta = (0.9, 0.98)` as in Vaswani et al. (2017), with the learning
rate raised linearly over the warm-up steps,

.. math::  \eta_t = \eta \cdot \min\Big(1, \frac{t + 1}{T_\text{warm-up}}\Big),

and no gradient clipping (clipping would hide the instabilities the course sets out to show).
The same config gives the same numbers on every run of this machine: everything is seeded, torch
runs on one thread, and deterministic algorithms are switched on while training.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from lnlib.support import norms
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.support.language import ngettext
from lnlib.transformer import toy_task
from lnlib.transformer.model import PLACEMENTS, SequenceBatchNorm, ToyTransformer, check_norm

__all__ = [
    "TrainConfig",
    "TrainResult",
    "train",
    "build_model",
    "evaluation_batches",
    "to_tensors",
    "masked_cross_entropy",
    "init_diagnostics",
    "task_chain",
    "draw_batch",
    "architecture_name",
]

EVAL_SEED = 2020  # the held-out sequences: the same for every run
EVAL_SEQUENCES = 256
EVAL_BATCH_SIZE = 64  # batches of the eval-mode loss (batch norm's batch-statistics loss: the training size)
INIT_BATCHES = 4  # batches over which the gradient at initialization is averaged
STATISTICS_EVERY = 5  # steps between two recordings of batch norm's batch statistics
ADAM_BETAS = (0.9, 0.98)
AUTO_PROGRESS_WORK = 3000  # steps × layers above which a progress bar is shown by default
NO_NORM = "none"
"""The key of the model without a norm: its name has no placement."""


def norm_abbreviation(norm: str) -> str:
    """The norm's short name in legends (:mod:`lnlib.support.norms`); the model without one: its name."""
    return norms.name(norm) if norm == NO_NORM else norms.get(norm).abbreviation


def architecture_name(norm: str, placement: str) -> str:
    """'Pre-LN', 'Post-BN', 'no norm', …"""
    return (
        norm_abbreviation(norm) if norm == NO_NORM else f"{placement.capitalize()}-{norm_abbreviation(norm)}"
    )


@dataclass(frozen=True)
class TrainConfig:
    """One training run. Defaults: a 4-layer Pre-LN model of width 64, batches of 16 sequences of 16 tokens."""

    norm: str = "layer"
    placement: str = "pre"
    n_layers: int = 4
    lr: float = 3e-3
    warmup_steps: int = 0
    batch_size: int = 16
    steps: int = 150
    seed: int = 0
    padded: bool = False  # variable-length sequences, right-padded
    batch_norm_counts_padding: bool = False  # the naive batch norm (only matters with padding)
    d_model: int = 64
    n_heads: int = 4
    seq_len: int = 16  # tokens fed to the model; each predicts the next one
    min_len: int = 4  # shortest sequence of the padded variant
    vocab_size: int = 64
    successors: int = 4
    chain_seed: int = 0
    norm_library: str = "lnlib"
    init: str = "torch"  # or "xavier" (see ToyTransformer)

    def __post_init__(self) -> None:
        check_norm(self.norm)
        if self.placement not in PLACEMENTS:
            raise ValueError(f"placement must be 'pre' or 'post', got {self.placement!r}")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        for name in (
            "n_layers",
            "batch_size",
            "steps",
            "d_model",
            "n_heads",
            "seq_len",
            "warmup_steps",
            "seed",
            "min_len",
        ):
            value = getattr(self, name)
            if isinstance(value, numbers.Integral) and not isinstance(value, bool):
                object.__setattr__(self, name, int(value))  # NumPy integers too, stored as int
        for name in ("n_layers", "batch_size", "steps", "d_model", "n_heads", "seq_len"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.warmup_steps, int) or self.warmup_steps < 0:
            raise ValueError(f"warmup_steps must be a non-negative integer, got {self.warmup_steps!r}")
        if self.padded and not 2 <= self.min_len <= self.seq_len:
            raise ValueError(f"min_len must be between 2 and seq_len={self.seq_len}, got {self.min_len!r}")

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def label(self) -> str:
        """A short name: 'Pre-LN, 12 blocks', 'no norm, 4 blocks', 'Post-BN (padding counted), …'."""
        name = architecture_name(self.norm, self.placement)
        if norms.get(self.norm).uses_batch and self.padded and self.batch_norm_counts_padding:
            name += _(" (padding counted)")
        return ngettext("{name}, {count} block", "{name}, {count} blocks", self.n_layers).format(
            name=name, count=self.n_layers
        )


@dataclass
class TrainResult:
    """What one run measured. Lists hold one value per step actually taken (fewer if it diverged)."""

    config: TrainConfig
    losses: list = field(default_factory=list)
    grad_norms: list = field(default_factory=list)
    init_grad_norms: list = field(default_factory=list)  # ‖∂L/∂W²_l‖ of each block's FFN, at init
    init_block_grad_norms: list = field(default_factory=list)  # ‖∂L/∂θ_l‖ of all of block l's parameters
    init_residual: list = field(default_factory=list)  # E‖x_l‖²/d, l = 0 … L, at init
    eval_loss: float = math.nan  # held-out, model.eval() (batch norm: running statistics)
    eval_loss_batch_statistics: float = math.nan  # held-out, batch norm left in training mode
    diverged: bool = False
    diverged_step: int | None = None
    wall_time: float = 0.0
    statistics_steps: list = field(default_factory=list)  # batch norm only: the steps recorded below
    mean_shift: list = field(default_factory=list)  # mean |μ_B − μ_running| / σ_running
    var_ratio_shift: list = field(default_factory=list)  # mean |σ²_B / σ²_running − 1|
    batch_dependence: dict | None = (
        None  # measured afterwards by lnlib.transformer.experiments, for some runs
    )
    model: object = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        """The measurements as JSON-ready data (no model); NaN is stored as None."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("model",)}
        data["config"] = self.config.as_dict()
        return _json_ready(data)

    @classmethod
    def from_dict(cls, data: dict) -> TrainResult:
        values = {k: v for k, v in data.items() if k != "config"}
        for name in ("eval_loss", "eval_loss_batch_statistics"):
            values[name] = math.nan if values[name] is None else values[name]
        return cls(config=TrainConfig(**data["config"]), **values)

    @property
    def final_loss(self) -> float:
        """The held-out loss (NaN if the run diverged)."""
        return math.nan if self.diverged else self.eval_loss


def _json_ready(value):
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    return value


def build_model(config: TrainConfig) -> ToyTransformer:
    """The config's model, initialized from ``config.seed`` (one id more than the chain's tokens: padding)."""
    torch.manual_seed(config.seed)
    return ToyTransformer(
        config.vocab_size + 1,
        config.d_model,
        config.n_heads,
        config.n_layers,
        config.seq_len,
        config.norm,
        config.placement,
        batch_norm_counts_padding=config.batch_norm_counts_padding,
        norm_library=config.norm_library,
        init=config.init,
    )


def task_chain(config: TrainConfig) -> toy_task.MarkovChain:
    """The Markov chain that ``config``'s model learns."""
    return toy_task.markov_chain(config.vocab_size, config.successors, config.chain_seed)


def draw_batch(config: TrainConfig, chain, batch_size: int, rng) -> toy_task.Batch:
    """One batch of ``seq_len + 1`` tokens (inputs and their next tokens)."""
    return toy_task.sample_batch(
        chain, batch_size, config.seq_len + 1, rng, min_length=config.min_len + 1 if config.padded else None
    )


def to_tensors(batch: toy_task.Batch, device: str = "cpu") -> tuple:
    """``(inputs, targets, mask)`` on ``device``: tokens 0…n−1 predict tokens 1…n; mask marks real inputs with
    real targets."""
    tokens, mask = torch.from_numpy(batch.tokens).to(device), torch.from_numpy(batch.mask).to(device)
    return tokens[:, :-1], tokens[:, 1:], mask[:, 1:]


def masked_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    r"""Mean cross-entropy over the real targets (mask M):

    .. math::  -\frac1{|M|}\sum_{(b,t)\in M} \ln p_\theta(x_{b,t+1} \mid x_{b,\le t})
    """
    return F.cross_entropy(logits[mask], targets[mask])


def evaluation_batches(config: TrainConfig, batch_size: int | None = None, device: str = "cpu") -> list:
    """The held-out sequences (seeded by EVAL_SEED, the same for every run) as (inputs, targets, mask) batches
    of ``batch_size`` sequences (default: the config's), on ``device``."""
    rng = np.random.default_rng(EVAL_SEED)
    size = batch_size or config.batch_size
    chain = task_chain(config)
    return [
        to_tensors(draw_batch(config, chain, size, rng), device)
        for _ in range(max(1, EVAL_SEQUENCES // size))
    ]


@torch.no_grad()
def _held_out_loss(model: ToyTransformer, batches: list) -> float:
    total, count = 0.0, 0
    for inputs, targets, mask in batches:
        logits = model(inputs, mask)
        n = int(mask.sum())
        total += float(masked_cross_entropy(logits, targets, mask)) * n
        count += n
    return total / count


def init_diagnostics(model: ToyTransformer, batches: list) -> dict:
    r"""At initialization: each block's :math:`\|\partial L/\partial W^2_l\|` and whole-block gradient norm,
    and the residual stream's size :math:`\mathbb E\|x_l\|^2/d`.

    Gradient norms are averaged over ``batches`` (each batch's own loss); the residual stream's size
    over every real token of every batch. Leaves ``model``'s gradients zeroed and its state as it was.
    """
    state = copy.deepcopy(model.state_dict())  # batch norm's running statistics move in training mode
    ffn_norms = np.zeros(len(model.blocks))
    block_norms = np.zeros(len(model.blocks))
    squared_sizes = np.zeros(len(model.blocks) + 1)
    tokens = 0
    model.record_residual = True
    for inputs, targets, mask in batches:
        model.zero_grad()
        masked_cross_entropy(model(inputs, mask), targets, mask).backward()
        for index, block in enumerate(model.blocks):
            ffn_norms[index] += float(block.feed_forward.w2.weight.grad.norm())
            block_norms[index] += math.sqrt(
                sum(float(p.grad.square().sum()) for p in block.parameters() if p.grad is not None)
            )
        for index, x in enumerate(model.residual_stream):
            # ‖x‖²/d for every real token
            squared_sizes[index] += float(x[mask].square().mean(dim=-1).sum())
        tokens += int(mask.sum())
    model.record_residual = False
    model.residual_stream = []
    model.zero_grad()
    model.load_state_dict(state)
    n = len(batches)
    return {
        "init_grad_norms": (ffn_norms / n).tolist(),
        "init_block_grad_norms": (block_norms / n).tolist(),
        "init_residual": (squared_sizes / tokens).tolist(),
    }


class _BatchStatisticsRecorder:
    """Forward pre-hooks on every batch norm: how far the batch's statistics are from the running ones."""

    def __init__(self, model: ToyTransformer) -> None:
        self.modules = [m.norm for m in model.modules() if isinstance(m, SequenceBatchNorm)]
        self.active = False
        self.mean_shifts, self.var_shifts = [], []
        self.handles = [m.register_forward_pre_hook(self._hook) for m in self.modules]

    @torch.no_grad()
    def _hook(self, module, inputs) -> None:
        if not (self.active and module.training):
            return
        x = inputs[0]
        running_std = module.running_var.sqrt()
        # |μ_B − μ| / σ and |σ²_B/σ² − 1|, averaged over channels; the running statistics before this batch
        self.mean_shifts.append(float(((x.mean(0) - module.running_mean).abs() / running_std).mean()))
        self.var_shifts.append(float((x.var(0) / module.running_var - 1).abs().mean()))

    def take(self) -> tuple:
        """The mean over layers of what was recorded since the last call."""
        shifts = (float(np.mean(self.mean_shifts)), float(np.mean(self.var_shifts)))
        self.mean_shifts, self.var_shifts = [], []
        return shifts

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def _global_grad_norm(model) -> float:
    r""":math:`\|\nabla_\theta L\|_2` over every parameter."""
    return float(torch.nn.utils.get_total_norm([p.grad for p in model.parameters() if p.grad is not None]))


def train(
    config: TrainConfig,
    *,
    on_step: Callable | None = None,
    progress: bool | None = None,
    keep_model: bool = False,
    device: str = "cpu",
) -> TrainResult:
    """Train ``config``'s model for ``config.steps`` steps and measure it (see the module docstring).

    ``on_step(result)`` is called after every step with the result so far (for live plots); if it
    returns True, training stops there. ``progress`` shows a tqdm bar (default: on long runs only).
    ``keep_model`` keeps the trained model in ``result.model``; ``device`` ("cpu" or "cuda") holds the model and
    its batches.
    """
    start = time.perf_counter()
    result = TrainResult(config)
    with torch_threads(deterministic=True):
        chain = task_chain(config)
        model = build_model(config).to(device)
        result.__dict__.update(
            init_diagnostics(model, evaluation_batches(config, device=device)[:INIT_BATCHES])
        )
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, betas=ADAM_BETAS, fused=True)
        data_rng = np.random.default_rng([config.seed, 1])
        recorder = _BatchStatisticsRecorder(model) if norms.get(config.norm).uses_batch else None
        show_bar = progress if progress is not None else config.steps * config.n_layers >= AUTO_PROGRESS_WORK
        steps = range(config.steps)
        if show_bar:
            from tqdm.auto import tqdm

            steps = tqdm(steps, desc=config.label, leave=False)
        model.train()
        for step in steps:
            # η_t = η · min(1, (t + 1) / T_warm-up)
            for group in optimizer.param_groups:
                group["lr"] = (
                    config.lr * min(1.0, (step + 1) / config.warmup_steps)
                    if config.warmup_steps
                    else config.lr
                )
            inputs, targets, mask = to_tensors(draw_batch(config, chain, config.batch_size, data_rng), device)
            if recorder is not None:
                recorder.active = step % STATISTICS_EVERY == 0
            loss = masked_cross_entropy(model(inputs, mask), targets, mask)
            optimizer.zero_grad()
            loss.backward()
            grad_norm = _global_grad_norm(model)
            if not (math.isfinite(loss.item()) and math.isfinite(grad_norm)):
                result.diverged, result.diverged_step = True, step
                break
            optimizer.step()
            result.losses.append(loss.item())
            result.grad_norms.append(grad_norm)
            if recorder is not None and recorder.active:
                mean_shift, var_shift = recorder.take()
                result.statistics_steps.append(step)
                result.mean_shift.append(mean_shift)
                result.var_ratio_shift.append(var_shift)
            if on_step is not None and on_step(result):
                break
        if recorder is not None:
            recorder.remove()
        if not result.diverged:
            _evaluate(model, config, result, device)
    if keep_model:
        result.model = model
    result.wall_time = time.perf_counter() - start
    return result


def _evaluate(model: ToyTransformer, config: TrainConfig, result: TrainResult, device: str = "cpu") -> None:
    """Held-out loss in eval mode and, for batch norm, with the batch statistics of training-size batches."""
    model.eval()
    # in eval mode every token is on its own, so the batch size changes nothing but the speed
    result.eval_loss = _held_out_loss(model, evaluation_batches(config, EVAL_BATCH_SIZE, device))
    result.eval_loss_batch_statistics = result.eval_loss
    if norms.get(config.norm).uses_batch:
        in_training_mode = copy.deepcopy(model).train()  # its running statistics move; the model's do not
        result.eval_loss_batch_statistics = _held_out_loss(
            in_training_mode, evaluation_batches(config, device=device)
        )
    if not math.isfinite(result.eval_loss):
        result.diverged, result.diverged_step = True, len(result.losses)
