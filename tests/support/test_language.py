"""The course's two languages: which one a process speaks, and its messages in Chinese."""

import subprocess
import sys

import pytest

from lnlib.support import language
from lnlib.support.paths import ROOT


@pytest.fixture
def restore_language():
    yield
    language.use(None)


def test_the_folder_of_the_notebook_chooses_the_language(tmp_path, monkeypatch, restore_language):
    monkeypatch.delenv(language.ENVIRONMENT_VARIABLE, raising=False)
    (tmp_path / "zh").mkdir()
    monkeypatch.chdir(tmp_path)
    assert language.current() == "en"
    monkeypatch.chdir(tmp_path / "zh")
    assert language.current() == "zh"
    monkeypatch.setenv(language.ENVIRONMENT_VARIABLE, "en")
    assert language.current() == "en"  # the environment outranks the folder
    language.use("zh")
    assert language.current() == "zh"  # and use() outranks both


def test_an_unknown_language_is_refused_with_the_known_ones(monkeypatch, restore_language):
    with pytest.raises(ValueError, match="unknown language 'fr'.*en, zh"):
        language.use("fr")
    monkeypatch.setenv(language.ENVIRONMENT_VARIABLE, "de")
    with pytest.raises(ValueError, match="unknown language 'de'"):
        language.current()


def test_a_message_comes_out_in_the_language_in_use(restore_language):
    from lnlib.ui.app import RESET_LABEL

    language.use("en")
    assert language.gettext(RESET_LABEL) == RESET_LABEL
    language.use("zh")
    chinese = language.gettext(RESET_LABEL)
    assert chinese != RESET_LABEL and all("\u4e00" <= c <= "\u9fff" for c in chinese.strip())


def test_a_fresh_process_in_the_chinese_folder_speaks_chinese(tmp_path):
    (tmp_path / "zh").mkdir()
    script = "from lnlib.support import language; from lnlib.ui.app import RESET_LABEL; print(language.current(), language.gettext(RESET_LABEL))"
    output = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path / "zh",
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    ).stdout.split()
    assert output[0] == "zh" and output[1] != "Reset"
