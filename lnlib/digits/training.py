r"""One seeded training run of the digits network, with what Karpathy's pictures need recorded along the way.

Plain mini-batch SGD on the cross-entropy; the batches are drawn with replacement from the training
split, seeded. Every :attr:`RunConfig.record_every` steps the run records the mean training loss of those
steps and, for each weight layer, the **update-to-data ratio**

.. math:: \log_{10}\frac{\operatorname{std}(W_{t+1} - W_t)}{\operatorname{std}(W_t)}

of that step (Karpathy's rule of thumb: about −3 is a healthy rate; much lower learns slowly, much higher
changes the weights by a large fraction at every step). A loss that becomes NaN or infinite ends the run
(``diverged_at``) and its final numbers are NaN; a run never raises because it diverged.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from lnlib.digits import data
from lnlib.digits.network import DigitsMLP
from lnlib.support import norms

STEPS, BATCH, RECORD_EVERY = 400, 64, 10


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides a run: the norm, the initial scale, the learning rate, the seed, the batch and the budget.

    ``evaluate_every`` > 0 also records the training and held-out accuracy every that many steps."""

    norm: str
    init_scale: float
    lr: float
    seed: int = 0
    batch_size: int = BATCH
    steps: int = STEPS
    record_every: int = RECORD_EVERY
    evaluate_every: int = 0

    def __post_init__(self) -> None:
        norms.get(self.norm)  # an unknown norm is refused with the known ones
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"the learning rate must be a positive number, got {self.lr!r}")
        if not 2 <= self.batch_size <= data.TRAIN_EXAMPLES:
            raise ValueError(
                f"batch_size must be between 2 (batch norm needs two examples) and {data.TRAIN_EXAMPLES}, "
                f"got {self.batch_size}"
            )
        if self.steps < 1 or self.record_every < 1 or self.evaluate_every < 0:
            raise ValueError("steps and record_every must be at least 1, evaluate_every at least 0")

    def as_dict(self) -> dict:
        return asdict(self)

    def replace(self, **changes) -> RunConfig:
        return RunConfig(**{**self.as_dict(), **changes})

    @property
    def key(self) -> str:
        """The cache's key, e.g. ``"batch/scale1/lr0.1/seed0/batch64/steps400"``."""
        return (
            f"{self.norm}/scale{self.init_scale:g}/lr{self.lr:g}/seed{self.seed}/batch{self.batch_size}"
            f"/steps{self.steps}/record{self.record_every}/evaluate{self.evaluate_every}"
        )


def accuracy_and_loss(model: DigitsMLP, x: torch.Tensor, y: torch.Tensor) -> tuple:
    """Accuracy and mean cross-entropy on ``x`` in evaluation mode (BN: running statistics); the mode is restored."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits = model(x)
        answer = (float((logits.argmax(dim=1) == y).float().mean()), float(F.cross_entropy(logits, y)))
    model.train(was_training)
    return answer


def train(config: RunConfig, on_record: Callable | None = None, device: str = "cpu") -> dict:
    """Train one run on ``device``; its record, JSON-ready. ``on_record(record)`` is called at every record; True
    stops the run. The batches are drawn on the CPU, so a seed draws the same batches on every device.

    Run it inside :func:`lnlib.support.determinism.torch_threads` for numbers that repeat bit for bit.
    """
    x_train, y_train, x_test, y_test = (t.to(device) for t in data.digits().tensors())
    model = DigitsMLP(config.norm, config.init_scale, config.seed).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
    generator = torch.Generator().manual_seed(1000 + config.seed)
    layers = model.weight_layers()
    record = {
        "config": config.as_dict(),
        "step": [],
        "loss": [],
        "update_ratio": [[] for _ in layers],
        "evaluated_at": [],
        "train_accuracy_curve": [],
        "test_accuracy_curve": [],
        "diverged_at": None,
        "stopped_at": None,
    }
    window: list = []
    model.train()
    for step in range(config.steps):
        if config.evaluate_every and step % config.evaluate_every == 0:
            record["evaluated_at"].append(step)
            record["train_accuracy_curve"].append(accuracy_and_loss(model, x_train, y_train)[0])
            record["test_accuracy_curve"].append(accuracy_and_loss(model, x_test, y_test)[0])
        index = torch.randint(0, len(x_train), (config.batch_size,), generator=generator).to(device)
        loss = F.cross_entropy(model(x_train[index]), y_train[index])
        if not torch.isfinite(loss):
            record["diverged_at"] = step
            break
        window.append(loss.item())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        recording = (step + 1) % config.record_every == 0
        before = [layer.weight.detach().clone() for layer in layers] if recording else None
        optimizer.step()
        if recording:
            record["step"].append(step + 1)
            record["loss"].append(float(np.mean(window)))
            window = []
            for ratios, layer, old in zip(record["update_ratio"], layers, before):
                ratios.append(_log_ratio(float((layer.weight.detach() - old).std()), float(old.std())))
            if on_record is not None and on_record(record):
                record["stopped_at"] = step + 1
                break
    if record["diverged_at"] is None:
        train_accuracy, train_loss = accuracy_and_loss(model, x_train, y_train)
        test_accuracy, test_loss = accuracy_and_loss(model, x_test, y_test)
    else:
        train_accuracy = train_loss = test_accuracy = test_loss = float("nan")
    record.update(
        train_accuracy=train_accuracy,
        train_loss=_finite_or_nan(train_loss),
        test_accuracy=test_accuracy,
        test_loss=_finite_or_nan(test_loss),
    )
    return record


def _log_ratio(update_std: float, weight_std: float) -> float:
    """log10(update / weight), NaN when either is 0 or not finite (no update, or weights lost)."""
    if update_std > 0 and weight_std > 0 and math.isfinite(update_std) and math.isfinite(weight_std):
        return math.log10(update_std / weight_std)
    return float("nan")


def _finite_or_nan(value: float) -> float:
    return value if math.isfinite(value) else float("nan")
