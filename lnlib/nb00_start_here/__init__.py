"""Notebook 00, start here: the first slider (:mod:`~lnlib.nb00_start_here.tour`) and the glossary."""
