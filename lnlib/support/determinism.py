"""Torch's threads and determinism, set for a block of code and restored after it.

Used alike by the apps (one thread: for a slider's tiny tensors a second thread saves nothing, and
waiting for it to be scheduled costs tens of milliseconds on a busy two-core machine), by the toy
Transformer's training and by notebook 06's experiments (one thread and deterministic algorithms:
the same numbers on every run). Seeds are set where the runs are made, from their configs.
"""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def torch_threads(threads: int = 1, *, deterministic: bool = False):
    """Run torch on ``threads`` threads inside the block (or the decorated function), then restore them.

    ``deterministic=True`` also turns on ``torch.use_deterministic_algorithms`` for the block.
    Torch is imported only when this is used. The deterministic switch is touched only when it changes:
    torch 2.13's ``use_deterministic_algorithms`` imports TorchInductor and Dynamo on its first call
    (about 1.3 s), which an app's first drawing, and so a notebook's first page in Voila, would wait for.
    """
    import torch

    previous_threads = torch.get_num_threads()
    previous_deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    if deterministic and not previous_deterministic:
        torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.set_num_threads(previous_threads)
        if torch.are_deterministic_algorithms_enabled() != previous_deterministic:
            torch.use_deterministic_algorithms(previous_deterministic)
