"""The real-data lab of notebook 07: 1,797 handwritten digits, a tanh MLP with a choice of norm.

- :mod:`~lnlib.digits.data`: the 8×8 digits of ``data/digits.csv.gz`` (the UCI set as scikit-learn ships it), one
  seeded split into training and held-out examples, standardised with the training split's statistics;
- :mod:`~lnlib.digits.network`: the MLP (Linear → norm → tanh blocks, norms from :mod:`lnlib.nn`) and what
  it looks like at initialization, layer by layer (activations, gradients, tanh's saturation);
- :mod:`~lnlib.digits.training`: one seeded SGD run that records its loss and each layer's update-to-data ratio;
- :mod:`~lnlib.digits.experiments`: notebook 07's grids and their results cache (``python -m lnlib cache digits``).
"""
