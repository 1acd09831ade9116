"""The commands whose packages a learner's install leaves out say what to install, in one line."""

import json
import subprocess
import sys

import pytest

from lnlib.support import extras, paths


def _without(module: str, *arguments: str) -> subprocess.CompletedProcess:
    """``python -m lnlib *arguments`` in a process where ``module`` cannot be imported."""
    script = (
        f"import sys; sys.modules[{module!r}] = None; from lnlib.__main__ import main; "
        f"sys.exit(main({list(arguments)!r}))"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=paths.ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("module", "package", "arguments"),
    [
        ("babel", "Babel", ("catalogue",)),
        ("mathjax", "django-static-mathjax", ("reading-copy", "--out", "{tmp}")),
    ],
)
def test_a_command_without_its_package_names_it_and_the_install_that_has_it(
    module, package, arguments, tmp_path
):
    arguments = [argument.format(tmp=tmp_path) for argument in arguments]
    done = _without(module, *arguments)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert f"python -m lnlib {arguments[0]} needs {package}" in done.stderr
    assert extras.TEST_INSTALL in done.stderr and f"pip install {package}" in done.stderr
    assert not list(tmp_path.iterdir()), "the reading copy refused before executing any notebook"


def test_require_returns_the_module_it_imports():
    assert extras.require("json", "json", "a command") is json
