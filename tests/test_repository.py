"""The repository keeps its promises: README commands, CI, pinned torch, notebooks stored without outputs."""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SETUP_COMMAND = "python -m pip install -r requirements.txt"


def readme_commands() -> list:
    """The shell commands of the README's first code block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:bash|sh)?\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_starts_with_two_commands_one_opens_the_course_one_runs_the_tests():
    open_course, run_tests = readme_commands()
    assert open_course.startswith(SETUP_COMMAND + " && ") and "jupyter lab" in open_course
    assert run_tests == SETUP_COMMAND + " && python -m pytest"


def test_ci_runs_the_readme_test_command_as_written():
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    _, run_tests = readme_commands()
    test_lines = [line for line in ci_lines if "pytest" in line and not line.lstrip().startswith("#")]
    assert len(test_lines) == 1, test_lines
    assert test_lines[0].split(" || ")[0] == run_tests


def test_torch_is_pinned_to_the_cpu_build_on_disk():
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert "torch==2.13.0" in requirements


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
    from lnlib import claims

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert str(claims.counts_line()) in readme
    assert str(claims.readme_list()).strip() in readme
