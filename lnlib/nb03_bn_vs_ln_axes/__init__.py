"""Notebook 03: which values share one mean and variance under each norm
(:mod:`~lnlib.nb03_bn_vs_ln_axes.shared_statistics`), what follows from BN sharing them across the
batch (:mod:`~lnlib.nb03_bn_vs_ln_axes.batch_dependence`), sets that run short and LN on images
(:mod:`~lnlib.nb03_bn_vs_ln_axes.small_sets`), BN's running statistics by hand
(:mod:`~lnlib.nb03_bn_vs_ln_axes.running_statistics`, with an :mod:`~lnlib.nb03_bn_vs_ln_axes.exercise`), the
questions (:mod:`~lnlib.nb03_bn_vs_ln_axes.questions`) and the conventions of teaching code beside torch
(:mod:`~lnlib.nb03_bn_vs_ln_axes.conventions`)."""
