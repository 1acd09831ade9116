"""The course on Colab and Binder: the bootstrap cell run with Colab faked, the notebooks carrying it, the
READMEs' badges, and lnlib's torch requirement that lets Colab keep its own torch."""

import json
import subprocess
import sys
import threading
import tomllib
import types
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement

from lnlib.support import language, online, paths
from lnlib.support.language import translate


@pytest.fixture
def commands(monkeypatch):
    """Every command the code under test runs with subprocess.run, recorded instead of run."""
    recorded = []

    def run(command, **options):
        recorded.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.chdir(Path.cwd())
    monkeypatch.delenv(language.ENVIRONMENT_VARIABLE, raising=False)
    yield recorded
    language.use(None)


@pytest.fixture
def colab(monkeypatch, commands):
    """A faked Colab kernel: google.colab imported, its widget manager recorded."""
    enabled = []
    output = types.ModuleType(online.COLAB_MODULE + ".output")
    output.enable_custom_widget_manager = lambda: enabled.append(True)
    monkeypatch.setitem(sys.modules, online.COLAB_MODULE, types.ModuleType(online.COLAB_MODULE))
    monkeypatch.setitem(sys.modules, online.COLAB_MODULE + ".output", output)
    for name in online.COLAB_SERVER:
        monkeypatch.delenv(name, raising=False)
    return types.SimpleNamespace(commands=commands, widget_managers=enabled)


def serve_sessions(monkeypatch, sessions) -> HTTPServer:
    """A Jupyter server's ``/api/sessions`` answering ``sessions``, where Colab's environment points."""
    body = json.dumps(sessions).encode()

    class Sessions(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/api/sessions" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body if self.path == "/api/sessions" else b"{}")

        def log_message(self, *arguments):
            pass

    server = HTTPServer(("127.0.0.1", 0), Sessions)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = online.COLAB_SERVER
    monkeypatch.setenv(host, "127.0.0.1")
    monkeypatch.setenv(port, str(server.server_port))
    return server


def github_session(notebook: str, kernel: str = "k-1") -> dict:
    """A session as Colab lists it for a notebook opened from GitHub (its address URL-encoded)."""
    address = f"{online.REPOSITORY}/blob/{online.BRANCH}/{notebook}"
    return {
        "id": "s-" + kernel,
        "path": "fileId=" + address.replace(":", "%3A").replace("/", "%2F"),
        "name": Path(notebook).name,
        "type": "notebook",
        "kernel": {"id": kernel, "name": "python3"},
    }


def run_cell(clone: Path) -> None:
    exec(compile(online.bootstrap_cell(str(clone)), "bootstrap cell", "exec"), {})


def test_off_colab_the_cell_does_nothing_and_prints_nothing(commands, monkeypatch, tmp_path, capsys):
    monkeypatch.delitem(sys.modules, online.COLAB_MODULE, raising=False)
    path, folder = list(sys.path), Path.cwd()
    run_cell(tmp_path / "lnlib")
    assert commands == []
    assert capsys.readouterr() == ("", "")
    assert sys.path == path and Path.cwd() == folder and not (tmp_path / "lnlib").exists()


@pytest.mark.parametrize(
    ("edition", "expected", "folder"), [("en", "en", paths.NOTEBOOKS), ("zh", "zh", paths.CHINESE_NOTEBOOKS)]
)
def test_on_colab_the_cell_clones_installs_and_opens_the_notebooks_edition(
    colab, monkeypatch, tmp_path, capsys, edition, expected, folder
):
    notebook = paths.notebooks(edition)[3].relative_to(paths.ROOT).as_posix()
    server = serve_sessions(monkeypatch, [github_session(notebook)])
    clone = tmp_path / "lnlib"
    try:
        run_cell(clone)
    finally:
        server.shutdown()
        server.server_close()
    clone_command, install_command = colab.commands
    assert clone_command == ["git", "clone", "--depth=1", online.REPOSITORY, str(clone)]
    # lnlib as pyproject.toml declares it: nothing named here, so pip keeps Colab's torch when it fits
    assert install_command == [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--editable",
        str(paths.ROOT),
    ]
    assert sys.path[0] == str(clone)
    assert Path.cwd() == folder
    assert language.current() == expected
    assert colab.widget_managers == [True]
    out = capsys.readouterr().out
    assert translate(online.READY, expected).split("{")[0] in out
    assert translate(online.UNKNOWN_EDITION, "en") not in out


@pytest.mark.parametrize(
    "sessions",
    [None, [{"path": "fileId=1AbCdEfGhIjKlMnOp", "kernel": {"id": "k-1"}}], {"message": "Forbidden"}],
    ids=["no server", "a notebook from Drive", "not a list"],
)
def test_on_colab_a_notebook_colab_does_not_place_runs_in_english_saying_so_in_both_languages(
    colab, monkeypatch, tmp_path, capsys, sessions
):
    server = serve_sessions(monkeypatch, sessions) if sessions is not None else None
    try:
        run_cell(tmp_path / "lnlib")
    finally:
        if server:
            server.shutdown()
            server.server_close()
    assert language.current() == "en" and Path.cwd() == paths.NOTEBOOKS
    out = capsys.readouterr().out
    for code in language.LANGUAGES:
        assert translate(online.UNKNOWN_EDITION, code) in out
    assert translate(online.UNKNOWN_EDITION, "zh") != translate(online.UNKNOWN_EDITION, "en")


def test_run_again_the_cell_clones_nothing_more(colab, tmp_path):
    (tmp_path / "lnlib").mkdir()
    run_cell(tmp_path / "lnlib")
    assert [command[:2] for command in colab.commands] == [[sys.executable, "-m"]]


def test_the_notebook_is_found_by_its_kernel_among_several_sessions():
    sessions = [
        github_session("notebooks/01_formulas.ipynb", "k-1"),
        github_session("notebooks/zh/02.ipynb", "k-2"),
    ]
    assert online.notebook_path(sessions, "k-2").endswith("/blob/main/notebooks/zh/02.ipynb")
    assert online.notebook_path(sessions, "k-3") is None  # two sessions, none of them ours
    assert online.notebook_path(sessions[:1], None).startswith("fileId=https://github.com/")
    assert online.edition_language(online.notebook_path(sessions, "k-2")) == "zh"
    assert online.edition_language(online.notebook_path(sessions, "k-1")) == "en"


def test_a_package_replaced_under_a_running_kernel_asks_for_a_restart(colab, monkeypatch, capsys):
    answers = iter([{"numpy": "1.0", "pillow": "1.0"}, {"numpy": "2.0", "pillow": "1.0"}])
    monkeypatch.setattr(online, "imported_distributions", lambda: {"numpy", "pillow"})
    monkeypatch.setattr(online, "versions", lambda names: next(answers))
    online.start_on_colab()
    assert translate(online.RESTART, "en").format(packages="numpy") in capsys.readouterr().out


def test_the_distributions_watched_are_those_of_imported_modules():
    import numpy  # noqa: F401  (imported: an old version of it would stay in memory)

    assert "ruff" not in sys.modules  # installed (the project's linter), never imported by the tests
    watched = online.imported_distributions()
    assert "numpy" in watched and "ruff" not in watched
    assert online.versions(["numpy", "no-such-distribution"]) == {
        "numpy": numpy.__version__,
        "no-such-distribution": None,
    }


@pytest.mark.parametrize("language_code", ["en", "zh"])
def test_every_notebook_opens_with_its_title_then_the_bootstrap_cell(language_code):
    found = paths.notebooks(language_code)
    assert len(found) == len(paths.notebooks("en")) >= 8
    for path in found:
        cells = nbformat.read(path, as_version=4).cells
        first_code = next(i for i, cell in enumerate(cells) if cell.cell_type == "code")
        cell = cells[first_code]
        assert first_code == 1 and cells[0].cell_type == "markdown", f"{path.name}: not right after the title"
        assert cell.source == online.bootstrap_cell(), (
            f"{path.name}: its first code cell is not the bootstrap cell "
            "(lnlib.support.online.put_bootstrap_cell brings it up to date)"
        )
        assert cell.metadata.get("slideshow", {}).get("slide_type") == "skip"


def test_putting_the_bootstrap_cell_twice_keeps_one(tmp_path):
    path = tmp_path / "n.ipynb"
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("x = 1")]
    )
    nbformat.write(notebook, path)
    online.put_bootstrap_cell(path)
    online.put_bootstrap_cell(path)
    cells = nbformat.read(path, as_version=4).cells
    assert [cell.source for cell in cells] == ["# Title", online.bootstrap_cell(), "x = 1"]


@pytest.mark.parametrize(("readme", "language_code"), [("README.md", "en"), ("README.zh-CN.md", "zh")])
def test_each_readme_has_its_editions_badges_under_the_link_to_the_other(readme, language_code):
    lines = (paths.ROOT / readme).read_text(encoding="utf-8").splitlines()
    assert lines[2] == online.badges(language_code), f"{readme}: line 3 is not its badges"
    opened = online.first_notebook(language_code)
    assert (paths.ROOT / opened).is_file()
    assert online.colab_url(opened) in lines[2] and online.binder_url(opened) in lines[2]


def test_lnlib_declares_torch_as_a_range_that_keeps_colabs_torch():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    torch = [
        Requirement(line) for line in project.get("dependencies", []) if Requirement(line).name == "torch"
    ]
    if not torch:
        pytest.skip("pyproject.toml declares no torch yet")
    pinned = next(
        line.split("==")[1].strip()
        for line in (paths.ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("torch==")
    )
    (specifier,) = (requirement.specifier for requirement in torch)
    assert not any(spec.operator in ("==", "===") for spec in specifier), f"torch is pinned: {specifier}"
    assert specifier.contains(pinned) and specifier.contains(pinned + "+cu126")
