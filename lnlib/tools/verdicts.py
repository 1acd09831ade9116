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

from lnlib.support import paths, protocol
from lnlib.support.language import gettext as _
from lnlib.support.language import speaking
from lnlib.support.verdict_rule import RULE, WORDS

SOURCES = {
    "04": "lnlib.nb04_transformer_stability.verdicts",
    "06": "lnlib.nb06_claims_tested.toy_verdicts",
    "07": "lnlib.nb07_real_data_digits.verdicts",
}
"""Notebook → the module whose ``all_verdicts()`` lists its toy verdicts, in the course's order."""


def every_verdict(data: Path | None = None) -> list:
    """Every toy verdict of the course, from the caches in ``data`` (default: ``data/``)."""
    with protocol.reading_from(data or protocol.data_folder()):
        found = []
        for module in SOURCES.values():
            found += importlib.import_module(module).all_verdicts()
        return found


def by_id(verdict_id: str):
    """The toy verdict ``verdict_id`` ("04-warmup"), computed now from the caches being read (a KeyError that
    says which ids its notebook has, for any other)."""
    notebook = verdict_id.partition("-")[0]
    if notebook not in SOURCES:
        raise KeyError(
            f"no toy verdict {verdict_id!r}: toy verdicts belong to notebooks {', '.join(SOURCES)}"
        )
    found = {v.id: v for v in importlib.import_module(SOURCES[notebook]).all_verdicts()}
    if verdict_id not in found:
        raise KeyError(f"no toy verdict {verdict_id!r}; notebook {notebook} has {', '.join(found)}")
    return found[verdict_id]


def report(verdicts: list, as_json: bool = False) -> str:
    """The verdicts as text for a reader, or as JSON."""
    if as_json:
        return json.dumps([v.as_dict() for v in verdicts], ensure_ascii=False, indent=1)
    lines = [_("Rule: {rule}.").format(rule=_(RULE)), ""]
    for verdict in verdicts:
        lines.append(f"[{verdict.id}] {_(WORDS[verdict.outcome])}: {verdict.claim}")
        lines += [f"    {effect.summary()} → {effect.side}" for effect in verdict.effects]
    return "\n".join(lines)


README_BLOCK = ("<!-- toy verdicts: python -m lnlib verdicts --readme -->", "<!-- end of toy verdicts -->")
"""The markers of the list of toy verdicts in each README, which ``python -m lnlib verdicts --readme`` fills."""
READMES = {"en": paths.ROOT / "README.md", "zh": paths.ROOT / "README.zh-CN.md"}


def readme_table(verdicts_by_language: dict, language: str) -> str:
    """The README's list of toy verdicts in ``language``: id, notebook, claim and word (no number: the words are
    the same on any CPU, the numbers are not)."""
    with speaking(language):
        head = (_("id"), _("notebook"), _("claim"), _("verdict"))
        rows = [
            "| " + " | ".join(head) + " |",
            "| --- | --- | --- | --- |",
        ]
        for verdict in verdicts_by_language[language]:
            claim = verdict.claim.replace("|", "\\|")
            rows.append(f"| `{verdict.id}` | {verdict.notebook} | {claim} | {_(WORDS[verdict.outcome])} |")
        return "\n".join(rows)


def readme_blocks(data: Path | None = None) -> dict:
    """Each README's block of toy verdicts, computed from the caches (language → text between the markers)."""
    computed = {}
    for language in READMES:
        with speaking(language):
            computed[language] = every_verdict(data)
    return {language: readme_table(computed, language) for language in READMES}


def block_in(text: str) -> str:
    """The block between the markers of a README's text (a ValueError if the markers are missing)."""
    start, end = README_BLOCK
    if start not in text or end not in text:
        raise ValueError(f"the README has no block between {start!r} and {end!r}")
    return text.split(start, 1)[1].split(end, 1)[0].strip()


def write_readmes(data: Path | None = None) -> list:
    """Fill both READMEs' blocks from the caches; the READMEs that changed."""
    changed = []
    for language, block in readme_blocks(data).items():
        path = READMES[language]
        text = path.read_text(encoding="utf-8")
        if block_in(text) != block:
            start, end = README_BLOCK
            before, rest = text.split(start, 1)
            after = rest.split(end, 1)[1]
            path.write_text(f"{before}{start}\n{block}\n{end}{after}", encoding="utf-8")
            changed.append(path)
    return changed
