"""Small networks and the experiments of notebook 06 that train them.

- :mod:`~lnlib.small_nets.networks`: MLPs with a choice of norm, a synthetic task, a training loop;
- each cached experiment defines ``LAB``, its grid and run on the one protocol (:mod:`lnlib.support.protocol`);
- cached experiments: :mod:`~lnlib.small_nets.covariate_shift` (Santurkar et al. 2018, repeated small),
  :mod:`~lnlib.small_nets.generalization` (a held-out test), :mod:`~lnlib.small_nets.learning_rates`
  (which learning rates and initial scales train), :mod:`~lnlib.small_nets.rnn_noise` (batch norm's
  noise in a recurrent network);
- computed live: :mod:`~lnlib.small_nets.gradient_flow` (gradients layer by layer at initialization).
"""
