"""lnlib: batch, layer and RMS normalization from scratch, for the course's notebooks.

- :mod:`lnlib.functional`: the norms and their backward passes in NumPy (no torch needed);
- :mod:`lnlib.nn`: the same norms as torch modules built from elementary tensor operations.
"""
__version__ = "0.1.0"
