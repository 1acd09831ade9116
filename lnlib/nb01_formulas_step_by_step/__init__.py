"""Notebook 01: layer norm's steps on a vector you control (:mod:`~lnlib.nb01_formulas_step_by_step.formulas`),
and the code of articles 000 and 001, reproduced and explained (:mod:`~lnlib.nb01_formulas_step_by_step.articles`)."""
