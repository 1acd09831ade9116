"""Notebook 07's figures: the digits themselves, the grid of runs, and the batch-noise runs (all from the cache)."""

from __future__ import annotations

import numpy as np

from lnlib.digits import data, experiments
from lnlib.digits.experiments import INIT_SCALES, LEARNING_RATES
from lnlib.digits.network import NORMS, norm_colour, norm_name
from lnlib.nb07_real_data_digits import verdicts
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui import style


def figure_examples(count: int = 10):
    """The first ``count`` training digits as the network sees them before standardising (8×8, 0 … 16)."""
    split = data.digits()
    fig, axes = style.new_figure(12, 1.9, ncols=count)
    for ax, image, label in zip(axes, split.train_images, split.y_train):
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=16)
        ax.set_title(str(label))
        ax.set_axis_off()
    return fig


def grid_matrix(results, norm: str) -> np.ndarray:
    """(scales, rates): mean held-out accuracy over the seeds; NaN where a seed diverged."""
    return np.array(
        [[np.mean(verdicts.held_out(results, norm, s, lr)) for lr in LEARNING_RATES] for s in INIT_SCALES]
    )


def draw_grid(axes, results) -> list:
    """One heat map per norm on ``axes``: rows initial scales, columns learning rates; ✓ marks a cell that trains."""
    images = []
    for ax, norm in zip(axes, NORMS):
        matrix = grid_matrix(results, norm)
        images.append(ax.imshow(matrix, vmin=0.1, vmax=1.0, cmap="viridis", origin="lower", aspect="auto"))
        for i, scale in enumerate(INIT_SCALES):
            for j, lr in enumerate(LEARNING_RATES):
                if verdicts.trains(results, norm, scale, lr):
                    ax.text(j, i, "✓", ha="center", va="center", color="black", fontsize=13)
                elif np.isnan(matrix[i, j]):
                    ax.text(j, i, "×", ha="center", va="center", color="#D55E00", fontsize=15)
        ax.set_xticks(range(len(LEARNING_RATES)), [f"{lr:g}" for lr in LEARNING_RATES], rotation=60)
        ax.set_yticks(range(len(INIT_SCALES)), [f"{s:g}" for s in INIT_SCALES])
        ax.set_title(norm_name(norm))
        ax.set_xlabel(_("learning rate η"))
        ax.grid(False)
    axes[0].set_ylabel(_("initial scale s"))
    return images


def figure_grid(results=None):
    """Held-out accuracy after 400 steps for every norm, learning rate and initial scale (mean of the seeds)."""
    results = verdicts.cached_results(results)
    fig, axes = style.new_figure(13, 4.3, ncols=len(NORMS), sharey=True)
    images = draw_grid(axes, results)
    fig.colorbar(images[-1], ax=list(axes), label=_("held-out accuracy"), shrink=0.9)
    return fig


def figure_batch_noise(results=None):
    """Training and held-out accuracy at the end, small batch against large, per norm (each seed a dot)."""
    table = verdicts.batch_noise_numbers(results)
    fig, axes = style.new_figure(12, 4.2, ncols=2, sharey=False)
    positions = np.arange(len(experiments.BATCH_NOISE_NORMS))
    titles = (
        (axes[0], "train", N_("training accuracy (dark: batch {small}, light: {large})")),
        (axes[1], "test", N_("held-out accuracy (dark: batch {small}, light: {large})")),
    )
    for ax, key, title in titles:
        for offset, batch, shade in (
            (-0.18, experiments.BATCH_SIZES[0], 1.0),
            (0.18, experiments.BATCH_SIZES[1], 0.45),
        ):
            for position, norm in zip(positions, experiments.BATCH_NOISE_NORMS):
                values = 100 * table[norm][batch][key]
                color = norm_colour(norm)
                ax.bar(position + offset, values.mean(), width=0.34, color=color, alpha=shade)
                ax.plot([position + offset] * len(values), values, "o", color="black", markersize=5)
        ax.set_xticks(positions, [norm_name(n) for n in experiments.BATCH_NOISE_NORMS])
        small, large = experiments.BATCH_SIZES
        ax.set(title=_(title).format(small=small, large=large))
        ax.set_ylabel("%")
    axes[0].set_ylim(95, 100.4)
    axes[1].set_ylim(94, 99)
    return fig
