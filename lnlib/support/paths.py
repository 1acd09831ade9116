"""The repository's folders and files, in one place: every module finds its data from here."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository's folder (``lnlib`` is installed from it in editable mode)."""

NOTEBOOKS = ROOT / "notebooks"
CHINESE_NOTEBOOKS = NOTEBOOKS / "zh"
"""The Chinese edition: the same notebooks, in Chinese (lnlib.tools.translations keeps them in step)."""
DATA = ROOT / "data"
TRANSFORMER_RESULTS = DATA / "transformer_results.json"
"""Notebook 04's results cache (``python -m lnlib cache transformer``)."""
SMALL_NET_RESULTS = DATA / "experiments"
"""Notebook 06's results caches, one file per experiment (``python -m lnlib cache small-nets``)."""
DIGITS_RESULTS = DATA / "digits_results.json"
"""Notebook 07's results cache (``python -m lnlib cache digits``)."""
DIGITS = DATA / "digits.csv.gz"
"""Notebook 07's handwritten digits, scikit-learn's file ``sklearn/datasets/data/digits.csv.gz`` byte for byte
(the UCI "Optical Recognition of Handwritten Digits" set, CC BY 4.0: see data/README.md)."""
GLOSSARY = DATA / "glossary.csv"
WORKED_EXAMPLE = DATA / "worked_example.json"
ARTICLES = ROOT.parent / "shared" / "articles"
"""Where the tests find copies of the five articles the course discusses (lnlib.nb00_start_here.sources):
beside the repository, not part of it; tests that read them are skipped where the folder is missing."""
READING_COPY = ROOT / "reading-copy"


def notebooks(language: str = "en") -> list:
    """The course's numbered notebooks, in order, in ``language`` ("en" or "zh")."""
    folder = {"en": NOTEBOOKS, "zh": CHINESE_NOTEBOOKS}[language]
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))
