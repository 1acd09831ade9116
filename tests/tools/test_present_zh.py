"""Presenting the Chinese edition: ``python -m lnlib present 03 --lang zh`` finds notebooks/zh/03 and speaks Chinese."""

import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest

import lnlib.__main__ as command_line
from lnlib.support import language, paths
from lnlib.tools import present, reading_copy

CHINESE_00 = paths.CHINESE_NOTEBOOKS / "00_start_here.ipynb"


def run_lnlib(*arguments, **environment) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != language.ENVIRONMENT_VARIABLE}
    return subprocess.run(
        [sys.executable, "-m", "lnlib", *arguments],
        capture_output=True,
        text=True,
        env={**env, **environment},
        cwd=paths.ROOT,
    )


def test_find_notebook_looks_in_the_chinese_edition():
    assert CHINESE_00.is_file()
    found = present.find_notebook("0", "zh")
    assert found == present.find_notebook("00", "zh") == present.find_notebook(CHINESE_00.name, "zh")
    assert found == CHINESE_00 != present.find_notebook("00")
    with pytest.raises(ValueError, match="no notebook '99' in notebooks/zh/.*00_start_here"):
        present.find_notebook("99", "zh")
    for refuses_french in (
        lambda: present.find_notebook("00", "fr"),
        lambda: present.serve("00", language="fr"),
        lambda: present.start_voila(CHINESE_00, language="fr"),  # before any Voila starts
    ):
        with pytest.raises(ValueError, match="unknown language 'fr'; the course speaks en, zh"):
            refuses_french()


def test_the_command_line_takes_a_language_for_present():
    parse = command_line.parser().parse_args
    chosen = parse(["present", "03", "--lang", "zh"])
    assert (chosen.command, chosen.notebook, chosen.lang) == ("present", "03", "zh")
    assert parse(["present", "--lang", "en"]).notebook is None
    assert parse(["present", "03"]).lang is None  # the process's language decides
    with pytest.raises(SystemExit):
        parse(["present", "03", "--lang", "fr"])


def test_present_serves_the_chosen_edition_and_speaks_its_language(monkeypatch):
    served = []
    monkeypatch.setattr(present, "serve", lambda name, language: served.append((name, language)) or 0)
    monkeypatch.delenv(language.ENVIRONMENT_VARIABLE, raising=False)
    try:
        assert command_line.main(["present", "03", "--lang", "zh"]) == 0
        assert served[-1] == ("03", "zh") and language.current() == "zh"
        language.use(None)
        monkeypatch.setenv(language.ENVIRONMENT_VARIABLE, "zh")  # no --lang: LNLIB_LANG decides
        command_line.main(["present", "03"])
        assert served[-1] == ("03", "zh")
        monkeypatch.delenv(language.ENVIRONMENT_VARIABLE)
        language.use(None)
        command_line.main(["present", "03"])
        assert served[-1] == ("03", "en")
    finally:
        language.use(None)


def test_present_without_a_notebook_lists_both_editions_in_the_chosen_language():
    english = run_lnlib("present")
    assert english.returncode == 0 and english.stdout.startswith("Which notebook?")
    chinese_part = english.stdout.split("notebooks/zh/", 1)[1]
    assert "--lang zh" in chinese_part
    for path in paths.notebooks("zh"):
        assert path.name in chinese_part
    for path in paths.notebooks():
        assert path.name in english.stdout.split("notebooks/zh/", 1)[0]
    chinese = run_lnlib("present", "--lang", "zh")
    assert chinese.returncode == 0 and chinese.stdout.startswith("要演示哪一本？")
    assert chinese.stdout.count(".ipynb") == english.stdout.count(".ipynb")
    from_environment = run_lnlib("present", LNLIB_LANG="zh")
    assert from_environment.stdout == chinese.stdout


def test_present_refuses_an_unknown_chinese_notebook_in_chinese():
    unknown = run_lnlib("present", "99", "--lang", "zh")
    assert unknown.returncode == 2
    assert "notebooks/zh/ 里没有笔记本 '99'" in unknown.stderr and "00_start_here.ipynb" in unknown.stderr


def _cell_outputs(page: str) -> str:
    """The outputs Voila's kernel computed, as text (the page holds them as JSON with escaped Chinese)."""
    blocks = re.findall(r'<script type="application/vnd.voila.cell-output\+json">(.*?)</script>', page, re.S)
    return " ".join(json.dumps(json.loads(block), ensure_ascii=False) for block in blocks)


def test_voila_runs_the_chinese_notebook_in_chinese_whatever_lnlib_lang_says(tmp_path, monkeypatch):
    # the folder decides, not this process (without LNLIB_LANG, the browser tests see the Chinese edition too)
    monkeypatch.setenv(language.ENVIRONMENT_VARIABLE, "en")
    with open(tmp_path / "voila.log", "w") as log:
        process, url = present.start_voila(CHINESE_00, log=log)
        try:
            page = urllib.request.urlopen(url, timeout=120).read().decode()
        finally:
            present.stop_voila(process)
    outputs = _cell_outputs(page)
    assert "层归一化消去了输入的尺度" in outputs  # the first slider's note, from the kernel
    assert "归一化方法" in outputs and "whatever the stretch" not in outputs  # the glossary's first fold
    assert "Traceback" not in outputs and "from lnlib.nb00_start_here.tour import" not in page
    assert '<html lang="zh-CN">' in page
    assert re.search(r"alt='[^']*[\u4e00-\u9fff]", outputs)  # the first slider's figure, described in Chinese


def test_the_chinese_reading_copy_declares_its_language_and_describes_its_figures_in_chinese(tmp_path):
    reading_copy.build(tmp_path, [CHINESE_00])
    page = (tmp_path / "zh-00_start_here.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    images = re.findall(r"<img [^>]*>", page)
    assert images and all(re.search(r'alt="[^"]*[\u4e00-\u9fff][^"]*"', image) for image in images)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<section lang='zh-CN'>" in index and "zh-00_start_here.html" in index
