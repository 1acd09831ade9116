"""The evidence of notebook 06's claims, computed now: each function returns one sentence with its numbers.

Each reads the experiment it rests on (a measurement, a results cache, another notebook's code);
:mod:`lnlib.nb06_claims_tested.ledger` names one of these for every claim whose evidence can be computed.
"""

from __future__ import annotations

import numpy as np

from lnlib.ui.text import Markdown, markdown_table


def _fmt(value: float, digits: int = 3) -> str:
    from lnlib.ui.text import format_number

    return format_number(value, digits)


def evidence_numpy_snippet() -> str:
    from lnlib.nb01_formulas_step_by_step import articles

    gaps = articles.article000_agreement()
    return (
        "Article 000's snippet against lnlib and torch with the same γ, β: largest differences "
        + ", ".join(f"{name} {_fmt(gap)}" for name, gap in gaps.items())
        + "."
    )


def evidence_batch_independence() -> str:
    from lnlib.nb03_bn_vs_ln_axes import batch_dependence

    spreads = batch_dependence.bn_mean_spread(sizes=(2, 8, 64))
    ln_spread = float(np.ptp(batch_dependence.batch_statistics(8)["ln_mean"]))
    return (
        "The same example in random batches (notebook 03's population, feature 1 with σ = 2): BN's mean "
        "spreads by "
        + ", ".join(f"{_fmt(s)} at B = {b}" for s, b in zip(spreads, (2, 8, 64)))
        + f"; the example's own LN mean by {_fmt(ln_spread)}. BN at B = 1 in training: "
        f'"{batch_dependence.refusal_message((1, batch_dependence.FEATURES))}".'
    )


def evidence_rnn() -> str:
    from lnlib.small_nets import experiments, rnn_noise

    table = rnn_noise.summary(experiments.load("rnn_noise"))
    noise = rnn_noise.batch_noise_through_time(8)
    return (
        f"Recall the first of {rnn_noise.LENGTH} tokens, batches of 64, held-out accuracy (3 seeds, chance 0.25): "
        + ", ".join(f"{arm} {_fmt(row['mean'])}" for arm, row in table.items())
        + f". At initialization with N = 8, BN moves example 0's h_t by {_fmt(noise[0])} of its size at t = 1 "
        f"and {_fmt(noise[-1])} at t = {rnn_noise.LENGTH}."
    )


def evidence_batch_noise() -> str:
    from lnlib.small_nets import batch_noise, experiments

    results = experiments.load("batch_noise")
    table, effect = batch_noise.summary(results), batch_noise.noise_effect(results)
    return (
        f"Batch of {batch_noise.BATCH}, BN's statistics over m examples, {len(batch_noise.SEEDS)} seeds; training "
        "accuracy on 20 % noisy labels / held-out accuracy: "
        + ", ".join(f"{arm} {_fmt(row['train'])} / {_fmt(row['test'])}" for arm, row in table.items())
        + f". From m = {batch_noise.GROUPS[0]} to m = {batch_noise.GROUPS[-1]}: training "
        f"{effect['train_change']:+.1f} points, held-out {effect['test_change']:+.1f}."
        + _digits_batch_noise()
    )


def _digits_batch_noise() -> str:
    from lnlib.digits import experiments
    from lnlib.nb07_real_data_digits import verdicts

    small, large = experiments.BATCH_SIZES
    mean, error = verdicts.batch_noise_extra()
    return (
        f" Real data (notebook 07, scikit-learn's digits, a 5-block tanh MLP, {len(experiments.SEEDS)} seeds): from "
        f"batches of {large} to batches of {small}, BN's held-out accuracy changes by {mean:+.2f} ± {error:.2f} "
        "points more than no norm's (paired by seed)."
    )


def _digits_ranges() -> str:
    from lnlib.nb07_real_data_digits import verdicts

    return (
        " Real data (notebook 07, scikit-learn's digits, a 5-block tanh MLP, SGD, 400 steps, every one of 3 seeds "
        f"at 90 % held-out accuracy): {verdicts.ranges_text()}."
    )


def _timing_rows():
    """Notebook 06's timing measurement (§ 4's figure): measured once, so the figure and this evidence agree."""
    from lnlib.nb06_claims_tested import time_and_memory

    return time_and_memory.time_forward_backward()


def evidence_compute() -> str:
    from lnlib.nb06_claims_tested import inference_folding, time_and_memory

    folding = inference_folding.folding_gaps()
    return (
        f"Training, forward + backward, N·D = {time_and_memory.TOTAL_VALUES:,} values at every D, this CPU, 1 thread, the fastest of "
        f"{time_and_memory.ROUNDS} rounds (the measurement of § 4's figure): {time_and_memory.time_ratios(_timing_rows())} Both do the "
        "same O(N·D) work; a ratio below 1 means LN is faster. Inference: BN (eval mode) folded into the "
        f"Linear before it gives the same outputs to {_fmt(folding['batch_gap'], 1)} (outputs of size "
        f"{_fmt(folding['batch_size'], 2)}), so it costs nothing; LN folded with one batch's statistics is off by "
        f"up to {_fmt(folding['layer_gap'], 2)} on another (outputs of size {_fmt(folding['layer_size'], 2)}): it "
        "must still run, token by token."
    )


def evidence_memory() -> str:
    from lnlib.nb06_claims_tested import time_and_memory

    tokens, width = 8 * 1024, 768  # a batch of 8 sequences of 1024 tokens, BERT-base width
    ln, bn = (time_and_memory.saved_for_backward(kind, tokens, width) for kind in ("layer", "batch"))
    return (
        f"Memory kept for backward at {tokens} tokens × {width} features: both keep the input "
        f"({ln['input']:,} bytes); beyond it LN keeps {ln['statistics']:,} bytes (μ, 1/σ per token), "
        f"BN {bn['statistics'] + bn['running buffers']:,} (μ, 1/σ, running mean and variance per feature): "
        f"{_fmt(100 * ln['statistics'] / ln['input'], 2)} % and "
        f"{_fmt(100 * (bn['statistics'] + bn['running buffers']) / bn['input'], 2)} % of the input."
    )


def evidence_formulas() -> str:
    import torch

    from lnlib import functional

    x = np.array([[0.0, 1.0, 2.0, 3.0, 4.0]])
    layer = torch.nn.LayerNorm(5, eps=5e-5).double()
    ours = functional.layer_norm(x, 5, eps=5e-5)
    theirs = layer(torch.tensor(x, dtype=torch.float64)).double().detach().numpy()
    return (
        f"(x − μ)/√(σ² + ε) with the biased σ² is torch.nn.LayerNorm's output to {_fmt(float(np.abs(ours - theirs).max()))}; "
        f"its γ and β have shape {tuple(layer.weight.shape)}: one independent pair per neuron."
    )


def evidence_eps_default() -> str:
    import torch

    return (
        f"Defaults: torch.nn.LayerNorm eps = {torch.nn.LayerNorm(5).eps:g}, torch.nn.BatchNorm1d eps = "
        f"{torch.nn.BatchNorm1d(5).eps:g}; Keras LayerNormalization 1e-3 and BERT's LayerNorm 1e-12 "
        "(their documentation and code). 0.00005 is the article's own choice."
    )


def evidence_torch_check() -> str:
    from lnlib.nb01_formulas_step_by_step import articles

    check = articles.article001_check()
    return (
        f"Article 001's check: largest gap between nn.LayerNorm(5, eps=0.00005) and the hand formula without ε "
        f"{_fmt(check.gap)} (float32); printed with 4 decimals they look {'the same' if check.printed_alike else 'different'}."
    )


def evidence_usage() -> str:
    import torch

    from lnlib.nb01_formulas_step_by_step import articles

    model = articles.article001_model()
    with torch.no_grad():
        output = model(torch.tensor([0.0, 1.0, 2.0]))
    return f"Linear(3, 5) → LayerNorm(5, eps=0.00005) → Tanh on x = [0, 1, 2] runs: output shape {tuple(output.shape)}."


def evidence_coupling() -> str:
    from lnlib.nb05_backward_by_hand import walkthrough

    batch_norm = walkthrough.influence_on_first_example(8, "batch")
    layer_norm = walkthrough.influence_on_first_example(8, "layer")
    return (
        f"Batch of 8: the other examples move example 0's loss by {_fmt(batch_norm[1:].mean() / batch_norm[0])} of its "
        f"own effect each under BN, by {_fmt(layer_norm[1:].max())} under LN (notebook 05, § 4)."
    )


def evidence_padding() -> str:
    from lnlib.nb03_bn_vs_ln_axes import batch_dependence

    shift = batch_dependence.padding_shift(extra=16)
    return (
        f"Notebook 03's padded batch ({_fmt(100 * shift['padding fraction'], 2)} % padding): the real tokens' BN "
        f"outputs move by up to {_fmt(shift['bn'])} against BN over the real tokens only; their LN outputs by "
        f"{_fmt(shift['ln'])}."
    )


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
    return (
        f"The same example in the same batch of 64, training mode vs evaluation mode: BN's output differs by up "
        f"to {_fmt(gaps['BN'])}, LN's by {_fmt(gaps['LN'])}."
    )


def evidence_distributed() -> str:
    from lnlib.nb06_claims_tested import sync_batch_norm

    result = sync_batch_norm.simulate(2, batch=16)
    return (
        f"A batch of 16 on 2 devices: BN with each device's own statistics is off by up to "
        f"{_fmt(result['bn_alone_output_gap'])} (outputs) and {_fmt(result['bn_alone_grad_gap'])} (gradients); "
        f"all-reduced, by {_fmt(result['bn_synced_output_gap'])}; LN by {_fmt(result['ln_output_gap'])} with no "
        "communication. The real 2-process gloo run: notebook 06, § 3."
    )


def evidence_mymodel() -> str:
    from lnlib.nb06_claims_tested import article003_mymodel

    as_printed = article003_mymodel.try_model(article003_mymodel.article_model(False), 2, 6)
    fitted = article003_mymodel.try_model(article003_mymodel.article_model(True), 2, 6)
    larger = article003_mymodel.try_model(article003_mymodel.article_model(True), 2, 32)
    fixed = article003_mymodel.try_model(article003_mymodel.FixedModel(), 2, 32)
    h, w = next((h, w) for h, w in article003_mymodel.fitting_sizes() if h != w)
    oblong = article003_mymodel.try_model(article003_mymodel.article_model(True), 2, h, width=w)
    return (
        f"As printed, 6×6: {as_printed}. With F imported, 6×6: {fitted}; {h}×{w}: {oblong}; 32×32: {larger}. "
        f"The inputs it fits, read from its layers: {article003_mymodel.fitting_sizes_text()}. "
        f"Fixed (pooled to 4×4), 32×32: {fixed}."
    )


def evidence_post_ln() -> str:
    import torch

    layer = torch.nn.TransformerEncoderLayer(d_model=8, nhead=2)
    return (
        f"torch.nn.TransformerEncoderLayer defaults to norm_first = {layer.norm_first} (Post-LN, as Vaswani et al. "
        "2017 and BERT); GPT-2 and most large models since put LN first (Pre-LN, x + SubLayer(LN(x)))."
    )


def evidence_learning_rates() -> str:
    from lnlib.small_nets import experiments, learning_rates

    results = experiments.load("learning_rates")
    return (
        "10-layer MLP, SGD, learning rates at which it trains (final loss, mean of 2 seeds, below "
        f"{learning_rates.TRAINS_BELOW}): "
        + "; ".join(
            f"{norm}: {', '.join(_fmt(v) for v in learning_rates.training_range(results, norm)) or 'none'}"
            for norm in learning_rates.COMPARED_NORMS
        )
        + "."
        + _digits_ranges()
    )


def evidence_sensitivity() -> str:
    from lnlib.nb06_claims_tested import invariances
    from lnlib.small_nets import experiments, learning_rates

    results = experiments.load("learning_rates")
    change = invariances.output_change("layer norm", "weight matrix re-scaling")
    return (
        "Initial weight scales (× Kaiming, lr 0.1) that train: "
        + "; ".join(
            f"{norm}: {', '.join(_fmt(v) for v in learning_rates.training_range(results, norm, 'init_gain')) or 'none'}"
            for norm in learning_rates.COMPARED_NORMS
        )
        + f". LN's output moves by {_fmt(change)} when its weights are re-scaled (Ba et al. Table 1); "
        "its output does not depend on the batch size at all." + _digits_ranges()
    )


def evidence_ics() -> str:
    from lnlib.small_nets import covariate_shift, experiments

    table = covariate_shift.summary(experiments.load("covariate_shift"))
    rows = ", ".join(
        f"{arm}: shift {_fmt(row['input_shift'])}, gradient ICS {_fmt(row['gradient_ics'])}, "
        f"loss range {_fmt(row['loss_range'])}, final loss {_fmt(row['train_loss'])}"
        for arm, row in table.items()
    )
    return f"10-layer MLP, lr 0.3, 3 seeds: {rows}."


def evidence_generalization() -> str:
    from lnlib.small_nets import experiments, generalization

    results = experiments.load("generalization")
    table = generalization.summary(results)
    differences = {
        norm: generalization.difference_from_none(results, norm) for norm in ("batch", "layer", "rms")
    }
    return (
        "256 examples with 20 % noisy labels, 5 seeds: held-out accuracy "
        + ", ".join(f"{norm} {_fmt(row['test'])}" for norm, row in table.items())
        + f"; training accuracy at least {_fmt(min(r['train'] for r in table.values()))} for every norm. "
        + "Against no norm, seed by seed: "
        + ", ".join(
            f"{norm} {_fmt(100 * m, 2)} ± {_fmt(100 * se, 2)} points" for norm, (m, se) in differences.items()
        )
        + "."
    )


def evidence_gradients() -> str:
    from lnlib.small_nets import gradient_flow

    table = gradient_flow.summary()
    return (
        f"30-layer ReLU MLP at initialization, initial weight scale × 0.7 … × 1.4: the mean weight gradient "
        f"changes by a factor {_fmt(table['none']['scale_spread'])} without a norm, "
        f"{_fmt(table['layer']['scale_spread'])} with LN, {_fmt(table['batch']['scale_spread'])} with BN; "
        f"with BN it grows {_fmt(table['batch']['growth_to_input'])}× from the last layer to the first."
    )


def evidence_invariances() -> str:
    from lnlib.nb06_claims_tested import invariances

    measured = invariances.invariance_table()
    expected = {**invariances.PUBLISHED, **invariances.DERIVED}
    agree = all(measured[norm] == expected[norm] for norm in measured)
    return (
        f"Ba et al. (2016) Table 1 recomputed for {len(measured)} norms × {len(invariances.TRANSFORMATIONS)} "
        f"transformations: {'every cell agrees' if agree else 'some cells disagree'} with the paper and the "
        "rows derived for the norms it does not have (RMSNorm: LN's row without re-centering; GroupNorm "
        "and InstanceNorm: LN's row)."
    )


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
            mark = "✓" if measured == invariant else "✗ disagrees"
            cells.append(f"{'invariant' if invariant else 'not'} ({change:.0e}) {mark}")
        rows.append([norm + (" (added)" if norm in invariances.DERIVED else "")] + cells)
    header = ["norm"] + list(invariances.TRANSFORMATIONS)
    return Markdown(
        "Each cell: the paper's answer (RMSNorm, GroupNorm, InstanceNorm: derived), the largest relative change of the output "
        "measured, and ✓ when they agree (invariant means a change below 1e-9).\n\n"
        + markdown_table(header, rows)
    )
