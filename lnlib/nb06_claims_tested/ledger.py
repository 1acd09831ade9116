r"""The ledger of notebook 06: every claim of the five articles, its grade, and the evidence.

Each :class:`Claim` holds the article's words (Chinese, as printed), the claim in English, a grade,
one or two sentences of reasons, where the evidence is (a section of notebook 06, another
notebook, a paper), the toy verdicts of notebook 06 its reason cites (their words and numbers are
filled in when the row is shown: :func:`reason`), and, where the evidence can be computed, a function
that computes it now and returns its numbers as a sentence (:func:`evidence`). A grade weighs the
literature and the toys together; it is not a toy verdict (:mod:`lnlib.support.verdict_rule`). Grades:

- **holds**: true as stated (within what a toy can show, which the reason says);
- **partly**: part of it is true, or true with a condition the article leaves out;
- **depends**: true in some settings and false in others, and the article does not say which;
- **does not hold**: the measurement or the literature says otherwise;
- **unsupported**: stated without evidence, and the course finds none for it.

The articles themselves (number, title, site) are described in :mod:`lnlib.nb00_start_here.sources`.
:data:`INDEX_TOPICS` lists the claims named in the index that comes with the articles' copies (the README
in :data:`lnlib.support.paths.ARTICLES`); a test checks that each has a row.

Its size is earned by one concern, the ledger itself: most of its lines are the 40 claims' quotes,
grades and reasons; the code that computes the evidence is in :mod:`.evidence`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from lnlib.nb00_start_here.sources import ARTICLE_LANGUAGE, ARTICLES, heading
from lnlib.nb06_claims_tested.evidence import (
    evidence_batch_independence,
    evidence_batch_noise,
    evidence_compute,
    evidence_coupling,
    evidence_distributed,
    evidence_eps_default,
    evidence_formulas,
    evidence_generalization,
    evidence_gradients,
    evidence_ics,
    evidence_invariances,
    evidence_learning_rates,
    evidence_memory,
    evidence_mymodel,
    evidence_numpy_snippet,
    evidence_padding,
    evidence_post_ln,
    evidence_rnn,
    evidence_sensitivity,
    evidence_torch_check,
    evidence_train_eval,
    evidence_usage,
)
from lnlib.support import language
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui.text import Markdown, markdown_table

LEDGER_GRADES = ("holds", "partly", "depends", "does not hold", "unsupported")
GRADE_MARKS = {
    "holds": N_("✅ holds"),
    "partly": N_("🟡 partly"),
    "depends": N_("🔀 depends"),
    "does not hold": N_("❌ does not hold"),
    "unsupported": N_("❔ unsupported"),
}
"""Grade → its mark as shown (translated where shown; the grades themselves stay program values)."""


# The claims the articles' index names, as (article, topic): each must have a ledger row with that topic.
INDEX_TOPICS = (
    ("000", "numpy snippet"),
    ("000", "small batches"),
    ("000", "RNNs"),
    ("000", "compute at high dimension"),
    ("001", "formulas"),
    ("001", "eps 0.00005"),
    ("001", "torch check without eps"),
    ("001", "Linear-LayerNorm-Tanh"),
    ("002", "parallel processing"),
    ("002", "variable lengths"),
    ("002", "training stability"),
    ("002", "memory efficiency"),
    ("003", "cross-device synchronisation"),
    ("003", "BN noise harms RNNs"),
    ("003", "MyModel"),
    ("004", "Post-LN formula"),
    ("004", "learning-rate range"),
    ("004", "hyper-parameter sensitivity"),
    ("004", "internal covariate shift"),
    ("004", "implicit regularization"),
)


@dataclass(frozen=True)
class Claim:
    """One row of the ledger."""

    id: str
    article: str  # "000" … "004"
    quote: str  # the article's words, as printed
    claim: str  # the claim in English
    grade: str  # one of LEDGER_GRADES
    reason: str  # why, in one or two sentences, with the numbers that decide it
    evidence: str  # where the evidence is: a section of notebook 06, another notebook, a paper
    check: Callable | None = None  # computes the evidence now; returns a sentence with its numbers
    topic: str = ""  # the index topic this row covers, if any
    toy: tuple = ()  # ids of the toy verdicts the reason cites (notebooks 04, 06, 07: lnlib.tools.verdicts.by_id)


LEDGER = (
    # ---- article 000 -------------------------------------------------------------------------
    Claim(
        "000-a",
        "000",
        "旨在解决神经网络训练中的梯度消失、梯度爆炸等问题",
        N_("LN addresses vanishing and exploding gradients."),
        "partly",
        N_(
            "At initialization LN makes the gradients' size independent of the weights' scale (no norm: a factor "
            "of about 7·10⁹ between weight scales 0.7 and 1.4 in a 30-layer MLP; LN: about 1.6), and its input "
            "gradient scales as 1/scale. It does not fix every training problem: deep Post-LN Transformers still need "
            "warm-up (Xiong et al. 2020), for reasons the literature debates (large output-side gradients in Xiong "
            "et al.; the residual branches amplifying updates in Liu et al. 2020)."
        ),
        N_("notebook 06 § 5 (gradient flow); notebook 05 § 4; notebook 04 (warm-up)"),
        evidence_gradients,
        toy=("04-warmup",),
    ),
    Claim(
        "000-b",
        "000",
        "它不依赖于batch的样本数量 … 更适合用于小批量数据训练",
        N_("LN does not depend on the batch, so it suits small batches."),
        "holds",
        N_(
            "An example's LN output is the same in every batch (even a batch of one); its BN output moves with its "
            "batchmates by about 1/√N, and BN cannot train on one example."
        ),
        N_("notebook 06 § 2; notebook 03"),
        evidence_batch_independence,
        "small batches",
    ),
    Claim(
        "000-c",
        "000",
        "Layer Normalization在循环神经网络(RNN)等需要处理序列数据的模型中表现更加出色",
        N_("LN performs better in RNNs and other sequence models."),
        "depends",
        N_(
            "Literature: LN was designed for RNNs, and Ba et al. (2016) report faster training of LSTMs and GRUs "
            "with it; Transformers, sequence models too, are built on it. A toy that disagrees would not refute the "
            "paper; it would show the gain is not universal."
        ),
        N_("notebook 06 § 2 (RNN); Ba et al. 2016 § 6; Cooijmans et al. 2016"),
        evidence_rnn,
        "RNNs",
        toy=("06-rnn-layer-norm",),
    ),
    Claim(
        "000-d",
        "000",
        "具有更好的泛化能力",
        N_("LN generalizes better (than BN)."),
        "partly",
        N_(
            "The article cites no study, and we know of none that finds it in general. Our held-out test compares "
            "LN with BN and with no norm at all: LN better than BN but not better than no norm would mean BN's "
            "worse, not LN's better."
        ),
        N_("notebook 06 § 8"),
        evidence_generalization,
        toy=("06-generalization-vs-bn", "06-generalization"),
    ),
    Claim(
        "000-e",
        "000",
        "它能够加速模型训练过程,使得模型更容易收敛",
        N_("LN speeds up training and makes convergence easier."),
        "depends",
        N_(
            "Literature: Ba et al. (2016) report faster convergence with LN in RNNs, and Transformers need a norm to "
            "train deep (Xiong et al. 2020). Where the speed-up comes depends on the model."
        ),
        N_("notebook 06 § 6–7; notebook 04; notebook 07 § 3"),
        evidence_learning_rates,
        toy=("06-ln-convergence", "07-wider-init-scales"),
    ),
    Claim(
        "000-f",
        "000",
        "在计算上的复杂度相对较高,同时在特征维度较高时会带来一定的训练速度问题",
        N_("LN costs more compute than BN, and slows training at high feature dimension."),
        "partly",
        N_(
            "At inference it does: BN's running statistics are constants, so BN folds into the layer before it and "
            "costs nothing, while LN must compute each token's statistics at run time; that cost is why RMSNorm "
            "drops the mean (Zhang and Sennrich 2019 report 7 %–64 % less running time than LN, at comparable "
            "quality). In training both do the same O(N·D) arithmetic and nothing in LN's grows with D: measured "
            "here (forward + backward, the same number of values at every D, one CPU micro-benchmark), LN is slower "
            "only at the smallest feature dimensions and no slower at the largest, so 'slows training at high "
            "feature dimension' does not hold on this CPU; GPU kernels are another measurement."
        ),
        N_("notebook 06 § 4 (live measurement, BN folded at inference); Zhang and Sennrich 2019"),
        evidence_compute,
        "compute at high dimension",
    ),
    Claim(
        "000-g",
        "000",
        "mean = np.mean(features, axis=-1, keepdims=True) … np.sqrt(variance + epsilon)",
        N_("The NumPy snippet computes layer norm."),
        "holds",
        N_(
            "np.var is the biased variance, as in LN, and ε sits inside the square root: the snippet agrees with "
            "torch to rounding. Its γ, β drawn at random are unusual (torch starts from γ = 1, β = 0) but not wrong."
        ),
        N_("notebook 01"),
        evidence_numpy_snippet,
        "numpy snippet",
    ),
    # ---- article 001 -------------------------------------------------------------------------
    Claim(
        "001-a",
        "001",
        "公式(1)就是对当层所有节点进行标准(归一)化 … 每个神经元对应的 是独立的",
        N_(
            "LN standardizes the n neurons of a layer (1), then scales and shifts each with its own γ, β (2)."
        ),
        "holds",
        N_("The formula is torch's LayerNorm to rounding, with one (γ, β) pair per neuron."),
        N_("notebooks 01 and 02"),
        evidence_formulas,
        "formulas",
    ),
    Claim(
        "001-b",
        "001",
        "一个较小的数,通常取为0.00005",
        N_("ε is usually 0.00005."),
        "does not hold",
        N_(
            "No common library uses 0.00005 by default: PyTorch 1e-5, Keras 1e-3, BERT 1e-12. Any small ε works; "
            "its size matters only when the variance is tiny (notebook 01)."
        ),
        N_("notebook 01; library defaults"),
        evidence_eps_default,
        "eps 0.00005",
    ),
    Claim(
        "001-c",
        "001",
        "可见,pytorch中的LayerNorm实际就是按层归一化公式进行计算",
        N_("PyTorch's LayerNorm computes exactly the LN formula (checked with a hand formula without ε)."),
        "holds",
        N_(
            "It does, but the article's check leaves ε out, so the two differ by about 1.8e-5, hidden by printing "
            "four decimals."
        ),
        N_("notebook 01"),
        evidence_torch_check,
        "torch check without eps",
    ),
    Claim(
        "001-d",
        "001",
        "层归一化一般用于激活函数之前",
        N_("LN is normally placed before the activation function."),
        "depends",
        N_(
            "So in Ba et al.'s RNNs and in article 001's Linear → LN → Tanh. Transformers put it around whole "
            "sub-layers instead: after the residual sum (Post-LN) or before attention and the feed-forward block "
            "(Pre-LN), not before an activation."
        ),
        N_("notebook 04; Ba et al. 2016; Vaswani et al. 2017"),
        evidence_post_ln,
    ),
    Claim(
        "001-e",
        "001",
        "批归一化BN一般作为CNN的归一化方法,而层归一化LN则是作为RNN的归一化方法",
        N_("BN is the norm of CNNs, LN the norm of RNNs."),
        "partly",
        N_(
            "True of the 2016 landscape. Since then LN is above all the norm of Transformers, and modern CNNs use it "
            "too (ConvNeXt, Liu et al. 2022); BN has been made to work in RNNs (Cooijmans et al. 2016)."
        ),
        N_("Ba et al. 2016; Liu et al. 2022; Cooijmans et al. 2016"),
    ),
    Claim(
        "001-f",
        "001",
        "LN的提出主要是因为批归一化BN难以应用于RNN等应用于时间序列的神经网络模型",
        N_("LN was proposed because BN is hard to apply to RNNs."),
        "holds",
        N_(
            "That is Ba et al.'s own motivation: BN needs statistics per time step and a batch; LN needs neither."
        ),
        N_("Ba, Kiros and Hinton 2016, abstract and § 1"),
    ),
    Claim(
        "001-g",
        "001",
        "nn.Linear(3, 5) … nn.LayerNorm(5,eps=0.00005) … nn.Tanh()",
        N_("Linear → LayerNorm → Tanh: the usage example runs."),
        "holds",
        N_(
            "It runs on the article's input, including the un-batched x of shape (3,), since LN works on the last axis."
        ),
        N_("notebook 01"),
        evidence_usage,
        "Linear-LayerNorm-Tanh",
    ),
    # ---- article 002 -------------------------------------------------------------------------
    Claim(
        "002-a",
        "002",
        "BN依赖于整个mini-batch的数据,这与Transformer并行处理机制的需求相悖",
        N_("BN's dependence on the whole mini-batch conflicts with the Transformer's parallel processing."),
        "partly",
        N_(
            "BN's statistics are a parallel reduction, no obstacle to parallel hardware. What is true: BN couples the "
            "examples of a batch (every example moves every other's gradient), needs synchronising across devices, and "
            "over batch × time it mixes positions, which lets later tokens leak into earlier ones in a causal model "
            "(notebook 04)."
        ),
        N_("notebook 05 § 4; notebook 06 § 3; notebook 04"),
        evidence_coupling,
        "parallel processing",
    ),
    Claim(
        "002-b",
        "002",
        "Transformer通常处理不同长度的序列,BN难以适应这种变化,而Layer Norm则无此问题",
        N_("With sequences of varying length BN struggles and LN does not."),
        "holds",
        N_(
            "Padded positions enter BN's statistics, so a token's output depends on how much padding its batch has; "
            "LN normalizes each token alone. (BN can mask the padding, at the cost of more code; Shen et al. 2020 "
            "find BN in Transformers still trails LN.)"
        ),
        N_("notebook 06 § 2; notebook 03; notebook 04"),
        evidence_padding,
        "variable lengths",
    ),
    Claim(
        "002-c",
        "002",
        "Layer Norm在处理变长输入时显示出更好的稳定性,这对于提高模型的泛化能力至关重要",
        N_("LN is more stable with variable-length input, which is crucial for generalization."),
        "partly",
        N_(
            "The first half holds (per-token statistics; notebook 04 measures the gap with padding). The link to "
            "generalization is asserted, not shown, and our held-out test finds no generalization benefit of LN."
        ),
        N_("notebook 04; notebook 06 § 8"),
        evidence_padding,
        "training stability",
    ),
    Claim(
        "002-d",
        "002",
        "处理大规模数据时,Layer Norm的内存效率优于BN",
        N_("LN is more memory-efficient than BN on large data."),
        "does not hold",
        N_(
            "Both keep the input for the backward pass; beyond it LN keeps 2 numbers per example or token, BN 4 per "
            "feature. Both extras are a fraction of a percent of the input at real sizes, and LN's is the larger one "
            "whenever there are more tokens than twice the features."
        ),
        N_("notebook 06 § 4 (autograd's saved tensors, measured)"),
        evidence_memory,
        "memory efficiency",
    ),
    Claim(
        "002-e",
        "002",
        "BN的有效性依赖于较大的batch大小,这在处理小批量数据或单个数据样本时成为一个限制",
        N_("BN needs large batches; LN works even for a single example."),
        "holds",
        N_(
            "BN's output noise grows as the batch shrinks (about 1/√N) and BN cannot train on a batch of one; "
            "Wu and He (2018) measure BN's error rising sharply below about 8 images per batch."
        ),
        N_("notebook 06 § 2; notebook 03; Wu and He 2018"),
        evidence_batch_independence,
    ),
    # ---- article 003 -------------------------------------------------------------------------
    Claim(
        "003-a",
        "003",
        "都是用于神经网络中的正则化技术,旨在提高模型的训练效果和泛化能力",
        N_("BN and LN are regularization techniques that improve generalization."),
        "partly",
        N_(
            "They are normalization techniques. BN's batch noise can regularize (Ioffe and Szegedy 2015 could drop "
            "dropout; Luo et al. 2019), LN has no such noise; our held-out test compares each with no norm."
        ),
        N_("notebook 06 § 8; Luo et al. 2019"),
        evidence_generalization,
        toy=("06-generalization-bn", "06-generalization"),
    ),
    Claim(
        "003-b",
        "003",
        "它们的目标都是通过减少内部协变量转移(Internal Covariate Shift)来加速训练过程",
        N_("BN and LN speed up training by reducing internal covariate shift."),
        "does not hold",
        N_(
            "Santurkar et al. (2018): BN with noise that makes layer inputs shift more than without any norm still "
            "trains well, BN does not reduce ICS measured by gradients, and what it does is smooth the loss landscape. "
            "Our small repeat measures all three."
        ),
        N_("notebook 06 § 6; Santurkar et al. 2018"),
        evidence_ics,
        toy=("06-covariate-shift",),
    ),
    Claim(
        "003-c",
        "003",
        "它不依赖于batch的大小,因此在训练和推理时具有更好的鲁棒性",
        N_("LN does not depend on the batch, so it behaves the same in training and inference."),
        "holds",
        N_(
            "BN switches from batch statistics to running averages at inference, so the same batch gives two outputs; "
            "LN has no modes."
        ),
        N_("notebook 06 § 2; notebook 03"),
        evidence_train_eval,
    ),
    Claim(
        "003-d",
        "003",
        "对于序列型任务如RNN/LSTM等可能会引入额外噪声干扰长期依赖关系的学习效率",
        N_("BN's cross-example noise harms learning long-range dependencies in RNNs."),
        "partly",
        N_(
            "Literature: Cooijmans et al. (2016) train recurrent BN well with statistics per time step over ordinary "
            "batches. The noise is real and the recurrence carries it (§ 2, measured live); our memory task asks "
            "whether it harms at each number of examples per statistic."
        ),
        N_("notebook 06 § 2; Cooijmans et al. 2016; Ba et al. 2016"),
        evidence_rnn,
        "BN noise harms RNNs",
        toy=("06-rnn-noise",),
    ),
    Claim(
        "003-e",
        "003",
        "BN需要同步各设备间产生的统计数据以维持一致性,增加了通信开销。然而,LN仅需关注局部区域内的数值变化",
        N_(
            "In distributed training BN must synchronise its statistics across devices; LN needs no communication."
        ),
        "holds",
        N_(
            "Shown with torch.distributed (gloo) on 2 local processes: each process's BN statistics differ from the "
            "whole batch's unless all-reduced (then they agree to 1e-16); LN's outputs are identical however the batch "
            "is split. Without synchronisation BN still trains, on per-device statistics."
        ),
        N_("notebook 06 § 3 (live, 2 processes)"),
        evidence_distributed,
        "cross-device synchronisation",
    ),
    Claim(
        "003-f",
        "003",
        "利用全局信息有助于提升表征质量",
        N_("For CNNs BN is recommended, because pixels are spatially correlated."),
        "partly",
        N_(
            "BN is the standard norm of classic CNNs (ResNet) and Ba et al. found LN behind BN in ConvNets; the reason "
            "given (spatial correlation) is not the one the literature gives, and BN fails CNNs with small batches "
            "(Wu and He 2018)."
        ),
        N_("He et al. 2016; Ba et al. 2016 § 6.7; Wu and He 2018"),
    ),
    Claim(
        "003-g",
        "003",
        "LN能有效缓解梯度消失问题的同时还不会破坏原有语义结构完整性",
        N_("In Transformers LN relieves vanishing gradients without harming the semantic structure."),
        "partly",
        N_(
            "Literature: Xiong et al. (2020) prove Pre-LN's gradients well-behaved at initialization and Post-LN's "
            "large near the output, and deep Post-LN needs warm-up. 'Semantic structure' is not defined, so not "
            "testable."
        ),
        N_("notebook 04; Xiong et al. 2020"),
        evidence_gradients,
        toy=("04-warmup", "04-gradient-per-layer"),
    ),
    Claim(
        "003-h",
        "003",
        "self.fc = nn.Linear(1024, 512) … F.relu(self.bn(self.conv(x)))",
        N_("The MyModel example (Conv2d + BatchNorm2d, Linear + LayerNorm) runs."),
        "does not hold",
        N_(
            "As printed its first call fails with a name error: F is never imported. With F imported it runs only on "
            "inputs with 64·(H − 2)·(W − 2) = 1024, which Linear(1024, 512) needs: 3×18, 4×10, 6×6, 10×4 and 18×3, "
            "of which 6×6 is the only square one. Pooling to 4×4 before flattening fixes it."
        ),
        N_("notebook 06 § 1 (live)"),
        evidence_mymodel,
        "MyModel",
    ),
    Claim(
        "003-i",
        "003",
        "有正则化的效果,可以减少过拟合",
        N_(
            "BN has a regularizing effect and reduces overfitting (through the noise of its batch statistics, as d2l "
            "and Karpathy teach)."
        ),
        "depends",
        N_(
            "Literature: Ioffe and Szegedy (2015) could drop dropout once BN was in, Luo et al. (2019) derive the noise "
            "of BN's batch statistics as a regularizer, and Hoffer et al. (2017) use small 'ghost' batches to get it "
            "back in large-batch training. Our toy turns the noise up with the batch fixed at 128; a held-out "
            "loss there may partly be the mismatch between small groups' statistics in training and the running ones "
            "at evaluation, which the toy does not separate."
        ),
        N_(
            "notebook 06 § 8 (batch noise); notebook 07 § 5; Ioffe and Szegedy 2015; Luo et al. 2019; Hoffer et al. 2017"
        ),
        evidence_batch_noise,
        toy=("06-batch-noise", "07-batch-noise"),
    ),
    # ---- article 004 -------------------------------------------------------------------------
    Claim(
        "004-a",
        "004",
        "层归一化计算每个神经元激活的均值",
        N_("LN takes the mean and variance over the features of one input vector."),
        "holds",
        N_("Yes, with the biased variance and ε inside the square root."),
        N_("notebooks 01 and 03"),
        evidence_formulas,
    ),
    Claim(
        "004-b",
        "004",
        "层归一化帮助在反向传播过程中保持梯度在合理范围内",
        N_("LN keeps gradients in a reasonable range during backpropagation."),
        "partly",
        N_(
            "It makes them independent of the weights' scale and shrinks them as 1/scale of its input (notebook 05), "
            "but LN alone does not make a deep Transformer easy to train: deep Post-LN needs warm-up (Xiong et al. "
            "2020)."
        ),
        N_("notebook 05 § 4; notebook 04; notebook 06 § 5"),
        evidence_gradients,
        toy=("04-warmup",),
    ),
    Claim(
        "004-c",
        "004",
        r"\text{Output} = \text{LayerNorm}(\text{Input} + \text{SubLayer}(\text{Input})) … 如BERT、GPT",
        N_("Transformers such as BERT and GPT use Post-LN, LayerNorm(x + SubLayer(x))."),
        "partly",
        N_(
            "The original Transformer and BERT do; GPT-2, GPT-3 and most later models use Pre-LN, "
            "x + SubLayer(LayerNorm(x)), which trains without warm-up (Xiong et al. 2020)."
        ),
        N_("notebook 04; Radford et al. 2019; Xiong et al. 2020"),
        evidence_post_ln,
        "Post-LN formula",
    ),
    Claim(
        "004-d",
        "004",
        "层归一化解决了内部协变量偏移的问题",
        N_("LN solves internal covariate shift, which is why learning is faster."),
        "does not hold",
        N_(
            "Reducing ICS is not how normalization helps (Santurkar et al. 2018); our repeat measures it for BN and LN."
        ),
        N_("notebook 06 § 6; Santurkar et al. 2018"),
        evidence_ics,
        "internal covariate shift",
        toy=("06-covariate-shift", "06-ln-covariate-shift"),
    ),
    Claim(
        "004-e",
        "004",
        "层归一化通过稳定每个时间步的输出,确保模型在处理复杂输入序列时保持稳定的学习率",
        N_("In RNNs LN stabilizes each time step's output and so the learning."),
        "depends",
        N_(
            "Literature: Ba et al. (2016) report that LN stabilizes the hidden state's dynamics and speeds up LSTMs "
            "and GRUs on their tasks. Where our toy RNN differs, why it fails we have not tested."
        ),
        N_("notebook 06 § 2 (RNN); Ba et al. 2016"),
        evidence_rnn,
        toy=("06-rnn-layer-norm",),
    ),
    Claim(
        "004-f",
        "004",
        "层归一化通过保持各层激活的一致性,减少了错误积累的可能性",
        N_("LN reduces error accumulation in deep CNNs."),
        "unsupported",
        N_(
            "No evidence is given and 'error accumulation' is not defined. Ba et al. found LN behind BN in ConvNets; "
            "ConvNeXt (Liu et al. 2022) shows LN can work in a CNN, for other reasons."
        ),
        N_("Ba et al. 2016 § 6.7; Liu et al. 2022"),
    ),
    Claim(
        "004-g",
        "004",
        "层归一化还减少了对学习率、权重初始化和批量大小等超参数的敏感性",
        N_("LN reduces sensitivity to learning rate, weight initialization and batch size."),
        "partly",
        N_(
            "Batch size: yes, by construction. Initialization: yes, LN is invariant to re-scaling the weights (Ba et "
            "al. 2016, recomputed). Learning rate: the literature has no general result for LN."
        ),
        N_("notebook 06 § 5 and § 7; notebook 07 § 3"),
        evidence_sensitivity,
        "hyper-parameter sensitivity",
        toy=("06-initial-scales", "06-learning-rates", "07-wider-init-scales"),
    ),
    Claim(
        "004-h",
        "004",
        "层归一化使得训练可以在更广泛的学习率范围内顺利进行",
        N_("LN lets training succeed over a wider range of learning rates."),
        "depends",
        N_(
            "Literature: in Transformers Pre-LN can train without warm-up at rates where Post-LN fails (Xiong et al. "
            "2020); for BN, Ioffe and Szegedy (2015) and Bjorck et al. (2018) report larger usable learning rates."
        ),
        N_("notebook 06 § 7; notebook 04; notebook 07 § 3"),
        evidence_learning_rates,
        "learning-rate range",
        toy=(
            "06-learning-rates",
            "04-learning-rate-range",
            "04-learning-rate-range-long",
            "07-larger-learning-rates",
        ),
    ),
    Claim(
        "004-i",
        "004",
        "层归一化具有隐式的正则化效果,可以增强神经网络的泛化能力",
        N_("LN has an implicit regularizing effect and improves generalization."),
        "unsupported",
        N_(
            "The article cites 'empirical studies' without naming one; Xu et al. (2019) even find LN's γ and β raise "
            "the risk of over-fitting."
        ),
        N_("notebook 06 § 8; Xu et al. 2019"),
        evidence_generalization,
        "implicit regularization",
        toy=("06-generalization",),
    ),
    Claim(
        "004-j",
        "004",
        "在处理可变长度序列的RNN中,批归一化可能会干扰时间依赖关系",
        N_("In RNNs over variable-length sequences BN may disturb the temporal dependencies."),
        "holds",
        N_(
            "BN needs statistics per time step (Cooijmans et al. 2016) and has none for steps longer than any training "
            "sequence (Ba et al. 2016); with padding its statistics mix padding in."
        ),
        N_("notebook 06 § 2; Ba et al. 2016"),
        evidence_padding,
    ),
    Claim(
        "004-k",
        "004",
        "AlbertAGPT在每个变换器块的前馈和自注意力机制之后应用层归一化",
        N_("Claims about a model called AlbertAGPT (LN placement, learning-rate range, stability)."),
        "unsupported",
        N_(
            "The article gives no reference for AlbertAGPT, and we know of no published model of that name: its "
            "claims cannot be checked."
        ),
        N_("no source given"),
    ),
    # ---- Ba et al. Table 1, which claims 004-g and 000-a lean on -----------------------------------
    Claim(
        "ba-table-1",
        "004",
        "减少了对学习率、权重初始化和批量大小等超参数的敏感性",
        N_(
            "(Behind the initialization claims) LN is invariant to re-scaling and re-centering the weight matrix and "
            "to re-scaling a single example (Ba et al. 2016, Table 1)."
        ),
        "holds",
        N_(
            "Recomputed numerically for BN, weight norm and LN, every cell agrees with the paper; RMSNorm keeps LN's "
            "invariances except re-centering."
        ),
        N_("notebook 06 § 5"),
        evidence_invariances,
    ),
)


def ledger() -> tuple:
    """Every claim, in the order of the articles."""
    return LEDGER


def by_id(claim_id: str) -> Claim:
    for claim in LEDGER:
        if claim.id == claim_id:
            return claim
    raise KeyError(f"no claim {claim_id!r}; the ledger has {[c.id for c in LEDGER]}")


def evidence(claim_id: str) -> str:
    """The evidence of one claim, computed now (or the cited sources when it cannot be computed)."""
    claim = by_id(claim_id)
    if claim.check is not None:
        return claim.check()
    return _("Cited, not computed: {sources}.").format(sources=_(claim.evidence))


def mark(grade: str) -> str:
    """A ledger grade as shown: its mark and its name in the current language."""
    return _(GRADE_MARKS[grade])


def toy_sentence(verdict) -> str:
    """What a toy verdict (:class:`lnlib.support.verdict_rule.ToyVerdict`) adds to a ledger row: its word, by the
    verdict rule, and its numbers."""
    return _("Our toy ({id}, {claim}): {word}. {evidence}").format(
        id=verdict.id, claim=verdict.claim, word=verdict.outcome_text, evidence=verdict.evidence
    )


def reason(claim: Claim, verdicts: dict | None = None) -> str:
    """A row's reason as shown: the literature, then each toy verdict it cites, computed now (``verdicts``: id →
    ToyVerdict, to show others; default: the course's own, from the caches)."""
    if not claim.toy:
        return _(claim.reason)
    if verdicts is None:
        from lnlib.tools.verdicts import by_id

        verdicts = {verdict_id: by_id(verdict_id) for verdict_id in claim.toy}
    return " ".join([_(claim.reason)] + [toy_sentence(verdicts[verdict_id]) for verdict_id in claim.toy])


def shown_claim(claim: Claim, with_quote: bool = False) -> str:
    """The claim as shown. In the articles' language it leads with the article's own words; in English the
    quote follows the claim, when asked for."""
    if language.current() == ARTICLE_LANGUAGE:
        return _("「{quote}」 {claim}").format(quote=claim.quote, claim=_(claim.claim))
    return claim.claim + (f" 「{claim.quote}」" if with_quote else "")


def grades(*claim_ids: str) -> Markdown:
    """Each claim with its ledger grade, the reason, and its evidence computed now: the end of each section of
    notebook 06.

    Each leads with a one-line headline (claim and grade); the reason and the numbers are folded beneath it."""
    blocks = []
    for claim_id in claim_ids:
        claim = by_id(claim_id)
        headline = _("**{id}** (article {article}) *{claim}* → **{verdict}**").format(
            id=claim.id, article=claim.article, claim=shown_claim(claim), verdict=mark(claim.grade)
        )
        why = _("why, and the evidence computed now")
        computed = _("Evidence, computed now: {evidence}").format(evidence=evidence(claim_id))
        blocks.append(
            f"{headline}\n\n<details><summary>{why}</summary>\n\n{reason(claim)}\n\n> {computed}\n\n</details>"
        )
    return Markdown("\n\n".join(blocks))


def grade_counts() -> dict:
    counts = dict.fromkeys(LEDGER_GRADES, 0)
    for claim in LEDGER:
        counts[claim.grade] += 1
    return counts


def _header(with_reasons: bool) -> list:
    if with_reasons:
        return ["#", _("claim"), _("verdict"), _("why"), _("evidence")]
    return ["#", _("claim"), _("verdict"), _("evidence")]


def _row(claim: Claim, with_quotes: bool, with_reasons: bool = True) -> tuple:
    cells = (claim.id, shown_claim(claim, with_quotes), mark(claim.grade))
    return cells + ((reason(claim),) if with_reasons else ()) + (_(claim.evidence),)


def table(article: str | None = None, with_quotes: bool = False) -> Markdown:
    """The ledger as a Markdown table (one article's rows, or all)."""
    rows = [_row(c, with_quotes) for c in LEDGER if article is None or c.article == article]
    return Markdown(markdown_table(_header(True), rows))


def _counts_text(counts: dict) -> str:
    return _(", ").join(
        _("{verdict}: {count}").format(verdict=mark(g), count=n) for g, n in counts.items() if n
    )


def article_headline(article: str) -> str:
    """One article's line: its title and how many of its claims got each grade."""
    counts = dict.fromkeys(LEDGER_GRADES, 0)
    for claim in LEDGER:
        if claim.article == article:
            counts[claim.grade] += 1
    # HTML: it heads a <details> fold
    return _("<b>{title}</b>: {counts}").format(
        title=html.escape(heading(article)), counts=_counts_text(counts)
    )


def folded_by_article(with_quotes: bool = False) -> Markdown:
    """The ledger folded by article, each beneath its one-line headline (one screen with every fold shut).

    With quotes: every column. Without (the ledger at a glance): the claim, its grade and where the
    evidence is; the reasons are in each section's grades and in the article-by-article ledger."""
    folds = []
    for article in ARTICLES:
        rows = [_row(c, with_quotes, with_reasons=with_quotes) for c in LEDGER if c.article == article]
        folds.append(
            f"<details><summary>{article_headline(article)}</summary>\n\n"
            f"{markdown_table(_header(with_quotes), rows)}\n\n</details>"
        )
    return Markdown("\n\n".join(folds))


def counts_line() -> Markdown:
    counts = grade_counts()
    return Markdown(
        _("**{count} claims:** {counts}").format(
            count=len(LEDGER),
            counts=_(", ").join(
                _("{verdict}: {count}").format(verdict=mark(g), count=n) for g, n in counts.items()
            ),
        )
    )


def readme_list() -> str:
    """The claims with their grades as a Markdown list, for the README (in English, as the README)."""
    lines = []
    for article in ARTICLES:
        lines.append(f"- **{heading(article, 'en')}**")
        lines.extend(f"  - {c.claim} — *{c.grade}*" for c in LEDGER if c.article == article)
    return "\n".join(lines)
