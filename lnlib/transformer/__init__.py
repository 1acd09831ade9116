"""The toy Transformer lab of notebook 04.

- :mod:`~lnlib.transformer.toy_task`: a Markov chain whose best possible loss is known exactly;
- :mod:`~lnlib.transformer.model`: a decoder-only Transformer whose norm and its place are parameters;
- :mod:`~lnlib.transformer.training`: seeded, repeatable training that never crashes;
- :mod:`~lnlib.transformer.experiments`: the grids of runs behind notebook 04, and their results cache.

``ToyTransformer`` and ``Block`` are importable from here, as ``lnlib.transformer.ToyTransformer``.
"""

from lnlib.transformer.model import Block, ToyTransformer

__all__ = ["Block", "ToyTransformer"]
