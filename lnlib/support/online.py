"""The course online, with nothing installed: Google Colab and Binder, and the READMEs' badges to them.

Binder builds the repository with ``binder/`` (repo2docker) and needs nothing here. Colab opens one
notebook straight from GitHub in a bare runtime, without the repository or ``lnlib``. So every notebook's
first code cell is :func:`bootstrap_cell`: on Colab only, it clones :data:`REPOSITORY`, puts the clone on
``sys.path`` and hands over to :func:`start_on_colab`, which installs ``lnlib`` and sets the notebook up.
Elsewhere the cell does nothing and prints nothing (a test runs it both ways, Colab faked).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote

from lnlib.support import paths
from lnlib.support.language import CHINESE_FOLDER, LANGUAGES, translate, use
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_

REPOSITORY = "https://github.com/lnlib-course/lnlib"
"""The course's public repository: the one place its address is written (the cell, the badges)."""
BRANCH = "main"
"""The branch that Colab's and Binder's links open."""
COLAB_CLONE = "/content/lnlib"
"""Where the bootstrap cell clones the repository on Colab (``/content`` is Colab's working folder)."""
COLAB_MODULE = "google.colab"
"""Imported in every Colab kernel, and nowhere else: how the cell knows it runs on Colab."""
COLAB_SERVER = ("COLAB_JUPYTER_IP", "KMP_TARGET_PORT")
"""The environment variables holding the address and port of the Jupyter server of a Colab runtime."""
BOOTSTRAP_CELL_ID = "colab-bootstrap"
"""The bootstrap cell's id, the same in every notebook of both editions."""
SESSIONS_TIMEOUT = 5.0
"""Seconds to wait for Colab's server to list its sessions before falling back to English."""

READY = N_(
    "The course is ready on Colab: lnlib is installed from {folder}, and this notebook speaks {language}."
)
UNKNOWN_EDITION = N_(
    "Colab did not say which notebook this is, so the course speaks English. "
    'In the Chinese edition, run: from lnlib.support.language import use; use("zh")'
)
RESTART = N_(
    "Installing the course replaced {packages}, already imported in this session: restart the session "
    "(Runtime → Restart session) and run this cell again."
)
COLAB_BADGE = N_("Open in Colab")
BINDER_BADGE = N_("Launch on Binder")


def bootstrap_cell(clone: str = COLAB_CLONE) -> str:
    """The source of every notebook's first code cell; ``clone`` is where it clones the repository."""
    clone, repository = json.dumps(clone), json.dumps(REPOSITORY)
    return f"""# On Google Colab only: fetch the course and install lnlib (elsewhere this cell does nothing).
import sys

if "{COLAB_MODULE}" in sys.modules:
    import os
    import subprocess

    if not os.path.isdir({clone}):
        subprocess.run(
            ["git", "clone", "--depth=1", {repository}, {clone}],
            check=True,
        )
    sys.path.insert(0, {clone})
    from lnlib.support.online import start_on_colab

    start_on_colab()"""


def bootstrap_cell_of(notebook) -> object | None:
    """The bootstrap cell of ``notebook`` (an nbformat notebook): its first code cell, if it is one."""
    code = next((cell for cell in notebook.cells if cell.cell_type == "code"), None)
    return code if code is not None and code.get("id") == BOOTSTRAP_CELL_ID else None


def put_bootstrap_cell(path: Path) -> None:
    """Give the notebook at ``path`` the current bootstrap cell: right after its title cell, as its first
    code cell, off the slides ("skip"); an existing one is brought up to date."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    cell = bootstrap_cell_of(notebook)
    if cell is None:
        cell = nbformat.v4.new_code_cell(metadata={"slideshow": {"slide_type": "skip"}})
        cell.id = BOOTSTRAP_CELL_ID
        notebook.cells.insert(1, cell)
    cell.source = bootstrap_cell()
    nbformat.write(notebook, path)


def start_on_colab() -> str:
    """Set a Colab notebook up, once its cell has cloned the repository: install ``lnlib``, move into the
    notebook's edition and speak its language (English when Colab does not say); that language."""
    replaced = install()
    language = edition_language(notebook_path(colab_sessions(), kernel_id()))
    if language is None:
        print("\n".join(translate(UNKNOWN_EDITION, code) for code in LANGUAGES))
        language = "en"
    os.chdir(paths.CHINESE_NOTEBOOKS if language == "zh" else paths.NOTEBOOKS)
    use(language)
    _enable_colab_widgets()
    print(_(READY).format(folder=paths.ROOT, language=LANGUAGES[language]))
    if replaced:
        print(_(RESTART).format(packages=", ".join(replaced)))
    return language


def install() -> list:
    """``pip install -e`` the repository ``lnlib`` runs from; the packages it replaced that this process
    had already imported (their old versions stay in memory until a restart), sorted.

    pip installs what ``pyproject.toml`` declares and keeps what already satisfies it: Colab's own torch
    (CUDA build included) satisfies the declared range of torch, so it stays.
    """
    imported = imported_distributions()
    before = versions(imported)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--editable", str(paths.ROOT)], check=True
    )
    importlib.invalidate_caches()  # so that this process finds the packages pip just added
    after = versions(imported)
    return sorted(name for name in imported if after[name] != before[name])


def imported_distributions() -> set:
    """The installed distributions that provide a module this process has imported."""
    providers = importlib.metadata.packages_distributions()
    modules = {name.partition(".")[0] for name in list(sys.modules)}
    return {dist for module in modules for dist in providers.get(module, ())}


def versions(distributions) -> dict:
    """Each distribution's installed version (None for one not installed)."""
    found = {}
    for name in distributions:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def colab_sessions(timeout: float = SESSIONS_TIMEOUT) -> list | None:
    """The sessions Colab's Jupyter server lists (``/api/sessions``); None when it cannot be asked."""
    host, port = (os.environ.get(name) for name in COLAB_SERVER)
    if not host or not port:
        return None
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/api/sessions", timeout=timeout) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


def kernel_id() -> str | None:
    """The id of the kernel running this code (from its connection file); None outside a kernel."""
    try:
        from ipykernel.connect import get_connection_file

        return Path(get_connection_file()).stem.removeprefix("kernel-")
    except (ImportError, RuntimeError):
        return None


def notebook_path(sessions: list | None, kernel: str | None = None) -> str | None:
    """The path of the notebook of ``kernel`` among Colab's ``sessions`` (the only session when none
    names the kernel), decoded: ``fileId=https://github.com/.../notebooks/zh/03_….ipynb`` when opened
    from GitHub; None when the sessions do not tell."""
    if not isinstance(sessions, list):
        return None
    ours = [s for s in sessions if isinstance(s, dict) and kernel and s.get("kernel", {}).get("id") == kernel]
    if not ours and len(sessions) == 1 and isinstance(sessions[0], dict):
        ours = sessions
    path = ours[0].get("path") if ours else None
    return unquote(path) if isinstance(path, str) and path.endswith(".ipynb") else None


def edition_language(path: str | None) -> str | None:
    """The language of the notebook at ``path``: "zh" in the Chinese edition's folder, else "en"; None
    for no path (the notebook came from Drive or an upload, or Colab did not answer)."""
    if path is None:
        return None
    return "zh" if PurePosixPath(path).parent.name == CHINESE_FOLDER else "en"


def _enable_colab_widgets() -> None:
    """Let Colab draw ipywidgets 8's controls (Colab's own widget manager is for ipywidgets 7)."""
    try:
        output = importlib.import_module(COLAB_MODULE + ".output")
    except ImportError:
        return
    output.enable_custom_widget_manager()


def first_notebook(language: str) -> str:
    """The path, from the repository's folder, of the notebook a reader in ``language`` opens first."""
    folder = paths.CHINESE_NOTEBOOKS if language == "zh" else paths.NOTEBOOKS
    return (folder / paths.notebooks()[0].name).relative_to(paths.ROOT).as_posix()


def colab_url(notebook: str) -> str:
    """Colab's address of ``notebook`` (a path from the repository's folder) on :data:`BRANCH`."""
    return f"https://colab.research.google.com/github/{_github_name()}/blob/{BRANCH}/{notebook}"


def binder_url(notebook: str) -> str:
    """Binder's address that builds the repository and opens ``notebook`` in JupyterLab."""
    return f"https://mybinder.org/v2/gh/{_github_name()}/{BRANCH}?labpath={quote(notebook, safe='')}"


def badges(language: str) -> str:
    """The READMEs' line of badges in ``language``: open the first notebook on Colab, or on Binder."""
    notebook = first_notebook(language)
    return (
        f"[![{translate(COLAB_BADGE, language)}](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"({colab_url(notebook)}) "
        f"[![{translate(BINDER_BADGE, language)}](https://mybinder.org/badge_logo.svg)]({binder_url(notebook)})"
    )


def _github_name() -> str:
    return REPOSITORY.removeprefix("https://github.com/")
