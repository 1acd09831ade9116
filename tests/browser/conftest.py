"""A real browser against the notebooks served by Voila, as a lecturer's audience sees them.

Headless Chromium from Debian (/usr/bin/chromium) is driven by the Python playwright package
(Playwright's own browser download does not work on these machines). Voila is started on 127.0.0.1 and
a free port, and stopped by its PID at the end whatever happens. A failing test saves a screenshot and
the page's text in tests/browser/artifacts/ and says where.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from lnlib.support import paths
from lnlib.tools import present
from lnlib.tools.browser import CHROMIUM, CHROMIUM_ARGS, PAGE_TIMEOUT_MS

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


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
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


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


@pytest.fixture
def new_page(browser, request, artifacts_dir):
    """Opens pages in a fresh browser context; on failure each page's screenshot and text are saved."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    pages = []

    def open_page():
        page = context.new_page()
        pages.append(page)
        return page

    yield open_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
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
    context.close()


def pytest_sessionfinish(session, exitstatus):
    """Keep the artifacts folder only when something was saved in it."""
    if ARTIFACTS.is_dir() and exitstatus == 0:
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
