"""Notebook 02: article 001's four-neuron example worked by hand, as on a blackboard.

- :mod:`~lnlib.nb02_worked_example_four_neurons.worked_example`: the exact computation, the blackboard
  table, and the same numbers from lnlib and torch;
- :mod:`~lnlib.nb02_worked_example_four_neurons.batch_by_hand`: batch norm by hand beside layer norm on one
  batch (d2l-zh's 2 × 2, then a 4 × 4), its checks against lnlib and torch, and its app;
- :mod:`~lnlib.nb02_worked_example_four_neurons.exercise`: the exercise and its check;
- :mod:`~lnlib.nb02_worked_example_four_neurons.app`: a neuron selector and its three sliders;
- :mod:`~lnlib.nb02_worked_example_four_neurons.questions`: the prediction before BN's and LN's table is edited.
"""
