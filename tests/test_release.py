"""The version a learner can rely on: CHANGELOG.md's newest entry is lnlib's version; and the
pre-commit hooks call the course's own tools."""

import re
import shlex
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\]", re.M)


def test_the_changelogs_newest_version_is_the_packages():
    import lnlib

    versions = RELEASE.findall((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert versions, "CHANGELOG.md has no '## [x.y.z]' entry"
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "lnlib.__version__"}
    assert versions[0] == lnlib.__version__, (
        f"CHANGELOG.md's newest is {versions[0]}, lnlib's {lnlib.__version__}"
    )
    newest_first = sorted(versions, key=lambda v: tuple(map(int, v.split("."))), reverse=True)
    assert versions == newest_first and len(set(versions)) == len(versions)


def test_the_chinese_changelog_lists_the_same_versions_on_the_same_dates():
    dated = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\S+)", re.M)
    english = dated.findall((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    chinese = dated.findall((ROOT / "CHANGELOG.zh-CN.md").read_text(encoding="utf-8"))
    assert english and chinese == english


def test_pre_commit_runs_the_installed_tools_offline():
    import lnlib.__main__ as command_line

    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"]), "a hook that downloads its tool"
    entries = [shlex.split(hook["entry"]) for hook in hooks]
    commands = command_line.parser()._subparsers._group_actions[0].choices
    for words in entries:
        assert words[:2] == ["python", "-m"], words
        if words[2] == "lnlib":
            assert words[3] in commands, f"python -m lnlib has no command {words[3]!r}"
    assert ["python", "-m", "lnlib", "strip"] in [words[:4] for words in entries]
    assert {"format", "check"} <= {words[3] for words in entries if words[2] == "ruff"}
