"""The evidence of notebook 06's claims, computed now: each function returns one sentence with its numbers.

Each reads the experiment it rests on (a measurement, a results cache, another notebook's code);
:mod:`lnlib.nb06_claims_tested.ledger` names one of these for every claim whose evidence can be computed.
"""

from __future__ import annotations

import numpy as np

from lnlib.small_nets.labels import arm_label
from lnlib.support.language import gettext as _
from lnlib.ui.text import Markdown, markdown_table


def _fmt(value: float, digits: int = 3) -> str:
    from lnlib.ui.text import format_number

    return format_number(value, digits)


def _join(items) -> str:
    """Items of a sentence's list, joined as the current language lists them."""
    return _(", ").join(items)


def evidence_numpy_snippet() -> str:
    from lnlib.nb01_formulas_step_by_step import articles

    gaps = articles.article000_agreement()
    return _(
        "Article 000's snippet against lnlib and torch with the same γ, β: largest differences {gaps}."
    ).format(gaps=_join(f"{name} {_fmt(gap)}" for name, gap in gaps.items()))


def evidence_batch_independence() -> str:
    from lnlib.nb03_bn_vs_ln_axes import batch_dependence

    spreads = batch_dependence.bn_mean_spread(sizes=(2, 8, 64))
    ln_spread = float(np.ptp(batch_dependence.batch_statistics(8)["ln_mean"]))
    return _(
        "The same example in random batches (notebook 03's population, feature 1 with σ = 2): BN's mean "
        'spreads by {spreads}; the example\'s own LN mean by {ln_spread}. BN at B = 1 in training: "{refusal}".'
    ).format(
        spreads=_join(
            _("{spread} at B = {batch}").format(spread=_fmt(s), batch=b) for s, b in zip(spreads, (2, 8, 64))
        ),
        ln_spread=_fmt(ln_spread),
        refusal=batch_dependence.refusal_message((1, batch_dependence.FEATURES)),
    )


def evidence_rnn() -> str:
    from lnlib.small_nets import rnn_noise

    table = rnn_noise.summary(rnn_noise.LAB.results())
    noise = rnn_noise.batch_noise_through_time(8)
    return _(
        "Recall the first of {length} tokens, batches of 64, held-out accuracy ({seeds} seeds, chance 0.25): {accuracies}. "
        "At initialization with N = 8, BN moves example 0's h_t by {first} of its size at t = 1 and {last} at "
        "t = {length}."
    ).format(
        length=rnn_noise.LENGTH,
        seeds=len(rnn_noise.SEEDS),
        accuracies=_join(f"{arm_label(arm)} {_fmt(row['mean'])}" for arm, row in table.items()),
        first=_fmt(noise[0]),
        last=_fmt(noise[-1]),
    )


def evidence_batch_noise() -> str:
    from lnlib.small_nets import batch_noise

    results = batch_noise.LAB.results()
    table, effect = batch_noise.summary(results), batch_noise.noise_effect(results)
    return (
        _(
            "Batch of {batch}, BN's statistics over m examples, {seeds} seeds; training accuracy on 20 % noisy "
            "labels / held-out accuracy: {accuracies}. From m = {largest} to m = {smallest}: training "
            "{train_change:+.1f} points, held-out {test_change:+.1f}."
        ).format(
            batch=batch_noise.BATCH,
            seeds=len(batch_noise.SEEDS),
            accuracies=_join(
                f"{arm_label(arm)} {_fmt(row['train'])} / {_fmt(row['test'])}" for arm, row in table.items()
            ),
            largest=batch_noise.GROUPS[0],
            smallest=batch_noise.GROUPS[-1],
            train_change=effect["train_change"],
            test_change=effect["test_change"],
        )
        + _digits_batch_noise()
    )


def _digits_batch_noise() -> str:
    from lnlib.digits import experiments
    from lnlib.nb07_real_data_digits import verdicts

    small, large = experiments.BATCH_SIZES
    mean, error = verdicts.batch_noise_extra()
    return _(
        " Real data (notebook 07, scikit-learn's digits, a 5-block tanh MLP, {seeds} seeds): from batches of {large} "
        "to batches of {small}, BN's held-out accuracy changes by {mean:+.2f} ± {error:.2f} points more than no "
        "norm's (paired by seed)."
    ).format(seeds=len(experiments.SEEDS), large=large, small=small, mean=mean, error=error)


def _digits_ranges() -> str:
    from lnlib.digits import experiments
    from lnlib.nb07_real_data_digits import verdicts

    return _(
        " Real data (notebook 07, scikit-learn's digits, a 5-block tanh MLP, SGD, 400 steps, every one of {seeds} "
        "seeds at {bar:.0f} % held-out accuracy): {ranges}."
    ).format(seeds=len(experiments.SEEDS), bar=100 * verdicts.TRAINS_AT, ranges=verdicts.ranges_text())


def _timing_rows():
    """Notebook 06's timing measurement (§ 4's figure): measured once, so the figure and this evidence agree."""
    from lnlib.nb06_claims_tested import time_and_memory

    return time_and_memory.time_forward_backward()


def evidence_compute() -> str:
    from lnlib.nb06_claims_tested import inference_folding, time_and_memory

    folding = inference_folding.folding_gaps()
    return _(
        "Training, forward + backward, N·D = {values:,} values at every D, this CPU, 1 thread, the fastest of "
        "{rounds} rounds (the measurement of § 4's figure): {ratios} Both do the same O(N·D) work; a ratio below 1 "
        "means LN is faster. Inference: BN (eval mode) folded into the Linear before it gives the same outputs to "
        "{batch_gap} (outputs of size {batch_size}), so it costs nothing; LN folded with one batch's statistics is "
        "off by up to {layer_gap} on another (outputs of size {layer_size}): it must still run, token by token."
    ).format(
        values=time_and_memory.TOTAL_VALUES,
        rounds=time_and_memory.ROUNDS,
        ratios=time_and_memory.time_ratios(_timing_rows()),
        batch_gap=_fmt(folding["batch_gap"], 1),
        batch_size=_fmt(folding["batch_size"], 2),
        layer_gap=_fmt(folding["layer_gap"], 2),
        layer_size=_fmt(folding["layer_size"], 2),
    )


def evidence_memory() -> str:
    from lnlib.nb06_claims_tested import time_and_memory

    tokens, width = 8 * 1024, 768  # a batch of 8 sequences of 1024 tokens, BERT-base width
    ln, bn = (time_and_memory.saved_for_backward(kind, tokens, width) for kind in ("layer", "batch"))
    bn_extra = bn["statistics"] + bn["running buffers"]
    return _(
        "Memory kept for backward at {tokens} tokens × {width} features: both keep the input ({input:,} bytes); "
        "beyond it LN keeps {ln_extra:,} bytes (μ, 1/σ per token), BN {bn_extra:,} (μ, 1/σ, running mean and "
        "variance per feature): {ln_percent} % and {bn_percent} % of the input."
    ).format(
        tokens=tokens,
        width=width,
        input=ln["input"],
        ln_extra=ln["statistics"],
        bn_extra=bn_extra,
        ln_percent=_fmt(100 * ln["statistics"] / ln["input"], 2),
        bn_percent=_fmt(100 * bn_extra / bn["input"], 2),
    )


def evidence_formulas() -> str:
    import torch

    from lnlib import functional

    x = np.array([[0.0, 1.0, 2.0, 3.0, 4.0]])
    layer = torch.nn.LayerNorm(5, eps=5e-5).double()
    ours = functional.layer_norm(x, 5, eps=5e-5)
    theirs = layer(torch.tensor(x, dtype=torch.float64)).double().detach().numpy()
    return _(
        "(x − μ)/√(σ² + ε) with the biased σ² is torch.nn.LayerNorm's output to {gap}; its γ and β have shape "
        "{shape}: one independent pair per neuron."
    ).format(gap=_fmt(float(np.abs(ours - theirs).max())), shape=tuple(layer.weight.shape))


def evidence_eps_default() -> str:
    import torch

    return _(
        "Defaults: torch.nn.LayerNorm eps = {layer_eps:g}, torch.nn.BatchNorm1d eps = {batch_eps:g}; Keras "
        "LayerNormalization 1e-3 and BERT's LayerNorm 1e-12 (their documentation and code). 0.00005 is the "
        "article's own choice."
    ).format(layer_eps=torch.nn.LayerNorm(5).eps, batch_eps=torch.nn.BatchNorm1d(5).eps)


def evidence_torch_check() -> str:
    from lnlib.nb01_formulas_step_by_step import articles

    check = articles.article001_check()
    if check.printed_alike:
        message = _(
            "Article 001's check: largest gap between nn.LayerNorm(5, eps=0.00005) and the hand formula without ε "
            "{gap} (float32); printed with 4 decimals they look the same."
        )
    else:
        message = _(
            "Article 001's check: largest gap between nn.LayerNorm(5, eps=0.00005) and the hand formula without ε "
            "{gap} (float32); printed with 4 decimals they look different."
        )
    return message.format(gap=_fmt(check.gap))


def evidence_usage() -> str:
    import torch

    from lnlib.nb01_formulas_step_by_step import articles

    model = articles.article001_model()
    with torch.no_grad():
        output = model(torch.tensor([0.0, 1.0, 2.0]))
    return _(
        "Linear(3, 5) → LayerNorm(5, eps=0.00005) → Tanh on x = [0, 1, 2] runs: output shape {shape}."
    ).format(shape=tuple(output.shape))


def evidence_coupling() -> str:
    from lnlib.nb05_backward_by_hand import walkthrough

    batch_norm = walkthrough.influence_on_first_example(8, "batch")
    layer_norm = walkthrough.influence_on_first_example(8, "layer")
    return _(
        "Batch of 8: the other examples move example 0's loss by {bn} of its own effect each under BN, by {ln} "
        "under LN (notebook 05, § 4)."
    ).format(bn=_fmt(batch_norm[1:].mean() / batch_norm[0]), ln=_fmt(layer_norm[1:].max()))


def evidence_padding() -> str:
    from lnlib.nb03_bn_vs_ln_axes import batch_dependence

    shift = batch_dependence.padding_shift(extra=16)
    return _(
        "Notebook 03's padded batch ({percent} % padding): the real tokens' BN outputs move by up to {bn} against "
        "BN over the real tokens only; their LN outputs by {ln}."
    ).format(percent=_fmt(100 * shift["padding fraction"], 2), bn=_fmt(shift["bn"]), ln=_fmt(shift["ln"]))


def evidence_train_eval() -> str:
    import torch

    from lnlib.nb03_bn_vs_ln_axes import batch_dependence

    layers = {
        "BN": batch_dependence.trained_batch_norm(),
        "LN": torch.nn.LayerNorm(batch_dependence.FEATURES, eps=batch_dependence.EPS),
    }
    gaps = {
        name: float(
            np.max(
                np.abs(
                    batch_dependence.probe_outputs(layer, 64, 0.0, True)
                    - batch_dependence.probe_outputs(layer, 64, 0.0, False)
                )
            )
        )
        for name, layer in layers.items()
    }
    return _(
        "The same example in the same batch of 64, training mode vs evaluation mode: BN's output differs by up "
        "to {bn}, LN's by {ln}."
    ).format(bn=_fmt(gaps["BN"]), ln=_fmt(gaps["LN"]))


def evidence_distributed() -> str:
    from lnlib.nb06_claims_tested import sync_batch_norm

    result = sync_batch_norm.simulate(2, batch=16)
    return _(
        "A batch of 16 on 2 devices: BN with each device's own statistics is off by up to {outputs} (outputs) and "
        "{gradients} (gradients); all-reduced, by {synced}; LN by {ln} with no communication. The real 2-process "
        "gloo run: notebook 06, § 3."
    ).format(
        outputs=_fmt(result["bn_alone_output_gap"]),
        gradients=_fmt(result["bn_alone_grad_gap"]),
        synced=_fmt(result["bn_synced_output_gap"]),
        ln=_fmt(result["ln_output_gap"]),
    )


def evidence_mymodel() -> str:
    from lnlib.nb06_claims_tested import article003_mymodel

    as_printed = article003_mymodel.try_model(article003_mymodel.article_model(False), 2, 6)
    fitted = article003_mymodel.try_model(article003_mymodel.article_model(True), 2, 6)
    larger = article003_mymodel.try_model(article003_mymodel.article_model(True), 2, 32)
    fixed = article003_mymodel.try_model(article003_mymodel.FixedModel(), 2, 32)
    h, w = next((h, w) for h, w in article003_mymodel.fitting_sizes() if h != w)
    oblong = article003_mymodel.try_model(article003_mymodel.article_model(True), 2, h, width=w)
    return _(
        "As printed, 6×6: {as_printed}. With F imported, 6×6: {fitted}; {h}×{w}: {oblong}; 32×32: {larger}. "
        "The inputs it fits, read from its layers: {fits}. Fixed (pooled to 4×4), 32×32: {fixed}."
    ).format(
        as_printed=as_printed,
        fitted=fitted,
        h=h,
        w=w,
        oblong=oblong,
        larger=larger,
        fits=article003_mymodel.fitting_sizes_text(),
        fixed=fixed,
    )


def evidence_post_ln() -> str:
    import torch

    layer = torch.nn.TransformerEncoderLayer(d_model=8, nhead=2)
    return _(
        "torch.nn.TransformerEncoderLayer defaults to norm_first = {norm_first} (Post-LN, as Vaswani et al. 2017 "
        "and BERT); GPT-2 and most large models since put LN first (Pre-LN, x + SubLayer(LN(x)))."
    ).format(norm_first=layer.norm_first)


def _ranges(results, sweep: str) -> str:
    from lnlib.small_nets import learning_rates

    return _("; ").join(
        _("{norm}: {values}").format(
            norm=arm_label(norm),
            values=_join(_fmt(v) for v in learning_rates.training_range(results, norm, sweep)) or _("none"),
        )
        for norm in learning_rates.COMPARED_NORMS
    )


def evidence_learning_rates() -> str:
    from lnlib.small_nets import learning_rates

    results = learning_rates.LAB.results()
    return (
        _(
            "10-layer MLP, SGD, learning rates at which it trains (the final loss of every one of {seeds} seeds "
            "below {threshold}): {ranges}."
        ).format(
            seeds=len(learning_rates.SEEDS),
            threshold=learning_rates.TRAINS_BELOW,
            ranges=_ranges(results, "lr"),
        )
        + _digits_ranges()
    )


def evidence_sensitivity() -> str:
    from lnlib.nb06_claims_tested import invariances
    from lnlib.small_nets import learning_rates

    results = learning_rates.LAB.results()
    change = invariances.output_change("layer norm", "weight matrix re-scaling")
    return (
        _(
            "Initial weight scales (× Kaiming, lr 0.1) that train: {ranges}. LN's output moves by {change} when its "
            "weights are re-scaled (Ba et al. Table 1); its output does not depend on the batch size at all."
        ).format(ranges=_ranges(results, "init_gain"), change=_fmt(change))
        + _digits_ranges()
    )


def evidence_ics() -> str:
    from lnlib.small_nets import covariate_shift

    table = covariate_shift.summary(covariate_shift.LAB.results())
    rows = _join(
        _("{arm}: shift {shift}, gradient ICS {ics}, loss range {loss_range}, final loss {loss}").format(
            arm=arm_label(arm),
            shift=_fmt(row["input_shift"]),
            ics=_fmt(row["gradient_ics"]),
            loss_range=_fmt(row["loss_range"]),
            loss=_fmt(row["train_loss"]),
        )
        for arm, row in table.items()
    )
    return _("10-layer MLP, lr {lr:g}, {seeds} seeds: {rows}.").format(
        lr=covariate_shift.LR, seeds=len(covariate_shift.SEEDS), rows=rows
    )


def evidence_generalization() -> str:
    from lnlib.small_nets import generalization

    results = generalization.LAB.results()
    table = generalization.summary(results)
    differences = {
        norm: generalization.difference_from_none(results, norm) for norm in ("batch", "layer", "rms")
    }
    return _(
        "256 examples with 20 % noisy labels, {seeds} seeds: held-out accuracy {accuracies}; training accuracy at least "
        "{train} for every norm. Against no norm, seed by seed: {differences}."
    ).format(
        seeds=len(generalization.SEEDS),
        accuracies=_join(f"{arm_label(norm)} {_fmt(row['test'])}" for norm, row in table.items()),
        train=_fmt(min(r["train"] for r in table.values())),
        differences=_join(
            _("{norm} {mean} ± {error} points").format(
                norm=arm_label(norm), mean=_fmt(100 * m, 2), error=_fmt(100 * se, 2)
            )
            for norm, (m, se) in differences.items()
        ),
    )


def evidence_gradients() -> str:
    from lnlib.small_nets import gradient_flow

    table = gradient_flow.summary()
    return _(
        "30-layer ReLU MLP at initialization, initial weight scale × 0.7 … × 1.4: the mean weight gradient changes "
        "by a factor {none} without a norm, {layer} with LN, {batch} with BN; with BN it grows {growth}× from the "
        "last layer to the first."
    ).format(
        none=_fmt(table["none"]["scale_spread"]),
        layer=_fmt(table["layer"]["scale_spread"]),
        batch=_fmt(table["batch"]["scale_spread"]),
        growth=_fmt(table["batch"]["growth_to_input"]),
    )


def evidence_invariances() -> str:
    from lnlib.nb06_claims_tested import invariances

    measured = invariances.invariance_table()
    expected = {**invariances.PUBLISHED, **invariances.DERIVED}
    if all(measured[norm] == expected[norm] for norm in measured):
        message = _(
            "Ba et al. (2016) Table 1 recomputed for {norms} norms × {transformations} transformations: every cell "
            "agrees with the paper and the rows derived for the norms it does not have (RMSNorm: LN's row without "
            "re-centering; GroupNorm and InstanceNorm: LN's row)."
        )
    else:
        message = _(
            "Ba et al. (2016) Table 1 recomputed for {norms} norms × {transformations} transformations: some cells "
            "disagree with the paper and the rows derived for the norms it does not have (RMSNorm: LN's row without "
            "re-centering; GroupNorm and InstanceNorm: LN's row)."
        )
    return message.format(norms=len(measured), transformations=len(invariances.TRANSFORMATIONS))


def invariance_markdown(seed: int = 0) -> Markdown:
    """Ba et al. (2016) Table 1 measured, RMSNorm added: each cell the paper's answer, the measured change, agreement."""
    from lnlib.nb06_claims_tested import invariances

    published = {**invariances.PUBLISHED, **invariances.DERIVED}
    rows = []
    for norm, expected in published.items():
        cells = []
        for transformation, invariant in zip(invariances.TRANSFORMATIONS, expected):
            change = invariances.output_change(norm, transformation, seed)
            measured = change < 1e-9
            mark = "✓" if measured == invariant else _("✗ disagrees")
            answer = _("invariant") if invariant else _("not")
            cells.append(f"{answer} ({change:.0e}) {mark}")
        shown = _(invariances.LABELS[norm])
        rows.append(
            [_("{norm} (added)").format(norm=shown) if norm in invariances.DERIVED else shown] + cells
        )
    header = [_("norm")] + [_(invariances.LABELS[t]) for t in invariances.TRANSFORMATIONS]
    return Markdown(
        _(
            "Each cell: the paper's answer (RMSNorm, GroupNorm, InstanceNorm: derived), the largest relative change "
            "of the output measured, and ✓ when they agree (invariant means a change below 1e-9)."
        )
        + "\n\n"
        + markdown_table(header, rows)
    )
