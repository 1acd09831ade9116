"""Notebook 03: which values share one mean and variance under each norm
(:mod:`~lnlib.nb03_bn_vs_ln_axes.shared_statistics`), and what follows from BN sharing them across the
batch (:mod:`~lnlib.nb03_bn_vs_ln_axes.batch_dependence`)."""
