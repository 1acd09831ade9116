r"""Batch norm and layer norm over the shards of a batch, for any way of summing across devices.

:func:`batch_norm_over_shards` takes a ``reduce`` function that sums an array over every device: the
identity for a device alone, a plain sum when one process simulates all devices, or
``torch.distributed.all_reduce`` across real processes. :func:`gloo_worker` is what each real process
runs. This module imports NumPy only (torch inside the worker), so that a new process starts fast;
the demonstration and its app are in :mod:`lnlib.nb06_claims_tested.sync_batch_norm`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lnlib import functional
from lnlib.support.determinism import torch_threads

EPS = 1e-5
TIMEOUT_SECONDS = 120.0  # how long a process waits for the others before giving up


def example_batch(batch: int = 16, features: int = 4, seed: int = 0) -> dict:
    """A float64 batch (N, C) with its upstream gradient and non-trivial γ, β."""
    rng = np.random.default_rng(seed)
    return {
        "x": rng.normal(1.0, 2.0, size=(batch, features)),
        "grad": rng.normal(size=(batch, features)),
        "gamma": rng.uniform(0.5, 1.5, size=features),
        "beta": rng.normal(0, 0.5, size=features),
    }


def shards_of(array: np.ndarray, devices: int) -> list:
    """The batch split along axis 0 into ``devices`` contiguous shards, as data-parallel loaders do."""
    if not 1 <= devices <= len(array):
        raise ValueError(
            f"cannot split a batch of {len(array)} examples over {devices} devices: "
            f"every device needs at least one example"
        )
    return np.array_split(array, devices)


# ---------------------------------------------------------------------------
# Batch norm over shards, for any all-reduce.
# ---------------------------------------------------------------------------


@dataclass
class ShardedResult:
    """Batch norm over the shards one process holds: the statistics it used, outputs and input gradients."""

    mean: np.ndarray
    var: np.ndarray
    outputs: list
    input_grads: list


def batch_norm_over_shards(
    shards: list, grads: list, gamma, beta, reduce: Callable, eps: float = EPS
) -> ShardedResult:
    """Training-mode batch norm, forward and backward, of ``shards`` with sums combined by ``reduce``.

    ``reduce(array)`` returns the sum of ``array`` over every device: the identity for one device
    alone, ``all_reduce`` across processes. Each device passes the sum over the shards it holds.
    """

    def total(per_shard: list) -> np.ndarray:
        return reduce(np.sum(per_shard, axis=0))

    # μ = Σ x / m, both sums over every device
    sums = total([np.concatenate([s.sum(axis=0), [len(s)]]) for s in shards])
    count, mean = sums[-1], sums[:-1] / sums[-1]
    if count < 2:
        raise ValueError("batch norm needs at least 2 examples in its statistics; this device has one alone")
    # σ² = Σ (x − μ)² / m
    var = total([((s - mean) ** 2).sum(axis=0) for s in shards]) / count
    inverse_std = 1 / np.sqrt(var + eps)
    # x̂ = (x − μ) · r, y = γ x̂ + β
    x_hats = [(s - mean) * inverse_std for s in shards]
    outputs = [gamma * x_hat + beta for x_hat in x_hats]
    # backward: ḡ and mean(g x̂) over every device, with g = ∂L/∂y · γ
    gs = [grad * gamma for grad in grads]
    grad_sums = total(
        [np.concatenate([g.sum(axis=0), (g * x_hat).sum(axis=0)]) for g, x_hat in zip(gs, x_hats)]
    )
    mean_g, mean_g_x_hat = np.split(grad_sums / count, 2)
    # ∂L/∂x = r (g − ḡ − x̂ · mean(g x̂))
    input_grads = [inverse_std * (g - mean_g - x_hat * mean_g_x_hat) for g, x_hat in zip(gs, x_hats)]
    return ShardedResult(mean, var, outputs, input_grads)


def no_communication(array: np.ndarray) -> np.ndarray:
    """No communication: the sum over all devices is this device's own sum."""
    return array


def layer_norm_shard(x_shard, grad_shard, gamma, beta, eps: float = EPS) -> tuple:
    """Layer norm of one shard, forward and backward: no statistic crosses examples, so none crosses devices."""
    features = x_shard.shape[1]
    output = functional.layer_norm(x_shard, features, gamma, beta, eps)
    input_grad = functional.layer_norm_backward(grad_shard, x_shard, features, gamma, eps)[0]
    return output, input_grad


def gloo_worker(rank: int, world_size: int, port: int, data: dict, answers) -> None:
    """One process: its shard, batch norm alone and all-reduced, layer norm; the results go to ``answers``."""
    import torch
    import torch.distributed as dist

    with torch_threads(1):  # one thread per process: two processes share the two cores
        try:
            dist.init_process_group(
                "gloo",
                init_method=f"tcp://127.0.0.1:{port}",
                rank=rank,
                world_size=world_size,
                timeout=datetime.timedelta(seconds=TIMEOUT_SECONDS),
            )

            def all_reduce(array: np.ndarray) -> np.ndarray:
                tensor = torch.from_numpy(np.array(array, dtype=np.float64))
                dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
                return tensor.numpy()

            x, grad = shards_of(data["x"], world_size)[rank], shards_of(data["grad"], world_size)[rank]
            gamma, beta = data["gamma"], data["beta"]
            alone = batch_norm_over_shards([x], [grad], gamma, beta, no_communication)
            synced = batch_norm_over_shards([x], [grad], gamma, beta, all_reduce)
            ln_output, ln_grad = layer_norm_shard(x, grad, gamma, beta)
            answers.put(
                {"rank": rank, "alone": alone, "synced": synced, "ln_output": ln_output, "ln_grad": ln_grad}
            )
        except Exception as error:  # reported to the parent, which raises it with the rank attached
            answers.put({"rank": rank, "error": f"{type(error).__name__}: {error}"})
        finally:
            if dist.is_initialized():
                dist.destroy_process_group()
