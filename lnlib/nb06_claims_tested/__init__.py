"""Notebook 06: every claim of the five articles, its verdict and its evidence.

- :mod:`~lnlib.nb06_claims_tested.ledger`: the claims, their verdicts and the tables;
- :mod:`~lnlib.nb06_claims_tested.evidence`: each claim's evidence, computed now;
- the experiments that are not training runs: :mod:`~lnlib.nb06_claims_tested.time_and_memory`
  (what LN and BN cost), :mod:`~lnlib.nb06_claims_tested.shards` and
  :mod:`~lnlib.nb06_claims_tested.sync_batch_norm` (batch norm across devices),
  :mod:`~lnlib.nb06_claims_tested.article003_mymodel` (article 003's model, run),
  :mod:`~lnlib.nb06_claims_tested.invariances` (Ba et al. 2016, Table 1, recomputed).

The training experiments it reads are in :mod:`lnlib.small_nets`.
"""
