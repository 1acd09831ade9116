"""Notebook 04: what normalization does to a toy Transformer's training, read from the results cache.

- :mod:`~lnlib.nb04_transformer_stability.verdicts`: each published effect, decided from the numbers;
- :mod:`~lnlib.nb04_transformer_stability.figures`: the static figures and tables;
- :mod:`~lnlib.nb04_transformer_stability.apps`: sliders that answer from the cache, at once;
- :mod:`~lnlib.nb04_transformer_stability.live_training`: a button that trains one run live.

The model, its training and the cache are the lab of :mod:`lnlib.transformer`.
"""
