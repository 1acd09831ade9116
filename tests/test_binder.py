"""Binder builds the course as a learner installs it: Python 3.11, every pin of requirements.txt, and
PyTorch's CPU build of the same torch (repo2docker itself cannot run here: no Docker engine)."""

import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def requirement_lines(path: Path) -> list:
    """The lines pip acts on in a requirements file, comments dropped, ``-r`` files read in place (pip
    reads a ``-r`` path from the folder of the file that names it)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            lines += requirement_lines(path.parent / line.split(maxsplit=1)[1])
        else:
            lines.append(line)
    return lines


def pins(lines: list) -> list:
    """``(name, version)`` of every ``name==version`` line, in order, names in lower case."""
    found = []
    for line in lines:
        if "==" in line and not line.startswith("-"):
            name, version = line.split("==")
            found.append((name.strip().lower(), version.strip()))
    return found


def test_binder_runs_python_3_11_which_lnlib_supports():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    assert runtime == "python-3.11"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert SpecifierSet(project["requires-python"]).contains(runtime.removeprefix("python-") + ".0")


def test_binder_installs_every_pin_of_requirements_txt_unchanged_and_lnlib_itself():
    course = requirement_lines(ROOT / "requirements.txt")
    binder = requirement_lines(BINDER / "requirements.txt")
    assert set(pins(course)) <= set(pins(binder)), "Binder misses a pin of requirements.txt"
    pinned = dict(pins(course))
    for name, version in pins(binder):
        assert name in pinned, f"Binder pins {name}, which requirements.txt does not"
        assert Version(version).public == pinned[name], (
            f"Binder's {name}=={version}, the course's {pinned[name]}"
        )
    # with binder/ present repo2docker does not install the repository itself: "-e ." must, from its root
    assert "-e ." in binder


def test_binder_takes_the_cpu_build_of_the_courses_torch():
    binder = requirement_lines(BINDER / "requirements.txt")
    course_torch = dict(pins(requirement_lines(ROOT / "requirements.txt")))["torch"]
    torch_pins = [version for name, version in pins(binder) if name == "torch"]
    assert f"{course_torch}+cpu" in torch_pins
    # pip must satisfy every torch pin at once: only the CPU wheel does (a local label matches a bare ==)
    assert all(SpecifierSet(f"=={pin}").contains(f"{course_torch}+cpu") for pin in torch_pins)
    assert f"--extra-index-url {CPU_INDEX}" in binder or f"--index-url {CPU_INDEX}" in binder
