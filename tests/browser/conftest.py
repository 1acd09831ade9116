"""A real browser against the notebooks served by Voila, as a lecturer's audience sees them.

Headless Chromium from Debian (/usr/bin/chromium) is driven by the Python playwright package
(Playwright's own browser download does not work on these machines). Voila is started on 127.0.0.1 and
a free port, and stopped by its PID at the end whatever happens. A failing test saves a screenshot and
the page's text in tests/browser/artifacts/<worker>/ and says where.

Opening a notebook runs it in a kernel (seconds), so each notebook is opened once per session and its page
shared by every test that looks at it (``notebook_page``). Those tests run one notebook after another, in
the order of ``STAGES`` (tests that need the page as it loads first, the one that moves every control last),
and under pytest-xdist (``-n 2 --dist loadgroup``) each notebook's tests stay on one worker.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
from pathlib import Path

import pytest

from lnlib.support import paths
from lnlib.tools import present
from lnlib.tools.browser import CHROMIUM, CHROMIUM_ARGS, PAGE_TIMEOUT_MS, open_notebook

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
"""This test process's name: pytest-xdist's worker id (gw0, gw1, ...), or "main" without workers."""
VIEWPORT = {"width": 1400, "height": 1000}

STAGES = ("as_loaded", "before_reset", "reset", "after_reset", "every_control")
"""The order in which the tests that share one notebook's page run (``@pytest.mark.notebook_page(stage)``):
those that need the page as it loaded (its slides' heights, a prediction still to make), the Reset buttons,
the tests that move one app and leave it as they found it, and last the test that moves every control."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "notebook_page(stage, notebook=None): the test looks at a notebook's shared page; see STAGES",
    )


def _shared_page_notebook(item) -> str | None:
    marker = item.get_closest_marker("notebook_page")
    if marker is None:
        return None
    notebook = marker.kwargs.get("notebook") or item.callspec.params.get("name")
    assert notebook, (
        f"{item.nodeid}: a notebook_page test names its notebook (notebook= or a 'name' parameter)"
    )
    return notebook


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """The tests of one notebook's shared page run together, in the order of STAGES, on one xdist worker."""
    first_seen = {}
    for index, item in enumerate(items):
        notebook = _shared_page_notebook(item)
        if notebook is not None:
            first_seen.setdefault(notebook, index)
            item.add_marker(pytest.mark.xdist_group(notebook))

    def order(indexed):
        index, item = indexed
        notebook = _shared_page_notebook(item)
        if notebook is None:
            return (index, 0, 0)
        stage = item.get_closest_marker("notebook_page").args[0]
        assert stage in STAGES, f"{item.nodeid}: unknown stage {stage!r}; the stages are {STAGES}"
        return (first_seen[notebook], STAGES.index(stage), index)

    items[:] = [item for _, item in sorted(enumerate(items), key=order)]


def chromium_or_skip() -> str:
    """Chromium's path; without it the browser tests are skipped, except in CI where they must run."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    message = f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(message + "; .ci/run installs it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """This process's own folder of artifacts (Voila's logs, and screenshots of failing tests)."""
    folder = ARTIFACTS / WORKER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class VoilaServers:
    """Starts Voila servers for the notebooks folder, each logging to artifacts/<name>-voila.log, and
    stops every one of them by PID, whatever happened."""

    def __init__(self, artifacts_dir: Path) -> None:
        self.artifacts_dir = artifacts_dir
        self.running = []

    def start(self, name: str, target: Path = paths.NOTEBOOKS, preheat: int = 0, **options) -> tuple:
        """``(process, url)`` of a new Voila serving ``target`` (the notebooks folder, or one notebook),
        with ``preheat`` kernels heated for each notebook (0: cold); ``options`` go to ``start_voila``."""
        return self._started(
            name, lambda log: present.start_voila(target, log=log, preheat=preheat, **options)
        )

    def present(self, name: str, notebook: str, language: str = "en") -> tuple:
        """The Voila of ``python -m lnlib present NOTEBOOK --lang LANGUAGE``, started as ``present`` starts
        it: ``(process, url, page, heated)`` of ``present.start_present``."""
        return self._started(name, lambda log: present.start_present(notebook, language, log=log))

    def _started(self, name: str, start) -> tuple:
        """What ``start(log)`` returns, its Voila (the result's first item) logging to artifacts/<name>-voila.log."""
        log = open(self.artifacts_dir / f"{name}-voila.log", "w")  # noqa: SIM115 (closed in stop)
        try:
            started = start(log)
        except Exception:
            log.close()
            raise
        self.running.append((started[0], log))
        return started

    def stop(self, process) -> None:
        for running, log in list(self.running):
            if running is process:
                present.stop_voila(running)
                log.close()
                self.running.remove((running, log))

    def stop_all(self) -> None:
        for process, _ in list(self.running):
            self.stop(process)


@pytest.fixture(scope="session")
def voila_url(artifacts_dir):
    """One Voila for the whole session, serving the notebooks folder."""
    servers = VoilaServers(artifacts_dir)
    try:
        yield servers.start("session")[1]
    finally:
        servers.stop_all()


@pytest.fixture
def voila_servers(artifacts_dir):
    """Voila servers of a test's own (to count or stop their kernels); all stopped at the test's end."""
    servers = VoilaServers(artifacts_dir)
    try:
        yield servers
    finally:
        servers.stop_all()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def save_artifacts_if_failed(request, pages: list, artifacts_dir: Path) -> None:
    """When the test of ``request`` failed, save each page's screenshot and text, and say where."""
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed:
        return
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    for index, page in enumerate(pages):
        screenshot = artifacts_dir / f"{stem}-{index}.png"
        text = artifacts_dir / f"{stem}-{index}.txt"
        try:
            page.screenshot(path=str(screenshot), full_page=True)
            text.write_text(page.inner_text("body"), encoding="utf-8")
            print(f"\nbrowser artifacts: {screenshot} and {text}")
        except Exception as error:  # the page may be gone; say so instead of hiding the test's failure
            print(f"\nno browser artifacts for page {index}: {error}")


def leave(page) -> None:
    """Close a page after leaving it for about:blank, whose unload asks Voila to shut the page's kernel down.
    (Voila 0.5.13 refuses that request, 403 '_xsrf' argument missing: the kernel stays until Voila's idle
    limit or until the test's Voila is stopped by PID.)"""
    try:
        page.goto("about:blank")
    finally:
        page.close()


@pytest.fixture
def new_page(browser, request, artifacts_dir):
    """Opens pages in a fresh browser context; on failure each page's screenshot and text are saved."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    pages = []

    def open_page():
        page = context.new_page()
        pages.append(page)
        return page

    yield open_page
    save_artifacts_if_failed(request, pages, artifacts_dir)
    for page in pages:
        if not page.is_closed():
            leave(page)
    context.close()


class SharedPages:
    """One open page per notebook of the session's Voila, opened at its first use and shared by the tests that
    look at it; each page records every address it fetched. Only the ``keep`` most recently used stay open
    (the tests of one notebook run together), so that few kernels are alive at once."""

    def __init__(self, browser, url: str, keep: int = 2) -> None:
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(PAGE_TIMEOUT_MS)
        self.url, self.keep = url, keep
        self.pages = collections.OrderedDict()
        self.fetched = {}
        self.opening = None

    def get(self, name: str):
        """The page of notebook ``name`` (a path relative to notebooks/), opened if it is not yet."""
        if name in self.pages:
            self.pages.move_to_end(name)
            return self.pages[name]
        page = self.context.new_page()
        self.fetched[name] = fetched = []
        page.on("request", lambda request: fetched.append(request.url))
        self.opening = page  # for the artifacts, should it fail to open
        open_notebook(page, self.url, name)
        self.opening = None
        self.pages[name] = page
        while len(self.pages) > self.keep:
            leave(self.pages.popitem(last=False)[1])
        return page

    def close(self) -> None:
        for page in self.pages.values():
            leave(page)
        self.context.close()


@pytest.fixture(scope="session")
def shared_pages(browser, voila_url):
    pages = SharedPages(browser, voila_url)
    try:
        yield pages
    finally:
        pages.close()


@pytest.fixture
def notebook_page(shared_pages, request, artifacts_dir):
    """``notebook_page(name)``: notebook ``name``'s page, shared with the other tests of that notebook (mark the
    test ``@pytest.mark.notebook_page(stage)``); on failure its screenshot and text are saved."""
    used = []

    def get(name: str):
        page = shared_pages.get(name)
        used.append(page)
        return page

    yield get
    if shared_pages.opening is not None and shared_pages.opening not in used:
        used.append(shared_pages.opening)  # the page that failed to open
    save_artifacts_if_failed(request, used, artifacts_dir)


def pytest_sessionfinish(session, exitstatus):
    """Keep the artifacts folder only when something was saved in it: removed by the process that ran (or, with
    pytest-xdist, that led) a session that passed."""
    if hasattr(session.config, "workerinput"):
        return
    if ARTIFACTS.is_dir() and exitstatus == 0:
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
