"""Notebook 07, why normalization helps on real data: handwritten digits, a tanh MLP, no norm, BN, LN, RMSNorm.

- :mod:`.verdicts`: which learning rates and initial scales train, tanh's saturation at initialization, BN's
  batch noise, each decided from the results cache (``data/digits_results.json``) by a rule in its docstring;
- :mod:`.figures`: the digits, the grid of runs, the batch-noise runs;
- :mod:`.pictures`: Karpathy-style pictures per layer (activations and gradients at initialization, computed
  live; the update-to-data ratio during training, from the cache), as apps;
- :mod:`.live_training`: a button that trains one configuration and draws it as it goes;
- :mod:`.questions`: a prediction before the sliders unlock, and an exercise answered through widgets.
"""
