"""The repository keeps its promises: README commands, CI, the install's requirements, the licence, the
console script, notebooks stored without outputs."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SETUP_COMMAND = "python -m pip install -r requirements.txt"
"""The README's first command begins with it: what the course needs to run."""
TEST_SETUP_COMMAND = "python -m pip install -r requirements-test.txt"
"""The README's second command begins with it: the course and the test tools."""
TEST_TOOLS = {"pytest", "pytest-timeout", "pytest-xdist", "nbmake", "hypothesis", "playwright", "ruff"}
"""What only the tests use: kept out of a learner's install."""


def readme_commands(readme: str = "README.md") -> list:
    """The shell commands of a README's first code block (README.md's, or README.zh-CN.md's)."""
    text = (ROOT / readme).read_text(encoding="utf-8")
    block = re.search(r"```(?:bash|sh)?\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_starts_with_two_commands_one_opens_the_course_one_runs_the_tests():
    open_course, run_tests = readme_commands()
    assert open_course.startswith(SETUP_COMMAND + " && ") and "jupyter lab" in open_course
    assert run_tests == TEST_SETUP_COMMAND + " && python -m pytest"


def test_ci_runs_the_readme_test_command_as_written():
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    _, run_tests = readme_commands()
    test_lines = [line for line in ci_lines if "pytest" in line and not line.lstrip().startswith("#")]
    assert len(test_lines) == 1, test_lines
    assert test_lines[0].split(" || ")[0] == run_tests


def test_torch_is_pinned_to_the_cpu_build_on_disk():
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert "torch==2.13.0" in requirements


def _requirement_lines(name: str) -> list:
    """A requirements file's lines, comments and blank lines left out."""
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return [line.split(" #")[0].strip() for line in lines if line.strip() and not line.startswith("#")]


def _pins(name: str) -> dict:
    """The packages a requirements file pins, ``{name: version}``; every one must be pinned exactly."""
    pins = {}
    for line in _requirement_lines(name):
        if line.startswith("-"):  # -r another file, -e .
            continue
        requirement = Requirement(line)
        assert [spec.operator for spec in requirement.specifier] == ["=="], f"{name}: {line} is not pinned"
        pins[canonicalize_name(requirement.name)] = next(iter(requirement.specifier)).version
    return pins


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_a_learners_install_holds_no_test_tool_and_the_test_install_adds_them():
    course, tests = _requirement_lines("requirements.txt"), _requirement_lines("requirements-test.txt")
    assert course[-1] == "-e .", "lnlib comes last, once what it needs is in place"
    assert tests[0] == "-r requirements.txt", "the test install is the course's install and more"
    assert not TEST_TOOLS & _pins("requirements.txt").keys(), "a test tool in a learner's install"
    assert _pins("requirements-test.txt").keys() >= TEST_TOOLS


def test_every_pinned_runtime_package_is_one_that_pyprojects_dependencies_admit():
    dependencies = {
        canonicalize_name(r.name): r for r in map(Requirement, _pyproject()["project"]["dependencies"])
    }
    pins = _pins("requirements.txt")
    assert dependencies.keys() <= pins.keys(), "a dependency of lnlib that requirements.txt does not pin"
    for name, requirement in dependencies.items():
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is not in {requirement}"
    # a range from below, so that installing lnlib never replaces a torch already there (Colab's)
    assert {spec.operator for spec in dependencies["torch"].specifier} == {">="}


def test_each_extra_of_lnlib_is_left_out_of_a_learners_install_and_pinned_for_the_tests():
    extras = [
        Requirement(r) for group in _pyproject()["project"]["optional-dependencies"].values() for r in group
    ]
    course, tests = _pins("requirements.txt"), _pins("requirements-test.txt")
    assert extras, "pyproject.toml declares no extra"
    for requirement in extras:
        name = canonicalize_name(requirement.name)
        assert name not in course, f"{name}, an extra, is in a learner's install"
        assert requirement.specifier.contains(tests[name]), (
            f"{name}=={tests.get(name)} is not in {requirement}"
        )


def test_the_readmes_cpu_torch_command_installs_the_pinned_torch():
    pinned = f"torch=={_pins('requirements.txt')['torch']}"
    for readme in ("README.md", "README.zh-CN.md"):
        text = (ROOT / readme).read_text(encoding="utf-8")
        commands = re.findall(r"python -m pip install (torch==\S+) --index-url (\S+)", text)
        assert commands == [(pinned, "https://download.pytorch.org/whl/cpu")], f"{readme}: {commands}"


def test_the_lnlib_console_script_does_what_python_m_lnlib_does():
    target = _pyproject()["project"]["scripts"]["lnlib"]
    # what the script pip writes does: its own name as argv[0], then the entry point's return as exit status
    script = (
        "import sys; from importlib.metadata import EntryPoint; sys.argv[0] = 'lnlib'; "
        f"sys.exit(EntryPoint('lnlib', {target!r}, 'console_scripts').load()())"
    )
    as_script = subprocess.run(
        [sys.executable, "-c", script, "--help"], cwd=ROOT, capture_output=True, text=True
    )
    as_module = subprocess.run(
        [sys.executable, "-m", "lnlib", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert as_script.returncode == 0, as_script.stderr
    assert as_script.stdout.startswith("usage: lnlib ") and as_module.stdout.startswith(
        "usage: python -m lnlib "
    )
    assert as_script.stdout.split("\n", 1)[1] == as_module.stdout.split("\n", 1)[1]


def test_the_licence_is_declared_and_its_texts_are_there():
    from packaging.licenses import canonicalize_license_expression

    project = _pyproject()["project"]
    assert canonicalize_license_expression(project["license"]) == project["license"] == "MIT AND CC-BY-4.0"
    for name in project["license-files"]:
        assert (ROOT / name).is_file(), f"pyproject.toml names {name}, which does not exist"
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Permission is hereby granted, free of charge" in licence
    legal_code = (ROOT / "LICENSE-CC-BY-4.0").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International Public License" in legal_code
    assert "Section 8 -- Interpretation." in legal_code, "the legal code is cut short"
    for readme in ("README.md", "README.zh-CN.md"):
        text = (ROOT / readme).read_text(encoding="utf-8")
        assert "](LICENSE)" in text and "](LICENSE-CC-BY-4.0)" in text, f"{readme} does not name the licence"


def test_the_licence_names_each_article_by_the_title_and_sites_its_copy_gives(articles):
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    entries = dict(re.findall(r"^  (\d{3})  (.+\n(?:       .+\n)*)", licence, re.M))
    copies = sorted(articles.glob("[0-9][0-9][0-9]_*.txt"))
    assert sorted(entries) == [copy.name[:3] for copy in copies]
    for copy in copies:
        title, *about = entries[copy.name[:3]].splitlines()
        text = copy.read_text(encoding="utf-8")
        assert title in text, f"{copy.name} has no title {title!r}"
        for site in re.findall(r"\b[\w-]+(?:\.[\w-]+)+\b", " ".join(about)):
            assert site in text, f"{copy.name} names no {site}"


def test_git_ignores_a_virtual_environment_in_the_repository():
    assert ".venv/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert NOTEBOOKS, "no numbered notebooks found"
    for notebook in NOTEBOOKS:
        assert notebook.name in readme, f"README does not describe {notebook.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_with_outputs_stripped(path):
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} of {path.name} has stored outputs"
            assert cell.execution_count is None, f"cell {index} of {path.name} has an execution count"
    assert "widgets" not in notebook.metadata, f"{path.name} stores widget state"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_marked_for_a_rise_slideshow(path):
    notebook = nbformat.read(path, as_version=4)
    kinds = [cell.metadata.get("slideshow", {}).get("slide_type") for cell in notebook.cells]
    assert kinds[0] == "slide", f"{path.name}: the first cell should open a slide"
    assert all(kind in {"slide", "subslide", "fragment", "-", "skip", "notes"} for kind in kinds), kinds
    assert kinds.count("slide") >= 3, f"{path.name}: a slideshow of fewer than 3 slides"
    assert notebook.metadata.get("kernelspec", {}).get("name") == "python3"


def test_readme_lists_the_claims_ledger_as_notebook_06_computes_it():
    from lnlib.nb06_claims_tested import ledger

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert str(ledger.counts_line()) in readme
    assert str(ledger.readme_list()).strip() in readme


# ---------------------------------------------------------------------------
# The layout is a table of contents, and everything the README and the notebooks name exists.
# ---------------------------------------------------------------------------

COMMAND = re.compile(r"python -m lnlib((?:[ .][\w./*-]+)*)")
LNLIB_PATH = re.compile(r"(?<![\w/.-])lnlib/[\w./]*\w/?")  # not inside an address (…/lnlib/blob/…)
LNLIB_NAME = re.compile(r"(?<![\w/])lnlib(?:\.\w+)+")


def _texts_that_name_the_package() -> dict:
    """The READMEs and every cell of every notebook: where a reader meets commands and paths."""
    texts = {name: (ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "README.zh-CN.md")}
    for notebook in NOTEBOOKS:
        cells = nbformat.read(notebook, as_version=4).cells
        texts[notebook.name] = "\n".join(cell.source for cell in cells)
    return texts


def _command_words(arguments: str) -> list:
    return [word for word in arguments.split() if word and not word.startswith("-")]


def test_every_command_named_in_the_readme_or_a_notebook_exists():
    import lnlib.__main__ as command_line

    parser = command_line.parser()
    commands = parser._subparsers._group_actions[0].choices
    named = 0
    for where, text in _texts_that_name_the_package().items():
        for match in COMMAND.finditer(text):
            arguments = match.group(1)
            assert not arguments.startswith("."), (
                f"{where}: {match.group(0)!r} is not `python -m lnlib <command>`"
            )
            words = _command_words(arguments)
            if not words:
                continue
            assert words[0] in commands, f"{where}: {match.group(0)!r} names no command of python -m lnlib"
            sub = commands[words[0]]
            if words[0] == "cache":  # its words are lab names (or a group, or all) until the options
                from lnlib.support import protocol

                first = arguments.split()[
                    1:2
                ]  # a lab, a group or all; or an option, or a placeholder in capitals
                if first and first[0][0].islower():
                    assert protocol.names(first), f"{where}: {match.group(0)!r}"
            if words[0] == "bench":
                choices = sub._actions[1].choices
                assert all(w in choices for w in words[1:]), f"{where}: {match.group(0)!r}"
            named += 1
    assert named >= 5


def test_every_lnlib_path_and_module_named_in_the_readme_or_a_notebook_exists():
    import importlib

    for where, text in _texts_that_name_the_package().items():
        for path in LNLIB_PATH.findall(text):
            assert (ROOT / path).exists(), f"{where} names {path}, which does not exist"
        for name in LNLIB_NAME.findall(text):
            parts = name.split(".")
            for cut in range(len(parts), 0, -1):  # the longest importable prefix, then attributes
                try:
                    found = importlib.import_module(".".join(parts[:cut]))
                    break
                except ModuleNotFoundError:
                    continue
            for attribute in parts[cut:]:
                assert hasattr(found, attribute), f"{where} names {name}, which does not exist"
                found = getattr(found, attribute)


def test_each_notebook_finds_its_code_in_the_folder_named_after_it():
    for notebook in NOTEBOOKS:
        folder = ROOT / "lnlib" / f"nb{notebook.stem}"
        assert (folder / "__init__.py").is_file(), f"{notebook.name} has no lnlib/nb{notebook.stem}/"
        code = "\n".join(
            c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"
        )
        assert f"lnlib.nb{notebook.stem}" in code, f"{notebook.name} does not import its own folder"
    folders = sorted(p.name for p in (ROOT / "lnlib").glob("nb[0-9][0-9]_*"))
    assert folders == [f"nb{n.stem}" for n in NOTEBOOKS], "a folder for a notebook that does not exist"


def test_the_command_line_lists_its_commands():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "lnlib", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("present", "cache", "bench", "reading-copy", "strip"):
        assert command in result.stdout


def test_no_module_is_over_500_lines_unless_its_docstring_says_which_one_concern_earns_it():
    import ast

    for path in sorted((ROOT / "lnlib").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > 500:
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            assert "one concern" in docstring, (
                f"{path.relative_to(ROOT)} has {lines} lines; say why in its docstring"
            )


def test_importing_the_package_does_no_work_beyond_definitions():
    import subprocess
    import sys

    code = """
import importlib, pkgutil, sys
import matplotlib
import lnlib.ui.text
assert "ipywidgets" not in sys.modules and "matplotlib.figure" not in sys.modules, "a formatter pulled in widgets"
before = dict(matplotlib.rcParams)
import lnlib
for module in pkgutil.walk_packages(lnlib.__path__, prefix="lnlib."):
    if module.name != "lnlib.__main__":
        importlib.import_module(module.name)
assert dict(matplotlib.rcParams) == before, "importing lnlib changed matplotlib's style"
from lnlib.nb04_transformer_stability import outcomes
assert outcomes.chain.cache_info().currsize == 0, "the Markov chain was built on import"
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_ruff_finds_nothing_to_lint_or_format():
    import subprocess
    import sys

    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatting = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert formatting.returncode == 0, formatting.stdout + formatting.stderr


def test_no_two_test_files_share_a_name(root):
    """pytest imports test files by their base name (there are no __init__.py files): two with one name
    stop the whole run at collection."""
    names = sorted(path.name for path in (root / "tests").rglob("test_*.py"))
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})
