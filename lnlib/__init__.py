"""lnlib: layer and batch normalization from scratch, and the code of the course's notebooks.

The norms, the small package the course is about (they import nothing else of the course):

- :mod:`lnlib.functional`: the norms and their backward passes in NumPy, as PyTorch computes them;
- :mod:`lnlib.nn`: the same norms as torch modules built from elementary tensor operations.

Each notebook's code, in the folder named after it:

- :mod:`lnlib.nb00_start_here`: the first slider and the glossary;
- :mod:`lnlib.nb01_formulas_step_by_step`: layer norm step by step, and the articles' code;
- :mod:`lnlib.nb02_worked_example_four_neurons`: the four-neuron example worked by hand;
- :mod:`lnlib.nb03_bn_vs_ln_axes`: which values share statistics, and what follows from it;
- :mod:`lnlib.nb04_transformer_stability`: the toy Transformer's verdicts, figures and apps;
- :mod:`lnlib.nb05_backward_by_hand`: the backward pass, node by node;
- :mod:`lnlib.nb06_claims_tested`: the ledger of the articles' claims and its evidence.

What the notebooks stand on:

- :mod:`lnlib.transformer`: the toy Transformer lab (task, model, training, notebook 04's cached runs);
- :mod:`lnlib.small_nets`: small networks and notebook 06's experiments, with their cache;
- :mod:`lnlib.ui`: the widget kit (controls, fast figures, apps, text and tables, the plot style);
- :mod:`lnlib.support`: paths, torch's threads and determinism, free ports, reading and comparing caches;
- :mod:`lnlib.tools`: present with Voila, the reading copy, benchmarks, notebook stripping.

``python -m lnlib --help`` lists the commands.
"""

__version__ = "0.3.0"
"""The course's version (CHANGELOG.md says what each changed): its minor number moves when a verdict or a
number a learner sees changes."""
