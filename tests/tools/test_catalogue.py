"""The message catalogues: every message of the code translated, none stale, the compiled one current."""

import gettext

from lnlib.support import language
from lnlib.tools import catalogue


def test_every_message_of_the_code_has_a_chinese_translation_and_none_is_stale():
    messages = catalogue.extract_messages()
    assert len(messages) > 0
    problems = catalogue.check("zh", messages)
    assert not problems, (
        problems.report("zh")
        + "\n(python -m lnlib catalogue --update adds them to lnlib/locale/zh_CN/<folder>.po; translate them there)"
    )


def test_the_compiled_catalogue_says_what_the_po_file_says():
    path = language.catalogue_path("zh")
    assert path.exists(), f"{path} missing: python -m lnlib catalogue compiles it"
    with open(path, "rb") as file:
        compiled = gettext.GNUTranslations(file)
    for entry in catalogue.read_catalogue("zh"):
        if entry.id and isinstance(entry.id, str):
            found = (
                compiled.pgettext(entry.context, entry.id) if entry.context else compiled.gettext(entry.id)
            )
            assert found == entry.string, (
                f"{path} is older than its .po ({entry.id!r}): python -m lnlib catalogue"
            )


def test_check_names_a_missing_and_a_stale_message():
    entries = [entry for entry in catalogue.read_catalogue("zh") if entry.id]
    translated = [entry.id for entry in entries]  # one per message; a message in two contexts counts twice
    kept = sorted(entry.id for entry in entries if isinstance(entry.id, str) and entry.context is None)[0]
    problems = catalogue.check("zh", {"A message nobody translated": [("x.py", 1)], kept: [("y.py", 2)]})
    assert problems.missing == ["A message nobody translated"]
    assert kept not in problems.stale and len(problems.stale) == len(translated) - 1


def test_placeholders_a_translation_must_keep():
    assert catalogue.placeholders("{count} runs of {norm!r} at {lr:.3g}; 5 % of %s") == [
        "%s",
        "{count}",
        "{lr:.3g}",
        "{norm!r}",
    ]
    assert catalogue.placeholders("{{literal braces}}") == []


def test_update_puts_a_new_message_in_the_part_of_its_folder_and_drops_a_gone_one(tmp_path, monkeypatch):
    folder = tmp_path / "zh_CN"
    folder.mkdir()
    (folder / "ui.po").write_text(
        'msgid ""\nmsgstr ""\n\nmsgid "Old"\nmsgstr "旧"\n\nmsgid "Reset"\nmsgstr "重置"\n', encoding="utf-8"
    )
    monkeypatch.setattr(language, "catalogue_sources", lambda _language: folder)
    messages = {
        "Reset": [("ui/app.py", 1)],
        "Train live": [("nb04_transformer_stability/live_training.py", 9)],
    }
    added, dropped = catalogue.update("zh", messages)
    assert added == ["Train live"] and dropped == ["Old"]
    assert sorted(p.name for p in folder.glob("*.po")) == ["nb04_transformer_stability.po", "ui.po"]
    problems = catalogue.check("zh", messages)
    assert problems.missing == ["Train live"] and problems.stale == []
    assert "重置" in (folder / "ui.po").read_text(encoding="utf-8")


def test_one_english_word_in_two_contexts_gets_two_translations(tmp_path, monkeypatch):
    folder = tmp_path / "zh_CN"
    folder.mkdir()
    (folder / "ui.po").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    monkeypatch.setattr(language, "catalogue_sources", lambda _language: folder)
    training = catalogue.InContext("training", "step")
    messages = {
        "step": [("nb01_formulas_step_by_step/formulas.py", 1)],
        training: [("digits/training.py", 2)],
    }
    assert sorted(catalogue.update("zh", messages)[0], key=str) == sorted(["step", training], key=str)
    for part in folder.glob("*.po"):
        text = part.read_text(encoding="utf-8")
        text = text.replace(
            'msgctxt "training"\nmsgid "step"\nmsgstr ""', 'msgctxt "training"\nmsgid "step"\nmsgstr "步"'
        )
        part.write_text(
            text.replace('msgid "step"\nmsgstr ""', 'msgid "step"\nmsgstr "步骤"'), encoding="utf-8"
        )
    assert not catalogue.check("zh", messages)
    merged = catalogue.read_catalogue("zh")
    assert merged.get("step").string == "步骤" and merged.get("step", context="training").string == "步"
