"""Notebook 00, start here: the five articles the course cites (:mod:`~lnlib.nb00_start_here.sources`), the
first slider and the glossary (:mod:`~lnlib.nb00_start_here.tour`)."""
