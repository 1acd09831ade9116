"""README.zh-CN.md keeps README.md's promises in Chinese: the same two commands (the first opening the
Chinese 00), paths that exist, every notebook, and a link each way between the two READMEs."""

import re
import shlex

from test_repository import ROOT, SETUP_COMMAND, TEST_SETUP_COMMAND, readme_commands

from lnlib.support import paths

CHINESE_README = "README.zh-CN.md"


def _text(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def test_the_chinese_readme_starts_with_the_two_commands_the_first_opening_the_chinese_00():
    open_course, run_tests = readme_commands(CHINESE_README)
    english_open, english_tests = readme_commands()
    assert run_tests == english_tests == TEST_SETUP_COMMAND + " && python -m pytest"
    assert open_course.startswith(SETUP_COMMAND + " && ") and "jupyter lab" in open_course
    opened = shlex.split(open_course)[-1]
    assert opened == "notebooks/zh/00_start_here.ipynb" and (ROOT / opened).is_file()
    assert (ROOT / shlex.split(english_open)[-1]).is_file()
    # a one-line change: the same command but for the notebook it opens
    assert open_course.replace("notebooks/zh/", "notebooks/") == english_open


def test_each_readme_links_to_the_other_above_its_commands():
    for readme, other in (("README.md", CHINESE_README), (CHINESE_README, "README.md")):
        text = _text(readme)
        link = text.find(f"]({other})")
        assert link != -1, f"{readme} does not link to {other}"
        assert link < text.index("```"), f"{readme}: the link to {other} should come before the commands"
        assert (ROOT / other).is_file()


def test_the_chinese_readme_describes_every_notebook_and_names_only_paths_that_exist():
    text = _text(CHINESE_README)
    for notebook in paths.notebooks():
        assert notebook.name in text, f"{CHINESE_README} does not describe {notebook.name}"
    for path in re.findall(r"`((?:notebooks|data|tests)/[^`*\s]*)`", text):
        assert (ROOT / path).exists(), f"{CHINESE_README} names {path}, which does not exist"
    assert "python -m lnlib present 03 --lang zh" in text
