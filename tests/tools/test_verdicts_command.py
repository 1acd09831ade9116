"""Every toy verdict of the course (python -m lnlib verdicts): each word follows from its per-seed effects by the
one rule, holds on both halves of the seeds or says the toy does not decide, and the READMEs list the words the
caches give (the same words on any CPU: this test runs on every machine)."""

from __future__ import annotations

import json
import shutil

import pytest

from lnlib.__main__ import main
from lnlib.support import paths, protocol
from lnlib.support.verdict_rule import WORDS, halves, word
from lnlib.tools import verdicts


@pytest.fixture(scope="module")
def every_verdict() -> list:
    return verdicts.every_verdict()


def test_every_notebook_that_grades_claims_on_a_toy_lists_its_verdicts(every_verdict):
    ids = [v.id for v in every_verdict]
    assert len(ids) == len(set(ids)), "each verdict has its own id"
    assert {v.notebook for v in every_verdict} == {"04", "06", "07"}
    for verdict in every_verdict:
        assert verdict.id.startswith(f"{verdict.notebook}-")


def test_each_word_follows_from_the_effects_and_survives_halving_the_seeds(every_verdict):
    for verdict in every_verdict:
        assert all(e.seeds >= 5 for e in verdict.effects), f"{verdict.id}: every part needs at least 5 seeds"
        full = word(verdict.effects)
        first, second = (word([e.on(halves(e.seeds)[h]) for e in verdict.effects]) for h in (0, 1))
        if verdict.outcome != "not decided":
            assert verdict.outcome == full == first == second, verdict.id
        else:
            assert "not decided" in (full, first, second) or len({full, first, second}) > 1, verdict.id


def test_the_command_prints_every_verdict_with_its_rule_and_per_seed_values(every_verdict, capsys):
    assert main(["verdicts", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [v["id"] for v in printed] == [v.id for v in every_verdict]
    for entry, verdict in zip(printed, every_verdict):
        assert entry["word"] == verdict.outcome and entry["word"] in WORDS and entry["rule"]
        assert all(len(e["values"]) == e["seeds"] for e in entry["effects"])
    assert main(["verdicts"]) == 0
    text = capsys.readouterr().out
    assert all(f"[{v.id}]" in text for v in every_verdict)


def test_the_command_reads_another_folder_of_caches(tmp_path, every_verdict):
    copy = tmp_path / "data"
    shutil.copytree(paths.DATA, copy)
    with protocol.reading_from(copy):
        assert protocol.data_folder() == copy
    assert [v.outcome for v in verdicts.every_verdict(copy)] == [v.outcome for v in every_verdict]
    incomplete = tmp_path / "incomplete"  # a folder never read before (a cache file is read once per process)
    shutil.copytree(paths.DATA, incomplete)
    (incomplete / protocol.lab("digits").file).unlink()
    with pytest.raises(FileNotFoundError, match="python -m lnlib cache digits"):
        verdicts.every_verdict(incomplete)


def test_each_readme_lists_the_words_the_caches_give():
    blocks = verdicts.readme_blocks()
    for language, path in verdicts.READMES.items():
        assert verdicts.block_in(path.read_text(encoding="utf-8")) == blocks[language], (
            f"{path.name}: run python -m lnlib verdicts --readme"
        )


def test_filling_a_readme_changes_only_its_block(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    start, end = verdicts.README_BLOCK
    readme.write_text(f"# Title\n\nbefore\n\n{start}\n{end}\n\nafter\n", encoding="utf-8")
    monkeypatch.setattr(verdicts, "READMES", {"en": readme})
    monkeypatch.setattr(verdicts, "readme_blocks", lambda data=None: {"en": "| a | table |"})
    assert verdicts.write_readmes() == [readme]
    assert (
        readme.read_text(encoding="utf-8") == f"# Title\n\nbefore\n\n{start}\n| a | table |\n{end}\n\nafter\n"
    )
    assert verdicts.write_readmes() == []  # filled already: nothing changes
    readme.write_text("no markers", encoding="utf-8")
    with pytest.raises(ValueError, match="no block between"):
        verdicts.write_readmes()
