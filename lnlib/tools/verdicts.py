"""``python -m lnlib verdicts``: every toy verdict of the course, computed from the caches, with its evidence.

Each notebook that grades claims on a toy lists its verdicts in one function (:data:`SOURCES`); this tool
calls them all, reading the caches from ``data/`` or from another folder laid out the same way (a second set
of caches made with ``python -m lnlib cache --output DIR``), and prints, for each verdict: its id, notebook,
claim, word, the rule, and each part's effect, uncertainty, number of seeds and per-seed values.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from lnlib.support import protocol
from lnlib.support.language import gettext as _
from lnlib.support.verdict_rule import RULE, WORDS

SOURCES = (
    "lnlib.nb04_transformer_stability.verdicts",
    "lnlib.nb06_claims_tested.toy_verdicts",
    "lnlib.nb07_real_data_digits.verdicts",
)
"""The modules whose ``all_verdicts()`` lists a notebook's toy verdicts, in the course's order."""


def every_verdict(data: Path | None = None) -> list:
    """Every toy verdict of the course, from the caches in ``data`` (default: ``data/``)."""
    with protocol.reading_from(data or protocol.data_folder()):
        found = []
        for module in SOURCES:
            found += importlib.import_module(module).all_verdicts()
        return found


def report(verdicts: list, as_json: bool = False) -> str:
    """The verdicts as text for a reader, or as JSON."""
    if as_json:
        return json.dumps([v.as_dict() for v in verdicts], ensure_ascii=False, indent=1)
    lines = [_("Rule: {rule}.").format(rule=_(RULE)), ""]
    for verdict in verdicts:
        lines.append(f"[{verdict.id}] {_(WORDS[verdict.outcome])}: {verdict.claim}")
        lines += [f"    {effect.summary()} → {effect.side}" for effect in verdict.effects]
    return "\n".join(lines)
