"""BN's batch noise turned up and down: the arms are the networks they say, and the figure draws every arm."""

import torch
from torch import nn

from lnlib.small_nets import batch_noise
from lnlib.small_nets.labels import arm_label
from lnlib.small_nets.rnn_noise import GhostBatchNorm
from lnlib.support import norms as registry


def test_each_arm_builds_the_network_it_names():
    assert all(isinstance(n, nn.Identity) for n in batch_noise.build("none", 0).norms)
    layer = type(registry.get("layer").build((4,)))
    assert all(type(n) is layer for n in batch_noise.build("layer", 0).norms)  # the registry's LN
    for m in batch_noise.GROUPS:
        norms = batch_noise.build(f"batch, m = {m}", 0).norms
        if m == batch_noise.BATCH:  # ordinary BN: the registry's
            assert all(type(n) is type(registry.get("batch").build((4,))) for n in norms)
        else:
            assert all(isinstance(n, GhostBatchNorm) and n.group == m for n in norms)
    assert batch_noise.BATCH % min(batch_noise.GROUPS) == 0 and max(batch_noise.GROUPS) == batch_noise.BATCH


def test_smaller_groups_make_an_examples_output_noisier():
    torch.manual_seed(0)
    x = torch.randn(batch_noise.BATCH, 256) + 0.5
    spreads = []
    for m in batch_noise.GROUPS:
        norm = GhostBatchNorm(256, m)
        outputs = [
            norm(x[torch.cat([torch.tensor([0]), torch.randperm(127)[: batch_noise.BATCH - 1] + 1])])[0]
            for _ in range(20)
        ]
        spreads.append(torch.stack(outputs).std(dim=0).mean().item())
    assert spreads[0] < spreads[1] < spreads[2]


def test_the_figure_and_table_show_every_arm():
    results = batch_noise.LAB.results()
    figure = batch_noise.figure(results)
    assert [line.get_label() for line in figure.axes[1].lines] == [arm_label(arm) for arm in batch_noise.ARMS]
    table = str(batch_noise.summary_table(results))
    assert all(f"| {arm_label(arm)} |" in table for arm in batch_noise.ARMS)
